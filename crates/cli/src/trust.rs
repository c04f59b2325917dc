//! `hearth trust add|revoke|score|graph`: the chapter's trust graph.

use anyhow::{Result, bail};
use clap::Subcommand;
use hearth_core::chapter::{ChapterOp, PPM};
use hearth_core::trust::{GENERAL, Graph};
use hearth_core::{Did, SpaceId};
use hearth_node::Node;
use hearth_store::RedbStore;

use crate::domain::{DAY, act, now_ms, view};

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Trust a member (replaces your earlier edge in that class).
    Add {
        chapter: SpaceId,
        subject: Did,
        /// How much, from 0 to 1.
        #[arg(long, default_value_t = 1.0)]
        score: f64,
        /// The class: general, ledger, governance, …
        #[arg(long, default_value = GENERAL)]
        class: String,
        /// Lapses after this many days.
        #[arg(long)]
        days: Option<u64>,
    },
    /// Take your trust in a member back.
    Revoke {
        chapter: SpaceId,
        subject: Did,
        #[arg(long, default_value = GENERAL)]
        class: String,
    },
    /// Trust in a member from your viewpoint (or another's), over paths of
    /// up to three edges, weighed by their age.
    Score {
        chapter: SpaceId,
        subject: Did,
        #[arg(long, default_value = GENERAL)]
        class: String,
        /// Whose viewpoint; yours by default.
        #[arg(long)]
        from: Option<Did>,
    },
    /// Every live edge of a class (`--dot` for Graphviz).
    Graph {
        chapter: SpaceId,
        #[arg(long, default_value = GENERAL)]
        class: String,
        #[arg(long)]
        dot: bool,
    },
}

fn share(ppm: u32) -> f64 {
    f64::from(ppm) / f64::from(PPM)
}

pub fn run(node: &Node<RedbStore>, cmd: TrustCommand) -> Result<()> {
    match cmd {
        TrustCommand::Add {
            chapter,
            subject,
            score,
            class,
            days,
        } => {
            if !(0.0..=1.0).contains(&score) {
                bail!("a trust score is from 0 to 1, not {score}");
            }
            let op = ChapterOp::Trust {
                subject,
                class,
                trust_ppm: (score * f64::from(PPM)).round() as u32,
                expires_at: days.map(|d| now_ms().saturating_add(d.saturating_mul(DAY))),
            };
            act(node, &chapter, op)
        }
        TrustCommand::Revoke {
            chapter,
            subject,
            class,
        } => act(node, &chapter, ChapterOp::Distrust { subject, class }),
        TrustCommand::Score {
            chapter,
            subject,
            class,
            from,
        } => {
            let v = view(node, &chapter)?;
            let from = match from {
                Some(f) => f,
                None => match node.identity() {
                    Some(k) => k.did(),
                    None => bail!("no identity: give --from"),
                },
            };
            let g = Graph::new(v.chapter(), now_ms());
            println!("{:.3}", share(g.score(&from, &subject, &class)));
            Ok(())
        }
        TrustCommand::Graph {
            chapter,
            class,
            dot,
        } => {
            let v = view(node, &chapter)?;
            let edges = Graph::new(v.chapter(), now_ms()).edges(&class);
            if dot {
                println!("digraph trust {{");
                for (from, to, w) in &edges {
                    println!(
                        "  \"{}\" -> \"{}\" [label=\"{:.2}\"];",
                        from.fmt_short(),
                        to.fmt_short(),
                        share(*w)
                    );
                }
                println!("}}");
            } else {
                for (from, to, w) in &edges {
                    println!("{from}\t{to}\t{:.3}", share(*w));
                }
            }
            Ok(())
        }
    }
}
