//! `hearth charter …`: a chapter's constitution, its versions and changes.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use hearth_core::SpaceId;
use hearth_core::chapter::charter::{Order, Param, ParamChange, Statute};
use hearth_core::chapter::{ChapterOp, CharterChange, Version, diff::diff};
use hearth_node::Node;
use hearth_store::RedbStore;

use crate::domain::{DAY, act, chapter_of, now_ms, param_value};

#[derive(Subcommand)]
pub enum CharterCommand {
    /// Print the charter in force (or at a version).
    Show {
        chapter: SpaceId,
        #[arg(long)]
        version: Option<Version>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// The version in force and every earlier one.
    Version { chapter: SpaceId },
    /// What changed between two versions.
    Diff {
        chapter: SpaceId,
        from: Version,
        to: Version,
    },
    /// Enact or replace a statute (needs 'enact statutes').
    Statute {
        chapter: SpaceId,
        id: String,
        title: String,
        text: String,
    },
    /// Set a parameter (an integer, true/false, or text).
    Param {
        chapter: SpaceId,
        key: String,
        value: String,
    },
    /// Issue an executive order under an article (needs 'issue orders').
    Order {
        chapter: SpaceId,
        id: String,
        title: String,
        /// The article it is issued under.
        #[arg(long)]
        article: String,
        /// A parameter change, `key=value` (repeat for several).
        #[arg(long = "set")]
        sets: Vec<String>,
        /// Days until it lapses.
        #[arg(long)]
        days: Option<u64>,
    },
    /// Revoke an executive order.
    Revoke { chapter: SpaceId, id: String },
    /// Make any charter change, given as JSON.
    Amend { chapter: SpaceId, change: PathBuf },
}

pub fn charter(node: &Node<RedbStore>, cmd: CharterCommand) -> Result<()> {
    let amend = |chapter: &SpaceId, change| act(node, chapter, ChapterOp::Amend { change });
    match cmd {
        CharterCommand::Show {
            chapter,
            version,
            json,
        } => {
            let c = chapter_of(node, &chapter)?;
            let found = match version {
                Some(v) => c
                    .at_version(v)
                    .with_context(|| format!("the charter has no version {v}"))?,
                None => c.versions.last().expect("a chapter has a charter"),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&*found.charter)?);
            } else {
                print_charter(&found.charter, found.version);
            }
        }
        CharterCommand::Version { chapter } => {
            for v in &chapter_of(node, &chapter)?.versions {
                println!(
                    "v{}\t{}\t{}\t{}",
                    v.version,
                    hex::encode(&v.hash[..8]),
                    v.op,
                    v.summary
                );
            }
        }
        CharterCommand::Diff { chapter, from, to } => {
            let c = chapter_of(node, &chapter)?;
            let get = |v: Version| {
                c.at_version(v)
                    .with_context(|| format!("the charter has no version {v}"))
            };
            for d in diff(&get(from)?.charter, &get(to)?.charter) {
                println!("{d}");
            }
        }
        CharterCommand::Statute {
            chapter,
            id,
            title,
            text,
        } => amend(
            &chapter,
            CharterChange::SetStatute(Statute { id, title, text }),
        )?,
        CharterCommand::Param {
            chapter,
            key,
            value,
        } => amend(
            &chapter,
            CharterChange::SetParam(Param {
                key,
                value: param_value(&value),
            }),
        )?,
        CharterCommand::Order {
            chapter,
            id,
            title,
            article,
            sets,
            days,
        } => {
            let c = chapter_of(node, &chapter)?;
            let now = now_ms();
            let mut changes = Vec::new();
            for set in sets {
                let (key, value) = set
                    .split_once('=')
                    .with_context(|| format!("--set {set}: expected key=value"))?;
                changes.push(ParamChange {
                    key: key.to_owned(),
                    old: c.charter().param(key, now).cloned(),
                    new: param_value(value),
                });
            }
            let order = Order {
                id,
                title,
                article,
                changes,
                issued_by: None,
                expires_at: days.map(|d| now + d * DAY),
            };
            amend(&chapter, CharterChange::IssueOrder(order))?
        }
        CharterCommand::Revoke { chapter, id } => {
            amend(&chapter, CharterChange::RevokeOrder { id })?
        }
        CharterCommand::Amend { chapter, change } => {
            let text = std::fs::read_to_string(&change)
                .with_context(|| format!("reading {}", change.display()))?;
            let change: CharterChange =
                serde_json::from_str(&text).context("the file is not a charter change")?;
            amend(&chapter, change)?
        }
    }
    Ok(())
}

fn print_charter(c: &hearth_core::chapter::Charter, version: Version) {
    println!("charter v{version}\npurpose: {}\n", c.purpose);
    let section = |title: &str, items: Vec<String>| {
        if !items.is_empty() {
            println!("{title}");
            for i in items {
                println!("  {i}");
            }
            println!();
        }
    };
    section(
        "axioms (never change)",
        c.axioms
            .iter()
            .map(|a| format!("{} {}: {}", a.id, a.title, a.text))
            .collect(),
    );
    section(
        "articles",
        c.articles
            .iter()
            .map(|a| format!("{} {}: {}", a.id, a.title, a.text))
            .collect(),
    );
    section(
        "statutes",
        c.statutes
            .iter()
            .map(|s| format!("{} {}: {}", s.id, s.title, s.text))
            .collect(),
    );
    section(
        "executive orders",
        c.orders
            .iter()
            .map(|o| format!("{} {} (under {})", o.id, o.title, o.article))
            .collect(),
    );
    section(
        "parameters",
        c.params
            .iter()
            .map(|p| format!("{} = {}", p.key, p.value))
            .collect(),
    );
    section(
        "roles",
        c.roles
            .iter()
            .map(|r| {
                let p: Vec<&str> = r.permissions.iter().map(|p| p.name()).collect();
                format!("{}: {}", r.name, p.join(", "))
            })
            .collect(),
    );
}
