//! The browser backend: IndexedDB.
//!
//! Ops are written in **segments**: one commit writes one record of op
//! metadata and one record of op blocks, however many ops it carries, so bulk
//! ingest costs a few IndexedDB records per batch instead of several per op.
//! Lookups by id, by log position and by space order are answered from an
//! in-memory index, rebuilt on open from the metadata segments alone (about
//! 120 bytes per op).
//!
//! Segments are numbered by commit and *added*, never overwritten: if another
//! tab committed since this index was last brought up to date, the number is
//! taken, the whole transaction aborts, and the commit refreshes the index and
//! tries again, checking its ops against what the other tab wrote. So two
//! tabs can never write conflicting positions.
//!
//! A commit issues all its writes when first polled, so a caller can prepare
//! its next batch while the browser writes this one. It resolves only after
//! its transaction has completed with `strict` durability: what it
//! acknowledges is on disk.

use std::cell::RefCell;
use std::collections::HashMap;

use hearth_core::{Did, OpId, OpMeta, SpaceId, VersionVector};
use indexed_db_futures::KeyRange;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{
    Transaction, TransactionDurability, TransactionMode, TransactionOptions,
};
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

use crate::codec::{author_key, encode_meta, from_cbor, to_cbor};

mod index;
mod segment;

use crate::{Counts, PendingOp, QuarantinedOp, Store, StoreError, StoredOp, WriteBatch};
use index::{Loc, Segments};
use segment::{pack_blocks, unpack_blocks};

// Object stores of format 2 (`crate::codec::FORMAT`: every op keeps its
// context). Format 1's stores stay in the database untouched.
const METAS: &str = "segment_metas_2";
const BLOCKS: &str = "segment_blocks_2";
const PENDING: &str = "pending_2";
const QUARANTINE: &str = "quarantine_2";
const PROOFS: &str = "proofs_2";
const SNAPSHOTS: &str = "snapshots_2";
const ALL: [&str; 6] = [METAS, BLOCKS, PENDING, QUARANTINE, PROOFS, SNAPSHOTS];

fn js_err(e: impl std::fmt::Display) -> StoreError {
    let text = e.to_string();
    if text.contains("QuotaExceeded") {
        StoreError::QuotaExceeded
    } else {
        StoreError::Browser(text)
    }
}

/// Bytes from a stored value (a `Uint8Array`) or a binary key (IndexedDB
/// hands keys back as `ArrayBuffer`s).
fn bytes(value: &JsValue) -> Result<Vec<u8>, StoreError> {
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Ok(array.to_vec());
    }
    value
        .dyn_ref::<js_sys::ArrayBuffer>()
        .map(|buffer| Uint8Array::new(buffer).to_vec())
        .ok_or_else(|| StoreError::Corrupt("expected bytes in IndexedDB".into()))
}

