//! What each governance op requires, and what it changes.
//!
//! Closing is open to anyone who may vote, once the voting window has
//! passed (or sooner, once every eligible member has voted): the closing
//! op names the votes it counts, which must be exactly
//! the latest vote of every voter in its causal past (votes are governing
//! ops, so its context holds them). When two members close the same
//! proposal concurrently, both closes are valid; the first in canonical
//! order decides and executes, the other changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::execute;
use super::op::{Decision, GovOp, GovRefusal, Power, Subject};
use super::proposal::{Appeal, Cast, Closing, EmergencyState, Proposal, Status, rules_for};
use super::tally::{Ballot, Choice, ONE, Tally, cap_shares, resolve_delegations, tally};
use super::{EMERGENCY_THRESHOLD, MAX_DIRECT_EMERGENCY_MS};
use crate::chapter::charter::{GovernanceModel, ParamValue, Permission, VoteMethod};
use crate::chapter::{Chapter, Record, Refusal};
use crate::identity::Did;
use crate::ids::OpId;

const DAY: u64 = 24 * 60 * 60 * 1000;

fn proposal<'a>(c: &'a Chapter, id: &OpId) -> Result<&'a Proposal, GovRefusal> {
    c.gov
        .proposals
        .get(id)
        .ok_or(GovRefusal::UnknownProposal(*id))
}

fn phase_error(p: &Proposal, needed: &str) -> GovRefusal {
    GovRefusal::WrongPhase {
        status: p.status.name().to_owned(),
        needed: needed.to_owned(),
    }
}

/// An integer parameter of the charter, or `default`.
fn int_param(c: &Chapter, key: &str, at: u64, default: u64) -> u64 {
    match c.charter().param(key, at) {
        Some(ParamValue::Int(v)) if *v >= 0 => *v as u64,
        _ => default,
    }
}

/// Who may vote on `p` at `at`: members who may vote, within its domain's
/// members if it names some, and on the council if the chapter has one.
pub fn eligible(c: &Chapter, p: &Proposal, at: u64) -> BTreeSet<Did> {
    let charter = c.charter();
    let domain = p
        .domain
        .as_ref()
        .and_then(|d| charter.domains.iter().find(|x| &x.id == d));
    // A council: members elected to the `council` role, within their term.
    let term = match charter.model {
        GovernanceModel::Council { term_ms, .. } => Some(term_ms),
        _ => None,
    };
    c.members
        .values()
        .filter(|m| c.allows(&m.did, at, Permission::Vote).is_ok())
        .filter(|m| domain.is_none_or(|d| d.members.is_empty() || d.members.contains(&m.did)))
        .filter(|m| {
            term.is_none_or(|t| {
                m.role_since
                    .get("council")
                    .is_some_and(|since| at < since.saturating_add(t))
            })
        })
        .map(|m| m.did)
        .collect()
}

/// The count of `p` as of chapter `c`, at `at`.
pub fn count(c: &Chapter, p: &Proposal, at: u64) -> Tally {
    let eligible = eligible(c, p, at);
    let ballots: Vec<Ballot> = p
        .ballots
        .iter()
        .map(|(voter, cast)| Ballot {
            voter: *voter,
            choice: cast.choice.clone(),
            votes: cast.votes,
        })
        .collect();
    let voted: BTreeSet<Did> = p.ballots.keys().copied().collect();
    let weights: BTreeMap<Did, u64> = match p.rules.tally.method {
        VoteMethod::Meritocratic => eligible
            .iter()
            .map(|d| (*d, u64::from(c.trust_ppm(d, at))))
            .collect(),
        VoteMethod::ContributionWeighted { cap_pct } => {
            let raw: BTreeMap<Did, u64> = eligible
                .iter()
                .map(|d| (*d, c.gov.contributions.get(d).copied().unwrap_or(0)))
                .collect();
            cap_shares(&raw, cap_pct)
        }
        _ if c.charter().model == GovernanceModel::Liquid => resolve_delegations(
            &eligible,
            &voted,
            |m| c.gov.delegate_of(m, &p.domain),
            |_| ONE,
        ),
        _ => BTreeMap::new(),
    };
    let liquid = c.charter().model == GovernanceModel::Liquid
        && !matches!(
            p.rules.tally.method,
            VoteMethod::Meritocratic | VoteMethod::ContributionWeighted { .. }
        );
    let mut rules = p.rules.tally;
    if liquid {
        rules.quorum_pct = 0;
    }
    let mut t = tally(&rules, &ballots, &eligible, &weights);
    if liquid {
        // Members whose weight reached a voter through delegation took part.
        let reached = weights.values().sum::<u64>() / ONE;
        t.quorum_met = reached * 100 >= u64::from(p.rules.tally.quorum_pct) * u64::from(t.eligible);
        t.passed &= t.quorum_met;
    }
    t
}

