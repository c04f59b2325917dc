//! The in-memory op index that the memory and IndexedDB stores share: every
//! op by id, by log position and by space order, the per-space version
//! vectors, and the pending set. Generic over where an op's block lives
//! (`L`): the bytes themselves in memory, a segment slot in IndexedDB.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::HashMap;

use hearth_core::{Did, OpId, OpMeta, SpaceId, VersionVector};

use crate::{PendingOp, StoreError, WriteBatch};

/// An op's metadata, its acceptance index in its space, and its location.
#[derive(Debug, Clone)]
pub(crate) struct Entry<L> {
    pub(crate) meta: OpMeta,
    pub(crate) index: u64,
    pub(crate) loc: L,
}

/// Checks a batch's ops against the log invariants without writing; returns
/// which ops are new (an op already stored is skipped, so commits are idempotent).
pub(crate) fn check_links(
    batch: &WriteBatch,
    mut stored_at: impl FnMut(&SpaceId, &Did, u64) -> Result<Option<OpId>, StoreError>,
) -> Result<Vec<bool>, StoreError> {
    let mut in_batch: HashMap<(SpaceId, Did, u64), OpId> = HashMap::default();
    let mut fresh = Vec::with_capacity(batch.ops.len());
    for (meta, _) in &batch.ops {
        let mut at = |seq| -> Result<Option<OpId>, StoreError> {
            match in_batch.get(&(meta.space, meta.author, seq)) {
                Some(id) => Ok(Some(*id)),
                None => stored_at(&meta.space, &meta.author, seq),
            }
        };
        match at(meta.seq)? {
            Some(id) if id == meta.id => {
                fresh.push(false);
                continue;
            }
            Some(other) => {
                return Err(StoreError::Refused(format!(
                    "{} holds seq {} of {}, not {}",
                    other, meta.seq, meta.author, meta.id
                )));
            }
            None => {}
        }
        if meta.seq > 0 && at(meta.seq - 1)?.is_none() {
            return Err(StoreError::Refused(format!(
                "{} seq {} arrives before seq {}",
                meta.author,
                meta.seq,
                meta.seq - 1
            )));
        }
        in_batch.insert((meta.space, meta.author, meta.seq), meta.id);
        fresh.push(true);
    }
    Ok(fresh)
}

#[derive(Debug)]
pub(crate) struct OpIndex<L> {
    ops: HashMap<OpId, Entry<L>>,
    logs: BTreeMap<(SpaceId, Did, u64), OpId>,
    order: BTreeMap<(SpaceId, u64), OpId>,
    vv: BTreeMap<SpaceId, VersionVector>,
    pending: BTreeMap<OpId, PendingOp>,
    /// (missing op, pending op) pairs.
    waiting: BTreeSet<(OpId, OpId)>,
}

impl<L> Default for OpIndex<L> {
    fn default() -> Self {
        OpIndex {
            ops: HashMap::default(),
            logs: BTreeMap::new(),
            order: BTreeMap::new(),
            vv: BTreeMap::new(),
            pending: BTreeMap::new(),
            waiting: BTreeSet::new(),
        }
    }
}

impl<L> OpIndex<L> {
    /// Checks a batch's ops against the log invariants ([`check_links`])
    /// and gives each new op its acceptance index in its space; ops already
    /// stored get `None`.
    pub(crate) fn plan(&self, batch: &WriteBatch) -> Result<Vec<Option<u64>>, StoreError> {
        let fresh = check_links(batch, |space, author, seq| {
            Ok(self.logs.get(&(*space, *author, seq)).copied())
        })?;
        let mut next: BTreeMap<SpaceId, u64> = BTreeMap::new();
        Ok(batch
            .ops
            .iter()
            .zip(fresh)
            .map(|((meta, _), fresh)| {
                fresh.then(|| {
                    let i = next.entry(meta.space).or_insert_with(|| {
                        self.vv.get(&meta.space).map_or(0, VersionVector::op_count)
                    });
                    *i += 1;
                    *i - 1
                })
            })
            .collect())
    }

