//! The chapter a node shows depends only on the ops it holds: members act
//! on replicas that sync now and then (so many ops are concurrent), and
//! every replica that ends up with the same ops shows the same chapter, in
//! whatever causal order they arrive; and each op's verdict is the same
//! everywhere as where it was made (validity never changes).

mod support;

use std::collections::{BTreeMap, BTreeSet};

use hearth_core::chapter::charter::{Statute, VoteMethod, VotingRules};
use hearth_core::chapter::{ChapterOp, CharterChange, Founding, Template, Tier};
use hearth_core::gov::{Action, Choice, GovOp};
use hearth_core::op::Body;
use hearth_core::{DecodedOp, OpId};
use proptest::prelude::*;
use support::{Space, T0, causal_order, key, sync};

const MEMBERS: u8 = 5;
const REPLICAS: usize = 3;

#[derive(Debug, Clone)]
enum Step {
    /// Member `who` acts on their home replica.
    Act { who: u8, what: u8, target: u8 },
    /// Replica `from` hands every op it holds to replica `to`.
    Sync { from: usize, to: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..MEMBERS, prop_oneof![2 => 0u8..10, 3 => 10u8..14], 0..MEMBERS)
            .prop_map(|(who, what, target)| Step::Act { who, what, target }),
        1 => (0..REPLICAS, 0..REPLICAS).prop_map(|(from, to)| Step::Sync { from, to }),
    ]
}

fn founding() -> Founding {
    let mut charter = Template::SmallCooperative.charter("Share the harvest");
    charter.admission.kind = hearth_core::chapter::charter::Admission::Open;
    // Proposals open at once and close 10 ms (steps) later.
    charter.voting = VotingRules {
        method: VoteMethod::Majority,
        quorum_pct: 0,
        deliberation_ms: 0,
        voting_ms: 10,
    };
    // Everyone is a founding steward, so most ops are allowed and many race.
    Founding {
        charter,
        founders: (2..=MEMBERS).map(|i| key(i).did()).collect(),
    }
}

fn body(r: &Space, what: u8, target: u8, n: usize) -> Body {
    let target = key(target + 1).did();
    // The proposal this replica made or heard of last.
    let latest = r
        .view
        .chapter()
        .gov
        .proposals
        .values()
        .max_by_key(|p| (p.created_at, p.id))
        .map(|p| {
            (
                p.id,
                p.ballots.values().map(|b| b.op).collect::<BTreeSet<OpId>>(),
            )
        });
    let on = latest
        .as_ref()
        .map_or(OpId::of_block(b"none"), |(id, _)| *id);
    match what {
        10 => {
            return Body::Gov(GovOp::Propose {
                title: format!("proposal {n}"),
                text: String::new(),
                domain: None,
                actions: vec![Action::AddMember {
                    member: key(MEMBERS + 1 + (n % 3) as u8).did(),
                    tier: Tier::Full,
                    roles: vec![],
                }],
                draft: false,
            });
        }
        11 | 12 => {
            let choice = if what == 11 {
                Choice::For
            } else {
                Choice::Against
            };
            return Body::Gov(GovOp::Vote {
                proposal: on,
                choice,
                votes: 1,
            });
        }
        13 => {
            let votes = latest
                .map(|(_, v)| v.into_iter().collect())
                .unwrap_or_default();
            return Body::Gov(GovOp::Close {
                proposal: on,
                votes,
            });
        }
        _ => {}
    }
    let reason = || "by the test".to_string();
    Body::Chapter(match what {
        0 => ChapterOp::Join {
            invite: None,
            profile: None,
        },
        1 => {
            return Body::Note {
                text: format!("note {n}"),
            };
        }
        2 => ChapterOp::Suspend {
            member: target,
            until: None,
            reason: reason(),
        },
        3 => ChapterOp::Reinstate {
            member: target,
            reason: reason(),
        },
        4 => ChapterOp::Remove {
            member: target,
            reason: reason(),
        },
        5 => ChapterOp::Grant {
            member: target,
            role: "steward".into(),
        },
        6 => ChapterOp::Revoke {
            member: target,
            role: "steward".into(),
        },
        7 => ChapterOp::SetTier {
            member: target,
            tier: Tier::Observer,
        },
        8 => ChapterOp::Amend {
            change: CharterChange::SetStatute(Statute {
                id: format!("STATUTE-{}", n % 3),
                title: "Rota".into(),
                text: format!("version {n}"),
            }),
        },
        _ => ChapterOp::Leave { reason: reason() },
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn chapters_converge_and_verdicts_never_change(
        steps in proptest::collection::vec(step(), 1..60),
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..64),
    ) {
        let founder = key(1);
        let mut replicas: Vec<Space> = (0..REPLICAS).map(|_| Space::found(&founder, Some(founding()))).collect();
        let mut verdicts: BTreeMap<OpId, bool> = BTreeMap::new();
        for (n, s) in steps.iter().enumerate() {
            match s {
                Step::Act { who, what, target } => {
                    let home = *who as usize % REPLICAS;
                    let r = &mut replicas[home];
                    let b = body(r, *what, *target, n);
                    let op = r.sign(&key(who + 1), T0 + n as u64, b);
                    let ok = r.admit(&op).is_ok();
                    verdicts.insert(op.id, ok);
                }
                Step::Sync { from, to } if from != to => {
                    let source = replicas[*from].clone();
                    sync(&source, &mut replicas[*to]);
                }
                Step::Sync { .. } => {}
            }
        }
        // Everything everyone made, delivered to fresh replicas in two orders.
        let mut all: BTreeMap<OpId, DecodedOp> = BTreeMap::new();
        for r in &replicas {
            for op in &r.ops {
                all.insert(op.id, op.clone());
            }
        }
        let all: Vec<DecodedOp> = all.into_values().collect();
        let mut views = Vec::new();
        for shift in 0..2 {
            let mut order_picks = picks.clone();
            order_picks.rotate_left(shift * picks.len() / 2);
            let mut fresh = Space::found(&founder, Some(founding()));
            let genesis = fresh.ops[0].id;
            for op in causal_order(&all, &BTreeSet::new(), &order_picks).iter().filter(|o| o.id != genesis) {
                let ok = fresh.admit(op).is_ok();
                prop_assert_eq!(Some(&ok), verdicts.get(&op.id), "verdict changed for {:?}", op.op.data.body);
            }
            views.push(fresh.view);
        }
        prop_assert_eq!(&views[0], &views[1]);
        // A replica that syncs with all others shows the same chapter too.
        let mut last = replicas[0].clone();
        for r in &replicas[1..] {
            sync(r, &mut last);
        }
        prop_assert_eq!(&last.view, &views[0]);
    }
}
