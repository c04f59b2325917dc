//! The one ingest path: decode, verify signatures in batches, validate
//! against the causal past, fold into views, and commit everything a chunk
//! produced in one durable write batch.

use std::collections::BTreeMap;

// Fast hashing for maps keyed by op ids and log positions (randomly seeded).
use foldhash::{HashMap, HashSet};

use hearth_core::context::CtxId;
use hearth_core::equivocation::EquivocationProof;
use hearth_core::op::{MAX_OP_BYTES, Op};
use hearth_core::sig::SignatureError;
use hearth_core::space::SpaceView;
use hearth_core::validate::{self, CausalPast, Invalid, Verdict};
use hearth_core::{DecodedOp, Did, OpId, OpMeta, Rejection, SpaceId};
use hearth_store::{PendingOp, QuarantinedOp, Store, StoreError, WriteBatch};

mod pipeline;
mod start;

use pipeline::{Carry, InFlight};
use start::Started;

use crate::Change;
use crate::{Node, NodeError};

/// How many ops one write batch carries.
pub const CHUNK: usize = 4096;

/// Progress of a long ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Ops handled so far.
    pub done: usize,
    /// Ops in this ingest.
    pub total: usize,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Valid ops newly stored, in the order they were accepted.
    pub accepted: Vec<OpId>,
    /// Ops already held (or repeated in the input).
    pub duplicates: usize,
    /// Ops now waiting for their causal past.
    pub pending: usize,
    /// Previously pending ops that this ingest let through.
    pub released: usize,
    /// Ops kept aside, with the reason. Valid ops refused by a view's rules
    /// are stored in their author's log (so the log stays whole) and listed
    /// here too; they are never folded.
    pub quarantined: Vec<(OpId, Rejection)>,
    /// Equivocations found (each also quarantined, with a stored proof).
    pub equivocations: usize,
    /// Ops claimed later than this node's clock (plus [`MAX_SKEW_MS`]):
    /// not taken now, nor acknowledged; a peer offers them again, and they
    /// are taken once their time has come. Claimed times bound rate limits
    /// and waiting periods, so the future is not let in early.
    pub ahead: usize,
}

/// How far ahead of this node's clock an op's claimed time may be.
pub const MAX_SKEW_MS: u64 = 10 * 60 * 1000;

impl IngestReport {
    fn merge(&mut self, other: IngestReport) {
        self.accepted.extend(other.accepted);
        self.duplicates += other.duplicates;
        self.pending += other.pending;
        self.released += other.released;
        self.quarantined.extend(other.quarantined);
        self.equivocations += other.equivocations;
        self.ahead += other.ahead;
    }
}

/// The causal past as one chunk sees it: what the store answered, plus what
/// this chunk has accepted so far.
#[derive(Default)]
struct Overlay {
    metas: HashMap<OpId, OpMeta>,
    logs: HashMap<(SpaceId, Did, u64), OpId>,
    blocks: HashMap<OpId, Vec<u8>>,
}

impl CausalPast for Overlay {
    fn meta(&self, id: &OpId) -> Option<OpMeta> {
        self.metas.get(id).copied()
    }
    fn log_entry(&self, space: &SpaceId, author: &Did, seq: u64) -> Option<OpId> {
        self.logs.get(&(*space, *author, seq)).copied()
    }
}

/// An op with its signature verdict, and whether it came out of the pending set.
struct Candidate {
    op: DecodedOp,
    signature: Result<(), SignatureError>,
    was_pending: bool,
}

/// One chunk's work in progress.
struct Chunk {
    overlay: Overlay,
    batch: WriteBatch,
    report: IngestReport,
    views: BTreeMap<SpaceId, SpaceView>,
    /// Ops left waiting by this chunk (an op may wait, then be released
    /// again within the same chunk, so this is keyed by id).
    waiting: BTreeMap<OpId, (Candidate, Vec<OpId>)>,
    /// Ops quarantined by this chunk.
    quarantined: HashSet<OpId>,
    /// The store's version vectors when the chunk began, with the chunk in
    /// flight.
    tops: HashMap<SpaceId, hearth_core::VersionVector>,
    /// The previous chunk, if its commit is still in flight.
    carry: Carry,
}

