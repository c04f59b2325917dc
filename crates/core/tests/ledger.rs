//! The ledger through validation and the space's view, as nodes run it:
//! payments and claims, limits, every refusal, demurrage, requests and
//! disputes.

mod support;

use hearth_core::chapter::{ChapterOp, Refusal};
use hearth_core::gov::{Action, Choice};
use hearth_core::ledger::{
    Account, CreditPolicy, Demurrage, LedgerOp, LedgerRefusal, Outcome, Ramp, Reference,
    RequestState,
};
use support::gov::{AFTER, OPEN, close, propose, vote};
use support::ledger::*;
use support::{DAY, T0, key};

#[test]
fn payments_move_balances_in_double_entry() {
    let mut s = economy(4, hours(10_000, None));
    pay(&mut s, 1, 2, T0 + 100, 2_500).expect("pay");
    pay(&mut s, 2, 3, T0 + 200, 1_000).expect("pay, claiming the 25 h that came in");
    assert_eq!(balance(&s, 1, T0 + 300), -2_500);
    assert_eq!(balance(&s, 2, T0 + 300), 1_500);
    assert_eq!(balance(&s, 3, T0 + 300), 1_000);
    assert_eq!(total(&s, T0 + 300), 0);
    let history = s
        .view
        .ledger(T0 + 300)
        .history(&Account::Member(key(2).did()), None, None);
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].entry.amount, 1_000, "newest first");
    let found = s.view.ledger(T0 + 300).history(
        &Account::Member(key(2).did()),
        Some("HOUR"),
        Some("2500 FOR"),
    );
    assert_eq!(found.len(), 1, "search ignores case");
    let credit = s
        .view
        .ledger(T0 + 300)
        .credit(&key(2).did(), "HOUR")
        .expect("present");
    assert_eq!(
        (credit.limit, credit.headroom, credit.cleared),
        (10_000, 11_500, 3_500)
    );
}

#[test]
fn a_payment_past_the_limit_is_refused_with_its_figures() {
    let mut s = economy(3, hours(1_000, None));
    pay(&mut s, 1, 2, T0 + 100, 1_000).expect("up to the limit");
    assert_eq!(
        ledger_refusal(pay(&mut s, 1, 2, T0 + 200, 1)),
        LedgerRefusal::Overdraft {
            currency: "HOUR".into(),
            balance: -1_000,
            amount: 1,
            limit: 1_000
        }
    );
    assert_eq!(balance(&s, 1, T0 + 300), -1_000, "nothing moved");
    assert_eq!(balance(&s, 2, T0 + 300), 1_000);
}

#[test]
fn incoming_payments_are_spent_only_once_claimed_in_the_payees_log() {
    let mut s = economy(3, hours(1_000, None));
    pay(&mut s, 1, 2, T0 + 100, 800).expect("pay");
    let incoming = s.last();
    let b = key(2);
    let pay_op = |claims: Vec<_>| LedgerOp::Pay {
        to: Account::Member(key(3).did()),
        currency: "HOUR".into(),
        amount: 1_500,
        memo: String::new(),
        reference: None,
        claims,
    };
    // Without the claim, 15 h is past B's limit of 10 h.
    assert!(matches!(
        ledger_refusal(ledger(&mut s, &b, T0 + 200, pay_op(vec![]))),
        LedgerRefusal::Overdraft { balance: 0, .. }
    ));
    // Someone else cannot claim it.
    assert_eq!(
        ledger_refusal(ledger(
            &mut s,
            &key(3),
            T0 + 210,
            LedgerOp::Claim {
                claims: vec![incoming]
            }
        )),
        LedgerRefusal::BadClaim(incoming)
    );
    ledger(&mut s, &b, T0 + 220, pay_op(vec![incoming])).expect("claimed and paid");
    assert_eq!(balance(&s, 2, T0 + 300), -700);
    // Nor can it be claimed twice.
    assert_eq!(
        ledger_refusal(ledger(
            &mut s,
            &b,
            T0 + 230,
            LedgerOp::Claim {
                claims: vec![incoming]
            }
        )),
        LedgerRefusal::BadClaim(incoming)
    );
    assert_eq!(total(&s, T0 + 300), 0);
}