fn key(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// What [`IdbStore::read_since`] found.
#[derive(Default)]
struct Stored {
    segments: Vec<(u64, Vec<u8>)>,
    pending: Vec<PendingOp>,
    quarantined: u64,
}

impl Stored {
    fn apply(self, index: &mut Segments, quarantined: &RefCell<u64>) -> Result<(), StoreError> {
        for (segment, metas) in &self.segments {
            index.add(*segment, metas)?;
        }
        index.ops.clear_pending();
        for p in self.pending {
            index.ops.set_pending(p);
        }
        *quarantined.borrow_mut() = self.quarantined;
        Ok(())
    }
}

/// A store in one IndexedDB database.
#[derive(Debug)]
pub struct IdbStore {
    db: Database,
    index: RefCell<Segments>,
    quarantined: RefCell<u64>,
}

impl IdbStore {
    /// Opens (or creates) the database `name` and loads its index.
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        let db = Database::open(name)
            .with_version(2u8)
            .with_on_upgrade_needed(|_event, db| {
                for store in ALL {
                    if !db.object_store_names().any(|n| n == store) {
                        db.create_object_store(store).build()?;
                    }
                }
                Ok(())
            })
            .await
            .map_err(js_err)?;
        let store = IdbStore {
            db,
            index: RefCell::new(Segments::default()),
            quarantined: RefCell::new(0),
        };
        store.load().await?;
        Ok(store)
    }

    /// Deletes the database `name` (tests and "forget this device").
    pub async fn delete(name: &str) -> Result<(), StoreError> {
        Database::delete_by_name(name)
            .map_err(js_err)?
            .await
            .map_err(js_err)
    }

    fn tx(&self, stores: &[&str], write: bool) -> Result<Transaction<'_>, StoreError> {
        let mode = if write {
            TransactionMode::Readwrite
        } else {
            TransactionMode::Readonly
        };
        let mut options = TransactionOptions::new();
        options.set_durability(TransactionDurability::Strict);
        self.db
            .transaction(stores.to_vec())
            .with_mode(mode)
            .with_options(options)
            .build()
            .map_err(js_err)
    }

    async fn load(&self) -> Result<(), StoreError> {
        let mut index = Segments::default();
        self.read_since(0)
            .await?
            .apply(&mut index, &self.quarantined)?;
        *self.index.borrow_mut() = index;
        Ok(())
    }

    /// Picks up what other tabs committed since this index was last brought
    /// up to date.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let after = self.index.borrow().last;
        let fresh = self.read_since(after).await?;
        fresh.apply(&mut self.index.borrow_mut(), &self.quarantined)
    }

    /// Reads the metadata segments after `after`, the pending set and the
    /// quarantine count, in one transaction.
    async fn read_since(&self, after: u64) -> Result<Stored, StoreError> {
        let tx = self.tx(&[METAS, PENDING, QUARANTINE], false)?;
        let metas = tx.object_store(METAS).map_err(js_err)?;
        let range = KeyRange::LowerBound(JsValue::from_f64(after as f64), true);
        let keys = metas
            .get_all_keys::<JsValue>()
            .with_query::<JsValue, _>(range.clone())
            .primitive()
            .map_err(js_err)?;
        let values = metas
            .get_all::<JsValue>()
            .with_query::<JsValue, _>(range)
            .primitive()
            .map_err(js_err)?;
        let pending = tx
            .object_store(PENDING)
            .map_err(js_err)?
            .get_all::<JsValue>()
            .primitive()
            .map_err(js_err)?;
        let quarantined = tx
            .object_store(QUARANTINE)
            .map_err(js_err)?
            .count()
            .primitive()
            .map_err(js_err)?;
        let mut out = Stored::default();
        let keys = keys.await.map_err(js_err)?;
        let values = values.await.map_err(js_err)?;
        for (k, v) in keys.zip(values) {
            let segment = k
                .map_err(js_err)?
                .as_f64()
                .ok_or_else(|| StoreError::Corrupt("segment key".into()))?;
            out.segments
                .push((segment as u64, bytes(&v.map_err(js_err)?)?));
        }
        for value in pending.await.map_err(js_err)? {
            out.pending
                .push(from_cbor(&bytes(&value.map_err(js_err)?)?)?);
        }
        out.quarantined = quarantined.await.map_err(js_err)? as u64;
        Ok(out)
    }

    async fn blocks_of(&self, segment: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let tx = self.tx(&[BLOCKS], false)?;
        let store = tx.object_store(BLOCKS).map_err(js_err)?;
        let value: Option<JsValue> = store
            .get::<JsValue, _, _>(JsValue::from_f64(segment as f64))
            .primitive()
            .map_err(js_err)?
            .await
            .map_err(js_err)?;
        let value =
            value.ok_or_else(|| StoreError::Corrupt(format!("segment {segment} has no blocks")))?;
        unpack_blocks(&bytes(&value)?)
    }

    async fn stored(&self, ids: &[OpId]) -> Result<Vec<StoredOp>, StoreError> {
        let located: Vec<(OpMeta, u64, Loc)> = {
            let index = self.index.borrow();
            ids.iter()
                .map(|id| {
                    index
                        .ops
                        .get(id)
                        .map(|e| (e.meta, e.index, e.loc))
                        .ok_or_else(|| StoreError::Corrupt("index names a missing op".into()))
                })
                .collect::<Result<_, _>>()?
        };
        let mut segments: HashMap<u64, Vec<Vec<u8>>> = HashMap::new();
        let mut out = Vec::with_capacity(located.len());
        for (meta, index, loc) in located {
            if !segments.contains_key(&loc.segment) {
                segments.insert(loc.segment, self.blocks_of(loc.segment).await?);
            }
            let block = segments[&loc.segment]
                .get(loc.slot as usize)
                .ok_or_else(|| StoreError::Corrupt("segment slot out of range".into()))?;
            out.push(StoredOp {
                meta,
                index,
                bytes: block.clone(),
            });
        }
        Ok(out)
    }

    async fn get_value(&self, store: &str, k: JsValue) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.tx(&[store], false)?;
        let os = tx.object_store(store).map_err(js_err)?;
        let v: Option<JsValue> = os
            .get::<JsValue, _, _>(k)
            .primitive()
            .map_err(js_err)?
            .await
            .map_err(js_err)?;
        v.as_ref().map(bytes).transpose()
    }
}

