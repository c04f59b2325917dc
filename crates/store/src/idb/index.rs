//! The in-memory index of an IndexedDB store: where every op is, by id, by
//! log position and by space order, plus the pending set.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use hearth_core::{Did, OpId, OpMeta, SpaceId, VersionVector};

use crate::codec::{META_LEN, decode_meta};
use crate::{PendingOp, StoreError};

/// Where an op's block lives: its segment (commit number) and slot.
#[derive(Debug, Clone, Copy)]
pub(super) struct Loc {
    pub(super) segment: u64,
    pub(super) slot: u32,
}

#[derive(Debug, Default)]
pub(super) struct Index {
    /// The newest segment folded into this index.
    pub(super) last_segment: u64,
    pub(super) metas: HashMap<OpId, (OpMeta, u64, Loc)>,
    pub(super) logs: BTreeMap<(SpaceId, Did, u64), OpId>,
    pub(super) order: BTreeMap<(SpaceId, u64), OpId>,
    pub(super) vv: BTreeMap<SpaceId, VersionVector>,
    pub(super) pending: BTreeMap<OpId, PendingOp>,
    pub(super) waiting: BTreeSet<(OpId, OpId)>,
}

impl Index {
    pub(super) fn add_segment(&mut self, segment: u64, metas: &[u8]) -> Result<(), StoreError> {
        if metas.len() % META_LEN != 0 {
            return Err(StoreError::Corrupt(format!(
                "segment {segment} metadata length"
            )));
        }
        for (slot, chunk) in metas.chunks(META_LEN).enumerate() {
            let (meta, index) = decode_meta(chunk)?;
            self.insert(
                meta,
                index,
                Loc {
                    segment,
                    slot: slot as u32,
                },
            );
        }
        Ok(())
    }

    pub(super) fn insert(&mut self, meta: OpMeta, index: u64, loc: Loc) {
        self.logs
            .insert((meta.space, meta.author, meta.seq), meta.id);
        self.order.insert((meta.space, index), meta.id);
        self.vv
            .entry(meta.space)
            .or_default()
            .observe(meta.author, meta.seq);
        self.metas.insert(meta.id, (meta, index, loc));
        self.last_segment = self.last_segment.max(loc.segment);
    }

    pub(super) fn set_pending(&mut self, p: PendingOp) {
        self.unpend(&p.id);
        for m in &p.missing {
            self.waiting.insert((*m, p.id));
        }
        self.pending.insert(p.id, p);
    }

    pub(super) fn unpend(&mut self, id: &OpId) {
        if let Some(old) = self.pending.remove(id) {
            for m in &old.missing {
                self.waiting.remove(&(*m, *id));
            }
        }
    }
}