/// Whether governance allows `op` by `r.author` at `r.ts` in chapter `c`.
pub fn check(c: &Chapter, r: &Record, op: &GovOp) -> Result<(), GovRefusal> {
    let (me, at) = (&r.author, r.ts);
    match op {
        GovOp::Propose {
            domain, actions, ..
        } => {
            c.require(me, at, Permission::CreateProposal)?;
            if let Some(d) = domain {
                let found = c
                    .charter()
                    .domains
                    .iter()
                    .find(|x| &x.id == d)
                    .ok_or_else(|| Refusal::Unknown(format!("domain {d}")))?;
                if !found.members.is_empty() && !found.members.contains(me) {
                    return Err(GovRefusal::NotEligible(*me));
                }
            }
            execute::check_actions(c, actions, at)
        }
        GovOp::Submit { proposal: p } => {
            let p = proposal(c, p)?;
            if p.author != *me {
                return Err(GovRefusal::NotAuthor);
            }
            match p.status {
                Status::Draft => Ok(()),
                _ => Err(phase_error(p, "draft")),
            }
        }
        GovOp::Vote {
            proposal: pid,
            choice,
            votes,
        } => {
            let p = proposal(c, pid)?;
            if !matches!(p.status, Status::Submitted | Status::Ratifying { .. }) {
                return Err(phase_error(p, "open for votes"));
            }
            let (Some(opens_at), Some(ends_at)) = (p.opens_at, p.ends_at) else {
                return Err(phase_error(p, "open for votes"));
            };
            if at < opens_at {
                return Err(GovRefusal::NotOpenYet { opens_at, at });
            }
            if at >= ends_at {
                return Err(GovRefusal::VotingEnded {
                    ended_at: ends_at,
                    at,
                });
            }
            c.allows(me, at, Permission::Vote)?;
            if !eligible(c, p, at).contains(me) {
                return Err(GovRefusal::NotEligible(*me));
            }
            let consent = matches!(
                p.rules.tally.method,
                VoteMethod::Consent { .. } | VoteMethod::ConsensusWithFallback { .. }
            );
            if matches!(choice, Choice::Block { .. }) && !consent {
                return Err(GovRefusal::WrongChoice("blocks".into()));
            }
            match p.rules.tally.method {
                VoteMethod::Quadratic { credits } => {
                    let cost = u64::from(*votes) * u64::from(*votes);
                    if cost > u64::from(credits) {
                        return Err(GovRefusal::OverBudget {
                            votes: *votes,
                            cost,
                            budget: u64::from(credits),
                        });
                    }
                }
                _ if *votes != 1 => return Err(GovRefusal::WrongChoice("several votes".into())),
                _ => {}
            }
            Ok(())
        }
        GovOp::Close {
            proposal: pid,
            votes,
        }
        | GovOp::ForceClose {
            proposal: pid,
            votes,
        } => {
            let p = proposal(c, pid)?;
            if !matches!(p.status, Status::Submitted | Status::Ratifying { .. }) {
                return Err(phase_error(p, "open"));
            }
            let ends_at = p.ends_at.ok_or_else(|| phase_error(p, "open"))?;
            if let GovOp::ForceClose { .. } = op {
                c.require(me, at, Permission::DeclareEmergency)?;
                let e = c.gov.emergency_at(at).ok_or(GovRefusal::NoEmergency)?;
                if !e.emergency.powers.contains(&Power::ForceClose) {
                    return Err(GovRefusal::PowerNotGranted(Power::ForceClose));
                }
            } else {
                c.allows(me, at, Permission::Vote)?;
                // Before the window ends only once every eligible member
                // has voted: nothing could change the outcome.
                let all_voted = eligible(c, p, at).iter().all(|m| p.ballots.contains_key(m));
                if at < ends_at && !all_voted {
                    return Err(GovRefusal::StillOpen { ends_at });
                }
            }
            let latest: BTreeSet<OpId> = p.ballots.values().map(|b| b.op).collect();
            let named: BTreeSet<OpId> = votes.iter().copied().collect();
            if latest != named {
                return Err(GovRefusal::VotesMismatch);
            }
            Ok(())
        }
        GovOp::Cancel { proposal: pid } => {
            let p = proposal(c, pid)?;
            if p.author != *me {
                return Err(GovRefusal::NotAuthor);
            }
            if p.status.is_closed() {
                return Err(phase_error(p, "not yet closed"));
            }
            Ok(())
        }
        GovOp::Veto { proposal: pid, .. } => {
            c.require(me, at, Permission::Veto)?;
            let p = proposal(c, pid)?;
            if p.status.is_closed() {
                return Err(phase_error(p, "not yet closed"));
            }
            Ok(())
        }
        GovOp::Delegate { to, domain } => {
            c.allows(me, at, Permission::Vote)?;
            if to == me {
                return Err(GovRefusal::SelfDelegation);
            }
            c.active(to, at)?;
            if let Some(d) = domain
                && !c.charter().domains.iter().any(|x| &x.id == d)
            {
                return Err(Refusal::Unknown(format!("domain {d}")).into());
            }
            Ok(())
        }
        GovOp::Undelegate { domain } => {
            c.active(me, at)?;
            if !c.gov.delegations.contains_key(&(*me, domain.clone())) {
                return Err(GovRefusal::NoDelegation);
            }
            Ok(())
        }
        GovOp::Contribution { member, .. } => {
            // Recorded by someone who looks after the chapter's work, not by
            // the contributor.
            let held = c.permissions(me, at)?;
            if !held.contains(&Permission::AllocateBudget)
                && !held.contains(&Permission::ManageMembership)
            {
                return Err(Refusal::denied(Permission::AllocateBudget).into());
            }
            if member == me {
                return Err(Refusal::SelfAction.into());
            }
            c.active(member, at)?;
            Ok(())
        }
        GovOp::Appeal { proposal: pid, .. } => {
            c.allows(me, at, Permission::Vote)?;
            let p = proposal(c, pid)?;
            let closed_at = match &p.status {
                Status::Accepted(x) | Status::Rejected(x) | Status::NoQuorum(x) => x.at,
                _ => return Err(phase_error(p, "closed")),
            };
            let window = int_param(c, "appeal_window_days", at, 14) * DAY;
            if at > closed_at + window {
                return Err(GovRefusal::AppealWindowClosed(closed_at + window));
            }
            Ok(())
        }
        GovOp::Review {
            subject, decision, ..
        } => {
            c.require(me, at, Permission::Mediate)?;
            match subject {
                Subject::Appeal(a) => {
                    let appeal = c
                        .gov
                        .appeals
                        .get(a)
                        .filter(|x| x.decided.is_none())
                        .ok_or(GovRefusal::UnknownAppeal(*a))?;
                    if appeal.by == *me {
                        return Err(Refusal::SelfAction.into());
                    }
                    match decision {
                        Decision::Reverse => Err(GovRefusal::BadAction(
                            "appeals are upheld or dismissed".into(),
                        )),
                        Decision::Modify(actions) => execute::check_actions(c, actions, at),
                        _ => Ok(()),
                    }
                }
                Subject::Violation(_) | Subject::Enforcement(_) => match decision {
                    Decision::Dismiss | Decision::Reverse => Ok(()),
                    _ => Err(GovRefusal::BadAction(
                        "reviews of records reverse or dismiss".into(),
                    )),
                },
            }
        }
        GovOp::DeclareEmergency(e) => {
            c.require(me, at, Permission::DeclareEmergency)?;
            if c.gov.emergency_at(at).is_some() {
                return Err(GovRefusal::EmergencyInForce);
            }
            if e.duration_ms > MAX_DIRECT_EMERGENCY_MS {
                return Err(GovRefusal::TooLong(MAX_DIRECT_EMERGENCY_MS));
            }
            Ok(())
        }
        GovOp::ExtendEmergency { by_ms } => {
            c.require(me, at, Permission::DeclareEmergency)?;
            let e = c.gov.emergency_at(at).ok_or(GovRefusal::NoEmergency)?;
            if !e.emergency.renewable {
                return Err(GovRefusal::NotRenewable);
            }
            if *by_ms > MAX_DIRECT_EMERGENCY_MS {
                return Err(GovRefusal::TooLong(MAX_DIRECT_EMERGENCY_MS));
            }
            Ok(())
        }
        GovOp::EndEmergency { .. } => {
            c.require(me, at, Permission::DeclareEmergency)?;
            c.gov.emergency_at(at).ok_or(GovRefusal::NoEmergency)?;
            Ok(())
        }
    }
}

