//! The chapter domain's op bodies and why they are refused.

use serde::{Deserialize, Serialize};

pub use super::refusal::{Refusal, Rule};

use super::charter::{
    AdmissionPolicy, Article, Charter, GovDomain, GovernanceModel, MAX_LABEL, MAX_TEXT, Order,
    Param, Role, Statute, Tier, TierRules, VotingRules,
};
use crate::identity::Did;
use crate::ids::{OpId, SpaceId};
pub use crate::trust::TrustClass;

/// The longest reason, in bytes.
pub const MAX_REASON: usize = 2 * 1024;
/// The most uses one invite may allow.
pub const MAX_INVITE_USES: u32 = 10_000;
/// Parts per million: the unit of scores.
pub const PPM: u32 = 1_000_000;

/// What a chapter op says. Each is done on its author's own authority (the
/// permissions their tier and roles give them); decisions the whole chapter
/// takes come from passed proposals (the governance domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ChapterOp {
    /// Creates an invite: whoever holds the code (behind `code_hash`, the
    /// BLAKE3 hash of a 32-byte secret shared in the link) may join.
    Invite {
        /// BLAKE3 of the invite's secret code.
        #[serde(with = "serde_bytes")]
        code_hash: [u8; 32],
        /// When it lapses (claimed time, ms).
        expires_at: u64,
        /// How many joins it admits.
        max_uses: u32,
        /// The tier it admits into.
        tier: Tier,
    },
    /// Withdraws an invite.
    RevokeInvite {
        /// The invite op.
        invite: OpId,
    },
    /// Asks to join (by the newcomer): admitted at once under an open
    /// policy, with a valid invite, or above a trust or reputation bar; an
    /// application under a proposal policy.
    Join {
        /// The invite used, if any.
        invite: Option<InviteUse>,
        /// How the newcomer introduces themselves.
        profile: Option<Profile>,
    },
    /// Admits someone (a member who may manage membership).
    Admit {
        /// Who.
        member: Did,
        /// Into which tier.
        tier: Tier,
    },
    /// Suspends a member, until a time or until reinstated.
    Suspend {
        /// Who.
        member: Did,
        /// Until when (claimed time, ms); `None`: until reinstated.
        until: Option<u64>,
        /// Why.
        reason: String,
    },
    /// Ends a suspension.
    Reinstate {
        /// Who.
        member: Did,
        /// Why.
        reason: String,
    },
    /// Removes a member.
    Remove {
        /// Who.
        member: Did,
        /// Why.
        reason: String,
    },
    /// Leaves the chapter (by the member).
    Leave {
        /// Why, if they want to say.
        reason: String,
    },
    /// Moves a member to another tier.
    SetTier {
        /// Who.
        member: Did,
        /// The tier.
        tier: Tier,
    },
    /// Gives a member a role.
    Grant {
        /// Who.
        member: Did,
        /// The role's name.
        role: String,
    },
    /// Takes a role from a member.
    Revoke {
        /// Who.
        member: Did,
        /// The role's name.
        role: String,
    },
    /// A member's trust in someone (to the trust view and its gates).
    Vouch {
        /// Whom.
        subject: Did,
        /// How much, in parts per million.
        trust_ppm: u32,
    },
    /// A trust edge in a context (general, ledger, governance, …), of a
    /// class (how well the author knows them), with an optional expiry;
    /// replaces the author's earlier edge to the subject in that context.
    Trust {
        /// Whom.
        subject: Did,
        /// The context it is trust in (named `class` on the wire, as
        /// before classes of relation came in, so older ops still decode).
        #[serde(rename = "class")]
        context: String,
        /// How well the author knows them (`kind` on the wire; absent
        /// means known).
        #[serde(rename = "kind", default, skip_serializing_if = "TrustClass::is_known")]
        class: TrustClass,
        /// How much, in parts per million.
        trust_ppm: u32,
        /// When it lapses, if set.
        expires_at: Option<u64>,
    },
    /// Takes the author's trust edge to `subject` in `context` back.
    Distrust {
        /// Whom.
        subject: Did,
        /// The context (`class` on the wire).
        #[serde(rename = "class")]
        context: String,
    },
    /// The chapter's trust in another chapter (on the authority to enact
    /// statutes; a proposal's [`crate::gov::Action::Attest`] does the
    /// same), with an optional expiry; replaces the chapter's earlier
    /// attestation of it, and zero withdraws it.
    Attest {
        /// The other chapter.
        chapter: SpaceId,
        /// How much, in parts per million.
        trust_ppm: u32,
        /// When it lapses, if set.
        expires_at: Option<u64>,
    },
    /// Changes the charter on the author's authority.
    Amend {
        /// The change.
        change: CharterChange,
    },
    /// The member's own profile (replaces the previous one).
    Profile(Profile),
}

