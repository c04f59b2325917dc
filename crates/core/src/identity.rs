//! `did:key` identities for Ed25519 keys, and the signing keys behind them.
//!
//! A [`Did`] is the W3C `did:key` form of an Ed25519 public key: the multicodec
//! prefix `0xed 0x01` followed by the 32 key bytes, multibase base58btc
//! (`z…`), so every Hearth DID starts with `did:key:z6Mk`.
//!
//! In human-readable serde formats a DID is its text form; in binary formats
//! (DAG-CBOR) it is the 34 multicodec bytes.

use std::fmt;
use std::str::FromStr;

use ed25519_zebra::{SigningKey, VerificationKey};
use rand_core::CryptoRng;
use zeroize::Zeroize;

use crate::sig::{self, Signature};

/// The multicodec code of an Ed25519 public key, as its unsigned-varint bytes.
pub const ED25519_PUB_MULTICODEC: [u8; 2] = [0xed, 0x01];

const DID_KEY_PREFIX: &str = "did:key:";

/// Why a DID or public key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DidError {
    /// The text does not start with `did:key:`.
    #[error("not a did:key identifier (expected the prefix `did:key:`)")]
    NotDidKey,
    /// The method-specific id is not multibase base58btc (`z…`).
    #[error("did:key must be multibase base58btc (starting with `z`)")]
    NotBase58Btc,
    /// The multibase text does not decode.
    #[error("invalid base58btc text")]
    BadBase58,
    /// The multicodec prefix is not Ed25519's (`0xed 0x01`).
    #[error("not an Ed25519 public key (multicodec prefix {0:02x?})")]
    WrongMulticodec(Vec<u8>),
    /// The key has the wrong length.
    #[error("an Ed25519 public key has 32 bytes, found {0}")]
    WrongLength(usize),
    /// The key bytes are not a canonical encoding of a curve point.
    #[error("the public key is not a canonical point encoding")]
    NonCanonical,
    /// The key is a point of small order: it would verify forged signatures.
    #[error("the public key is a point of small order (a weak key)")]
    SmallOrder,
    /// The key bytes do not decode to a point on the curve.
    #[error("the public key is not a point on the curve")]
    NotOnCurve,
}

/// A `did:key` identity for an Ed25519 public key.
///
/// Holding a `Did` means its bytes are a canonical, non-small-order point
/// encoding. Parsing from text also checks that the point is on the curve; for
/// the binary form, that check happens when the first signature is verified
/// (a key off the curve verifies nothing), which keeps decoding cheap.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Did([u8; 32]);

impl Did {
    /// A DID from raw public key bytes, refusing weak or non-canonical keys.
    pub fn from_public_key(bytes: [u8; 32]) -> Result<Self, DidError> {
        if !sig::is_canonical_point(&bytes) {
            return Err(DidError::NonCanonical);
        }
        if sig::is_small_order(&bytes) {
            return Err(DidError::SmallOrder);
        }
        Ok(Did(bytes))
    }

    /// A DID from its multicodec bytes (`0xed 0x01` + 32 key bytes).
    pub fn from_multicodec(bytes: &[u8]) -> Result<Self, DidError> {
        let (prefix, key) = bytes.split_at(bytes.len().min(2));
        if prefix != ED25519_PUB_MULTICODEC {
            return Err(DidError::WrongMulticodec(prefix.to_vec()));
        }
        let key: [u8; 32] = key
            .try_into()
            .map_err(|_| DidError::WrongLength(key.len()))?;
        Self::from_public_key(key)
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.0
    }

    /// The multicodec bytes: `0xed 0x01` followed by the key.
    pub fn to_multicodec(&self) -> [u8; 34] {
        let mut out = [0u8; 34];
        out[..2].copy_from_slice(&ED25519_PUB_MULTICODEC);
        out[2..].copy_from_slice(&self.0);
        out
    }

    /// A short form for logs and compact displays: `z6Mk…` plus the last
    /// characters, e.g. `z6MkhaXg…a2doK`.
    pub fn fmt_short(&self) -> String {
        let full = self.method_specific_id();
        let tail = &full[full.len() - 5..];
        format!("{}…{}", &full[..8], tail)
    }

    /// The text after `did:key:` (the multibase key, `z6Mk…`).
    pub fn method_specific_id(&self) -> String {
        multibase::encode(multibase::Base::Base58Btc, self.to_multicodec())
    }

