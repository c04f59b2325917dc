//! A member's identity log: the key events that change which keys act for
//! them, while their DID (the did:key of their first key) stays the same.
//!
//! Each [`KeyEvent`] names the member, follows the previous event (by
//! number and hash), and is signed by whoever its [`KeyChange`] needs:
//!
//! - **Rotate**: the current main key and the new one. The old key is
//!   retired: ops it signs with the rotation in their causal past are
//!   refused.
//! - **AddDevice**: the main key, with the device's pairing proof (its
//!   signature over the pairing statement, see [`pairing_statement`]).
//!   A device signs its own logs and acts for the member, except in the
//!   ledger (the purse stays with the main key, so a member's payments
//!   stay in one ordered log).
//! - **RevokeDevice**, **SetGuardians**, **CancelRecovery**: the main key.
//! - **Recover**: at least the threshold of the member's guardians, and the
//!   new key. The new key becomes the main key once the waiting period has
//!   passed, counted from when another member's op first shows the chapter
//!   has the request, to another member's op claimed after it ends (see
//!   [`KeyState::witness`]); until then the main key can cancel it.
//!
//! The log is replicated as governing ops ([`crate::op::Body::Keys`]) in
//! every chapter the member acts in, so every op is attributed as of its
//! causal past ([`crate::chapter::Chapter::resolve`]). Folding it is pure:
//! [`KeyState::apply`].

mod state;
mod text;

use serde::{Deserialize, Serialize};

pub use state::{Device, Guardians, KeyRole, KeyState, Pending};
pub use text::{EVENT_PREFIX, PAIRING_PREFIX, Pairing, TextError};

use crate::identity::{Did, Keypair};
use crate::sig::Signature;

/// The most events one op carries.
pub const MAX_EVENTS: usize = 64;
/// The most guardians a member names.
pub const MAX_GUARDIANS: usize = 16;
/// The most devices a member has at once.
pub const MAX_DEVICES: usize = 16;
/// The most signatures on one event.
pub const MAX_SIGNATURES: usize = MAX_GUARDIANS + 2;
/// The longest device name, in bytes.
pub const MAX_DEVICE_NAME: usize = 64;
/// The shortest waiting period a recovery may have: an hour.
pub const MIN_RECOVERY_WAIT_MS: u64 = 60 * 60 * 1000;

/// Names a key event: the BLAKE3 hash of its signed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventId(#[serde(with = "serde_bytes")] pub [u8; 32]);

/// What a key event changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyChange {
    /// A new main key.
    Rotate {
        /// The new key.
        key: Did,
    },
    /// A device that acts for the member.
    AddDevice {
        /// Its key.
        key: Did,
        /// What the member calls it.
        name: String,
        /// The nonce it showed when pairing.
        #[serde(with = "serde_bytes")]
        nonce: [u8; 16],
        /// Its signature over the [`pairing_statement`].
        proof: Signature,
    },
    /// A device no longer acts for the member.
    RevokeDevice {
        /// Its key.
        key: Did,
    },
    /// Names the guardians, how many of them a recovery needs, and how long
    /// a recovery waits before it takes effect.
    SetGuardians {
        /// Their DIDs.
        guardians: Vec<Did>,
        /// How many must sign a recovery.
        threshold: u32,
        /// The waiting period, in ms.
        wait_ms: u64,
    },
    /// The guardians install a new main key (after the waiting period).
    Recover {
        /// The new key.
        key: Did,
    },
    /// The main key stops a recovery that is waiting.
    CancelRecovery,
}

impl KeyChange {
    /// A short name of its kind.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyChange::Rotate { .. } => "rotate",
            KeyChange::AddDevice { .. } => "add_device",
            KeyChange::RevokeDevice { .. } => "revoke_device",
            KeyChange::SetGuardians { .. } => "set_guardians",
            KeyChange::Recover { .. } => "recover",
            KeyChange::CancelRecovery => "cancel_recovery",
        }
    }
}

/// One step of a member's identity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEvent {
    /// Whose log: the member's DID.
    pub member: Did,
    /// Its number: 1 for the first event (the inception key is event 0).
    pub seq: u64,
    /// The previous event, from the second on.
    pub prev: Option<EventId>,
    /// When (claimed, ms).
    pub ts: u64,
    /// What it changes.
    pub change: KeyChange,
}

/// A signature on an event, by the key it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSignature {
    /// The signing key.
    pub key: Did,
    /// Its signature over [`KeyEvent::signing_bytes`].
    pub sig: Signature,
}

/// An event with its signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedEvent {
    /// The event.
    pub event: KeyEvent,
    /// Its signatures.
    pub sigs: Vec<EventSignature>,
}

const EVENT_DOMAIN: &[u8] = b"hearth/key-event/v1\n";
const PAIR_DOMAIN: &[u8] = b"hearth/pair-device/v2\n";

impl KeyEvent {
    /// What its signers sign: a domain tag and its DAG-CBOR encoding.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = EVENT_DOMAIN.to_vec();
        out.extend(serde_ipld_dagcbor::to_vec(self).expect("events always encode"));
        out
    }

    /// Its id.
    pub fn id(&self) -> EventId {
        EventId(*blake3::hash(&self.signing_bytes()).as_bytes())
    }

    /// Its signature by `key`.
    pub fn signature(&self, key: &Keypair) -> EventSignature {
        EventSignature {
            key: key.did(),
            sig: key.sign(&self.signing_bytes()),
        }
    }

    /// Signed by each of `keys`.
    pub fn sign(self, keys: &[&Keypair]) -> SignedEvent {
        let sigs = keys.iter().map(|k| self.signature(k)).collect();
        SignedEvent { event: self, sigs }
    }
}

