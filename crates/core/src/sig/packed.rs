//! A batch of signature checks as one byte buffer, so that another thread
//! (a browser's Web Worker, which shares no memory with the page) can run
//! [`verify_batch`](super::verify_batch) and send back one verdict byte per
//! item. Both ends are this module: the worker runs [`verify_packed`], the
//! node [`pack`] and [`unpack_verdicts`]; the rule is the same on every side.
//!
//! Layout (little-endian): version `1`, the 32-byte seed of the batch's
//! random coefficients, the item count (u32), then per item the signer's
//! 32-byte key, the 64-byte signature, the message length (u32) and the
//! message. Verdicts: one byte per item, `0` valid, otherwise the code of its
//! [`SignatureError`].

use super::{BatchItem, Signature, SignatureError, verify_batch};
use crate::identity::Did;
use crate::rng::SeededRng;

const VERSION: u8 = 1;
const HEADER: usize = 1 + 32 + 4;
const ITEM_FIXED: usize = 32 + 64 + 4;

/// Why packed bytes could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackedError {
    /// The buffer does not start with a known version.
    #[error("packed batch version {0} is not supported")]
    Version(u8),
    /// The buffer ends inside the header or an item, or has bytes left over.
    #[error("packed batch is truncated or has trailing bytes")]
    Length,
    /// The verdicts do not match the batch they answer.
    #[error("expected {expected} verdicts, got {got}")]
    VerdictCount {
        /// Items in the batch.
        expected: usize,
        /// Verdict bytes received.
        got: usize,
    },
    /// A verdict byte is not a known code.
    #[error("unknown verdict code {0}")]
    VerdictCode(u8),
}

/// Packs `items` with the seed for the batch's random coefficients (which
/// must be unpredictable to whoever wrote the signatures).
pub fn pack(items: &[BatchItem<'_>], seed: [u8; 32]) -> Vec<u8> {
    let body: usize = items.iter().map(|i| ITEM_FIXED + i.message.len()).sum();
    let mut out = Vec::with_capacity(HEADER + body);
    out.push(VERSION);
    out.extend_from_slice(&seed);
    out.extend_from_slice(&len_u32(items.len()).to_le_bytes());
    for item in items {
        out.extend_from_slice(item.signer.public_key());
        out.extend_from_slice(&item.signature.to_bytes());
        out.extend_from_slice(&len_u32(item.message.len()).to_le_bytes());
        out.extend_from_slice(item.message);
    }
    out
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).expect("a batch and its messages are far below 4 GiB")
}

/// Verifies a packed batch, returning one verdict byte per item, in order.
pub fn verify_packed(bytes: &[u8]) -> Result<Vec<u8>, PackedError> {
    let mut r = Reader(bytes);
    let version = r.take::<1>()?[0];
    if version != VERSION {
        return Err(PackedError::Version(version));
    }
    let seed = r.take::<32>()?;
    let count = u32::from_le_bytes(r.take::<4>()?) as usize;
    // Each item takes at least ITEM_FIXED bytes: a count beyond that is a lie.
    if count > r.0.len() / ITEM_FIXED {
        return Err(PackedError::Length);
    }
    let mut signers = Vec::with_capacity(count);
    let mut parts = Vec::with_capacity(count);
    for _ in 0..count {
        let key = r.take::<32>()?;
        let signature = Signature::from_bytes(r.take::<64>()?);
        let len = u32::from_le_bytes(r.take::<4>()?) as usize;
        let message = r.slice(len)?;
        signers.push(Did::from_public_key(key));
        parts.push((signature, message));
    }
    if !r.0.is_empty() {
        return Err(PackedError::Length);
    }
    // A key that is not a valid DID verifies nothing: refused as a bad key.
    let mut verdicts = vec![0u8; count];
    let mut items = Vec::with_capacity(count);
    let mut slots = Vec::with_capacity(count);
    for (i, (signer, (signature, message))) in signers.iter().zip(&parts).enumerate() {
        match signer {
            Ok(signer) => {
                items.push(BatchItem {
                    signer,
                    message,
                    signature,
                });
                slots.push(i);
            }
            Err(_) => verdicts[i] = code(Err(SignatureError::BadKey)),
        }
    }
    let results = verify_batch(&items, &mut SeededRng::new(seed));
    for (slot, result) in slots.into_iter().zip(results) {
        verdicts[slot] = code(result);
    }
    Ok(verdicts)
}

/// Reads the verdicts of a batch of `expected` items.
pub fn unpack_verdicts(
    codes: &[u8],
    expected: usize,
) -> Result<Vec<Result<(), SignatureError>>, PackedError> {
    if codes.len() != expected {
        return Err(PackedError::VerdictCount {
            expected,
            got: codes.len(),
        });
    }
    codes.iter().map(|c| verdict(*c)).collect()
}

