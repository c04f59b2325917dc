//! The IndexedDB store's view of its segments: the shared op index with
//! segment slots as locations, and the newest segment folded in.

use crate::StoreError;
use crate::codec::{META_LEN, decode_meta};
use crate::index::OpIndex;

/// Where an op's block lives: its segment (commit number) and slot.
#[derive(Debug, Clone, Copy)]
pub(super) struct Loc {
    pub(super) segment: u64,
    pub(super) slot: u32,
}

#[derive(Debug, Default)]
pub(super) struct Segments {
    pub(super) ops: OpIndex<Loc>,
    /// The newest segment folded into `ops`.
    pub(super) last: u64,
}

impl Segments {
    /// Folds in one segment's metadata record.
    pub(super) fn add(&mut self, segment: u64, metas: &[u8]) -> Result<(), StoreError> {
        if metas.len() % META_LEN != 0 {
            return Err(StoreError::Corrupt(format!(
                "segment {segment} metadata length"
            )));
        }
        for (slot, chunk) in metas.chunks(META_LEN).enumerate() {
            let (meta, index) = decode_meta(chunk)?;
            let loc = Loc {
                segment,
                slot: slot as u32,
            };
            self.ops.insert(meta, index, loc);
        }
        self.last = self.last.max(segment);
        Ok(())
    }
}
