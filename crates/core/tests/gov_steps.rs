//! Governance: drafts, vetoes, ratification, appeals, emergencies,
//! concurrent closes and receipts.

mod support;

use hearth_core::chapter::charter::{GovernanceModel, VoteMethod};
use hearth_core::chapter::{ChapterOp, Permission, Refusal};
use hearth_core::gov::{Choice, Decision, Emergency, GovOp, GovRefusal, Grounds, Power, Subject};
use support::gov::*;
use support::{DAY, T0, key};

#[test]
fn drafts_cancels_and_vetoes() {
    let mut s = chapter(3, rules(VoteMethod::Majority, 50), GovernanceModel::Direct);
    gov(
        &mut s,
        &key(2),
        T0 + 50,
        GovOp::Propose {
            title: "Paint the shed".into(),
            text: String::new(),
            domain: None,
            actions: vec![],
            draft: true,
        },
    )
    .expect("draft");
    let p = s.last();
    assert!(matches!(
        gov_refusal(vote(&mut s, 3, OPEN, p, Choice::For)),
        GovRefusal::WrongPhase { .. }
    ));
    assert_eq!(
        gov_refusal(gov(&mut s, &key(3), T0 + 60, GovOp::Submit { proposal: p })),
        GovRefusal::NotAuthor
    );
    gov(&mut s, &key(2), T0 + 61, GovOp::Submit { proposal: p }).expect("submit");
    assert_eq!(
        gov(
            &mut s,
            &key(3),
            T0 + 62,
            GovOp::Veto {
                proposal: p,
                reason: "no".into()
            }
        ),
        Err(Refusal::denied(Permission::Veto))
    );
    gov(
        &mut s,
        &key(1),
        T0 + 63,
        GovOp::Veto {
            proposal: p,
            reason: "we rent the shed".into(),
        },
    )
    .expect("a steward vetoes");
    assert_eq!(status(&s, p), "vetoed");
    let q = propose(&mut s, &key(2), T0 + 70, vec![]);
    gov(&mut s, &key(2), T0 + 71, GovOp::Cancel { proposal: q }).expect("cancel");
    assert_eq!(status(&s, q), "cancelled");
}

#[test]
fn appeals_overturn_revote_or_are_dismissed_within_the_window() {
    let mut s = chapter(3, rules(VoteMethod::Majority, 50), GovernanceModel::Direct);
    let mut mediator = s
        .view
        .chapter()
        .charter()
        .role("mediator")
        .expect("role")
        .clone();
    mediator.permissions.push(Permission::Vote);
    s.chapter(
        &key(1),
        T0 + 10,
        ChapterOp::Grant {
            member: key(3).did(),
            role: "mediator".into(),
        },
    )
    .expect("mediator");
    let p = propose(&mut s, &key(1), T0 + 50, vec![erin()]);
    vote(&mut s, 1, OPEN, p, Choice::For).expect("vote");
    vote(&mut s, 2, OPEN + 1, p, Choice::For).expect("vote");
    close(&mut s, 1, AFTER, p).expect("close");
    assert!(s.view.is_member(&key(9).did()));
    gov(
        &mut s,
        &key(2),
        AFTER + 10,
        GovOp::Appeal {
            proposal: p,
            grounds: Grounds::NewEvidence,
            text: "Erin moved away last week.".into(),
        },
    )
    .expect("appeal");
    let appeal = s.last();
    assert_eq!(
        gov(
            &mut s,
            &key(2),
            AFTER + 11,
            GovOp::Review {
                subject: Subject::Appeal(appeal),
                decision: Decision::Overturn,
                reason: "x".into()
            }
        ),
        Err(Refusal::denied(Permission::Mediate))
    );
    gov(
        &mut s,
        &key(3),
        AFTER + 12,
        GovOp::Review {
            subject: Subject::Appeal(appeal),
            decision: Decision::Overturn,
            reason: "She has moved.".into(),
        },
    )
    .expect("overturn");
    assert_eq!(status(&s, p), "overturned");
    assert!(!s.view.is_member(&key(9).did()), "the admission was undone");
    assert!(matches!(
        gov_refusal(gov(
            &mut s,
            &key(2),
            AFTER + 20 * DAY,
            GovOp::Appeal {
                proposal: p,
                grounds: Grounds::ProceduralViolation,
                text: "late".into(),
            }
        )),
        GovRefusal::WrongPhase { .. } | GovRefusal::AppealWindowClosed(_)
    ));
}

