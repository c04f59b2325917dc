//! The governance domain's op bodies and why they are refused.

use serde::{Deserialize, Serialize};

use super::tally::Choice;
use crate::chapter::charter::{GovDomain, MAX_LABEL, MAX_TEXT, Tier};
use crate::chapter::{CharterChange, Refusal as ChapterRefusal};
use crate::identity::Did;
use crate::ids::OpId;
use crate::ledger::{LedgerOp, Outcome};

/// The most actions one proposal carries.
pub const MAX_ACTIONS: usize = 16;
/// The most votes a quadratic ballot casts.
pub const MAX_QUADRATIC_VOTES: u32 = 1_000;

/// What a passed proposal does, executed by the fold exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Admit a member, with roles.
    AddMember {
        /// Who.
        member: Did,
        /// Into which tier.
        tier: Tier,
        /// Roles they hold from the start.
        roles: Vec<String>,
    },
    /// Suspend a member, until a time or until reinstated.
    SuspendMember {
        /// Who.
        member: Did,
        /// Until when, if set.
        until: Option<u64>,
        /// Why.
        reason: String,
    },
    /// Remove a member.
    RemoveMember {
        /// Who.
        member: Did,
        /// Why.
        reason: String,
    },
    /// Give and take roles.
    ChangeRoles {
        /// Whose.
        member: Did,
        /// Roles given.
        grant: Vec<String>,
        /// Roles taken.
        revoke: Vec<String>,
    },
    /// Change the charter: a statute, a parameter, a rule, an article (the
    /// proposal's rules then meet the article's amendment requirement).
    Amend(CharterChange),
    /// Move an amount from the chapter's account (the ledger executes it).
    AllocateBudget {
        /// To whom.
        to: Did,
        /// The currency.
        currency: String,
        /// How much, in the currency's smallest unit.
        amount: u64,
        /// What for.
        memo: String,
    },
    /// Freeze a member's account (the ledger honours it).
    Freeze {
        /// Whose.
        member: Did,
        /// Until when, if not until unfrozen.
        until: Option<u64>,
        /// Why.
        reason: String,
    },
    /// Unfreeze a member's account.
    Unfreeze {
        /// Whose.
        member: Did,
    },
    /// Declare an emergency.
    DeclareEmergency(Emergency),
    /// Create (or change) a governance domain.
    CreateDomain(GovDomain),
    /// Define a currency or set a member's limit (a
    /// [`LedgerOp::DefineCurrency`] or [`LedgerOp::SetLimit`]).
    Ledger(LedgerOp),
    /// The chapter's trust in another chapter (zero withdraws it), as a
    /// [`crate::chapter::ChapterOp::Attest`] says it.
    Attest {
        /// The other chapter.
        chapter: crate::ids::SpaceId,
        /// How much, in parts per million.
        trust_ppm: u32,
        /// When it lapses, if set.
        expires_at: Option<u64>,
    },
    /// Settle a dispute its mediator has not settled within the mediation
    /// timeout.
    ResolveDispute {
        /// The dispute's op.
        dispute: OpId,
        /// The outcome.
        outcome: Outcome,
        /// Why.
        reason: String,
    },
}

/// An emergency: what it is, what powers it invokes, how long it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    /// Its kind, e.g. `flood`, `security_incident`.
    pub kind: String,
    /// What is happening.
    pub description: String,
    /// What it lets stewards do meanwhile.
    pub powers: Vec<Power>,
    /// How long it lasts, in ms.
    pub duration_ms: u64,
    /// Whether it may be renewed.
    pub renewable: bool,
}

/// Powers an emergency may invoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Power {
    /// Close open proposals before their window ends.
    ForceClose,
    /// Freeze accounts without a vote.
    FreezeAccounts,
    /// Suspend members without the usual permission.
    SuspendMembers,
}

/// Grounds for an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grounds {
    /// The procedure was not followed.
    ProceduralViolation,
    /// Someone decided in their own interest.
    ConflictOfInterest,
    /// Something not known at the time.
    NewEvidence,
    /// The outcome breaks the charter.
    ConstitutionalViolation,
}

/// What a review is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// An appeal (its op).
    Appeal(OpId),
    /// A refused op (a violation record).
    Violation(OpId),
    /// A suspension or removal (its op).
    Enforcement(OpId),
}

/// What a review decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Vote again: the proposal reopens for a new voting window.
    Revote,
    /// The outcome is reversed: what the proposal did is undone where it
    /// can be (members re-admitted or removed, roles swapped back,
    /// freezes lifted).
    Overturn,
    /// The outcome stands with these actions instead.
    Modify(Vec<Action>),
    /// The appeal fails; the violation or enforcement stands.
    Dismiss,
    /// An enforcement is reversed (the member is reinstated).
    Reverse,
}

