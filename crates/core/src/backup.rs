//! Passphrase-sealed identity backups.
//!
//! A backup carries what a member needs to be themselves on another device:
//! the identity's seed, the spaces they hold and the relays they use. It is
//! sealed with a key stretched from a passphrase by Argon2id (RFC 9106) and
//! encrypted with XChaCha20-Poly1305. The file is:
//!
//! ```text
//! "HEARTHBK" 0x01            magic and format version
//! 0x01 m_kib t p (u32 BE)    Argon2id v1.3, memory in KiB, passes, lanes
//! salt (16)
//! 0x01 nonce (24)            XChaCha20-Poly1305
//! ciphertext ‖ tag (16)      of the DAG-CBOR contents
//! ```
//!
//! Everything before the ciphertext is the AEAD's associated data, so a
//! changed parameter fails exactly like a changed byte of ciphertext. A wrong
//! passphrase and a tampered file cannot be told apart, and say so.
//!
//! Salt and nonce come in as arguments: this module never draws randomness.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::identity::{Did, Keypair};
use crate::ids::SpaceId;

mod text;
pub use text::{from_text, join_parts, qr_parts, to_text};

const MAGIC: &[u8; 8] = b"HEARTHBK";
const FORMAT: u8 = 1;
const KDF_ARGON2ID: u8 = 1;
const AEAD_XCHACHA20POLY1305: u8 = 1;
/// Bytes before the ciphertext.
pub const HEADER_LEN: usize = 8 + 1 + 1 + 12 + SALT_LEN + 1 + NONCE_LEN;
/// The salt's length in a backup.
pub const SALT_LEN: usize = 16;
/// The nonce's length (XChaCha20).
pub const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// The shortest passphrase `seal` accepts.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Argon2id's cost: memory in KiB, passes and lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory, KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// What new backups use: 64 MiB, two passes, one lane (the reference
    /// implementation's test setting; under a second on a phone's browser).
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 2,
        p: 1,
    };
    /// Most memory a backup may ask for (256 MiB): the header is read
    /// before anything is authenticated, so a changed file must not be able
    /// to exhaust a phone's memory or keep it busy for minutes.
    pub const MAX_M_KIB: u32 = 256 * 1024;
    /// Most passes a backup may ask for.
    pub const MAX_T: u32 = 8;
    /// Most lanes a backup may ask for.
    pub const MAX_P: u32 = 4;
    /// Most work (memory × passes, KiB) a backup may ask for: four times
    /// the default's.
    pub const MAX_WORK: u64 = 4 * 64 * 1024 * 2;

    /// Whether a backup may ask for this much work (the bounds above).
    pub fn validate(self) -> Result<(), BackupError> {
        self.check().map(|_| ())
    }

    fn check(self) -> Result<Params, BackupError> {
        if self.t == 0 || self.t > Self::MAX_T {
            return Err(BackupError::Parameters(format!(
                "{} passes (1 to {} allowed)",
                self.t,
                Self::MAX_T
            )));
        }
        if self.p == 0 || self.p > Self::MAX_P {
            return Err(BackupError::Parameters(format!(
                "{} lanes (1 to {} allowed)",
                self.p,
                Self::MAX_P
            )));
        }
        if self.m_kib < 8 * self.p || self.m_kib > Self::MAX_M_KIB {
            return Err(BackupError::Parameters(format!(
                "{} KiB of memory ({} to {} allowed)",
                self.m_kib,
                8 * self.p,
                Self::MAX_M_KIB
            )));
        }
        let work = u64::from(self.m_kib) * u64::from(self.t);
        if work > Self::MAX_WORK {
            return Err(BackupError::Parameters(format!(
                "{} KiB × {} passes (at most {} KiB-passes allowed)",
                self.m_kib,
                self.t,
                Self::MAX_WORK
            )));
        }
        Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|e| BackupError::Parameters(e.to_string()))
    }
}

