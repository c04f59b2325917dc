//! Hearth's node runtime: one handle that the CLI and the web app both use.
//!
//! A [`Node`] owns a store, an optional identity and the folded views. It
//! creates ops (sign, then the same path as everything else), ingests ops
//! from anywhere in batches ([`Node::ingest`]), and answers reads from views
//! restored from snapshots, never rebuilt on every open.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use hearth_core::chapter::charter::Admission;
use hearth_core::chapter::{ChapterOp, Founding, Refusal};
use hearth_core::op::{Body, MAX_DEPS, OP_VERSION, OpData};
use hearth_core::space::SpaceView;
use hearth_core::{DecodedOp, Keypair, Op, OpId, Rejection, SpaceId};

use hearth_store::{Counts, Store, StoreError, StoredOp};

mod changes;
mod chapter;
pub mod env;
mod ingest;
pub mod keys;
pub mod ledger;
#[doc(hidden)]
pub mod testkit;
pub mod verify;

pub use changes::{Change, Subscription};
pub use env::{Env, FixedEnv, SystemEnv};
pub use ingest::{CHUNK, IngestReport, MAX_SKEW_MS, Progress};
pub use verify::SignatureVerifier;
#[cfg(target_arch = "wasm32")]
pub use verify::WorkerVerifier;

/// Why a node operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing needs an identity and this node has none.
    #[error("no identity: create one first")]
    NoIdentity,
    /// The space is not known here.
    #[error("unknown space {0}")]
    UnknownSpace(SpaceId),
    /// The op would be refused by the space's rules.
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// This node's own op did not go through (a bug, or a concurrent writer).
    #[error("own op {0} not accepted: {1}")]
    NotAccepted(OpId, String),
    /// The op this node was asked to write is malformed (e.g. a name too long).
    #[error("bad input: {0}")]
    BadInput(hearth_core::op::DecodeError),
    /// An op named (a payment to claim, a request) is not held here.
    #[error("no op {0} is held here")]
    UnknownOp(OpId),
    /// An accepted op's space has no view: the store is damaged.
    #[error("no view for space {0}; the store is damaged")]
    MissingView(SpaceId),
    /// This node's clock is behind what it wrote before (or what it
    /// follows): an op now would be claimed too far ahead of it to be taken.
    #[error("this device's clock ({now}) is behind its last op ({ts}): set the clock right")]
    ClockBehind {
        /// The time the op would claim.
        ts: u64,
        /// This node's clock.
        now: u64,
    },
    /// An identity-log step that needs something this node lacks (the
    /// main key, a chapter that knows the member, a guardian's standing).
    #[error("{0}")]
    Identity(#[from] keys::IdentityError),
}

/// A space's view and how complete it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceStatus {
    /// The folded view.
    pub view: SpaceView,
    /// Ops waiting for their causal past, on this node (all spaces).
    pub pending: u64,
    /// Whether the view is complete as far as this node knows: nothing is
    /// waiting for missing ops. A syncing node shows `false`.
    pub complete: bool,
}

/// The node handle.
pub struct Node<S> {
    store: S,
    identity: Option<Keypair>,
    env: Box<dyn Env>,
    views: RefCell<BTreeMap<SpaceId, SpaceView>>,
    /// Ops per write batch in [`Node::ingest`].
    chunk: usize,
    /// Where bulk ingest verifies signatures (`None`: inline).
    verifier: Option<Rc<dyn SignatureVerifier>>,
    subscribers: changes::Subscribers,
}

/// How many other authors' latest ops a new op names as deps.
const NAMED_DEPS: usize = 4;

pub(crate) fn snapshot_key(space: &SpaceId) -> String {
    format!("space/{space}")
}

impl<S: Store> Node<S> {
    /// Opens a node on `store`, restoring views from their snapshots (and
    /// rebuilding any that is missing from the ops).
    pub async fn open(
        store: S,
        identity: Option<Keypair>,
        env: Box<dyn Env>,
    ) -> Result<Self, NodeError> {
        let node = Node {
            store,
            identity,
            env,
            views: RefCell::new(BTreeMap::new()),
            chunk: CHUNK,
            verifier: None,
            subscribers: changes::Subscribers::default(),
        };
        node.reload_views().await?;
        Ok(node)
    }

