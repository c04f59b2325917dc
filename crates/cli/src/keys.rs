//! `hearth id show|rotate|devices|guardians|recover`: the member's identity
//! log (see `hearth_core::keys` and the node's `keys` module, which
//! publishes events in every chapter that knows the member).

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use hearth_core::keys::{KeyChange, KeyRole, Pairing, SignedEvent};
use hearth_core::{Did, Keypair};
use hearth_node::Node;
use hearth_node::keys::Published;
use hearth_store::RedbStore;
use hearth_store::suite::run_ready;

use crate::identity_file;

#[derive(Subcommand)]
pub enum DeviceCommand {
    /// On the new device: make its key (if this directory has none) and
    /// print the pairing text to act for `member`, and the code to compare.
    Pair { member: Did },
    /// On a device holding the main key: add the device whose pairing text
    /// this is, once its code matches.
    Add {
        pairing: String,
        /// What to call it.
        #[arg(long)]
        name: String,
        /// The code the new device shows (six digits).
        #[arg(long)]
        code: String,
    },
    /// The member's devices.
    List,
    /// Stop a device from acting for the member.
    Revoke { device: Did },
}

#[derive(Subcommand)]
pub enum GuardianCommand {
    /// Name the guardians, how many must approve a recovery, and how long a
    /// recovery waits (during which the main key can cancel it).
    Set {
        #[arg(required = true)]
        guardians: Vec<Did>,
        #[arg(long)]
        threshold: u32,
        #[arg(long, default_value_t = 72)]
        wait_hours: u64,
    },
    /// The guardians and any recovery waiting: yours, or a member's.
    Show { member: Option<Did> },
}

