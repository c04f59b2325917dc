//! Charter changes: who may make them, and the charter they produce.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::charter::{AmendmentRule, Charter, Order, Permission, Version};
use super::members::{Chapter, CharterVersion};
use super::op::{CharterChange, Layer, Refusal, Rule};
use crate::identity::Did;
use crate::ids::OpId;

/// What changing an article takes, in words.
pub fn requirement(rule: &AmendmentRule) -> String {
    let days = rule.deliberation_ms / (24 * 60 * 60 * 1000);
    format!(
        "needs a proposal passed by at least {}% of votes with {}% of members taking part, after {} days of deliberation{}",
        rule.threshold_pct,
        rule.quorum_pct,
        days,
        if rule.ratification {
            ", then ratified"
        } else {
            ""
        }
    )
}

/// The strictest amendment rule of a charter's articles (what adding an
/// article takes).
fn strictest(charter: &Charter) -> Option<(&str, AmendmentRule)> {
    charter
        .articles
        .iter()
        .max_by_key(|a| (a.amendment.threshold_pct, a.amendment.quorum_pct))
        .map(|a| (a.id.as_str(), a.amendment))
}

/// Whether `author` may make `change` on their own authority at `at`.
/// Axioms never change; articles change only by a passed proposal (the
/// governance domain's execution path); statutes and rules need
/// [`Permission::EnactStatutes`], orders [`Permission::IssueOrders`].
pub fn authorize(
    c: &Chapter,
    author: &Did,
    at: u64,
    change: &CharterChange,
) -> Result<(), Refusal> {
    let charter = c.charter();
    let held = match change.layer() {
        Layer::Axiom => {
            let CharterChange::AmendAxiom { id, .. } = change else {
                unreachable!("only axiom changes have the axiom layer")
            };
            charter
                .axiom(id)
                .ok_or_else(|| Refusal::Unknown(format!("axiom {id}")))?;
            return Err(Refusal::Violation {
                rule: Rule::Axiom(id.clone()),
                detail: "axioms can never be amended".into(),
            });
        }
        Layer::Article => {
            let (id, rule) = match change {
                CharterChange::ModifyArticle(a) => {
                    let found = charter
                        .article(&a.id)
                        .ok_or_else(|| Refusal::Unknown(format!("article {}", a.id)))?;
                    (found.id.clone(), found.amendment)
                }
                CharterChange::RemoveArticle { id } => {
                    let found = charter
                        .article(id)
                        .ok_or_else(|| Refusal::Unknown(format!("article {id}")))?;
                    (found.id.clone(), found.amendment)
                }
                _ => strictest(charter)
                    .map(|(id, r)| (id.to_owned(), r))
                    .ok_or_else(|| Refusal::Unknown("article to model a new one on".into()))?,
            };
            c.active(author, at)?;
            return Err(Refusal::Violation {
                rule: Rule::Article(id),
                detail: requirement(&rule),
            });
        }
        Layer::Statute => c.require(author, at, Permission::EnactStatutes)?,
        Layer::Order => c.require(author, at, Permission::IssueOrders)?,
    };
    if let CharterChange::SetRole(role) = change {
        let gives: BTreeSet<Permission> = role.permissions.iter().copied().collect();
        if !gives.is_subset(&held) {
            return Err(Refusal::RoleEscalation(format!(
                "the role {:?} would give more than the author holds",
                role.name
            )));
        }
    }
    Ok(())
}

fn upsert<T>(items: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool) {
    match items.iter().position(same) {
        Some(at) => items[at] = item,
        None => items.push(item),
    }
}

fn remove<T>(items: &mut Vec<T>, what: &str, same: impl Fn(&T) -> bool) -> Result<(), Refusal> {
    let at = items
        .iter()
        .position(same)
        .ok_or_else(|| Refusal::Unknown(what.to_owned()))?;
    items.remove(at);
    Ok(())
}

