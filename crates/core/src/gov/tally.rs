//! Counting votes: every method a chapter may choose, as pure functions of
//! the ballots, who was eligible and their weights. Integers only: weights
//! are in millionths (one member's plain vote weighs [`ONE`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::chapter::charter::VoteMethod;
use crate::identity::Did;

/// The weight of one plain vote.
pub const ONE: u64 = 1_000_000;

/// What a member says on a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// In favour.
    For,
    /// Against.
    Against,
    /// Counts toward the quorum only.
    Abstain,
    /// Consent methods: stops the proposal, with a reason.
    Block {
        /// Why.
        reason: String,
    },
}

/// One member's ballot as the tally counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    /// Who.
    pub voter: Did,
    /// What they chose.
    pub choice: Choice,
    /// How many votes (quadratic voting: they paid the square in credits;
    /// otherwise 1).
    pub votes: u32,
}

/// The rules a tally applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TallyRules {
    /// How votes are counted.
    pub method: VoteMethod,
    /// Share of eligible members who must take part, in percent.
    pub quorum_pct: u32,
    /// Least share of the weight cast for or against that must be for, in
    /// percent (0: the method's own rule).
    pub threshold_pct: u32,
}

/// A tally's result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Weight in favour.
    pub for_weight: u64,
    /// Weight against.
    pub against_weight: u64,
    /// Weight abstaining.
    pub abstain_weight: u64,
    /// Members blocking.
    pub blocks: u32,
    /// Members who took part (directly; their delegators not counted).
    pub voters: u32,
    /// Members eligible.
    pub eligible: u32,
    /// Whether enough took part.
    pub quorum_met: bool,
    /// Whether it passed.
    pub passed: bool,
    /// What each member's vote weighed in the end (delegated weight
    /// included), by member.
    pub weights: Vec<(Did, u64)>,
}

/// Where each member's vote goes: follows delegations (a per-domain one
/// before a global one) until it reaches a member who voted; a chain that
/// loops or ends at someone who did not vote carries no weight. Returns
/// each direct voter's total weight (their own plus what reached them).
pub fn resolve_delegations(
    eligible: &BTreeSet<Did>,
    voted: &BTreeSet<Did>,
    delegate_of: impl Fn(&Did) -> Option<Did>,
    own_weight: impl Fn(&Did) -> u64,
) -> BTreeMap<Did, u64> {
    let mut out: BTreeMap<Did, u64> = BTreeMap::new();
    for member in eligible {
        let w = own_weight(member);
        let mut at = *member;
        let mut seen = BTreeSet::new();
        loop {
            if voted.contains(&at) {
                *out.entry(at).or_default() += w;
                break;
            }
            if !seen.insert(at) {
                break; // a loop
            }
            match delegate_of(&at) {
                Some(next) if eligible.contains(&next) => at = next,
                _ => break, // nobody voted down this chain
            }
        }
    }
    out
}

/// Caps every share at `cap_pct` percent of the total, giving the excess
/// to the others in proportion to their weights, until no share is above
/// the cap. When too few members have weight for the cap to hold (fewer
/// than 100 / `cap_pct`), everyone with weight gets an equal share, the
/// nearest the cap allows.
pub fn cap_shares(weights: &BTreeMap<Did, u64>, cap_pct: u32) -> BTreeMap<Did, u64> {
    let positive: Vec<(Did, u64)> = weights
        .iter()
        .filter(|(_, w)| **w > 0)
        .map(|(d, w)| (*d, *w))
        .collect();
    let n = positive.len() as u64;
    if n == 0 || cap_pct == 0 {
        return BTreeMap::new();
    }
    // Shares out of a fixed total, so the result is exact integers.
    const TOTAL: u128 = 1_000_000_000_000;
    if u128::from(cap_pct) * u128::from(n) < 100 {
        let each = (TOTAL / u128::from(n)) as u64;
        return positive.into_iter().map(|(d, _)| (d, each)).collect();
    }
    let cap = TOTAL * u128::from(cap_pct) / 100;
    let mut capped: BTreeSet<Did> = BTreeSet::new();
    loop {
        let free: u128 = positive
            .iter()
            .filter(|(d, _)| !capped.contains(d))
            .map(|(_, w)| u128::from(*w))
            .sum();
        let left = TOTAL - cap * capped.len() as u128;
        let over: Vec<Did> = positive
            .iter()
            .filter(|(d, w)| !capped.contains(d) && u128::from(*w) * left > cap * free)
            .map(|(d, _)| *d)
            .collect();
        if over.is_empty() {
            return positive
                .iter()
                .map(|(d, w)| {
                    let share = if capped.contains(d) {
                        cap
                    } else {
                        u128::from(*w) * left / free
                    };
                    (*d, share as u64)
                })
                .collect();
        }
        capped.extend(over);
    }
}

