//! Hosting requests: a member asks a relay, by a message they sign, to keep
//! an always-on copy of a space. The relay checks the signature and that the
//! request names it; once the space's ops have arrived it checks that the
//! signer is a member, and stops hosting the space if not.

use hearth_core::sig::Signature;
use hearth_core::{Did, Keypair, SpaceId};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// Bytes prefixed to what a hosting request signs (domain separation).
pub const HOST_CONTEXT: &[u8] = b"hearth/host/v1\n";

/// A member's signed request that a relay host a space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostRequest {
    /// The space.
    pub space: SpaceId,
    /// Who asks (a member of the space).
    pub member: Did,
    /// The relay asked, as the bytes of its libp2p peer id.
    pub relay: ByteBuf,
    /// When it was asked (ms since the Unix epoch, as the member claims).
    pub ts: u64,
    /// The member's signature over [`HostRequest::signing_bytes`].
    #[serde(with = "serde_bytes")]
    pub sig: [u8; 64],
}

/// Why a hosting request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// It asks another relay.
    #[error("the request is for another relay")]
    OtherRelay,
    /// The signature does not verify under the member's key.
    #[error("the request's signature does not verify")]
    BadSignature,
}

impl HostRequest {
    fn signing_bytes(space: &SpaceId, member: &Did, relay: &[u8], ts: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(HOST_CONTEXT.len() + 32 + 32 + relay.len() + 8);
        out.extend_from_slice(HOST_CONTEXT);
        out.extend_from_slice(space.as_bytes());
        out.extend_from_slice(member.public_key());
        out.extend_from_slice(&(relay.len() as u64).to_be_bytes());
        out.extend_from_slice(relay);
        out.extend_from_slice(&ts.to_be_bytes());
        out
    }

    /// A request by `member` that the relay `relay` host `space`.
    pub fn sign(member: &Keypair, space: SpaceId, relay: Vec<u8>, ts: u64) -> Self {
        let did = member.did();
        let sig = member
            .sign(&Self::signing_bytes(&space, &did, &relay, ts))
            .to_bytes();
        HostRequest {
            space,
            member: did,
            relay: ByteBuf::from(relay),
            ts,
            sig,
        }
    }

    /// Checks that the request names the relay `me` and is signed by its member.
    pub fn verify(&self, me: &[u8]) -> Result<(), HostError> {
        if self.relay.as_slice() != me {
            return Err(HostError::OtherRelay);
        }
        let bytes = Self::signing_bytes(&self.space, &self.member, &self.relay, self.ts);
        self.member
            .verify(&bytes, &Signature::from_bytes(self.sig))
            .map_err(|_| HostError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_verify_only_for_their_relay_and_their_signer() {
        let alice = Keypair::from_seed(&[1; 32]);
        let space = SpaceId::from_bytes([5; 32]);
        let r = HostRequest::sign(&alice, space, b"relay-a".to_vec(), 1_800_000_000_000);
        assert_eq!(r.verify(b"relay-a"), Ok(()));
        assert_eq!(r.verify(b"relay-b"), Err(HostError::OtherRelay));
        let mut forged = r.clone();
        forged.member = Keypair::from_seed(&[2; 32]).did();
        assert_eq!(forged.verify(b"relay-a"), Err(HostError::BadSignature));
        let mut moved = r;
        moved.space = SpaceId::from_bytes([6; 32]);
        assert_eq!(moved.verify(b"relay-a"), Err(HostError::BadSignature));
    }
}