fn code(result: Result<(), SignatureError>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(SignatureError::NonCanonicalR) => 1,
        Err(SignatureError::SmallOrderR) => 2,
        Err(SignatureError::NonCanonicalS) => 3,
        Err(SignatureError::BadKey) => 4,
        Err(SignatureError::Mismatch) => 5,
    }
}

fn verdict(code: u8) -> Result<Result<(), SignatureError>, PackedError> {
    Ok(match code {
        0 => Ok(()),
        1 => Err(SignatureError::NonCanonicalR),
        2 => Err(SignatureError::SmallOrderR),
        3 => Err(SignatureError::NonCanonicalS),
        4 => Err(SignatureError::BadKey),
        5 => Err(SignatureError::Mismatch),
        other => return Err(PackedError::VerdictCode(other)),
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn slice(&mut self, n: usize) -> Result<&'a [u8], PackedError> {
        if self.0.len() < n {
            return Err(PackedError::Length);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], PackedError> {
        Ok(self.slice(N)?.try_into().expect("slice has N bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Keypair;

    fn signed(n: u8) -> Vec<(Did, Vec<u8>, Signature)> {
        (0..n)
            .map(|i| {
                let kp = Keypair::from_seed(&[i; 32]);
                let msg = vec![i; usize::from(i) * 7];
                (kp.did(), msg.clone(), kp.sign(&msg))
            })
            .collect()
    }

    fn items(v: &[(Did, Vec<u8>, Signature)]) -> Vec<BatchItem<'_>> {
        v.iter()
            .map(|(signer, message, signature)| BatchItem {
                signer,
                message,
                signature,
            })
            .collect()
    }

    #[test]
    fn verdicts_through_bytes_match_verify_batch() {
        let mut ops = signed(20);
        // A mismatch and a non-canonical s, among valid ones.
        ops[3].1.push(1);
        let mut bad_s = ops[7].2.to_bytes();
        bad_s[63] = 0xff;
        ops[7].2 = Signature::from_bytes(bad_s);
        let items = items(&ops);
        let direct = verify_batch(&items, &mut SeededRng::new([1; 32]));
        let codes = verify_packed(&pack(&items, [2; 32])).expect("well formed");
        assert_eq!(unpack_verdicts(&codes, items.len()), Ok(direct.clone()));
        assert_eq!(direct[3], Err(SignatureError::Mismatch));
        assert_eq!(direct[7], Err(SignatureError::NonCanonicalS));
        assert_eq!(direct.iter().filter(|r| r.is_ok()).count(), 18);
    }

    #[test]
    fn layout_is_pinned() {
        let ops = signed(2);
        let bytes = pack(&items(&ops), [9; 32]);
        assert_eq!(bytes[0], 1);
        assert_eq!(&bytes[1..33], &[9; 32]);
        assert_eq!(&bytes[33..37], &2u32.to_le_bytes());
        assert_eq!(&bytes[37..69], ops[0].0.public_key());
        assert_eq!(&bytes[69..133], &ops[0].2.to_bytes());
        assert_eq!(&bytes[133..137], &0u32.to_le_bytes());
        assert_eq!(&bytes[137..169], ops[1].0.public_key());
        assert_eq!(&bytes[233..237], &7u32.to_le_bytes());
        assert_eq!(&bytes[237..], &[1; 7]);
    }

    #[test]
    fn a_weak_key_is_a_bad_key_not_an_error() {
        let ops = signed(3);
        let mut bytes = pack(&items(&ops), [0; 32]);
        // The identity point (small order) as the second signer's key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let at = HEADER + ITEM_FIXED + ops[0].1.len();
        bytes[at..at + 32].copy_from_slice(&identity);
        let codes = verify_packed(&bytes).expect("well formed");
        assert_eq!(
            unpack_verdicts(&codes, 3),
            Ok(vec![Ok(()), Err(SignatureError::BadKey), Ok(())])
        );
    }

    #[test]
    fn malformed_buffers_are_refused() {
        let ops = signed(3);
        let bytes = pack(&items(&ops), [0; 32]);
        for cut in [0, 1, HEADER, HEADER + 10, bytes.len() - 1] {
            assert_eq!(
                verify_packed(&bytes[..cut]),
                Err(PackedError::Length),
                "cut {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(verify_packed(&longer), Err(PackedError::Length));
        let mut version = bytes.clone();
        version[0] = 2;
        assert_eq!(verify_packed(&version), Err(PackedError::Version(2)));
        let mut count = bytes;
        count[33..37].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(verify_packed(&count), Err(PackedError::Length));
        assert_eq!(
            unpack_verdicts(&[0, 0], 3),
            Err(PackedError::VerdictCount {
                expected: 3,
                got: 2
            })
        );
        assert_eq!(
            unpack_verdicts(&[0, 9], 2),
            Err(PackedError::VerdictCode(9))
        );
    }
}
