//! The native backend: redb, an embedded, crash-safe B-tree database. A commit
//! returns only after redb's durable commit (fsync) has completed.

use std::collections::BTreeMap;
use std::path::Path;

use hearth_core::{Did, OpId, OpMeta, SpaceId, VersionVector};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use crate::codec::{
    FORMAT, META_LEN, arr32, author_key, author_of, decode_meta, encode_meta, from_cbor, to_cbor,
};
use crate::index::check_links;
use crate::{Counts, PendingOp, QuarantinedOp, Store, StoreError, StoredOp, WriteBatch};

type Bytes = &'static [u8];
/// `space ‖ index` → `meta ‖ index ‖ block`: ops in acceptance order, so
/// bulk ingest appends.
const OPS: TableDefinition<Bytes, Bytes> = TableDefinition::new("ops");
/// op digest → `space ‖ index`.
const IDS: TableDefinition<Bytes, Bytes> = TableDefinition::new("ids");
const LOGS: TableDefinition<Bytes, Bytes> = TableDefinition::new("logs");
const VV: TableDefinition<Bytes, u64> = TableDefinition::new("version_vectors");
const SPACES: TableDefinition<Bytes, u64> = TableDefinition::new("spaces");
const PENDING: TableDefinition<Bytes, Bytes> = TableDefinition::new("pending");
const WAITING: TableDefinition<Bytes, ()> = TableDefinition::new("waiting");
const QUARANTINE: TableDefinition<Bytes, Bytes> = TableDefinition::new("quarantine");
const PROOFS: TableDefinition<Bytes, Bytes> = TableDefinition::new("proofs");
const SNAPSHOTS: TableDefinition<&str, Bytes> = TableDefinition::new("snapshots");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Key of a log position: `space ‖ author ‖ seq (big endian)`.
fn log_key(space: &SpaceId, author: &Did, seq: u64) -> [u8; 72] {
    let mut out = [0u8; 72];
    out[..32].copy_from_slice(space.as_bytes());
    out[32..64].copy_from_slice(author.public_key());
    out[64..].copy_from_slice(&seq.to_be_bytes());
    out
}

/// Key of a space's acceptance order: `space ‖ index (big endian)`.
fn index_key(space: &SpaceId, index: u64) -> [u8; 40] {
    let mut out = [0u8; 40];
    out[..32].copy_from_slice(space.as_bytes());
    out[32..].copy_from_slice(&index.to_be_bytes());
    out
}

/// Key of a waiting edge: `missing ‖ pending`.
fn wait_key(missing: &OpId, pending: &OpId) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(missing.digest());
    out[32..].copy_from_slice(pending.digest());
    out
}

fn db_err(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Redb(Box::new(e.into()))
}

/// A durable store in one redb file.
#[derive(Debug)]
pub struct RedbStore {
    db: Database,
}

