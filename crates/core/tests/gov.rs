//! Governance: proposals through their lifecycle and every voting method,
//! through validation and the space's view exactly as a node runs them.

mod support;

use hearth_core::chapter::charter::{Article, GovernanceModel, VoteMethod};
use hearth_core::chapter::{ChapterOp, CharterChange, Permission, Refusal};
use hearth_core::gov::receipt::{Receipt, of_op};
use hearth_core::gov::{Action, Choice, GovOp, GovRefusal, Status};
use support::gov::*;
use support::{DAY, T0, key};

#[test]
fn a_majority_proposal_runs_its_lifecycle_and_executes_once() {
    let mut s = chapter(4, rules(VoteMethod::Majority, 50), GovernanceModel::Direct);
    let p = propose(&mut s, &key(1), T0 + 50, vec![erin()]);
    assert!(matches!(
        gov_refusal(vote(&mut s, 2, T0 + 60, p, Choice::For)),
        GovRefusal::NotOpenYet { .. }
    ));
    vote(&mut s, 2, OPEN, p, Choice::For).expect("vote");
    vote(&mut s, 3, OPEN + 1, p, Choice::Against).expect("vote");
    vote(&mut s, 3, OPEN + 2, p, Choice::For).expect("a changed mind");
    assert_eq!(
        vote(&mut s, 9, OPEN + 3, p, Choice::For),
        Err(Refusal::NotMember(key(9).did()))
    );
    assert!(matches!(
        gov_refusal(close(&mut s, 1, OPEN + 4, p)),
        GovRefusal::StillOpen { .. }
    ));
    // A close that leaves out a vote it has seen is refused.
    let mut short = seen_votes(&s, p);
    short.pop();
    assert_eq!(
        gov_refusal(gov(
            &mut s,
            &key(4),
            AFTER,
            GovOp::Close {
                proposal: p,
                votes: short
            }
        )),
        GovRefusal::VotesMismatch
    );
    close(&mut s, 4, AFTER + 1, p).expect("close");
    assert_eq!(status(&s, p), "accepted");
    assert!(s.view.is_member(&key(9).did()));
    assert!(matches!(
        gov_refusal(vote(&mut s, 4, AFTER + 2, p, Choice::For)),
        GovRefusal::WrongPhase { .. }
    ));
    assert!(matches!(
        gov_refusal(close(&mut s, 2, AFTER + 3, p)),
        GovRefusal::WrongPhase { .. }
    ));
    let Status::Accepted(c) = &s.view.chapter().gov.proposals[&p].status else {
        panic!("accepted");
    };
    assert_eq!(
        (c.tally.for_weight, c.tally.voters, c.tally.eligible),
        (2_000_000, 2, 4)
    );
}

#[test]
fn thresholds_quorums_and_unanimity() {
    for (method, quorum, ballots, expected) in [
        (
            VoteMethod::Supermajority { threshold_pct: 67 },
            50,
            vec![Choice::For, Choice::For, Choice::Against],
            "rejected",
        ),
        (
            VoteMethod::Supermajority { threshold_pct: 66 },
            50,
            vec![Choice::For, Choice::For, Choice::Against],
            "accepted",
        ),
        (
            VoteMethod::Unanimous,
            50,
            vec![Choice::For, Choice::For, Choice::Against],
            "rejected",
        ),
        (
            VoteMethod::Unanimous,
            50,
            vec![Choice::For, Choice::For, Choice::Abstain],
            "accepted",
        ),
        (
            VoteMethod::Majority,
            80,
            vec![Choice::For, Choice::For, Choice::Abstain],
            "no quorum",
        ),
        (
            VoteMethod::Majority,
            75,
            vec![Choice::For, Choice::Abstain, Choice::Abstain],
            "accepted",
        ),
    ] {
        let mut s = chapter(4, rules(method, quorum), GovernanceModel::Direct);
        let p = propose(&mut s, &key(1), T0 + 50, vec![]);
        for (i, c) in ballots.into_iter().enumerate() {
            vote(&mut s, i as u8 + 1, OPEN + i as u64, p, c).expect("vote");
        }
        close(&mut s, 1, AFTER, p).expect("close");
        assert_eq!(status(&s, p), expected, "{method:?} quorum {quorum}");
    }
}