/// The charter `change` makes of `charter`, by `author` at `at`, or why it
/// cannot be made (names that do not exist, stale values, a charter that
/// breaks its own shape rules). Does not check who may make it.
pub fn apply(
    charter: &Charter,
    change: &CharterChange,
    author: &Did,
    at: u64,
) -> Result<Charter, Refusal> {
    let mut next = charter.clone();
    match change {
        CharterChange::AmendAxiom { id, .. } => {
            return Err(Refusal::Violation {
                rule: Rule::Axiom(id.clone()),
                detail: "axioms can never be amended".into(),
            });
        }
        CharterChange::AddArticle(a) => {
            if charter.article(&a.id).is_some() {
                return Err(Refusal::Duplicate(format!("article {}", a.id)));
            }
            next.articles.push(a.clone());
        }
        CharterChange::ModifyArticle(a) => {
            charter
                .article(&a.id)
                .ok_or_else(|| Refusal::Unknown(format!("article {}", a.id)))?;
            upsert(&mut next.articles, a.clone(), |x| x.id == a.id);
        }
        CharterChange::RemoveArticle { id } => {
            remove(&mut next.articles, &format!("article {id}"), |x| {
                &x.id == id
            })?;
        }
        CharterChange::SetStatute(s) => upsert(&mut next.statutes, s.clone(), |x| x.id == s.id),
        CharterChange::RemoveStatute { id } => {
            remove(&mut next.statutes, &format!("statute {id}"), |x| {
                &x.id == id
            })?;
        }
        CharterChange::SetParam(p) => upsert(&mut next.params, p.clone(), |x| x.key == p.key),
        CharterChange::IssueOrder(order) => next.orders.push(issue(charter, order, author, at)?),
        CharterChange::RevokeOrder { id } => {
            remove(&mut next.orders, &format!("order {id}"), |x| &x.id == id)?;
        }
        CharterChange::SetPurpose(p) => next.purpose = p.clone(),
        CharterChange::SetModel(m) => next.model = *m,
        CharterChange::SetVoting(v) => next.voting = *v,
        CharterChange::SetAdmission(a) => next.admission = *a,
        CharterChange::SetRole(r) => upsert(&mut next.roles, r.clone(), |x| x.name == r.name),
        CharterChange::RemoveRole { name } => {
            remove(&mut next.roles, &format!("role {name}"), |x| {
                &x.name == name
            })?;
        }
        CharterChange::SetTiers(t) => next.tiers = t.clone(),
        CharterChange::SetDomain(d) => upsert(&mut next.domains, d.clone(), |x| x.id == d.id),
        CharterChange::RemoveDomain { id } => {
            remove(&mut next.domains, &format!("domain {id}"), |x| &x.id == id)?;
        }
    }
    next.check_shape()
        .map_err(|e| Refusal::BadCharter(e.to_owned()))?;
    Ok(next)
}

/// An order as it enters the charter: under an existing article, with old
/// values that match, issued by its author.
fn issue(charter: &Charter, order: &Order, author: &Did, at: u64) -> Result<Order, Refusal> {
    charter
        .article(&order.article)
        .ok_or_else(|| Refusal::Unknown(format!("article {}", order.article)))?;
    if charter.orders.iter().any(|o| o.id == order.id) {
        return Err(Refusal::Duplicate(format!("order {}", order.id)));
    }
    if order.expires_at.is_some_and(|e| e <= at) {
        return Err(Refusal::ExpiryInPast);
    }
    for change in &order.changes {
        let found = charter.param(&change.key, at);
        if found != change.old.as_ref() {
            let show = |v: Option<&super::charter::ParamValue>| {
                v.map_or("unset".to_owned(), |v| v.to_string())
            };
            return Err(Refusal::StaleParam {
                key: change.key.clone(),
                expected: show(change.old.as_ref()),
                found: show(found),
            });
        }
    }
    Ok(Order {
        issued_by: Some(*author),
        ..order.clone()
    })
}

/// Records `charter` as the chapter's new version, made by op `id`.
pub fn record_version(
    c: &mut Chapter,
    charter: Charter,
    change: &CharterChange,
    id: OpId,
    at: u64,
) {
    let last = c.version();
    let version = match change.layer() {
        Layer::Article | Layer::Axiom => Version {
            major: last.major + 1,
            minor: 0,
            patch: 0,
        },
        Layer::Statute => Version {
            minor: last.minor + 1,
            patch: 0,
            ..last
        },
        Layer::Order => Version {
            patch: last.patch + 1,
            ..last
        },
    };
    c.versions.push(CharterVersion {
        version,
        hash: charter.hash(),
        op: id,
        at,
        summary: change.summary(),
        charter: Arc::new(charter),
    });
}
