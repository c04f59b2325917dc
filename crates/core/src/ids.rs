//! Content identifiers: op ids (CIDv1, dag-cbor, BLAKE3) and space ids.

use std::fmt;
use std::str::FromStr;

use cid::Cid;

/// The multicodec code of DAG-CBOR.
pub const DAG_CBOR: u64 = 0x71;
/// The multicodec code of the BLAKE3 multihash.
pub const BLAKE3: u64 = 0x1e;

/// Why an id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Not parseable as a CID.
    #[error("not a CID: {0}")]
    NotCid(String),
    /// A CID, but not a Hearth op id (CIDv1, dag-cbor, 32-byte BLAKE3).
    #[error("not a Hearth op id (need CIDv1, codec dag-cbor, BLAKE3-256), found {0}")]
    NotOpId(String),
    /// Not a multibase base32 space id of 32 bytes.
    #[error("not a space id (multibase base32, 32 bytes)")]
    NotSpaceId,
}

/// The id of an op: the BLAKE3 hash of its canonical DAG-CBOR block, used as
/// a CIDv1 (codec dag-cbor, multihash BLAKE3-256). Holds only the digest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId([u8; 32]);

impl OpId {
    /// The id of the block `bytes`.
    pub fn of_block(bytes: &[u8]) -> Self {
        OpId(*blake3::hash(bytes).as_bytes())
    }

    /// An op id from its 32-byte digest.
    pub fn from_digest(digest: [u8; 32]) -> Self {
        OpId(digest)
    }

    /// The 32-byte BLAKE3 digest.
    pub fn digest(&self) -> &[u8; 32] {
        &self.0
    }

    /// The id as a CID.
    pub fn to_cid(&self) -> Cid {
        let mh = cid::multihash::Multihash::wrap(BLAKE3, &self.0).expect("32 bytes fit in 64");
        Cid::new_v1(DAG_CBOR, mh)
    }

    /// The binary CID: `0x01 0x71 0x1e 0x20` followed by the digest.
    pub fn to_cid_bytes(&self) -> [u8; 36] {
        let mut out = [0u8; 36];
        out[..4].copy_from_slice(&[0x01, 0x71, 0x1e, 0x20]);
        out[4..].copy_from_slice(&self.0);
        out
    }

    /// An op id from a CID, refusing other versions, codecs or hashes.
    pub fn from_cid(cid: &Cid) -> Result<Self, IdError> {
        let mh = cid.hash();
        if cid.version() != cid::Version::V1
            || cid.codec() != DAG_CBOR
            || mh.code() != BLAKE3
            || mh.size() != 32
        {
            return Err(IdError::NotOpId(cid.to_string()));
        }
        let digest: [u8; 32] = mh.digest().try_into().expect("size checked");
        Ok(OpId(digest))
    }

    /// A short form for logs: the last 8 characters of the CID text.
    pub fn fmt_short(&self) -> String {
        let full = self.to_string();
        format!("…{}", &full[full.len() - 8..])
    }
}

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_cid(), f)
    }
}

impl fmt::Debug for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpId({})", self.fmt_short())
    }
}

impl FromStr for OpId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let cid = Cid::try_from(s).map_err(|e| IdError::NotCid(e.to_string()))?;
        OpId::from_cid(&cid)
    }
}

impl serde::Serialize for OpId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            // DAG-CBOR encodes this as a link (tag 42).
            self.to_cid().serialize(serializer)
        }
    }
}

impl<'de> serde::Deserialize<'de> for OpId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if deserializer.is_human_readable() {
            crate::serde_text::from_text(deserializer)
        } else {
            let cid = Cid::deserialize(deserializer)?;
            OpId::from_cid(&cid).map_err(D::Error::custom)
        }
    }
}

/// The id of a space (a chapter, a federation, a member's own space): the
/// BLAKE3 hash of its creator's key and a nonce, fixed by the space's genesis
/// op. Text form: multibase base32 (`b…`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpaceId([u8; 32]);

impl SpaceId {
    /// The id of a space created by `creator_key` with `nonce`.
    pub fn derive(creator_key: &[u8; 32], nonce: &[u8]) -> Self {
        let mut h = blake3::Hasher::new_derive_key("hearth space id v1");
        h.update(creator_key);
        h.update(nonce);
        SpaceId(*h.finalize().as_bytes())
    }

    /// A space id from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SpaceId(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A short form for logs.
    pub fn fmt_short(&self) -> String {
        let full = self.to_string();
        full[..10].to_string()
    }
}

impl fmt::Display for SpaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&multibase::encode(multibase::Base::Base32Lower, self.0))
    }
}

impl fmt::Debug for SpaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpaceId({})", self.fmt_short())
    }
}

impl FromStr for SpaceId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !s.starts_with('b') {
            return Err(IdError::NotSpaceId);
        }
        let (_, bytes) = multibase::decode(s).map_err(|_| IdError::NotSpaceId)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| IdError::NotSpaceId)?;
        Ok(SpaceId(bytes))
    }
}

impl serde::Serialize for SpaceId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_bytes(&self.0)
        }
    }
}

impl<'de> serde::Deserialize<'de> for SpaceId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            crate::serde_text::from_text(deserializer)
        } else {
            crate::serde_text::fixed_bytes(deserializer).map(SpaceId)
        }
    }
}
