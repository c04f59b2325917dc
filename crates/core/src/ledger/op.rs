//! The ledger's op bodies and why they are refused.

use serde::{Deserialize, Serialize};

use super::currency::{Currency, CurrencyError, MAX_AMOUNT};
use crate::chapter::charter::{MAX_LABEL, MAX_TEXT};
use crate::equivocation::EquivocationProof;
use crate::identity::Did;
use crate::ids::OpId;

/// The most incoming entries one op claims.
pub const MAX_CLAIMS: usize = 16;
/// The most pieces of evidence a dispute carries.
pub const MAX_EVIDENCE: usize = 8;

/// An account: a member's, or one of the chapter's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    /// A member's account.
    Member(Did),
    /// The chapter's treasury: budgets are allocated from it.
    Treasury,
    /// The commons: demurrage and write-offs go to and come from it.
    Commons,
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Account::Member(d) => write!(f, "{}", d.fmt_short()),
            Account::Treasury => f.write_str("treasury"),
            Account::Commons => f.write_str("commons"),
        }
    }
}

/// One movement of an amount between two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The account debited.
    pub from: Account,
    /// The account credited.
    pub to: Account,
    /// The currency's code.
    pub currency: String,
    /// How much.
    pub amount: u64,
}

/// What a payment answers, if anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// A payment request (invoice) of the payee, which this pays.
    Request(OpId),
    /// A proposal.
    Proposal(OpId),
    /// An offer, by its label.
    Offer(String),
}

/// How a mediator (or a proposal, after the mediation timeout) settles a
/// dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The payment stands.
    Upheld,
    /// The payee gives the whole amount back.
    Reversal,
    /// The payee gives part of it back.
    PartialRefund {
        /// How much.
        amount: u64,
    },
    /// The payer's debt for it is written off against the commons.
    WriteOff,
}

/// A ledger op.
///
/// Payments, claims and requests are ordinary ops, each checked against its
/// author's own log and the chapter as of its causal past. Currencies,
/// limits and disputes are governing ops ([`crate::context`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LedgerOp {
    /// Pays `amount` of `currency` from the author's account to `to`.
    Pay {
        /// The payee.
        to: Account,
        /// The currency's code.
        currency: String,
        /// How much, in the smallest unit (above zero).
        amount: u64,
        /// What for.
        memo: String,
        /// What it answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<Reference>,
        /// Incoming payments to the author this op takes into their own
        /// balance (each also a dep): what a member may spend is what
        /// their own log has taken in, so no payment depends on what a
        /// node happens to hold.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        claims: Vec<OpId>,
    },
    /// Takes incoming payments into the author's balance without paying.
    Claim {
        /// The payments (each also a dep).
        claims: Vec<OpId>,
    },
    /// Asks `from` to pay (an invoice); answered by a payment that names it.
    Request {
        /// Who is asked.
        from: Did,
        /// The currency's code.
        currency: String,
        /// How much.
        amount: u64,
        /// What for.
        memo: String,
        /// After when it can no longer be paid, if set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<u64>,
    },
    /// Declines a request (the one asked) or withdraws it (the asker).
    Decline {
        /// The request.
        request: OpId,
    },
    /// Defines a currency, or redefines one (its code stays).
    DefineCurrency(Currency),
    /// Sets a member's own limit in a currency, or clears it (back to the
    /// currency's policy).
    SetLimit {
        /// Whose.
        member: Did,
        /// The currency's code.
        currency: String,
        /// The limit.
        limit: Option<u64>,
    },
    /// Files a dispute against a payment the author made or received (the
    /// payment is also a dep, and the facts named must be its own).
    Dispute {
        /// The payment.
        payment: OpId,
        /// What it was.
        facts: Entry,
        /// Why.
        reason: String,
        /// Links, hashes or descriptions of evidence.
        evidence: Vec<String>,
    },
    /// Shows that a member signed two different ops at one place in their
    /// log (a double spend is only possible so): anyone may report it, and
    /// the account is frozen from then on.
    ReportEquivocation(EquivocationProof),
    /// A mediator takes a dispute.
    Mediate {
        /// The dispute's op.
        dispute: OpId,
    },
    /// The mediator settles a dispute.
    Settle {
        /// The dispute's op.
        dispute: OpId,
        /// The outcome.
        outcome: Outcome,
        /// Why.
        reason: String,
    },
}

