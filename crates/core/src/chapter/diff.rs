//! What changed between two charters, item by item.

use std::fmt;

use super::charter::Charter;

/// How an item changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// It is new.
    Added,
    /// It is gone.
    Removed,
    /// It is different.
    Modified,
}

/// One difference between two charters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// How it changed.
    pub kind: Kind,
    /// Which layer or rule: `axiom`, `article`, `statute`, `order`, `param`,
    /// `role`, `domain`, or a rule's name.
    pub layer: &'static str,
    /// The item's id (empty for rules).
    pub id: String,
    /// What it is now (or was, when removed).
    pub detail: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.kind {
            Kind::Added => '+',
            Kind::Removed => '-',
            Kind::Modified => '~',
        };
        if self.id.is_empty() {
            write!(f, "{sign} {}: {}", self.layer, self.detail)
        } else {
            write!(f, "{sign} {} {}: {}", self.layer, self.id, self.detail)
        }
    }
}

/// The differences from `old` to `new`, layer by layer.
pub fn diff(old: &Charter, new: &Charter) -> Vec<Difference> {
    let mut out = Vec::new();
    list(&mut out, "axiom", &old.axioms, &new.axioms, |a| {
        (a.id.clone(), format!("{} — {}", a.title, a.text))
    });
    list(&mut out, "article", &old.articles, &new.articles, |a| {
        (
            a.id.clone(),
            format!(
                "{} — {} (amend: {}% of votes, {}% quorum)",
                a.title, a.text, a.amendment.threshold_pct, a.amendment.quorum_pct
            ),
        )
    });
    list(&mut out, "statute", &old.statutes, &new.statutes, |s| {
        (s.id.clone(), format!("{} — {}", s.title, s.text))
    });
    list(&mut out, "order", &old.orders, &new.orders, |o| {
        let changes: Vec<String> = o
            .changes
            .iter()
            .map(|c| match &c.old {
                Some(old) => format!("{} {old} → {}", c.key, c.new),
                None => format!("{} → {}", c.key, c.new),
            })
            .collect();
        (
            o.id.clone(),
            format!("{} under {} ({})", o.title, o.article, changes.join(", ")),
        )
    });
    list(&mut out, "param", &old.params, &new.params, |p| {
        (p.key.clone(), p.value.to_string())
    });
    list(&mut out, "role", &old.roles, &new.roles, |r| {
        let names: Vec<&str> = r.permissions.iter().map(|p| p.name()).collect();
        (r.name.clone(), names.join(", "))
    });
    list(&mut out, "domain", &old.domains, &new.domains, |d| {
        (d.id.clone(), format!("{} — {}", d.name, d.purpose))
    });
    let mut rule = |layer: &'static str, a: String, b: String| {
        if a != b {
            out.push(Difference {
                kind: Kind::Modified,
                layer,
                id: String::new(),
                detail: format!("{a} → {b}"),
            });
        }
    };
    rule("purpose", old.purpose.clone(), new.purpose.clone());
    rule(
        "model",
        format!("{:?}", old.model),
        format!("{:?}", new.model),
    );
    rule(
        "voting",
        format!("{:?}", old.voting),
        format!("{:?}", new.voting),
    );
    rule(
        "admission",
        format!("{:?}", old.admission),
        format!("{:?}", new.admission),
    );
    rule(
        "tiers",
        format!("{:?}", old.tiers),
        format!("{:?}", new.tiers),
    );
    rule(
        "founder roles",
        old.founder_roles.join(", "),
        new.founder_roles.join(", "),
    );
    out
}

fn list<T: PartialEq>(
    out: &mut Vec<Difference>,
    layer: &'static str,
    old: &[T],
    new: &[T],
    show: impl Fn(&T) -> (String, String),
) {
    let shown = |items: &'_ [T]| -> Vec<(String, String, usize)> {
        items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let (id, d) = show(x);
                (id, d, i)
            })
            .collect()
    };
    let (old_items, new_items) = (old, new);
    let (old, new) = (shown(old), shown(new));
    for (id, detail, at) in &new {
        let x = &new_items[*at];
        match old.iter().find(|(o, _, _)| o == id) {
            None => out.push(Difference {
                kind: Kind::Added,
                layer,
                id: id.clone(),
                detail: detail.clone(),
            }),
            Some((_, _, was)) if old_items[*was] != *x => out.push(Difference {
                kind: Kind::Modified,
                layer,
                id: id.clone(),
                detail: detail.clone(),
            }),
            Some(_) => {}
        }
    }
    for (id, detail, _) in &old {
        if !new.iter().any(|(n, _, _)| n == id) {
            out.push(Difference {
                kind: Kind::Removed,
                layer,
                id: id.clone(),
                detail: detail.clone(),
            });
        }
    }
}
