//! Trust across chapters. A chapter attests another (a chapter op on the
//! authority to enact statutes, or a passed proposal), with a weight and an
//! optional expiry. Trust reaches from a chapter along attestations, up to
//! [`super::MAX_DEPTH`] chapters away, and decays at each step by the
//! attesting chapter's factor: the charter parameter
//! [`FACTOR_PARAM`] (default [`DEFAULT_FACTOR_PPM`], one half).
//!
//! A member of a chapter so reached is trusted as much as that chapter's
//! trust, times the most any of its own active members gives them (see
//! [`super::Graph::direct`]). A node reads only the chapters it holds:
//! [`Across::missing`] names the attested chapters it does not.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::Graph;
use crate::chapter::charter::ParamValue;
use crate::chapter::{Chapter, PPM};
use crate::identity::Did;
use crate::ids::{OpId, SpaceId};

/// The charter parameter: how much of its trust a chapter passes on at
/// each step across chapters, in ppm.
pub const FACTOR_PARAM: &str = "federation_trust_factor_ppm";
/// The factor unless the charter sets one: a half.
pub const DEFAULT_FACTOR_PPM: u32 = PPM / 2;

/// A chapter's trust in another, as the chapter holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// How much, in ppm.
    pub ppm: u32,
    /// When it was made (claimed).
    pub since: u64,
    /// When it lapses, if set.
    pub expires_at: Option<u64>,
    /// The op that made it (a chapter op, or the close that carried out
    /// a proposal).
    pub op: OpId,
}

/// Records (or with `ppm` zero withdraws) chapter `c`'s attestation of
/// `other`, made by op `op` at `at`.
pub fn attest(
    c: &mut Chapter,
    other: SpaceId,
    ppm: u32,
    expires_at: Option<u64>,
    at: u64,
    op: OpId,
) {
    if ppm == 0 {
        c.attestations.remove(&other);
    } else {
        let a = Attestation {
            ppm,
            since: at,
            expires_at,
            op,
        };
        c.attestations.insert(other, a);
    }
}

/// The factor chapter `c` passes its trust on with at `now`, in ppm.
pub fn factor_ppm(c: &Chapter, now: u64) -> u32 {
    match c.charter().param(FACTOR_PARAM, now) {
        Some(ParamValue::Int(f)) if (0..=i64::from(PPM)).contains(f) => *f as u32,
        _ => DEFAULT_FACTOR_PPM,
    }
}

/// A chapter reached from the home chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// The home chapter's trust in it, in ppm (the home chapter's own is
    /// [`PPM`]).
    pub ppm: u32,
    /// The chapters on the way, from the home chapter's first attestation
    /// to this one (empty for the home chapter).
    pub via: Vec<SpaceId>,
}

/// Trust across chapters from one home chapter, at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Across {
    /// The chapters reached (the home chapter too), by id.
    pub chapters: BTreeMap<SpaceId, Reached>,
    /// Chapters attested on the way that the node does not hold.
    pub missing: BTreeSet<SpaceId>,
    now: u64,
}

/// Follows attestations from `home` at `now`; `held` gives the chapters the
/// node holds. The best path to each chapter wins; paths are at most
/// [`super::MAX_DEPTH`] attestations long.
pub fn across<'a>(
    home: &'a Chapter,
    held: &dyn Fn(&SpaceId) -> Option<&'a Chapter>,
    now: u64,
) -> Across {
    let mut chapters = BTreeMap::from([(
        home.id,
        Reached {
            ppm: PPM,
            via: vec![],
        },
    )]);
    let mut missing = BTreeSet::new();
    let mut frontier = vec![(home, PPM, Vec::new())];
    for _ in 0..super::MAX_DEPTH {
        let mut next: Vec<(&'a Chapter, u32, Vec<SpaceId>)> = Vec::new();
        for (from, trust, via) in &frontier {
            let graph = Graph::new(from, now);
            let factor = u64::from(factor_ppm(from, now));
            for (other, a) in &from.attestations {
                let w = u64::from(graph.weigh(a.ppm, a.since, a.expires_at));
                let t = (u64::from(*trust) * w / u64::from(PPM) * factor / u64::from(PPM)) as u32;
                if t == 0 || chapters.get(other).is_some_and(|r| r.ppm >= t) {
                    continue;
                }
                let Some(found) = held(other) else {
                    missing.insert(*other);
                    continue;
                };
                let mut path = via.clone();
                path.push(*other);
                chapters.insert(
                    *other,
                    Reached {
                        ppm: t,
                        via: path.clone(),
                    },
                );
                next.retain(|(c, _, _)| c.id != *other);
                next.push((found, t, path));
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    missing.retain(|m| !chapters.contains_key(m));
    Across {
        chapters,
        missing,
        now,
    }
}

impl Across {
    /// The home chapter's trust in `subject` in `context`: over every
    /// chapter reached where they are an active member, that chapter's
    /// trust times the most its members trust them. With the chapter it
    /// came through, or `None` if no chapter reached trusts them.
    pub fn score<'a>(
        &self,
        held: &dyn Fn(&SpaceId) -> Option<&'a Chapter>,
        subject: &Did,
        context: &str,
    ) -> Option<(SpaceId, u32)> {
        self.chapters
            .iter()
            .filter_map(|(id, r)| {
                let c = held(id)?;
                c.active(subject, self.now).ok()?;
                let direct = Graph::new(c, self.now).direct(subject, context);
                let s = (u64::from(r.ppm) * u64::from(direct) / u64::from(PPM)) as u32;
                (s > 0).then_some((*id, s))
            })
            .max_by_key(|(id, s)| (*s, std::cmp::Reverse(*id)))
    }
}
