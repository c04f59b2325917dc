//! Hearth's storage: valid ops (by id, by author log, by space), pending and
//! quarantined ops, version vectors, equivocation proofs and view snapshots.
//!
//! One trait, [`Store`], with several backends: [`MemoryStore`] for tests and
//! as the reference model, `RedbStore` on native targets and `IdbStore`
//! (IndexedDB) in the browser. Both are durable: a commit returns only after
//! the data is on disk. The trait's futures carry no
//! `Send` bound, so the same trait serves the browser's IndexedDB.
//!
//! Everything an ingest step produces goes into one [`WriteBatch`] and is
//! committed atomically: after a crash, a batch is either all there or not
//! at all.

use hearth_core::{Did, OpId, OpMeta, Rejection, SpaceId, VersionVector};
use serde::{Deserialize, Serialize};

mod codec;
#[doc(hidden)]
pub mod deferred;
#[cfg(target_arch = "wasm32")]
mod idb;
mod index;
mod memory;
#[cfg(not(target_arch = "wasm32"))]
mod redb_store;
pub mod suite;

#[cfg(target_arch = "wasm32")]
pub use idb::IdbStore;
pub use memory::MemoryStore;
#[cfg(not(target_arch = "wasm32"))]
pub use redb_store::RedbStore;

/// A valid op as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOp {
    /// What validation needs to know about it.
    pub meta: OpMeta,
    /// Its position in its space, in the order this node accepted ops (a
    /// causal order: an op is accepted only after its causal past).
    pub index: u64,
    /// Its canonical block bytes.
    pub bytes: Vec<u8>,
}

/// An op waiting for its causal past.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOp {
    /// The op's id.
    pub id: OpId,
    /// Its bytes.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    /// The ops it waits for.
    pub missing: Vec<OpId>,
}

/// An op kept aside, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedOp {
    /// The op's id (hash of its bytes, whatever they are).
    pub id: OpId,
    /// Its bytes.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    /// Why it was kept aside.
    pub reason: Rejection,
}

/// An ingest step's writes, committed atomically by [`Store::commit`].
#[derive(Debug, Clone, Default)]
pub struct WriteBatch {
    /// Valid ops, in causal order (each after its prev and deps). Their
    /// `index` is assigned by the store.
    pub ops: Vec<(OpMeta, Vec<u8>)>,
    /// Ops that now wait for their causal past.
    pub pending: Vec<PendingOp>,
    /// Pending ops that are settled (accepted or quarantined) and leave the
    /// pending set. Applied before `pending`.
    pub unpend: Vec<OpId>,
    /// Ops kept aside.
    pub quarantine: Vec<QuarantinedOp>,
    /// Equivocation proofs (DAG-CBOR), keyed by the equivocating author.
    pub proofs: Vec<(SpaceId, Did, Vec<u8>)>,
    /// View snapshots to write, by key.
    pub snapshots: Vec<(String, Vec<u8>)>,
}

impl WriteBatch {
    /// Whether the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
            && self.pending.is_empty()
            && self.unpend.is_empty()
            && self.quarantine.is_empty()
            && self.proofs.is_empty()
            && self.snapshots.is_empty()
    }
}

/// Counts of what a store holds, for status displays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Valid ops.
    pub ops: u64,
    /// Pending ops.
    pub pending: u64,
    /// Quarantined ops.
    pub quarantined: u64,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The embedded database failed.
    #[cfg(not(target_arch = "wasm32"))]
    #[error("database: {0}")]
    Redb(#[from] Box<redb::Error>),
    /// The browser's IndexedDB failed.
    #[error("browser storage: {0}")]
    Browser(String),
    /// The device's storage quota is used up. The write was not made;
    /// everything written before it is intact.
    #[error(
        "this device's storage is full; the last change was not saved (nothing earlier is lost)"
    )]
    QuotaExceeded,
    /// The browser aborted a write without saying why (IndexedDB reports a
    /// full quota at commit time this way). Nothing of it was written;
    /// everything written before it is intact.
    #[error(
        "the browser did not save the last change (is its storage full?); nothing earlier is lost"
    )]
    WriteAborted,
    /// Stored bytes do not decode: the store is damaged.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// The store was written by a version of Hearth with another layout.
    /// Nothing was changed; open it with that version, or use a new store.
    #[error(
        "this store was written in format {found}; this version of Hearth reads format {supported}"
    )]
    Format {
        /// The format found.
        found: u64,
        /// The format this code reads.
        supported: u64,
    },
    /// The batch breaks the store's invariants (a caller bug): an op whose
    /// predecessor is not stored, or a different op at an occupied position.
    #[error("refused batch: {0}")]
    Refused(String),
}

/// Storage for one node. See the crate docs.
///
/// Reads see every batch whose `commit` has returned. Futures are not `Send`:
/// a store belongs to one thread (or one browser tab's event loop).
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Applies `batch` atomically; returns only once it is durable. A store
    /// that writes in the background (IndexedDB) issues its writes when the
    /// future is first polled, so callers can prepare the next batch while it
    /// lands; reads show the batch only once it is durable.
    async fn commit(&self, batch: WriteBatch) -> Result<(), StoreError>;

    /// A valid op by id.
    async fn op(&self, id: &OpId) -> Result<Option<StoredOp>, StoreError>;

    /// Metadata of valid ops, one answer per id, in order.
    async fn metas(&self, ids: &[OpId]) -> Result<Vec<Option<OpMeta>>, StoreError>;

    /// The ids at given log positions `(space, author, seq)`, one answer each.
    async fn log_entries(
        &self,
        keys: &[(SpaceId, Did, u64)],
    ) -> Result<Vec<Option<OpId>>, StoreError>;

    /// Up to `limit` ops of `author`'s log in `space`, from seq `from` on.
    async fn log(
        &self,
        space: &SpaceId,
        author: &Did,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError>;

    /// Up to `limit` ops of `space` in acceptance order, from index `from` on.
    async fn space_ops(
        &self,
        space: &SpaceId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError>;

    /// The version vector of `space`.
    async fn version_vector(&self, space: &SpaceId) -> Result<VersionVector, StoreError>;

    /// The spaces with at least one valid op.
    async fn spaces(&self) -> Result<Vec<SpaceId>, StoreError>;

    /// Pending ops waiting for any of `ids`.
    async fn pending_waiting_on(&self, ids: &[OpId]) -> Result<Vec<PendingOp>, StoreError>;

    /// Up to `limit` pending ops.
    async fn pending(&self, limit: usize) -> Result<Vec<PendingOp>, StoreError>;

    /// Up to `limit` quarantined ops.
    async fn quarantined(&self, limit: usize) -> Result<Vec<QuarantinedOp>, StoreError>;

    /// Equivocation proofs recorded for `space`: (author, proof bytes).
    async fn proofs(&self, space: &SpaceId) -> Result<Vec<(Did, Vec<u8>)>, StoreError>;

    /// A view snapshot by key.
    async fn snapshot(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// How much the store holds.
    async fn counts(&self) -> Result<Counts, StoreError>;
}
