//! A space held by one test replica: signs ops for several members, runs
//! them through validation and the space's view exactly as a node does,
//! and keeps each op's context.
#![allow(dead_code)]

pub mod gov;
pub mod keys;
pub mod ledger;

use std::collections::BTreeMap;

use hearth_core::chapter::{ChapterOp, Founding, Refusal};
use hearth_core::context::CtxId;
use hearth_core::op::{Body, OP_VERSION, OpData};
use hearth_core::space::SpaceView;
use hearth_core::validate::{CausalPast, OpMeta, Verdict, validate_bytes};
use hearth_core::{DecodedOp, Did, Keypair, OpId, SpaceId};

/// The time ops claim unless a test says otherwise.
pub const T0: u64 = 1_800_000_000_000;
/// A day in ms.
pub const DAY: u64 = 24 * 60 * 60 * 1000;

/// A test member.
pub fn key(n: u8) -> Keypair {
    Keypair::from_seed(&[n; 32])
}

/// The causal past: metas (with contexts) of accepted ops.
#[derive(Default, Clone)]
pub struct Past {
    pub metas: BTreeMap<OpId, OpMeta>,
    pub logs: BTreeMap<(Did, u64), OpId>,
}

impl CausalPast for Past {
    fn meta(&self, id: &OpId) -> Option<OpMeta> {
        self.metas.get(id).copied()
    }
    fn log_entry(&self, _: &SpaceId, author: &Did, seq: u64) -> Option<OpId> {
        self.logs.get(&(*author, seq)).copied()
    }
}

/// One replica of one space.
#[derive(Clone)]
pub struct Space {
    pub id: SpaceId,
    pub view: SpaceView,
    pub past: Past,
    /// Every op accepted, in the order it was.
    pub ops: Vec<DecodedOp>,
    /// Each author's latest op.
    heads: BTreeMap<Did, (u64, OpId, u64)>,
}

impl Space {
    /// A chapter founded by `founder` with `founding` (or a plain space).
    pub fn found(founder: &Keypair, founding: Option<Founding>) -> Self {
        let nonce = vec![3u8; 16];
        let id = SpaceId::derive(founder.did().public_key(), &nonce);
        let genesis = OpData {
            v: OP_VERSION,
            space: id,
            author: founder.did(),
            seq: 0,
            prev: None,
            deps: vec![],
            ts: T0,
            body: Body::Genesis {
                name: "Riverside".into(),
                nonce,
                founding: founding.map(Box::new),
            },
        }
        .sign(founder);
        let past = Past::default();
        let Verdict::Valid(v) = validate_bytes(&genesis.bytes, &past).expect("decodes") else {
            panic!("genesis invalid");
        };
        let (view, ctx) = SpaceView::from_genesis(&v).expect("genesis");
        let mut s = Space {
            id,
            view,
            past,
            ops: Vec::new(),
            heads: BTreeMap::new(),
        };
        s.keep(&genesis, ctx);
        s
    }

    fn keep(&mut self, op: &DecodedOp, ctx: CtxId) {
        let d = &op.op.data;
        self.past.metas.insert(
            op.id,
            OpMeta {
                id: op.id,
                space: d.space,
                author: d.author,
                seq: d.seq,
                ts: d.ts,
                ctx,
            },
        );
        self.past.logs.insert((d.author, d.seq), op.id);
        self.heads.insert(d.author, (d.seq, op.id, d.ts));
        self.ops.push(op.clone());
    }

    /// Signs `body` by `who` at `ts` (or later, if its causal past is
    /// later), following `who`'s previous op and naming the governing
    /// frontier this replica holds (as a node does).
    pub fn sign(&self, who: &Keypair, ts: u64, body: Body) -> DecodedOp {
        let me = who.did();
        let (seq, prev) = match self.heads.get(&me) {
            Some((s, id, _)) => (s + 1, Some(*id)),
            None => (0, None),
        };
        let mut deps: Vec<OpId> = self.view.frontier();
        if let Body::Ledger(op) = &body {
            deps.extend(op.needs());
        }
        deps.retain(|d| Some(*d) != prev);
        deps.dedup();
        deps.sort();
        deps.dedup();
        let ts = deps
            .iter()
            .chain(prev.iter())
            .map(|id| self.past.metas[id].ts)
            .fold(ts, u64::max);
        OpData {
            v: OP_VERSION,
            space: self.id,
            author: me,
            seq,
            prev,
            deps,
            ts,
            body,
        }
        .sign(who)
    }

    /// Runs `op` through validation and the view; returns the refusal, if any.
    pub fn admit(&mut self, op: &DecodedOp) -> Result<(), Refusal> {
        match validate_bytes(&op.bytes, &self.past).expect("decodes") {
            Verdict::Valid(v) => {
                let admitted = self.view.admit(&v).expect("contexts known");
                self.keep(op, admitted.ctx);
                match admitted.refusal {
                    Some(r) => Err(r),
                    None => Ok(()),
                }
            }
            other => panic!("not valid: {other:?}"),
        }
    }

    /// Signs and admits.
    pub fn act(&mut self, who: &Keypair, ts: u64, body: Body) -> Result<(), Refusal> {
        let op = self.sign(who, ts, body);
        self.admit(&op)
    }

    /// A chapter op by `who` at `ts`.
    pub fn chapter(&mut self, who: &Keypair, ts: u64, op: ChapterOp) -> Result<(), Refusal> {
        self.act(who, ts, Body::Chapter(op))
    }

    /// A note by `who`.
    pub fn note(&mut self, who: &Keypair, ts: u64) -> Result<(), Refusal> {
        self.act(
            who,
            ts,
            Body::Note {
                text: "hello".into(),
            },
        )
    }

    /// The id of the latest op accepted.
    pub fn last(&self) -> OpId {
        self.ops.last().expect("ops").id
    }
}

/// Hands `from`'s ops that `to` lacks to `to`, in `from`'s (causal) order.
pub fn sync(from: &Space, to: &mut Space) {
    let held: std::collections::BTreeSet<OpId> = to.ops.iter().map(|o| o.id).collect();
    for op in from.ops.iter().filter(|o| !held.contains(&o.id)) {
        let _ = to.admit(op);
    }
}

/// A random causal order of the ops of `ops` not in `held`, each after its
/// causal past (`held` counts as delivered), picked by `picks`.
pub fn causal_order(
    ops: &[DecodedOp],
    held: &std::collections::BTreeSet<OpId>,
    picks: &[proptest::sample::Index],
) -> Vec<DecodedOp> {
    let mut done = held.clone();
    let mut left: Vec<&DecodedOp> = ops.iter().filter(|o| !held.contains(&o.id)).collect();
    let mut out = Vec::new();
    let mut k = 0;
    while !left.is_empty() {
        let ready: Vec<usize> = (0..left.len())
            .filter(|&i| {
                let d = &left[i].op.data;
                d.prev.iter().chain(&d.deps).all(|p| done.contains(p))
            })
            .collect();
        let at = ready[picks[k % picks.len()].index(ready.len())];
        k += 1;
        let op = left.remove(at);
        done.insert(op.id);
        out.push(op.clone());
    }
    out
}
