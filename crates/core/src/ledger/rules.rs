//! The ledger's governing part, kept in the chapter: currencies, members'
//! own limits, disputes and the entries governance makes (budgets,
//! settlements). Like every governing op, these are checked against the
//! chapter as of their causal past and folded in canonical order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::currency::{CreditPolicy, Currency, LimitInputs};
use super::op::{Account, Entry, LedgerOp, LedgerRefusal, Outcome};
use crate::chapter::charter::ParamValue;
use crate::chapter::{Chapter, Permission, Refusal};
use crate::identity::Did;
use crate::ids::OpId;

/// How long a mediator has before either party may take a dispute to a
/// proposal, unless the charter's `mediation_timeout_days` says otherwise.
pub const MEDIATION_TIMEOUT_MS: u64 = 14 * 24 * 60 * 60 * 1000;

/// A dispute against a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    /// The payment.
    pub payment: OpId,
    /// What it was.
    pub facts: Entry,
    /// Who filed it.
    pub filed_by: Did,
    /// When (claimed).
    pub filed_at: u64,
    /// Why.
    pub reason: String,
    /// The evidence named.
    pub evidence: Vec<String>,
    /// The mediator who took it.
    pub mediator: Option<Did>,
    /// How it was settled.
    pub settled: Option<Settlement>,
}

/// How a dispute ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// The outcome.
    pub outcome: Outcome,
    /// The op that settled it (the mediator's, or a proposal's close).
    pub by: OpId,
    /// Why.
    pub reason: String,
    /// When (claimed).
    pub at: u64,
}

/// An entry governance made, with the op that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Governed {
    /// The op (a proposal's close, or a mediator's settlement).
    pub by: OpId,
    /// The movement.
    pub entry: Entry,
    /// What for.
    pub memo: String,
    /// When (claimed).
    pub at: u64,
}

/// A chapter's ledger rules as of some context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerRules {
    /// Currencies, by code.
    pub currencies: BTreeMap<String, Currency>,
    /// Members' own limits: (member, currency) → limit.
    pub limits: BTreeMap<(Did, String), u64>,
    /// Disputes, by op.
    pub disputes: BTreeMap<OpId, Dispute>,
    /// Entries governance made, in canonical order.
    pub governed: Vec<Governed>,
}

impl LedgerRules {
    /// A currency, if defined.
    pub fn currency(&self, code: &str) -> Result<&Currency, LedgerRefusal> {
        self.currencies
            .get(code)
            .ok_or_else(|| LedgerRefusal::UnknownCurrency(code.to_string()))
    }

    /// What governance has moved into (positive) or out of `account`.
    pub fn governed_net(&self, account: &Account, currency: &str) -> i128 {
        self.governed
            .iter()
            .filter(|g| g.entry.currency == currency)
            .map(|g| {
                let a = i128::from(g.entry.amount);
                (if g.entry.to == *account { a } else { 0 })
                    - (if g.entry.from == *account { a } else { 0 })
            })
            .sum()
    }

    /// The dispute open against `payment`, if any.
    pub fn dispute_of(&self, payment: &OpId) -> Option<(&OpId, &Dispute)> {
        self.disputes.iter().find(|(_, d)| d.payment == *payment)
    }
}

/// `member`'s credit limit in `currency` at `at`, in chapter `c`, given
/// the volume their own log has cleared.
pub fn limit_of(c: &Chapter, member: &Did, currency: &Currency, at: u64, cleared: u128) -> u64 {
    if let Some(own) = c.ledger.limits.get(&(*member, currency.code.clone())) {
        return *own;
    }
    // A static limit needs no trust score (every payment asks for a limit).
    if let CreditPolicy::Static { limit } = currency.credit {
        return limit;
    }
    let joined = c.members.get(member).map_or(at, |m| m.joined_at);
    currency.credit.limit(LimitInputs {
        trust_ppm: c.trust_ppm(member, at),
        cleared_volume: cleared,
        membership_ms: at.saturating_sub(joined),
    })
}

