//! A test wrapper whose commits land one poll later, the way IndexedDB's
//! land after the browser has written them: until then, reads do not show
//! the batch. Lets native tests exercise callers that overlap work with a
//! commit in flight.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use hearth_core::{Did, OpId, OpMeta, SpaceId, VersionVector};

use crate::{Counts, PendingOp, QuarantinedOp, Store, StoreError, StoredOp, WriteBatch};

/// Wraps a store; its commits return `Pending` once before applying.
#[derive(Debug, Default)]
pub struct Deferred<S>(pub S);

/// Returns `Pending` the first time it is polled (waking at once).
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<S: Store> Store for Deferred<S> {
    async fn commit(&self, batch: WriteBatch) -> Result<(), StoreError> {
        YieldOnce(false).await;
        self.0.commit(batch).await
    }
    async fn op(&self, id: &OpId) -> Result<Option<StoredOp>, StoreError> {
        self.0.op(id).await
    }
    async fn metas(&self, ids: &[OpId]) -> Result<Vec<Option<OpMeta>>, StoreError> {
        self.0.metas(ids).await
    }
    async fn log_entries(
        &self,
        keys: &[(SpaceId, Did, u64)],
    ) -> Result<Vec<Option<OpId>>, StoreError> {
        self.0.log_entries(keys).await
    }
    async fn log(
        &self,
        space: &SpaceId,
        author: &Did,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        self.0.log(space, author, from, limit).await
    }
    async fn space_ops(
        &self,
        space: &SpaceId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        self.0.space_ops(space, from, limit).await
    }
    async fn version_vector(&self, space: &SpaceId) -> Result<VersionVector, StoreError> {
        self.0.version_vector(space).await
    }
    async fn spaces(&self) -> Result<Vec<SpaceId>, StoreError> {
        self.0.spaces().await
    }
    async fn pending_waiting_on(&self, ids: &[OpId]) -> Result<Vec<PendingOp>, StoreError> {
        self.0.pending_waiting_on(ids).await
    }
    async fn pending(&self, limit: usize) -> Result<Vec<PendingOp>, StoreError> {
        self.0.pending(limit).await
    }
    async fn quarantined(&self, limit: usize) -> Result<Vec<QuarantinedOp>, StoreError> {
        self.0.quarantined(limit).await
    }
    async fn proofs(&self, space: &SpaceId) -> Result<Vec<(Did, Vec<u8>)>, StoreError> {
        self.0.proofs(space).await
    }
    async fn snapshot(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.snapshot(key).await
    }
    async fn counts(&self) -> Result<Counts, StoreError> {
        self.0.counts().await
    }
}