#[test]
fn emergencies_grant_powers_for_a_bounded_time() {
    let mut s = chapter(5, rules(VoteMethod::Majority, 40), GovernanceModel::Direct);
    let flood = |ms| Emergency {
        kind: "flood".into(),
        description: "The store room is under water.".into(),
        powers: vec![Power::ForceClose, Power::SuspendMembers],
        duration_ms: ms,
        renewable: true,
    };
    assert!(matches!(
        gov_refusal(gov(
            &mut s,
            &key(1),
            T0 + 10,
            GovOp::DeclareEmergency(flood(10 * DAY))
        )),
        GovRefusal::TooLong(_)
    ));
    assert_eq!(
        gov(
            &mut s,
            &key(2),
            T0 + 11,
            GovOp::DeclareEmergency(flood(DAY))
        ),
        Err(Refusal::denied(Permission::DeclareEmergency))
    );
    gov(
        &mut s,
        &key(1),
        T0 + 12,
        GovOp::DeclareEmergency(flood(2 * DAY)),
    )
    .expect("declare");
    // The emergency lets the steward suspend without managing membership…
    s.chapter(
        &key(1),
        T0 + 13,
        ChapterOp::Suspend {
            member: key(5).did(),
            until: None,
            reason: "keys lost".into(),
        },
    )
    .expect("suspend");
    // …and force a proposal closed, where it needs 80% in favour.
    let p = propose(&mut s, &key(1), T0 + 50, vec![]);
    for (who, c) in [
        (1, Choice::For),
        (2, Choice::For),
        (3, Choice::For),
        (4, Choice::Against),
    ] {
        vote(&mut s, who, T0 + DAY + 60 + u64::from(who), p, c).expect("vote");
    }
    let votes = seen_votes(&s, p);
    gov(
        &mut s,
        &key(1),
        T0 + DAY + 100,
        GovOp::ForceClose { proposal: p, votes },
    )
    .expect("force");
    assert_eq!(
        status(&s, p),
        "rejected",
        "75% is short of the emergency threshold"
    );
    gov(
        &mut s,
        &key(1),
        T0 + DAY + 200,
        GovOp::ExtendEmergency { by_ms: DAY },
    )
    .expect("extend");
    gov(
        &mut s,
        &key(1),
        T0 + DAY + 300,
        GovOp::EndEmergency {
            reason: "pumped out".into(),
        },
    )
    .expect("end");
    let q = propose(&mut s, &key(1), T0 + DAY + 400, vec![]);
    assert_eq!(
        gov_refusal(gov(
            &mut s,
            &key(1),
            T0 + DAY + 500,
            GovOp::ForceClose {
                proposal: q,
                votes: vec![]
            }
        )),
        GovRefusal::NoEmergency
    );
}

#[test]
fn concurrent_closes_execute_once() {
    let mut s = chapter(3, rules(VoteMethod::Majority, 50), GovernanceModel::Direct);
    let p = propose(&mut s, &key(1), T0 + 50, vec![erin()]);
    vote(&mut s, 1, OPEN, p, Choice::For).expect("vote");
    vote(&mut s, 2, OPEN + 1, p, Choice::For).expect("vote");
    // Two members close at once on their own replicas.
    let mut other = s.clone();
    close(&mut s, 2, AFTER, p).expect("one close");
    close(&mut other, 3, AFTER + 1, p).expect("another close");
    let theirs = other.ops.last().expect("op").clone();
    s.admit(&theirs).expect("both closes are valid");
    let c = s.view.chapter();
    assert_eq!(status(&s, p), "accepted");
    assert_eq!(
        c.members.values().filter(|m| m.did == key(9).did()).count(),
        1
    );
    let outcomes = s.view.governing();
    let closes: Vec<_> = outcomes.iter().rev().take(2).collect();
    assert_eq!(
        closes.iter().filter(|(_, r)| r.is_ok()).count(),
        1,
        "{closes:?}"
    );
}

#[test]
fn councillors_vote_within_their_term_and_proposals_suspend() {
    let council = GovernanceModel::Council {
        seats: 1,
        term_ms: 10 * DAY,
    };
    let mut s = chapter(3, rules(VoteMethod::Majority, 50), council);
    s.chapter(
        &key(1),
        T0 + 10,
        ChapterOp::Grant {
            member: key(2).did(),
            role: "council".into(),
        },
    )
    .expect("elected");
    let suspend = hearth_core::gov::Action::SuspendMember {
        member: key(3).did(),
        until: None,
        reason: "took the till".into(),
    };
    let p = propose(&mut s, &key(1), T0 + 50, vec![suspend]);
    vote(&mut s, 2, OPEN, p, Choice::For).expect("the councillor votes");
    close(&mut s, 1, OPEN + 1, p).expect("the whole council voted");
    assert_eq!(status(&s, p), "accepted");
    assert!(matches!(
        s.view.chapter().members[&key(3).did()].status,
        hearth_core::chapter::Status::Suspended { .. }
    ));
    // Eleven days on, the term is over: nobody is on the council.
    let late = propose(&mut s, &key(1), T0 + 11 * DAY, vec![]);
    assert_eq!(
        gov_refusal(vote(&mut s, 2, T0 + 12 * DAY, late, Choice::For)),
        GovRefusal::NotEligible(key(2).did())
    );
}
