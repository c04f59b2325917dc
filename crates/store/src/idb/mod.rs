//! The browser backend: IndexedDB.
//!
//! Ops are written in **segments**: one commit writes one record of op
//! metadata and one record of op blocks, however many ops it carries, so bulk
//! ingest costs a few IndexedDB records per batch instead of several per op.
//! Lookups by id, by log position and by space order are answered from an
//! in-memory index, rebuilt on open from the metadata segments alone (about
//! 120 bytes per op) and brought up to date at the start of every commit from
//! segments other tabs wrote, inside the same read-write transaction, so two
//! tabs can never write conflicting positions.
//!
//! A commit resolves only after its transaction has completed with `strict`
//! durability: what it acknowledges is on disk.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
use crate::memory::check_links;

mod index;
mod segment;

use crate::{Counts, PendingOp, QuarantinedOp, Store, StoreError, StoredOp, WriteBatch};
use index::{Index, Loc};
use segment::{pack_blocks, unpack_blocks};

const METAS: &str = "segment_metas";
const BLOCKS: &str = "segment_blocks";
const PENDING: &str = "pending";
const QUARANTINE: &str = "quarantine";
const PROOFS: &str = "proofs";
const SNAPSHOTS: &str = "snapshots";
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

/// A store in one IndexedDB database.
#[derive(Debug)]
pub struct IdbStore {
    db: Database,
    index: RefCell<Index>,
    quarantined: RefCell<u64>,
}

impl IdbStore {
    /// Opens (or creates) the database `name` and loads its index.
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        let db = Database::open(name)
            .with_version(1u8)
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
            index: RefCell::new(Index::default()),
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
        let tx = self.tx(&[METAS, PENDING, QUARANTINE], false)?;
        let mut index = Index::default();
        Self::read_segments(&tx, 0, &mut index).await?;
        let pending = tx.object_store(PENDING).map_err(js_err)?;
        for value in pending
            .get_all::<JsValue>()
            .primitive()
            .map_err(js_err)?
            .await
            .map_err(js_err)?
        {
            index.set_pending(from_cbor(&bytes(&value.map_err(js_err)?)?)?);
        }
        let quarantine = tx.object_store(QUARANTINE).map_err(js_err)?;
        let count = quarantine
            .count()
            .primitive()
            .map_err(js_err)?
            .await
            .map_err(js_err)?;
        *self.index.borrow_mut() = index;
        *self.quarantined.borrow_mut() = count as u64;
        Ok(())
    }

    /// Folds into `index` the metadata segments after `after`.
    async fn read_segments(
        tx: &Transaction<'_>,
        after: u64,
        index: &mut Index,
    ) -> Result<(), StoreError> {
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
        let keys = keys.await.map_err(js_err)?;
        let values = values.await.map_err(js_err)?;
        for (k, v) in keys.zip(values) {
            let segment = k
                .map_err(js_err)?
                .as_f64()
                .ok_or_else(|| StoreError::Corrupt("segment key".into()))?;
            index.add_segment(segment as u64, &bytes(&v.map_err(js_err)?)?)?;
        }
        Ok(())
    }

    /// Picks up what other tabs committed since this index was last brought
    /// up to date.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let tx = self.tx(&[METAS], false)?;
        let after = self.index.borrow().last_segment;
        let mut fresh = Index::default();
        Self::read_segments(&tx, after, &mut fresh).await?;
        self.refresh_from(fresh);
        Ok(())
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
                        .metas
                        .get(id)
                        .copied()
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