/// What a governance op says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GovOp {
    /// A proposal. As a draft it waits for its author's [`GovOp::Submit`];
    /// otherwise deliberation starts at once.
    Propose {
        /// Its title.
        title: String,
        /// What it says and why.
        text: String,
        /// The governance domain it belongs to, if any.
        domain: Option<String>,
        /// What it does if it passes.
        actions: Vec<Action>,
        /// Whether it is a draft.
        draft: bool,
    },
    /// A draft submitted: deliberation starts.
    Submit {
        /// The proposal.
        proposal: OpId,
    },
    /// A vote (the voter's latest vote on a proposal is the one counted).
    Vote {
        /// The proposal.
        proposal: OpId,
        /// The choice.
        choice: Choice,
        /// Quadratic voting: how many votes (costing their square in voice
        /// credits); 1 otherwise.
        votes: u32,
    },
    /// Closes a proposal after its voting window: the record names the
    /// votes it counts, which must be exactly the latest vote of each voter
    /// in the closing op's causal past; passing executes the actions.
    Close {
        /// The proposal.
        proposal: OpId,
        /// The votes counted.
        votes: Vec<OpId>,
    },
    /// Withdrawn by its author before it closes.
    Cancel {
        /// The proposal.
        proposal: OpId,
    },
    /// Stopped by a member whose role holds a veto.
    Veto {
        /// The proposal.
        proposal: OpId,
        /// Why.
        reason: String,
    },
    /// Delegate your vote (in one domain, or everywhere).
    Delegate {
        /// To whom.
        to: Did,
        /// The domain, or everywhere.
        domain: Option<String>,
    },
    /// Take a delegation back.
    Undelegate {
        /// The domain, or everywhere.
        domain: Option<String>,
    },
    /// Records a contribution (weights contribution-weighted votes).
    Contribution {
        /// Who contributed.
        member: Did,
        /// How much (hours, or any unit the chapter agrees on).
        amount: u64,
        /// What it was.
        description: String,
    },
    /// Appeals a closed proposal within the appeal window.
    Appeal {
        /// The proposal.
        proposal: OpId,
        /// On what grounds.
        grounds: Grounds,
        /// The case.
        text: String,
    },
    /// Decides an appeal, or reviews a violation or an enforcement (a
    /// member who may mediate).
    Review {
        /// What is reviewed.
        subject: Subject,
        /// The decision.
        decision: Decision,
        /// Why.
        reason: String,
    },
    /// Declares an emergency directly (a role with the permission), for at
    /// most [`super::MAX_DIRECT_EMERGENCY_MS`]; longer ones need a proposal.
    DeclareEmergency(Emergency),
    /// Extends the emergency in force (a renewable one), by a proposal-free
    /// act of a member who may declare emergencies, up to the same limit.
    ExtendEmergency {
        /// By how long, in ms.
        by_ms: u64,
    },
    /// Ends the emergency in force.
    EndEmergency {
        /// Why.
        reason: String,
    },
    /// Under an emergency with [`Power::ForceClose`]: closes a proposal now.
    ForceClose {
        /// The proposal.
        proposal: OpId,
        /// The votes counted.
        votes: Vec<OpId>,
    },
}

