//! The driver between the sync machine and a node: store work that follows
//! a message waits until the caller has sent that message, so a long sync's
//! next request travels while the current batch is ingested.

use hearth_core::Op;
use hearth_net::driver;
use hearth_net::sync::{Config, Output, Sync, SyncMessage};
use hearth_node::{FixedEnv, Node, testkit};
use hearth_store::suite::run_ready;
use hearth_store::{MemoryStore, Store};

#[test]
fn the_next_request_goes_out_before_the_batch_is_ingested() {
    let node = run_ready(Node::open(
        MemoryStore::new(),
        None,
        Box::new(FixedEnv::new(1_700_000_000_000)),
    ))
    .expect("node");
    let blocks = testkit::workload(40, 2);
    let space = Op::decode(&blocks[0]).expect("decodes").op.data.space;
    let mut sync = Sync::new(Config::default());
    sync.handle_holdings(space, hearth_core::VersionVector::new());
    sync.handle_connected(1u8, 0);
    let first = run_ready(driver::step(&node, &mut sync, 0)).expect("step");
    assert!(matches!(&first[..], [Output::Send { .. }]));

    let batch = SyncMessage::Ops {
        space,
        ops: blocks[..20].iter().cloned().map(Into::into).collect(),
        more: true,
    };
    sync.handle_message(1, &batch.encode(), 1);
    // The continuation comes back alone; nothing is ingested yet.
    let sent = run_ready(driver::step(&node, &mut sync, 1)).expect("step");
    assert!(
        matches!(
            &sent[..],
            [Output::Send {
                peer: 1,
                message: SyncMessage::Summary { vv: Some(_), .. }
            }]
        ),
        "{sent:?}"
    );
    assert_eq!(run_ready(node.store().counts()).expect("counts").ops, 0);
    // The next call ingests the batch, with nothing more to send.
    let rest = run_ready(driver::step(&node, &mut sync, 2)).expect("step");
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(run_ready(node.store().counts()).expect("counts").ops, 20);
}
