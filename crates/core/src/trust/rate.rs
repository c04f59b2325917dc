//! Rate limits by trust class: how many ops a day a member may add to a
//! chapter's space, by the strongest [`TrustClass`] anyone trusts them in.
//!
//! The charter sets [`BASE_PARAM`] for members nobody trusts (and anyone
//! else unless their class says more), and `rate_limit_per_day_<class>`
//! (e.g. `rate_limit_per_day_close`) for members trusted in that class or
//! a stronger one. Trust never lowers a limit: a class's limit is the most
//! of its own and those of the weaker classes. Without the base parameter,
//! nobody is limited.
//!
//! The count is a generic cell rate algorithm over the claimed times in the
//! member's own log: a day's allowance may be used at once, and then one
//! op per `day ÷ limit`. It needs one number per member (the theoretical
//! arrival time), and, as the member's log is ordered, every node counts
//! the same.

use super::{Graph, TrustClass};
use crate::chapter::Chapter;
use crate::chapter::charter::ParamValue;
use crate::identity::Did;

/// The charter parameter for the members nobody trusts.
pub const BASE_PARAM: &str = "rate_limit_per_day";
/// A day, in ms.
pub const DAY_MS: u64 = 86_400_000;

/// The charter parameter for members trusted in `class` or above.
pub fn class_param(class: TrustClass) -> String {
    format!("{BASE_PARAM}_{}", class.name())
}

/// A member's limit at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Ops a day.
    pub per_day: u32,
    /// The class it is by (`None`: nobody trusts them).
    pub class: Option<TrustClass>,
}

fn param(c: &Chapter, key: &str, at: u64) -> Option<u32> {
    match c.charter().param(key, at) {
        Some(ParamValue::Int(n)) if *n > 0 => Some((*n).min(i64::from(u32::MAX)) as u32),
        _ => None,
    }
}

/// `member`'s limit in chapter `c` at `at`; `None` if unlimited.
pub fn limit(c: &Chapter, member: &Did, at: u64) -> Option<Limit> {
    let base = param(c, BASE_PARAM, at)?;
    let class = Graph::new(c, at).class_of(member);
    let per_day = TrustClass::ALL
        .into_iter()
        .filter(|k| class.is_some_and(|mine| *k <= mine))
        .filter_map(|k| param(c, &class_param(k), at))
        .fold(base, u32::max);
    Some(Limit { per_day, class })
}

/// Counts one op claimed at `ts` against `limit`, given the member's
/// theoretical arrival time so far (`None` before their first counted op).
/// The new arrival time, or when the member may act again.
pub fn count(tat: Option<u64>, ts: u64, limit: Limit) -> Result<u64, u64> {
    let per_day = u64::from(limit.per_day.max(1));
    let interval = (DAY_MS / per_day).max(1);
    let tolerance = interval * (per_day - 1);
    let prev = tat.unwrap_or(0);
    if prev > ts.saturating_add(tolerance) {
        return Err(prev - tolerance);
    }
    Ok(prev.max(ts).saturating_add(interval))
}
