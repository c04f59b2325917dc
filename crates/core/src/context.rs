//! Contexts: what a space's rules were as of an op's causal past.
//!
//! Some ops change who may do what in a space (a genesis, an admission, a
//! role, a charter amendment): they are **governing** ops. Every other op is
//! checked against the rules that held *as of its causal past*, never
//! against whatever a node happens to hold when the op arrives, so that an
//! op valid on one node is valid on every node, forever.
//!
//! An op's **context** is the set of governing ops in its causal past,
//! named by its **frontier** (the latest of them: an antichain) and
//! identified by a [`CtxId`]. The context of an op is the union of its
//! parents' contexts (its `prev` and `deps`), and a governing op's own
//! context includes itself. Every stored op keeps its context id, so a
//! later op can find its context from its parents alone.
//!
//! The rules as of a context are a deterministic fold ([`Rules`]) of the
//! governing ops in it, in **canonical order**: by depth (one more than the
//! deepest governing op before it), then by op id. Governing ops made
//! concurrently are therefore applied in the same order on every node; an
//! op whose effect a concurrent op made impossible (the last use of an
//! invite, taken at the same time by someone else) applies as nothing. The
//! space's current view is the fold of every governing op it holds.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ids::OpId;

/// Names a context: the BLAKE3 hash of its frontier's op ids, sorted. The
/// empty context (before a space's genesis) is all zeros.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct CtxId(#[serde(with = "serde_bytes")] [u8; 32]);

impl CtxId {
    /// The empty context.
    pub const EMPTY: CtxId = CtxId([0; 32]);

    /// The id of the context whose frontier is `frontier` (sorted, unique).
    pub fn of_frontier(frontier: &[OpId]) -> Self {
        if frontier.is_empty() {
            return CtxId::EMPTY;
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"hearth/context/v1\n");
        for id in frontier {
            hasher.update(id.digest());
        }
        CtxId(*hasher.finalize().as_bytes())
    }

    /// From stored bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        CtxId(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for CtxId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ctx:")?;
        for b in &self.0[..6] {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A set of rules folded from governing ops.
pub trait Rules: Clone + Default {
    /// A governing op as the fold needs it.
    type Record: Clone;
    /// Why an op is refused.
    type Refusal;

    /// Whether `record` (op `id`) may take effect on these rules.
    fn check(&self, id: &OpId, record: &Self::Record) -> Result<(), Self::Refusal>;

    /// Applies `record`, which [`Rules::check`] allowed.
    fn effect(&mut self, id: &OpId, record: &Self::Record);

    /// Checks, then applies; unchanged when refused.
    fn apply(&mut self, id: &OpId, record: &Self::Record) -> Result<(), Self::Refusal> {
        self.check(id, record)?;
        self.effect(id, record);
        Ok(())
    }
}

/// A context id that this history does not know: the store and the view
/// disagree (a damaged store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown context {0:?}")]
pub struct UnknownContext(pub CtxId);

/// One governing op in the history.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry<R> {
    id: OpId,
    depth: u32,
    /// The frontier of its context before it, as entry positions.
    parents: Vec<u32>,
    record: R,
}

/// The governing ops of one space, the contexts ops were found in, and the
/// rules as of any of them.
///
/// Cloning is cheap: the parts that only grow are shared until one copy
/// changes them (a node works on a copy of each view while a write is in
/// flight), and the caches are not copied.
#[derive(Debug)]
pub struct History<S: Rules> {
    entries: Arc<Vec<Entry<S::Record>>>,
    by_id: Arc<BTreeMap<OpId, u32>>,
    /// Every context an op was found in, by id: its frontier as positions.
    contexts: Arc<BTreeMap<CtxId, Vec<u32>>>,
    /// Entry positions in canonical order.
    canonical: Arc<Vec<u32>>,
    /// The context of everything held, and the rules as of it.
    current_ctx: CtxId,
    current: Arc<S>,
    /// Unions already computed.
    merges: BTreeMap<(CtxId, CtxId), CtxId>,
    /// Rules as of recently asked contexts, with how many canonical entries
    /// they cover (the most recent last).
    cache: Vec<(CtxId, Vec<u32>, S)>,
}

impl<S: Rules> Clone for History<S> {
    fn clone(&self) -> Self {
        History {
            entries: self.entries.clone(),
            by_id: self.by_id.clone(),
            contexts: self.contexts.clone(),
            canonical: self.canonical.clone(),
            current_ctx: self.current_ctx,
            current: self.current.clone(),
            merges: BTreeMap::new(),
            cache: Vec::new(),
        }
    }
}

const CACHE: usize = 8;

impl<S: Rules> Default for History<S> {
    fn default() -> Self {
        let mut contexts = BTreeMap::new();
        contexts.insert(CtxId::EMPTY, Vec::new());
        History {
            entries: Arc::new(Vec::new()),
            by_id: Arc::new(BTreeMap::new()),
            contexts: Arc::new(contexts),
            canonical: Arc::new(Vec::new()),
            current_ctx: CtxId::EMPTY,
            current: Arc::new(S::default()),
            merges: BTreeMap::new(),
            cache: Vec::new(),
        }
    }
}

impl<S: Rules> History<S> {
    /// The rules as of everything held.
    pub fn current(&self) -> &S {
        &self.current
    }

