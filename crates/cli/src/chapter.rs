//! `hearth chapter …`: chapters and their members.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use hearth_core::chapter::{Chapter, ChapterOp, Founding, InviteLink, Status, Template, Tier};
use hearth_core::{Did, SpaceId};
use hearth_node::Node;
use hearth_store::RedbStore;
use hearth_store::suite::run_ready;

use crate::domain::{DAY, act, chapter_of, now_ms, view};

#[derive(Subcommand)]
pub enum ChapterCommand {
    /// Found a chapter from a charter template (you are its first founder).
    New {
        /// The chapter's name.
        name: String,
        /// The charter to start from.
        #[arg(long, value_enum, default_value_t = TemplateArg::SmallCoop)]
        template: TemplateArg,
        /// What the chapter is for.
        #[arg(long, default_value = "")]
        purpose: String,
        /// A charter as JSON instead of a template (`hearth charter show --json` writes one).
        #[arg(long)]
        charter: Option<PathBuf>,
        /// Another founder (repeat for several).
        #[arg(long = "founder")]
        founders: Vec<Did>,
    },
    /// Show a chapter: purpose, model, admission, charter version, members.
    Show { chapter: SpaceId },
    /// List members with tier, roles and standing.
    Members { chapter: SpaceId },
    /// Create an invite and print the link to share.
    Invite {
        chapter: SpaceId,
        /// How many joins it admits.
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// Days until it lapses.
        #[arg(long, default_value_t = 7)]
        days: u64,
        /// The tier it admits into.
        #[arg(long, value_enum, default_value_t = TierArg::Full)]
        tier: TierArg,
        /// Print the link as an address on this relay's web app.
        #[arg(long)]
        url: Option<String>,
    },
    /// Join a chapter: with an invite link, or (open or applications) by id.
    /// The chapter's ops must be here first (`hearth sync --space`).
    Join {
        /// An invite link (`chapter.invite.code`, or a web address with one), or a chapter id.
        invite: String,
        /// The name you go by.
        #[arg(long)]
        name: Option<String>,
    },
    /// Set your profile in a chapter.
    Profile {
        chapter: SpaceId,
        /// The name you go by.
        #[arg(long, default_value = "")]
        name: String,
        /// A few words about you.
        #[arg(long, default_value = "")]
        bio: String,
        /// Something you can do (repeat for several).
        #[arg(long = "skill")]
        skills: Vec<String>,
        /// When you are around.
        #[arg(long, default_value = "")]
        availability: String,
    },
    /// Leave a chapter.
    Leave {
        chapter: SpaceId,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Admit someone (needs 'manage membership').
    Admit {
        chapter: SpaceId,
        member: Did,
        #[arg(long, value_enum, default_value_t = TierArg::Full)]
        tier: TierArg,
    },
    /// Suspend a member, with a reason.
    Suspend {
        chapter: SpaceId,
        member: Did,
        #[arg(long)]
        reason: String,
        /// Days until it ends on its own (otherwise until reinstated).
        #[arg(long)]
        days: Option<u64>,
    },
    /// End a member's suspension.
    Reinstate {
        chapter: SpaceId,
        member: Did,
        #[arg(long)]
        reason: String,
    },
    /// Remove a member, with a reason.
    Remove {
        chapter: SpaceId,
        member: Did,
        #[arg(long)]
        reason: String,
    },
    /// Give a member a role.
    Grant {
        chapter: SpaceId,
        member: Did,
        role: String,
    },
    /// Take a role from a member.
    Revoke {
        chapter: SpaceId,
        member: Did,
        role: String,
    },
    /// Move a member to another tier.
    Tier {
        chapter: SpaceId,
        member: Did,
        #[arg(value_enum)]
        tier: TierArg,
    },
    /// Say how much you trust someone (0 to 1), for trust-gated admission.
    Vouch {
        chapter: SpaceId,
        member: Did,
        trust: f64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TemplateArg {
    /// Small cooperative: direct democracy, consent.
    SmallCoop,
    /// Larger chapter: liquid delegation.
    Liquid,
    /// Federation-ready: elected council.
    Federation,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TierArg {
    Observer,
    Provisional,
    Full,
    Patron,
    Steward,
}

impl From<TierArg> for Tier {
    fn from(t: TierArg) -> Tier {
        match t {
            TierArg::Observer => Tier::Observer,
            TierArg::Provisional => Tier::Provisional,
            TierArg::Full => Tier::Full,
            TierArg::Patron => Tier::Patron,
            TierArg::Steward => Tier::Steward,
        }
    }
}

pub fn chapter(node: &Node<RedbStore>, cmd: ChapterCommand) -> Result<()> {
    match cmd {
        ChapterCommand::New {
            name,
            template,
            purpose,
            charter,
            founders,
        } => {
            let charter = match charter {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    serde_json::from_str(&text).context("the charter file is not a charter")?
                }
                None => match template {
                    TemplateArg::SmallCoop => Template::SmallCooperative,
                    TemplateArg::Liquid => Template::LiquidAssembly,
                    TemplateArg::Federation => Template::FederationReady,
                }
                .charter(&purpose),
            };
            let id = run_ready(node.create_chapter(&name, Founding { charter, founders }))?;
            println!("{id}");
        }
        ChapterCommand::Show { chapter } => show(&chapter_of(node, &chapter)?),
        ChapterCommand::Members { chapter } => members(&view(node, &chapter)?),
        ChapterCommand::Invite {
            chapter,
            uses,
            days,
            tier,
            url,
        } => {
            let link = run_ready(node.invite(&chapter, uses, days * DAY, tier.into()))?;
            match url {
                Some(base) => println!("{}", link.url(&base)),
                None => println!("{link}"),
            }
        }
        ChapterCommand::Join { invite, name } => {
            let profile = name.map(|display_name| hearth_core::chapter::Profile {
                display_name,
                ..Default::default()
            });
            let id = match invite.parse::<SpaceId>() {
                Ok(chapter) => run_ready(node.chapter_op(
                    &chapter,
                    ChapterOp::Join {
                        invite: None,
                        profile,
                    },
                ))?,
                Err(_) => {
                    let link = InviteLink::find(&invite)?;
                    run_ready(node.join(&link, profile))?
                }
            };
            println!("{id}");
        }
        ChapterCommand::Profile {
            chapter,
            name,
            bio,
            skills,
            availability,
        } => act(
            node,
            &chapter,
            ChapterOp::Profile(hearth_core::chapter::Profile {
                display_name: name,
                bio,
                skills,
                availability,
            }),
        )?,
        ChapterCommand::Leave { chapter, reason } => {
            act(node, &chapter, ChapterOp::Leave { reason })?
        }
        ChapterCommand::Admit {
            chapter,
            member,
            tier,
        } => act(
            node,
            &chapter,
            ChapterOp::Admit {
                member,
                tier: tier.into(),
            },
        )?,
        ChapterCommand::Suspend {
            chapter,
            member,
            reason,
            days,
        } => act(
            node,
            &chapter,
            ChapterOp::Suspend {
                member,
                until: days.map(|d| now_ms() + d * DAY),
                reason,
            },
        )?,
        ChapterCommand::Reinstate {
            chapter,
            member,
            reason,
        } => act(node, &chapter, ChapterOp::Reinstate { member, reason })?,
        ChapterCommand::Remove {
            chapter,
            member,
            reason,
        } => act(node, &chapter, ChapterOp::Remove { member, reason })?,
        ChapterCommand::Grant {
            chapter,
            member,
            role,
        } => act(node, &chapter, ChapterOp::Grant { member, role })?,
        ChapterCommand::Revoke {
            chapter,
            member,
            role,
        } => act(node, &chapter, ChapterOp::Revoke { member, role })?,
        ChapterCommand::Tier {
            chapter,
            member,
            tier,
        } => act(
            node,
            &chapter,
            ChapterOp::SetTier {
                member,
                tier: tier.into(),
            },
        )?,
        ChapterCommand::Vouch {
            chapter,
            member,
            trust,
        } => {
            if !(0.0..=1.0).contains(&trust) {
                bail!("trust is a number from 0 to 1");
            }
            let trust_ppm = (trust * f64::from(hearth_core::chapter::PPM)).round() as u32;
            act(
                node,
                &chapter,
                ChapterOp::Vouch {
                    subject: member,
                    trust_ppm,
                },
            )?
        }
    }
    Ok(())
}

fn show(c: &Chapter) {
    let charter = c.charter();
    let version = c.versions.last().expect("a chapter has a charter");
    println!("chapter   {}\nname      {}", c.id, c.name);
    println!("purpose   {}", charter.purpose);
    println!("model     {}", charter.model.describe());
    println!(
        "admission {} (newcomers start {})",
        charter.admission.kind.describe(),
        charter.admission.entry_tier.name()
    );
    println!(
        "voting    {}, quorum {}%",
        charter.voting.method.describe(),
        charter.voting.quorum_pct
    );
    println!(
        "charter   v{} {}",
        version.version,
        hex::encode(&version.hash[..8])
    );
    println!("members   {}", c.current_members().count());
}

fn members(v: &hearth_core::space::SpaceView) {
    for m in v.chapter().members.values() {
        let standing = match &m.status {
            Status::Active => "active".to_owned(),
            Status::Suspended { until: Some(u), .. } => format!("suspended until {u}"),
            Status::Suspended { .. } => "suspended".to_owned(),
            Status::Left { .. } => "left".to_owned(),
            Status::Removed { reason, .. } => format!("removed ({reason})"),
        };
        let roles: Vec<&str> = m.roles.iter().map(String::as_str).collect();
        let name = v.profile(&m.did).map_or("", |p| p.display_name.as_str());
        println!(
            "{}\t{}\t{}\t{}\t{}",
            m.did,
            if name.is_empty() { "-" } else { name },
            m.tier.name(),
            if roles.is_empty() {
                "-".to_owned()
            } else {
                roles.join(",")
            },
            standing
        );
    }
}
