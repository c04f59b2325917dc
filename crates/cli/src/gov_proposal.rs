//! `hearth gov proposal …`: making, listing and showing proposals.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use hearth_core::chapter::CharterChange;
use hearth_core::chapter::charter::{Param, Tier};
use hearth_core::gov::receipt;
use hearth_core::gov::rules::count;
use hearth_core::gov::{Action, GovOp};
use hearth_core::op::Body;
use hearth_core::{Did, OpId, SpaceId};
use hearth_node::Node;
use hearth_store::RedbStore;

use crate::domain::{now_ms, param_value, view, write};

#[derive(Subcommand)]
pub enum ProposalCommand {
    /// Propose: actions from flags, or from a JSON file of actions.
    Create {
        chapter: SpaceId,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        text: String,
        #[arg(long)]
        domain: Option<String>,
        /// Keep it as a draft until `gov proposal submit`.
        #[arg(long)]
        draft: bool,
        /// Admit someone if it passes.
        #[arg(long)]
        admit: Vec<Did>,
        /// Remove someone if it passes.
        #[arg(long)]
        remove: Vec<Did>,
        /// Set a parameter, `key=value`.
        #[arg(long = "param")]
        params: Vec<String>,
        /// Trust another chapter if it passes, `CHAPTER=SCORE` (a score
        /// from 0 to 1; 0 withdraws).
        #[arg(long = "attest")]
        attests: Vec<String>,
        /// Actions as JSON (a list).
        #[arg(long)]
        actions: Option<PathBuf>,
    },
    /// Submit a draft.
    Submit { chapter: SpaceId, proposal: OpId },
    /// List proposals with where they stand.
    List {
        chapter: SpaceId,
        /// Only those in this phase (`open`, `accepted`, …).
        #[arg(long)]
        status: Option<String>,
    },
    /// Show a proposal: rules, ballots and the count so far.
    Show { chapter: SpaceId, proposal: OpId },
}

pub fn proposal(node: &Node<RedbStore>, cmd: ProposalCommand) -> Result<()> {
    match cmd {
        ProposalCommand::Create {
            chapter,
            title,
            text,
            domain,
            draft,
            admit,
            remove,
            params,
            attests,
            actions,
        } => {
            let mut list: Vec<Action> = match actions {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    serde_json::from_str(&text).context("the file is not a list of actions")?
                }
                None => Vec::new(),
            };
            list.extend(admit.into_iter().map(|member| Action::AddMember {
                member,
                tier: Tier::Full,
                roles: vec![],
            }));
            list.extend(remove.into_iter().map(|member| Action::RemoveMember {
                member,
                reason: format!("by proposal: {title}"),
            }));
            for p in params {
                let (key, value) = p
                    .split_once('=')
                    .with_context(|| format!("--param {p}: expected key=value"))?;
                list.push(Action::Amend(CharterChange::SetParam(Param {
                    key: key.to_owned(),
                    value: param_value(value),
                })));
            }
            for a in attests {
                let (other, score) = a
                    .split_once('=')
                    .with_context(|| format!("--attest {a}: expected CHAPTER=SCORE"))?;
                let score: f64 = score
                    .parse()
                    .with_context(|| format!("--attest {a}: the score is a number"))?;
                list.push(Action::Attest {
                    chapter: other
                        .parse()
                        .with_context(|| format!("--attest {a}: not a chapter id"))?,
                    trust_ppm: crate::trust::ppm_of(score)?,
                    expires_at: None,
                });
            }
            write(
                node,
                &chapter,
                Body::Gov(GovOp::Propose {
                    title,
                    text,
                    domain,
                    actions: list,
                    draft,
                }),
            )?
        }
        ProposalCommand::Submit { chapter, proposal } => {
            write(node, &chapter, Body::Gov(GovOp::Submit { proposal }))?
        }
        ProposalCommand::List { chapter, status } => {
            let v = view(node, &chapter)?;
            let now = now_ms();
            for p in v.chapter().gov.proposals.values() {
                let phase = p.phase(now);
                if status.as_deref().is_some_and(|s| s != phase) {
                    continue;
                }
                println!(
                    "{}\t{}\t{}\t{} ballots",
                    p.id,
                    phase,
                    p.title,
                    p.ballots.len()
                );
            }
        }
        ProposalCommand::Show { chapter, proposal } => {
            let v = view(node, &chapter)?;
            let c = v.chapter();
            let p = c
                .gov
                .proposals
                .get(&proposal)
                .with_context(|| format!("no proposal {proposal}"))?;
            let now = now_ms();
            println!(
                "proposal  {}\ntitle     {}\nauthor    {}",
                p.id, p.title, p.author
            );
            println!("phase     {} (round {})", p.phase(now), p.round);
            println!(
                "method    {:?}, quorum {}%, threshold {}%{}",
                p.rules.tally.method,
                p.rules.tally.quorum_pct,
                p.rules.tally.threshold_pct,
                if p.rules.ratification {
                    ", ratified by a second round"
                } else {
                    ""
                }
            );
            if let (Some(o), Some(e)) = (p.opens_at, p.ends_at) {
                println!(
                    "voting    {} to {}",
                    receipt::iso8601(o),
                    receipt::iso8601(e)
                );
            }
            for a in &p.actions {
                println!("action    {a:?}");
            }
            for (voter, cast) in &p.ballots {
                println!(
                    "ballot    {} {:?} x{}",
                    voter.fmt_short(),
                    cast.choice,
                    cast.votes
                );
            }
            let t = count(c, p, now);
            println!(
                "count     for {:.2}, against {:.2}, abstain {:.2}, blocks {}; {} of {} took part; quorum {}; {}",
                t.for_weight as f64 / 1e6,
                t.against_weight as f64 / 1e6,
                t.abstain_weight as f64 / 1e6,
                t.blocks,
                t.voters,
                t.eligible,
                if t.quorum_met { "met" } else { "not met" },
                if t.passed { "passing" } else { "not passing" }
            );
        }
    }
    Ok(())
}