#[test]
fn bad_payments_are_refused_and_change_nothing() {
    let mut s = economy(3, hours(1_000, None));
    let a = key(1);
    let bad = |s: &mut support::Space, to: Account, currency: &str| {
        ledger(
            s,
            &a,
            T0 + 100,
            LedgerOp::Pay {
                to,
                currency: currency.into(),
                amount: 10,
                memo: String::new(),
                reference: None,
                claims: vec![],
            },
        )
    };
    let b = Account::Member(key(2).did());
    assert_eq!(
        ledger_refusal(bad(&mut s, b, "EUR")),
        LedgerRefusal::UnknownCurrency("EUR".into())
    );
    let stranger = key(9).did();
    assert_eq!(
        ledger_refusal(bad(&mut s, Account::Member(stranger), "HOUR")),
        LedgerRefusal::PayeeNotMember(stranger)
    );
    assert_eq!(
        ledger_refusal(bad(&mut s, Account::Member(a.did()), "HOUR")),
        LedgerRefusal::SelfPayment
    );
    let zero = LedgerOp::Pay {
        to: b,
        currency: "HOUR".into(),
        amount: 0,
        memo: String::new(),
        reference: None,
        claims: vec![],
    };
    assert!(
        zero.check_shape()
            .expect_err("refused")
            .contains("above zero")
    );
    // A non-member cannot pay at all.
    assert_eq!(
        pay(&mut s, 9, 2, T0 + 100, 10),
        Err(Refusal::NotMember(stranger))
    );
    assert!(s.view.ledger(T0 + 200).book.payments().next().is_none());
}

#[test]
fn a_frozen_account_cannot_pay_until_unfrozen() {
    let mut s = economy(4, hours(1_000, None));
    let who = key(2).did();
    let p = propose(
        &mut s,
        &key(1),
        T0 + 50,
        vec![Action::Freeze {
            member: who,
            until: None,
            reason: "equivocated".into(),
        }],
    );
    for v in 1..=3 {
        vote(&mut s, v, OPEN + u64::from(v), p, Choice::For).expect("vote");
    }
    close(&mut s, 1, AFTER, p).expect("close");
    assert_eq!(
        ledger_refusal(pay(&mut s, 2, 3, AFTER + 10, 10)),
        LedgerRefusal::Frozen(who)
    );
    pay(&mut s, 3, 2, AFTER + 20, 10).expect("a frozen account still receives");
}

#[test]
fn dynamic_limits_grow_with_trust_and_history_after_the_ramp() {
    let policy = CreditPolicy::Dynamic {
        baseline: 1_000,
        trust_multiplier_ppm: 2_000_000,
        history_rate_ppm: 100_000,
        max: 5_000,
        ramp: Some(Ramp {
            initial: 200,
            period_ms: 30 * DAY,
            required_volume: 500,
        }),
    };
    let inputs = |trust_ppm, cleared_volume, days| hearth_core::ledger::LimitInputs {
        trust_ppm,
        cleared_volume,
        membership_ms: days * DAY,
    };
    assert_eq!(
        policy.limit(inputs(1_000_000, 10_000, 5)),
        200,
        "in the ramp"
    );
    assert_eq!(
        policy.limit(inputs(1_000_000, 100, 60)),
        200,
        "volume not cleared"
    );
    // 1000 + 1000 × 0.5 × 2 + 2000 × 0.1
    assert_eq!(policy.limit(inputs(500_000, 2_000, 60)), 2_200);
    assert_eq!(
        policy.limit(inputs(1_000_000, 1_000_000, 60)),
        5_000,
        "capped"
    );

    // In a chapter: a vouch raises the limit of the next payment.
    let mut currency = hours(0, None);
    currency.credit = CreditPolicy::Dynamic {
        baseline: 1_000,
        trust_multiplier_ppm: 1_000_000,
        history_rate_ppm: 0,
        max: 5_000,
        ramp: None,
    };
    let mut s = economy(3, currency);
    assert!(matches!(
        ledger_refusal(pay(&mut s, 2, 3, T0 + 100, 1_500)),
        LedgerRefusal::Overdraft { limit: 1_000, .. }
    ));
    s.chapter(
        &key(1),
        T0 + 200,
        ChapterOp::Vouch {
            subject: key(2).did(),
            trust_ppm: 600_000,
        },
    )
    .expect("vouch");
    pay(&mut s, 2, 3, T0 + 300, 1_500).expect("limit now 16 h");
    let credit = s
        .view
        .ledger(T0 + 400)
        .credit(&key(2).did(), "HOUR")
        .expect("present");
    assert_eq!(credit.limit, 1_600);
}

#[test]
fn a_members_own_limit_overrides_the_policy() {
    let mut s = economy(3, hours(1_000, None));
    ledger(
        &mut s,
        &key(1),
        T0 + 50,
        LedgerOp::SetLimit {
            member: key(2).did(),
            currency: "HOUR".into(),
            limit: Some(100),
        },
    )
    .expect("the steward sets it");
    assert!(matches!(
        ledger_refusal(pay(&mut s, 2, 3, T0 + 100, 101)),
        LedgerRefusal::Overdraft { limit: 100, .. }
    ));
    assert!(matches!(
        ledger(
            &mut s,
            &key(2),
            T0 + 110,
            LedgerOp::SetLimit {
                member: key(2).did(),
                currency: "HOUR".into(),
                limit: Some(1_000_000),
            },
        ),
        Err(Refusal::Violation { .. })
    ));
}