impl IdbStore {
    /// One attempt at a commit. Everything is issued before the first
    /// `await`; the index learns the ops only once they are durable.
    async fn try_commit(&self, batch: &WriteBatch) -> Result<(), StoreError> {
        let (segment, added, metas, blocks) = {
            let index = self.index.borrow();
            let plan = index.ops.plan(batch)?;
            let segment = index.last + 1;
            let mut metas = Vec::new();
            let mut blocks: Vec<&[u8]> = Vec::new();
            let mut added = Vec::new();
            for ((meta, block), i) in batch.ops.iter().zip(plan) {
                let Some(i) = i else { continue };
                metas.extend_from_slice(&encode_meta(meta, i));
                let slot = blocks.len() as u32;
                added.push((*meta, i, Loc { segment, slot }));
                blocks.push(block);
            }
            (segment, added, metas, blocks)
        };
        let tx = self.tx(&ALL, true)?;
        if !added.is_empty() {
            // `add`, not `put`: a number another tab took aborts the transaction.
            let k = JsValue::from_f64(segment as f64);
            let os = tx.object_store(METAS).map_err(js_err)?;
            os.add(JsValue::from(Uint8Array::from(metas.as_slice())))
                .with_key(k.clone())
                .primitive()
                .map_err(js_err)?;
            let os = tx.object_store(BLOCKS).map_err(js_err)?;
            os.add(JsValue::from(Uint8Array::from(
                pack_blocks(&blocks).as_slice(),
            )))
            .with_key(k)
            .primitive()
            .map_err(js_err)?;
        }
        let pending = tx.object_store(PENDING).map_err(js_err)?;
        for id in &batch.unpend {
            pending
                .delete(key(id.digest()))
                .primitive()
                .map_err(js_err)?;
        }
        for p in &batch.pending {
            pending
                .put(key(&to_cbor(p)))
                .with_key(key(p.id.digest()))
                .primitive()
                .map_err(js_err)?;
        }
        let quarantine = tx.object_store(QUARANTINE).map_err(js_err)?;
        for q in &batch.quarantine {
            quarantine
                .put(key(&to_cbor(q)))
                .with_key(key(q.id.digest()))
                .primitive()
                .map_err(js_err)?;
        }
        let proofs = tx.object_store(PROOFS).map_err(js_err)?;
        for (space, author, proof) in &batch.proofs {
            proofs
                .put(key(proof))
                .with_key(key(&author_key(space, author)))
                .primitive()
                .map_err(js_err)?;
        }
        let snapshots = tx.object_store(SNAPSHOTS).map_err(js_err)?;
        for (k, v) in &batch.snapshots {
            snapshots
                .put(key(v))
                .with_key(JsValue::from_str(k))
                .primitive()
                .map_err(js_err)?;
        }
        let quarantine_count = quarantine.count().primitive().map_err(js_err)?;
        tx.commit().await.map_err(|e| match e {
            // An abort without an error event: IndexedDB's way of saying the
            // quota was hit at commit time (or the disk failed).
            indexed_db_futures::error::Error::MissingData(
                indexed_db_futures::error::UnexpectedDataError::TransactionAborted,
            ) => StoreError::WriteAborted,
            other => js_err(other),
        })?;
        // Durable: now the index may show it.
        let mut index = self.index.borrow_mut();
        if !added.is_empty() {
            index.last = segment;
        }
        for (meta, i, loc) in added {
            index.ops.insert(meta, i, loc);
        }
        index
            .ops
            .apply_pending(&batch.unpend, batch.pending.clone());
        *self.quarantined.borrow_mut() = quarantine_count.await.map_err(js_err)? as u64;
        Ok(())
    }
}