#[test]
fn consent_passes_unless_blocked_and_falls_back_to_a_vote() {
    let block = || Choice::Block {
        reason: "the stall is unsafe".into(),
    };
    let mut s = chapter(
        4,
        rules(VoteMethod::Consent { max_blocks: 0 }, 50),
        GovernanceModel::Direct,
    );
    let p = propose(&mut s, &key(1), T0 + 50, vec![]);
    vote(&mut s, 1, OPEN, p, Choice::For).expect("vote");
    vote(&mut s, 2, OPEN + 1, p, block()).expect("block");
    close(&mut s, 3, AFTER, p).expect("close");
    assert_eq!(status(&s, p), "rejected");

    let fallback = VoteMethod::ConsensusWithFallback {
        max_blocks: 0,
        fallback_pct: 60,
    };
    let mut s = chapter(4, rules(fallback, 50), GovernanceModel::Direct);
    let p = propose(&mut s, &key(1), T0 + 50, vec![]);
    for (who, c) in [
        (1, Choice::For),
        (2, Choice::For),
        (3, Choice::For),
        (4, block()),
    ] {
        vote(&mut s, who, OPEN + u64::from(who), p, c).expect("vote");
    }
    close(&mut s, 1, AFTER, p).expect("close");
    assert_eq!(
        status(&s, p),
        "accepted",
        "blocked, then 3 of 3 for in the fallback"
    );

    let mut s = chapter(3, rules(VoteMethod::Majority, 50), GovernanceModel::Direct);
    let p = propose(&mut s, &key(1), T0 + 50, vec![]);
    assert!(matches!(
        gov_refusal(vote(&mut s, 2, OPEN, p, block())),
        GovRefusal::WrongChoice(_)
    ));
}

#[test]
fn quadratic_votes_cost_their_square() {
    let mut s = chapter(
        3,
        rules(VoteMethod::Quadratic { credits: 9 }, 50),
        GovernanceModel::Direct,
    );
    let p = propose(&mut s, &key(1), T0 + 50, vec![]);
    assert_eq!(
        gov_refusal(votes(&mut s, 1, OPEN, p, Choice::For, 4)),
        GovRefusal::OverBudget {
            votes: 4,
            cost: 16,
            budget: 9
        }
    );
    votes(&mut s, 1, OPEN + 1, p, Choice::For, 3).expect("3 votes for 9 credits");
    votes(&mut s, 2, OPEN + 2, p, Choice::Against, 2).expect("2 votes");
    votes(&mut s, 3, OPEN + 3, p, Choice::Against, 2).expect("2 votes");
    // A new ballot replaces the old one: credits are not spent twice.
    votes(&mut s, 3, OPEN + 4, p, Choice::For, 1).expect("changed to 1 for");
    close(&mut s, 1, AFTER, p).expect("close");
    let Status::Accepted(c) = &s.view.chapter().gov.proposals[&p].status else {
        panic!("4 votes for against 2 should pass: {}", status(&s, p));
    };
    assert_eq!(
        (c.tally.for_weight, c.tally.against_weight),
        (4_000_000, 2_000_000)
    );
}

