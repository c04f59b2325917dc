//! Chapters: local sovereign communities with a constitution.
//!
//! A chapter is a space whose genesis carries a [`Charter`] (a space
//! created without one gets the plain charter of [`template::plain`]). The
//! charter's layers (axioms, articles, statutes, executive orders) and its
//! rules (governance model, voting, admission, roles, tiers, governance
//! domains) decide which ops members may make; membership ops admit,
//! suspend, reinstate and remove members, and the charter changes through
//! [`ChapterOp::Amend`] within what its layers allow.
//!
//! Every chapter op but a profile is *governing* ([`crate::context`]): it is
//! checked against the chapter as of its causal past, and the chapter a
//! node shows is the fold of every governing op it holds, in canonical
//! order. Two nodes holding the same ops show the same chapter, whatever
//! order the ops arrived in.

mod amend;
pub mod charter;
pub mod diff;
mod keys;
pub mod link;
mod members;
mod op;
mod permission;
mod refusal;
mod state;
pub mod template;

pub use amend::requirement;
pub(crate) use amend::{apply as amend_charter, record_version};
pub use charter::{Charter, Permission, Tier, Version};
pub use link::InviteLink;
pub use members::{Chapter, CharterVersion, Invite, Member, Status};
pub use op::{
    ChapterOp, CharterChange, Founding, InviteUse, Layer, MAX_INVITE_USES, MAX_REASON, PPM,
    Profile, Refusal, Rule,
};
pub use state::{ChapterState, Record};
pub use template::Template;

/// The secret code of an invite and the hash the invite op carries.
pub fn invite_code_hash(code: &[u8; 32]) -> [u8; 32] {
    *blake3::hash(code).as_bytes()
}
