//! `hearth gov …`: proposals, votes, delegation, appeals, orders,
//! emergencies, violations, enforcement and receipts.
//! (Violations, enforcement and receipts live in `gov_records`.)

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use hearth_core::chapter::{ChapterOp, CharterChange};
use hearth_core::gov::receipt;
use hearth_core::gov::{Choice, Decision, Emergency, GovOp, Grounds, Power, Subject};
use hearth_core::op::Body;
use hearth_core::{Did, OpId, SpaceId};
use hearth_node::Node;
use hearth_store::RedbStore;
use hearth_store::suite::run_ready;

use crate::charter::{CharterCommand, charter};
use crate::domain::{now_ms, view, write};
use crate::gov_proposal::{ProposalCommand, proposal};
use crate::gov_records::{all_receipts, records};

const HOUR: u64 = 60 * 60 * 1000;

#[derive(Subcommand)]
pub enum GovCommand {
    /// The chapter's constitution (its charter): show, version, diff.
    #[command(subcommand)]
    Constitution(CharterCommand),
    /// Proposals: create, list, show.
    #[command(subcommand)]
    Proposal(ProposalCommand),
    /// Vote on a proposal.
    Vote {
        chapter: SpaceId,
        proposal: OpId,
        #[arg(value_enum)]
        vote: VoteArg,
        /// Why (a block needs one).
        #[arg(long, default_value = "")]
        reason: String,
        /// Quadratic voting: how many votes (each costs its square in credits).
        #[arg(long, default_value_t = 1)]
        votes: u32,
    },
    /// Close a proposal whose voting window has passed (counts every vote seen).
    Close { chapter: SpaceId, proposal: OpId },
    /// Close the ratification round of a proposal (the same as `close`).
    Ratify { chapter: SpaceId, proposal: OpId },
    /// Withdraw your own proposal.
    Cancel { chapter: SpaceId, proposal: OpId },
    /// Veto a proposal (a role with the veto).
    Veto {
        chapter: SpaceId,
        proposal: OpId,
        #[arg(long)]
        reason: String,
    },
    /// Delegate your vote (in a domain, or everywhere).
    Delegate {
        chapter: SpaceId,
        to: Did,
        #[arg(long)]
        domain: Option<String>,
    },
    /// Take your delegation back.
    Undelegate {
        chapter: SpaceId,
        #[arg(long)]
        domain: Option<String>,
    },
    /// Record someone's contribution (weights contribution-weighted votes).
    Contribute {
        chapter: SpaceId,
        member: Did,
        amount: u64,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Appeal a closed proposal.
    Appeal {
        chapter: SpaceId,
        proposal: OpId,
        #[arg(long, value_enum)]
        grounds: GroundsArg,
        #[arg(long)]
        text: String,
    },
    /// Decide an appeal (a member who may mediate).
    Review {
        chapter: SpaceId,
        appeal: OpId,
        #[arg(value_enum)]
        decision: DecisionArg,
        #[arg(long)]
        reason: String,
    },
    /// Executive orders: create, list, revoke.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Emergencies: declare, status, extend, end.
    #[command(subcommand)]
    Emergency(EmergencyCommand),
    /// Ops refused for breaking a rule: list, review.
    #[command(subcommand)]
    Violations(RecordCommand),
    /// Suspensions and removals: list, review.
    #[command(subcommand)]
    Enforcement(RecordCommand),
    /// Every governance step as receipts (JSON, or DAG-CBOR with --cbor FILE).
    Receipts {
        chapter: SpaceId,
        #[arg(long)]
        cbor: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum OrderCommand {
    /// Issue an order (`hearth charter order` with the same flags).
    Create {
        chapter: SpaceId,
        id: String,
        title: String,
        #[arg(long)]
        article: String,
        #[arg(long = "set")]
        sets: Vec<String>,
        #[arg(long)]
        days: Option<u64>,
    },
    /// Orders in force.
    List { chapter: SpaceId },
    /// Revoke an order.
    Revoke { chapter: SpaceId, id: String },
}

#[derive(Subcommand)]
pub enum EmergencyCommand {
    /// Declare an emergency (up to 72 hours without a proposal).
    Declare {
        chapter: SpaceId,
        #[arg(long = "type")]
        kind: String,
        #[arg(long)]
        description: String,
        #[arg(long, default_value_t = 24)]
        hours: u64,
        /// Powers it grants: force-close, freeze-accounts, suspend-members.
        #[arg(long = "power", value_enum)]
        powers: Vec<PowerArg>,
    },
    /// The emergency in force, if any.
    Status { chapter: SpaceId },
    /// Extend the emergency in force.
    Extend {
        chapter: SpaceId,
        #[arg(long)]
        hours: u64,
    },
    /// End the emergency in force.
    End {
        chapter: SpaceId,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum RecordCommand {
    /// List them.
    List { chapter: SpaceId },
    /// Review one (a member who may mediate): dismiss or reverse.
    Review {
        chapter: SpaceId,
        op: OpId,
        #[arg(value_enum)]
        decision: DecisionArg,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum VoteArg {
    For,
    Against,
    Abstain,
    Block,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GroundsArg {
    Procedure,
    Conflict,
    Evidence,
    Constitution,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DecisionArg {
    Revote,
    Overturn,
    Dismiss,
    Reverse,
    Uphold,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PowerArg {
    ForceClose,
    FreezeAccounts,
    SuspendMembers,
}

fn gov(node: &Node<RedbStore>, chapter: &SpaceId, op: GovOp) -> Result<()> {
    write(node, chapter, Body::Gov(op))
}

pub fn decision(d: DecisionArg) -> Decision {
    match d {
        DecisionArg::Revote => Decision::Revote,
        DecisionArg::Overturn => Decision::Overturn,
        DecisionArg::Dismiss | DecisionArg::Uphold => Decision::Dismiss,
        DecisionArg::Reverse => Decision::Reverse,
    }
}

pub fn run(node: &Node<RedbStore>, cmd: GovCommand) -> Result<()> {
    match cmd {
        GovCommand::Constitution(c) => charter(node, c)?,
        GovCommand::Proposal(p) => proposal(node, p)?,
        GovCommand::Vote {
            chapter,
            proposal,
            vote,
            reason,
            votes,
        } => {
            let choice = match vote {
                VoteArg::For => Choice::For,
                VoteArg::Against => Choice::Against,
                VoteArg::Abstain => Choice::Abstain,
                VoteArg::Block => Choice::Block { reason },
            };
            gov(
                node,
                &chapter,
                GovOp::Vote {
                    proposal,
                    choice,
                    votes,
                },
            )?
        }
        GovCommand::Close { chapter, proposal } | GovCommand::Ratify { chapter, proposal } => {
            let v = view(node, &chapter)?;
            let p = v
                .chapter()
                .gov
                .proposals
                .get(&proposal)
                .with_context(|| format!("no proposal {proposal}"))?;
            let mut votes: Vec<OpId> = p.ballots.values().map(|b| b.op).collect();
            votes.sort();
            gov(node, &chapter, GovOp::Close { proposal, votes })?
        }
        GovCommand::Cancel { chapter, proposal } => {
            gov(node, &chapter, GovOp::Cancel { proposal })?
        }
        GovCommand::Veto {
            chapter,
            proposal,
            reason,
        } => gov(node, &chapter, GovOp::Veto { proposal, reason })?,
        GovCommand::Delegate {
            chapter,
            to,
            domain,
        } => gov(node, &chapter, GovOp::Delegate { to, domain })?,
        GovCommand::Undelegate { chapter, domain } => {
            gov(node, &chapter, GovOp::Undelegate { domain })?
        }
        GovCommand::Contribute {
            chapter,
            member,
            amount,
            description,
        } => gov(
            node,
            &chapter,
            GovOp::Contribution {
                member,
                amount,
                description,
            },
        )?,
        GovCommand::Appeal {
            chapter,
            proposal,
            grounds,
            text,
        } => {
            let grounds = match grounds {
                GroundsArg::Procedure => Grounds::ProceduralViolation,
                GroundsArg::Conflict => Grounds::ConflictOfInterest,
                GroundsArg::Evidence => Grounds::NewEvidence,
                GroundsArg::Constitution => Grounds::ConstitutionalViolation,
            };
            gov(
                node,
                &chapter,
                GovOp::Appeal {
                    proposal,
                    grounds,
                    text,
                },
            )?
        }
        GovCommand::Review {
            chapter,
            appeal,
            decision: d,
            reason,
        } => gov(
            node,
            &chapter,
            GovOp::Review {
                subject: Subject::Appeal(appeal),
                decision: decision(d),
                reason,
            },
        )?,
        GovCommand::Order(o) => order(node, o)?,
        GovCommand::Emergency(e) => emergency(node, e)?,
        GovCommand::Violations(r) => records(node, r, true)?,
        GovCommand::Enforcement(r) => records(node, r, false)?,
        GovCommand::Receipts { chapter, cbor } => {
            let receipts = all_receipts(node, &chapter)?;
            match cbor {
                Some(path) => {
                    let bytes = serde_ipld_dagcbor::to_vec(&receipts)?;
                    std::fs::write(&path, bytes)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("{} receipts written to {}", receipts.len(), path.display());
                }
                None => println!("{}", serde_json::to_string_pretty(&receipts)?),
            }
        }
    }
    Ok(())
}

fn order(node: &Node<RedbStore>, cmd: OrderCommand) -> Result<()> {
    match cmd {
        OrderCommand::Create {
            chapter,
            id,
            title,
            article,
            sets,
            days,
        } => charter(
            node,
            CharterCommand::Order {
                chapter,
                id,
                title,
                article,
                sets,
                days,
            },
        ),
        OrderCommand::List { chapter } => {
            let v = view(node, &chapter)?;
            let now = now_ms();
            for o in &v.chapter().charter().orders {
                let lapsed = o.expires_at.is_some_and(|e| e <= now);
                println!(
                    "{}\t{}\tunder {}\t{}",
                    o.id,
                    o.title,
                    o.article,
                    if lapsed { "lapsed" } else { "in force" }
                );
            }
            Ok(())
        }
        OrderCommand::Revoke { chapter, id } => {
            let op = ChapterOp::Amend {
                change: CharterChange::RevokeOrder { id },
            };
            let id = run_ready(node.chapter_op(&chapter, op))?;
            println!("{id}");
            Ok(())
        }
    }
}

fn emergency(node: &Node<RedbStore>, cmd: EmergencyCommand) -> Result<()> {
    match cmd {
        EmergencyCommand::Declare {
            chapter,
            kind,
            description,
            hours,
            powers,
        } => {
            let powers = powers
                .into_iter()
                .map(|p| match p {
                    PowerArg::ForceClose => Power::ForceClose,
                    PowerArg::FreezeAccounts => Power::FreezeAccounts,
                    PowerArg::SuspendMembers => Power::SuspendMembers,
                })
                .collect();
            gov(
                node,
                &chapter,
                GovOp::DeclareEmergency(Emergency {
                    kind,
                    description,
                    powers,
                    duration_ms: hours * HOUR,
                    renewable: true,
                }),
            )
        }
        EmergencyCommand::Status { chapter } => {
            let v = view(node, &chapter)?;
            match v.chapter().gov.emergency_at(now_ms()) {
                Some(e) => println!(
                    "emergency {}: {}\nuntil     {}\npowers    {:?}",
                    e.emergency.kind,
                    e.emergency.description,
                    receipt::iso8601(e.until),
                    e.emergency.powers
                ),
                None => println!("no emergency in force"),
            }
            Ok(())
        }
        EmergencyCommand::Extend { chapter, hours } => gov(
            node,
            &chapter,
            GovOp::ExtendEmergency {
                by_ms: hours * HOUR,
            },
        ),
        EmergencyCommand::End { chapter, reason } => {
            gov(node, &chapter, GovOp::EndEmergency { reason })
        }
    }
}
