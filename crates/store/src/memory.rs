//! An in-memory store: for tests, offline checks of archives, and as the
//! reference model the other backends are tested against.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use hearth_core::{Did, OpId, OpMeta, SpaceId, VersionVector};

use crate::{Counts, PendingOp, QuarantinedOp, Store, StoreError, StoredOp, WriteBatch};

/// A store held in memory; lost when dropped.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RefCell<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    ops: HashMap<OpId, StoredOp>,
    logs: BTreeMap<(SpaceId, Did, u64), OpId>,
    order: BTreeMap<(SpaceId, u64), OpId>,
    vv: BTreeMap<SpaceId, VersionVector>,
    pending: BTreeMap<OpId, PendingOp>,
    waiting: BTreeSet<(OpId, OpId)>,
    quarantine: BTreeMap<OpId, QuarantinedOp>,
    proofs: BTreeMap<(SpaceId, Did), Vec<u8>>,
    snapshots: BTreeMap<String, Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Checks a batch's ops against the log invariants without writing; returns
/// which ops are new (an op already stored is skipped, so commits are idempotent).
pub(crate) fn check_links(
    batch: &WriteBatch,
    mut stored_at: impl FnMut(&SpaceId, &Did, u64) -> Result<Option<OpId>, StoreError>,
) -> Result<Vec<bool>, StoreError> {
    let mut in_batch: HashMap<(SpaceId, Did, u64), OpId> = HashMap::new();
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

impl Store for MemoryStore {
    async fn commit(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let mut s = self.inner.borrow_mut();
        let fresh = check_links(&batch, |space, author, seq| {
            Ok(s.logs.get(&(*space, *author, seq)).copied())
        })?;
        for ((meta, bytes), fresh) in batch.ops.into_iter().zip(fresh) {
            if !fresh {
                continue;
            }
            let next = s.vv.get(&meta.space).map_or(0, VersionVector::op_count);
            s.logs.insert((meta.space, meta.author, meta.seq), meta.id);
            s.order.insert((meta.space, next), meta.id);
            s.vv.entry(meta.space)
                .or_default()
                .observe(meta.author, meta.seq);
            s.ops.insert(
                meta.id,
                StoredOp {
                    meta,
                    index: next,
                    bytes,
                },
            );
        }
        for id in batch.unpend {
            if let Some(p) = s.pending.remove(&id) {
                for m in &p.missing {
                    s.waiting.remove(&(*m, id));
                }
            }
        }
        for p in batch.pending {
            if let Some(old) = s.pending.remove(&p.id) {
                for m in &old.missing {
                    s.waiting.remove(&(*m, p.id));
                }
            }
            for m in &p.missing {
                s.waiting.insert((*m, p.id));
            }
            s.pending.insert(p.id, p);
        }
        for q in batch.quarantine {
            s.quarantine.insert(q.id, q);
        }
        for (space, author, proof) in batch.proofs {
            s.proofs.insert((space, author), proof);
        }
        for (key, value) in batch.snapshots {
            s.snapshots.insert(key, value);
        }
        Ok(())
    }

    async fn op(&self, id: &OpId) -> Result<Option<StoredOp>, StoreError> {
        Ok(self.inner.borrow().ops.get(id).cloned())
    }

    async fn metas(&self, ids: &[OpId]) -> Result<Vec<Option<OpMeta>>, StoreError> {
        let s = self.inner.borrow();
        Ok(ids.iter().map(|id| s.ops.get(id).map(|o| o.meta)).collect())
    }

    async fn log_entries(
        &self,
        keys: &[(SpaceId, Did, u64)],
    ) -> Result<Vec<Option<OpId>>, StoreError> {
        let s = self.inner.borrow();
        Ok(keys.iter().map(|k| s.logs.get(k).copied()).collect())
    }

    async fn log(
        &self,
        space: &SpaceId,
        author: &Did,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let s = self.inner.borrow();
        Ok(s.logs
            .range((*space, *author, from)..=(*space, *author, u64::MAX))
            .take(limit)
            .map(|(_, id)| s.ops[id].clone())
            .collect())
    }

    async fn space_ops(
        &self,
        space: &SpaceId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let s = self.inner.borrow();
        Ok(s.order
            .range((*space, from)..=(*space, u64::MAX))
            .take(limit)
            .map(|(_, id)| s.ops[id].clone())
            .collect())
    }

    async fn version_vector(&self, space: &SpaceId) -> Result<VersionVector, StoreError> {
        Ok(self
            .inner
            .borrow()
            .vv
            .get(space)
            .cloned()
            .unwrap_or_default())
    }

    async fn spaces(&self) -> Result<Vec<SpaceId>, StoreError> {
        Ok(self.inner.borrow().vv.keys().copied().collect())
    }

    async fn pending_waiting_on(&self, ids: &[OpId]) -> Result<Vec<PendingOp>, StoreError> {
        let s = self.inner.borrow();
        let mut found = BTreeSet::new();
        for id in ids {
            let lo = (*id, OpId::from_digest([0; 32]));
            let hi = (*id, OpId::from_digest([0xff; 32]));
            found.extend(s.waiting.range(lo..=hi).map(|(_, p)| *p));
        }
        Ok(found
            .iter()
            .filter_map(|p| s.pending.get(p).cloned())
            .collect())
    }

    async fn pending(&self, limit: usize) -> Result<Vec<PendingOp>, StoreError> {
        Ok(self
            .inner
            .borrow()
            .pending
            .values()
            .take(limit)
            .cloned()
            .collect())
    }

    async fn quarantined(&self, limit: usize) -> Result<Vec<QuarantinedOp>, StoreError> {
        Ok(self
            .inner
            .borrow()
            .quarantine
            .values()
            .take(limit)
            .cloned()
            .collect())
    }

    async fn proofs(&self, space: &SpaceId) -> Result<Vec<(Did, Vec<u8>)>, StoreError> {
        let s = self.inner.borrow();
        Ok(s.proofs
            .iter()
            .filter(|((sp, _), _)| sp == space)
            .map(|((_, a), p)| (*a, p.clone()))
            .collect())
    }

    async fn snapshot(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.inner.borrow().snapshots.get(key).cloned())
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let s = self.inner.borrow();
        Ok(Counts {
            ops: s.ops.len() as u64,
            pending: s.pending.len() as u64,
            quarantined: s.quarantine.len() as u64,
        })
    }
}