/// An invite presented with a join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteUse {
    /// The invite op.
    pub invite: OpId,
    /// Its secret code.
    #[serde(with = "serde_bytes")]
    pub code: [u8; 32],
}

/// How a member describes themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The name they go by.
    pub display_name: String,
    /// A few words about them.
    pub bio: String,
    /// What they can do.
    pub skills: Vec<String>,
    /// When they are around.
    pub availability: String,
}

/// One change to the charter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharterChange {
    /// Touches an axiom: always refused.
    AmendAxiom {
        /// The axiom.
        id: String,
        /// The text wanted.
        text: String,
    },
    /// A new article.
    AddArticle(Article),
    /// An article replaced (same id).
    ModifyArticle(Article),
    /// An article removed.
    RemoveArticle {
        /// The article.
        id: String,
    },
    /// A statute enacted or replaced.
    SetStatute(Statute),
    /// A statute repealed.
    RemoveStatute {
        /// The statute.
        id: String,
    },
    /// A parameter set.
    SetParam(Param),
    /// An executive order issued under an article.
    IssueOrder(Order),
    /// An order revoked.
    RevokeOrder {
        /// The order.
        id: String,
    },
    /// A new purpose.
    SetPurpose(String),
    /// A new governance model.
    SetModel(GovernanceModel),
    /// New default voting rules.
    SetVoting(VotingRules),
    /// A new admission policy.
    SetAdmission(AdmissionPolicy),
    /// A role defined or redefined.
    SetRole(Role),
    /// A role removed (members lose it).
    RemoveRole {
        /// The role.
        name: String,
    },
    /// New tier rules.
    SetTiers(TierRules),
    /// A governance domain created or changed.
    SetDomain(GovDomain),
    /// A governance domain closed.
    RemoveDomain {
        /// The domain.
        id: String,
    },
}

/// Which part of a charter a change touches, and so what it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Never changes.
    Axiom,
    /// Changes by a proposal meeting the article's rule.
    Article,
    /// Changes by the ordinary procedure.
    Statute,
    /// Issued by a role under an article.
    Order,
}

impl CharterChange {
    /// The layer it touches.
    pub fn layer(&self) -> Layer {
        match self {
            CharterChange::AmendAxiom { .. } => Layer::Axiom,
            CharterChange::AddArticle(_)
            | CharterChange::ModifyArticle(_)
            | CharterChange::RemoveArticle { .. } => Layer::Article,
            CharterChange::IssueOrder(_) | CharterChange::RevokeOrder { .. } => Layer::Order,
            _ => Layer::Statute,
        }
    }

    /// A line saying what it does.
    pub fn summary(&self) -> String {
        match self {
            CharterChange::AmendAxiom { id, .. } => format!("amend axiom {id}"),
            CharterChange::AddArticle(a) => format!("add article {} ({})", a.id, a.title),
            CharterChange::ModifyArticle(a) => format!("modify article {}", a.id),
            CharterChange::RemoveArticle { id } => format!("remove article {id}"),
            CharterChange::SetStatute(s) => format!("statute {} ({})", s.id, s.title),
            CharterChange::RemoveStatute { id } => format!("repeal statute {id}"),
            CharterChange::SetParam(p) => format!("set {} = {}", p.key, p.value),
            CharterChange::IssueOrder(o) => format!("order {} under {}", o.id, o.article),
            CharterChange::RevokeOrder { id } => format!("revoke order {id}"),
            CharterChange::SetPurpose(_) => "new purpose".into(),
            CharterChange::SetModel(m) => format!("governance model {m:?}"),
            CharterChange::SetVoting(_) => "new voting rules".into(),
            CharterChange::SetAdmission(a) => format!("admission {:?}", a.kind),
            CharterChange::SetRole(r) => format!("role {}", r.name),
            CharterChange::RemoveRole { name } => format!("remove role {name}"),
            CharterChange::SetTiers(_) => "new tier rules".into(),
            CharterChange::SetDomain(d) => format!("domain {}", d.id),
            CharterChange::RemoveDomain { id } => format!("close domain {id}"),
        }
    }
}

