//! The block segment format: one IndexedDB record holding a commit's op blocks.

use crate::StoreError;

/// `u32 count ‖ count × u32 end offsets ‖ blocks`, little endian.
pub(super) fn pack_blocks(blocks: &[&[u8]]) -> Vec<u8> {
    let total: usize = blocks.iter().map(|b| b.len()).sum();
    let mut out = Vec::with_capacity(4 + 4 * blocks.len() + total);
    out.extend_from_slice(&(blocks.len() as u32).to_le_bytes());
    let mut end = 0u32;
    for b in blocks {
        end += b.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
    }
    for b in blocks {
        out.extend_from_slice(b);
    }
    out
}

pub(super) fn unpack_blocks(bytes: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
    let corrupt = || StoreError::Corrupt("block segment".into());
    let u32_at = |at: usize| -> Result<usize, StoreError> {
        let b = bytes.get(at..at + 4).ok_or_else(corrupt)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let count = u32_at(0)?;
    let base = 4 + 4 * count;
    let mut start = 0;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let end = u32_at(4 + 4 * i)?;
        out.push(
            bytes
                .get(base + start..base + end)
                .ok_or_else(corrupt)?
                .to_vec(),
        );
        start = end;
    }
    Ok(out)
}