    pub(crate) fn insert(&mut self, meta: OpMeta, index: u64, loc: L) {
        self.logs
            .insert((meta.space, meta.author, meta.seq), meta.id);
        self.order.insert((meta.space, index), meta.id);
        self.vv
            .entry(meta.space)
            .or_default()
            .observe(meta.author, meta.seq);
        self.ops.insert(meta.id, Entry { meta, index, loc });
    }

    /// Applies a batch's changes to the pending set (`unpend` first).
    pub(crate) fn apply_pending(&mut self, unpend: &[OpId], pending: Vec<PendingOp>) {
        for id in unpend {
            self.unpend(id);
        }
        for p in pending {
            self.set_pending(p);
        }
    }

    pub(crate) fn set_pending(&mut self, p: PendingOp) {
        self.unpend(&p.id);
        for m in &p.missing {
            self.waiting.insert((*m, p.id));
        }
        self.pending.insert(p.id, p);
    }

    fn unpend(&mut self, id: &OpId) {
        if let Some(old) = self.pending.remove(id) {
            for m in &old.missing {
                self.waiting.remove(&(*m, *id));
            }
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn clear_pending(&mut self) {
        self.pending.clear();
        self.waiting.clear();
    }

    pub(crate) fn get(&self, id: &OpId) -> Option<&Entry<L>> {
        self.ops.get(id)
    }

    pub(crate) fn metas(&self, ids: &[OpId]) -> Vec<Option<OpMeta>> {
        ids.iter()
            .map(|id| self.ops.get(id).map(|e| e.meta))
            .collect()
    }

    pub(crate) fn log_entries(&self, keys: &[(SpaceId, Did, u64)]) -> Vec<Option<OpId>> {
        keys.iter().map(|k| self.logs.get(k).copied()).collect()
    }

    /// Entries of one author's log in a space, from `from`, at most `limit`.
    pub(crate) fn log(
        &self,
        space: &SpaceId,
        author: &Did,
        from: u64,
        limit: usize,
    ) -> Vec<&Entry<L>> {
        self.logs
            .range((*space, *author, from)..=(*space, *author, u64::MAX))
            .take(limit)
            .map(|(_, id)| &self.ops[id])
            .collect()
    }

    /// Entries of a space in acceptance order, from index `from`, at most `limit`.
    pub(crate) fn space_ops(&self, space: &SpaceId, from: u64, limit: usize) -> Vec<&Entry<L>> {
        self.order
            .range((*space, from)..=(*space, u64::MAX))
            .take(limit)
            .map(|(_, id)| &self.ops[id])
            .collect()
    }

    pub(crate) fn version_vector(&self, space: &SpaceId) -> VersionVector {
        self.vv.get(space).cloned().unwrap_or_default()
    }

    pub(crate) fn spaces(&self) -> Vec<SpaceId> {
        self.vv.keys().copied().collect()
    }

    pub(crate) fn pending_waiting_on(&self, ids: &[OpId]) -> Vec<PendingOp> {
        let mut found = BTreeSet::new();
        for id in ids {
            let lo = (*id, OpId::from_digest([0; 32]));
            let hi = (*id, OpId::from_digest([0xff; 32]));
            found.extend(self.waiting.range(lo..=hi).map(|(_, p)| *p));
        }
        found
            .iter()
            .filter_map(|p| self.pending.get(p).cloned())
            .collect()
    }

    pub(crate) fn pending(&self, limit: usize) -> Vec<PendingOp> {
        self.pending.values().take(limit).cloned().collect()
    }

    pub(crate) fn op_count(&self) -> u64 {
        self.ops.len() as u64
    }

    pub(crate) fn pending_count(&self) -> u64 {
        self.pending.len() as u64
    }
}
