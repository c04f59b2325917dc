//! Relays find which relays host a space through the DHT (real libp2p over
//! TCP on loopback, three relays and a member's node in one thread): relay
//! A hosts a space and knows relay B; relay C knows only B. C is told to
//! host the space, finds A through the DHT, dials it and syncs the space
//! from it. Then a member's node that knows only B does the same.

use std::rc::Rc;
use std::time::Duration;

use futures::FutureExt;
use hearth_core::SpaceId;
use hearth_core::op::Body;
use hearth_net::p2p::{Multiaddr, Network, NetworkError, Options, PeerId, Status, identity};
use hearth_node::Node;
use hearth_store::MemoryStore;

type Net = Network<MemoryStore>;

mod common;
use common::node;

async fn relay(node: Rc<Node<MemoryStore>>, dial: Vec<Multiaddr>) -> (Net, Multiaddr) {
    let options = Options {
        dial,
        ..Options::default()
    };
    common::relay(node, options).await
}

/// Runs `others` in the background until `last` is done (or `secs` pass).
async fn run(
    others: Vec<&mut Net>,
    last: &mut Net,
    secs: u64,
    done: impl FnMut(&Status) -> bool,
) -> Option<Status> {
    let limit = Some(Duration::from_secs(secs));
    let background = futures::future::join_all(
        others
            .into_iter()
            .map(|n| Box::pin(n.run_until(|_| false, limit))),
    );
    let outcome = futures::select! {
        s = Box::pin(last.run_until(done, limit)).fuse() => s,
        _ = background.fuse() => Err(NetworkError::Timeout(Duration::ZERO)),
    };
    match outcome {
        Ok(status) => Some(status),
        Err(NetworkError::Timeout(_)) => None,
        Err(e) => panic!("network: {e}"),
    }
}

fn holds(status: &Status, space: &SpaceId, ops: u64) -> bool {
    status
        .spaces
        .iter()
        .any(|s| s.space == *space && s.held == ops && s.agreed)
}

#[tokio::test(flavor = "current_thread")]
async fn a_relay_and_a_member_find_the_relay_hosting_a_space() {
    let author = node(Some(1)).await;
    let space = author.create_space("Orchard").await.expect("space");
    for text in ["one", "two"] {
        let body = Body::Note { text: text.into() };
        author.create_op(&space, body).await.expect("op");
    }
    let (mut b, b_addr) = relay(node(None).await, vec![]).await;
    let (mut a, _) = relay(author, vec![b_addr.clone()]).await;
    let a_id: PeerId = a.peer_id();

    // A's announcement reaches B (A hosts the space; B does not).
    let (mut c, _) = relay(node(None).await, vec![b_addr.clone()]).await;
    let no_dht = run(vec![&mut a, &mut b], &mut c, 3, |s| {
        s.spaces.iter().any(|s| s.held > 0)
    })
    .await;
    assert!(no_dht.is_none(), "C holds nothing it was not asked for");

    c.host(space).await.expect("host");
    let found = run(vec![&mut a, &mut b], &mut c, 30, |s| holds(s, &space, 3))
        .await
        .expect("C finds A through the DHT and syncs the space");
    assert!(
        found.peers.contains(&a_id),
        "C is connected to A: {found:?}"
    );
    assert!(
        !b.status().spaces.iter().any(|s| s.space == space),
        "B never hosted the space"
    );

    // A member's node that knows only B finds the hosting relays the same way.
    let options = Options {
        dial: vec![b_addr],
        ..Options::default()
    };
    let mut member = Network::start(
        node(None).await,
        identity::Keypair::generate_ed25519(),
        options,
    )
    .await
    .expect("member");
    member.host(space).await.expect("host");
    let synced = run(vec![&mut a, &mut b, &mut c], &mut member, 30, |s| {
        holds(s, &space, 3)
    })
    .await
    .expect("the member finds a hosting relay and syncs");
    assert!(
        synced.peers.len() >= 2,
        "B and a relay hosting it: {synced:?}"
    );
}
