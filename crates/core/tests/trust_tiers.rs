//! Trust classes, the rate limits they tier, and trust across chapters
//! through attestations.

mod support;

use std::collections::BTreeMap;

use hearth_core::chapter::charter::{Admission, GovernanceModel, Param, ParamValue, VoteMethod};
use hearth_core::chapter::{
    Chapter, ChapterOp, CharterChange, Founding, PPM, Permission, Refusal, Rule, Template,
};
use hearth_core::gov::{Action, Choice};
use hearth_core::trust::federation::{self, DEFAULT_FACTOR_PPM, FACTOR_PARAM};
use hearth_core::trust::rate::{self, BASE_PARAM, DAY_MS, class_param};
use hearth_core::trust::{GENERAL, Graph, TrustClass};
use hearth_core::{OpId, SpaceId};
use proptest::prelude::*;
use support::gov::{AFTER, OPEN, chapter, close, propose, rules, vote};
use support::{Space, T0, causal_order, key};

fn coop(n: u8) -> Space {
    chapter(n, rules(VoteMethod::Majority, 50), GovernanceModel::Direct)
}

fn edge(s: &mut Space, from: u8, to: u8, class: TrustClass, ts: u64) {
    s.chapter(
        &key(from),
        ts,
        ChapterOp::Trust {
            subject: key(to).did(),
            context: GENERAL.into(),
            class,
            trust_ppm: 900_000,
            expires_at: Some(T0 + 10 * DAY_MS),
        },
    )
    .expect("trust edge");
}

fn set_param(s: &mut Space, ts: u64, key_name: &str, value: i64) {
    s.chapter(
        &key(1),
        ts,
        ChapterOp::Amend {
            change: CharterChange::SetParam(Param {
                key: key_name.into(),
                value: ParamValue::Int(value),
            }),
        },
    )
    .expect("the steward sets a parameter");
}

#[test]
fn a_member_is_of_the_strongest_live_class_anyone_trusts_them_in() {
    let mut s = coop(4);
    let g = Graph::new(s.view.chapter(), T0 + 100);
    assert_eq!(g.class_of(&key(4).did()), None, "nobody trusts them yet");
    // A token edge, or one in another context, gives no class.
    for (context, ppm) in [(GENERAL, 1), ("ledger", PPM)] {
        s.chapter(
            &key(2),
            T0 + 50,
            ChapterOp::Trust {
                subject: key(4).did(),
                context: context.into(),
                class: TrustClass::Intimate,
                trust_ppm: ppm,
                expires_at: None,
            },
        )
        .expect("edge");
    }
    let g = Graph::new(s.view.chapter(), T0 + 60);
    assert_eq!(g.class_of(&key(4).did()), None, "too weak, or not general");
    s.chapter(
        &key(2),
        T0 + 100,
        ChapterOp::Vouch {
            subject: key(4).did(),
            trust_ppm: 500_000,
        },
    )
    .expect("vouch");
    let class_at = |s: &Space, at| Graph::new(s.view.chapter(), at).class_of(&key(4).did());
    assert_eq!(class_at(&s, T0 + 200), Some(TrustClass::Known));
    edge(&mut s, 3, 4, TrustClass::Close, T0 + 300);
    edge(&mut s, 1, 4, TrustClass::Colleague, T0 + 400);
    assert_eq!(class_at(&s, T0 + 500), Some(TrustClass::Close));
    let edges = Graph::new(s.view.chapter(), T0 + 500).edges(GENERAL);
    assert!(edges.contains(&(key(3).did(), key(4).did(), 900_000, TrustClass::Close)));
    // The close edge lapses; the colleague one too; the vouch stays.
    assert_eq!(class_at(&s, T0 + 10 * DAY_MS), Some(TrustClass::Known));
    assert_eq!("intimate".parse(), Ok(TrustClass::Intimate));
    assert!("friend".parse::<TrustClass>().is_err());
}

