//! The simulated world: nodes, links, the event queue and the checks.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use hearth_core::op::Body;
use hearth_core::rng::SeededRng;
use hearth_core::space::SpaceView;
use hearth_core::{Keypair, OpId, SpaceId};
use hearth_node::{FixedEnv, Node};
use hearth_store::suite::run_ready;
use hearth_store::{MemoryStore, Store};
use rand_core::Rng;

use super::{SimConfig, SimFailure, SimReport, random_graph};
use crate::driver;
use crate::sync::{Output, Sync, SyncMessage};

#[derive(Debug, Clone)]
enum Event {
    Deliver {
        from: usize,
        to: usize,
        bytes: Vec<u8>,
    },
    Tick(usize),
    Write(usize),
    Crash(usize),
    Restart(usize),
}

struct SimNode {
    /// The seed of the node's key.
    key: [u8; 32],
    node: Option<Node<MemoryStore>>,
    sync: Option<Sync<usize>>,
    /// The store while the node is down.
    resting: Option<MemoryStore>,
}

/// The network and its nodes.
pub(super) struct World {
    config: SimConfig,
    rng: SeededRng,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    events: BTreeMap<u64, Event>,
    links: Vec<BTreeSet<usize>>,
    nodes: Vec<SimNode>,
    space: SpaceId,
    /// (from, until, side): nodes `< side` cannot reach the others.
    partitions: Vec<(u64, u64, usize)>,
    written: usize,
    acked: BTreeSet<OpId>,
    bytes_sent: u64,
    messages: u64,
    bytes_by_kind: [u64; 4],
}

impl World {
    pub(super) fn new(config: SimConfig) -> Self {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&config.seed.to_le_bytes());
        let mut rng = SeededRng::new(seed);
        let links = random_graph(&mut rng, config.nodes, config.degree);
        let nodes = (0..config.nodes)
            .map(|i| {
                let mut k = [0u8; 32];
                k[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
                k[8..16].copy_from_slice(&config.seed.to_le_bytes());
                SimNode {
                    key: k,
                    node: None,
                    sync: None,
                    resting: Some(MemoryStore::new()),
                }
            })
            .collect();
        World {
            config,
            rng,
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            events: BTreeMap::new(),
            links,
            nodes,
            space: SpaceId::from_bytes([0; 32]),
            partitions: Vec::new(),
            written: 0,
            acked: BTreeSet::new(),
            bytes_sent: 0,
            messages: 0,
            bytes_by_kind: [0; 4],
        }
    }

    fn fail(&self, node: usize, error: impl std::fmt::Display) -> SimFailure {
        SimFailure::Node {
            seed: self.config.seed,
            node,
            error: error.to_string(),
        }
    }

    fn roll(&mut self, pct: u32) -> bool {
        (self.rng.next_u32() % 100) < pct
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.rng.next_u64() % (hi - lo + 1)
    }

    fn schedule(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.events.insert(self.seq, event);
        self.queue.push(Reverse((at, self.seq)));
    }

    pub(super) fn setup(&mut self) -> Result<(), SimFailure> {
        for i in 0..self.nodes.len() {
            self.start(i)?;
        }
        // Node 0 founds the space; everyone else knows its id (an invite).
        let node = self.nodes[0].node.as_ref().expect("up");
        self.space = run_ready(node.create_space("simulated")).map_err(|e| self.fail(0, e))?;
        self.written = 1;
        for i in 0..self.nodes.len() {
            self.refresh_holdings(i)?;
        }
        let first: Vec<u8> = self.own_op(0)?;
        let vv = self.holdings(0)?;
        if let Some(sync) = self.nodes[0].sync.as_mut() {
            sync.handle_local_op(self.space, first, vv);
        }
        self.flush(0)?;
        for i in 0..self.nodes.len() {
            let at = self.between(0, self.config.sync.round_ms);
            self.schedule(at, Event::Tick(i));
            let at = self.between(1, 2 * self.config.write_every_ms);
            self.schedule(at, Event::Write(i));
        }
        let horizon =
            (self.config.ops as u64 * self.config.write_every_ms) / self.config.nodes.max(1) as u64;
        for _ in 0..self.config.partitions {
            let from = self.between(0, horizon);
            let until = from + self.between(2_000, 10_000);
            let side = self.between(1, self.config.nodes.max(2) as u64 - 1) as usize;
            self.partitions.push((from, until, side));
        }
        for _ in 0..self.config.crashes {
            let node = self.between(0, self.config.nodes as u64 - 1) as usize;
            let at = self.between(0, horizon);
            self.schedule(at, Event::Crash(node));
        }
        Ok(())
    }