    /// The context of everything held.
    pub fn current_context(&self) -> CtxId {
        self.current_ctx
    }

    /// How many governing ops the history holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `id` is a governing op of this history.
    pub fn contains(&self, id: &OpId) -> bool {
        self.by_id.contains_key(id)
    }

    /// Whether `ctx` is a context this history knows.
    pub fn knows(&self, ctx: &CtxId) -> bool {
        self.contexts.contains_key(ctx)
    }

    /// The governing ops of a context's frontier.
    pub fn frontier(&self, ctx: &CtxId) -> Result<Vec<OpId>, UnknownContext> {
        let f = self.contexts.get(ctx).ok_or(UnknownContext(*ctx))?;
        Ok(f.iter().map(|&i| self.entries[i as usize].id).collect())
    }

    /// Whether the governing op `id` is in context `ctx`.
    pub fn includes(&self, ctx: &CtxId, id: &OpId) -> Result<bool, UnknownContext> {
        let f = self.contexts.get(ctx).ok_or(UnknownContext(*ctx))?;
        let Some(&target) = self.by_id.get(id) else {
            return Ok(false);
        };
        Ok(f.iter().any(|&from| self.reaches(from, target)))
    }

    /// The context made of all of `ctxs` (an op's parents' contexts).
    pub fn merge(&mut self, ctxs: &[CtxId]) -> Result<CtxId, UnknownContext> {
        let mut acc = CtxId::EMPTY;
        for ctx in ctxs {
            acc = self.merge_two(acc, *ctx)?;
        }
        if !self.contexts.contains_key(&acc) {
            return Err(UnknownContext(acc));
        }
        Ok(acc)
    }

    fn merge_two(&mut self, a: CtxId, b: CtxId) -> Result<CtxId, UnknownContext> {
        if a == b || b == CtxId::EMPTY {
            return Ok(a);
        }
        if a == CtxId::EMPTY {
            return Ok(b);
        }
        let key = (a.min(b), a.max(b));
        if let Some(m) = self.merges.get(&key) {
            return Ok(*m);
        }
        let fa = self.contexts.get(&a).ok_or(UnknownContext(a))?;
        let fb = self.contexts.get(&b).ok_or(UnknownContext(b))?;
        let union: BTreeSet<u32> = fa.iter().chain(fb).copied().collect();
        let frontier = self.antichain(union);
        let id = self.intern(frontier);
        self.merges.insert(key, id);
        Ok(id)
    }

    /// The latest of `set`: those no other member of it reaches.
    fn antichain(&self, set: BTreeSet<u32>) -> Vec<u32> {
        let all: Vec<u32> = set.into_iter().collect();
        all.iter()
            .copied()
            .filter(|&x| !all.iter().any(|&y| y != x && self.reaches(y, x)))
            .collect()
    }

