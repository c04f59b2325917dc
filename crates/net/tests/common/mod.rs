//! What the network tests share: in-memory nodes, and relays listening on
//! TCP on loopback.

use std::rc::Rc;
use std::time::Duration;

use hearth_core::Keypair;
use hearth_net::p2p::{Multiaddr, Network, Options, identity};
use hearth_node::{Node, SystemEnv};
use hearth_store::MemoryStore;

/// A node on a memory store, with the identity of `seed` if given.
pub async fn node(seed: Option<u8>) -> Rc<Node<MemoryStore>> {
    let key = seed.map(|s| Keypair::from_seed(&[s; 32]));
    Rc::new(
        Node::open(MemoryStore::new(), key, Box::new(SystemEnv))
            .await
            .expect("node"),
    )
}

/// A relay server for `node` on a loopback TCP port, started with
/// `options` otherwise, once it listens: the network and its full address.
pub async fn relay(
    node: Rc<Node<MemoryStore>>,
    options: Options,
) -> (Network<MemoryStore>, Multiaddr) {
    let options = Options {
        listen: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("addr")],
        relay_server: true,
        ..options
    };
    let mut net = Network::start(node, identity::Keypair::generate_ed25519(), options)
        .await
        .expect("relay");
    let up = net
        .run_until(|s| !s.listening.is_empty(), Some(Duration::from_secs(10)))
        .await
        .expect("listening");
    let addr = format!("{}/p2p/{}", up.listening[0], net.peer_id())
        .parse()
        .expect("addr");
    (net, addr)
}