/// Counts `ballots` (one per voter, the latest) of members in `eligible`,
/// each voter's weight from `weights` (a member missing from it weighs
/// [`ONE`]).
pub fn tally(
    rules: &TallyRules,
    ballots: &[Ballot],
    eligible: &BTreeSet<Did>,
    weights: &BTreeMap<Did, u64>,
) -> Tally {
    let mut t = Tally {
        eligible: eligible.len() as u32,
        ..Tally::default()
    };
    for b in ballots.iter().filter(|b| eligible.contains(&b.voter)) {
        let base = weights.get(&b.voter).copied().unwrap_or(ONE);
        let w = match rules.method {
            // n votes, for which the voter paid n² credits.
            VoteMethod::Quadratic { .. } => base * u64::from(b.votes),
            _ => base,
        };
        t.voters += 1;
        t.weights.push((b.voter, w));
        match &b.choice {
            Choice::For => t.for_weight += w,
            Choice::Against => t.against_weight += w,
            Choice::Abstain => t.abstain_weight += w,
            Choice::Block { .. } => t.blocks += 1,
        }
    }
    t.quorum_met = u64::from(t.voters) * 100 >= u64::from(rules.quorum_pct) * u64::from(t.eligible);
    let cast = t.for_weight + t.against_weight;
    let share_at_least =
        |pct: u32| cast > 0 && u128::from(t.for_weight) * 100 >= u128::from(pct) * u128::from(cast);
    let by_method = match rules.method {
        VoteMethod::Majority
        | VoteMethod::Quadratic { .. }
        | VoteMethod::Meritocratic
        | VoteMethod::ContributionWeighted { .. } => t.for_weight > t.against_weight,
        VoteMethod::Supermajority { threshold_pct } => share_at_least(threshold_pct),
        VoteMethod::Unanimous => t.for_weight > 0 && t.against_weight == 0 && t.blocks == 0,
        VoteMethod::Consent { max_blocks } => t.blocks <= max_blocks && t.against_weight == 0,
        VoteMethod::ConsensusWithFallback {
            max_blocks,
            fallback_pct,
        } => {
            if t.blocks <= max_blocks && t.against_weight == 0 {
                true
            } else {
                share_at_least(fallback_pct)
            }
        }
    };
    let threshold = rules.threshold_pct == 0 || share_at_least(rules.threshold_pct);
    t.passed = t.quorum_met && by_method && threshold;
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Keypair;

    fn dids(n: u8) -> Vec<Did> {
        (1..=n)
            .map(|i| Keypair::from_seed(&[i; 32]).did())
            .collect()
    }

    #[test]
    fn delegation_follows_chains_and_drops_loops() {
        let d = dids(5);
        let eligible: BTreeSet<Did> = d.iter().copied().collect();
        let voted: BTreeSet<Did> = [d[0]].into_iter().collect();
        // 1 → 0 (voted), 2 → 1 → 0, 3 ↔ 4 (a loop, nobody voted).
        let to = |m: &Did| -> Option<Did> {
            let i = d.iter().position(|x| x == m)?;
            match i {
                1 => Some(d[0]),
                2 => Some(d[1]),
                3 => Some(d[4]),
                4 => Some(d[3]),
                _ => None,
            }
        };
        let w = resolve_delegations(&eligible, &voted, to, |_| ONE);
        assert_eq!(w.get(&d[0]), Some(&(3 * ONE)));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn the_cap_redistributes_the_excess() {
        let d = dids(10);
        let mut w: BTreeMap<Did, u64> = d.iter().map(|x| (*x, 10)).collect();
        w.insert(d[0], 1_000);
        let shares = cap_shares(&w, 15);
        let total: u64 = shares.values().sum();
        let max = *shares.values().max().expect("shares");
        assert!(
            u128::from(max) * 100 <= 15 * u128::from(total) + 100,
            "{max} of {total}"
        );
        assert_eq!(shares[&d[0]], 150_000_000_000);
        // The rest share the remaining 85% equally (they weighed the same).
        assert!(shares[&d[1]] == shares[&d[9]]);
    }
}