impl RedbStore {
    /// Opens the store at `path`, creating it if absent.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(db_err)?;
        let tx = db.begin_write().map_err(db_err)?;
        {
            tx.open_table(OPS).map_err(db_err)?;
            tx.open_table(IDS).map_err(db_err)?;
            tx.open_table(LOGS).map_err(db_err)?;
            tx.open_table(VV).map_err(db_err)?;
            tx.open_table(SPACES).map_err(db_err)?;
            tx.open_table(PENDING).map_err(db_err)?;
            tx.open_table(WAITING).map_err(db_err)?;
            tx.open_table(QUARANTINE).map_err(db_err)?;
            tx.open_table(PROOFS).map_err(db_err)?;
            tx.open_table(SNAPSHOTS).map_err(db_err)?;
            let mut meta = tx.open_table(META).map_err(db_err)?;
            let found = meta.get("format").map_err(db_err)?.map(|v| v.value());
            let holds_ops = !tx
                .open_table(OPS)
                .map_err(db_err)?
                .is_empty()
                .map_err(db_err)?;
            match found {
                Some(FORMAT) => {}
                None if !holds_ops => {
                    meta.insert("format", FORMAT).map_err(db_err)?;
                }
                other => {
                    return Err(StoreError::Format {
                        found: other.unwrap_or(1),
                        supported: FORMAT,
                    });
                }
            }
        }
        tx.commit().map_err(db_err)?;
        Ok(RedbStore { db })
    }

    /// Checks the database file's own integrity (redb's checksums and tree
    /// structure); `Ok(true)` when sound.
    pub fn check_integrity(&mut self) -> Result<bool, StoreError> {
        self.db.check_integrity().map_err(db_err)
    }

    fn stored_op(
        &self,
        tx: &redb::ReadTransaction,
        digest: &[u8],
    ) -> Result<Option<StoredOp>, StoreError> {
        let ids = tx.open_table(IDS).map_err(db_err)?;
        let ops = tx.open_table(OPS).map_err(db_err)?;
        let Some(at) = ids.get(digest).map_err(db_err)? else {
            return Ok(None);
        };
        let record = ops
            .get(at.value())
            .map_err(db_err)?
            .ok_or_else(|| StoreError::Corrupt("id index names a missing op".into()))?;
        decode_record(record.value()).map(Some)
    }

    fn ops_by_log(&self, lo: &[u8], hi: &[u8], limit: usize) -> Result<Vec<StoredOp>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(LOGS).map_err(db_err)?;
        let mut out = Vec::new();
        for entry in t.range::<&[u8]>(lo..=hi).map_err(db_err)?.take(limit) {
            let (_, digest) = entry.map_err(db_err)?;
            let op = self
                .stored_op(&tx, digest.value())?
                .ok_or_else(|| StoreError::Corrupt("log names a missing op".into()))?;
            out.push(op);
        }
        Ok(out)
    }
}

fn decode_record(record: &[u8]) -> Result<StoredOp, StoreError> {
    if record.len() < META_LEN {
        return Err(StoreError::Corrupt("short op record".into()));
    }
    let (meta, index) = decode_meta(&record[..META_LEN])?;
    Ok(StoredOp {
        meta,
        index,
        bytes: record[META_LEN..].to_vec(),
    })
}