#[test]
fn liquid_delegation_is_transitive_overridable_and_revocable() {
    let mut s = chapter(5, rules(VoteMethod::Majority, 60), GovernanceModel::Liquid);
    let to = |n: u8| GovOp::Delegate {
        to: key(n).did(),
        domain: None,
    };
    gov(&mut s, &key(3), T0 + 20, to(2)).expect("3 → 2");
    gov(&mut s, &key(4), T0 + 21, to(3)).expect("4 → 3 → 2");
    gov(&mut s, &key(5), T0 + 22, to(4)).expect("5 → 4 → 3 → 2");
    assert_eq!(
        gov_refusal(gov(&mut s, &key(2), T0 + 23, to(2))),
        GovRefusal::SelfDelegation
    );
    gov(&mut s, &key(5), T0 + 24, GovOp::Undelegate { domain: None }).expect("5 takes it back");
    let p = propose(&mut s, &key(1), T0 + 50, vec![]);
    vote(&mut s, 2, OPEN, p, Choice::For).expect("2 votes for 2, 3 and 4");
    vote(&mut s, 4, OPEN + 1, p, Choice::Against).expect("4 overrides for itself");
    vote(&mut s, 1, OPEN + 2, p, Choice::Against).expect("1");
    close(&mut s, 1, AFTER, p).expect("close");
    let (Status::Rejected(c) | Status::Accepted(c)) = &s.view.chapter().gov.proposals[&p].status
    else {
        panic!("{}", status(&s, p));
    };
    // 2 carries itself and 3 (4 voted itself); 5 took its delegation back.
    assert_eq!(c.tally.for_weight, 2_000_000);
    assert_eq!(c.tally.against_weight, 2_000_000);
    assert!(
        c.tally.quorum_met,
        "4 of 5 took part, directly or through a delegate"
    );
    assert_eq!(status(&s, p), "rejected");
}

