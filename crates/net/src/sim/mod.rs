//! A deterministic simulation of Hearth nodes syncing over a bad network.
//!
//! Real nodes (the node runtime on memory stores, the sync machine, the
//! driver), a virtual clock and one seeded generator: message loss,
//! duplication and reordering (random latency), partitions that heal, and
//! crashes that drop everything but the store, then restart from it. The
//! same seed gives the same run.

use std::collections::BTreeSet;

use hearth_core::rng::SeededRng;
use rand_core::Rng;

use crate::sync;

mod world;
use world::World;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The seed: same seed, same run.
    pub seed: u64,
    /// How many nodes.
    pub nodes: usize,
    /// How many ops they write in all (the genesis included).
    pub ops: usize,
    /// Links per node (a random connected graph).
    pub degree: usize,
    /// Chance that a message is lost, in percent.
    pub loss_pct: u32,
    /// Chance that a message is delivered twice, in percent.
    pub duplicate_pct: u32,
    /// Message latency bounds in ms (random in between: reordering).
    pub latency_ms: (u64, u64),
    /// Mean time between one node's writes, in ms.
    pub write_every_ms: u64,
    /// Partitions (halves of the network that cannot talk) that heal.
    pub partitions: usize,
    /// Crashes (a node loses all but its store, then restarts).
    pub crashes: usize,
    /// Sync timing and limits.
    pub sync: sync::Config,
}

impl SimConfig {
    /// A small, hostile network: what CI runs for every seed.
    pub fn small(seed: u64) -> Self {
        SimConfig {
            seed,
            nodes: 8,
            ops: 160,
            degree: 3,
            loss_pct: 15,
            duplicate_pct: 5,
            latency_ms: (5, 120),
            write_every_ms: 400,
            partitions: 2,
            crashes: 3,
            sync: sync::Config::default(),
        }
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct SimReport {
    /// Ops written (and held by every node at the end).
    pub ops: usize,
    /// Mean op size in bytes.
    pub mean_op_bytes: f64,
    /// Nodes.
    pub nodes: usize,
    /// Bytes of every message sent, lost ones included.
    pub bytes_sent: u64,
    /// Messages sent.
    pub messages: u64,
    /// Virtual time when every node held every op, in ms.
    pub converged_ms: u64,
    /// Bytes sent by message kind: summaries with a vector, digest-only
    /// summaries, op batches, pushes.
    pub bytes_by_kind: [u64; 4],
}

impl SimReport {
    /// Bytes sent ÷ (ops × mean op size × nodes): 1.0 would be every op
    /// delivered to every node exactly once with no overhead at all.
    pub fn overhead(&self) -> f64 {
        self.bytes_sent as f64 / (self.ops as f64 * self.mean_op_bytes * self.nodes as f64)
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimFailure {
    /// Nodes did not converge in time.
    #[error("seed {seed}: no convergence by {at_ms} ms: {detail}")]
    NoConvergence {
        /// The seed.
        seed: u64,
        /// When the run gave up.
        at_ms: u64,
        /// What differed.
        detail: String,
    },
    /// A node failed.
    #[error("seed {seed}: node {node}: {error}")]
    Node {
        /// The seed.
        seed: u64,
        /// Which node.
        node: usize,
        /// The error.
        error: String,
    },
}

/// Runs one simulation to convergence and checks it.
pub fn run(config: SimConfig) -> Result<SimReport, SimFailure> {
    let mut world = World::new(config);
    world.setup()?;
    world.run_to_convergence()?;
    world.check()
}

/// A connected random graph: a ring for connectivity, then random chords.
pub(super) fn random_graph(rng: &mut SeededRng, n: usize, degree: usize) -> Vec<BTreeSet<usize>> {
    let mut links = vec![BTreeSet::new(); n];
    for i in 0..n {
        let j = (i + 1) % n;
        if i != j {
            links[i].insert(j);
            links[j].insert(i);
        }
    }
    for i in 0..n {
        let mut tries = 0;
        while links[i].len() < degree && tries < 8 * n {
            tries += 1;
            let j = (rng.next_u64() % n as u64) as usize;
            if j != i {
                links[i].insert(j);
                links[j].insert(i);
            }
        }
    }
    links
}
