//! Ops: the signed, content-addressed records every fact in Hearth is made of.
//!
//! An op block is canonical DAG-CBOR:
//!
//! ```text
//! { "sig": bytes(64),
//!   "data": { "v": 1, "ts": u64, "body": Body, "deps": [CID…], "prev": CID | null,
//!             "seq": u64, "space": bytes(32), "author": bytes(34) } }
//! ```
//!
//! `sig` is the author's Ed25519 signature over [`SIGNING_CONTEXT`] followed by
//! the canonical encoding of `data`. The op's id is the CIDv1 (dag-cbor,
//! BLAKE3-256) of the whole block, so every op is an IPLD block that standard
//! tools can store and check.

use serde::{Deserialize, Serialize};

use crate::chapter::{ChapterOp, Founding};
use crate::gov::GovOp;
use crate::identity::{Did, Keypair};
use crate::ids::{OpId, SpaceId};
use crate::ledger::LedgerOp;
use crate::sig::Signature;

/// The op format version this code writes and reads.
pub const OP_VERSION: u64 = 1;
/// The largest op block accepted, in bytes.
pub const MAX_OP_BYTES: usize = 64 * 1024;
/// The most causal dependencies one op may name.
pub const MAX_DEPS: usize = 32;
/// The longest space name, in bytes.
pub const MAX_NAME_BYTES: usize = 200;
/// The longest note, in bytes.
pub const MAX_NOTE_BYTES: usize = 16 * 1024;
/// Bytes prefixed to the encoded `data` before signing (domain separation).
pub const SIGNING_CONTEXT: &[u8] = b"hearth/op/v1\n";

/// What an op says. Later domains add variants; an op whose body this
/// version does not know fails to decode and is refused with that reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Body {
    /// Creates a space; its author is the first member. Always seq 0 with
    /// no deps, and the space id is `SpaceId::derive(author, nonce)`.
    Genesis {
        /// A human name for the space.
        name: String,
        /// Makes the space id unique (16 random bytes).
        #[serde(with = "serde_bytes")]
        nonce: Vec<u8>,
        /// A chapter's charter and founders; a plain space has none (and
        /// the plain charter, [`crate::chapter::template::plain`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        founding: Option<Box<Founding>>,
    },
    /// Admits a member (only the space's creator, in this version).
    AddMember {
        /// Who is admitted.
        member: Did,
    },
    /// Removes a member (only the space's creator, in this version).
    RemoveMember {
        /// Who is removed.
        member: Did,
    },
    /// A short text posted to the space.
    Note {
        /// The text.
        text: String,
    },
    /// A chapter op: membership, roles, invites, the charter.
    Chapter(ChapterOp),
    /// A governance op: proposals, votes, delegation, appeals, emergencies.
    Gov(GovOp),
    /// A ledger op: payments, requests, currencies, limits, disputes.
    Ledger(LedgerOp),
    /// Events of one member's identity log ([`crate::keys`]), from the
    /// first the space lacks: rotations, devices, guardians, recoveries.
    /// Anyone may carry them; they are signed by whom they need.
    Keys(Vec<crate::keys::SignedEvent>),
}

impl Body {
    /// A one-word name of the body's kind, for logs and listings.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Genesis { .. } => "genesis",
            Body::AddMember { .. } => "add_member",
            Body::RemoveMember { .. } => "remove_member",
            Body::Note { .. } => "note",
            Body::Chapter(op) => op.kind(),
            Body::Gov(op) => op.kind(),
            Body::Ledger(op) => op.kind(),
            Body::Keys(_) => "keys",
        }
    }

    /// Whether the op changes who may do what in its space (see
    /// [`crate::context`]): genesis, membership and chapter ops but profiles.
    pub fn is_governing(&self) -> bool {
        match self {
            Body::Genesis { .. } | Body::AddMember { .. } | Body::RemoveMember { .. } => true,
            Body::Note { .. } => false,
            Body::Chapter(op) => op.is_governing(),
            Body::Gov(_) => true,
            Body::Ledger(op) => op.is_governing(),
            Body::Keys(_) => true,
        }
    }
}