impl Store for RedbStore {
    async fn commit(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db_err)?;
        {
            let mut ops = tx.open_table(OPS).map_err(db_err)?;
            let mut ids = tx.open_table(IDS).map_err(db_err)?;
            let mut logs = tx.open_table(LOGS).map_err(db_err)?;
            let mut vv = tx.open_table(VV).map_err(db_err)?;
            let mut spaces = tx.open_table(SPACES).map_err(db_err)?;
            let fresh = check_links(&batch, |space, author, seq| {
                Ok(logs
                    .get(log_key(space, author, seq).as_slice())
                    .map_err(db_err)?
                    .map(|v| OpId::from_digest(arr32(v.value()))))
            })?;
            // Next index per space and top seq per author: read once, written once.
            let mut next: BTreeMap<SpaceId, u64> = BTreeMap::new();
            let mut tops: BTreeMap<[u8; 64], u64> = BTreeMap::new();
            let mut record = Vec::new();
            for ((meta, bytes), fresh) in batch.ops.iter().zip(fresh) {
                if !fresh {
                    continue;
                }
                let index = match next.get_mut(&meta.space) {
                    Some(i) => i,
                    None => {
                        let stored = spaces
                            .get(meta.space.as_bytes().as_slice())
                            .map_err(db_err)?;
                        next.entry(meta.space)
                            .or_insert(stored.map_or(0, |v| v.value()))
                    }
                };
                let at = index_key(&meta.space, *index);
                *index += 1;
                record.clear();
                record.extend_from_slice(&encode_meta(meta, *index - 1));
                record.extend_from_slice(bytes);
                ops.insert(at.as_slice(), record.as_slice())
                    .map_err(db_err)?;
                let digest = meta.id.digest().as_slice();
                ids.insert(digest, at.as_slice()).map_err(db_err)?;
                logs.insert(
                    log_key(&meta.space, &meta.author, meta.seq).as_slice(),
                    digest,
                )
                .map_err(db_err)?;
                let top = tops
                    .entry(author_key(&meta.space, &meta.author))
                    .or_insert(meta.seq);
                *top = (*top).max(meta.seq);
            }
            for (space, index) in &next {
                spaces
                    .insert(space.as_bytes().as_slice(), *index)
                    .map_err(db_err)?;
            }
            for (key, seq) in &tops {
                let stored = vv.get(key.as_slice()).map_err(db_err)?.map(|v| v.value());
                if stored.is_none_or(|s| s < *seq) {
                    vv.insert(key.as_slice(), *seq).map_err(db_err)?;
                }
            }
            let mut pending = tx.open_table(PENDING).map_err(db_err)?;
            let mut waiting = tx.open_table(WAITING).map_err(db_err)?;
            let replaced = batch.pending.iter().map(|p| &p.id);
            for id in batch.unpend.iter().chain(replaced) {
                if let Some(p) = pending.remove(id.digest().as_slice()).map_err(db_err)? {
                    let p: PendingOp = from_cbor(p.value())?;
                    for m in &p.missing {
                        waiting.remove(wait_key(m, id).as_slice()).map_err(db_err)?;
                    }
                }
            }
            for p in &batch.pending {
                for m in &p.missing {
                    waiting
                        .insert(wait_key(m, &p.id).as_slice(), ())
                        .map_err(db_err)?;
                }
                pending
                    .insert(p.id.digest().as_slice(), to_cbor(p).as_slice())
                    .map_err(db_err)?;
            }
            let mut quarantine = tx.open_table(QUARANTINE).map_err(db_err)?;
            for q in &batch.quarantine {
                quarantine
                    .insert(q.id.digest().as_slice(), to_cbor(q).as_slice())
                    .map_err(db_err)?;
            }
            let mut proofs = tx.open_table(PROOFS).map_err(db_err)?;
            for (space, author, proof) in &batch.proofs {
                proofs
                    .insert(author_key(space, author).as_slice(), proof.as_slice())
                    .map_err(db_err)?;
            }
            let mut snapshots = tx.open_table(SNAPSHOTS).map_err(db_err)?;
            for (key, value) in &batch.snapshots {
                snapshots
                    .insert(key.as_str(), value.as_slice())
                    .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)
    }