impl ChapterOp {
    /// A short name of the op's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            ChapterOp::Invite { .. } => "invite",
            ChapterOp::RevokeInvite { .. } => "revoke_invite",
            ChapterOp::Join { .. } => "join",
            ChapterOp::Admit { .. } => "admit",
            ChapterOp::Suspend { .. } => "suspend",
            ChapterOp::Reinstate { .. } => "reinstate",
            ChapterOp::Remove { .. } => "remove",
            ChapterOp::Leave { .. } => "leave",
            ChapterOp::SetTier { .. } => "set_tier",
            ChapterOp::Grant { .. } => "grant",
            ChapterOp::Revoke { .. } => "revoke",
            ChapterOp::Vouch { .. } => "vouch",
            ChapterOp::Trust { .. } => "trust",
            ChapterOp::Distrust { .. } => "distrust",
            ChapterOp::Attest { .. } => "attest",
            ChapterOp::Amend { .. } => "amend",
            ChapterOp::Profile(_) => "profile",
        }
    }

    /// Whether it changes who may do what (so later ops are checked
    /// against it): every chapter op but a profile.
    pub fn is_governing(&self) -> bool {
        !matches!(self, ChapterOp::Profile(_))
    }

    /// Context-free bounds, checked when an op is decoded.
    pub fn check_shape(&self) -> Result<(), &'static str> {
        let reason = |r: &String| {
            if r.len() > MAX_REASON {
                Err("reason too long")
            } else {
                Ok(())
            }
        };
        match self {
            ChapterOp::Invite { max_uses, .. } if *max_uses == 0 || *max_uses > MAX_INVITE_USES => {
                Err("an invite admits 1 to 10,000 joins")
            }
            ChapterOp::Suspend { reason: r, .. }
            | ChapterOp::Reinstate { reason: r, .. }
            | ChapterOp::Remove { reason: r, .. } => {
                if r.trim().is_empty() {
                    return Err("a reason is required");
                }
                reason(r)
            }
            ChapterOp::Leave { reason: r } => reason(r),
            ChapterOp::Grant { role, .. } | ChapterOp::Revoke { role, .. }
                if role.is_empty() || role.len() > MAX_LABEL =>
            {
                Err("role name must be 1 to 200 bytes")
            }
            ChapterOp::Vouch { trust_ppm, .. }
            | ChapterOp::Trust { trust_ppm, .. }
            | ChapterOp::Attest { trust_ppm, .. }
                if *trust_ppm > PPM =>
            {
                Err("trust is at most 1,000,000 ppm")
            }
            ChapterOp::Trust { context, .. } | ChapterOp::Distrust { context, .. }
                if context.is_empty() || context.len() > 64 =>
            {
                Err("a trust context is 1 to 64 bytes")
            }
            ChapterOp::Join {
                profile: Some(p), ..
            }
            | ChapterOp::Profile(p) => p.check_shape(),
            ChapterOp::Amend { change } => change.check_shape(),
            _ => Ok(()),
        }
    }
}

impl Profile {
    fn check_shape(&self) -> Result<(), &'static str> {
        if self.display_name.len() > MAX_LABEL
            || self.bio.len() > MAX_TEXT
            || self.availability.len() > MAX_LABEL
            || self.skills.len() > 32
            || self.skills.iter().any(|s| s.len() > MAX_LABEL)
        {
            return Err("profile fields too long");
        }
        Ok(())
    }
}

impl CharterChange {
    fn check_shape(&self) -> Result<(), &'static str> {
        match self {
            CharterChange::AmendAxiom { text, .. } | CharterChange::SetPurpose(text)
                if text.len() > MAX_TEXT =>
            {
                Err("text too long")
            }
            _ => Ok(()),
        }
    }
}

/// A charter carried by a genesis: the chapter's founding document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Founding {
    /// The charter.
    pub charter: Charter,
    /// Founders besides the author, admitted at genesis.
    pub founders: Vec<Did>,
}
