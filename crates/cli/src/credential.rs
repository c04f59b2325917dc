//! `hearth credential issue|verify`: chapter memberships as W3C Verifiable
//! Credentials with `eddsa-jcs-2022` proofs (see `hearth_core::credential`).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use hearth_core::credential;
use hearth_core::{Did, SpaceId};
use hearth_node::Env;
use hearth_node::Node;
use hearth_store::RedbStore;
use serde_json::Value;

use crate::domain::chapter_of;

/// Verifiable Credentials.
#[derive(Subcommand)]
pub enum CredentialCommand {
    /// Issue a membership credential for a member of a chapter (you, by
    /// default), signed by your identity; prints it as JSON.
    Issue {
        /// The chapter.
        chapter: SpaceId,
        /// The member it is about.
        #[arg(long)]
        member: Option<Did>,
    },
    /// Verify a credential's proof offline; says who signed it, and whether
    /// this node's view of the chapter agrees. Exit status 1 if invalid.
    Verify {
        /// The credential (JSON); `-` reads standard input.
        file: PathBuf,
    },
}

/// Runs a credential command; `node` opens the node when one is needed.
pub fn run(
    cmd: CredentialCommand,
    node: impl FnOnce() -> Result<Node<RedbStore>>,
) -> Result<ExitCode> {
    match cmd {
        CredentialCommand::Issue { chapter, member } => {
            let node = node()?;
            let Some(me) = node.identity() else {
                bail!("no identity: run `hearth id new`");
            };
            let c = chapter_of(&node, &chapter)?;
            let now = hearth_node::SystemEnv.now_ms();
            let subject = member.unwrap_or_else(|| c.owner(&me.did()));
            let unsigned = credential::membership(&c, &subject, &me.did(), now)?;
            let signed = credential::sign(&unsigned, me, &credential::date_time(now))?;
            println!("{}", serde_json::to_string_pretty(&signed)?);
            Ok(ExitCode::SUCCESS)
        }
        CredentialCommand::Verify { file } => {
            let mut text = String::new();
            if file.as_os_str() == "-" {
                std::io::stdin().read_to_string(&mut text)?;
            } else {
                text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
            }
            let value: Value = serde_json::from_str(&text).context("the file is not JSON")?;
            match credential::verify_credential(&value) {
                Ok(signer) => {
                    println!("valid: signed by {signer}");
                    report_membership(&value, node);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("invalid: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

/// For a Hearth membership credential whose chapter this node holds: does
/// the node's view agree that the subject is a member?
fn report_membership(value: &Value, node: impl FnOnce() -> Result<Node<RedbStore>>) {
    let Some((chapter, member)) = credential::membership_claim(value) else {
        return;
    };
    println!("subject {member}");
    let Ok(c) = node().and_then(|n| chapter_of(&n, &chapter)) else {
        println!("chapter {chapter}: not held here, so not checked against its log");
        return;
    };
    let current = credential::is_current_member(&c, &member);
    println!(
        "chapter {} ({}): {}",
        c.name,
        chapter,
        if current {
            "a current member in this node's view"
        } else {
            "NOT a current member in this node's view"
        }
    );
}