    async fn op(&self, id: &OpId) -> Result<Option<StoredOp>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        self.stored_op(&tx, id.digest())
    }

    async fn metas(&self, ids: &[OpId]) -> Result<Vec<Option<OpMeta>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let index = tx.open_table(IDS).map_err(db_err)?;
        let ops = tx.open_table(OPS).map_err(db_err)?;
        ids.iter()
            .map(|id| {
                let Some(at) = index.get(id.digest().as_slice()).map_err(db_err)? else {
                    return Ok(None);
                };
                let record = ops
                    .get(at.value())
                    .map_err(db_err)?
                    .ok_or_else(|| StoreError::Corrupt("id index names a missing op".into()))?;
                let meta = record
                    .value()
                    .get(..META_LEN)
                    .ok_or_else(|| StoreError::Corrupt("short op record".into()))?;
                Ok(Some(decode_meta(meta)?.0))
            })
            .collect()
    }

    async fn log_entries(
        &self,
        keys: &[(SpaceId, Did, u64)],
    ) -> Result<Vec<Option<OpId>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(LOGS).map_err(db_err)?;
        keys.iter()
            .map(|(s, a, q)| {
                Ok(t.get(log_key(s, a, *q).as_slice())
                    .map_err(db_err)?
                    .map(|v| OpId::from_digest(arr32(v.value()))))
            })
            .collect()
    }

    async fn log(
        &self,
        space: &SpaceId,
        author: &Did,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let (lo, hi) = (
            log_key(space, author, from),
            log_key(space, author, u64::MAX),
        );
        self.ops_by_log(&lo, &hi, limit)
    }

    async fn space_ops(
        &self,
        space: &SpaceId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredOp>, StoreError> {
        let (lo, hi) = (index_key(space, from), index_key(space, u64::MAX));
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(OPS).map_err(db_err)?;
        let mut out = Vec::new();
        for entry in t
            .range::<&[u8]>(lo.as_slice()..=hi.as_slice())
            .map_err(db_err)?
            .take(limit)
        {
            out.push(decode_record(entry.map_err(db_err)?.1.value())?);
        }
        Ok(out)
    }

    async fn version_vector(&self, space: &SpaceId) -> Result<VersionVector, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(VV).map_err(db_err)?;
        let mut lo = [0u8; 64];
        lo[..32].copy_from_slice(space.as_bytes());
        let mut hi = [0xffu8; 64];
        hi[..32].copy_from_slice(space.as_bytes());
        let mut out = VersionVector::new();
        for entry in t
            .range::<&[u8]>(lo.as_slice()..=hi.as_slice())
            .map_err(db_err)?
        {
            let (k, v) = entry.map_err(db_err)?;
            out.observe(author_of(k.value())?, v.value());
        }
        Ok(out)
    }

    async fn spaces(&self) -> Result<Vec<SpaceId>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(SPACES).map_err(db_err)?;
        let mut out = Vec::new();
        for entry in t.iter().map_err(db_err)? {
            let (k, _) = entry.map_err(db_err)?;
            out.push(SpaceId::from_bytes(arr32(k.value())));
        }
        Ok(out)
    }

    async fn pending_waiting_on(&self, ids: &[OpId]) -> Result<Vec<PendingOp>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let waiting = tx.open_table(WAITING).map_err(db_err)?;
        let pending = tx.open_table(PENDING).map_err(db_err)?;
        let mut found = std::collections::BTreeSet::new();
        for id in ids {
            let lo = wait_key(id, &OpId::from_digest([0; 32]));
            let hi = wait_key(id, &OpId::from_digest([0xff; 32]));
            for entry in waiting
                .range::<&[u8]>(lo.as_slice()..=hi.as_slice())
                .map_err(db_err)?
            {
                let (k, _) = entry.map_err(db_err)?;
                found.insert(arr32(&k.value()[32..]));
            }
        }
        let mut out = Vec::new();
        for digest in found {
            if let Some(p) = pending.get(digest.as_slice()).map_err(db_err)? {
                out.push(from_cbor(p.value())?);
            }
        }
        Ok(out)
    }

    async fn pending(&self, limit: usize) -> Result<Vec<PendingOp>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(PENDING).map_err(db_err)?;
        let mut out = Vec::new();
        for entry in t.iter().map_err(db_err)?.take(limit) {
            out.push(from_cbor(entry.map_err(db_err)?.1.value())?);
        }
        Ok(out)
    }

    async fn quarantined(&self, limit: usize) -> Result<Vec<QuarantinedOp>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(QUARANTINE).map_err(db_err)?;
        let mut out: Vec<QuarantinedOp> = Vec::new();
        for entry in t.iter().map_err(db_err)?.take(limit) {
            out.push(from_cbor(entry.map_err(db_err)?.1.value())?);
        }
        Ok(out)
    }

    async fn proofs(&self, space: &SpaceId) -> Result<Vec<(Did, Vec<u8>)>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(PROOFS).map_err(db_err)?;
        let mut lo = [0u8; 64];
        lo[..32].copy_from_slice(space.as_bytes());
        let mut hi = [0xffu8; 64];
        hi[..32].copy_from_slice(space.as_bytes());
        let mut out = Vec::new();
        for entry in t
            .range::<&[u8]>(lo.as_slice()..=hi.as_slice())
            .map_err(db_err)?
        {
            let (k, v) = entry.map_err(db_err)?;
            out.push((author_of(k.value())?, v.value().to_vec()));
        }
        Ok(out)
    }

    async fn snapshot(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(SNAPSHOTS).map_err(db_err)?;
        Ok(t.get(key).map_err(db_err)?.map(|v| v.value().to_vec()))
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        Ok(Counts {
            ops: tx.open_table(IDS).map_err(db_err)?.len().map_err(db_err)?,
            pending: tx
                .open_table(PENDING)
                .map_err(db_err)?
                .len()
                .map_err(db_err)?,
            quarantined: tx
                .open_table(QUARANTINE)
                .map_err(db_err)?
                .len()
                .map_err(db_err)?,
        })
    }
}