    /// Interns a frontier (positions) and returns its id.
    fn intern(&mut self, mut frontier: Vec<u32>) -> CtxId {
        frontier.sort_by_key(|&i| self.entries[i as usize].id);
        let ids: Vec<OpId> = frontier
            .iter()
            .map(|&i| self.entries[i as usize].id)
            .collect();
        let id = CtxId::of_frontier(&ids);
        if !self.contexts.contains_key(&id) {
            Arc::make_mut(&mut self.contexts).insert(id, frontier);
        }
        id
    }

    /// Whether entry `target` is `from` or in its past.
    fn reaches(&self, from: u32, target: u32) -> bool {
        let floor = self.entries[target as usize].depth;
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(x) = stack.pop() {
            if x == target {
                return true;
            }
            let e = &self.entries[x as usize];
            if e.depth <= floor || !seen.insert(x) {
                continue;
            }
            stack.extend(e.parents.iter().copied());
        }
        false
    }

    fn depth_of(&self, frontier: &[u32]) -> u32 {
        frontier
            .iter()
            .map(|&i| self.entries[i as usize].depth)
            .max()
            .unwrap_or(0)
    }

    /// Calls `f` with the rules as of `ctx`.
    pub fn with_rules<T>(
        &mut self,
        ctx: &CtxId,
        f: impl FnOnce(&S) -> T,
    ) -> Result<T, UnknownContext> {
        if *ctx == self.current_ctx {
            return Ok(f(&self.current));
        }
        if let Some(at) = self.cache.iter().position(|(c, _, _)| c == ctx) {
            let hit = self.cache.remove(at);
            let out = f(&hit.2);
            self.cache.push(hit);
            return Ok(out);
        }
        let covered = self.closure(ctx)?;
        // Start from the cached rules whose entries begin this context's.
        let (mut rules, from) = self
            .cache
            .iter()
            .filter(|(_, c, _)| c.len() <= covered.len() && covered[..c.len()] == c[..])
            .max_by_key(|(_, c, _)| c.len())
            .map(|(_, c, s)| (s.clone(), c.len()))
            .unwrap_or_default();
        for &i in &covered[from..] {
            let e = &self.entries[i as usize];
            let _ = rules.apply(&e.id, &e.record);
        }
        let out = f(&rules);
        if self.cache.len() == CACHE {
            self.cache.remove(0);
        }
        self.cache.push((*ctx, covered, rules));
        Ok(out)
    }

    /// The entries of a context, in canonical order.
    fn closure(&self, ctx: &CtxId) -> Result<Vec<u32>, UnknownContext> {
        let frontier = self.contexts.get(ctx).ok_or(UnknownContext(*ctx))?;
        let mut inside = BTreeSet::new();
        let mut stack: Vec<u32> = frontier.clone();
        while let Some(x) = stack.pop() {
            if inside.insert(x) {
                stack.extend(self.entries[x as usize].parents.iter().copied());
            }
        }
        Ok(self
            .canonical
            .iter()
            .copied()
            .filter(|i| inside.contains(i))
            .collect())
    }

    /// Records the governing op `id`, found in context `before`, and returns
    /// the context that includes it. The caller has checked it against the
    /// rules as of `before`. Recording an op twice returns its context again.
    pub fn record(
        &mut self,
        before: &CtxId,
        id: OpId,
        record: S::Record,
    ) -> Result<CtxId, UnknownContext> {
        if let Some(&at) = self.by_id.get(&id) {
            return Ok(self.intern(vec![at]));
        }
        let parents = self.contexts.get(before).ok_or(UnknownContext(*before))?;
        let depth = self.depth_of(parents) + 1;
        let at = self.entries.len() as u32;
        let parents = parents.clone();
        Arc::make_mut(&mut self.entries).push(Entry {
            id,
            depth,
            parents,
            record,
        });
        Arc::make_mut(&mut self.by_id).insert(id, at);
        let entries = &self.entries;
        let key = |i: u32| (entries[i as usize].depth, entries[i as usize].id);
        let pos = self.canonical.partition_point(|&i| key(i) < (depth, id));
        Arc::make_mut(&mut self.canonical).insert(pos, at);
        let own = self.intern(vec![at]);
        let everything = self.merge_two(self.current_ctx, own)?;
        if pos + 1 == self.canonical.len() {
            let e = &self.entries[at as usize];
            let _ = Arc::make_mut(&mut self.current).apply(&e.id, &e.record);
        } else {
            // A concurrent op that sorts before ops already applied: fold again.
            self.current = Arc::new(self.fold(&self.canonical));
        }
        self.current_ctx = everything;
        Ok(own)
    }