impl Store for IdbStore {
    async fn commit(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let tx = self.tx(&ALL, true)?;
        // Other tabs' commits first, inside this transaction: IndexedDB runs
        // overlapping read-write transactions one at a time.
        let after = self.index.borrow().last_segment;
        let mut theirs = Index::default();
        Self::read_segments(&tx, after, &mut theirs).await?;
        self.refresh_from(theirs);
        let index = self.index.borrow();
        let fresh = check_links(&batch, |space, author, seq| {
            Ok(index.logs.get(&(*space, *author, seq)).copied())
        })?;
        let segment = index.last_segment + 1;
        let mut next: BTreeMap<SpaceId, u64> = BTreeMap::new();
        let mut metas = Vec::new();
        let mut blocks: Vec<&[u8]> = Vec::new();
        let mut added = Vec::new();
        for ((meta, block), fresh) in batch.ops.iter().zip(fresh) {
            if !fresh {
                continue;
            }
            let i = next
                .entry(meta.space)
                .or_insert_with(|| index.vv.get(&meta.space).map_or(0, VersionVector::op_count));
            metas.extend_from_slice(&encode_meta(meta, *i));
            added.push((
                *meta,
                *i,
                Loc {
                    segment,
                    slot: blocks.len() as u32,
                },
            ));
            blocks.push(block);
            *i += 1;
        }
        drop(index);
        if !added.is_empty() {
            let k = JsValue::from_f64(segment as f64);
            let os = tx.object_store(METAS).map_err(js_err)?;
            os.put(JsValue::from(Uint8Array::from(metas.as_slice())))
                .with_key(k.clone())
                .primitive()
                .map_err(js_err)?;
            let os = tx.object_store(BLOCKS).map_err(js_err)?;
            os.put(JsValue::from(Uint8Array::from(
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
        tx.commit().await.map_err(js_err)?;
        // Durable: now the index may show it.
        let mut index = self.index.borrow_mut();
        for (meta, i, loc) in added {
            index.insert(meta, i, loc);
        }
        for id in &batch.unpend {
            index.unpend(id);
        }
        for p in batch.pending {
            index.set_pending(p);
        }
        *self.quarantined.borrow_mut() = quarantine_count.await.map_err(js_err)? as u64;
        Ok(())
    }

    async fn op(&self, id: &OpId) -> Result<Option<StoredOp>, StoreError> {
        if !self.index.borrow().metas.contains_key(id) {
            return Ok(None);
        }
        Ok(self.stored(&[*id]).await?.pop())
    }

    async fn metas(&self, ids: &[OpId]) -> Result<Vec<Option<OpMeta>>, StoreError> {
        let index = self.index.borrow();
        Ok(ids
            .iter()
            .map(|id| index.metas.get(id).map(|m| m.0))
            .collect())
    }

    async fn log_entries(
        &self,
        keys: &[(SpaceId, Did, u64)],
    ) -> Result<Vec<Option<OpId>>, StoreError> {
        let index = self.index.borrow();
        Ok(keys.iter().map(|k| index.logs.get(k).copied()).collect())
    }

    async fn log(
        &self,
        space: &SpaceId,
        author: &Did,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let ids: Vec<OpId> = {
            let index = self.index.borrow();
            index
                .logs
                .range((*space, *author, from)..=(*space, *author, u64::MAX))
                .take(limit)
                .map(|(_, id)| *id)
                .collect()
        };
        self.stored(&ids).await
    }

    async fn space_ops(
        &self,
        space: &SpaceId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let ids: Vec<OpId> = {
            let index = self.index.borrow();
            index
                .order
                .range((*space, from)..=(*space, u64::MAX))
                .take(limit)
                .map(|(_, id)| *id)
                .collect()
        };
        self.stored(&ids).await
    }

    async fn version_vector(&self, space: &SpaceId) -> Result<VersionVector, StoreError> {
        Ok(self
            .index
            .borrow()
            .vv
            .get(space)
            .cloned()
            .unwrap_or_default())
    }

    async fn spaces(&self) -> Result<Vec<SpaceId>, StoreError> {
        Ok(self.index.borrow().vv.keys().copied().collect())
    }

    async fn pending_waiting_on(&self, ids: &[OpId]) -> Result<Vec<PendingOp>, StoreError> {
        let index = self.index.borrow();
        let mut found = BTreeSet::new();
        for id in ids {
            let lo = (*id, OpId::from_digest([0; 32]));
            let hi = (*id, OpId::from_digest([0xff; 32]));
            found.extend(index.waiting.range(lo..=hi).map(|(_, p)| *p));
        }
        Ok(found
            .iter()
            .filter_map(|p| index.pending.get(p).cloned())
            .collect())
    }

    async fn pending(&self, limit: usize) -> Result<Vec<PendingOp>, StoreError> {
        Ok(self
            .index
            .borrow()
            .pending
            .values()
            .take(limit)
            .cloned()
            .collect())
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
            ops: index.metas.len() as u64,
            pending: index.pending.len() as u64,
            quarantined: *self.quarantined.borrow(),
        })
    }
}

impl IdbStore {
    fn refresh_from(&self, theirs: Index) {
        let mut index = self.index.borrow_mut();
        for (meta, i, loc) in theirs.metas.into_values() {
            index.insert(meta, i, loc);
        }
    }
}