impl LedgerOp {
    /// A one-word name of the op's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            LedgerOp::Pay { .. } => "pay",
            LedgerOp::Claim { .. } => "claim",
            LedgerOp::Request { .. } => "request",
            LedgerOp::Decline { .. } => "decline",
            LedgerOp::DefineCurrency(_) => "define_currency",
            LedgerOp::SetLimit { .. } => "set_limit",
            LedgerOp::Dispute { .. } => "dispute",
            LedgerOp::ReportEquivocation(_) => "report_equivocation",
            LedgerOp::Mediate { .. } => "mediate",
            LedgerOp::Settle { .. } => "settle",
        }
    }

    /// Whether it is a governing op.
    pub fn is_governing(&self) -> bool {
        !matches!(
            self,
            LedgerOp::Pay { .. }
                | LedgerOp::Claim { .. }
                | LedgerOp::Request { .. }
                | LedgerOp::Decline { .. }
        )
    }

    /// The ops it must name as deps: what it claims, answers, declines or
    /// disputes (so its check depends only on its causal past).
    pub fn needs(&self) -> Vec<OpId> {
        match self {
            LedgerOp::Pay {
                claims, reference, ..
            } => {
                let mut v = claims.clone();
                if let Some(Reference::Request(r)) = reference {
                    v.push(*r);
                }
                v
            }
            LedgerOp::Claim { claims } => claims.clone(),
            LedgerOp::Decline { request } => vec![*request],
            LedgerOp::Dispute { payment, .. } => vec![*payment],
            _ => Vec::new(),
        }
    }

    /// The incoming entries it claims.
    pub fn claims(&self) -> &[OpId] {
        match self {
            LedgerOp::Pay { claims, .. } | LedgerOp::Claim { claims } => claims,
            _ => &[],
        }
    }

    /// Checks sizes and amounts, before anything else.
    pub fn check_shape(&self) -> Result<(), String> {
        let text = |s: &str, max: usize, what: &str| {
            if s.len() > max {
                Err(format!("{what} longer than {max} bytes"))
            } else {
                Ok(())
            }
        };
        let amount = |a: u64| {
            if a == 0 {
                Err("an amount must be above zero".to_string())
            } else if a > MAX_AMOUNT {
                Err(format!("an amount is at most {MAX_AMOUNT}"))
            } else {
                Ok(())
            }
        };
        match self {
            LedgerOp::Pay {
                currency,
                amount: a,
                memo,
                claims,
                ..
            } => {
                text(currency, MAX_LABEL, "currency")?;
                text(memo, MAX_TEXT, "memo")?;
                amount(*a)?;
                claims_shape(claims)
            }
            LedgerOp::Claim { claims } if claims.is_empty() => Err("nothing to claim".into()),
            LedgerOp::Claim { claims } => claims_shape(claims),
            LedgerOp::Request {
                currency,
                amount: a,
                memo,
                ..
            } => {
                text(currency, MAX_LABEL, "currency")?;
                text(memo, MAX_TEXT, "memo")?;
                amount(*a)
            }
            LedgerOp::Decline { .. } | LedgerOp::Mediate { .. } => Ok(()),
            LedgerOp::ReportEquivocation(p) => p.check().map(drop).map_err(|e| e.to_string()),
            LedgerOp::DefineCurrency(c) => {
                text(&c.name, MAX_LABEL, "name")?;
                text(&c.unit, MAX_LABEL, "unit")?;
                c.check().map_err(|e| e.to_string())
            }
            LedgerOp::SetLimit {
                currency, limit, ..
            } => {
                text(currency, MAX_LABEL, "currency")?;
                match limit {
                    Some(l) if *l > MAX_AMOUNT => Err(format!("a limit is at most {MAX_AMOUNT}")),
                    _ => Ok(()),
                }
            }
            LedgerOp::Dispute {
                reason, evidence, ..
            } => {
                text(reason, MAX_TEXT, "reason")?;
                if evidence.len() > MAX_EVIDENCE {
                    return Err(format!("at most {MAX_EVIDENCE} pieces of evidence"));
                }
                evidence
                    .iter()
                    .try_for_each(|e| text(e, MAX_TEXT, "evidence"))
            }
            LedgerOp::Settle {
                outcome, reason, ..
            } => {
                text(reason, MAX_TEXT, "reason")?;
                match outcome {
                    Outcome::PartialRefund { amount: a } => amount(*a),
                    _ => Ok(()),
                }
            }
        }
    }
}