    /// Re-reads every view from the store's snapshots: after another writer
    /// (another tab of the same origin) committed to the same store.
    pub async fn reload_views(&self) -> Result<(), NodeError> {
        let mut views = BTreeMap::new();
        for space in self.store.spaces().await? {
            let snapshot = self.store.snapshot(&snapshot_key(&space)).await?;
            // A snapshot covers the ops up to its `stored` count; the rest
            // are replayed from the store.
            let view = match snapshot.as_deref().and_then(SpaceView::from_snapshot) {
                Some(view) => self.replay(&space, Some(view)).await?,
                None => self.rebuild_view(&space).await?,
            };
            views.insert(space, view);
        }
        *self.views.borrow_mut() = views;
        Ok(())
    }

    /// Refolds a space's view from its stored ops, in acceptance order.
    pub async fn rebuild_view(&self, space: &SpaceId) -> Result<SpaceView, NodeError> {
        self.replay(space, None).await
    }

    /// Folds the stored ops of `space` that `view` has not taken (all of
    /// them with no view), in acceptance order.
    async fn replay(
        &self,
        space: &SpaceId,
        mut view: Option<SpaceView>,
    ) -> Result<SpaceView, NodeError> {
        let mut past = Refolded::default();
        let mut from = view.as_ref().map_or(0, SpaceView::stored);
        loop {
            let page = self.store.space_ops(space, from, 1024).await?;
            let Some(last) = page.last() else { break };
            from = last.index + 1;
            let ops = page
                .iter()
                .map(|s| Op::decode(&s.bytes))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            // What the page follows from before the replay (a snapshot's
            // ops): their metas come from the store.
            let in_page: std::collections::HashSet<OpId> = ops.iter().map(|o| o.id).collect();
            let earlier: Vec<OpId> = ops
                .iter()
                .flat_map(|o| o.op.data.prev.iter().chain(&o.op.data.deps))
                .filter(|id| !in_page.contains(id) && !past.0.contains_key(id))
                .copied()
                .collect();
            for (id, meta) in earlier.iter().zip(self.store.metas(&earlier).await?) {
                if let Some(meta) = meta {
                    past.0.insert(*id, meta);
                }
            }
            let signatures = self.verify_signatures(&ops);
            for (op, signature) in ops.into_iter().zip(signatures) {
                // Stored ops were valid when accepted; refolding re-checks them.
                let verified = match hearth_core::validate::validate(op, signature, &past) {
                    hearth_core::Verdict::Valid(v) => v,
                    other => {
                        return Err(
                            StoreError::Corrupt(format!("stored op fails: {other:?}")).into()
                        );
                    }
                };
                // Refused ops are refused again, identically: same order, same rules.
                let ctx = match &mut view {
                    None => {
                        let (v, ctx) = SpaceView::from_genesis(&verified).ok_or_else(|| {
                            StoreError::Corrupt("a space's first op is not its genesis".into())
                        })?;
                        view = Some(v);
                        ctx
                    }
                    Some(v) => {
                        v.admit(&verified)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?
                            .ctx
                    }
                };
                past.0.insert(verified.id(), verified.meta(ctx));
            }
        }
        view.ok_or(NodeError::MissingView(*space))
    }

    /// Sets how many ops one write batch of [`Node::ingest`] carries
    /// (default [`CHUNK`]; at least 1).
    pub fn with_chunk_size(mut self, ops: usize) -> Self {
        self.chunk = ops.max(1);
        self
    }

    /// Verifies the signatures of bulk ingest with `verifier` (in a browser,
    /// a [`WorkerVerifier`] on another core) instead of inline.
    pub fn with_verifier(mut self, verifier: Rc<dyn SignatureVerifier>) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// Calls `callback` after every durable commit of this node (its own
    /// writes, ingests and each step of a long ingest), with what changed.
    /// Views are already up to date when it runs. Not called for
    /// [`Node::reload_views`], which picks up another writer's commits.
    pub fn subscribe(&self, callback: impl Fn(&Change) + 'static) -> Subscription {
        self.subscribers.add(callback)
    }

    /// Stops a subscription.
    pub fn unsubscribe(&self, subscription: Subscription) {
        self.subscribers.remove(subscription);
    }

