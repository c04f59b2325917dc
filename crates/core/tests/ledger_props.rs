//! Properties of the ledger: members paying on replicas that sync now and
//! then; whatever order the ops arrive in, every replica keeps the same
//! verdicts and the same book, balances sum to zero, and nobody is ever
//! past their limit. Demurrage matches exact arithmetic.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use hearth_core::ledger::{Account, Demurrage, LedgerOp, PPM};
use hearth_core::{DecodedOp, OpId};
use proptest::prelude::*;
use support::ledger::{claimable, economy, hours, ledger, pay, total};
use support::{DAY, Space, T0, causal_order, key, sync};

const MEMBERS: u8 = 5;
const LIMIT: u64 = 1_000;
const REPLICAS: usize = 3;

#[derive(Debug, Clone)]
enum Step {
    Pay { from: u8, to: u8, amount: u64 },
    Claim { who: u8 },
    Sync { from: usize, to: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1..=MEMBERS, 1..=MEMBERS, 1u64..700).prop_map(|(from, to, amount)| Step::Pay { from, to, amount }),
        1 => (1..=MEMBERS).prop_map(|who| Step::Claim { who }),
        2 => (0..REPLICAS, 0..REPLICAS).prop_map(|(from, to)| Step::Sync { from, to }),
    ]
}

fn base() -> Space {
    let d = Demurrage {
        rate_ppm: 20_000,
        period_ms: DAY / 4,
        exempt: 200,
    };
    economy(MEMBERS, hours(LIMIT, Some(d)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn books_converge_sum_to_zero_and_stay_within_limits(
        steps in proptest::collection::vec(step(), 1..50),
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..64),
    ) {
        let start = base();
        let mut replicas: Vec<Space> = (0..REPLICAS).map(|_| start.clone()).collect();
        let mut verdicts: BTreeMap<OpId, bool> = BTreeMap::new();
        for (n, s) in steps.iter().enumerate() {
            let ts = T0 + 1_000 + n as u64 * DAY / 7;
            match s {
                Step::Pay { from, to, amount } => {
                    let r = &mut replicas[*from as usize % REPLICAS];
                    let ok = pay(r, *from, *to, ts, *amount).is_ok();
                    verdicts.insert(r.last(), ok);
                }
                Step::Claim { who } => {
                    let r = &mut replicas[*who as usize % REPLICAS];
                    let claims = claimable(r, &key(*who));
                    if !claims.is_empty() {
                        let ok = ledger(r, &key(*who), ts, LedgerOp::Claim { claims }).is_ok();
                        verdicts.insert(r.last(), ok);
                    }
                }
                Step::Sync { from, to } if from != to => {
                    let source = replicas[*from].clone();
                    sync(&source, &mut replicas[*to]);
                }
                Step::Sync { .. } => {}
            }
        }
        let mut all: BTreeMap<OpId, DecodedOp> = BTreeMap::new();
        for r in &replicas {
            for op in &r.ops {
                all.insert(op.id, op.clone());
            }
        }
        let all: Vec<DecodedOp> = all.into_values().collect();
        let held: BTreeSet<OpId> = start.ops.iter().map(|o| o.id).collect();
        let mut views = Vec::new();
        for shift in 0..2 {
            let mut order = picks.clone();
            order.rotate_left(shift * picks.len() / 2);
            let mut fresh = start.clone();
            for op in causal_order(&all, &held, &order) {
                let ok = fresh.admit(&op).is_ok();
                prop_assert_eq!(Some(&ok), verdicts.get(&op.id), "verdict changed for {:?}", op.op.data.body);
            }
            views.push(fresh);
        }
        prop_assert_eq!(&views[0].view, &views[1].view);
        let end = T0 + 100 * DAY;
        for at in [T0, T0 + 3 * DAY, end] {
            prop_assert_eq!(total(&views[0], at), 0);
        }
        let ledger = views[0].view.ledger(end);
        for m in 1..=MEMBERS {
            let b = ledger.balance(&Account::Member(key(m).did()), "HOUR");
            prop_assert!(b >= -(LIMIT as i128), "member {} at {}", m, b);
        }
    }

    #[test]
    fn demurrage_is_exact_up_to_one_unit_per_step(
        excess in 0u64..(1 << 40),
        exempt in 0u64..10_000,
        rate in 0u32..1_000_000,
        n in 0u64..5,
    ) {
        let d = Demurrage { rate_ppm: rate, period_ms: 1_000, exempt };
        let balance = i128::from(exempt) + i128::from(excess);
        let got = d.decay(balance, 0, n * 1_000);
        // The exact value: excess × (1 − r)^n, rounded down.
        let p = u128::from(PPM);
        let exact = u128::from(excess) * (p - u128::from(rate)).pow(n as u32) / p.pow(n as u32);
        let exact = i128::from(exempt) + exact as i128;
        prop_assert!(got <= exact, "never more than exact: {} > {}", got, exact);
        // Rounding down the factor (2^-63 each step) and the product loses
        // at most a unit per step.
        prop_assert!(exact - got <= i128::from(n as u32) + 1, "{} vs {}", got, exact);
        prop_assert!(got >= i128::from(exempt));
        // Grid periods compose: decaying in two steps matches one step
        // within the same bound.
        let half = d.decay(d.decay(balance, 0, 1_000), 1_000, n * 1_000 + 1_000);
        let once = d.decay(balance, 0, n * 1_000 + 1_000);
        prop_assert!((half - once).abs() <= i128::from(n as u32) + 2);
    }
}
