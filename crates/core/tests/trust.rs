//! The trust graph: edges per context with expiry and revocation, transitive
//! scores from a viewpoint, decay with age, and the gates that read it.

mod support;

use hearth_core::chapter::{ChapterOp, PPM, Refusal};
use hearth_core::trust::{GENERAL, Graph, HALF_LIFE_MS, TrustClass};
use proptest::prelude::*;
use support::gov::{chapter, rules};
use support::{Space, T0, key};

use hearth_core::chapter::charter::{GovernanceModel, VoteMethod};

fn coop(n: u8) -> Space {
    chapter(n, rules(VoteMethod::Majority, 50), GovernanceModel::Direct)
}

fn trust(s: &mut Space, from: u8, to: u8, context: &str, ppm: u32, ts: u64) {
    s.chapter(
        &key(from),
        ts,
        ChapterOp::Trust {
            subject: key(to).did(),
            context: context.into(),
            class: TrustClass::Colleague,
            trust_ppm: ppm,
            expires_at: Some(T0 + 1_000_000),
        },
    )
    .expect("trust edge");
}

#[test]
fn scores_follow_the_best_path_within_three_edges() {
    let mut s = coop(6);
    // 1 → 2 (0.9) → 3 (0.8) → 4 (0.5) → 5 (1.0); 1 → 3 directly at 0.5.
    trust(&mut s, 1, 2, "ledger", 900_000, T0 + 10);
    trust(&mut s, 2, 3, "ledger", 800_000, T0 + 11);
    trust(&mut s, 1, 3, "ledger", 500_000, T0 + 12);
    trust(&mut s, 3, 4, "ledger", 500_000, T0 + 13);
    trust(&mut s, 4, 5, "ledger", PPM, T0 + 14);
    trust(&mut s, 5, 6, "ledger", PPM, T0 + 15);
    let g = Graph::new(s.view.chapter(), T0 + 100);
    let from = key(1).did();
    assert_eq!(g.score(&from, &key(2).did(), "ledger"), 900_000);
    assert_eq!(
        g.score(&from, &key(3).did(), "ledger"),
        720_000,
        "via 2 beats direct"
    );
    assert_eq!(g.score(&from, &key(4).did(), "ledger"), 360_000);
    assert_eq!(
        g.score(&from, &key(5).did(), "ledger"),
        250_000,
        "1 → 3 → 4 → 5"
    );
    assert_eq!(
        g.score(&from, &key(6).did(), "ledger"),
        0,
        "four edges away"
    );
    assert_eq!(
        g.score(&from, &key(2).did(), GENERAL),
        0,
        "contexts are apart"
    );
    assert_eq!(g.score(&from, &from, "ledger"), PPM);
}

#[test]
fn edges_lapse_are_revoked_and_halve_with_age() {
    let mut s = coop(3);
    trust(&mut s, 1, 2, "ledger", 800_000, T0 + 10);
    let later = T0 + 20 + HALF_LIFE_MS;
    let g = Graph::new(s.view.chapter(), T0 + 100);
    assert_eq!(g.direct(&key(2).did(), "ledger"), 800_000);
    // The edge above lapses at T0 + 1,000,000.
    let g = Graph::new(s.view.chapter(), T0 + 1_000_000);
    assert_eq!(g.direct(&key(2).did(), "ledger"), 0);
    s.chapter(
        &key(1),
        T0 + 20,
        ChapterOp::Vouch {
            subject: key(2).did(),
            trust_ppm: 800_000,
        },
    )
    .expect("vouch");
    let g = Graph::new(s.view.chapter(), later);
    assert_eq!(
        g.direct(&key(2).did(), GENERAL),
        400_000,
        "a year old: half"
    );
    assert_eq!(s.view.chapter().trust_ppm(&key(2).did(), T0 + 30), 800_000);
    let revoke = ChapterOp::Distrust {
        subject: key(2).did(),
        context: GENERAL.into(),
    };
    s.chapter(&key(1), T0 + 40, revoke.clone()).expect("revoke");
    assert_eq!(s.view.chapter().trust_ppm(&key(2).did(), T0 + 50), 0);
    assert!(matches!(
        s.chapter(&key(1), T0 + 50, revoke),
        Err(Refusal::Unknown(_))
    ));
    // Forged edges: nobody trusts themselves, and non-members cannot vouch.
    assert_eq!(
        s.chapter(
            &key(2),
            T0 + 60,
            ChapterOp::Trust {
                subject: key(2).did(),
                context: "ledger".into(),
                class: TrustClass::Close,
                trust_ppm: PPM,
                expires_at: None
            }
        ),
        Err(Refusal::SelfAction)
    );
    assert_eq!(
        s.chapter(
            &key(9),
            T0 + 60,
            ChapterOp::Vouch {
                subject: key(2).did(),
                trust_ppm: PPM
            }
        ),
        Err(Refusal::NotMember(key(9).did()))
    );
}

