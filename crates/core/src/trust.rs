//! The trust graph: signed edges from one member to another, per context
//! (general, ledger, governance, …), each of a [`TrustClass`] (how well the
//! truster knows them), with an optional expiry; revocable. Edges are
//! governing chapter ops, so every gate that reads trust (credit limits,
//! admission, trust-weighted votes, [`rate`] limits) reads it as of the
//! causal past of the op it checks.
//!
//! Transitive trust from a viewpoint is the best product of edge weights
//! along a path of at most [`MAX_DEPTH`] edges, each edge weighed down by
//! its age (it halves every half-life). Deterministic: integers only.
//! Chapters attest one another, and trust reaches across them, decaying by
//! a factor at each step ([`federation`]).

pub mod federation;
pub mod rate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::chapter::charter::ParamValue;
use crate::chapter::{Chapter, PPM};
use crate::identity::Did;
use crate::ledger::Demurrage;

/// The context of plain vouches, and what gates read unless told otherwise.
pub const GENERAL: &str = "general";

/// How well a truster knows whom they trust, weakest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TrustClass {
    /// Known to them (what a plain vouch says).
    #[default]
    Known,
    /// Worked with them.
    Colleague,
    /// Close: friends, or long collaborators.
    Close,
    /// Family, or as close.
    Intimate,
}

impl TrustClass {
    /// Every class, weakest first.
    pub const ALL: [TrustClass; 4] = [
        TrustClass::Known,
        TrustClass::Colleague,
        TrustClass::Close,
        TrustClass::Intimate,
    ];

    /// Whether it is [`TrustClass::Known`] (what an op leaves unsaid).
    pub fn is_known(&self) -> bool {
        *self == TrustClass::Known
    }

    /// Its name, as the charter's parameters and the CLI spell it.
    pub fn name(self) -> &'static str {
        match self {
            TrustClass::Known => "known",
            TrustClass::Colleague => "colleague",
            TrustClass::Close => "close",
            TrustClass::Intimate => "intimate",
        }
    }
}

impl std::fmt::Display for TrustClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TrustClass {
    type Err = UnknownClass;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TrustClass::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownClass(s.to_string()))
    }
}

/// A name that is not a [`TrustClass`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no trust class {0:?}: known, colleague, close or intimate")]
pub struct UnknownClass(pub String);
/// The longest path transitive trust follows.
pub const MAX_DEPTH: usize = 3;
/// The least weight of an edge that gives its subject a class (a half).
pub const MIN_CLASS_PPM: u32 = PPM / 2;
/// How long an edge takes to lose half its weight, unless the charter's
/// `trust_half_life_days` says otherwise: a year.
pub const HALF_LIFE_MS: u64 = 365 * 24 * 60 * 60 * 1000;

/// One edge, as the chapter holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// How much, in ppm.
    pub ppm: u32,
    /// When it was made (claimed).
    pub since: u64,
    /// When it lapses, if set.
    pub expires_at: Option<u64>,
    /// How well the truster knows them.
    pub class: TrustClass,
}

/// Edges from one side: subject → (truster, context) → edge, or the same
/// keyed by truster first.
pub type Edges = BTreeMap<Did, BTreeMap<(Did, String), Edge>>;

/// Sets (or with `None` removes) `truster`'s edge to `subject` in
/// `context`, in both indexes of chapter `c`.
pub fn set_edge(c: &mut Chapter, truster: Did, subject: Did, context: &str, edge: Option<Edge>) {
    let put = |map: &mut Edges, a: Did, b: Did| {
        let side = map.entry(a).or_default();
        match edge {
            Some(e) => {
                side.insert((b, context.to_string()), e);
            }
            None => {
                side.remove(&(b, context.to_string()));
                if side.is_empty() {
                    map.remove(&a);
                }
            }
        }
    };
    put(&mut c.trust, subject, truster);
    put(&mut c.trust_out, truster, subject);
}

/// The trust graph of a chapter as of `now`.
#[derive(Debug, Clone, Copy)]
pub struct Graph<'a> {
    chapter: &'a Chapter,
    now: u64,
    decay: Demurrage,
}

impl<'a> Graph<'a> {
    /// The graph of `chapter` at `now`.
    pub fn new(chapter: &'a Chapter, now: u64) -> Self {
        let half_life = match chapter.charter().param("trust_half_life_days", now) {
            Some(ParamValue::Int(d)) if *d > 0 => (*d as u64).saturating_mul(86_400_000),
            _ => HALF_LIFE_MS,
        };
        Graph {
            chapter,
            now,
            decay: Demurrage {
                rate_ppm: PPM / 2,
                period_ms: half_life,
                exempt: 0,
            },
        }
    }

