//! Carrying out what passed proposals decide, undoing it when an appeal
//! overturns it, and reviews.

use super::op::{Action, Decision, GovRefusal, Subject};
use super::proposal::{EmergencyState, Freeze, Status};
use crate::chapter::{Chapter, CharterChange, Layer, Refusal, Rule, Status as MemberStatus};
use crate::chapter::{amend_charter, record_version};
use crate::identity::Did;
use crate::ids::OpId;
use crate::ledger::rules as ledger;
use crate::ledger::{Account, Entry, Governed};

/// Whether `actions` can be proposed in chapter `c` at `at`: nothing touches
/// an axiom, every charter change applies to the charter as it is, roles
/// exist, and a batch is not empty.
pub fn check_actions(c: &Chapter, actions: &[Action], at: u64) -> Result<(), GovRefusal> {
    for action in actions {
        match action {
            Action::Amend(change) => {
                if change.layer() == Layer::Axiom {
                    let CharterChange::AmendAxiom { id, .. } = change else {
                        unreachable!("only axiom changes have the axiom layer")
                    };
                    return Err(Refusal::Violation {
                        rule: Rule::Axiom(id.clone()),
                        detail: "axioms can never be amended".into(),
                    }
                    .into());
                }
                amend_charter(c.charter(), change, &c.creator, at)?;
            }
            Action::AddMember { roles, .. } | Action::ChangeRoles { grant: roles, .. } => {
                if let Some(r) = roles.iter().find(|r| c.charter().role(r).is_none()) {
                    return Err(Refusal::UnknownRole(r.clone()).into());
                }
            }
            Action::AllocateBudget { amount: 0, .. } => {
                return Err(GovRefusal::BadAction(
                    "an allocation needs an amount".into(),
                ));
            }
            Action::AllocateBudget { currency, .. } => {
                c.ledger.currency(currency).map_err(Refusal::from)?;
            }
            Action::Ledger(op) => {
                ledger::check_action(c, op).map_err(Refusal::from)?;
            }
            Action::ResolveDispute {
                dispute, outcome, ..
            } => {
                ledger::check_outcome(c, dispute, outcome).map_err(Refusal::from)?;
                let filed = c.ledger.disputes[dispute].filed_at;
                let after = filed.saturating_add(ledger::mediation_timeout(c, at));
                if at < after {
                    return Err(Refusal::from(crate::ledger::LedgerRefusal::TooEarly(after)).into());
                }
            }
            Action::DeclareEmergency(e) if e.duration_ms == 0 => {
                return Err(GovRefusal::BadAction(
                    "an emergency needs a duration".into(),
                ));
            }
            Action::Attest { chapter, .. } if *chapter == c.id => {
                return Err(Refusal::SelfAction.into());
            }
            Action::Attest { trust_ppm, .. } if *trust_ppm > crate::chapter::PPM => {
                return Err(GovRefusal::BadAction(
                    "trust is at most 1,000,000 ppm".into(),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Carries out `actions` of the proposal closed by `by` at `at`; returns
/// the ones that could not be carried out (the chapter moved on since the
/// proposal was made), with why.
pub fn run(c: &mut Chapter, by: &OpId, actor: Did, actions: &[Action], at: u64) -> Vec<String> {
    let mut failed = Vec::new();
    for action in actions {
        if let Err(why) = one(c, by, actor, action, at) {
            failed.push(why);
        }
    }
    failed
}

fn one(c: &mut Chapter, by: &OpId, actor: Did, action: &Action, at: u64) -> Result<(), String> {
    match action {
        Action::AddMember {
            member,
            tier,
            roles,
        } => {
            if c.members.get(member).is_some_and(|m| m.is_current()) {
                return Err(format!("{member} is already a member"));
            }
            c.admit(*member, *tier, *by, at);
            if let Some(m) = c.members.get_mut(member) {
                for role in roles {
                    m.grant(role, at);
                }
            }
        }
        Action::SuspendMember {
            member,
            until,
            reason,
        } => {
            let m = c
                .members
                .get_mut(member)
                .filter(|m| m.is_current())
                .ok_or_else(|| format!("{member} is not a member"))?;
            m.status = MemberStatus::Suspended {
                until: *until,
                reason: reason.clone(),
            };
            c.enforcements.insert(*by, *member);
        }
        Action::RemoveMember { member, reason } => {
            let m = c
                .members
                .get_mut(member)
                .filter(|m| m.is_current())
                .ok_or_else(|| format!("{member} is not a member"))?;
            m.status = MemberStatus::Removed {
                at,
                reason: reason.clone(),
                by: actor,
            };
        }
        Action::ChangeRoles {
            member,
            grant,
            revoke,
        } => {
            let m = c
                .members
                .get_mut(member)
                .filter(|m| m.is_current())
                .ok_or_else(|| format!("{member} is not a member"))?;
            for r in revoke {
                m.revoke(r);
            }
            for r in grant {
                m.grant(r, at);
            }
        }
        Action::Amend(change) => {
            let charter =
                amend_charter(c.charter(), change, &c.creator, at).map_err(|e| e.to_string())?;
            record_version(c, charter, change, *by, at);
        }
        Action::AllocateBudget {
            to,
            currency,
            amount,
            memo,
        } => {
            c.ledger.currency(currency).map_err(|e| e.to_string())?;
            c.ledger.governed.push(Governed {
                by: *by,
                entry: Entry {
                    from: Account::Treasury,
                    to: Account::Member(*to),
                    currency: currency.clone(),
                    amount: *amount,
                },
                memo: memo.clone(),
                at,
            });
        }
        Action::Ledger(op) => {
            ledger::check_action(c, op).map_err(|e| e.to_string())?;
            ledger::apply_rule(c, op);
        }
        Action::ResolveDispute {
            dispute,
            outcome,
            reason,
        } => {
            ledger::check_outcome(c, dispute, outcome).map_err(|e| e.to_string())?;
            ledger::settle(c, dispute, *outcome, by, reason, at);
        }
        Action::Freeze {
            member,
            until,
            reason,
        } => {
            c.gov.frozen.insert(
                *member,
                Freeze {
                    until: *until,
                    reason: reason.clone(),
                    by: *by,
                },
            );
        }
        Action::Unfreeze { member } => {
            c.gov
                .frozen
                .remove(member)
                .ok_or_else(|| format!("{member} is not frozen"))?;
        }
        Action::DeclareEmergency(e) => {
            if c.gov.emergency_at(at).is_some() {
                return Err("an emergency is already in force".into());
            }
            c.gov.emergency = Some(EmergencyState {
                emergency: e.clone(),
                declared_by: *by,
                since: at,
                until: at.saturating_add(e.duration_ms),
                extensions: 0,
            });
        }
        Action::Attest {
            chapter,
            trust_ppm,
            expires_at,
        } => {
            crate::trust::federation::attest(c, *chapter, *trust_ppm, *expires_at, at, *by);
        }
        Action::CreateDomain(d) => {
            let change = CharterChange::SetDomain(d.clone());
            let charter =
                amend_charter(c.charter(), &change, &c.creator, at).map_err(|e| e.to_string())?;
            record_version(c, charter, &change, *by, at);
        }
    }
    Ok(())
}

/// Undoes what `actions` did where that can be done; returns what could
/// not be undone.
fn undo(c: &mut Chapter, by: &OpId, actor: Did, actions: &[Action], at: u64) -> Vec<String> {
    let mut left = Vec::new();
    for action in actions {
        let inverse = match action {
            Action::AddMember { member, .. } => Some(Action::RemoveMember {
                member: *member,
                reason: "admission overturned on appeal".into(),
            }),
            Action::RemoveMember { member, .. } | Action::SuspendMember { member, .. } => {
                if let Some(m) = c.members.get_mut(member) {
                    m.status = MemberStatus::Active;
                }
                None
            }
            Action::ChangeRoles {
                member,
                grant,
                revoke,
            } => Some(Action::ChangeRoles {
                member: *member,
                grant: revoke.clone(),
                revoke: grant.clone(),
            }),
            Action::Freeze { member, .. } => Some(Action::Unfreeze { member: *member }),
            Action::Attest { chapter, .. } => Some(Action::Attest {
                chapter: *chapter,
                trust_ppm: 0,
                expires_at: None,
            }),
            Action::DeclareEmergency(_) => {
                if let Some(e) = c.gov.emergency.as_mut() {
                    e.until = e.until.min(at);
                }
                None
            }
            other => {
                left.push(format!("cannot be undone: {other:?}"));
                None
            }
        };
        if let Some(inverse) = inverse
            && let Err(why) = one(c, by, actor, &inverse, at)
        {
            left.push(why);
        }
    }
    left
}

/// Applies a review's decision.
pub fn review(
    c: &mut Chapter,
    id: &OpId,
    actor: Did,
    at: u64,
    subject: &Subject,
    decision: &Decision,
    reason: &str,
) {
    let words = match decision {
        Decision::Revote => "revote",
        Decision::Overturn => "overturned",
        Decision::Modify(_) => "modified",
        Decision::Dismiss => "dismissed",
        Decision::Reverse => "reversed",
    };
    match subject {
        Subject::Appeal(a) => {
            let Some(appeal) = c.gov.appeals.get_mut(a) else {
                return;
            };
            appeal.decided = Some((*id, words.to_owned(), reason.to_owned()));
            let pid = appeal.proposal;
            let Some(p) = c.gov.proposals.get(&pid).cloned() else {
                return;
            };
            match decision {
                Decision::Revote => {
                    if p.executed {
                        undo(c, id, actor, &p.actions, at);
                    }
                    if let Some(p) = c.gov.proposals.get_mut(&pid) {
                        p.executed = false;
                        p.round += 1;
                        p.ballots.clear();
                        p.opens_at = Some(at);
                        p.ends_at = Some(at.saturating_add(p.rules.voting_ms));
                        p.status = Status::Submitted;
                    }
                }
                Decision::Overturn => {
                    let executed = if p.executed {
                        undo(c, id, actor, &p.actions, at);
                        false
                    } else {
                        run(c, id, actor, &p.actions, at);
                        true
                    };
                    if let Some(p) = c.gov.proposals.get_mut(&pid) {
                        p.executed = executed;
                        p.status = Status::Overturned { review: *id };
                    }
                }
                Decision::Modify(actions) => {
                    if p.executed {
                        undo(c, id, actor, &p.actions, at);
                    }
                    run(c, id, actor, actions, at);
                    if let Some(p) = c.gov.proposals.get_mut(&pid) {
                        p.executed = true;
                    }
                }
                Decision::Dismiss | Decision::Reverse => {}
            }
        }
        Subject::Violation(op) => {
            c.gov
                .reviews
                .insert(*op, (*id, words.to_owned(), reason.to_owned()));
        }
        Subject::Enforcement(op) => {
            c.gov
                .reviews
                .insert(*op, (*id, words.to_owned(), reason.to_owned()));
            if matches!(decision, Decision::Reverse) {
                // Reinstate whoever the enforcement suspended or removed.
                let target = c.members.values().find(|m| match &m.status {
                    MemberStatus::Suspended { .. } | MemberStatus::Removed { .. } => {
                        c.enforcements.get(op) == Some(&m.did)
                    }
                    _ => false,
                });
                if let Some(did) = target.map(|m| m.did)
                    && let Some(m) = c.members.get_mut(&did)
                {
                    m.status = MemberStatus::Active;
                }
            }
        }
    }
}