impl GovOp {
    /// A short name of the op's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            GovOp::Propose { .. } => "propose",
            GovOp::Submit { .. } => "submit",
            GovOp::Vote { .. } => "vote",
            GovOp::Close { .. } => "close",
            GovOp::Cancel { .. } => "cancel",
            GovOp::Veto { .. } => "veto",
            GovOp::Delegate { .. } => "delegate",
            GovOp::Undelegate { .. } => "undelegate",
            GovOp::Contribution { .. } => "contribution",
            GovOp::Appeal { .. } => "appeal",
            GovOp::Review { .. } => "review",
            GovOp::DeclareEmergency(_) => "declare_emergency",
            GovOp::ExtendEmergency { .. } => "extend_emergency",
            GovOp::EndEmergency { .. } => "end_emergency",
            GovOp::ForceClose { .. } => "force_close",
        }
    }

    /// Context-free bounds, checked when an op is decoded.
    pub fn check_shape(&self) -> Result<(), &'static str> {
        let text = |t: &str| t.len() <= MAX_TEXT;
        match self {
            GovOp::Propose {
                title,
                text: body,
                actions,
                ..
            } => {
                if title.trim().is_empty() || title.len() > MAX_LABEL || !text(body) {
                    return Err(
                        "a proposal needs a title of 1 to 200 bytes and a text of at most 8 KiB",
                    );
                }
                if actions.len() > MAX_ACTIONS {
                    return Err("a proposal carries at most 16 actions");
                }
                Ok(())
            }
            GovOp::Vote { votes, .. } if *votes == 0 || *votes > MAX_QUADRATIC_VOTES => {
                Err("a ballot casts 1 to 1,000 votes")
            }
            GovOp::Vote {
                choice: Choice::Block { reason },
                ..
            } if reason.trim().is_empty() || !text(reason) => Err("a block needs a reason"),
            GovOp::Close { votes, .. } | GovOp::ForceClose { votes, .. }
                if votes.windows(2).any(|w| w[0] >= w[1]) =>
            {
                Err("a close lists its votes sorted, without repeats")
            }
            GovOp::Veto { reason, .. } | GovOp::EndEmergency { reason }
                if reason.trim().is_empty() || !text(reason) =>
            {
                Err("a reason is required")
            }
            GovOp::Appeal { text: t, .. } | GovOp::Review { reason: t, .. }
                if t.trim().is_empty() || !text(t) =>
            {
                Err("the case needs words")
            }
            GovOp::Contribution { description, .. } if !text(description) => {
                Err("description too long")
            }
            _ => Ok(()),
        }
    }
}

/// Why governance refuses an op.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum GovRefusal {
    /// The chapter's own rules refuse it (membership, permissions, the charter).
    #[error(transparent)]
    Chapter(#[from] ChapterRefusal),
    /// No such proposal in the op's causal past.
    #[error("no proposal {0} is known to this op")]
    UnknownProposal(OpId),
    /// The proposal is not in the phase the op needs.
    #[error("the proposal is {status}, not {needed}")]
    WrongPhase {
        /// Where it is.
        status: String,
        /// Where it must be.
        needed: String,
    },
    /// Voting on it has not opened yet.
    #[error("voting opens at {opens_at}; the op claims {at}")]
    NotOpenYet {
        /// When voting opens.
        opens_at: u64,
        /// The op's claimed time.
        at: u64,
    },
    /// Its voting window has ended.
    #[error("voting ended at {ended_at}; the op claims {at}")]
    VotingEnded {
        /// When it ended.
        ended_at: u64,
        /// The op's claimed time.
        at: u64,
    },
    /// The window is still open: it cannot close yet.
    #[error("voting is open until {ends_at}")]
    StillOpen {
        /// When it ends.
        ends_at: u64,
    },
    /// Only the proposal's author may do that.
    #[error("only the proposal's author may do that")]
    NotAuthor,
    /// Not eligible to vote on this proposal (its domain, or the council).
    #[error("{0} may not vote on this proposal")]
    NotEligible(Did),
    /// The choice does not fit the method (a block outside consent).
    #[error("this proposal's method does not take {0}")]
    WrongChoice(String),
    /// More voice credits than the budget.
    #[error("{votes} votes cost {cost} voice credits; the budget is {budget}")]
    OverBudget {
        /// Votes asked.
        votes: u32,
        /// Their cost.
        cost: u64,
        /// The budget.
        budget: u64,
    },
    /// The votes a close names are not the latest vote of every voter in
    /// its causal past.
    #[error("the close must count exactly the latest vote of each voter it has seen")]
    VotesMismatch,
    /// Delegating to oneself.
    #[error("one cannot delegate to oneself")]
    SelfDelegation,
    /// Nothing to take back.
    #[error("no delegation to take back")]
    NoDelegation,
    /// The appeal window has passed.
    #[error("the appeal window closed at {0}")]
    AppealWindowClosed(u64),
    /// No such appeal, or it was decided.
    #[error("no open appeal {0}")]
    UnknownAppeal(OpId),
    /// No emergency is in force.
    #[error("no emergency is in force")]
    NoEmergency,
    /// An emergency is already in force.
    #[error("an emergency is already in force")]
    EmergencyInForce,
    /// The emergency in force does not grant this power.
    #[error("the emergency in force does not grant {0:?}")]
    PowerNotGranted(super::op::Power),
    /// A direct declaration or extension beyond its limit.
    #[error("a direct emergency lasts at most {0} ms; longer needs a proposal")]
    TooLong(u64),
    /// The emergency may not be renewed.
    #[error("this emergency is not renewable")]
    NotRenewable,
    /// An action that cannot be carried out as written.
    #[error("action not possible: {0}")]
    BadAction(String),
}
