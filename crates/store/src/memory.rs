//! An in-memory store: for tests, offline checks of archives, and as the
//! reference model the other backends are tested against.

use std::cell::RefCell;
use std::collections::BTreeMap;

use hearth_core::{Did, OpId, OpMeta, SpaceId, VersionVector};

use crate::index::{Entry, OpIndex};
use crate::{Counts, PendingOp, QuarantinedOp, Store, StoreError, StoredOp, WriteBatch};

/// A store held in memory; lost when dropped.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RefCell<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Ops with their blocks.
    index: OpIndex<Vec<u8>>,
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

fn stored(e: &Entry<Vec<u8>>) -> StoredOp {
    StoredOp {
        meta: e.meta,
        index: e.index,
        bytes: e.loc.clone(),
    }
}

impl Store for MemoryStore {
    async fn commit(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let mut s = self.inner.borrow_mut();
        let plan = s.index.plan(&batch)?;
        for ((meta, bytes), index) in batch.ops.into_iter().zip(plan) {
            if let Some(index) = index {
                s.index.insert(meta, index, bytes);
            }
        }
        s.index.apply_pending(&batch.unpend, batch.pending);
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
        Ok(self.inner.borrow().index.get(id).map(stored))
    }

    async fn metas(&self, ids: &[OpId]) -> Result<Vec<Option<OpMeta>>, StoreError> {
        Ok(self.inner.borrow().index.metas(ids))
    }

    async fn log_entries(
        &self,
        keys: &[(SpaceId, Did, u64)],
    ) -> Result<Vec<Option<OpId>>, StoreError> {
        Ok(self.inner.borrow().index.log_entries(keys))
    }

    async fn log(
        &self,
        space: &SpaceId,
        author: &Did,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let s = self.inner.borrow();
        Ok(s.index
            .log(space, author, from, limit)
            .into_iter()
            .map(stored)
            .collect())
    }

    async fn space_ops(
        &self,
        space: &SpaceId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let s = self.inner.borrow();
        Ok(s.index
            .space_ops(space, from, limit)
            .into_iter()
            .map(stored)
            .collect())
    }

    async fn version_vector(&self, space: &SpaceId) -> Result<VersionVector, StoreError> {
        Ok(self.inner.borrow().index.version_vector(space))
    }

    async fn spaces(&self) -> Result<Vec<SpaceId>, StoreError> {
        Ok(self.inner.borrow().index.spaces())
    }

    async fn pending_waiting_on(&self, ids: &[OpId]) -> Result<Vec<PendingOp>, StoreError> {
        Ok(self.inner.borrow().index.pending_waiting_on(ids))
    }

    async fn pending(&self, limit: usize) -> Result<Vec<PendingOp>, StoreError> {
        Ok(self.inner.borrow().index.pending(limit))
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
            ops: s.index.op_count(),
            pending: s.index.pending_count(),
            quarantined: s.quarantine.len() as u64,
        })
    }
}
