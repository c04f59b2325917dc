//! Key events and pairings as one line of text, to pass between devices
//! and guardians (by a link, a QR code, or a message): a prefix, then the
//! DAG-CBOR encoding in unpadded base64url.

use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize};

use super::{KeyChange, SignedEvent, confirmation_code, pairing_statement};
use crate::identity::{Did, Keypair};
use crate::sig::Signature;

/// The prefix of a pairing's text.
pub const PAIRING_PREFIX: &str = "hearth-pair-1:";
/// The prefix of a key event's text (a recovery to approve, say).
pub const EVENT_PREFIX: &str = "hearth-key-event-1:";

/// Why a text is not what it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// It does not start with the expected prefix.
    #[error("this is not a {0}")]
    NotA(&'static str),
    /// The rest does not decode.
    #[error("the {0} is damaged")]
    Damaged(&'static str),
    /// Two copies of an event differ in more than their signatures.
    #[error("these are approvals of different events")]
    DifferentEvents,
}

/// What a new device shows to be added: its key, the member it is to act
/// for, a fresh nonce, and its signature over the pairing statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pairing {
    /// The device's key.
    pub key: Did,
    /// The member it is to act for.
    pub member: Did,
    /// The nonce.
    #[serde(with = "serde_bytes")]
    pub nonce: [u8; 16],
    /// The device's signature over [`pairing_statement`].
    pub proof: Signature,
}

fn encode<T: Serialize>(prefix: &str, value: &T) -> String {
    let bytes = serde_ipld_dagcbor::to_vec(value).expect("always encodes");
    format!("{prefix}{}", BASE64URL_NOPAD.encode(&bytes))
}

fn decode<T: for<'de> Deserialize<'de>>(
    text: &str,
    prefix: &str,
    what: &'static str,
) -> Result<T, TextError> {
    let rest = text
        .trim()
        .strip_prefix(prefix)
        .ok_or(TextError::NotA(what))?;
    let bytes = BASE64URL_NOPAD
        .decode(rest.as_bytes())
        .map_err(|_| TextError::Damaged(what))?;
    serde_ipld_dagcbor::from_slice(&bytes).map_err(|_| TextError::Damaged(what))
}

impl Pairing {
    /// The pairing `device` shows to be added to `member`, with `nonce`.
    pub fn new(device: &Keypair, member: Did, nonce: [u8; 16]) -> Self {
        Pairing {
            key: device.did(),
            member,
            nonce,
            proof: device.sign(&pairing_statement(&device.did(), &member, &nonce)),
        }
    }

    /// The code both devices show.
    pub fn code(&self) -> String {
        confirmation_code(&self.key, &self.member, &self.nonce)
    }

    /// The change that adds the device as `name`.
    pub fn change(&self, name: &str) -> KeyChange {
        KeyChange::AddDevice {
            key: self.key,
            name: name.to_owned(),
            nonce: self.nonce,
            proof: self.proof,
        }
    }

    /// As text.
    pub fn to_text(&self) -> String {
        encode(PAIRING_PREFIX, self)
    }

    /// From text.
    pub fn from_text(text: &str) -> Result<Self, TextError> {
        decode(text, PAIRING_PREFIX, "pairing")
    }
}

impl SignedEvent {
    /// As text.
    pub fn to_text(&self) -> String {
        encode(EVENT_PREFIX, self)
    }

    /// From text.
    pub fn from_text(text: &str) -> Result<Self, TextError> {
        decode(text, EVENT_PREFIX, "key event")
    }

    /// This event with the signatures of `other` too (the same event,
    /// approved by someone else).
    pub fn merge(mut self, other: &SignedEvent) -> Result<Self, TextError> {
        if self.event != other.event {
            return Err(TextError::DifferentEvents);
        }
        for s in &other.sigs {
            if self.sigs.iter().all(|mine| mine.key != s.key) {
                self.sigs.push(s.clone());
            }
        }
        Ok(self)
    }
}