#[test]
fn demurrage_decays_what_is_above_the_exemption_into_the_commons() {
    let d = Demurrage {
        rate_ppm: 100_000,
        period_ms: DAY,
        exempt: 1_000,
    };
    let mut s = economy(3, hours(100_000, Some(d)));
    pay(&mut s, 1, 2, T0 + 100, 11_000).expect("pay");
    // Day boundaries from time zero: three of them pass by T0 + 3 days.
    let later = T0 + 3 * DAY;
    let n = d.periods(T0 + 100, later);
    assert_eq!(n, 3);
    // B has not claimed, so it has not decayed yet in B's log: unclaimed
    // payments count at face value.
    assert_eq!(balance(&s, 2, later), 11_000);
    pay(&mut s, 2, 3, T0 + 200, 1).expect("claims the payment");
    let b = balance(&s, 2, later);
    // 1000 + (10999 - 1000) × 0.9³, rounded down
    assert_eq!(b, 1_000 + 7_289);
    let commons = s.view.ledger(later).balance(&Account::Commons, "HOUR");
    assert_eq!(commons, 10_999 - 8_289);
    assert_eq!(total(&s, later), 0);
    // Debts do not decay.
    assert_eq!(balance(&s, 1, later), -11_000);
}

#[test]
fn requests_are_paid_once_or_declined() {
    let mut s = economy(3, hours(10_000, None));
    let (a, b) = (key(1), key(2));
    let ask = LedgerOp::Request {
        from: a.did(),
        currency: "HOUR".into(),
        amount: 300,
        memo: "bike repair".into(),
        expires_at: Some(T0 + DAY),
    };
    ledger(&mut s, &b, T0 + 100, ask.clone()).expect("request");
    let request = s.last();
    let answer = |amount| LedgerOp::Pay {
        to: Account::Member(b.did()),
        currency: "HOUR".into(),
        amount,
        memo: "bike repair".into(),
        reference: Some(Reference::Request(request)),
        claims: vec![],
    };
    assert_eq!(
        ledger_refusal(ledger(&mut s, &a, T0 + 200, answer(299))),
        LedgerRefusal::BadRequest(request)
    );
    ledger(&mut s, &a, T0 + 210, answer(300)).expect("paid");
    let paid = s.last();
    assert_eq!(
        s.view
            .ledger(T0)
            .book
            .request(&request)
            .expect("present")
            .state,
        RequestState::Paid(paid)
    );
    assert_eq!(
        ledger_refusal(ledger(&mut s, &a, T0 + 220, answer(300))),
        LedgerRefusal::BadRequest(request),
        "paid once"
    );
    // A second request lapses, and one can be declined.
    ledger(&mut s, &b, T0 + 300, ask.clone()).expect("request");
    let late = s.last();
    let mut pay_late = answer(300);
    if let LedgerOp::Pay { reference, .. } = &mut pay_late {
        *reference = Some(Reference::Request(late));
    }
    assert!(matches!(
        ledger_refusal(ledger(&mut s, &a, T0 + 2 * DAY, pay_late)),
        LedgerRefusal::RequestExpired { .. }
    ));
    ledger(&mut s, &b, T0 + 2 * DAY + 1, ask).expect("request");
    let third = s.last();
    ledger(
        &mut s,
        &a,
        T0 + 2 * DAY + 2,
        LedgerOp::Decline { request: third },
    )
    .expect("decline");
    assert_eq!(
        s.view
            .ledger(T0)
            .book
            .request(&third)
            .expect("present")
            .state,
        RequestState::Declined
    );
}

fn dispute(
    s: &mut support::Space,
    payment: hearth_core::OpId,
    by: u8,
    ts: u64,
) -> hearth_core::OpId {
    let facts = s
        .view
        .ledger(0)
        .book
        .payment(&payment)
        .expect("present")
        .entry
        .clone();
    ledger(
        s,
        &key(by),
        ts,
        LedgerOp::Dispute {
            payment,
            facts,
            reason: "the work was never done".into(),
            evidence: vec!["photo of the unfixed bike".into()],
        },
    )
    .expect("dispute");
    s.last()
}

