//! Proposals as the fold keeps them: their rules, phase, ballots and
//! outcome, and the rest of a chapter's governance (delegations,
//! contributions, appeals, the emergency in force, freezes, allocations).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::op::{Action, Emergency, Grounds};
use super::tally::{Choice, Tally, TallyRules};
use crate::chapter::charter::{Charter, VoteMethod};
use crate::chapter::{CharterChange, Layer};
use crate::identity::Did;
use crate::ids::OpId;

/// The rules one proposal is decided by: the chapter's (or its domain's)
/// voting rules, raised to what the articles it amends require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalRules {
    /// How it is counted.
    pub tally: TallyRules,
    /// Least discussion time before voting opens, in ms.
    pub deliberation_ms: u64,
    /// How long voting stays open, in ms.
    pub voting_ms: u64,
    /// Whether a second round must ratify a pass.
    pub ratification: bool,
}

/// Where a proposal stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not submitted yet.
    Draft,
    /// Submitted: in deliberation, then voting, until closed.
    Submitted,
    /// Passed its first round; a ratification round is open.
    Ratifying {
        /// The first round's tally.
        first: Tally,
    },
    /// Passed; its actions were executed.
    Accepted(Closing),
    /// Failed.
    Rejected(Closing),
    /// Too few took part.
    NoQuorum(Closing),
    /// Withdrawn by its author.
    Cancelled,
    /// Stopped by a veto.
    Vetoed {
        /// By whom.
        by: Did,
        /// Why.
        reason: String,
    },
    /// Reversed on appeal.
    Overturned {
        /// The review that did it.
        review: OpId,
    },
}

impl Status {
    /// A word for it.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Ratifying { .. } => "ratifying",
            Status::Accepted(_) => "accepted",
            Status::Rejected(_) => "rejected",
            Status::NoQuorum(_) => "no quorum",
            Status::Cancelled => "cancelled",
            Status::Vetoed { .. } => "vetoed",
            Status::Overturned { .. } => "overturned",
        }
    }

    /// Whether it is decided (no more votes).
    pub fn is_closed(&self) -> bool {
        !matches!(
            self,
            Status::Draft | Status::Submitted | Status::Ratifying { .. }
        )
    }
}

/// How a proposal was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    /// The closing op.
    pub op: OpId,
    /// Who closed it.
    pub by: Did,
    /// When (claimed).
    pub at: u64,
    /// The count.
    pub tally: Tally,
    /// The charter version before and after it took effect.
    pub version_before: String,
    /// The charter version after.
    pub version_after: String,
    /// The charter hash before.
    pub hash_before: [u8; 32],
    /// The charter hash after.
    pub hash_after: [u8; 32],
    /// Actions that could not be carried out, and why.
    pub failed: Vec<String>,
}

/// A ballot as kept: the voter's latest vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cast {
    /// The vote op.
    pub op: OpId,
    /// The choice.
    pub choice: Choice,
    /// Votes (quadratic voting), else 1.
    pub votes: u32,
    /// When (claimed).
    pub at: u64,
}

/// A proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Its op.
    pub id: OpId,
    /// Who proposed it.
    pub author: Did,
    /// Its title.
    pub title: String,
    /// Its text.
    pub text: String,
    /// Its governance domain.
    pub domain: Option<String>,
    /// What it does if it passes.
    pub actions: Vec<Action>,
    /// When it was made.
    pub created_at: u64,
    /// The rules it is decided by.
    pub rules: ProposalRules,
    /// Which round of voting (2 for ratification or a revote).
    pub round: u32,
    /// When voting opens (`None` while a draft).
    pub opens_at: Option<u64>,
    /// When voting ends.
    pub ends_at: Option<u64>,
    /// The latest ballot of each voter this round.
    pub ballots: BTreeMap<Did, Cast>,
    /// Where it stands.
    pub status: Status,
    /// Whether its actions were executed (and not undone).
    pub executed: bool,
}

impl Proposal {
    /// The phase at claimed time `at`, in a word.
    pub fn phase(&self, at: u64) -> &'static str {
        match (&self.status, self.opens_at, self.ends_at) {
            (s, _, _) if s.is_closed() => s.name(),
            (Status::Draft, _, _) => "draft",
            (_, Some(o), _) if at < o => "deliberation",
            (_, _, Some(e)) if at < e => "open",
            _ => "awaiting close",
        }
    }

    /// Whether its actions amend an article.
    pub fn amends_articles(&self) -> bool {
        self.actions
            .iter()
            .any(|a| matches!(a, Action::Amend(change) if change.layer() == Layer::Article))
    }
}