#[derive(Subcommand)]
pub enum RecoverCommand {
    /// On a new device (its directory holds the new key): ask to recover
    /// `member`; prints the request for the guardians.
    Request { member: Did },
    /// As a guardian: see what a request asks, and approve it (prints the
    /// request with your signature).
    Approve {
        request: String,
        /// Approve without asking (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// On the new device: publish the request with the approvals.
    Submit {
        #[arg(required = true)]
        approvals: Vec<String>,
    },
    /// With the main key: stop a recovery that is waiting.
    Cancel,
}

/// `hearth id show`: the member's DID, and this node's key and role when
/// the key is not the DID.
pub fn show(node: &Node<RedbStore>) -> Result<()> {
    let key = node.identity().context("no identity here")?.did();
    let (member, role, _) = node.whoami()?;
    println!("{member}");
    if key != member {
        let role = match role {
            KeyRole::Main => "main key",
            KeyRole::Device => "device",
        };
        eprintln!("this node's key: {key} ({role})");
    }
    Ok(())
}

/// Says where a key event went, and what refused it.
fn report(what: &str, p: &Published) {
    eprintln!("{what} in {} chapter(s)", p.chapters);
    for (space, why) in &p.failed {
        eprintln!("  {space} refused it: {why} (run `hearth id publish` to try again)");
    }
}

/// `hearth id rotate`: a new main key for this member, published in every
/// chapter, then kept in this directory in place of the old one. The new
/// key is written down first, so a rotation cut short never loses it.
pub fn rotate(dir: &Path, node: &Node<RedbStore>) -> Result<()> {
    let new = Keypair::generate(&mut crate::rand_core_rng());
    let staged = identity_file::stage(dir, &new)?;
    match run_ready(node.rotate(&new)) {
        Ok(p) => {
            identity_file::commit(dir)?;
            println!("{}", new.did());
            report("rotated to a new key", &p);
            eprintln!("make a new backup: the old one holds the old key");
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(staged);
            Err(e.into())
        }
    }
}

/// `hearth id publish`.
pub fn publish(node: &Node<RedbStore>) -> Result<()> {
    report("published", &run_ready(node.publish_log())?);
    Ok(())
}

pub fn devices(dir: &Path, node: &Node<RedbStore>, cmd: DeviceCommand) -> Result<()> {
    match cmd {
        DeviceCommand::Pair { member } => {
            let kp = match node.identity() {
                Some(k) => Keypair::from_seed(&k.seed()),
                None => {
                    let kp = Keypair::generate(&mut crate::rand_core_rng());
                    identity_file::create(dir, &kp)?;
                    kp
                }
            };
            let mut nonce = [0u8; 16];
            rand_core::Rng::fill_bytes(&mut crate::rand_core_rng(), &mut nonce);
            let p = Pairing::new(&kp, member, nonce);
            println!("{}", p.to_text());
            eprintln!(
                "code: {}  (add this device with it on the device holding your main key)",
                p.code()
            );
        }
        DeviceCommand::Add {
            pairing,
            name,
            code,
        } => {
            let p = Pairing::from_text(&pairing)?;
            let published = run_ready(node.add_device(&p, &name, &code))?;
            println!("{}", p.key);
            report(&format!("added {name}"), &published);
            eprintln!("sync those chapters on the device to act there");
        }
        DeviceCommand::List => {
            let (_, _, log) = node.whoami()?;
            for (key, d) in &log.devices {
                let state = if d.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{key}\t{}\t{state}", d.name);
            }
        }
        DeviceCommand::Revoke { device } => {
            let p = run_ready(node.key_change(KeyChange::RevokeDevice { key: device }))?;
            println!("revoked {device}");
            report("revoked", &p);
        }
    }
    Ok(())
}

pub fn guardians(node: &Node<RedbStore>, cmd: GuardianCommand) -> Result<()> {
    match cmd {
        GuardianCommand::Set {
            guardians,
            threshold,
            wait_hours,
        } => {
            let change = KeyChange::SetGuardians {
                guardians,
                threshold,
                wait_ms: wait_hours.saturating_mul(60 * 60 * 1000),
            };
            let p = run_ready(node.key_change(change))?;
            println!("guardians set");
            report("published", &p);
        }
        GuardianCommand::Show { member } => {
            let log = match member {
                Some(m) => node.member_log(&m),
                None => node.whoami()?.2,
            };
            match &log.guardians {
                None => println!("no guardians"),
                Some(g) => {
                    println!(
                        "{} of {} needed; a recovery waits {} h",
                        g.threshold,
                        g.guardians.len(),
                        g.wait_ms / 3_600_000
                    );
                    for d in &g.guardians {
                        println!("{d}");
                    }
                }
            }
            if let Some(p) = &log.pending {
                match p.effective_at() {
                    Some(t) => println!(
                        "recovery waiting: {} from {}",
                        p.key,
                        hearth_core::gov::receipt::iso8601(t)
                    ),
                    None => println!(
                        "recovery waiting: {} ({} h after another member's op shows the chapter has it)",
                        p.key,
                        p.wait_ms / 3_600_000
                    ),
                }
            }
        }
    }
    Ok(())
}

pub fn recover(node: &Node<RedbStore>, cmd: RecoverCommand) -> Result<()> {
    match cmd {
        RecoverCommand::Request { member } => {
            println!("{}", node.recovery_request(&member)?.to_text());
        }
        RecoverCommand::Approve { request, yes } => {
            let req = SignedEvent::from_text(&request)?;
            // Checks it is a recovery this node's key guards.
            let approved = node.approve_recovery(&req)?;
            let KeyChange::Recover { key } = &req.event.change else {
                bail!("this is not a recovery request");
            };
            let member = req.event.member;
            let wait = node.member_log(&member).guardians.map_or(0, |g| g.wait_ms);
            let name = node
                .spaces()
                .iter()
                .find_map(|v| v.profile(&member).map(|p| p.display_name.clone()))
                .unwrap_or_default();
            let iso = hearth_core::gov::receipt::iso8601;
            let signed_by_key = req.sigs.iter().any(|s| s.key == *key);
            eprintln!(
                "You are approving that {member} ({name}) be recovered: the key {key} becomes their main key {} h after their chapter has seen the request (asked at {}, event {} of their log), unless their current key cancels it before.{}",
                wait / 3_600_000,
                iso(req.event.ts),
                req.event.seq,
                if signed_by_key {
                    ""
                } else {
                    " The new key has not signed it yet."
                },
            );
            if !yes {
                eprint!("Approve? Type yes: ");
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if answer.trim() != "yes" {
                    bail!("not approved");
                }
            }
            println!("{}", approved.to_text());
        }
        RecoverCommand::Submit { approvals } => {
            let events = approvals
                .iter()
                .map(|a| SignedEvent::from_text(a))
                .collect::<Result<Vec<_>, _>>()?;
            let p = run_ready(node.submit_recovery(&events))?;
            report("recovery submitted", &p);
        }
        RecoverCommand::Cancel => {
            let p = run_ready(node.key_change(KeyChange::CancelRecovery))?;
            println!("recovery cancelled");
            report("published", &p);
        }
    }
    Ok(())
}
