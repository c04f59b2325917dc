//! Why a chapter refuses an op, and the rule it names.

use serde::{Deserialize, Serialize};

use super::permission::Permission;
use crate::identity::Did;
use crate::ids::OpId;

/// The rule an op broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// An axiom (by id).
    Axiom(String),
    /// An article's amendment requirement (by id).
    Article(String),
    /// A permission the author's tier and roles do not give.
    Permission(Permission),
    /// The charter's admission policy.
    Admission,
    /// Membership: only members act in a chapter.
    Membership,
    /// The rules of invites.
    Invite,
    /// The charter's shape.
    Charter,
    /// The governance procedure (phases, windows, ballots, closes).
    Procedure,
    /// The ledger's rules (currencies, limits, freezes, disputes).
    Ledger,
    /// The charter's rate limits by trust class.
    RateLimit,
    /// A member's identity log: which keys act for them.
    Identity,
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rule::Axiom(id) => write!(f, "axiom {id}"),
            Rule::Article(id) => write!(f, "article {id}"),
            Rule::Permission(p) => write!(f, "permission '{}'", p.name()),
            Rule::Admission => write!(f, "the admission policy"),
            Rule::Membership => write!(f, "membership"),
            Rule::RateLimit => write!(f, "the rate limit"),
            Rule::Identity => write!(f, "the member's identity log"),
            Rule::Invite => write!(f, "invites"),
            Rule::Charter => write!(f, "the charter"),
            Rule::Procedure => write!(f, "the governance procedure"),
            Rule::Ledger => write!(f, "the ledger"),
        }
    }
}

/// Why a chapter refuses an op. Every refusal names the rule it applies
/// ([`Refusal::rule`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Refusal {
    /// The op is for another space.
    #[error("op belongs to another space")]
    WrongSpace,
    /// A second genesis.
    #[error("the space already has its genesis")]
    GenesisAgain,
    /// The author is not a member.
    #[error("{0} is not a member of this chapter")]
    NotMember(Did),
    /// The author is suspended.
    #[error("{member} is suspended{}", until.map(|u| format!(" until {u}")).unwrap_or_default())]
    Suspended {
        /// Who.
        member: Did,
        /// Until when, if set.
        until: Option<u64>,
    },
    /// The member has left or was removed.
    #[error("{0} is no longer a member")]
    Exited(Did),
    /// Already a member.
    #[error("{0} is already a member")]
    AlreadyMember(Did),
    /// A removed member cannot rejoin on their own.
    #[error("{0} was removed and must be admitted again")]
    WasRemoved(Did),
    /// Members act on others, not on themselves, here.
    #[error("this cannot be done to oneself")]
    SelfAction,
    /// The target holds a higher tier than the author.
    #[error("{0} holds a higher tier")]
    Outranked(Did),
    /// The constitution forbids it.
    #[error("violates {rule}: {detail}")]
    Violation {
        /// The rule.
        rule: Rule,
        /// What it requires.
        detail: String,
    },
    /// Giving someone more than one holds oneself.
    #[error("role escalation: {0}")]
    RoleEscalation(String),
    /// No such role in the charter.
    #[error("no role named {0:?}")]
    UnknownRole(String),
    /// The member does not hold that role.
    #[error("{member} does not hold the role {role:?}")]
    RoleNotHeld {
        /// Who.
        member: Did,
        /// The role.
        role: String,
    },
    /// The admission policy needs an invite.
    #[error("joining needs an invite")]
    InviteRequired,
    /// No such invite.
    #[error("no invite {0}")]
    UnknownInvite(OpId),
    /// The invite was withdrawn.
    #[error("the invite was revoked")]
    InviteRevoked,
    /// The invite lapsed.
    #[error("the invite expired at {expires_at} (join claims {at})")]
    InviteExpired {
        /// When it lapsed.
        expires_at: u64,
        /// The join's claimed time.
        at: u64,
    },
    /// Every use of the invite is taken.
    #[error("the invite's {uses} uses are taken")]
    InviteUsedUp {
        /// How many it allowed.
        uses: u32,
    },
    /// The code does not match the invite.
    #[error("wrong invite code")]
    WrongInviteCode,
    /// An invite must lapse after it is made.
    #[error("an invite must expire after it is made")]
    ExpiryInPast,
    /// Below the trust bar.
    #[error("trust {score_ppm} ppm is below the bar of {min_ppm} ppm")]
    BelowTrust {
        /// The score found.
        score_ppm: u32,
        /// The bar.
        min_ppm: u32,
    },
    /// Below the reputation bar.
    #[error("reputation {score_ppm} ppm is below the bar of {min_ppm} ppm")]
    BelowReputation {
        /// The score found.
        score_ppm: u32,
        /// The bar.
        min_ppm: u32,
    },
    /// An application is already open.
    #[error("{0} has already applied")]
    AlreadyApplied(Did),
    /// The change names something the charter does not have.
    #[error("the charter has no {0}")]
    Unknown(String),
    /// The change names an id that is taken.
    #[error("the charter already has {0}")]
    Duplicate(String),
    /// An order's old value does not match the charter.
    #[error("parameter {key} is {found}, not {expected}")]
    StaleParam {
        /// The parameter.
        key: String,
        /// What the order says it was.
        expected: String,
        /// What it is.
        found: String,
    },
    /// The change would leave a charter that breaks its own shape rules.
    #[error("the charter would be invalid: {0}")]
    BadCharter(String),
    /// Governance refuses it (a proposal's phase, a vote, a close…).
    #[error(transparent)]
    Governance(Box<crate::gov::GovRefusal>),
    /// The author has made as many ops as their limit allows for now.
    #[error(
        "{per_day} ops a day is the limit for {}; the next is possible at {}",
        match class { Some(c) => format!("members trusted as {c}"), None => "members nobody trusts yet".into() },
        crate::gov::receipt::iso8601(*retry_at)
    )]
    RateLimited {
        /// Their limit.
        per_day: u32,
        /// The trust class it is by.
        class: Option<crate::trust::TrustClass>,
        /// The claimed time from which they may act again.
        retry_at: u64,
    },
    /// The signing key may not act for the member, or a key event does
    /// not apply.
    #[error(transparent)]
    Key(crate::keys::KeyError),
    /// The ledger refuses it (an overdraft, a frozen account, a claim…).
    #[error(transparent)]
    Ledger(Box<crate::ledger::LedgerRefusal>),
}