/// The rules for a new proposal with `actions` under `base`: each article
/// it changes raises the threshold, quorum and deliberation to that
/// article's requirement, and may ask for ratification; declaring an
/// emergency needs the emergency threshold.
pub fn rules_for(
    charter: &Charter,
    base: &crate::chapter::charter::VotingRules,
    actions: &[Action],
    emergency_pct: u32,
) -> ProposalRules {
    let threshold = match base.method {
        VoteMethod::Supermajority { threshold_pct } => threshold_pct,
        _ => 0,
    };
    let mut rules = ProposalRules {
        tally: TallyRules {
            method: base.method,
            quorum_pct: base.quorum_pct,
            threshold_pct: threshold,
        },
        deliberation_ms: base.deliberation_ms,
        voting_ms: base.voting_ms,
        ratification: false,
    };
    for action in actions {
        let article = match action {
            Action::Amend(CharterChange::ModifyArticle(a)) => charter.article(&a.id),
            Action::Amend(CharterChange::RemoveArticle { id }) => charter.article(id),
            Action::Amend(CharterChange::AddArticle(_)) => charter
                .articles
                .iter()
                .max_by_key(|a| (a.amendment.threshold_pct, a.amendment.quorum_pct)),
            Action::DeclareEmergency(_) => {
                rules.tally.threshold_pct = rules.tally.threshold_pct.max(emergency_pct);
                None
            }
            _ => None,
        };
        if let Some(a) = article {
            let r = a.amendment;
            rules.tally.threshold_pct = rules.tally.threshold_pct.max(r.threshold_pct);
            rules.tally.quorum_pct = rules.tally.quorum_pct.max(r.quorum_pct);
            rules.deliberation_ms = rules.deliberation_ms.max(r.deliberation_ms);
            rules.ratification |= r.ratification;
        }
    }
    rules
}

/// An appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    /// The appealed proposal.
    pub proposal: OpId,
    /// Who appealed.
    pub by: Did,
    /// When.
    pub at: u64,
    /// On what grounds.
    pub grounds: Grounds,
    /// The case.
    pub text: String,
    /// The decision, once reviewed: (review op, decision in words, reason).
    pub decided: Option<(OpId, String, String)>,
}

/// The emergency in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyState {
    /// What it is.
    pub emergency: Emergency,
    /// The op that declared it (a declaration, or a proposal's close).
    pub declared_by: OpId,
    /// When it started.
    pub since: u64,
    /// When it ends unless extended or ended.
    pub until: u64,
    /// Extensions so far.
    pub extensions: u32,
}

/// A frozen account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freeze {
    /// Until when, if set.
    pub until: Option<u64>,
    /// Why.
    pub reason: String,
    /// The op that froze it.
    pub by: OpId,
}

/// A chapter's governance as of some context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Governance {
    /// Every proposal, by op.
    pub proposals: BTreeMap<OpId, Proposal>,
    /// Delegations: (delegator, domain) → delegate.
    pub delegations: BTreeMap<(Did, Option<String>), Did>,
    /// Contributions recorded, per member.
    pub contributions: BTreeMap<Did, u64>,
    /// Appeals, by op.
    pub appeals: BTreeMap<OpId, Appeal>,
    /// The emergency in force (or the last one).
    pub emergency: Option<EmergencyState>,
    /// Frozen accounts.
    pub frozen: BTreeMap<Did, Freeze>,
    /// Reviews of violations and enforcements: (subject op → (review op, decision, reason)).
    pub reviews: BTreeMap<OpId, (OpId, String, String)>,
}

impl Governance {
    /// The emergency in force at `at`, if any.
    pub fn emergency_at(&self, at: u64) -> Option<&EmergencyState> {
        self.emergency.as_ref().filter(|e| at < e.until)
    }

    /// Whom `member` delegates to in `domain` (a per-domain delegation
    /// first, then a global one).
    pub fn delegate_of(&self, member: &Did, domain: &Option<String>) -> Option<Did> {
        domain
            .as_ref()
            .and_then(|d| self.delegations.get(&(*member, Some(d.clone()))))
            .or_else(|| self.delegations.get(&(*member, None)))
            .copied()
    }

    /// Whether `member`'s account is frozen at `at`.
    pub fn is_frozen(&self, member: &Did, at: u64) -> bool {
        self.frozen
            .get(member)
            .is_some_and(|f| f.until.is_none_or(|u| at < u))
    }
}