fn claims_shape(claims: &[OpId]) -> Result<(), String> {
    if claims.len() > MAX_CLAIMS {
        return Err(format!("at most {MAX_CLAIMS} claims"));
    }
    let mut sorted = claims.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != claims.len() {
        return Err("a claim is named twice".into());
    }
    Ok(())
}

/// Why the ledger refuses an op. Stable and serializable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LedgerRefusal {
    /// The chapter has no such currency in the op's causal past.
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
    /// The currency is defined with a shape error.
    #[error("bad currency: {0}")]
    BadCurrency(String),
    /// The payment would take the payer below their limit.
    #[error(
        "overdraft: balance {balance} - {amount} would pass the limit of -{limit} in {currency}"
    )]
    Overdraft {
        /// The currency.
        currency: String,
        /// The balance the payer's log had.
        balance: i128,
        /// The payment.
        amount: u64,
        /// Their limit.
        limit: u64,
    },
    /// The payer's account is frozen.
    #[error("the account of {0} is frozen")]
    Frozen(Did),
    /// The payee is not a member now.
    #[error("{0} is not a member to be paid")]
    PayeeNotMember(Did),
    /// A member pays themselves.
    #[error("a payment to oneself")]
    SelfPayment,
    /// A claim that is not an unclaimed payment to the author, in the op's deps.
    #[error("claim {0} is not an unclaimed payment to the author among the op's deps")]
    BadClaim(OpId),
    /// No such request, or not one this payment can answer.
    #[error("request {0} cannot be answered by this op")]
    BadRequest(OpId),
    /// The request lapsed.
    #[error("request {request} expired at {expires_at}")]
    RequestExpired {
        /// The request.
        request: OpId,
        /// When it lapsed.
        expires_at: u64,
    },
    /// No such payment among the op's deps.
    #[error("no payment {0} among the op's deps")]
    UnknownPayment(OpId),
    /// Only the payer or the payee of a payment may dispute it.
    #[error("only the payer or payee may dispute a payment")]
    NotParty,
    /// The payment is already disputed.
    #[error("payment {0} is already disputed")]
    AlreadyDisputed(OpId),
    /// No such dispute in the op's causal past.
    #[error("no dispute {0}")]
    UnknownDispute(OpId),
    /// The dispute is settled already.
    #[error("dispute {0} is settled")]
    Settled(OpId),
    /// A party to a dispute cannot mediate it; only the mediator who took
    /// it may settle it.
    #[error("{0} may not mediate this dispute")]
    NotMediator(Did),
    /// Escalation before the mediation timeout.
    #[error("the dispute may go to a proposal after {0}")]
    TooEarly(u64),
    /// An equivocation proof that does not hold.
    #[error("not an equivocation proof: {0}")]
    BadProof(String),
    /// An equivocation proof about another space.
    #[error("the proof is about another space")]
    ForeignProof,
    /// A refund larger than the payment.
    #[error("a refund of {refund} is more than the payment of {paid}")]
    RefundTooLarge {
        /// The refund.
        refund: u64,
        /// The payment.
        paid: u64,
    },
}

impl From<CurrencyError> for LedgerRefusal {
    fn from(e: CurrencyError) -> Self {
        LedgerRefusal::BadCurrency(e.to_string())
    }
}
