//! Validation: the one function that turns a decoded op into a [`VerifiedOp`].
//!
//! Validation is a pure function of the op and its causal past (the author's
//! previous op and the op's deps), so an op valid on one node is valid on every
//! node, forever. An op whose causal past is not all here yet is *pending*; an
//! op that fails is *invalid* and is kept aside with its reason, never folded.

use serde::{Deserialize, Serialize};

use crate::context::CtxId;
use crate::identity::Did;
use crate::ids::{OpId, SpaceId};
use crate::op::{DecodeError, DecodedOp, Op};
use crate::sig::SignatureError;

/// What validation needs to know about an op already accepted: stored beside
/// every valid op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpMeta {
    /// The op's id.
    pub id: OpId,
    /// Its space.
    pub space: SpaceId,
    /// Its author.
    pub author: Did,
    /// Its seq in the author's log.
    pub seq: u64,
    /// Its claimed time.
    pub ts: u64,
    /// Its context: the governing ops in its causal past, itself included
    /// when it is one (see [`crate::context`]). Set when a view admits it.
    pub ctx: CtxId,
}

/// The causal past as validation sees it: the valid ops already known.
pub trait CausalPast {
    /// The metadata of a valid op, if it is known.
    fn meta(&self, id: &OpId) -> Option<OpMeta>;
    /// The id of the valid op at `seq` in `author`'s log in `space`, if known.
    fn log_entry(&self, space: &SpaceId, author: &Did, seq: u64) -> Option<OpId>;
}

/// Why an op is invalid. Stable and serializable: quarantined ops keep it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Invalid {
    /// The bytes are not a well-formed op.
    #[error("undecodable: {0}")]
    Decode(#[from] DecodeError),
    /// The signature does not verify under the author's key.
    #[error("bad signature: {0}")]
    Signature(String),
    /// `prev` is not the author's op at `seq - 1` in this space.
    #[error("prev is not the author's previous op in this space")]
    BrokenLink,
    /// A dep belongs to another space.
    #[error("dep {0} belongs to another space")]
    ForeignDep(OpId),
    /// The claimed time is earlier than the previous op's or a dep's.
    #[error("claimed time {ts} is earlier than its causal past ({past})")]
    TimeTravel {
        /// The op's claimed time.
        ts: u64,
        /// The latest time in its causal past.
        past: u64,
    },
    /// Another op already holds this (space, author, seq): equivocation.
    #[error("equivocation: {existing} already holds this seq")]
    Equivocation {
        /// The op accepted first at that position.
        existing: OpId,
    },
}

impl From<SignatureError> for Invalid {
    fn from(e: SignatureError) -> Self {
        Invalid::Signature(e.to_string())
    }
}

/// An op that passed validation. Only [`validate`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedOp {
    inner: DecodedOp,
    /// The contexts of its `prev` and `deps`, in that order.
    parents: Vec<CtxId>,
}

impl VerifiedOp {
    /// The op's id.
    pub fn id(&self) -> OpId {
        self.inner.id
    }
    /// The op.
    pub fn op(&self) -> &Op {
        &self.inner.op
    }
    /// Its canonical bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.inner.bytes
    }
    /// Its metadata, as stored for later validation, with the context a
    /// view found it in.
    pub fn meta(&self, ctx: CtxId) -> OpMeta {
        let d = &self.inner.op.data;
        OpMeta {
            id: self.inner.id,
            space: d.space,
            author: d.author,
            seq: d.seq,
            ts: d.ts,
            ctx,
        }
    }
    /// The contexts of its parents (`prev`, then `deps`): what a view merges
    /// to find the op's own context.
    pub fn parent_contexts(&self) -> &[CtxId] {
        &self.parents
    }
    /// Gives back the decoded op.
    pub fn into_decoded(self) -> DecodedOp {
        self.inner
    }
}

/// The outcome of validating one op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Valid: may be stored and folded.
    Valid(VerifiedOp),
    /// Its causal past is incomplete: the op waits for `missing`.
    Pending {
        /// The op, given back.
        op: DecodedOp,
        /// The ops it waits for.
        missing: Vec<OpId>,
    },
    /// Invalid, with the reason.
    Invalid {
        /// The op, given back.
        op: DecodedOp,
        /// Why it is invalid.
        reason: Invalid,
    },
}

/// Validates `op`, whose signature has already been checked with the result
/// `signature` (single or batch verification: see [`crate::sig`]), against
/// the causal past `past`.
///
/// Checks, in order: the signature; equivocation (another op at the same
/// position); the log link to `prev`; that every dep is known and in the same
/// space; that the claimed time does not run backwards. Shape and size were
/// checked when the op was decoded.
pub fn validate(
    op: DecodedOp,
    signature: Result<(), SignatureError>,
    past: &impl CausalPast,
) -> Verdict {
    match check(&op, signature, past) {
        Ok(parents) => Verdict::Valid(VerifiedOp { inner: op, parents }),
        Err(Check::Missing(missing)) => Verdict::Pending { op, missing },
        Err(Check::Invalid(reason)) => Verdict::Invalid { op, reason },
    }
}

enum Check {
    Missing(Vec<OpId>),
    Invalid(Invalid),
}

fn check(
    op: &DecodedOp,
    signature: Result<(), SignatureError>,
    past: &impl CausalPast,
) -> Result<Vec<CtxId>, Check> {
    signature.map_err(|e| Check::Invalid(e.into()))?;
    let d = &op.op.data;
    if let Some(existing) = past.log_entry(&d.space, &d.author, d.seq)
        && existing != op.id
    {
        return Err(Check::Invalid(Invalid::Equivocation { existing }));
    }
    let mut missing = Vec::new();
    let mut latest = 0u64;
    let mut parents = Vec::with_capacity(d.deps.len() + 1);
    if let Some(prev) = d.prev {
        match past.meta(&prev) {
            None => missing.push(prev),
            Some(m) => {
                if m.space != d.space || m.author != d.author || m.seq + 1 != d.seq {
                    return Err(Check::Invalid(Invalid::BrokenLink));
                }
                latest = m.ts;
                parents.push(m.ctx);
            }
        }
    }
    for dep in &d.deps {
        match past.meta(dep) {
            None => missing.push(*dep),
            Some(m) if m.space != d.space => return Err(Check::Invalid(Invalid::ForeignDep(*dep))),
            Some(m) => {
                latest = latest.max(m.ts);
                parents.push(m.ctx);
            }
        }
    }
    if !missing.is_empty() {
        return Err(Check::Missing(missing));
    }
    if d.ts < latest {
        return Err(Check::Invalid(Invalid::TimeTravel {
            ts: d.ts,
            past: latest,
        }));
    }
    Ok(parents)
}

/// Validates one op end to end with single signature verification: decode,
/// verify, validate. Bulk ingest uses [`crate::sig::verify_batch`] and
/// [`validate`] instead; both paths give the same verdicts.
pub fn validate_bytes(bytes: &[u8], past: &impl CausalPast) -> Result<Verdict, DecodeError> {
    let op = Op::decode(bytes)?;
    let d = &op.op.data;
    let signature = d.author.verify(&op.signing_bytes(), &op.op.sig);
    Ok(validate(op, signature, past))
}

/// Why an op was kept aside (quarantined): invalid, or valid but refused by a
/// view's rules. Stored with the op.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Rejection {
    /// The op failed validation.
    #[error("invalid: {0}")]
    Invalid(#[from] Invalid),
    /// The op is valid but a view's rules refuse it.
    #[error("refused: {0}")]
    Refused(#[from] crate::chapter::Refusal),
}