/// Everything in an op except its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpData {
    /// Format version; always [`OP_VERSION`].
    pub v: u64,
    /// The space the op belongs to.
    pub space: SpaceId,
    /// The author.
    pub author: Did,
    /// Position in the author's log in this space, from 0.
    pub seq: u64,
    /// The author's previous op in this space (none at seq 0).
    pub prev: Option<OpId>,
    /// Other ops this one causally follows, sorted and without repeats.
    pub deps: Vec<OpId>,
    /// The time the author claims, in milliseconds since the Unix epoch.
    pub ts: u64,
    /// What the op says.
    pub body: Body,
}

/// A signed op as it travels and is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Op {
    /// The signed content.
    pub data: OpData,
    /// The author's signature over [`SIGNING_CONTEXT`] ‖ DAG-CBOR(`data`).
    pub sig: Signature,
}

/// Why bytes could not be read as an op.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DecodeError {
    /// More bytes than [`MAX_OP_BYTES`].
    #[error("op is {len} bytes, the limit is {max}")]
    TooLarge {
        /// The length found.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// Not DAG-CBOR of the op schema (includes unknown body kinds).
    #[error("not a valid op encoding: {0}")]
    Malformed(String),
    /// Decodes, but the bytes are not the canonical encoding of what they say.
    #[error("op bytes are not canonical DAG-CBOR")]
    NonCanonical,
    /// An unsupported format version.
    #[error("unsupported op version {0}")]
    Version(u64),
    /// A field is out of its bounds or the op's shape is wrong.
    #[error("malformed op: {0}")]
    Shape(Shape),
    /// A domain's body is out of its bounds.
    #[error("malformed {kind} op: {detail}")]
    Body {
        /// The body's kind.
        kind: String,
        /// What is wrong.
        detail: String,
    },
}

/// Context-free rules on an op's fields, checked at decode time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Shape {
    /// More than [`MAX_DEPS`] deps.
    #[error("too many deps")]
    TooManyDeps,
    /// Deps are not sorted and unique.
    #[error("deps must be sorted and unique")]
    DepsUnsorted,
    /// A dep repeats `prev`.
    #[error("deps must not repeat prev")]
    DepRepeatsPrev,
    /// `prev` present at seq 0 or absent later.
    #[error("prev must be absent exactly at seq 0")]
    PrevAtSeqZero,
    /// A genesis op that is not seq 0 without deps.
    #[error("genesis must be seq 0 without deps")]
    GenesisNotFirst,
    /// A space name that is empty or too long.
    #[error("space name must be 1 to 200 bytes")]
    NameLength,
    /// A genesis nonce that is not 16 bytes.
    #[error("genesis nonce must be 16 bytes")]
    NonceLength,
    /// The space id is not derived from the genesis author and nonce.
    #[error("space id does not match genesis")]
    SpaceIdMismatch,
    /// A note over [`MAX_NOTE_BYTES`].
    #[error("note too long")]
    NoteTooLong,
    /// A non-genesis op at seq 0 without deps (it would float free of its space).
    #[error("a first op in a space must name a dep")]
    FirstOpWithoutDep,
}

/// An op with its id and canonical bytes: decoded and well-formed, but its
/// signature and causal past not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedOp {
    /// The op's id (hash of `bytes`).
    pub id: OpId,
    /// The op.
    pub op: Op,
    /// Its canonical block bytes.
    pub bytes: Vec<u8>,
}

/// Where `data` starts in a canonical op block: after the map header, the
/// key `"sig"` with its 64-byte value, and the key `"data"` (DAG-CBOR sorts
/// shorter keys first).
const DATA_OFFSET: usize = 1 + 4 + 2 + 64 + 5;
const SIG_PREFIX: [u8; 7] = [0xa2, 0x63, b's', b'i', b'g', 0x58, 0x40];
const DATA_KEY: [u8; 5] = [0x64, b'd', b'a', b't', b'a'];

