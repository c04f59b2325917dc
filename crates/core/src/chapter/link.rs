//! Invite links: how members hand an invite to a newcomer.
//!
//! The text form is `<space>.<invite op>.<code>` (the space id, the invite
//! op's CID, the secret code in hex). In a web address it follows
//! `#join=`, in the fragment, so the code never reaches a server.

use std::fmt;
use std::str::FromStr;

use super::op::InviteUse;
use crate::ids::{OpId, SpaceId};

/// An invite as a newcomer receives it.
#[derive(Clone, PartialEq, Eq)]
pub struct InviteLink {
    /// The chapter.
    pub space: SpaceId,
    /// The invite op.
    pub invite: OpId,
    /// The secret code.
    pub code: [u8; 32],
}

/// Why text is not an invite link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// Not three parts separated by dots.
    #[error("an invite link has three parts: chapter.invite.code")]
    Parts,
    /// The chapter part is not a space id.
    #[error("the invite link's chapter is not a space id")]
    Space,
    /// The invite part is not an op id.
    #[error("the invite link's invite is not an op id")]
    Invite,
    /// The code is not 64 hex digits.
    #[error("the invite link's code is not 64 hex digits")]
    Code,
}

/// The marker before a link in a web address.
pub const FRAGMENT: &str = "#join=";

impl InviteLink {
    /// What a join presents.
    pub fn to_use(&self) -> InviteUse {
        InviteUse {
            invite: self.invite,
            code: self.code,
        }
    }

    /// The link as a web address on the relay at `base` (e.g.
    /// `https://relay.example`).
    pub fn url(&self, base: &str) -> String {
        format!("{}/{FRAGMENT}{self}", base.trim_end_matches('/'))
    }

    /// A link from its text form, or from a web address that carries one.
    pub fn find(text: &str) -> Result<Self, LinkError> {
        let text = text.trim();
        match text.split_once(FRAGMENT) {
            Some((_, link)) => link.parse(),
            None => text.parse(),
        }
    }
}

impl fmt::Display for InviteLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.", self.space, self.invite)?;
        for b in self.code {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for InviteLink {
    /// Never shows the code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InviteLink({}, {})", self.space, self.invite)
    }
}

impl FromStr for InviteLink {
    type Err = LinkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split('.');
        let (Some(space), Some(invite), Some(code), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LinkError::Parts);
        };
        let space: SpaceId = space.parse().map_err(|_| LinkError::Space)?;
        let invite: OpId = invite.parse().map_err(|_| LinkError::Invite)?;
        if code.len() != 64 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(LinkError::Code);
        }
        let mut out = [0u8; 32];
        for (i, pair) in code.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(pair).map_err(|_| LinkError::Code)?;
            out[i] = u8::from_str_radix(hex, 16).map_err(|_| LinkError::Code)?;
        }
        Ok(InviteLink {
            space,
            invite,
            code: out,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_round_trip_through_text_and_web_addresses() {
        let link = InviteLink {
            space: SpaceId::from_bytes([1; 32]),
            invite: OpId::of_block(b"invite"),
            code: [0xab; 32],
        };
        let text = link.to_string();
        assert_eq!(text.parse::<InviteLink>(), Ok(link.clone()));
        let url = link.url("http://127.0.0.1:8080/");
        assert!(url.starts_with("http://127.0.0.1:8080/#join="), "{url}");
        assert_eq!(InviteLink::find(&url), Ok(link.clone()));
        assert!(!format!("{link:?}").contains("abab"));
        assert_eq!("a.b".parse::<InviteLink>(), Err(LinkError::Parts));
        let short = format!("{}.{}.abc", link.space, link.invite);
        assert_eq!(short.parse::<InviteLink>(), Err(LinkError::Code));
    }
}
