//! Properties of the tally: independent of ballot order, delegation never
//! counts a member twice, quadratic budgets hold, and the contribution cap
//! holds whenever it can.

use std::collections::{BTreeMap, BTreeSet};

use hearth_core::Did;
use hearth_core::Keypair;
use hearth_core::chapter::charter::VoteMethod;
use hearth_core::gov::tally::{ONE, cap_shares, resolve_delegations, tally};
use hearth_core::gov::{Ballot, Choice, TallyRules};
use proptest::prelude::*;

fn did(i: u8) -> Did {
    Keypair::from_seed(&[i; 32]).did()
}

fn method() -> impl Strategy<Value = VoteMethod> {
    prop_oneof![
        Just(VoteMethod::Majority),
        (0u32..=100).prop_map(|t| VoteMethod::Supermajority { threshold_pct: t }),
        Just(VoteMethod::Unanimous),
        (0u32..3).prop_map(|b| VoteMethod::Consent { max_blocks: b }),
        (0u32..3, 50u32..90).prop_map(|(b, f)| VoteMethod::ConsensusWithFallback {
            max_blocks: b,
            fallback_pct: f
        }),
        (1u32..100).prop_map(|c| VoteMethod::Quadratic { credits: c }),
    ]
}

fn choice() -> impl Strategy<Value = Choice> {
    prop_oneof![
        Just(Choice::For),
        Just(Choice::Against),
        Just(Choice::Abstain),
        Just(Choice::Block {
            reason: "no".into()
        }),
    ]
}

proptest! {
    #[test]
    fn tallies_do_not_depend_on_ballot_order(
        method in method(),
        quorum in 0u32..=100,
        choices in proptest::collection::vec((choice(), 1u32..5), 0..12),
        seed in any::<u64>(),
    ) {
        let rules = TallyRules { method, quorum_pct: quorum, threshold_pct: 0 };
        let eligible: BTreeSet<Did> = (1..=14).map(did).collect();
        let ballots: Vec<Ballot> = choices
            .iter()
            .enumerate()
            .map(|(i, (c, n))| Ballot { voter: did(i as u8 + 1), choice: c.clone(), votes: *n })
            .collect();
        let mut shuffled = ballots.clone();
        let mut x = seed;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        let a = tally(&rules, &ballots, &eligible, &BTreeMap::new());
        let mut b = tally(&rules, &shuffled, &eligible, &BTreeMap::new());
        b.weights.sort();
        let mut a_sorted = a.clone();
        a_sorted.weights.sort();
        prop_assert_eq!(a_sorted, b);
        // Whatever the method, a pass needs the quorum.
        prop_assert!(!a.passed || a.quorum_met);
    }

    #[test]
    fn delegation_never_counts_a_member_twice(
        edges in proptest::collection::vec(proptest::option::of(0u8..12), 12),
        voted in proptest::collection::btree_set(0u8..12, 0..12),
    ) {
        let eligible: BTreeSet<Did> = (0..12).map(did).collect();
        let voted: BTreeSet<Did> = voted.into_iter().map(did).collect();
        let to: BTreeMap<Did, Did> = edges
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.map(|t| (did(i as u8), did(t))))
            .collect();
        let weights = resolve_delegations(&eligible, &voted, |m| to.get(m).copied(), |_| ONE);
        let total: u64 = weights.values().sum();
        prop_assert!(total <= eligible.len() as u64 * ONE);
        // Every voter carries at least their own vote, and only voters carry weight.
        for v in &voted {
            prop_assert!(weights.get(v).copied().unwrap_or(0) >= ONE);
        }
        prop_assert!(weights.keys().all(|k| voted.contains(k)));
        // Each member's weight lands exactly where following the chain leads.
        let mut expected = 0u64;
        for m in &eligible {
            let mut at = *m;
            let mut seen = BTreeSet::new();
            loop {
                if voted.contains(&at) { expected += ONE; break; }
                if !seen.insert(at) { break; }
                match to.get(&at) { Some(n) => at = *n, None => break }
            }
        }
        prop_assert_eq!(total, expected);
    }

    #[test]
    fn the_contribution_cap_holds_whenever_it_can(
        raw in proptest::collection::vec(0u64..10_000, 1..40),
        cap in 5u32..50,
    ) {
        let weights: BTreeMap<Did, u64> = raw.iter().enumerate().map(|(i, w)| (did(i as u8), *w)).collect();
        let shares = cap_shares(&weights, cap);
        let positive = raw.iter().filter(|w| **w > 0).count();
        prop_assert_eq!(shares.len(), positive);
        if positive == 0 { return Ok(()); }
        let total: u128 = shares.values().map(|s| u128::from(*s)).sum();
        let max = u128::from(*shares.values().max().expect("shares"));
        if u128::from(cap) * positive as u128 >= 100 {
            // Integer shares: within a rounding unit per member of the cap.
            prop_assert!(max * 100 <= u128::from(cap) * total + 100 * positive as u128, "{} of {}", max, total);
            // Nobody below the cap got less than their plain proportion.
            let sum: u128 = raw.iter().map(|w| u128::from(*w)).sum();
            for (d, w) in &weights {
                if let Some(s) = shares.get(d) && u128::from(*s) * 100 < u128::from(cap) * total {
                    prop_assert!(u128::from(*s) * sum + sum >= u128::from(*w) * total, "redistribution only raises the uncapped");
                }
            }
        } else {
            prop_assert!(shares.values().all(|s| u128::from(*s) == max));
        }
    }
}