    /// This node's identity, if it has one.
    pub fn identity(&self) -> Option<&Keypair> {
        self.identity.as_ref()
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Closes the node and hands back its store (what survives a crash).
    pub fn into_store(self) -> S {
        self.store
    }

    /// Every space this node holds, by id.
    pub fn spaces(&self) -> Vec<SpaceView> {
        self.views.borrow().values().cloned().collect()
    }

    /// One space's view.
    pub fn space(&self, id: &SpaceId) -> Option<SpaceView> {
        self.views.borrow().get(id).cloned()
    }

    /// A space's view with its completeness.
    pub async fn status(&self, id: &SpaceId) -> Result<SpaceStatus, NodeError> {
        let view = self.space(id).ok_or(NodeError::UnknownSpace(*id))?;
        let pending = self.store.counts().await?.pending;
        Ok(SpaceStatus {
            view,
            pending,
            complete: pending == 0,
        })
    }

    /// Store-wide counts.
    pub async fn counts(&self) -> Result<Counts, NodeError> {
        Ok(self.store.counts().await?)
    }

    /// Up to `limit` ops of a space in acceptance order from index `from`, decoded.
    pub async fn ops(
        &self,
        space: &SpaceId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(StoredOp, Op)>, NodeError> {
        let stored = self.store.space_ops(space, from, limit).await?;
        stored
            .into_iter()
            .map(|s| {
                let op = Op::decode(&s.bytes)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?
                    .op;
                Ok((s, op))
            })
            .collect()
    }

    /// Every op of a space as a CARv1 archive (root: the genesis op).
    pub async fn export_car(&self, space: &SpaceId) -> Result<Vec<u8>, NodeError> {
        let view = self.space(space).ok_or(NodeError::UnknownSpace(*space))?;
        let mut blocks = Vec::new();
        let mut from = 0;
        loop {
            let page = self.store.space_ops(space, from, 4096).await?;
            let Some(last) = page.last() else { break };
            from = last.index + 1;
            blocks.extend(page.into_iter().map(|s| (s.meta.id, s.bytes)));
        }
        Ok(hearth_core::car::write_car(
            &[view.genesis()],
            blocks.iter().map(|(id, b)| (*id, b.as_slice())),
        ))
    }

    /// Creates a plain space named `name` with this node's identity as
    /// creator (anyone may join it; see the chapter's plain charter).
    pub async fn create_space(&self, name: &str) -> Result<SpaceId, NodeError> {
        self.found(name, None).await
    }

    /// Founds a chapter named `name` with its charter and founders; this
    /// node's identity is its first founder.
    pub async fn create_chapter(
        &self,
        name: &str,
        founding: Founding,
    ) -> Result<SpaceId, NodeError> {
        self.found(name, Some(Box::new(founding))).await
    }

    async fn found(
        &self,
        name: &str,
        founding: Option<Box<Founding>>,
    ) -> Result<SpaceId, NodeError> {
        let me = self.identity.as_ref().ok_or(NodeError::NoIdentity)?;
        let mut nonce = vec![0u8; 16];
        self.env.random_bytes(&mut nonce);
        let space = SpaceId::derive(me.did().public_key(), &nonce);
        let data = OpData {
            v: OP_VERSION,
            space,
            author: me.did(),
            seq: 0,
            prev: None,
            deps: vec![],
            ts: self.env.now_ms(),
            body: Body::Genesis {
                name: name.to_owned(),
                nonce,
                founding,
            },
        };
        data.check_shape().map_err(NodeError::BadInput)?;
        self.submit(data.sign(me)).await?;
        Ok(space)
    }

    /// Signs and stores an op of this node's identity in `space`, after
    /// checking that the space's rules allow it (so no seq is spent on an op
    /// that would be refused). In a space anyone may join (an open
    /// admission policy), a newcomer's first op is preceded by their join.
    pub async fn create_op(&self, space: &SpaceId, body: Body) -> Result<OpId, NodeError> {
        let me = self.identity.as_ref().ok_or(NodeError::NoIdentity)?;
        let view = self.space(space).ok_or(NodeError::UnknownSpace(*space))?;
        let open = view.chapter().charter().admission.kind == Admission::Open;
        // Key events are carried for a member, by whichever key (a new
        // device carries its own pairing in): never a reason to join.
        let joining = matches!(body, Body::Chapter(ChapterOp::Join { .. }) | Body::Keys(_));
        let member = view.member_of(&me.did());
        if open && !joining && !view.chapter().members.contains_key(&member) {
            let join = ChapterOp::Join {
                invite: None,
                profile: None,
            };
            self.write(space, Body::Chapter(join)).await?;
        }
        self.write(space, body).await
    }

    async fn write(&self, space: &SpaceId, body: Body) -> Result<OpId, NodeError> {
        let me = self.identity.as_ref().ok_or(NodeError::NoIdentity)?;
        let view = self.space(space).ok_or(NodeError::UnknownSpace(*space))?;
        let vv = self.store.version_vector(space).await?;
        let (seq, prev, mut ts) = match vv.get(&me.did()) {
            Some(top) => {
                let prev = self.store.log(space, &me.did(), top, 1).await?;
                let prev = prev.first().ok_or(NodeError::MissingView(*space))?;
                (top + 1, Some(prev.meta.id), prev.meta.ts)
            }
            None => (0, None, 0),
        };
        // Name the latest op of the few authors who wrote most recently, so
        // what this op follows is explicit without weighing it down; a first
        // op names at least the genesis.
        let total = vv.op_count();
        let recent = self
            .store
            .space_ops(space, total.saturating_sub(64), 64)
            .await?;
        let mut heads: Vec<&StoredOp> = Vec::new();
        for s in recent.iter().rev().filter(|s| s.meta.author != me.did()) {
            if heads.len() < NAMED_DEPS && heads.iter().all(|h| h.meta.author != s.meta.author) {
                heads.push(s);
            }
        }
        let mut deps: Vec<OpId> = heads.iter().map(|s| s.meta.id).collect();
        ts = ts.max(heads.iter().map(|s| s.meta.ts).max().unwrap_or(0));
        // The op follows every governing op this node holds, so it is
        // checked against the chapter as this node shows it.
        let frontier = view.frontier();
        let metas = self.store.metas(&frontier).await?;
        for (id, meta) in frontier.iter().zip(metas) {
            let meta = meta.ok_or(NodeError::MissingView(*space))?;
            ts = ts.max(meta.ts);
            if !deps.contains(id) && Some(*id) != prev {
                deps.push(*id);
            }
        }
        if prev.is_none() && !deps.contains(&view.genesis()) {
            deps.push(view.genesis());
            ts = ts.max(view.created_at());
        }
        // What the body itself refers to (claims, a request, a disputed
        // payment) must be among the deps; the rest fills what is left.
        let needed = match &body {
            Body::Ledger(op) => op.needs(),
            _ => Vec::new(),
        };
        for id in &needed {
            let meta = self.store.metas(std::slice::from_ref(id)).await?;
            let meta = meta.first().copied().flatten();
            ts = ts.max(meta.ok_or(NodeError::UnknownOp(*id))?.ts);
        }
        deps.retain(|d| !needed.contains(d));
        deps.sort();
        deps.dedup();
        deps.truncate(MAX_DEPS.saturating_sub(needed.len()));
        deps.extend(needed.iter().filter(|id| Some(**id) != prev));
        deps.sort();
        deps.dedup();
        let now = self.env.now_ms();
        let ts = ts.max(now);
        if ts > now.saturating_add(MAX_SKEW_MS) {
            return Err(NodeError::ClockBehind { ts, now });
        }
        let named: Vec<OpId> = deps.iter().copied().chain(prev).collect();
        view.check_body(&me.did(), ts, &named, &body)?;
        let data = OpData {
            v: OP_VERSION,
            space: *space,
            author: me.did(),
            seq,
            prev,
            deps,
            ts,
            body,
        };
        data.check_shape().map_err(NodeError::BadInput)?;
        self.submit(data.sign(me)).await
    }

    async fn submit(&self, op: DecodedOp) -> Result<OpId, NodeError> {
        let id = op.id;
        let report = self.ingest(vec![op.bytes], |_| {}).await?;
        if report.accepted.contains(&id) && report.quarantined.is_empty() {
            return Ok(id);
        }
        let why = match report.quarantined.first() {
            Some((_, reason)) => reason.to_string(),
            None => "still pending".to_string(),
        };
        Err(NodeError::NotAccepted(id, why))
    }

    /// Quarantined ops with their reasons.
    pub async fn quarantined(&self, limit: usize) -> Result<Vec<(OpId, Rejection)>, NodeError> {
        let q = self.store.quarantined(limit).await?;
        Ok(q.into_iter().map(|q| (q.id, q.reason)).collect())
    }
}

/// The causal past during a rebuild: the ops refolded so far.
#[derive(Default)]
struct Refolded(std::collections::HashMap<OpId, hearth_core::OpMeta>);

impl hearth_core::CausalPast for Refolded {
    fn meta(&self, id: &OpId) -> Option<hearth_core::OpMeta> {
        self.0.get(id).copied()
    }
    fn log_entry(&self, _: &SpaceId, _: &hearth_core::Did, _: u64) -> Option<OpId> {
        None
    }
}
