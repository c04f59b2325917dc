//! Fixed-width keys and values shared by the backends.

use hearth_core::context::CtxId;
use hearth_core::{Did, OpId, OpMeta, SpaceId};

use crate::StoreError;

/// Length of an encoded [`OpMeta`] plus index.
pub const META_LEN: usize = 32 + 32 + 32 + 8 + 8 + 32 + 8;

/// The layout of stored records this code reads and writes. Version 1
/// kept no context with each op. (IndexedDB names its object stores by it.)
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub const FORMAT: u64 = 2;

/// `meta ‖ index`, fixed width.
pub fn encode_meta(meta: &OpMeta, index: u64) -> [u8; META_LEN] {
    let mut out = [0u8; META_LEN];
    out[..32].copy_from_slice(meta.id.digest());
    out[32..64].copy_from_slice(meta.space.as_bytes());
    out[64..96].copy_from_slice(meta.author.public_key());
    out[96..104].copy_from_slice(&meta.seq.to_be_bytes());
    out[104..112].copy_from_slice(&meta.ts.to_be_bytes());
    out[112..144].copy_from_slice(meta.ctx.as_bytes());
    out[144..].copy_from_slice(&index.to_be_bytes());
    out
}

/// Inverse of [`encode_meta`].
pub fn decode_meta(bytes: &[u8]) -> Result<(OpMeta, u64), StoreError> {
    if bytes.len() != META_LEN {
        return Err(StoreError::Corrupt(format!(
            "meta of {} bytes",
            bytes.len()
        )));
    }
    let author = Did::from_public_key(arr32(&bytes[64..96]))
        .map_err(|e| StoreError::Corrupt(format!("stored author: {e}")))?;
    let meta = OpMeta {
        id: OpId::from_digest(arr32(&bytes[..32])),
        space: SpaceId::from_bytes(arr32(&bytes[32..64])),
        author,
        seq: u64_at(bytes, 96),
        ts: u64_at(bytes, 104),
        ctx: CtxId::from_bytes(arr32(&bytes[112..144])),
    };
    Ok((meta, u64_at(bytes, 144)))
}

/// Key of a version-vector entry or a proof: `space ‖ author`.
pub fn author_key(space: &SpaceId, author: &Did) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(space.as_bytes());
    out[32..].copy_from_slice(author.public_key());
    out
}

/// The author in a `space ‖ author` key.
pub fn author_of(key: &[u8]) -> Result<Did, StoreError> {
    Did::from_public_key(arr32(&key[32..64]))
        .map_err(|e| StoreError::Corrupt(format!("stored author: {e}")))
}

/// The first 32 bytes of `b` (callers pass fixed-width keys).
pub fn arr32(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&b[..32]);
    out
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut out = [0u8; 8];
    out.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(out)
}

/// Encodes a serde value (pending or quarantined op) as DAG-CBOR.
pub fn to_cbor<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_ipld_dagcbor::to_vec(value).expect("store records always encode")
}

/// Decodes a stored DAG-CBOR record.
pub fn from_cbor<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_ipld_dagcbor::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}