impl Store for IdbStore {
    async fn commit(&self, batch: WriteBatch) -> Result<(), StoreError> {
        // Another tab may have committed since this index was brought up to
        // date; each conflict means that tab made progress, so a few tries do.
        let mut tries = 0;
        loop {
            let before = self.index.borrow().last;
            match self.try_commit(&batch).await {
                Ok(()) => return Ok(()),
                Err(e) => {
                    tries += 1;
                    self.refresh().await?;
                    if self.index.borrow().last == before || tries == 8 {
                        return Err(e);
                    }
                }
            }
        }
    }

    async fn op(&self, id: &OpId) -> Result<Option<StoredOp>, StoreError> {
        if self.index.borrow().ops.get(id).is_none() {
            return Ok(None);
        }
        Ok(self.stored(&[*id]).await?.pop())
    }

    async fn metas(&self, ids: &[OpId]) -> Result<Vec<Option<OpMeta>>, StoreError> {
        Ok(self.index.borrow().ops.metas(ids))
    }

    async fn log_entries(
        &self,
        keys: &[(SpaceId, Did, u64)],
    ) -> Result<Vec<Option<OpId>>, StoreError> {
        Ok(self.index.borrow().ops.log_entries(keys))
    }

    async fn log(
        &self,
        space: &SpaceId,
        author: &Did,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let ids: Vec<OpId> = (self.index.borrow().ops.log(space, author, from, limit))
            .iter()
            .map(|e| e.meta.id)
            .collect();
        self.stored(&ids).await
    }

    async fn space_ops(
        &self,
        space: &SpaceId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let ids: Vec<OpId> = (self.index.borrow().ops.space_ops(space, from, limit))
            .iter()
            .map(|e| e.meta.id)
            .collect();
        self.stored(&ids).await
    }

    async fn version_vector(&self, space: &SpaceId) -> Result<VersionVector, StoreError> {
        Ok(self.index.borrow().ops.version_vector(space))
    }

    async fn spaces(&self) -> Result<Vec<SpaceId>, StoreError> {
        Ok(self.index.borrow().ops.spaces())
    }

    async fn pending_waiting_on(&self, ids: &[OpId]) -> Result<Vec<PendingOp>, StoreError> {
        Ok(self.index.borrow().ops.pending_waiting_on(ids))
    }

    async fn pending(&self, limit: usize) -> Result<Vec<PendingOp>, StoreError> {
        Ok(self.index.borrow().ops.pending(limit))
    }

    async fn quarantined(&self, limit: usize) -> Result<Vec<QuarantinedOp>, StoreError> {
        let tx = self.tx(&[QUARANTINE], false)?;
        let os = tx.object_store(QUARANTINE).map_err(js_err)?;
        let values = os
            .get_all::<JsValue>()
            .with_limit(limit.min(u32::MAX as usize) as u32)
            .primitive()
            .map_err(js_err)?;
        let mut out = Vec::new();
        for v in values.await.map_err(js_err)? {
            out.push(from_cbor(&bytes(&v.map_err(js_err)?)?)?);
        }
        Ok(out)
    }

    async fn proofs(&self, space: &SpaceId) -> Result<Vec<(Did, Vec<u8>)>, StoreError> {
        let tx = self.tx(&[PROOFS], false)?;
        let os = tx.object_store(PROOFS).map_err(js_err)?;
        let mut hi = [0xffu8; 64];
        hi[..32].copy_from_slice(space.as_bytes());
        let mut lo = [0u8; 64];
        lo[..32].copy_from_slice(space.as_bytes());
        let range = KeyRange::Bound(key(&lo), false, key(&hi), false);
        let keys = os
            .get_all_keys::<JsValue>()
            .with_query::<JsValue, _>(range.clone())
            .primitive()
            .map_err(js_err)?;
        let values = os
            .get_all::<JsValue>()
            .with_query::<JsValue, _>(range)
            .primitive()
            .map_err(js_err)?;
        let mut out = Vec::new();
        for (k, v) in keys
            .await
            .map_err(js_err)?
            .zip(values.await.map_err(js_err)?)
        {
            let k = bytes(&k.map_err(js_err)?)?;
            out.push((crate::codec::author_of(&k)?, bytes(&v.map_err(js_err)?)?));
        }
        Ok(out)
    }

    async fn snapshot(&self, k: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_value(SNAPSHOTS, JsValue::from_str(k)).await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let index = self.index.borrow();
        Ok(Counts {
            ops: index.ops.op_count(),
            pending: index.ops.pending_count(),
            quarantined: *self.quarantined.borrow(),
        })
    }
}