    /// Opens node `i` from its store and connects it to its linked peers that are up.
    fn start(&mut self, i: usize) -> Result<(), SimFailure> {
        let store = self.nodes[i].resting.take().expect("a resting store");
        let key = Some(Keypair::from_seed(&self.nodes[i].key));
        let node = run_ready(Node::open(
            store,
            key,
            Box::new(FixedEnv::new(1_700_000_000_000)),
        ))
        .map_err(|e| self.fail(i, e))?;
        self.nodes[i].node = Some(node);
        self.nodes[i].sync = Some(Sync::new(self.config.sync.clone()));
        if self.written > 0 {
            self.refresh_holdings(i)?;
        }
        let peers: Vec<usize> = self.links[i].iter().copied().collect();
        for j in peers {
            if self.nodes[j].sync.is_none() {
                continue;
            }
            let now = self.now;
            self.sync_of(i).handle_connected(j, now);
            self.sync_of(j).handle_connected(i, now);
            self.flush(j)?;
        }
        self.flush(i)
    }

    fn holdings(&self, i: usize) -> Result<hearth_core::VersionVector, SimFailure> {
        let node = self.nodes[i].node.as_ref().expect("up");
        run_ready(node.store().version_vector(&self.space)).map_err(|e| self.fail(i, e))
    }

    fn refresh_holdings(&mut self, i: usize) -> Result<(), SimFailure> {
        let vv = self.holdings(i)?;
        let space = self.space;
        self.sync_of(i).handle_holdings(space, vv);
        Ok(())
    }

    /// Node `i`'s sync machine; the node must be up.
    fn sync_of(&mut self, i: usize) -> &mut Sync<usize> {
        self.nodes[i].sync.as_mut().expect("node is up")
    }

    /// The block of node `i`'s latest op.
    fn own_op(&self, i: usize) -> Result<Vec<u8>, SimFailure> {
        let node = self.nodes[i].node.as_ref().expect("up");
        let me = Keypair::from_seed(&self.nodes[i].key).did();
        let top = self.holdings(i)?.get(&me).expect("just wrote");
        let log =
            run_ready(node.store().log(&self.space, &me, top, 1)).map_err(|e| self.fail(i, e))?;
        Ok(log.into_iter().next().expect("just wrote").bytes)
    }

    /// Runs node `i`'s outputs: store work through the driver, messages
    /// onto the network.
    fn flush(&mut self, i: usize) -> Result<(), SimFailure> {
        let now = self.now;
        let n = &mut self.nodes[i];
        let (Some(node), Some(sync)) = (n.node.as_ref(), n.sync.as_mut()) else {
            return Ok(());
        };
        // Messages are delivered later anyway: run all the store work first.
        let mut outputs = Vec::new();
        loop {
            let more = run_ready(driver::step(node, sync, now)).map_err(|e| SimFailure::Node {
                seed: self.config.seed,
                node: i,
                error: e.to_string(),
            })?;
            if more.is_empty() {
                break;
            }
            outputs.extend(more);
        }
        for output in outputs {
            match output {
                Output::Send { peer, message } => self.send(i, peer, &message),
                Output::Publish { space, op } => {
                    let message = SyncMessage::Push {
                        space,
                        op: op.into(),
                    };
                    let peers: Vec<usize> = self.links[i].iter().copied().collect();
                    for j in peers {
                        if self.nodes[j].sync.is_some() {
                            self.send(i, j, &message);
                        }
                    }
                }
                Output::Disconnect { peer, .. } => {
                    if let Some(s) = self.nodes[peer].sync.as_mut() {
                        s.handle_disconnected(i);
                    }
                    if let Some(s) = self.nodes[i].sync.as_mut() {
                        s.handle_disconnected(peer);
                    }
                }
                Output::Hosting { .. } => {}
                Output::Fetch { .. } | Output::Ingest { .. } => {
                    unreachable!("the driver answers these")
                }
            }
        }
        Ok(())
    }