    fn fold(&self, order: &[u32]) -> S {
        let mut rules = S::default();
        for &i in order {
            let e = &self.entries[i as usize];
            let _ = rules.apply(&e.id, &e.record);
        }
        rules
    }

    /// Every governing op in canonical order, with what applying it did
    /// (a refusal: it took no effect, overtaken by a concurrent op).
    pub fn outcomes(&self) -> Vec<(OpId, Result<(), S::Refusal>)> {
        let mut rules = S::default();
        self.canonical
            .iter()
            .map(|&i| {
                let e = &self.entries[i as usize];
                (e.id, rules.apply(&e.id, &e.record))
            })
            .collect()
    }

    /// The governing ops' records in canonical order.
    pub fn records(&self) -> impl Iterator<Item = (&OpId, &S::Record)> {
        self.canonical.iter().map(|&i| {
            let e = &self.entries[i as usize];
            (&e.id, &e.record)
        })
    }
}

/// A history as stored in a view snapshot: the entries in the order they
/// were recorded and every context; the rules are folded again on load.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistorySnapshot<R> {
    entries: Vec<Entry<R>>,
    contexts: Vec<Vec<u32>>,
}

/// A history as a snapshot encodes it, borrowed (the same encoding as
/// [`HistorySnapshot`], without copying).
#[derive(Debug, Serialize)]
pub struct HistorySnapshotRef<'a, R> {
    entries: &'a [Entry<R>],
    contexts: Vec<&'a Vec<u32>>,
}

/// A snapshot that does not describe a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("damaged history snapshot")]
pub struct DamagedSnapshot;

impl<S: Rules> History<S>
where
    S::Record: Serialize,
{
    /// The history as a snapshot.
    pub fn to_snapshot(&self) -> HistorySnapshotRef<'_, S::Record> {
        HistorySnapshotRef {
            entries: &self.entries,
            contexts: self.contexts.values().collect(),
        }
    }
}

impl<S: Rules> History<S> {
    /// The history from a snapshot, its rules folded again.
    pub fn from_snapshot(snapshot: HistorySnapshot<S::Record>) -> Result<Self, DamagedSnapshot> {
        let mut h = History::<S>::default();
        let n = snapshot.entries.len() as u32;
        let mut by_id = BTreeMap::new();
        for (at, e) in snapshot.entries.iter().enumerate() {
            let at = at as u32;
            if e.parents.iter().any(|&p| p >= at) || by_id.insert(e.id, at).is_some() {
                return Err(DamagedSnapshot);
            }
        }
        h.by_id = Arc::new(by_id);
        h.entries = Arc::new(snapshot.entries);
        for f in snapshot.contexts {
            if f.iter().any(|&i| i >= n) {
                return Err(DamagedSnapshot);
            }
            h.intern(f);
        }
        let mut order: Vec<u32> = (0..n).collect();
        order.sort_by_key(|&i| (h.entries[i as usize].depth, h.entries[i as usize].id));
        h.canonical = Arc::new(order);
        let parented: BTreeSet<u32> = h
            .entries
            .iter()
            .flat_map(|e| e.parents.iter().copied())
            .collect();
        let maximal: Vec<u32> = (0..n).filter(|i| !parented.contains(i)).collect();
        h.current_ctx = h.intern(maximal);
        h.current = Arc::new(h.fold(&h.canonical));
        Ok(h)
    }
}