impl<S: Store> Node<S> {
    /// Ingests op blocks from anywhere (a peer, an archive, this node's own
    /// writes): every op goes through the same checks. Commits in chunks of
    /// [`CHUNK`] ops (see [`Node::with_chunk_size`]); `progress` is called
    /// after each durable commit.
    pub async fn ingest(
        &self,
        blocks: Vec<Vec<u8>>,
        mut progress: impl FnMut(Progress),
    ) -> Result<IngestReport, NodeError> {
        let total = blocks.len();
        let mut report = IngestReport::default();
        let mut done = 0;
        let mut blocks = blocks.into_iter().peekable();
        // While the store writes one chunk, the next is prepared: a commit
        // issues its writes when first polled, so a browser's IndexedDB works
        // alongside our verifying and folding. And while a chunk is
        // validated and folded, the next one's signatures are being checked
        // (on another core, with a worker verifier).
        let mut in_flight: Option<InFlight<'_>> = None;
        let mut carry = Carry::default();
        let mut next = Some(self.start_chunk(blocks.by_ref().take(self.chunk).collect()));
        while let Some(started) = next.take() {
            if blocks.peek().is_some() {
                next = Some(self.start_chunk(blocks.by_ref().take(self.chunk).collect()));
            }
            done += started.len;
            let closing = next.is_none();
            let mut chunk = self.prepare_chunk(started, carry, closing).await?;
            if let Some(previous) = in_flight.take() {
                previous.land(self, &mut progress).await?;
            }
            carry = Carry::take(&mut chunk);
            let change = Change {
                spaces: chunk.views.keys().copied().collect(),
                accepted: chunk.report.accepted.clone(),
            };
            report.merge(chunk.report);
            let mut landing = InFlight {
                commit: Box::pin(self.commit_batch(chunk.batch)),
                views: chunk.views,
                progress: Progress { done, total },
                change,
            };
            if landing.start().await? {
                landing.land(self, &mut progress).await?;
                carry = Carry::default();
            } else {
                in_flight = Some(landing);
            }
        }
        if let Some(last) = in_flight {
            last.land(self, &mut progress).await?;
        }
        Ok(report)
    }

    async fn commit_batch(&self, batch: WriteBatch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.store.commit(batch).await
    }