    /// Verifies `signature` over `message` under Hearth's strict rule
    /// (see [`crate::sig`]).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), sig::SignatureError> {
        sig::verify(self, message, signature)
    }
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{DID_KEY_PREFIX}{}", self.method_specific_id())
    }
}

impl fmt::Debug for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Did({})", self.fmt_short())
    }
}

impl FromStr for Did {
    type Err = DidError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let msid = s.strip_prefix(DID_KEY_PREFIX).ok_or(DidError::NotDidKey)?;
        if !msid.starts_with('z') {
            return Err(DidError::NotBase58Btc);
        }
        let (_, bytes) = multibase::decode(msid).map_err(|_| DidError::BadBase58)?;
        let did = Did::from_multicodec(&bytes)?;
        VerificationKey::try_from(did.0).map_err(|_| DidError::NotOnCurve)?;
        Ok(did)
    }
}

impl serde::Serialize for Did {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_bytes(&self.to_multicodec())
        }
    }
}

impl<'de> serde::Deserialize<'de> for Did {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if deserializer.is_human_readable() {
            crate::serde_text::from_text(deserializer)
        } else {
            let bytes = <serde_bytes::ByteBuf>::deserialize(deserializer)?;
            Did::from_multicodec(&bytes).map_err(D::Error::custom)
        }
    }
}

/// An Ed25519 signing key with its DID.
///
/// The secret never appears in `Debug` output and is zeroized when the
/// keypair is dropped.
pub struct Keypair {
    secret: SigningKey,
    did: Did,
}

impl Keypair {
    /// A fresh keypair from a cryptographically secure random source.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let keypair = Self::from_seed(&seed);
        seed.zeroize();
        keypair
    }

    /// The keypair whose RFC 8032 secret key (seed) is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let secret = SigningKey::from(*seed);
        let public: [u8; 32] = VerificationKey::from(&secret).into();
        // RFC 8032 key generation never yields a small-order or
        // non-canonical public key (it is a multiple of the base point).
        Keypair {
            secret,
            did: Did(public),
        }
    }

    /// The 32-byte seed, for encrypted backup. Handle with care.
    pub fn seed(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.secret.to_bytes())
    }

    /// This keypair's identity.
    pub fn did(&self) -> Did {
        self.did
    }

    /// Signs `message` (deterministic RFC 8032 Ed25519).
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature::from_bytes(self.secret.sign(message).to_bytes())
    }
}

impl Drop for Keypair {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl fmt::Debug for Keypair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keypair")
            .field("did", &self.did)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_round_trips_through_text_and_bytes() {
        let kp = Keypair::from_seed(&[7u8; 32]);
        let did = kp.did();
        let text = did.to_string();
        assert!(text.starts_with("did:key:z6Mk"), "{text}");
        assert_eq!(text.parse::<Did>(), Ok(did));
        assert_eq!(Did::from_multicodec(&did.to_multicodec()), Ok(did));
        let short = did.fmt_short();
        assert!(short.starts_with("z6Mk") && short.contains('…'), "{short}");
    }

    #[test]
    fn did_text_errors_are_typed() {
        assert_eq!("did:web:example".parse::<Did>(), Err(DidError::NotDidKey));
        assert_eq!("did:key:f00".parse::<Did>(), Err(DidError::NotBase58Btc));
        assert_eq!("did:key:z0OIl".parse::<Did>(), Err(DidError::BadBase58));
        // A secp256k1 did:key (multicodec 0xe7) is not ours.
        let secp = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme";
        assert!(matches!(
            secp.parse::<Did>(),
            Err(DidError::WrongMulticodec(_))
        ));
    }

    #[test]
    fn small_order_and_non_canonical_keys_are_refused() {
        let identity = {
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        };
        assert_eq!(Did::from_public_key(identity), Err(DidError::SmallOrder));
        // y = p (2^255 - 19) is a non-canonical encoding of y = 0.
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert_eq!(Did::from_public_key(p), Err(DidError::NonCanonical));
    }

    #[test]
    fn keypair_debug_hides_the_secret() {
        let seed = [0x42u8; 32];
        let kp = Keypair::from_seed(&seed);
        let debug = format!("{kp:?}");
        assert!(
            debug.contains("Keypair") && debug.contains("z6Mk"),
            "{debug}"
        );
        let secret_hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!debug.contains(&secret_hex));
        assert!(!debug.contains("42, 42"), "{debug}");
    }
}
