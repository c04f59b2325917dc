//! Governance: proposals with typed actions that execute when they pass,
//! every voting method a chapter may choose, liquid delegation, appeals,
//! emergencies and the receipts of every step.
//!
//! Every governance op is governing ([`crate::context`]): it is checked
//! against the chapter as of its causal past, and the chapter shown is the
//! fold of all of them in canonical order. A proposal is decided by an
//! accountable closing op that names the votes it counts (see [`rules`]).

mod execute;
mod op;
mod proposal;
pub mod receipt;
pub mod rules;
pub mod tally;

pub use op::{
    Action, Decision, Emergency, GovOp, GovRefusal, Grounds, MAX_ACTIONS, MAX_QUADRATIC_VOTES,
    Power, Subject,
};
pub use proposal::{
    Appeal, Cast, Closing, EmergencyState, Freeze, Governance, Proposal, ProposalRules, Status,
};
pub use tally::{Ballot, Choice, Tally, TallyRules};

/// The longest emergency a member may declare (or extend) without a
/// proposal: three days.
pub const MAX_DIRECT_EMERGENCY_MS: u64 = 3 * 24 * 60 * 60 * 1000;

/// The share of votes an emergency declaration or a forced close needs,
/// in percent, unless the charter's `emergency_threshold_pct` says otherwise.
pub const EMERGENCY_THRESHOLD: u64 = 80;