    /// Everything a chunk does before its commit: deduplicate, take its
    /// signatures' verdicts, validate and fold, against the store and the
    /// chunk in flight.
    /// `closing`: whether it is the ingest's last chunk.
    async fn prepare_chunk(
        &self,
        started: Started,
        carry: Carry,
        closing: bool,
    ) -> Result<Chunk, NodeError> {
        let mut chunk = Chunk {
            overlay: Overlay::default(),
            batch: WriteBatch::default(),
            report: IngestReport::default(),
            views: BTreeMap::new(),
            waiting: BTreeMap::new(),
            quarantined: HashSet::default(),
            tops: HashMap::default(),
            carry,
        };
        // The chunk in flight is causal past like the store is.
        chunk.overlay = std::mem::take(&mut chunk.carry.overlay);
        let Started {
            decoded,
            duplicates,
            malformed,
            signatures,
            ..
        } = started;
        chunk.report.duplicates += duplicates;
        for (bytes, e) in malformed {
            let id = OpId::of_block(&bytes);
            let kept = if bytes.len() <= MAX_OP_BYTES {
                bytes
            } else {
                Vec::new()
            };
            chunk.quarantine(id, kept, Invalid::Decode(e).into(), false);
        }
        // What the store holds, per space, as of this chunk: an op above its
        // author's top seq is new, and no rival can hold its position, so
        // bulk ingest skips those store lookups.
        for space in decoded
            .iter()
            .map(|o| o.op.data.space)
            .collect::<HashSet<_>>()
        {
            let mut vv = self.store.version_vector(&space).await?;
            for (s, author, seq) in chunk.overlay.logs.keys() {
                if *s == space {
                    vv.observe(*author, *seq);
                }
            }
            chunk.tops.insert(space, vv);
        }
        let maybe_known: Vec<OpId> = decoded
            .iter()
            .filter(|o| chunk.may_be_stored(o))
            .map(|o| o.id)
            .collect();
        let known: HashSet<OpId> = maybe_known
            .iter()
            .zip(self.store.metas(&maybe_known).await?)
            .filter_map(|(id, m)| m.map(|_| *id))
            .chain(
                maybe_known
                    .iter()
                    .filter(|id| chunk.overlay.metas.contains_key(id))
                    .copied(),
            )
            .collect();
        // A verifier that could not answer leaves the checks to this thread.
        let signatures = match signatures.await {
            Some(verdicts) if verdicts.len() == decoded.len() => verdicts,
            _ => self.verify_signatures(&decoded),
        };
        let before = decoded.len();
        let latest = self.env.now_ms().saturating_add(MAX_SKEW_MS);
        let (ahead, decoded): (Vec<_>, Vec<_>) = decoded
            .into_iter()
            .zip(signatures)
            .partition(|(op, _)| op.op.data.ts > latest && !known.contains(&op.id));
        chunk.report.ahead += ahead.len();
        let before = before - ahead.len();
        let mut candidates: Vec<Candidate> = decoded
            .into_iter()
            .filter(|(op, _)| !known.contains(&op.id))
            .map(|(op, signature)| Candidate {
                op,
                signature,
                was_pending: false,
            })
            .collect();
        chunk.report.duplicates += before - candidates.len();

        loop {
            self.prefetch(&candidates, &mut chunk).await?;
            let accepted_before = chunk.report.accepted.len();
            for (c, missing) in self.settle(candidates, &mut chunk)? {
                chunk.waiting.insert(c.op.id, (c, missing));
            }
            let newly: Vec<OpId> = chunk.report.accepted[accepted_before..].to_vec();
            if newly.is_empty() {
                break;
            }
            // Retry what waits in this chunk, and what waited in the store for
            // what was just accepted.
            let mut retry: Vec<OpId> = chunk.waiting.keys().copied().collect();
            let mut next: Vec<Candidate> = Vec::new();
            let newly_set: HashSet<OpId> = newly.iter().copied().collect();
            let carried = chunk
                .carry
                .pending
                .iter()
                .filter(|p| p.missing.iter().any(|m| newly_set.contains(m)))
                .cloned();
            let stored = self.store.pending_waiting_on(&newly).await?;
            let stored = stored
                .into_iter()
                .filter(|p| !chunk.carry.unpend.contains(&p.id));
            let mut seen_pending = HashSet::default();
            for p in stored.chain(carried.collect::<Vec<_>>()) {
                if !seen_pending.insert(p.id) || chunk.waiting.contains_key(&p.id) {
                    continue;
                }
                // Another copy of a waiting op was settled (accepted or
                // quarantined) on its own: the waiting copy leaves too.
                if chunk.overlay.metas.contains_key(&p.id) || chunk.quarantined.contains(&p.id) {
                    chunk.batch.unpend.push(p.id);
                    continue;
                }
                if let Ok(op) = Op::decode(&p.bytes) {
                    let d = &op.op.data;
                    let signature = d.author.verify(&op.signing_bytes(), &op.op.sig);
                    next.push(Candidate {
                        op,
                        signature,
                        was_pending: true,
                    });
                }
            }
            next.extend(
                retry
                    .drain(..)
                    .filter_map(|id| chunk.waiting.remove(&id))
                    .map(|(c, _)| c),
            );
            if next.is_empty() {
                break;
            }
            candidates = next;
        }
        for (c, missing) in std::mem::take(&mut chunk.waiting).into_values() {
            chunk.report.pending += usize::from(!c.was_pending);
            chunk.batch.pending.push(PendingOp {
                id: c.op.id,
                bytes: c.op.bytes,
                missing,
            });
        }
        for (space, view) in &mut chunk.views {
            if view.snapshot_due(closing) {
                chunk
                    .batch
                    .snapshots
                    .push((crate::snapshot_key(space), view.to_snapshot()));
                view.mark_snapshot();
            }
        }
        Ok(chunk)
    }

