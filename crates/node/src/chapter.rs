//! Chapter conveniences on the node handle: invites and joins.

use hearth_core::chapter::{ChapterOp, InviteLink, Profile, Tier, invite_code_hash};
use hearth_core::op::Body;
use hearth_core::{OpId, SpaceId};
use hearth_store::Store;

use crate::{Node, NodeError};

impl<S: Store> Node<S> {
    /// Makes a chapter op of this node's identity.
    pub async fn chapter_op(&self, space: &SpaceId, op: ChapterOp) -> Result<OpId, NodeError> {
        self.create_op(space, Body::Chapter(op)).await
    }

    /// Creates an invite to `space` admitting `max_uses` joins into `tier`
    /// for `valid_ms` from now, and returns the link to hand out (its
    /// secret code exists only in the link).
    pub async fn invite(
        &self,
        space: &SpaceId,
        max_uses: u32,
        valid_ms: u64,
        tier: Tier,
    ) -> Result<InviteLink, NodeError> {
        let mut code = [0u8; 32];
        self.env.random_bytes(&mut code);
        let op = ChapterOp::Invite {
            code_hash: invite_code_hash(&code),
            expires_at: self.env.now_ms().saturating_add(valid_ms),
            max_uses,
            tier,
        };
        let invite = self.chapter_op(space, op).await?;
        Ok(InviteLink {
            space: *space,
            invite,
            code,
        })
    }

    /// Joins the chapter of `link` with its invite. The node must hold the
    /// chapter's ops (synced from a relay, or imported) up to the invite.
    pub async fn join(
        &self,
        link: &InviteLink,
        profile: Option<Profile>,
    ) -> Result<OpId, NodeError> {
        let op = ChapterOp::Join {
            invite: Some(link.to_use()),
            profile,
        };
        self.chapter_op(&link.space, op).await
    }
}
