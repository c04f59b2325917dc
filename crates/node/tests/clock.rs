//! Ops claimed later than a node's clock allows wait outside it: not
//! stored, not acknowledged, taken once their time has come.

mod common;

use common::all_blocks;
use hearth_core::Keypair;
use hearth_core::op::Body;
use hearth_node::{FixedEnv, MAX_SKEW_MS, Node};
use hearth_store::suite::run_ready;
use hearth_store::{MemoryStore, Store};

const NOW: u64 = 1_700_000_000_000;

fn node_at(seed: u8, now: u64) -> Node<MemoryStore> {
    run_ready(Node::open(
        MemoryStore::new(),
        Some(Keypair::from_seed(&[seed; 32])),
        Box::new(FixedEnv::new(now)),
    ))
    .expect("open")
}

#[test]
fn ops_from_the_future_are_taken_only_once_their_time_has_come() {
    // A node whose clock runs an hour fast writes a space.
    let fast = node_at(1, NOW + 60 * 60 * 1000);
    let space = run_ready(fast.create_space("Riverside")).expect("space");
    run_ready(fast.create_op(
        &space,
        Body::Note {
            text: "early".into(),
        },
    ))
    .expect("note");
    let blocks = all_blocks(&fast, &space);

    let now = node_at(2, NOW);
    let report = run_ready(now.ingest(blocks.clone(), |_| {})).expect("ingest");
    assert_eq!(report.ahead, 2, "{report:?}");
    assert!(report.accepted.is_empty() && report.quarantined.is_empty());
    assert_eq!(
        run_ready(now.store().version_vector(&space))
            .expect("vv")
            .op_count(),
        0
    );

    // Within the allowed skew, or once the clock has caught up, they are in.
    let later = node_at(3, NOW + 60 * 60 * 1000 - MAX_SKEW_MS);
    let report = run_ready(later.ingest(blocks, |_| {})).expect("ingest");
    assert_eq!((report.ahead, report.accepted.len()), (0, 2), "{report:?}");
}
