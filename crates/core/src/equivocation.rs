//! Equivocation: two different signed ops at the same place in one author's
//! log. The pair is portable, self-proving evidence that anyone can check
//! offline, with no trust in whoever presents it.

use serde::{Deserialize, Serialize};

use crate::identity::Did;
use crate::ids::SpaceId;
use crate::op::{DecodeError, Op};
use crate::sig::SignatureError;

/// Two signed op blocks by one author with the same space and seq.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EquivocationProof {
    /// The block whose id sorts first.
    #[serde(with = "serde_bytes")]
    pub a: Vec<u8>,
    /// The other block.
    #[serde(with = "serde_bytes")]
    pub b: Vec<u8>,
}

/// What a checked proof shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Equivocation {
    /// The author who signed both ops.
    pub author: Did,
    /// The space.
    pub space: SpaceId,
    /// The contested seq.
    pub seq: u64,
}

/// Why a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// One of the blocks is not an op.
    #[error("a block is not an op: {0}")]
    Decode(#[from] DecodeError),
    /// One of the signatures does not verify.
    #[error("a signature does not verify: {0}")]
    Signature(#[from] SignatureError),
    /// The ops differ in author, space or seq, or are the same op.
    #[error("the ops do not conflict")]
    NoConflict,
    /// The proof is not in canonical order (`a` must sort first).
    #[error("proof blocks out of order")]
    Order,
    /// The proof bytes are not a DAG-CBOR proof.
    #[error("malformed proof: {0}")]
    Malformed(String),
}

impl EquivocationProof {
    /// Builds a proof from two conflicting op blocks, checking it.
    pub fn new(x: Vec<u8>, y: Vec<u8>) -> Result<(Self, Equivocation), ProofError> {
        let (a, b) = if blake3::hash(&x).as_bytes() <= blake3::hash(&y).as_bytes() {
            (x, y)
        } else {
            (y, x)
        };
        let proof = EquivocationProof { a, b };
        let found = proof.check()?;
        Ok((proof, found))
    }

    /// Checks the proof on its own: both blocks decode, both signatures
    /// verify, and they are different ops at one (author, space, seq).
    pub fn check(&self) -> Result<Equivocation, ProofError> {
        let a = Op::decode(&self.a)?;
        let b = Op::decode(&self.b)?;
        if a.id >= b.id {
            return Err(if a.id == b.id {
                ProofError::NoConflict
            } else {
                ProofError::Order
            });
        }
        let (da, db) = (&a.op.data, &b.op.data);
        if da.author != db.author || da.space != db.space || da.seq != db.seq {
            return Err(ProofError::NoConflict);
        }
        da.author.verify(&da.signing_bytes(), &a.op.sig)?;
        db.author.verify(&db.signing_bytes(), &b.op.sig)?;
        Ok(Equivocation {
            author: da.author,
            space: da.space,
            seq: da.seq,
        })
    }

    /// The proof as a DAG-CBOR block.
    pub fn encode(&self) -> Vec<u8> {
        serde_ipld_dagcbor::to_vec(self).expect("proofs always encode")
    }

    /// Reads and checks a proof from untrusted bytes.
    pub fn decode(bytes: &[u8]) -> Result<(Self, Equivocation), ProofError> {
        if bytes.len() > 2 * crate::op::MAX_OP_BYTES + 64 {
            return Err(ProofError::Malformed("too large".into()));
        }
        let proof: EquivocationProof = serde_ipld_dagcbor::from_slice(bytes)
            .map_err(|e| ProofError::Malformed(e.to_string()))?;
        let found = proof.check()?;
        Ok((proof, found))
    }
}