    fn send(&mut self, from: usize, to: usize, message: &SyncMessage) {
        let bytes = message.encode();
        self.bytes_sent += bytes.len() as u64;
        self.messages += 1;
        let kind = match message {
            SyncMessage::Summary { vv: Some(_), .. } => 0,
            SyncMessage::Summary { vv: None, .. } => 1,
            SyncMessage::Ops { .. } => 2,
            // Pushes and the rare hosting request and refusal, together.
            SyncMessage::Push { .. } | SyncMessage::Host(_) | SyncMessage::NotSynced { .. } => 3,
        };
        self.bytes_by_kind[kind] += bytes.len() as u64;
        if self.roll(self.config.loss_pct) {
            return;
        }
        let copies = if self.roll(self.config.duplicate_pct) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let (lo, hi) = self.config.latency_ms;
            let at = self.now + self.between(lo, hi);
            self.schedule(
                at,
                Event::Deliver {
                    from,
                    to,
                    bytes: bytes.clone(),
                },
            );
        }
    }

    fn cut(&self, a: usize, b: usize) -> bool {
        self.partitions.iter().any(|(from, until, side)| {
            (*from..*until).contains(&self.now) && ((a < *side) != (b < *side))
        })
    }

    fn done_writing(&self) -> bool {
        self.written >= self.config.ops
    }

    fn handle(&mut self, event: Event) -> Result<(), SimFailure> {
        match event {
            Event::Deliver { from, to, bytes } => {
                if self.cut(from, to) || self.nodes[from].sync.is_none() {
                    return Ok(());
                }
                let now = self.now;
                let Some(sync) = self.nodes[to].sync.as_mut() else {
                    return Ok(());
                };
                sync.handle_message(from, &bytes, now);
                self.flush(to)
            }
            Event::Tick(i) => {
                let now = self.now;
                if let Some(sync) = self.nodes[i].sync.as_mut() {
                    sync.handle_tick(now);
                }
                self.flush(i)?;
                let next = now + self.config.sync.round_ms / 2 + self.between(0, 50);
                self.schedule(next, Event::Tick(i));
                Ok(())
            }
            Event::Write(i) => {
                if self.done_writing() {
                    return Ok(());
                }
                let next = self.now + self.between(1, 2 * self.config.write_every_ms);
                self.schedule(next, Event::Write(i));
                let Some(node) = self.nodes[i].node.as_ref() else {
                    return Ok(());
                };
                if node.space(&self.space).is_none() {
                    return Ok(()); // not yet joined
                }
                let text = format!("op {} by node {i}", self.written);
                let before = self.holdings(i)?.op_count();
                let node = self.nodes[i].node.as_ref().expect("up");
                // A node's first write in the (open) space is preceded by its join.
                let id = run_ready(node.create_op(&self.space, Body::Note { text }))
                    .map_err(|e| self.fail(i, e))?;
                self.acked.insert(id);
                self.written += (self.holdings(i)?.op_count() - before) as usize;
                let op = self.own_op(i)?;
                let vv = self.holdings(i)?;
                let space = self.space;
                self.nodes[i]
                    .sync
                    .as_mut()
                    .expect("up")
                    .handle_local_op(space, op, vv);
                self.flush(i)
            }
            Event::Crash(i) => {
                let Some(node) = self.nodes[i].node.take() else {
                    return Ok(());
                };
                self.nodes[i].sync = None;
                self.nodes[i].resting = Some(node.into_store());
                let peers: Vec<usize> = self.links[i].iter().copied().collect();
                for j in peers {
                    if let Some(s) = self.nodes[j].sync.as_mut() {
                        s.handle_disconnected(i);
                    }
                }
                let at = self.now + self.between(1_000, 8_000);
                self.schedule(at, Event::Restart(i));
                Ok(())
            }
            Event::Restart(i) => self.start(i),
        }
    }

    pub(super) fn run_to_convergence(&mut self) -> Result<(), SimFailure> {
        let mut next_check = 0;
        let give_up_after = 600_000;
        let mut writes_done_at = None;
        while let Some(Reverse((at, seq))) = self.queue.pop() {
            self.now = at;
            let event = self.events.remove(&seq).expect("scheduled");
            self.handle(event)?;
            if self.done_writing() && writes_done_at.is_none() {
                writes_done_at = Some(self.now);
            }
            if self.now >= next_check {
                next_check = self.now + 1_000;
                if let Some(done) = writes_done_at {
                    if self.converged()? {
                        return Ok(());
                    }
                    if self.now > done + give_up_after {
                        return Err(SimFailure::NoConvergence {
                            seed: self.config.seed,
                            at_ms: self.now,
                            detail: self.differences()?,
                        });
                    }
                }
            }
        }
        Err(SimFailure::NoConvergence {
            seed: self.config.seed,
            at_ms: self.now,
            detail: "the event queue ran dry".into(),
        })
    }

    fn all_up(&self) -> bool {
        self.nodes.iter().all(|n| n.node.is_some())
    }

    fn converged(&self) -> Result<bool, SimFailure> {
        if !self.all_up()
            || self
                .partitions
                .iter()
                .any(|(_, until, _)| *until > self.now)
        {
            return Ok(false);
        }
        for i in 0..self.nodes.len() {
            if self.holdings(i)?.op_count() != self.written as u64 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn differences(&self) -> Result<String, SimFailure> {
        let mut out = Vec::new();
        for i in 0..self.nodes.len() {
            match self.nodes[i].node {
                Some(_) => out.push(format!("{i}:{}", self.holdings(i)?.op_count())),
                None => out.push(format!("{i}:down")),
            }
        }
        Ok(format!("written {}, held {}", self.written, out.join(" ")))
    }

    /// Every node holds the same ops, with the same view, nothing pending,
    /// and every acknowledged write is among them.
    pub(super) fn check(mut self) -> Result<SimReport, SimFailure> {
        let mut reference: Option<(BTreeSet<OpId>, SpaceView)> = None;
        let mut total_bytes = 0u64;
        for i in 0..self.nodes.len() {
            let node = self.nodes[i].node.as_ref().expect("up");
            let ops = run_ready(node.store().space_ops(&self.space, 0, usize::MAX))
                .map_err(|e| self.fail(i, e))?;
            let ids: BTreeSet<OpId> = ops.iter().map(|o| o.meta.id).collect();
            if i == 0 {
                total_bytes = ops.iter().map(|o| o.bytes.len() as u64).sum();
            }
            let view = node
                .space(&self.space)
                .ok_or_else(|| self.fail(i, "no view"))?;
            let pending = run_ready(node.counts())
                .map_err(|e| self.fail(i, e))?
                .pending;
            if pending != 0 {
                return Err(self.fail(i, format!("{pending} ops still pending")));
            }
            if let Some(missing) = self.acked.iter().find(|id| !ids.contains(id)) {
                return Err(self.fail(i, format!("acknowledged op {missing} lost")));
            }
            match &reference {
                None => reference = Some((ids, view)),
                Some((r_ids, r_view)) => {
                    if *r_ids != ids {
                        return Err(self.fail(i, "holds different ops than node 0"));
                    }
                    if *r_view != view {
                        return Err(self.fail(i, "folds a different view than node 0"));
                    }
                }
            }
        }
        let ops = self.written;
        self.queue.clear();
        Ok(SimReport {
            ops,
            mean_op_bytes: total_bytes as f64 / ops as f64,
            nodes: self.nodes.len(),
            bytes_sent: self.bytes_sent,
            messages: self.messages,
            converged_ms: self.now,
            bytes_by_kind: self.bytes_by_kind,
        })
    }
}