#[test]
fn the_rate_limit_holds_each_member_to_their_class_allowance() {
    let mut s = coop(4);
    set_param(&mut s, T0 + 10, BASE_PARAM, 3);
    set_param(&mut s, T0 + 11, &class_param(TrustClass::Known), 6);
    // A weaker class's limit is never lowered by a stronger one's.
    set_param(&mut s, T0 + 12, &class_param(TrustClass::Close), 2);
    let at = T0 + 1_000;
    // The steward's own ops count too: three parameters and nothing else
    // yet, so member 2 starts fresh.
    for i in 0..3 {
        s.note(&key(2), at + i).expect("within the allowance");
    }
    match s.note(&key(2), at + 3) {
        Err(
            r @ Refusal::RateLimited {
                per_day: 3,
                class: None,
                retry_at,
            },
        ) => {
            assert_eq!(r.rule(), Rule::RateLimit);
            assert_eq!(retry_at, at + DAY_MS / 3);
            assert!(r.to_string().contains("members nobody trusts yet"), "{r}");
        }
        other => panic!("expected the rate limit, got {other:?}"),
    }
    // A refused op does not count: at the time given, the next one passes.
    s.note(&key(2), at + DAY_MS / 3)
        .expect("one more after a third of a day");
    assert!(matches!(
        s.note(&key(2), at + DAY_MS / 3),
        Err(Refusal::RateLimited { .. })
    ));
    // Trusted as close, member 3 may make six a day (known's limit: trust
    // never lowers one).
    edge(&mut s, 4, 3, TrustClass::Close, at);
    let limit = rate::limit(s.view.chapter(), &key(3).did(), at).expect("limited");
    assert_eq!(limit.per_day, 6);
    assert_eq!(limit.class, Some(TrustClass::Close));
    for i in 0..6 {
        s.note(&key(3), at + 10 + i).expect("within six");
    }
    assert!(matches!(
        s.note(&key(3), at + 20),
        Err(Refusal::RateLimited { per_day: 6, .. })
    ));
    // Governing ops count as much as notes, and a node asks before it signs.
    let body = hearth_core::Body::Chapter(ChapterOp::Profile(Default::default()));
    assert!(matches!(
        s.view.check_body(&key(3).did(), at + 21, &[], &body),
        Err(Refusal::RateLimited { .. })
    ));
    // A day on, the allowance is back.
    s.note(&key(3), at + 20 + DAY_MS).expect("a day later");
    // A snapshot keeps the counts: restored, the view refuses the same.
    let restored =
        hearth_core::space::SpaceView::from_snapshot(&s.view.to_snapshot()).expect("restores");
    assert!(restored == s.view);
    assert_eq!(
        restored.check_body(&key(2).did(), at + DAY_MS / 3, &[], &body),
        s.view
            .check_body(&key(2).did(), at + DAY_MS / 3, &[], &body)
    );
    assert!(matches!(
        restored.check_body(&key(2).did(), at + DAY_MS / 3, &[], &body),
        Err(Refusal::RateLimited { .. })
    ));
}

#[test]
fn without_a_base_limit_nobody_is_limited() {
    let mut s = coop(2);
    set_param(&mut s, T0 + 10, &class_param(TrustClass::Known), 1);
    assert_eq!(rate::limit(s.view.chapter(), &key(2).did(), T0 + 20), None);
    for i in 0..20 {
        s.note(&key(2), T0 + 20 + i).expect("unlimited");
    }
}

#[test]
fn the_count_allows_a_burst_then_one_per_interval() {
    let limit = rate::Limit {
        per_day: 4,
        class: None,
    };
    let mut tat = None;
    for _ in 0..4 {
        tat = Some(rate::count(tat, 1_000, limit).expect("burst"));
    }
    assert_eq!(rate::count(tat, 1_000, limit), Err(1_000 + DAY_MS / 4));
    let after = rate::count(tat, 1_000 + DAY_MS / 4, limit).expect("one interval on");
    assert_eq!(after, 1_000 + DAY_MS + DAY_MS / 4);
}