#[test]
fn a_mediator_settles_a_dispute_with_a_reversal() {
    let mut s = economy(4, hours(10_000, None));
    pay(&mut s, 1, 2, T0 + 100, 600).expect("pay");
    let payment = s.last();
    // Only a party may dispute, with the payment's own facts.
    let mut wrong = s
        .view
        .ledger(0)
        .book
        .payment(&payment)
        .expect("present")
        .entry
        .clone();
    wrong.amount = 60;
    assert_eq!(
        ledger_refusal(ledger(
            &mut s,
            &key(1),
            T0 + 150,
            LedgerOp::Dispute {
                payment,
                facts: wrong,
                reason: String::new(),
                evidence: vec![],
            }
        )),
        LedgerRefusal::UnknownPayment(payment)
    );
    let dispute = dispute(&mut s, payment, 1, T0 + 200);
    let take = LedgerOp::Mediate { dispute };
    assert!(
        matches!(
            ledger(&mut s, &key(3), T0 + 300, take.clone()),
            Err(Refusal::Violation { .. })
        ),
        "key 3 is no mediator"
    );
    ledger(&mut s, &key(4), T0 + 310, take).expect("the mediator takes it");
    let settle = |outcome| LedgerOp::Settle {
        dispute,
        outcome,
        reason: "no repair was made".into(),
    };
    assert_eq!(
        ledger_refusal(ledger(
            &mut s,
            &key(4),
            T0 + 400,
            settle(Outcome::PartialRefund { amount: 601 })
        )),
        LedgerRefusal::RefundTooLarge {
            refund: 601,
            paid: 600
        }
    );
    ledger(&mut s, &key(4), T0 + 410, settle(Outcome::Reversal)).expect("settled");
    assert_eq!(balance(&s, 1, T0 + 500), 0);
    assert_eq!(balance(&s, 2, T0 + 500), 0);
    assert_eq!(total(&s, T0 + 500), 0);
    assert_eq!(
        ledger_refusal(ledger(&mut s, &key(4), T0 + 420, settle(Outcome::Upheld))),
        LedgerRefusal::Settled(dispute)
    );
}

#[test]
fn an_unmediated_dispute_goes_to_a_proposal_after_the_timeout() {
    let mut s = economy(4, hours(10_000, None));
    pay(&mut s, 2, 3, T0 + 100, 400).expect("pay");
    let payment = s.last();
    let dispute = dispute(&mut s, payment, 2, T0 + 200);
    let resolve = vec![Action::ResolveDispute {
        dispute,
        outcome: Outcome::WriteOff,
        reason: "the mediator never came".into(),
    }];
    let early = s.act(
        &key(2),
        T0 + 300,
        hearth_core::Body::Gov(hearth_core::gov::GovOp::Propose {
            title: "Settle".into(),
            text: String::new(),
            domain: None,
            actions: resolve.clone(),
            draft: false,
        }),
    );
    assert!(format!("{early:?}").contains("TooEarly"), "{early:?}");
    let at = T0 + 15 * DAY;
    let p = propose(&mut s, &key(2), at, resolve);
    for v in 1..=3 {
        vote(&mut s, v, at + DAY + 100 + u64::from(v), p, Choice::For).expect("vote");
    }
    close(&mut s, 1, at + 3 * DAY + 200, p).expect("close");
    // Written off: the payer's debt is the commons' now; the payee keeps it.
    let now = at + 4 * DAY;
    assert_eq!(balance(&s, 2, now), 0);
    assert_eq!(balance(&s, 3, now), 400);
    assert_eq!(s.view.ledger(now).balance(&Account::Commons, "HOUR"), -400);
    assert_eq!(total(&s, now), 0);
}

#[test]
fn an_equivocation_proof_freezes_the_account_of_whoever_signed_twice() {
    use hearth_core::equivocation::EquivocationProof;
    let mut s = economy(3, hours(1_000, None));
    // Bob signs two different payments at the same place in his log: one
    // to Alice, one to Carol (a double spend).
    let one = s.sign(
        &key(2),
        T0 + 100,
        hearth_core::Body::Ledger(LedgerOp::Pay {
            to: Account::Member(key(1).did()),
            currency: "HOUR".into(),
            amount: 900,
            memo: "to Alice".into(),
            reference: None,
            claims: vec![],
        }),
    );
    let two = s.sign(
        &key(2),
        T0 + 100,
        hearth_core::Body::Ledger(LedgerOp::Pay {
            to: Account::Member(key(3).did()),
            currency: "HOUR".into(),
            amount: 900,
            memo: "to Carol".into(),
            reference: None,
            claims: vec![],
        }),
    );
    s.admit(&one).expect("the first is accepted");
    let (proof, found) =
        EquivocationProof::new(one.bytes.clone(), two.bytes.clone()).expect("a proof");
    assert_eq!(found.author, key(2).did());
    ledger(
        &mut s,
        &key(3),
        T0 + 200,
        LedgerOp::ReportEquivocation(proof),
    )
    .expect("reported");
    assert_eq!(
        ledger_refusal(pay(&mut s, 2, 1, T0 + 300, 1)),
        LedgerRefusal::Frozen(key(2).did())
    );
    // A proof that does not hold is refused when decoded.
    let bogus = LedgerOp::ReportEquivocation(EquivocationProof {
        a: one.bytes.clone(),
        b: one.bytes,
    });
    assert!(bogus.check_shape().is_err());
}