/// Applies `op` (which [`check`] allowed) to chapter `c`.
pub fn effect(c: &mut Chapter, id: &OpId, r: &Record, op: &GovOp) {
    let (me, at) = (r.author, r.ts);
    match op {
        GovOp::Propose {
            title,
            text,
            domain,
            actions,
            draft,
        } => {
            let charter = c.charter();
            let base = domain
                .as_ref()
                .and_then(|d| charter.domains.iter().find(|x| &x.id == d))
                .and_then(|d| d.voting)
                .unwrap_or(charter.voting);
            let emergency = int_param(c, "emergency_threshold_pct", at, EMERGENCY_THRESHOLD);
            let rules = rules_for(charter, &base, actions, emergency as u32);
            let mut p = Proposal {
                id: *id,
                author: me,
                title: title.clone(),
                text: text.clone(),
                domain: domain.clone(),
                actions: actions.clone(),
                created_at: at,
                rules,
                round: 1,
                opens_at: None,
                ends_at: None,
                ballots: BTreeMap::new(),
                status: Status::Draft,
                executed: false,
            };
            if !draft {
                open(&mut p, at);
            }
            c.gov.proposals.insert(*id, p);
        }
        GovOp::Submit { proposal } => {
            if let Some(p) = c.gov.proposals.get_mut(proposal) {
                open(p, at);
            }
        }
        GovOp::Vote {
            proposal,
            choice,
            votes,
        } => {
            if let Some(p) = c.gov.proposals.get_mut(proposal) {
                p.ballots.insert(
                    me,
                    Cast {
                        op: *id,
                        choice: choice.clone(),
                        votes: *votes,
                        at,
                    },
                );
            }
        }
        GovOp::Close { proposal, .. } | GovOp::ForceClose { proposal, .. } => {
            close(
                c,
                proposal,
                *id,
                me,
                at,
                matches!(op, GovOp::ForceClose { .. }),
            );
        }
        GovOp::Cancel { proposal } => set_status(c, proposal, Status::Cancelled),
        GovOp::Veto { proposal, reason } => set_status(
            c,
            proposal,
            Status::Vetoed {
                by: me,
                reason: reason.clone(),
            },
        ),
        GovOp::Delegate { to, domain } => {
            c.gov.delegations.insert((me, domain.clone()), *to);
        }
        GovOp::Undelegate { domain } => {
            c.gov.delegations.remove(&(me, domain.clone()));
        }
        GovOp::Contribution { member, amount, .. } => {
            let total = c.gov.contributions.entry(*member).or_default();
            *total = total.saturating_add(*amount);
        }
        GovOp::Appeal {
            proposal,
            grounds,
            text,
        } => {
            c.gov.appeals.insert(
                *id,
                Appeal {
                    proposal: *proposal,
                    by: me,
                    at,
                    grounds: *grounds,
                    text: text.clone(),
                    decided: None,
                },
            );
        }
        GovOp::Review {
            subject,
            decision,
            reason,
        } => execute::review(c, id, me, at, subject, decision, reason),
        GovOp::DeclareEmergency(e) => {
            c.gov.emergency = Some(EmergencyState {
                emergency: e.clone(),
                declared_by: *id,
                since: at,
                until: at.saturating_add(e.duration_ms),
                extensions: 0,
            });
        }
        GovOp::ExtendEmergency { by_ms } => {
            if let Some(e) = c.gov.emergency.as_mut() {
                e.until = e.until.saturating_add(*by_ms);
                e.extensions += 1;
            }
        }
        GovOp::EndEmergency { .. } => {
            if let Some(e) = c.gov.emergency.as_mut() {
                e.until = e.until.min(at);
            }
        }
    }
}