/// What a backup holds.
pub struct Backup {
    /// The identity.
    pub keypair: Keypair,
    /// The spaces the member holds.
    pub spaces: Vec<SpaceId>,
    /// The relays the member uses (multiaddrs or web addresses, as text).
    pub relays: Vec<String>,
    /// When it was made (ms since the Unix epoch), as the caller's clock said.
    pub created_ms: u64,
}

impl std::fmt::Debug for Backup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backup")
            .field("did", &self.keypair.did())
            .field("spaces", &self.spaces.len())
            .field("relays", &self.relays)
            .field("created_ms", &self.created_ms)
            .finish_non_exhaustive()
    }
}

/// Why a backup could not be made or opened. Nothing is changed by a failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    /// The bytes do not start like a Hearth backup.
    #[error("this is not a Hearth backup")]
    NotABackup,
    /// A backup from a newer Hearth, or with an algorithm this one lacks.
    #[error("this backup needs a newer Hearth ({0})")]
    Unsupported(String),
    /// The file ends early.
    #[error("this backup is cut short ({0} bytes; a backup is longer)")]
    Truncated(usize),
    /// The stored cost parameters are out of bounds.
    #[error("this backup asks for an unreasonable key stretch: {0}")]
    Parameters(String),
    /// Decryption failed: the passphrase is wrong or the file was changed.
    #[error("the passphrase is wrong, or the backup was changed or damaged")]
    WrongPassphraseOrTampered,
    /// The contents decrypted but are not a valid backup's.
    #[error("the backup's contents are damaged: {0}")]
    Contents(String),
    /// The passphrase is too short to seal with.
    #[error("choose a passphrase of at least {MIN_PASSPHRASE_CHARS} characters")]
    WeakPassphrase,
    /// The text or QR parts do not make one backup.
    #[error("{0}")]
    Text(String),
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Contents {
    v: u64,
    seed: serde_bytes::ByteBuf,
    did: Did,
    spaces: Vec<SpaceId>,
    relays: Vec<String>,
    created: u64,
}

/// The passphrase as the key stretch sees it: Unicode NFC, so the same
/// words typed on two keyboards (composed or combining accents) open the
/// same backup.
fn normalized(passphrase: &str) -> Zeroizing<String> {
    let nfc = icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(passphrase);
    Zeroizing::new(nfc.into_owned())
}

/// Stretches `passphrase` with Argon2id v1.3 into a 32-byte key.
pub fn derive_key(
    passphrase: &[u8],
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, BackupError> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.check()?);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase, salt, key.as_mut_slice())
        .map_err(|e| BackupError::Parameters(e.to_string()))?;
    Ok(key)
}

/// Seals `backup` under `passphrase`. `salt` and `nonce` must be fresh random
/// bytes for every backup.
pub fn seal(
    backup: &Backup,
    passphrase: &str,
    params: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, BackupError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(BackupError::WeakPassphrase);
    }
    let seed = backup.keypair.seed();
    let contents = Contents {
        v: 1,
        seed: serde_bytes::ByteBuf::from(seed.to_vec()),
        did: backup.keypair.did(),
        spaces: backup.spaces.clone(),
        relays: backup.relays.clone(),
        created: backup.created_ms,
    };
    let plain = Zeroizing::new(
        serde_ipld_dagcbor::to_vec(&contents).map_err(|e| BackupError::Contents(e.to_string()))?,
    );
    let mut seed_copy = contents.seed.into_vec();
    zeroize::Zeroize::zeroize(&mut seed_copy);

    let mut out = Vec::with_capacity(HEADER_LEN + plain.len() + TAG_LEN);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    out.push(KDF_ARGON2ID);
    for n in [params.m_kib, params.t, params.p] {
        out.extend_from_slice(&n.to_be_bytes());
    }
    out.extend_from_slice(&salt);
    out.push(AEAD_XCHACHA20POLY1305);
    out.extend_from_slice(&nonce);
    debug_assert_eq!(out.len(), HEADER_LEN);
    let key = derive_key(normalized(passphrase).as_bytes(), &salt, params)?;
    let sealed = aead_seal(&key, &nonce, &out, &plain);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// A backup from what a member hands over: the file's bytes, or a file
