//! `hearth id rotate|devices|guardians|recover`: the member's identity log
//! (see `hearth_core::keys`). Events are published in every chapter this
//! node holds that knows the member, with whatever earlier events a
//! chapter lacks, so every chapter attributes ops the same way.

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use hearth_core::keys::{KeyChange, KeyEvent, KeyRole, KeyState, Pairing, SignedEvent};
use hearth_core::op::Body;
use hearth_core::{Did, Keypair, SpaceId};
use hearth_node::Node;
use hearth_store::RedbStore;
use hearth_store::suite::run_ready;

use crate::domain::now_ms;
use crate::identity_file;

#[derive(Subcommand)]
pub enum DeviceCommand {
    /// On the new device: make its key (if this directory has none) and
    /// print the pairing text and the code to compare.
    Pair,
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

/// The member this node's key acts for, its role, and their log as the
/// chapter that holds the most of it has it.
fn whoami(node: &Node<RedbStore>) -> Result<(Did, KeyRole, KeyState)> {
    let key = node
        .identity()
        .context("no identity here: run `hearth id new`")?
        .did();
    let mut found: Option<(Did, KeyRole, KeyState)> = None;
    for v in node.spaces() {
        let Ok((member, role)) = v.chapter().resolve(&key, now_ms()) else {
            continue;
        };
        let state = log_of(node, &member);
        if found.as_ref().is_none_or(|(_, _, s)| s.seq() < state.seq()) {
            found = Some((member, role, state));
        }
    }
    Ok(found.unwrap_or_else(|| (key, KeyRole::Main, KeyState::inception(key))))
}

/// `hearth id show`: the member's DID, and this node's key and role when
/// the key is not the DID.
pub fn show(node: &Node<RedbStore>) -> Result<()> {
    let key = node.identity().context("no identity here")?.did();
    let (member, role, _) = whoami(node)?;
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

/// `member`'s log, as the held chapter with the most of it has it.
fn log_of(node: &Node<RedbStore>, member: &Did) -> KeyState {
    node.spaces()
        .iter()
        .filter_map(|v| v.chapter().identities.get(member).cloned())
        .max_by_key(KeyState::seq)
        .unwrap_or_else(|| KeyState::inception(*member))
}

/// Publishes `events` (which follow `log`) in every held chapter that
/// knows `log`'s member, with the earlier events each lacks; returns how
/// many chapters took them.
fn publish(node: &Node<RedbStore>, log: &KeyState, events: &[SignedEvent]) -> Result<usize> {
    let member = log.member;
    let mut count = 0;
    let spaces: Vec<SpaceId> = node
        .spaces()
        .iter()
        .filter(|v| {
            let c = v.chapter();
            c.members.contains_key(&member) || c.applicants.contains_key(&member)
        })
        .map(|v| v.id())
        .collect();
    for space in spaces {
        let held = node
            .space(&space)
            .and_then(|v| v.chapter().identities.get(&member).map(KeyState::seq))
            .unwrap_or(0) as usize;
        let mut batch: Vec<SignedEvent> = log.events.get(held..).unwrap_or_default().to_vec();
        batch.extend(events.iter().cloned());
        run_ready(node.create_op(&space, Body::Keys(batch)))
            .with_context(|| format!("publishing in {space}"))?;
        count += 1;
    }
    if count == 0 {
        bail!("no chapter here knows {member}: sync one first");
    }
    Ok(count)
}

fn next(log: &KeyState, change: KeyChange) -> KeyEvent {
    KeyEvent {
        member: log.member,
        seq: log.seq() + 1,
        prev: log.head(),
        ts: now_ms(),
        change,
    }
}

/// Fails unless this node's key is the member's main key.
fn main_key(node: &Node<RedbStore>) -> Result<(&Keypair, KeyState)> {
    let (member, role, log) = whoami(node)?;
    if role != KeyRole::Main {
        bail!("this device is not {member}'s main key: do this on the device that holds it");
    }
    Ok((node.identity().context("no identity")?, log))
}

/// `hearth id rotate`: a new main key for this member, published in every
/// chapter, then kept in this directory in place of the old one.
pub fn rotate(dir: &Path, node: &Node<RedbStore>) -> Result<()> {
    let new = Keypair::generate(&mut crate::rand_core_rng());
    let (old, log) = main_key(node)?;
    let event = next(&log, KeyChange::Rotate { key: new.did() }).sign(&[old, &new]);
    let n = publish(node, &log, &[event])?;
    identity_file::replace(dir, &new)?;
    println!("{}", new.did());
    eprintln!(
        "rotated {} to a new key in {n} chapter(s)",
        log.member.fmt_short()
    );
    Ok(())
}

pub fn devices(dir: &Path, node: &Node<RedbStore>, cmd: DeviceCommand) -> Result<()> {
    match cmd {
        DeviceCommand::Pair => {
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
            let p = Pairing::new(&kp, nonce);
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
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            if digits(&code) != digits(&p.code()) {
                bail!("the code does not match: this is not the device you are holding");
            }
            let (main, log) = main_key(node)?;
            let event = next(&log, p.change(&name)).sign(&[main]);
            let n = publish(node, &log, &[event])?;
            println!("{}", p.key);
            eprintln!("added {name} in {n} chapter(s); sync them on the device to act there");
        }
        DeviceCommand::List => {
            let (_, _, log) = whoami(node)?;
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
            let (main, log) = main_key(node)?;
            let event = next(&log, KeyChange::RevokeDevice { key: device }).sign(&[main]);
            publish(node, &log, &[event])?;
            println!("revoked {device}");
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
            let (main, log) = main_key(node)?;
            let change = KeyChange::SetGuardians {
                guardians,
                threshold,
                wait_ms: wait_hours.saturating_mul(60 * 60 * 1000),
            };
            publish(node, &log, &[next(&log, change).sign(&[main])])?;
            println!("guardians set");
        }
        GuardianCommand::Show { member } => {
            let log = match member {
                Some(m) => log_of(node, &m),
                None => whoami(node)?.2,
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
                println!(
                    "recovery waiting: {} from {}",
                    p.key,
                    hearth_core::gov::receipt::iso8601(p.effective_at)
                );
            }
        }
    }
    Ok(())
}

pub fn recover(node: &Node<RedbStore>, cmd: RecoverCommand) -> Result<()> {
    match cmd {
        RecoverCommand::Request { member } => {
            let me = node
                .identity()
                .context("no identity here: run `hearth id new` for the new key")?;
            let log = log_of(node, &member);
            if log.guardians.is_none() {
                bail!(
                    "no chapter here shows guardians for {member}: sync one of the member's chapters first"
                );
            }
            let event = next(&log, KeyChange::Recover { key: me.did() });
            let sig = event.signature(me);
            println!(
                "{}",
                SignedEvent {
                    event,
                    sigs: vec![sig]
                }
                .to_text()
            );
        }
        RecoverCommand::Approve { request, yes } => {
            let me = node.identity().context("no identity here")?;
            let req = SignedEvent::from_text(&request)?;
            let KeyChange::Recover { key } = &req.event.change else {
                bail!("this is not a recovery request");
            };
            let log = log_of(node, &req.event.member);
            let guardian = log
                .guardians
                .as_ref()
                .is_some_and(|g| g.guardians.contains(&me.did()));
            if !guardian {
                bail!("you are not one of {}'s guardians here", req.event.member);
            }
            let name = node
                .spaces()
                .iter()
                .find_map(|v| v.profile(&req.event.member).map(|p| p.display_name.clone()))
                .unwrap_or_default();
            eprintln!(
                "You are approving that {} ({name}) be recovered: the key {key} becomes their main key {} h after it is submitted, unless their current key cancels it.",
                req.event.member,
                log.guardians.as_ref().map_or(0, |g| g.wait_ms / 3_600_000),
            );
            if !yes {
                eprint!("Approve? Type yes: ");
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if answer.trim() != "yes" {
                    bail!("not approved");
                }
            }
            let sig = req.event.signature(me);
            let mut approved = req;
            approved.sigs.push(sig);
            println!("{}", approved.to_text());
        }
        RecoverCommand::Submit { approvals } => {
            let mut merged: Option<SignedEvent> = None;
            for a in &approvals {
                let e = SignedEvent::from_text(a)?;
                merged = Some(match merged {
                    None => e,
                    Some(m) => m.merge(&e)?,
                });
            }
            let event = merged.context("no approvals")?;
            let log = log_of(node, &event.event.member);
            let n = publish(node, &log, &[event])?;
            eprintln!("recovery submitted in {n} chapter(s)");
        }
        RecoverCommand::Cancel => {
            let (main, log) = main_key(node)?;
            publish(
                node,
                &log,
                &[next(&log, KeyChange::CancelRecovery).sign(&[main])],
            )?;
            println!("recovery cancelled");
        }
    }
    Ok(())
}