/// The mediation timeout in chapter `c` at `at`.
pub fn mediation_timeout(c: &Chapter, at: u64) -> u64 {
    match c.charter().param("mediation_timeout_days", at) {
        Some(ParamValue::Int(days)) if *days >= 0 => (*days as u64).saturating_mul(86_400_000),
        _ => MEDIATION_TIMEOUT_MS,
    }
}

fn dispute<'a>(c: &'a Chapter, id: &OpId) -> Result<&'a Dispute, LedgerRefusal> {
    let d = c
        .ledger
        .disputes
        .get(id)
        .ok_or(LedgerRefusal::UnknownDispute(*id))?;
    if d.settled.is_some() {
        return Err(LedgerRefusal::Settled(*id));
    }
    Ok(d)
}

fn is_party(d: &Dispute, who: &Did) -> bool {
    d.facts.from == Account::Member(*who) || d.facts.to == Account::Member(*who)
}

/// Whether an outcome can settle dispute `id`.
pub fn check_outcome(c: &Chapter, id: &OpId, outcome: &Outcome) -> Result<(), LedgerRefusal> {
    let d = dispute(c, id)?;
    match outcome {
        Outcome::PartialRefund { amount } if *amount > d.facts.amount => {
            Err(LedgerRefusal::RefundTooLarge {
                refund: *amount,
                paid: d.facts.amount,
            })
        }
        _ => Ok(()),
    }
}

/// Checks a governing ledger op by `me` at `at` against chapter `c`. (That
/// a dispute's facts are its payment's is checked by the space's view,
/// which holds the payments.)
pub fn check(c: &Chapter, me: &Did, at: u64, op: &LedgerOp) -> Result<(), Refusal> {
    let ledger = |e: LedgerRefusal| Refusal::Ledger(Box::new(e));
    match op {
        LedgerOp::DefineCurrency(cur) => {
            c.require(me, at, Permission::EnactStatutes)?;
            cur.check().map_err(|e| ledger(e.into()))
        }
        LedgerOp::SetLimit {
            member, currency, ..
        } => {
            c.require(me, at, Permission::AllocateBudget)?;
            c.ledger.currency(currency).map_err(ledger)?;
            c.active(member, at)
                .map(drop)
                .map_err(|_| Refusal::NotMember(*member))
        }
        LedgerOp::Dispute { payment, facts, .. } => {
            c.require(me, at, Permission::Post)?;
            let party = facts.from == Account::Member(*me) || facts.to == Account::Member(*me);
            if !party {
                return Err(ledger(LedgerRefusal::NotParty));
            }
            match c.ledger.dispute_of(payment) {
                Some(_) => Err(ledger(LedgerRefusal::AlreadyDisputed(*payment))),
                None => Ok(()),
            }
        }
        LedgerOp::ReportEquivocation(proof) => {
            c.require(me, at, Permission::Post)?;
            let found = proof
                .check()
                .map_err(|e| ledger(LedgerRefusal::BadProof(e.to_string())))?;
            if found.space != c.id {
                return Err(ledger(LedgerRefusal::ForeignProof));
            }
            // A device's or an old key's log is its member's.
            let member = c.owner(&found.author);
            c.members
                .get(&member)
                .map(drop)
                .ok_or(Refusal::NotMember(member))
        }
        LedgerOp::Mediate { dispute: id } => {
            c.require(me, at, Permission::Mediate)?;
            let d = dispute(c, id).map_err(ledger)?;
            if is_party(d, me) || d.mediator.is_some() {
                return Err(ledger(LedgerRefusal::NotMediator(*me)));
            }
            Ok(())
        }
        LedgerOp::Settle {
            dispute: id,
            outcome,
            ..
        } => {
            c.require(me, at, Permission::Mediate)?;
            let d = dispute(c, id).map_err(ledger)?;
            if d.mediator != Some(*me) {
                return Err(ledger(LedgerRefusal::NotMediator(*me)));
            }
            check_outcome(c, id, outcome).map_err(ledger)
        }
        // Ordinary ops are checked by the space's view.
        LedgerOp::Pay { .. }
        | LedgerOp::Claim { .. }
        | LedgerOp::Request { .. }
        | LedgerOp::Decline { .. } => Ok(()),
    }
}

