//! CARv1 archives (content-addressable archives), the IPLD tools' format for
//! moving blocks around: a DAG-CBOR header naming root CIDs, then sections of
//! `varint(len) ‖ CID ‖ block`.

use cid::Cid;
use serde::{Deserialize, Serialize};

use crate::ids::{BLAKE3, OpId};
use crate::op::MAX_OP_BYTES;

const MAX_HEADER_BYTES: u64 = 64 * 1024;

/// Why bytes could not be read as a CAR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CarError {
    /// The archive ends in the middle of something.
    #[error("truncated CAR at byte {0}")]
    Truncated(usize),
    /// A length prefix is not a valid varint, or is too large.
    #[error("bad length prefix at byte {0}")]
    BadLength(usize),
    /// The header is not a CARv1 header.
    #[error("bad CAR header: {0}")]
    BadHeader(String),
    /// A section's CID does not parse.
    #[error("bad CID in section at byte {0}")]
    BadCid(usize),
    /// A block's hash is not one this archive reader checks (BLAKE3).
    #[error("block {0} uses an unsupported hash")]
    UnsupportedHash(String),
    /// A block's bytes do not hash to its CID.
    #[error("block {0} does not match its CID")]
    HashMismatch(String),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    roots: Vec<Cid>,
    version: u64,
}

/// Writes a CARv1 with `roots` and `blocks` (op id, block bytes).
pub fn write_car<'a>(
    roots: &[OpId],
    blocks: impl IntoIterator<Item = (OpId, &'a [u8])>,
) -> Vec<u8> {
    let header = Header {
        roots: roots.iter().map(OpId::to_cid).collect(),
        version: 1,
    };
    let header = serde_ipld_dagcbor::to_vec(&header).expect("headers always encode");
    let mut out = Vec::new();
    push_varint(&mut out, header.len() as u64);
    out.extend_from_slice(&header);
    for (id, block) in blocks {
        let cid = id.to_cid_bytes();
        push_varint(&mut out, (cid.len() + block.len()) as u64);
        out.extend_from_slice(&cid);
        out.extend_from_slice(block);
    }
    out
}

fn push_varint(out: &mut Vec<u8>, n: u64) {
    let mut buf = unsigned_varint::encode::u64_buffer();
    out.extend_from_slice(unsigned_varint::encode::u64(n, &mut buf));
}

/// A CAR's contents: its roots and its blocks, each checked against its CID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Car {
    /// The root CIDs named in the header.
    pub roots: Vec<Cid>,
    /// The blocks, in archive order.
    pub blocks: Vec<(Cid, Vec<u8>)>,
}

/// Reads a CARv1 from untrusted bytes, checking every BLAKE3 block against its
/// CID. Never panics.
pub fn read_car(bytes: &[u8]) -> Result<Car, CarError> {
    let mut pos = 0usize;
    let header_len = read_len(bytes, &mut pos, MAX_HEADER_BYTES)?;
    let header_bytes = take(bytes, &mut pos, header_len)?;
    let header: Header = serde_ipld_dagcbor::from_slice(header_bytes)
        .map_err(|e| CarError::BadHeader(e.to_string()))?;
    if header.version != 1 {
        return Err(CarError::BadHeader(format!("version {}", header.version)));
    }
    let mut blocks = Vec::new();
    while pos < bytes.len() {
        let start = pos;
        let len = read_len(bytes, &mut pos, MAX_OP_BYTES as u64 + 128)?;
        let section = take(bytes, &mut pos, len)?;
        let mut cursor = section;
        let cid = Cid::read_bytes(&mut cursor).map_err(|_| CarError::BadCid(start))?;
        let data = cursor;
        let mh = cid.hash();
        if mh.code() != BLAKE3 || mh.size() != 32 {
            return Err(CarError::UnsupportedHash(cid.to_string()));
        }
        if blake3::hash(data).as_bytes() != mh.digest() {
            return Err(CarError::HashMismatch(cid.to_string()));
        }
        blocks.push((cid, data.to_vec()));
    }
    Ok(Car {
        roots: header.roots,
        blocks,
    })
}

fn read_len(bytes: &[u8], pos: &mut usize, max: u64) -> Result<usize, CarError> {
    let rest = bytes.get(*pos..).ok_or(CarError::Truncated(*pos))?;
    let (n, tail) = unsigned_varint::decode::u64(rest).map_err(|e| match e {
        unsigned_varint::decode::Error::Insufficient => CarError::Truncated(*pos),
        _ => CarError::BadLength(*pos),
    })?;
    if n > max {
        return Err(CarError::BadLength(*pos));
    }
    *pos += rest.len() - tail.len();
    usize::try_from(n).map_err(|_| CarError::BadLength(*pos))
}

fn take<'a>(bytes: &'a [u8], pos: &mut usize, len: usize) -> Result<&'a [u8], CarError> {
    let end = pos.checked_add(len).ok_or(CarError::Truncated(*pos))?;
    let slice = bytes.get(*pos..end).ok_or(CarError::Truncated(*pos))?;
    *pos = end;
    Ok(slice)
}
