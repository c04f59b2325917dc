//! New ops travel by gossip through a relay to many members that share one
//! IP address (real libp2p over TCP on loopback, one thread): a relay, a
//! writer and fourteen members. Gossipsub's default scores would drive
//! peers that share an address below the graylist, and the relay would
//! then drop everything they publish, leaving anti-entropy to carry every
//! op seconds later.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use hearth_core::op::Body;
use hearth_net::p2p::{Network, Options, Status, identity};
use hearth_store::{MemoryStore, Store};

mod common;
use common::{node, relay};

const MEMBERS: usize = 14;

/// Runs `net` in the background, keeping its latest status in `slot`.
fn spawn(mut net: Network<MemoryStore>, slot: Rc<RefCell<Option<Status>>>) {
    tokio::task::spawn_local(async move {
        let _ = net
            .run_until(
                |s| {
                    *slot.borrow_mut() = Some(s.clone());
                    false
                },
                None,
            )
            .await;
    });
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "current_thread")]
async fn an_op_reaches_members_sharing_one_address_by_gossip() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let host_all = Options {
                host_all: true,
                ..Options::default()
            };
            let (relay, addr) = relay(node(None).await, host_all).await;
            spawn(relay, Rc::default());
            let dial = Options {
                dial: vec![addr],
                ..Options::default()
            };

            let writer = node(Some(1)).await;
            let space = writer.create_space("gossip").await.expect("space");
            let key = identity::Keypair::generate_ed25519();
            let net = Network::start(writer.clone(), key, dial.clone())
                .await
                .expect("writer");
            spawn(net, Rc::default());

            let mut members = Vec::new();
            for _ in 0..MEMBERS {
                let key = identity::Keypair::generate_ed25519();
                let mut net = Network::start(node(None).await, key, dial.clone())
                    .await
                    .expect("member");
                net.host(space).await.expect("host");
                let slot: Rc<RefCell<Option<Status>>> = Rc::default();
                spawn(net, slot.clone());
                members.push(slot);
            }
            let held = |ops: u64| {
                members.iter().all(|m| {
                    m.borrow().as_ref().is_some_and(|s| {
                        s.in_sync() && s.spaces.iter().any(|x| x.space == space && x.held == ops)
                    })
                })
            };
            let count = || async {
                (writer.store().version_vector(&space).await)
                    .expect("vector")
                    .op_count()
            };
            let base = count().await;
            until("every member to hold the space", || held(base)).await;

            writer
                .create_op(
                    &space,
                    Body::Note {
                        text: "to all".into(),
                    },
                )
                .await
                .expect("op");
            assert_eq!(count().await, base + 1);
            until("every member to hold the new op", || held(base + 1)).await;
            for (i, m) in members.iter().enumerate() {
                let status = m.borrow().clone().expect("status");
                assert!(
                    status.traffic.ops_pushed_in >= 1,
                    "member {i} got the op only by anti-entropy: {:?}",
                    status.traffic
                );
            }
        })
        .await;
}