impl From<crate::ledger::LedgerRefusal> for Refusal {
    fn from(l: crate::ledger::LedgerRefusal) -> Self {
        Refusal::Ledger(Box::new(l))
    }
}

impl From<crate::gov::GovRefusal> for Refusal {
    fn from(g: crate::gov::GovRefusal) -> Self {
        match g {
            crate::gov::GovRefusal::Chapter(r) => r,
            other => Refusal::Governance(Box::new(other)),
        }
    }
}

impl Refusal {
    /// The rule this refusal applies.
    pub fn rule(&self) -> Rule {
        match self {
            Refusal::Violation { rule, .. } => rule.clone(),
            Refusal::RoleEscalation(_) | Refusal::Outranked(_) => {
                Rule::Permission(Permission::ManageRoles)
            }
            Refusal::InviteRequired
            | Refusal::BelowTrust { .. }
            | Refusal::BelowReputation { .. }
            | Refusal::AlreadyApplied(_)
            | Refusal::WasRemoved(_) => Rule::Admission,
            Refusal::UnknownInvite(_)
            | Refusal::InviteRevoked
            | Refusal::InviteExpired { .. }
            | Refusal::InviteUsedUp { .. }
            | Refusal::WrongInviteCode
            | Refusal::ExpiryInPast => Rule::Invite,
            Refusal::Unknown(_)
            | Refusal::Duplicate(_)
            | Refusal::StaleParam { .. }
            | Refusal::BadCharter(_)
            | Refusal::UnknownRole(_)
            | Refusal::RoleNotHeld { .. } => Rule::Charter,
            Refusal::Governance(_) => Rule::Procedure,
            Refusal::Ledger(_) => Rule::Ledger,
            Refusal::RateLimited { .. } => Rule::RateLimit,
            Refusal::Key(_) => Rule::Identity,
            _ => Rule::Membership,
        }
    }

    /// A permission the author lacks.
    pub fn denied(permission: Permission) -> Self {
        Refusal::Violation {
            rule: Rule::Permission(permission),
            detail: format!(
                "the author's tier and roles do not give '{}'",
                permission.name()
            ),
        }
    }
}
