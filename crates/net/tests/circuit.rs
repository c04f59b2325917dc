//! Members reach each other through their relay's circuit (real libp2p over
//! TCP on loopback, three networks in one thread): Bob hears Alice's gossip
//! through the relay, dials her through it, and they sync over the circuit.

use std::rc::Rc;
use std::time::Duration;

use hearth_core::op::Body;
use hearth_net::p2p::{Network, NetworkError, Options, Status, identity};
use hearth_node::Node;
use hearth_store::MemoryStore;

type Net = Network<MemoryStore>;

mod common;

async fn node(seed: u8) -> Rc<Node<MemoryStore>> {
    common::node(Some(seed)).await
}

/// Runs all three for `secs`, or until `done` holds for the last one.
async fn run(nets: [&mut Net; 3], secs: u64, done: impl FnMut(&Status) -> bool) -> Option<Status> {
    use futures::FutureExt;
    let [first, second, last] = nets;
    let limit = Some(Duration::from_secs(secs));
    let mut others = Box::pin(
        futures::future::join(
            first.run_until(|_| false, limit),
            second.run_until(|_| false, limit),
        )
        .fuse(),
    );
    let mut last = Box::pin(last.run_until(done, limit).fuse());
    let last = futures::select! {
        last = last => last,
        _ = others => Err(NetworkError::Timeout(Duration::ZERO)),
    };
    match last {
        Ok(status) => Some(status),
        Err(NetworkError::Timeout(_)) => None,
        Err(e) => panic!("network: {e}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn members_reach_each_other_through_the_relay() {
    let host_all = Options {
        host_all: true,
        ..Options::default()
    };
    let (mut relay, addr) = common::relay(node(1).await, host_all).await;

    let member = |n: Rc<Node<MemoryStore>>| {
        let options = Options {
            dial: vec![addr.clone()],
            circuits: true,
            ..Options::default()
        };
        Network::start(n, identity::Keypair::generate_ed25519(), options)
    };
    let alice_node = node(2).await;
    let space = alice_node.create_space("Garden").await.expect("space");
    let mut alice = member(alice_node.clone()).await.expect("alice");
    let mut bob = member(node(3).await).await.expect("bob");
    bob.host(space).await.expect("host");

    // Everyone connects and Bob catches up through the relay.
    let caught_up = run([&mut relay, &mut alice, &mut bob], 20, |s| {
        s.in_sync() && s.spaces.iter().any(|s| s.held == 1)
    })
    .await;
    assert!(
        caught_up.is_some(),
        "Bob did not catch up through the relay"
    );

    // Alice posts: her gossip reaches Bob through the relay, he dials her.
    alice_node
        .create_op(
            &space,
            Body::Note {
                text: "over the circuit".into(),
            },
        )
        .await
        .expect("op");
    let reached = run([&mut relay, &mut alice, &mut bob], 20, |s| {
        s.circuit_peers >= 1 && s.spaces.iter().any(|s| s.held == 2)
    })
    .await
    .expect("Bob reaches Alice through the relay's circuit");
    assert_eq!(reached.peers.len(), 2, "the relay and Alice: {reached:?}");
    assert_eq!(relay.status().traffic.circuits, 1);
    // Alice's side of the circuit may come up a moment after Bob's.
    run([&mut relay, &mut bob, &mut alice], 5, |s| {
        s.circuit_peers >= 1
    })
    .await;
    assert_eq!(
        alice.status().circuit_peers,
        1,
        "Alice counts the circuit too"
    );

    // The circuit stays up.
    let left = run([&mut relay, &mut alice, &mut bob], 8, |s| {
        s.circuit_peers == 0
    })
    .await;
    assert!(left.is_none(), "the circuit closed: {left:?}");
}
