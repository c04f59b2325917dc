//! The sync protocol's messages, as DAG-CBOR.
//!
//! Three messages, one per purpose:
//! - `Summary`: what the sender holds in a space: always the digest of its
//!   version vector, and the vector itself when the receiver may not know it,
//!   packed: per author the first 8 bytes of its key and its top seq as a
//!   varint (about 10 bytes an author instead of 40). A prefix the receiver
//!   cannot resolve to exactly one author it holds is read as "holds nothing
//!   of that author", so a collision only ever costs bytes, never an op.
//! - `Ops`: op blocks the receiver lacks, a bounded batch, with `more` set
//!   when the sender holds further ones.
//! - `Push`: one new op, as its author publishes it.
//! - `Host`: a member's signed request that a relay host a space.
//! - `NotSynced`: the answer of a peer asked into a round of a space it
//!   does not sync (a relay that hosts only some), so the asker turns to
//!   another peer at once instead of waiting out the round.

use hearth_core::{Did, SpaceId, VersionVector};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// Largest message a peer may send; anything bigger is refused unread.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// Largest total of op bytes in one `Ops` batch.
pub const MAX_BATCH_BYTES: usize = 256 * 1024;

/// One sync message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SyncMessage {
    /// What the sender holds in `space`.
    Summary {
        /// The space.
        space: SpaceId,
        /// BLAKE3 of the canonical version vector (see [`digest`]).
        #[serde(with = "serde_bytes")]
        digest: [u8; 32],
        /// The vector itself ([`pack`]), when the sender thinks the
        /// receiver needs it.
        vv: Option<ByteBuf>,
        /// Whether the receiver should answer with its own vector if the
        /// sender holds ops the receiver lacks (push-pull in one round).
        reply: bool,
    },
    /// Ops the receiver lacks.
    Ops {
        /// The space.
        space: SpaceId,
        /// Op blocks, each a canonical op.
        ops: Vec<ByteBuf>,
        /// Whether the sender holds more that the receiver lacks.
        more: bool,
    },
    /// A new op published by its author.
    Push {
        /// The space.
        space: SpaceId,
        /// The op block.
        op: ByteBuf,
    },
    /// A member asks the receiving relay to host a space.
    Host(super::host::HostRequest),
    /// The sender does not sync the space (answering a round it was asked
    /// into).
    NotSynced {
        /// The space.
        space: SpaceId,
    },
}

/// Why bytes are not a sync message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Larger than [`MAX_MESSAGE_BYTES`].
    #[error("sync message of {0} bytes is over the limit")]
    TooLarge(usize),
    /// Not a well-formed message.
    #[error("malformed sync message: {0}")]
    Malformed(String),
}

impl SyncMessage {
    /// The message as DAG-CBOR.
    pub fn encode(&self) -> Vec<u8> {
        serde_ipld_dagcbor::to_vec(self).expect("sync messages always encode")
    }

    /// Reads a message from untrusted bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(WireError::TooLarge(bytes.len()));
        }
        serde_ipld_dagcbor::from_slice(bytes).map_err(|e| WireError::Malformed(e.to_string()))
    }

    /// The space the message is about.
    pub fn space(&self) -> SpaceId {
        match self {
            SyncMessage::Summary { space, .. }
            | SyncMessage::Ops { space, .. }
            | SyncMessage::Push { space, .. }
            | SyncMessage::NotSynced { space } => *space,
            SyncMessage::Host(request) => request.space,
        }
    }
}

/// Bytes of an author's key that name it in a packed vector.
pub const PREFIX: usize = 8;

/// A version vector packed for the wire: `key prefix ‖ varint seq` per
/// author, in author order.
pub fn pack(vv: &VersionVector) -> Vec<u8> {
    let mut out = Vec::with_capacity(vv.len() * (PREFIX + 3));
    let mut buf = unsigned_varint::encode::u64_buffer();
    for (author, seq) in vv.iter() {
        out.extend_from_slice(&author.public_key()[..PREFIX]);
        out.extend_from_slice(unsigned_varint::encode::u64(*seq, &mut buf));
    }
    out
}

/// A packed vector read against the authors this node holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The entries naming exactly one author held here.
    pub known: VersionVector,
    /// Whether the sender named authors this node cannot place (it holds
    /// ops of authors this node has none of, or a prefix is ambiguous).
    pub unknown: bool,
    /// How many ops the sender holds, placed or not.
    pub ops: u64,
}

/// Reads a packed vector, placing prefixes among `ours`' authors.
pub fn unpack(bytes: &[u8], ours: &VersionVector) -> Result<Resolved, WireError> {
    let mut authors: foldhash::HashMap<[u8; PREFIX], Option<Did>> = Default::default();
    for (author, _) in ours.iter() {
        let prefix: [u8; PREFIX] = author.public_key()[..PREFIX].try_into().expect("prefix");
        authors
            .entry(prefix)
            .and_modify(|slot| *slot = None)
            .or_insert(Some(*author));
    }
    let mut out = Resolved::default();
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < PREFIX {
            return Err(WireError::Malformed("truncated packed vector".into()));
        }
        let prefix: [u8; PREFIX] = rest[..PREFIX].try_into().expect("prefix");
        let (seq, tail) = unsigned_varint::decode::u64(&rest[PREFIX..])
            .map_err(|e| WireError::Malformed(format!("packed vector: {e}")))?;
        rest = tail;
        out.ops = out.ops.saturating_add(seq.saturating_add(1));
        match authors.get(&prefix) {
            Some(Some(author)) => out.known.observe(*author, seq),
            _ => out.unknown = true,
        }
    }
    Ok(out)
}

fn canonical(vv: &VersionVector) -> Vec<(Did, u64)> {
    vv.iter().map(|(a, s)| (*a, *s)).collect()
}

/// The digest of a version vector: equal digests, equal holdings.
pub fn digest(vv: &VersionVector) -> [u8; 32] {
    let bytes = serde_ipld_dagcbor::to_vec(&canonical(vv)).expect("vectors always encode");
    *blake3::Hasher::new_derive_key("hearth sync vv digest v1")
        .update(&bytes)
        .finalize()
        .as_bytes()
}