impl DecodedOp {
    /// The bytes the author signed, cut from the canonical block instead of
    /// encoding `data` again: the same bytes as `op.data.signing_bytes()`
    /// for any op from [`Op::decode`] or [`OpData::sign`], and what every
    /// node stores and relays.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let b = &self.bytes;
        if b.len() <= DATA_OFFSET || b[..7] != SIG_PREFIX || b[71..DATA_OFFSET] != DATA_KEY {
            return self.op.data.signing_bytes();
        }
        let mut out = Vec::with_capacity(SIGNING_CONTEXT.len() + b.len() - DATA_OFFSET);
        out.extend_from_slice(SIGNING_CONTEXT);
        out.extend_from_slice(&b[DATA_OFFSET..]);
        out
    }
}

impl OpData {
    /// The bytes the author signs.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(SIGNING_CONTEXT);
        serde_ipld_dagcbor::to_writer(&mut out, self).expect("ops always encode");
        out
    }

    /// Signs this data with `keypair`, which must be the author's.
    pub fn sign(self, keypair: &Keypair) -> DecodedOp {
        debug_assert_eq!(self.author, keypair.did());
        let sig = keypair.sign(&self.signing_bytes());
        let op = Op { data: self, sig };
        let bytes = op.encode();
        DecodedOp {
            id: OpId::of_block(&bytes),
            op,
            bytes,
        }
    }

    /// Checks bounds that need no context: sizes, sorted unique deps, the
    /// shape of seq 0 and genesis ops.
    pub fn check_shape(&self) -> Result<(), DecodeError> {
        if self.v != OP_VERSION {
            return Err(DecodeError::Version(self.v));
        }
        if self.deps.len() > MAX_DEPS {
            return Err(DecodeError::Shape(Shape::TooManyDeps));
        }
        if self.deps.windows(2).any(|w| w[0] >= w[1]) {
            return Err(DecodeError::Shape(Shape::DepsUnsorted));
        }
        if self.prev.is_some_and(|p| self.deps.contains(&p)) {
            return Err(DecodeError::Shape(Shape::DepRepeatsPrev));
        }
        if (self.seq == 0) != self.prev.is_none() {
            return Err(DecodeError::Shape(Shape::PrevAtSeqZero));
        }
        match &self.body {
            Body::Genesis {
                name,
                nonce,
                founding,
            } => {
                if self.seq != 0 || !self.deps.is_empty() {
                    return Err(DecodeError::Shape(Shape::GenesisNotFirst));
                }
                if name.is_empty() || name.len() > MAX_NAME_BYTES {
                    return Err(DecodeError::Shape(Shape::NameLength));
                }
                if nonce.len() != 16 {
                    return Err(DecodeError::Shape(Shape::NonceLength));
                }
                if SpaceId::derive(self.author.public_key(), nonce) != self.space {
                    return Err(DecodeError::Shape(Shape::SpaceIdMismatch));
                }
                if let Some(f) = founding {
                    f.charter
                        .check_shape()
                        .map_err(|e| body_error("genesis", e))?;
                    if f.founders.len() > crate::chapter::charter::MAX_ITEMS {
                        return Err(body_error("genesis", "too many founders"));
                    }
                }
            }
            Body::Note { text } if text.len() > MAX_NOTE_BYTES => {
                return Err(DecodeError::Shape(Shape::NoteTooLong));
            }
            _ if self.seq == 0 && self.deps.is_empty() => {
                return Err(DecodeError::Shape(Shape::FirstOpWithoutDep));
            }
            _ => {}
        }
        match &self.body {
            Body::Chapter(op) => op.check_shape().map_err(|e| body_error(op.kind(), e))?,
            Body::Gov(op) => op.check_shape().map_err(|e| body_error(op.kind(), e))?,
            Body::Ledger(op) => op.check_shape().map_err(|e| body_error(op.kind(), &e))?,
            Body::Keys(events) => {
                if events.is_empty() || events.len() > crate::keys::MAX_EVENTS {
                    return Err(body_error("keys", "1 to 64 key events"));
                }
                if events
                    .windows(2)
                    .any(|w| w[0].event.member != w[1].event.member)
                {
                    return Err(body_error("keys", "the events of one member"));
                }
                for e in events {
                    e.check_shape().map_err(|why| body_error("keys", why))?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn body_error(kind: &str, detail: &str) -> DecodeError {
    DecodeError::Body {
        kind: kind.to_owned(),
        detail: detail.to_owned(),
    }
}

impl Op {
    /// The canonical DAG-CBOR block.
    pub fn encode(&self) -> Vec<u8> {
        serde_ipld_dagcbor::to_vec(self).expect("ops always encode")
    }

    /// Reads an op from untrusted bytes: size limit first, then strict
    /// DAG-CBOR, then a canonical-form check and the shape checks. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<DecodedOp, DecodeError> {
        if bytes.len() > MAX_OP_BYTES {
            return Err(DecodeError::TooLarge {
                len: bytes.len() as u64,
                max: MAX_OP_BYTES as u64,
            });
        }
        let op: Op = serde_ipld_dagcbor::from_slice(bytes)
            .map_err(|e| DecodeError::Malformed(e.to_string()))?;
        op.data.check_shape()?;
        // Canonical form: encoding again gives the same bytes (the buffer is
        // sized up front, so the check costs one encode and no regrowth).
        let mut again = Vec::with_capacity(bytes.len());
        serde_ipld_dagcbor::to_writer(&mut again, &op).expect("ops always encode");
        if again != bytes {
            return Err(DecodeError::NonCanonical);
        }
        Ok(DecodedOp {
            id: OpId::of_block(bytes),
            op,
            bytes: bytes.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genesis(kp: &Keypair) -> DecodedOp {
        let nonce = vec![9u8; 16];
        OpData {
            v: OP_VERSION,
            space: SpaceId::derive(kp.did().public_key(), &nonce),
            author: kp.did(),
            seq: 0,
            prev: None,
            deps: vec![],
            ts: 1_700_000_000_000,
            body: Body::Genesis {
                name: "Riverside Food Co-op".into(),
                nonce,
                founding: None,
            },
        }
        .sign(kp)
    }

    #[test]
    fn ops_round_trip_and_ids_are_stable() {
        let kp = Keypair::from_seed(&[1u8; 32]);
        let op = genesis(&kp);
        let again = Op::decode(&op.bytes).expect("decodes");
        assert_eq!(again, op);
        assert!(op.id.to_string().starts_with("bafyr4i"), "{}", op.id);
    }

    #[test]
    fn trailing_bytes_and_oversize_are_refused() {
        let kp = Keypair::from_seed(&[1u8; 32]);
        let mut bytes = genesis(&kp).bytes;
        bytes.push(0);
        assert!(matches!(Op::decode(&bytes), Err(DecodeError::Malformed(_))));
        let big = vec![0u8; MAX_OP_BYTES + 1];
        assert!(matches!(
            Op::decode(&big),
            Err(DecodeError::TooLarge { .. })
        ));
    }

    #[test]
    fn shape_errors_are_typed() {
        let kp = Keypair::from_seed(&[1u8; 32]);
        let g = genesis(&kp);
        let mut data = g.op.data.clone();
        data.seq = 1;
        assert!(matches!(data.check_shape(), Err(DecodeError::Shape(_))));
        let mut data = g.op.data.clone();
        data.space = SpaceId::from_bytes([0; 32]);
        assert_eq!(
            data.check_shape(),
            Err(DecodeError::Shape(Shape::SpaceIdMismatch))
        );
        let mut data = g.op.data;
        data.body = Body::Note { text: "hi".into() };
        assert_eq!(
            data.check_shape(),
            Err(DecodeError::Shape(Shape::FirstOpWithoutDep))
        );
    }
}