fn open(p: &mut Proposal, at: u64) {
    let opens = at.saturating_add(p.rules.deliberation_ms);
    p.opens_at = Some(opens);
    p.ends_at = Some(opens.saturating_add(p.rules.voting_ms));
    p.status = Status::Submitted;
}

fn set_status(c: &mut Chapter, proposal: &OpId, status: Status) {
    if let Some(p) = c.gov.proposals.get_mut(proposal) {
        p.status = status;
    }
}

/// Decides a proposal: counts, then passes (executing its actions, or
/// opening the ratification round), fails, or lacks a quorum.
fn close(c: &mut Chapter, pid: &OpId, op: OpId, by: Did, at: u64, forced: bool) {
    let Some(p) = c.gov.proposals.get(pid).cloned() else {
        return;
    };
    let mut t = count(c, &p, at);
    if forced {
        let emergency = int_param(c, "emergency_threshold_pct", at, EMERGENCY_THRESHOLD);
        let cast = t.for_weight + t.against_weight;
        t.passed &=
            cast > 0 && u128::from(t.for_weight) * 100 >= u128::from(emergency) * u128::from(cast);
    }
    let (version_before, hash_before) = (
        c.version().to_string(),
        c.versions.last().map(|v| v.hash).unwrap_or_default(),
    );
    let ratify = p.rules.ratification && t.passed && !matches!(p.status, Status::Ratifying { .. });
    let status = if ratify {
        Status::Ratifying { first: t.clone() }
    } else if t.passed {
        let failed = execute::run(c, &op, by, &p.actions, at);
        Status::Accepted(Closing {
            op,
            by,
            at,
            tally: t.clone(),
            version_before: version_before.clone(),
            version_after: c.version().to_string(),
            hash_before,
            hash_after: c.versions.last().map(|v| v.hash).unwrap_or_default(),
            failed,
        })
    } else {
        let closing = Closing {
            op,
            by,
            at,
            tally: t.clone(),
            version_before: version_before.clone(),
            version_after: version_before,
            hash_before,
            hash_after: hash_before,
            failed: Vec::new(),
        };
        if t.quorum_met {
            Status::Rejected(closing)
        } else {
            Status::NoQuorum(closing)
        }
    };
    if let Some(p) = c.gov.proposals.get_mut(pid) {
        if ratify {
            p.round += 1;
            p.ballots.clear();
            p.opens_at = Some(at);
            p.ends_at = Some(at.saturating_add(p.rules.voting_ms));
        }
        p.executed |= matches!(status, Status::Accepted(_));
        p.status = status;
    }
}