fn limited_space() -> Space {
    let mut s = coop(4);
    set_param(&mut s, T0 + 10, BASE_PARAM, 2);
    set_param(&mut s, T0 + 11, &class_param(TrustClass::Known), 4);
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever order ops arrive in, every replica refuses the same ones
    /// for the rate limit, and folds the same view.
    #[test]
    fn rate_limits_do_not_depend_on_arrival_order(
        acts in proptest::collection::vec((2u8..=4, 0u8..3, 0u64..(DAY_MS / 2)), 1..24),
        picks in proptest::collection::vec(any::<proptest::sample::Index>(), 1..64),
    ) {
        let base = limited_space();
        let mut source = base.clone();
        let mut verdicts: BTreeMap<OpId, bool> = BTreeMap::new();
        let mut ts = T0 + 1_000;
        for (who, what, gap) in &acts {
            ts += gap;
            let r = match what {
                0 => source.note(&key(*who), ts),
                1 => source.chapter(&key(*who), ts, ChapterOp::Vouch {
                    subject: key(*who % 4 + 1).did(),
                    trust_ppm: 600_000,
                }),
                _ => source.chapter(&key(*who), ts, ChapterOp::Profile(Default::default())),
            };
            verdicts.insert(source.last(), r.is_ok());
        }
        let held = base.ops.iter().map(|o| o.id).collect();
        let mut replica = base.clone();
        for op in causal_order(&source.ops, &held, &picks) {
            let ok = replica.admit(&op).is_ok();
            prop_assert_eq!(ok, verdicts[&op.id], "op {:?}", op.id);
        }
        prop_assert!(replica.view == source.view);
    }
}

/// A second chapter, founded by `founder`, with members `members` who
/// join by the open policy.
fn other_chapter(founder: u8, members: &[u8]) -> Space {
    let mut charter = Template::SmallCooperative.charter("Mend together");
    charter.admission.kind = Admission::Open;
    let mut s = Space::found(
        &key(founder),
        Some(Founding {
            charter,
            founders: vec![],
        }),
    );
    for (i, m) in members.iter().enumerate() {
        s.chapter(
            &key(*m),
            T0 + 1 + i as u64,
            ChapterOp::Join {
                invite: None,
                profile: None,
            },
        )
        .expect("join");
    }
    s
}

fn attest(s: &mut Space, who: u8, other: SpaceId, ppm: u32, ts: u64) -> Result<(), Refusal> {
    s.chapter(
        &key(who),
        ts,
        ChapterOp::Attest {
            chapter: other,
            trust_ppm: ppm,
            expires_at: Some(T0 + 5 * DAY_MS),
        },
    )
}

