//! Hearth's Ed25519 verification rule, single and batched.
//!
//! # The rule
//!
//! A signature `(R, s)` by key `A` on message `M` is valid when
//!
//! 1. `A` and `R` are canonical point encodings (the y coordinate is below
//!    p = 2²⁵⁵ − 19),
//! 2. neither `A` nor `R` is one of the eight points of small order,
//! 3. `s` is a canonical scalar (below the group order ℓ), and
//! 4. the **cofactored** equation `[8][s]B = [8]R + [8][k]A` holds, where
//!    `k = SHA-512(R ‖ A ‖ M)`.
//!
//! Checks 1–3 make signatures non-malleable and refuse weak keys, as
//! `verify_strict` does. Check 4 is the cofactored equation (ZIP 215) rather
//! than `verify_strict`'s cofactorless one, because only the cofactored
//! equation has a batch form that accepts *exactly* the same signatures as
//! single verification: with the cofactorless equation, a signer can add a
//! small torsion component to `R` that a randomised batch misses with
//! probability up to ½, so two nodes could disagree on an op's validity. The
//! two equations agree on every signature an honest RFC 8032 signer produces.
//!
//! Checks 1–3 are byte comparisons, done before any curve arithmetic, so a
//! batch only ever contains signatures that pass them.

use std::fmt;

use ed25519_zebra::batch;
use ed25519_zebra::{VerificationKey, VerificationKeyBytes};
use rand_core::CryptoRng;

use crate::identity::Did;

pub mod packed;

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// `R` is not a canonical point encoding.
    #[error("signature R is not a canonical point encoding")]
    NonCanonicalR,
    /// `R` is a point of small order.
    #[error("signature R is a point of small order")]
    SmallOrderR,
    /// `s` is not below the group order (a malleable signature).
    #[error("signature s is not a canonical scalar")]
    NonCanonicalS,
    /// The key does not decode to a curve point.
    #[error("the signer's key is not a point on the curve")]
    BadKey,
    /// The verification equation does not hold.
    #[error("the signature does not match the message and key")]
    Mismatch,
}

/// An Ed25519 signature: 64 bytes, `R ‖ s`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 64]);

impl Signature {
    /// A signature from its 64 bytes (not yet checked).
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Signature(bytes)
    }

    /// The 64 bytes `R ‖ s`.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0
    }

    fn r(&self) -> &[u8; 32] {
        self.0[..32].try_into().expect("64 = 32 + 32")
    }

    fn s(&self) -> &[u8; 32] {
        self.0[32..].try_into().expect("64 = 32 + 32")
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature(")?;
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

impl serde::Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::serde_text::fixed_bytes(deserializer).map(Signature)
    }
}

/// The canonical encodings of the eight points of small order (RFC 8032
/// encodings; the torsion subgroup of edwards25519).
const SMALL_ORDER: [[u8; 32]; 8] = [
    // identity (0, 1)
    hex32("0100000000000000000000000000000000000000000000000000000000000000"),
    // order 2 (0, -1)
    hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    // order 4 (±√-1, 0)
    hex32("0000000000000000000000000000000000000000000000000000000000000000"),
    hex32("0000000000000000000000000000000000000000000000000000000000000080"),
    // order 8
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
];

/// The group order ℓ = 2²⁵² + 27742317777372353535851937790883648493, little endian.
const GROUP_ORDER: [u8; 32] =
    hex32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

/// p = 2²⁵⁵ − 19, little endian.
const FIELD_P: [u8; 32] = hex32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");

const fn hex32(s: &str) -> [u8; 32] {
    let s = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(s[2 * i]) << 4) | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not a lowercase hex digit"),
    }
}

/// `a < b` for 256-bit little-endian integers.
fn lt_le(a: &[u8; 32], b: &[u8; 32]) -> bool {
    for i in (0..32).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// Whether `bytes` is a canonical point encoding: its y coordinate (the low
/// 255 bits) is below p. (The other non-canonical encodings, x = 0 with the
/// sign bit set, encode points of small order and are refused as such.)
pub fn is_canonical_point(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    y[31] &= 0x7f;
    lt_le(&y, &FIELD_P)
}

/// Whether `bytes` encodes one of the eight points of small order, in either
/// sign of x. Only meaningful for canonical encodings.
pub fn is_small_order(bytes: &[u8; 32]) -> bool {
    SMALL_ORDER.contains(bytes)
        // (0, 1) and (0, -1) with the sign bit set: non-canonical spellings.
        || {
            let mut unsigned = *bytes;
            unsigned[31] &= 0x7f;
            unsigned == SMALL_ORDER[0] || unsigned == SMALL_ORDER[1]
        }
}

fn is_canonical_scalar(bytes: &[u8; 32]) -> bool {
    lt_le(bytes, &GROUP_ORDER)
}

/// The byte-level checks 1–3 of the rule on a signature (the key's were done
/// when its [`Did`] was made).
fn precheck(signature: &Signature) -> Result<(), SignatureError> {
    if !is_canonical_point(signature.r()) {
        return Err(SignatureError::NonCanonicalR);
    }
    if is_small_order(signature.r()) {
        return Err(SignatureError::SmallOrderR);
    }
    if !is_canonical_scalar(signature.s()) {
        return Err(SignatureError::NonCanonicalS);
    }
    Ok(())
}

/// Verifies one signature under Hearth's rule.
pub fn verify(signer: &Did, message: &[u8], signature: &Signature) -> Result<(), SignatureError> {
    precheck(signature)?;
    let key =
        VerificationKey::try_from(*signer.public_key()).map_err(|_| SignatureError::BadKey)?;
    key.verify(&ed25519_zebra::Signature::from_bytes(&signature.0), message)
        .map_err(|_| SignatureError::Mismatch)
}

/// One signature to check in a batch.
#[derive(Debug, Clone, Copy)]
pub struct BatchItem<'a> {
    /// Who claims to have signed.
    pub signer: &'a Did,
    /// The signed bytes.
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a Signature,
}

/// Verifies many signatures at once, returning one verdict per item, in order.
///
/// Accepts exactly what [`verify`] accepts. Items failing the byte-level
/// checks are refused before any arithmetic; the rest are checked in one
/// randomised batch, and only if that batch fails is each item verified on its
/// own to find the bad ones. `rng` supplies the batch's random coefficients:
/// it must be unpredictable to whoever wrote the signatures.
pub fn verify_batch<R: CryptoRng + ?Sized>(
    items: &[BatchItem<'_>],
    rng: &mut R,
) -> Vec<Result<(), SignatureError>> {
    let mut verdicts: Vec<Result<(), SignatureError>> =
        items.iter().map(|item| precheck(item.signature)).collect();
    let mut verifier = batch::Verifier::new();
    let mut queued = 0usize;
    for (item, verdict) in items.iter().zip(&verdicts) {
        if verdict.is_ok() {
            let key = VerificationKeyBytes::from(*item.signer.public_key());
            let sig = ed25519_zebra::Signature::from_bytes(&item.signature.0);
            verifier.queue((key, sig, item.message));
            queued += 1;
        }
    }
    if queued == 0 {
        return verdicts;
    }
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    if verifier.verify(crate::rng::SeededRng::new(seed)).is_err() {
        for (item, verdict) in items.iter().zip(verdicts.iter_mut()) {
            if verdict.is_ok() {
                *verdict = verify(item.signer, item.message, item.signature);
            }
        }
    }
    verdicts
}