#[test]
fn meritocratic_council_and_contribution_weights() {
    // Meritocratic: weights are the trust the chapter placed in each voter.
    let mut s = chapter(
        3,
        rules(VoteMethod::Meritocratic, 50),
        GovernanceModel::Meritocratic,
    );
    for (who, trust) in [(2u8, 900_000u32), (3, 100_000)] {
        s.chapter(
            &key(1),
            T0 + 10 + u64::from(who),
            ChapterOp::Vouch {
                subject: key(who).did(),
                trust_ppm: trust,
            },
        )
        .expect("vouch");
    }
    let p = propose(&mut s, &key(1), T0 + 50, vec![]);
    vote(&mut s, 2, OPEN, p, Choice::For).expect("vote");
    vote(&mut s, 3, OPEN + 1, p, Choice::Against).expect("vote");
    close(&mut s, 1, AFTER, p).expect("close");
    assert_eq!(status(&s, p), "accepted");

    // Council: only councillors vote.
    let council = GovernanceModel::Council {
        seats: 2,
        term_ms: 365 * DAY,
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
    .expect("elect");
    let p = propose(&mut s, &key(1), T0 + 50, vec![]);
    assert_eq!(
        gov_refusal(vote(&mut s, 3, OPEN, p, Choice::For)),
        GovRefusal::NotEligible(key(3).did())
    );
    vote(&mut s, 2, OPEN + 1, p, Choice::For).expect("the councillor");
    close(&mut s, 1, AFTER, p).expect("close");
    assert_eq!(status(&s, p), "accepted");

    // Contribution-weighted: recorded by a steward, never by oneself.
    let mut s = chapter(
        3,
        rules(VoteMethod::ContributionWeighted { cap_pct: 15 }, 50),
        GovernanceModel::Direct,
    );
    let record = |m: u8, amount| GovOp::Contribution {
        member: key(m).did(),
        amount,
        description: "market shifts".into(),
    };
    assert_eq!(
        gov(&mut s, &key(1), T0 + 10, record(1, 5)),
        Err(Refusal::SelfAction)
    );
    assert_eq!(
        gov(&mut s, &key(2), T0 + 11, record(3, 5)),
        Err(Refusal::denied(Permission::AllocateBudget))
    );
    gov(&mut s, &key(1), T0 + 12, record(2, 40)).expect("record");
    gov(&mut s, &key(1), T0 + 13, record(3, 10)).expect("record");
    let p = propose(&mut s, &key(1), T0 + 50, vec![]);
    vote(&mut s, 2, OPEN, p, Choice::Against).expect("vote");
    vote(&mut s, 3, OPEN + 1, p, Choice::For).expect("vote");
    close(&mut s, 1, AFTER, p).expect("close");
    // Too few contributors for a 15% cap: equal shares, so one against one.
    assert_eq!(status(&s, p), "rejected");
}

#[test]
fn articles_change_by_their_own_rules_with_ratification_and_receipts() {
    let mut s = chapter(4, rules(VoteMethod::Majority, 25), GovernanceModel::Direct);
    let mut article: Article = s
        .view
        .chapter()
        .charter()
        .article("ARTICLE-III")
        .expect("art")
        .clone();
    article.text = "Articles change by a two-thirds vote.".into();
    let p = propose(
        &mut s,
        &key(1),
        T0 + 50,
        vec![Action::Amend(CharterChange::ModifyArticle(article))],
    );
    let prop = s.view.chapter().gov.proposals[&p].clone();
    assert_eq!(prop.rules.tally.threshold_pct, 75);
    assert_eq!(prop.rules.deliberation_ms, 14 * DAY);
    assert!(prop.rules.ratification);
    let open = T0 + 14 * DAY + 100;
    for who in 1..=4 {
        vote(&mut s, who, open + u64::from(who), p, Choice::For).expect("vote");
    }
    let end = open + 2 * DAY + 10;
    close(&mut s, 2, end, p).expect("first round");
    assert_eq!(status(&s, p), "ratifying");
    assert_eq!(s.view.chapter().version().to_string(), "1.0.0");
    for who in 1..=3 {
        vote(&mut s, who, end + 10 + u64::from(who), p, Choice::For).expect("ratify");
    }
    close(&mut s, 3, end + 2 * DAY + 100, p).expect("ratified");
    assert_eq!(status(&s, p), "accepted");
    assert_eq!(s.view.chapter().version().to_string(), "2.0.0");
    let closing = s.last();
    let op = s.ops.last().expect("op").op.clone();
    let receipts = of_op(s.view.chapter(), closing, &op);
    assert!(
        matches!(&receipts[0], Receipt::Ratification { constitution_version_before, constitution_version_after, quorum_met: true, .. }
        if constitution_version_before == "1.0.0" && constitution_version_after == "2.0.0")
    );
    assert!(
        matches!(&receipts[1], Receipt::Amendment { constitution_hash_before, constitution_hash_after, .. }
        if constitution_hash_before != constitution_hash_after && constitution_hash_after.starts_with("blake3:"))
    );
    // A proposal that touches an axiom is refused outright.
    let r = gov(
        &mut s,
        &key(1),
        end + 3 * DAY,
        GovOp::Propose {
            title: "No exit".into(),
            text: String::new(),
            domain: None,
            actions: vec![Action::Amend(CharterChange::AmendAxiom {
                id: "AXIOM-002".into(),
                text: "no".into(),
            })],
            draft: false,
        },
    );
    assert!(matches!(r, Err(Refusal::Violation { .. })), "{r:?}");
}

#[test]
fn a_proposal_closes_early_once_everyone_has_voted() {
    let mut s = chapter(2, rules(VoteMethod::Majority, 50), GovernanceModel::Direct);
    let p = propose(&mut s, &key(1), T0 + 50, vec![erin()]);
    vote(&mut s, 1, OPEN, p, Choice::For).expect("vote");
    assert!(matches!(
        gov_refusal(close(&mut s, 1, OPEN + 1, p)),
        GovRefusal::StillOpen { .. }
    ));
    vote(&mut s, 2, OPEN + 2, p, Choice::For).expect("vote");
    close(&mut s, 2, OPEN + 3, p).expect("everyone voted: close now");
    assert_eq!(status(&s, p), "accepted");
}