    /// Loads from the store the causal past the candidates name, skipping
    /// what the chunk itself carries (not in the store, by deduplication) and
    /// log positions above what the store holds.
    async fn prefetch(&self, candidates: &[Candidate], chunk: &mut Chunk) -> Result<(), NodeError> {
        let in_chunk: HashSet<OpId> = candidates.iter().map(|c| c.op.id).collect();
        let mut ids: Vec<OpId> = candidates
            .iter()
            .flat_map(|c| c.op.op.data.prev.iter().chain(&c.op.op.data.deps))
            .filter(|id| !chunk.overlay.metas.contains_key(id) && !in_chunk.contains(id))
            .copied()
            .collect();
        ids.sort();
        ids.dedup();
        for (id, meta) in ids.iter().zip(self.store.metas(&ids).await?) {
            if let Some(meta) = meta {
                chunk.overlay.metas.insert(*id, meta);
            }
        }
        let asked: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| chunk.may_be_stored(&c.op))
            .collect();
        let keys: Vec<(SpaceId, Did, u64)> = asked
            .iter()
            .map(|c| (c.op.op.data.space, c.op.op.data.author, c.op.op.data.seq))
            .collect();
        let entries = self.store.log_entries(&keys).await?;
        for ((key, entry), c) in keys.iter().zip(entries).zip(asked) {
            let Some(id) = entry else { continue };
            chunk.overlay.logs.insert(*key, id);
            // A rival already holds this position: keep its bytes for the proof.
            if id != c.op.id
                && !chunk.overlay.blocks.contains_key(&id)
                && let Some(held) = self.store.op(&id).await?
            {
                chunk.overlay.blocks.insert(id, held.bytes);
            }
        }
        Ok(())
    }

    /// Validates and folds candidates, each as soon as its causal past is
    /// in (a worklist: an op waiting on another op of the chunk is retried
    /// right after that op is accepted). Returns the ones still waiting, with
    /// what they wait for.
    fn settle(
        &self,
        candidates: Vec<Candidate>,
        chunk: &mut Chunk,
    ) -> Result<Vec<(Candidate, Vec<OpId>)>, NodeError> {
        let mut slots: Vec<Option<(Candidate, Vec<OpId>)>> = candidates
            .into_iter()
            .map(|c| Some((c, Vec::new())))
            .collect();
        let mut waiters: HashMap<OpId, Vec<usize>> = HashMap::default();
        let mut work: std::collections::VecDeque<usize> = (0..slots.len()).collect();
        while let Some(i) = work.pop_front() {
            let Some((c, _)) = slots[i].take() else {
                continue;
            };
            let Candidate {
                op,
                signature,
                was_pending,
            } = c;
            match validate::validate(op, signature, &chunk.overlay) {
                Verdict::Valid(op) => {
                    let id = op.id();
                    self.accept(op, was_pending, chunk)?;
                    work.extend(waiters.remove(&id).unwrap_or_default());
                }
                Verdict::Pending { op, missing } => {
                    for m in &missing {
                        waiters.entry(*m).or_default().push(i);
                    }
                    slots[i] = Some((
                        Candidate {
                            op,
                            signature,
                            was_pending,
                        },
                        missing,
                    ));
                }
                Verdict::Invalid { op, reason } => {
                    if let Invalid::Equivocation { existing } = &reason
                        && let Some(proof) = chunk.proof(existing, &op)
                    {
                        chunk.batch.proofs.push(proof);
                        chunk.report.equivocations += 1;
                    }
                    chunk.quarantine(op.id, op.bytes, reason.into(), was_pending);
                }
            }
        }
        Ok(slots.into_iter().flatten().collect())
    }

    /// Records a valid op: fold it (a refusal quarantines it but keeps it in
    /// its author's log), add it to the causal past and to the write batch.
    fn accept(
        &self,
        op: hearth_core::VerifiedOp,
        was_pending: bool,
        chunk: &mut Chunk,
    ) -> Result<(), NodeError> {
        let (ctx, refusal) = self.fold(&op, &mut chunk.views, &chunk.carry.views)?;
        let meta = op.meta(ctx);
        let op = op.into_decoded();
        if let Some(refusal) = refusal {
            chunk.report.quarantined.push((op.id, refusal.clone()));
            chunk.batch.quarantine.push(QuarantinedOp {
                id: op.id,
                bytes: op.bytes.clone(),
                reason: refusal,
            });
        }
        chunk.overlay.metas.insert(op.id, meta);
        chunk
            .overlay
            .logs
            .insert((meta.space, meta.author, meta.seq), op.id);
        chunk.overlay.blocks.insert(op.id, op.bytes.clone());
        chunk.report.accepted.push(op.id);
        chunk.waiting.remove(&op.id);
        if was_pending {
            chunk.report.released += 1;
            chunk.batch.unpend.push(op.id);
        }
        chunk.batch.ops.push((meta, op.bytes));
        Ok(())
    }

    /// Folds a verified op into the working views; returns its context and
    /// the refusal if the space's chapter refuses it.
    fn fold(
        &self,
        op: &hearth_core::VerifiedOp,
        views: &mut BTreeMap<SpaceId, SpaceView>,
        in_flight: &BTreeMap<SpaceId, SpaceView>,
    ) -> Result<(CtxId, Option<Rejection>), NodeError> {
        let space = op.op().data.space;
        if let Some((view, ctx)) = SpaceView::from_genesis(op) {
            views.insert(space, view);
            return Ok((ctx, None));
        }
        if let std::collections::btree_map::Entry::Vacant(e) = views.entry(space) {
            let current = match in_flight.get(&space) {
                Some(view) => Some(view.clone()),
                None => self.views.borrow().get(&space).cloned(),
            };
            let view = current.ok_or(NodeError::MissingView(space))?;
            e.insert(view);
        }
        let view = views.get_mut(&space).ok_or(NodeError::MissingView(space))?;
        let admitted = view
            .admit(op)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok((admitted.ctx, admitted.refusal.map(Rejection::Refused)))
    }
}

impl Chunk {
    /// Whether the store may hold `op` or a rival at its log position.
    fn may_be_stored(&self, op: &DecodedOp) -> bool {
        let d = &op.op.data;
        self.tops
            .get(&d.space)
            .and_then(|vv| vv.get(&d.author))
            .is_some_and(|top| d.seq <= top)
    }

    fn quarantine(&mut self, id: OpId, bytes: Vec<u8>, reason: Rejection, was_pending: bool) {
        self.report.quarantined.push((id, reason.clone()));
        self.batch
            .quarantine
            .push(QuarantinedOp { id, bytes, reason });
        self.waiting.remove(&id);
        self.quarantined.insert(id);
        if was_pending {
            self.batch.unpend.push(id);
        }
    }

    /// A proof from the op already holding the position and its rival. The
    /// holder was accepted in this chunk or is in the store (prefetched).
    fn proof(&self, existing: &OpId, rival: &DecodedOp) -> Option<(SpaceId, Did, Vec<u8>)> {
        let held = self.overlay.blocks.get(existing)?;
        let (proof, found) = EquivocationProof::new(held.clone(), rival.bytes.clone()).ok()?;
        Some((found.space, found.author, proof.encode()))
    }
}
