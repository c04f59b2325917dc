//! `hearth trust add|revoke|score|graph|limit|attest|across`: the
//! chapter's trust graph, its rate limits, and trust across chapters.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use clap::Subcommand;
use hearth_core::chapter::{Chapter, ChapterOp, PPM};
use hearth_core::space::SpaceView;
use hearth_core::trust::{GENERAL, Graph, TrustClass, federation, rate};
use hearth_core::{Did, SpaceId};
use hearth_node::Node;
use hearth_store::RedbStore;

use crate::domain::{DAY, act, me, now_ms, view};

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Trust a member (replaces your earlier edge in that context).
    Add {
        chapter: SpaceId,
        subject: Did,
        /// How much, from 0 to 1.
        #[arg(long, default_value_t = 1.0)]
        score: f64,
        /// How well you know them: known, colleague, close or intimate.
        #[arg(long, default_value = "known")]
        class: TrustClass,
        /// What you trust them in: general, ledger, governance, …
        #[arg(long, default_value = GENERAL)]
        context: String,
        /// Lapses after this many days.
        #[arg(long)]
        days: Option<u64>,
    },
    /// Take your trust in a member back.
    Revoke {
        chapter: SpaceId,
        subject: Did,
        #[arg(long, default_value = GENERAL)]
        context: String,
    },
    /// Trust in a member from your viewpoint (or another's), over paths of
    /// up to three edges, weighed by their age.
    Score {
        chapter: SpaceId,
        subject: Did,
        #[arg(long, default_value = GENERAL)]
        context: String,
        /// Whose viewpoint; yours by default.
        #[arg(long)]
        from: Option<Did>,
    },
    /// Every live edge of a context, with its class (`--dot` for Graphviz).
    Graph {
        chapter: SpaceId,
        #[arg(long, default_value = GENERAL)]
        context: String,
        #[arg(long)]
        dot: bool,
    },
    /// A member's rate limit (yours by default): ops a day, by the
    /// strongest class anyone trusts them in.
    Limit {
        chapter: SpaceId,
        member: Option<Did>,
    },
    /// The chapter's trust in another chapter, on your authority to enact
    /// statutes (0 withdraws it; a proposal can do the same).
    Attest {
        chapter: SpaceId,
        other: SpaceId,
        /// How much, from 0 to 1.
        #[arg(long, default_value_t = 1.0)]
        score: f64,
        /// Lapses after this many days.
        #[arg(long)]
        days: Option<u64>,
    },
    /// The chapters this one trusts, through attestations of up to three
    /// steps (each passes on the attesting chapter's factor, a half unless
    /// its charter says otherwise); with a member, the chapter's trust in
    /// them across chapters.
    Across {
        chapter: SpaceId,
        subject: Option<Did>,
        #[arg(long, default_value = GENERAL)]
        context: String,
    },
}

fn share(ppm: u32) -> f64 {
    f64::from(ppm) / f64::from(PPM)
}

pub fn ppm_of(score: f64) -> Result<u32> {
    if !(0.0..=1.0).contains(&score) {
        bail!("a trust score is from 0 to 1, not {score}");
    }
    Ok((score * f64::from(PPM)).round() as u32)
}

/// When something given for `days` days from now lapses.
fn expiry(days: Option<u64>) -> Option<u64> {
    days.map(|d| now_ms().saturating_add(d.saturating_mul(DAY)))
}

pub fn run(node: &Node<RedbStore>, cmd: TrustCommand) -> Result<()> {
    match cmd {
        TrustCommand::Add {
            chapter,
            subject,
            score,
            class,
            context,
            days,
        } => {
            let op = ChapterOp::Trust {
                subject,
                context,
                class,
                trust_ppm: ppm_of(score)?,
                expires_at: expiry(days),
            };
            act(node, &chapter, op)
        }
        TrustCommand::Revoke {
            chapter,
            subject,
            context,
        } => act(node, &chapter, ChapterOp::Distrust { subject, context }),
        TrustCommand::Score {
            chapter,
            subject,
            context,
            from,
        } => {
            let v = view(node, &chapter)?;
            let from = match from {
                Some(f) => f,
                None => me(node, &chapter)?,
            };
            let g = Graph::new(v.chapter(), now_ms());
            println!("{:.3}", share(g.score(&from, &subject, &context)));
            Ok(())
        }
        TrustCommand::Limit { chapter, member } => {
            let v = view(node, &chapter)?;
            let member = match member {
                Some(m) => m,
                None => me(node, &chapter)?,
            };
            match rate::limit(v.chapter(), &member, now_ms()) {
                None => println!("unlimited"),
                Some(l) => println!(
                    "{} ops a day ({})",
                    l.per_day,
                    l.class.map_or("nobody trusts them yet".into(), |c| format!(
                        "trusted as {c}"
                    ))
                ),
            }
            Ok(())
        }
        TrustCommand::Attest {
            chapter,
            other,
            score,
            days,
        } => {
            let op = ChapterOp::Attest {
                chapter: other,
                trust_ppm: ppm_of(score)?,
                expires_at: expiry(days),
            };
            act(node, &chapter, op)
        }
        TrustCommand::Across {
            chapter,
            subject,
            context,
        } => {
            let views: BTreeMap<SpaceId, SpaceView> =
                node.spaces().into_iter().map(|v| (v.id(), v)).collect();
            let home = views
                .get(&chapter)
                .map(SpaceView::chapter)
                .ok_or_else(|| anyhow::anyhow!("no chapter {chapter} here (sync it first)"))?;
            let held = |id: &SpaceId| -> Option<&Chapter> { views.get(id).map(SpaceView::chapter) };
            let across = federation::across(home, &held, now_ms());
            match subject {
                Some(s) => match across.score(&held, &s, &context) {
                    Some((via, ppm)) => println!("{:.3}\tthrough {via}", share(ppm)),
                    None => println!("0.000"),
                },
                None => {
                    for (id, r) in &across.chapters {
                        let name = views.get(id).map_or("", |v| v.name());
                        println!("{id}\t{:.3}\t{name}\t{} steps", share(r.ppm), r.via.len());
                    }
                }
            }
            for id in &across.missing {
                eprintln!("{id} is attested on the way but not held here (sync it to count it)");
            }
            Ok(())
        }
        TrustCommand::Graph {
            chapter,
            context,
            dot,
        } => {
            let v = view(node, &chapter)?;
            let edges = Graph::new(v.chapter(), now_ms()).edges(&context);
            if dot {
                println!("digraph trust {{");
                for (from, to, w, class) in &edges {
                    println!(
                        "  \"{}\" -> \"{}\" [label=\"{:.2} {class}\"];",
                        from.fmt_short(),
                        to.fmt_short(),
                        share(*w)
                    );
                }
                println!("}}");
            } else {
                for (from, to, w, class) in &edges {
                    println!("{from}\t{to}\t{:.3}\t{class}", share(*w));
                }
            }
            Ok(())
        }
    }
}