proptest! {
    #[test]
    fn a_score_is_never_above_any_direct_path_bound(
        edges in proptest::collection::vec((1u8..=6, 1u8..=6, 0u32..=1_000_000), 0..20),
    ) {
        let mut s = coop(6);
        for (i, (from, to, ppm)) in edges.iter().enumerate() {
            if from != to {
                trust(&mut s, *from, *to, "ledger", *ppm, T0 + 10 + i as u64);
            }
        }
        let g = Graph::new(s.view.chapter(), T0 + 10_000);
        let scores = g.scores_from(&key(1).did(), "ledger");
        for (subject, score) in &scores {
            prop_assert!(*score <= PPM);
            if *subject != key(1).did() {
                // The best path's last edge bounds it.
                let best_in = g.edges("ledger").iter().filter(|(_, s, _, _)| s == subject).map(|(_, _, w, _)| *w).max().unwrap_or(0);
                prop_assert!(*score <= best_in);
            }
        }
        // Deterministic: the same graph gives the same scores.
        prop_assert_eq!(scores, Graph::new(s.view.chapter(), T0 + 10_000).scores_from(&key(1).did(), "ledger"));
    }
}

#[test]
fn a_trust_gate_on_a_permission_holds_until_members_vouch() {
    use hearth_core::chapter::CharterChange;
    use hearth_core::chapter::charter::{Param, ParamValue};
    use hearth_core::gov::GovOp;
    let mut s = coop(3);
    s.chapter(
        &key(1),
        T0 + 10,
        ChapterOp::Amend {
            change: CharterChange::SetParam(Param {
                key: "min_trust_create_proposal".into(),
                value: ParamValue::Int(500_000),
            }),
        },
    )
    .expect("the steward sets the gate");
    let propose = |s: &mut Space, ts| {
        s.act(
            &key(2),
            ts,
            hearth_core::Body::Gov(GovOp::Propose {
                title: "Buy a drill".into(),
                text: String::new(),
                domain: None,
                actions: vec![],
                draft: true,
            }),
        )
    };
    match propose(&mut s, T0 + 20) {
        Err(Refusal::Violation { rule, detail }) => {
            assert_eq!(
                rule,
                hearth_core::chapter::Rule::Permission(
                    hearth_core::chapter::Permission::CreateProposal
                )
            );
            assert!(detail.contains("500000"), "{detail}");
        }
        other => panic!("expected the gate, got {other:?}"),
    }
    s.chapter(
        &key(3),
        T0 + 30,
        ChapterOp::Vouch {
            subject: key(2).did(),
            trust_ppm: 600_000,
        },
    )
    .expect("vouch");
    propose(&mut s, T0 + 40).expect("trusted enough now");
}

/// A trust op as made before classes of relation: its context was called
/// `class`, and there was no `kind`.
#[derive(serde::Serialize)]
struct OldTrust {
    subject: hearth_core::Did,
    class: String,
    trust_ppm: u32,
    expires_at: Option<u64>,
}

#[test]
fn trust_ops_made_before_classes_still_decode_as_known() {
    let old = std::collections::BTreeMap::from([(
        "trust",
        OldTrust {
            subject: key(2).did(),
            class: "ledger".into(),
            trust_ppm: 700_000,
            expires_at: None,
        },
    )]);
    let bytes = serde_ipld_dagcbor::to_vec(&old).expect("encode");
    let op: ChapterOp = serde_ipld_dagcbor::from_slice(&bytes).expect("decodes");
    assert_eq!(
        op,
        ChapterOp::Trust {
            subject: key(2).did(),
            context: "ledger".into(),
            class: TrustClass::Known,
            trust_ppm: 700_000,
            expires_at: None,
        }
    );
    // And a known edge encodes as it did.
    assert_eq!(serde_ipld_dagcbor::to_vec(&op).expect("encode"), bytes);
}