#[test]
fn trust_reaches_across_attested_chapters_halving_at_each_step() {
    let mut a = coop(3);
    let mut b = other_chapter(20, &[21, 22]);
    let mut c = other_chapter(30, &[31]);
    // B's members trust 22 at 0.9; C's founder trusts 31 fully.
    edge(&mut b, 21, 22, TrustClass::Close, T0 + 50);
    c.chapter(
        &key(30),
        T0 + 50,
        ChapterOp::Vouch {
            subject: key(31).did(),
            trust_ppm: PPM,
        },
    )
    .expect("vouch");
    attest(&mut a, 1, b.id, 800_000, T0 + 100).expect("the steward attests B");
    attest(&mut b, 20, c.id, PPM, T0 + 100).expect("B attests C");
    // Only those who may enact statutes attest, and never their own chapter.
    assert_eq!(
        attest(&mut a, 2, c.id, PPM, T0 + 110),
        Err(Refusal::denied(Permission::EnactStatutes))
    );
    let own = a.id;
    assert_eq!(
        attest(&mut a, 1, own, PPM, T0 + 110),
        Err(Refusal::SelfAction)
    );

    let now = T0 + 200;
    let chapters: BTreeMap<SpaceId, &Chapter> = [&a, &b, &c]
        .into_iter()
        .map(|s| (s.id, s.view.chapter()))
        .collect();
    let held = |id: &SpaceId| chapters.get(id).copied();
    let across = federation::across(a.view.chapter(), &held, now);
    let half = u64::from(DEFAULT_FACTOR_PPM);
    let b_trust = (800_000 * half / u64::from(PPM)) as u32;
    assert_eq!(across.chapters[&b.id].ppm, b_trust, "0.8 × 0.5");
    assert_eq!(across.chapters[&c.id].ppm, b_trust / 2, "then × 1 × 0.5");
    assert_eq!(across.chapters[&c.id].via, vec![b.id, c.id]);
    assert!(across.missing.is_empty());
    assert_eq!(
        across.score(&held, &key(22).did(), GENERAL),
        Some((b.id, 360_000)),
        "0.4 × 0.9"
    );
    assert_eq!(
        across.score(&held, &key(31).did(), GENERAL),
        Some((c.id, 200_000))
    );
    assert_eq!(
        across.score(&held, &key(21).did(), GENERAL),
        None,
        "nobody trusts 21"
    );

    // Without C, the node says what it lacks.
    let without_c = |id: &SpaceId| chapters.get(id).copied().filter(|ch| ch.id != c.id);
    let partial = federation::across(a.view.chapter(), &without_c, now);
    assert!(partial.missing.contains(&c.id));
    assert!(!partial.chapters.contains_key(&c.id));

    // A chapter may pass on less: B's factor of 0.25 quarters C.
    set_chapter_param(&mut b, 20, T0 + 300, FACTOR_PARAM, 250_000);
    let chapters: BTreeMap<SpaceId, &Chapter> = [&a, &b, &c]
        .into_iter()
        .map(|s| (s.id, s.view.chapter()))
        .collect();
    let held = |id: &SpaceId| chapters.get(id).copied();
    let across = federation::across(a.view.chapter(), &held, T0 + 400);
    assert_eq!(across.chapters[&c.id].ppm, b_trust / 4);
    // Attestations lapse.
    let lapsed = federation::across(a.view.chapter(), &held, T0 + 5 * DAY_MS);
    assert_eq!(lapsed.chapters.len(), 1, "only the home chapter");
}

fn set_chapter_param(s: &mut Space, who: u8, ts: u64, name: &str, value: i64) {
    s.chapter(
        &key(who),
        ts,
        ChapterOp::Amend {
            change: CharterChange::SetParam(Param {
                key: name.into(),
                value: ParamValue::Int(value),
            }),
        },
    )
    .expect("the founder sets a parameter");
}

#[test]
fn a_passed_proposal_attests_and_a_zero_withdraws() {
    let mut a = coop(3);
    let b = other_chapter(20, &[]);
    let p = propose(
        &mut a,
        &key(2),
        T0 + 10,
        vec![Action::Attest {
            chapter: b.id,
            trust_ppm: 700_000,
            expires_at: None,
        }],
    );
    for who in 1..=3 {
        vote(&mut a, who, OPEN, p, Choice::For).expect("vote");
    }
    close(&mut a, 1, AFTER, p).expect("close");
    let held = a.view.chapter().attestations.get(&b.id).copied();
    assert_eq!(
        held.map(|h| (h.ppm, h.op)),
        Some((700_000, a.last())),
        "by the close"
    );
    attest(&mut a, 1, b.id, 0, AFTER + 10).expect("withdraw");
    assert!(a.view.chapter().attestations.is_empty());
    // A proposal to attest the chapter itself is refused when made.
    let own = Action::Attest {
        chapter: a.id,
        trust_ppm: PPM,
        expires_at: None,
    };
    let made = support::gov::gov(
        &mut a,
        &key(2),
        AFTER + 20,
        hearth_core::gov::GovOp::Propose {
            title: "Trust ourselves".into(),
            text: String::new(),
            domain: None,
            actions: vec![own],
            draft: false,
        },
    );
    assert_eq!(made, Err(Refusal::SelfAction));
}
