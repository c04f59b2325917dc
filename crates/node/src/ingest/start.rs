//! A chunk's first step: decode its blocks, drop repeats, and start
//! checking signatures in a batch (inline, or in the signature worker).

use foldhash::HashSet;
use hearth_core::DecodedOp;
use hearth_core::op::{DecodeError, Op};
use hearth_core::sig::{BatchItem, SignatureError};
use hearth_store::Store;

use crate::Node;
use crate::verify::{self, Verification};

impl<S: Store> Node<S> {
    /// A chunk's first step, before the previous one is settled: decode,
    /// drop repeats within it, and start checking its signatures.
    pub(super) fn start_chunk(&self, raw: Vec<Vec<u8>>) -> Started {
        let len = raw.len();
        let mut seen = HashSet::default();
        let mut decoded = Vec::with_capacity(raw.len());
        let mut duplicates = 0;
        let mut malformed = Vec::new();
        for bytes in raw {
            match Op::decode(&bytes) {
                Ok(op) if seen.insert(op.id) => decoded.push(op),
                Ok(_) => duplicates += 1,
                Err(e) => malformed.push((bytes, e)),
            }
        }
        let messages = signing_messages(&decoded);
        let items = batch_items(&decoded, &messages);
        let seed = self.seed();
        let signatures = match &self.verifier {
            Some(verifier) if !items.is_empty() => verifier.start(&items, seed),
            _ => Box::pin(std::future::ready(Some(verify::inline(&items, seed)))),
        };
        Started {
            len,
            decoded,
            duplicates,
            malformed,
            signatures,
        }
    }

    pub(crate) fn verify_signatures(&self, ops: &[DecodedOp]) -> Vec<Result<(), SignatureError>> {
        let messages = signing_messages(ops);
        verify::inline(&batch_items(ops, &messages), self.seed())
    }

    /// Fresh random bytes for a batch's coefficients.
    pub(super) fn seed(&self) -> [u8; 32] {
        let mut seed = [0u8; 32];
        self.env.random_bytes(&mut seed);
        seed
    }
}

/// A chunk decoded, its signature checks under way.
pub(super) struct Started {
    /// Blocks in the chunk, as received.
    pub(super) len: usize,
    /// The ops that decoded, without repeats.
    pub(super) decoded: Vec<DecodedOp>,
    /// Repeats within the chunk.
    pub(super) duplicates: usize,
    /// Blocks that did not decode, with the reason.
    pub(super) malformed: Vec<(Vec<u8>, DecodeError)>,
    /// The verdicts on `decoded`'s signatures, in order.
    pub(super) signatures: Verification,
}

pub(super) fn signing_messages(ops: &[DecodedOp]) -> Vec<Vec<u8>> {
    ops.iter().map(DecodedOp::signing_bytes).collect()
}

pub(super) fn batch_items<'a>(ops: &'a [DecodedOp], messages: &'a [Vec<u8>]) -> Vec<BatchItem<'a>> {
    ops.iter()
        .zip(messages)
        .map(|(o, m)| BatchItem {
            signer: &o.op.data.author,
            message: m,
            signature: &o.op.sig,
        })
        .collect()
}
