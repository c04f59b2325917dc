//! What the node's native tests share: a node on a memory store at a fixed
//! time, and a space's blocks as another node would receive them.
#![allow(dead_code)]

use hearth_core::{Keypair, SpaceId};
use hearth_node::{FixedEnv, Node};
use hearth_store::suite::run_ready;
use hearth_store::{MemoryStore, Store};

/// A node on a memory store, its identity from `seed`.
pub fn node(seed: u8) -> Node<MemoryStore> {
    let kp = Keypair::from_seed(&[seed; 32]);
    run_ready(Node::open(
        MemoryStore::new(),
        Some(kp),
        Box::new(FixedEnv::new(1_700_000_000_000)),
    ))
    .expect("open")
}

/// Every block of `space` that `n` holds, as its CAR export carries them.
pub fn all_blocks(n: &Node<impl Store>, space: &SpaceId) -> Vec<Vec<u8>> {
    let car = run_ready(n.export_car(space)).expect("export");
    hearth_core::car::read_car(&car)
        .expect("car")
        .blocks
        .into_iter()
        .map(|(_, b)| b)
        .collect()
}