/// Checks a ledger rule a proposal would carry out: currencies and limits
/// only, in the shape the op would need.
pub fn check_action(c: &Chapter, op: &LedgerOp) -> Result<(), LedgerRefusal> {
    match op {
        LedgerOp::DefineCurrency(cur) => Ok(cur.check()?),
        LedgerOp::SetLimit { currency, .. } => c.ledger.currency(currency).map(drop),
        other => Err(LedgerRefusal::BadCurrency(format!(
            "a proposal cannot carry a {} op",
            other.kind()
        ))),
    }
}

/// Folds a governing ledger op (already checked) by `me` at `at`.
pub fn effect(c: &mut Chapter, id: &OpId, me: Did, at: u64, op: &LedgerOp) {
    match op {
        LedgerOp::DefineCurrency(_) | LedgerOp::SetLimit { .. } => apply_rule(c, op),
        LedgerOp::Dispute {
            payment,
            facts,
            reason,
            evidence,
        } => {
            c.ledger.disputes.insert(
                *id,
                Dispute {
                    payment: *payment,
                    facts: facts.clone(),
                    filed_by: me,
                    filed_at: at,
                    reason: reason.clone(),
                    evidence: evidence.clone(),
                    mediator: None,
                    settled: None,
                },
            );
        }
        LedgerOp::ReportEquivocation(proof) => {
            if let Ok(found) = proof.check() {
                let freeze = crate::gov::Freeze {
                    until: None,
                    reason: format!("signed two ops at seq {} of their log", found.seq),
                    by: *id,
                };
                c.gov.frozen.entry(c.owner(&found.author)).or_insert(freeze);
            }
        }
        LedgerOp::Mediate { dispute } => {
            if let Some(d) = c.ledger.disputes.get_mut(dispute) {
                d.mediator = Some(me);
            }
        }
        LedgerOp::Settle {
            dispute,
            outcome,
            reason,
        } => settle(c, dispute, *outcome, id, reason, at),
        _ => {}
    }
}

/// Applies a currency definition or a limit (from an op or a proposal).
pub fn apply_rule(c: &mut Chapter, op: &LedgerOp) {
    match op {
        LedgerOp::DefineCurrency(cur) => {
            c.ledger.currencies.insert(cur.code.clone(), cur.clone());
        }
        LedgerOp::SetLimit {
            member,
            currency,
            limit,
        } => {
            let key = (*member, currency.clone());
            match limit {
                Some(l) => c.ledger.limits.insert(key, *l),
                None => c.ledger.limits.remove(&key),
            };
        }
        _ => {}
    }
}

/// Settles dispute `id` with `outcome`, by op `by`: the entries the
/// outcome makes go to the governed entries.
pub fn settle(c: &mut Chapter, id: &OpId, outcome: Outcome, by: &OpId, reason: &str, at: u64) {
    let Some(d) = c.ledger.disputes.get_mut(id) else {
        return;
    };
    if d.settled.is_some() {
        return;
    }
    d.settled = Some(Settlement {
        outcome,
        by: *by,
        reason: reason.to_string(),
        at,
    });
    let facts = d.facts.clone();
    let back = |amount: u64, from: Account| Entry {
        from,
        to: facts.from,
        currency: facts.currency.clone(),
        amount,
    };
    let entry = match outcome {
        Outcome::Upheld => None,
        Outcome::Reversal => Some(back(facts.amount, facts.to)),
        Outcome::PartialRefund { amount } => Some(back(amount, facts.to)),
        Outcome::WriteOff => Some(back(facts.amount, Account::Commons)),
    };
    if let Some(entry) = entry {
        c.ledger.governed.push(Governed {
            by: *by,
            entry,
            memo: format!("dispute {id}: {reason}"),
            at,
        });
    }
}
