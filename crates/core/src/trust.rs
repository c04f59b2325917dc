//! The trust graph: signed edges from one member to another, per class
//! (general, ledger, governance, …), with an optional expiry; revocable.
//! Edges are governing chapter ops, so every gate that reads trust (credit
//! limits, admission, trust-weighted votes) reads it as of the causal past
//! of the op it checks.
//!
//! Transitive trust from a viewpoint is the best product of edge weights
//! along a path of at most [`MAX_DEPTH`] edges, each edge weighed down by
//! its age (it halves every half-life). Deterministic: integers only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::chapter::charter::ParamValue;
use crate::chapter::{Chapter, PPM};
use crate::identity::Did;
use crate::ledger::Demurrage;

/// The class of plain vouches, and what gates read unless told otherwise.
pub const GENERAL: &str = "general";
/// The longest path transitive trust follows.
pub const MAX_DEPTH: usize = 3;
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
}

/// Edges from one side: subject → (truster, class) → edge, or the same
/// keyed by truster first.
pub type Edges = BTreeMap<Did, BTreeMap<(Did, String), Edge>>;

/// Sets (or with `None` removes) `truster`'s edge to `subject` in `class`,
/// in both indexes of chapter `c`.
pub fn set_edge(c: &mut Chapter, truster: Did, subject: Did, class: &str, edge: Option<Edge>) {
    let put = |map: &mut Edges, a: Did, b: Did| {
        let side = map.entry(a).or_default();
        match edge {
            Some(e) => {
                side.insert((b, class.to_string()), e);
            }
            None => {
                side.remove(&(b, class.to_string()));
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
        if edge.expires_at.is_some_and(|e| self.now >= e)
            || self.chapter.active(truster, self.now).is_err()
        {
            return 0;
        }
        // Whole half-lives of the edge's own age.
        let age = self.now.saturating_sub(edge.since);
        self.decay.decay(i128::from(edge.ppm), 0, age) as u32
    }

    /// The live edges of `class`: (truster, subject, weight now).
    pub fn edges(&self, class: &str) -> Vec<(Did, Did, u32)> {
        self.chapter
            .trust
            .iter()
            .flat_map(|(subject, from)| {
                from.iter()
                    .filter(|((_, c), _)| c == class)
                    .map(move |((truster, _), e)| (*truster, *subject, self.weight(truster, e)))
            })
            .filter(|(_, _, w)| *w > 0)
            .collect()
    }

    /// Direct trust in `subject` in `class`: the most any member gives.
    pub fn direct(&self, subject: &Did, class: &str) -> u32 {
        self.chapter.trust.get(subject).map_or(0, |from| {
            from.iter()
                .filter(|((_, c), _)| c == class)
                .map(|((truster, _), e)| self.weight(truster, e))
                .max()
                .unwrap_or(0)
        })
    }

    /// Trust from `viewpoint` in every member reachable in `class`: the
    /// best product of weights over paths of at most [`MAX_DEPTH`] edges.
    /// The viewpoint trusts itself fully. Follows only the edges out of
    /// the members it reaches (the chapter keeps them by truster).
    pub fn scores_from(&self, viewpoint: &Did, class: &str) -> BTreeMap<Did, u32> {
        let mut best: BTreeMap<Did, u32> = BTreeMap::from([(*viewpoint, PPM)]);
        let mut frontier = best.clone();
        for _ in 0..MAX_DEPTH {
            let mut next: BTreeMap<Did, u32> = BTreeMap::new();
            for (node, score) in &frontier {
                let Some(out) = self.chapter.trust_out.get(node) else {
                    continue;
                };
                for ((subject, c), e) in out {
                    if c != class {
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

    /// Trust from `viewpoint` in `subject` in `class`.
    pub fn score(&self, viewpoint: &Did, subject: &Did, class: &str) -> u32 {
        self.scores_from(viewpoint, class)
            .get(subject)
            .copied()
            .unwrap_or(0)
    }
}