    /// An edge's weight now: zero once lapsed or when its truster is no
    /// longer an active member; halved for every half-life of its age.
    pub fn weight(&self, truster: &Did, edge: &Edge) -> u32 {
        if self.chapter.active(truster, self.now).is_err() {
            return 0;
        }
        self.weigh(edge.ppm, edge.since, edge.expires_at)
    }

    /// The live edges of `context`: (truster, subject, weight now, class).
    pub fn edges(&self, context: &str) -> Vec<(Did, Did, u32, TrustClass)> {
        self.chapter
            .trust
            .iter()
            .flat_map(|(subject, from)| {
                from.iter()
                    .filter(|((_, c), _)| c == context)
                    .map(move |((truster, _), e)| {
                        (*truster, *subject, self.weight(truster, e), e.class)
                    })
            })
            .filter(|(_, _, w, _)| *w > 0)
            .collect()
    }

    /// Direct trust in `subject` in `context`: the most any member gives.
    pub fn direct(&self, subject: &Did, context: &str) -> u32 {
        self.chapter.trust.get(subject).map_or(0, |from| {
            from.iter()
                .filter(|((_, c), _)| c == context)
                .map(|((truster, _), e)| self.weight(truster, e))
                .max()
                .unwrap_or(0)
        })
    }

    /// The strongest class of any live general edge to `subject` from a
    /// full member (or higher) who gives at least [`MIN_CLASS_PPM`] (`None`
    /// when nobody does): what rate limits go by, so that newcomers
    /// trusting each other, or a token edge, raise nothing.
    pub fn class_of(&self, subject: &Did) -> Option<TrustClass> {
        self.chapter.trust.get(subject).and_then(|from| {
            from.iter()
                .filter(|((truster, context), e)| {
                    context == GENERAL
                        && self.weight(truster, e) >= MIN_CLASS_PPM
                        && self
                            .chapter
                            .members
                            .get(truster)
                            .is_some_and(|m| m.tier_at(self.now) >= crate::chapter::Tier::Full)
                })
                .map(|(_, e)| e.class)
                .max()
        })
    }

    /// What an attestation of this chapter weighs now.
    pub fn attestation(&self, a: &federation::Attestation) -> u32 {
        self.weigh(a.ppm, a.since, a.expires_at)
    }

    /// What `ppm` given at `since` weighs now: zero once lapsed, halved for
    /// every half-life of its age (edges and attestations alike).
    pub(crate) fn weigh(&self, ppm: u32, since: u64, expires_at: Option<u64>) -> u32 {
        if expires_at.is_some_and(|e| self.now >= e) {
            return 0;
        }
        let age = self.now.saturating_sub(since);
        self.decay.decay(i128::from(ppm), 0, age) as u32
    }

    /// Trust from `viewpoint` in every member reachable in `context`: the
    /// best product of weights over paths of at most [`MAX_DEPTH`] edges.
    /// The viewpoint trusts itself fully. Follows only the edges out of
    /// the members it reaches (the chapter keeps them by truster).
    pub fn scores_from(&self, viewpoint: &Did, context: &str) -> BTreeMap<Did, u32> {
        let mut best: BTreeMap<Did, u32> = BTreeMap::from([(*viewpoint, PPM)]);
        let mut frontier = best.clone();
        for _ in 0..MAX_DEPTH {
            let mut next: BTreeMap<Did, u32> = BTreeMap::new();
            for (node, score) in &frontier {
                let Some(out) = self.chapter.trust_out.get(node) else {
                    continue;
                };
                for ((subject, c), e) in out {
                    if c != context {
                        continue;
                    }
                    let w = self.weight(node, e);
                    let s = (u64::from(*score) * u64::from(w) / u64::from(PPM)) as u32;
                    if s > 0
                        && s > best.get(subject).copied().unwrap_or(0)
                        && s > next.get(subject).copied().unwrap_or(0)
                    {
                        next.insert(*subject, s);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            for (d, s) in &next {
                best.insert(*d, *s);
            }
            frontier = next;
        }
        best
    }

    /// Trust from `viewpoint` in `subject` in `context`.
    pub fn score(&self, viewpoint: &Did, subject: &Did, context: &str) -> u32 {
        self.scores_from(viewpoint, context)
            .get(subject)
            .copied()
            .unwrap_or(0)
    }
}