/// holding its text form or QR parts.
pub fn from_file_or_text(bytes: Vec<u8>) -> Result<Vec<u8>, BackupError> {
    if bytes.starts_with(MAGIC) {
        return Ok(bytes);
    }
    let text = String::from_utf8(bytes).map_err(|_| BackupError::NotABackup)?;
    from_text(&text)
}

/// The header of a backup: its cost parameters, readable without the
/// passphrase (to tell the member how long opening will take).
pub fn params_of(bytes: &[u8]) -> Result<KdfParams, BackupError> {
    header(bytes).map(|h| h.params)
}

struct Header {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
}

fn header(bytes: &[u8]) -> Result<Header, BackupError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(BackupError::NotABackup);
    }
    if bytes.len() < HEADER_LEN + TAG_LEN {
        return Err(BackupError::Truncated(bytes.len()));
    }
    if bytes[8] != FORMAT {
        return Err(BackupError::Unsupported(format!("format {}", bytes[8])));
    }
    if bytes[9] != KDF_ARGON2ID {
        return Err(BackupError::Unsupported(format!(
            "key stretch {}",
            bytes[9]
        )));
    }
    let word = |i: usize| {
        let at = 10 + 4 * i;
        u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
    };
    let params = KdfParams {
        m_kib: word(0),
        t: word(1),
        p: word(2),
    };
    let mut salt = [0u8; SALT_LEN];
    salt.copy_from_slice(&bytes[22..22 + SALT_LEN]);
    let aead = bytes[22 + SALT_LEN];
    if aead != AEAD_XCHACHA20POLY1305 {
        return Err(BackupError::Unsupported(format!("cipher {aead}")));
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&bytes[23 + SALT_LEN..HEADER_LEN]);
    Ok(Header {
        params,
        salt,
        nonce,
    })
}

/// Opens a backup with `passphrase`.
pub fn open(bytes: &[u8], passphrase: &str) -> Result<Backup, BackupError> {
    let h = header(bytes)?;
    let key = derive_key(normalized(passphrase).as_bytes(), &h.salt, h.params)?;
    let plain = aead_open(&key, &h.nonce, &bytes[..HEADER_LEN], &bytes[HEADER_LEN..])?;
    let mut contents: Contents =
        serde_ipld_dagcbor::from_slice(&plain).map_err(|e| BackupError::Contents(e.to_string()))?;
    // The seed wipes itself however this function returns.
    let seed_bytes = Zeroizing::new(std::mem::take(&mut contents.seed).into_vec());
    if contents.v != 1 {
        return Err(BackupError::Unsupported(format!("contents {}", contents.v)));
    }
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
        seed_bytes
            .as_slice()
            .try_into()
            .map_err(|_| BackupError::Contents("the key is not 32 bytes".into()))?,
    );
    let keypair = Keypair::from_seed(&seed);
    if keypair.did() != contents.did {
        return Err(BackupError::Contents(
            "the key does not match the identity it names".into(),
        ));
    }
    Ok(Backup {
        keypair,
        spaces: contents.spaces,
        relays: contents.relays,
        created_ms: contents.created,
    })
}

/// XChaCha20-Poly1305: `plain` sealed under `key` and `nonce`, bound to
/// `aad`; ciphertext followed by the 16-byte tag.
pub fn aead_seal(key: &[u8; 32], nonce: &[u8; NONCE_LEN], aad: &[u8], plain: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .encrypt(XNonce::from_slice(nonce), Payload { msg: plain, aad })
        // Encryption fails only for messages beyond 256 GiB.
        .unwrap_or_default()
}

/// Opens what [`aead_seal`] sealed.
pub fn aead_open(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, BackupError> {
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad })
        .map(Zeroizing::new)
        .map_err(|_| BackupError::WrongPassphraseOrTampered)
}