impl SignedEvent {
    /// Checks the limits on its size (what a decoder refuses outright).
    pub fn check_shape(&self) -> Result<(), &'static str> {
        if self.sigs.is_empty() || self.sigs.len() > MAX_SIGNATURES {
            return Err("a key event carries 1 to 18 signatures");
        }
        match &self.event.change {
            KeyChange::AddDevice { name, .. }
                if name.trim().is_empty() || name.len() > MAX_DEVICE_NAME =>
            {
                Err("a device name is 1 to 64 bytes")
            }
            KeyChange::SetGuardians { guardians, .. } if guardians.len() > MAX_GUARDIANS => {
                Err("at most 16 guardians")
            }
            _ if self.event.seq == 0 => Err("key events are numbered from 1"),
            _ => Ok(()),
        }
    }
}

/// What a new device signs when it pairs: that its key may act for
/// `member` when added with this nonce. Naming the member keeps anyone who
/// sees the pairing from adding the device to a log of their own.
pub fn pairing_statement(device: &Did, member: &Did, nonce: &[u8; 16]) -> Vec<u8> {
    let mut out = PAIR_DOMAIN.to_vec();
    out.extend(device.to_multicodec());
    out.extend(member.to_multicodec());
    out.extend(nonce);
    out
}

/// The short code both devices show while pairing, so the member can see
/// that the device they add is the one in their hand: six digits from the
/// pairing statement.
pub fn confirmation_code(device: &Did, member: &Did, nonce: &[u8; 16]) -> String {
    let h = blake3::hash(&pairing_statement(device, member, nonce));
    let n = u32::from_be_bytes(h.as_bytes()[..4].try_into().expect("four bytes")) % 1_000_000;
    format!("{:03} {:03}", n / 1000, n % 1000)
}

/// Why a key event does not apply, or a key may not act for a member.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum KeyError {
    /// The event is another member's.
    #[error("the event is {found}'s, not {expected}'s")]
    WrongMember {
        /// Whose log it was applied to.
        expected: Did,
        /// Whose it names.
        found: Did,
    },
    /// Not the next event of the log.
    #[error("event {found} does not follow: the log is at {at}")]
    OutOfOrder {
        /// The log's last event number.
        at: u64,
        /// The event's.
        found: u64,
    },
    /// Names another previous event (a fork of the log).
    #[error("the event does not follow the log's last event")]
    WrongPrev,
    /// Earlier than the event before it.
    #[error("the event's time {ts} is before the last event's ({last})")]
    TimeTravel {
        /// Its time.
        ts: u64,
        /// The last event's.
        last: u64,
    },
    /// A signature does not verify, or a key signed twice.
    #[error("a signature by {0} does not verify")]
    BadSignature(Did),
    /// A signature the change needs is missing.
    #[error("the event needs the signature of {0}")]
    Unsigned(String),
    /// A new key is already in use (by this member or, in a chapter, by
    /// anyone).
    #[error("{0} is already in use")]
    KeyInUse(Did),
    /// The device is not one of the member's, or already revoked.
    #[error("{0} is not an active device of the member")]
    UnknownDevice(Did),
    /// Too many devices.
    #[error("at most 16 devices")]
    TooManyDevices,
    /// The device's pairing proof does not verify.
    #[error("the device's pairing proof does not verify")]
    BadPairingProof,
    /// The guardians named do not make sense.
    #[error("guardians: {0}")]
    BadGuardians(String),
    /// A recovery needs more guardians' signatures.
    #[error("{have} of the {need} guardians needed signed the recovery")]
    TooFewGuardians {
        /// Guardians who signed.
        have: u32,
        /// The threshold.
        need: u32,
    },
    /// A recovery is already waiting.
    #[error("a recovery is already waiting")]
    RecoveryPending,
    /// The key is a recovery's, which has not taken effect yet.
    #[error("the recovery installing this key {}", match until {
        Some(t) => format!("takes effect at {}", crate::gov::receipt::iso8601(*t)),
        None => "takes effect once the chapter has seen it and its waiting period has passed".into(),
    })]
    RecoveryWaiting {
        /// From when it acts, once its wait has started.
        until: Option<u64>,
    },
    /// No recovery is waiting.
    #[error("no recovery is waiting")]
    NoRecovery,
    /// The key was the member's main key and has been replaced.
    #[error("{key} was {member}'s key and has been replaced")]
    Retired {
        /// The key.
        key: Did,
        /// The member.
        member: Did,
    },
    /// The key was the member's device and has been revoked.
    #[error("{key} was a device of {member} and has been revoked")]
    Revoked {
        /// The key.
        key: Did,
        /// The member.
        member: Did,
    },
    /// The key is not one of the member's.
    #[error("{key} is not a key of {member}")]
    NotTheirs {
        /// The key.
        key: Did,
        /// The member.
        member: Did,
    },
    /// Ledger ops are made with the main key.
    #[error("a device cannot make ledger ops: payments are made with the member's main key")]
    DeviceCannotPay,
    /// The log's member is not known to the chapter.
    #[error("{0} is not a member here")]
    NotMember(Did),
}
