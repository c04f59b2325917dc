//! `hearth`: the command line for a Hearth node.
//!
//! Every command opens the node in the data directory (`--dir` or
//! `HEARTH_DIR`), does one thing through the node handle, and exits. Exit
//! status 0 means success; 1 means the command ran but found a problem (e.g.
//! `verify` found invalid ops); 2 means bad usage or input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use hearth_core::car;
use hearth_core::op::Body;
use hearth_core::{Did, Keypair, Op, SpaceId};
use hearth_node::{Node, SystemEnv};
use hearth_store::suite::run_ready;
use hearth_store::{MemoryStore, RedbStore, Store};

mod backup;
mod chapter;
mod charter;
mod credential;
mod domain;
mod gov;
mod gov_proposal;
mod gov_records;
mod identity_file;
mod keys;
mod ledger;
mod sync;
mod trust;

#[derive(Parser)]
#[command(name = "hearth", version, about = "A Hearth node on the command line")]
struct Cli {
    /// Data directory (identity and database).
    #[arg(long, global = true, env = "HEARTH_DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Identity: create or show this node's did:key; back it up and restore it.
    #[command(subcommand)]
    Id(IdCommand),
    /// Spaces: create, list, show, manage members.
    #[command(subcommand)]
    Space(SpaceCommand),
    /// Ops: post, list, export, import.
    #[command(subcommand)]
    Op(OpCommand),
    /// Chapters: found, show, members, invite, join, leave, and membership changes.
    #[command(subcommand)]
    Chapter(chapter::ChapterCommand),
    /// A chapter's charter: show, versions, diff, statutes, parameters, orders.
    #[command(subcommand)]
    Charter(charter::CharterCommand),
    /// Governance: proposals, votes, delegation, appeals, orders, emergencies, receipts.
    #[command(subcommand)]
    Gov(gov::GovCommand),
    #[command(flatten)]
    Ledger(ledger::LedgerCommand),
    /// The trust graph: add, revoke, score, graph.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// Verifiable Credentials: issue a chapter membership, verify one.
    #[command(subcommand)]
    Credential(credential::CredentialCommand),
    /// Check a CAR or DAG-CBOR file of ops offline and print each op's validity.
    Verify {
        /// The file to check.
        file: PathBuf,
    },
    /// What the node holds.
    Status,
    /// Exchange ops with peers (a community relay) until in step.
    Sync {
        /// A peer to dial: a relay's multiaddr ending in `/p2p/<peer id>`.
        #[arg(long = "relay", required = true)]
        relays: Vec<hearth_net::p2p::Multiaddr>,
        /// Also sync (join) this space, beyond those already held.
        #[arg(long = "space")]
        spaces: Vec<SpaceId>,
        /// Keep running and syncing instead of stopping once in step.
        #[arg(long)]
        watch: bool,
        /// Give up after this many seconds (without --watch).
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// Ask a community relay to host a space you are a member of (a request
    /// signed by your identity), then sync it there.
    Host {
        /// The relay's multiaddr, ending in `/p2p/<peer id>`.
        #[arg(long = "relay", required = true)]
        relays: Vec<hearth_net::p2p::Multiaddr>,
        /// The space.
        space: SpaceId,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
}

#[derive(Subcommand)]
enum IdCommand {
    /// Create a new identity (refuses to replace an existing one).
    New,
    /// Show the member this node acts for (their DID stays the same when
    /// keys change), and this node's key when it is another.
    Show,
    /// Seal the identity, the spaces it holds and the given relays into a
    /// passphrase-protected backup (Argon2id + XChaCha20-Poly1305).
    Backup {
        /// The file to write (must not exist); `-` prints the backup as text.
        file: PathBuf,
        /// A relay to record, so a restore knows where to fetch the spaces.
        #[arg(long = "relay")]
        relays: Vec<hearth_net::p2p::Multiaddr>,
        /// Also print the backup as QR parts, one per line.
        #[arg(long)]
        qr: bool,
        #[command(flatten)]
        passphrase: backup::Passphrase,
    },
    /// Install the identity from a backup (a file, its text form, or QR
    /// parts; `-` reads standard input) in this data directory.
    Restore {
        /// The backup.
        file: PathBuf,
        #[command(flatten)]
        passphrase: backup::Passphrase,
    },
    /// Replace the main key with a new one (same DID), in every chapter.
    Rotate,
    /// Carry your identity log into every chapter here that lacks part of
    /// it (one joined after a key changed).
    Publish,
    /// Devices that act for you: pair, add, list, revoke.
    #[command(subcommand)]
    Devices(keys::DeviceCommand),
    /// Guardians who can recover your identity: set, show.
    #[command(subcommand)]
    Guardians(keys::GuardianCommand),
    /// Recover an identity through its guardians: request, approve,
    /// submit, cancel.
    #[command(subcommand)]
    Recover(keys::RecoverCommand),
}

#[derive(Subcommand)]
enum SpaceCommand {
    /// Create a space; you are its creator and first member.
    New {
        /// The space's name.
        name: String,
    },
    /// List the spaces this node holds.
    List,
    /// Show a space: name, creator, members.
    Show {
        /// The space id (`b…`).
        space: SpaceId,
    },
    /// Admit a member (creator only).
    Add {
        /// The space id.
        space: SpaceId,
        /// The member's did:key.
        member: Did,
    },
    /// Remove a member (creator only).
    Remove {
        /// The space id.
        space: SpaceId,
        /// The member's did:key.
        member: Did,
    },
}

#[derive(Subcommand)]
enum OpCommand {
    /// Post a note to a space.
    Note {
        /// The space id.
        space: SpaceId,
        /// The text.
        text: String,
    },
    /// List a space's ops in the order this node accepted them.
    Log {
        /// The space id.
        space: SpaceId,
        /// Show at most this many, from the newest.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Write a space's ops to a CARv1 file.
    Export {
        /// The space id.
        space: SpaceId,
        /// The CAR file to write.
        file: PathBuf,
    },
    /// Ingest ops from a CARv1 file (from another node's export).
    Import {
        /// The CAR file to read.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn data_dir(dir: Option<PathBuf>) -> Result<PathBuf> {
    match dir {
        Some(d) => Ok(d),
        None => {
            let home = std::env::var_os("HOME").context("set --dir or HEARTH_DIR (no HOME)")?;
            Ok(PathBuf::from(home).join(".local/share/hearth"))
        }
    }
}

fn open_node(dir: &Path) -> Result<Node<RedbStore>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let identity = identity_file::load(dir)?;
    let store = RedbStore::open(dir.join("hearth.redb")).context("opening the database")?;
    Ok(run_ready(Node::open(store, identity, Box::new(SystemEnv)))?)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let dir = data_dir(cli.dir)?;
    match cli.command {
        Command::Id(IdCommand::New) => {
            std::fs::create_dir_all(&dir)?;
            let kp = Keypair::generate(&mut rand_core_rng());
            identity_file::create(&dir, &kp)?;
            println!("{}", kp.did());
            eprintln!(
                "created identity {} in {}",
                kp.did().fmt_short(),
                dir.display()
            );
        }
        Command::Id(IdCommand::Show) => match identity_file::load(&dir)? {
            Some(_) => keys::show(&open_node(&dir)?)?,
            None => bail!("no identity in {}: run `hearth id new`", dir.display()),
        },
        Command::Id(IdCommand::Backup {
            file,
            relays,
            qr,
            passphrase,
        }) => {
            let relays = relays.iter().map(ToString::to_string).collect();
            backup::backup(&dir, &file, relays, qr, &passphrase)?;
        }
        Command::Id(IdCommand::Restore { file, passphrase }) => {
            backup::restore(&dir, &file, &passphrase)?;
        }
        Command::Id(IdCommand::Rotate) => keys::rotate(&dir, &open_node(&dir)?)?,
        Command::Id(IdCommand::Publish) => keys::publish(&open_node(&dir)?)?,
        Command::Id(IdCommand::Devices(cmd)) => keys::devices(&dir, &open_node(&dir)?, cmd)?,
        Command::Id(IdCommand::Guardians(cmd)) => keys::guardians(&open_node(&dir)?, cmd)?,
        Command::Id(IdCommand::Recover(cmd)) => keys::recover(&open_node(&dir)?, cmd)?,
        Command::Space(cmd) => space(&open_node(&dir)?, cmd)?,
        Command::Op(cmd) => return op(&open_node(&dir)?, cmd),
        Command::Chapter(cmd) => chapter::chapter(&open_node(&dir)?, cmd)?,
        Command::Charter(cmd) => charter::charter(&open_node(&dir)?, cmd)?,
        Command::Gov(cmd) => gov::run(&open_node(&dir)?, cmd)?,
        Command::Ledger(cmd) => ledger::run(&open_node(&dir)?, cmd)?,
        Command::Trust(cmd) => trust::run(&open_node(&dir)?, cmd)?,
        Command::Verify { file } => return verify(&file),
        Command::Credential(cmd) => return credential::run(cmd, || open_node(&dir)),
        Command::Sync {
            relays,
            spaces,
            watch,
            timeout,
        } => {
            let request = sync::Request {
                peers: relays,
                spaces,
                watch,
                timeout: std::time::Duration::from_secs(timeout),
                ask_hosting: false,
            };
            sync::run(open_node(&dir)?, request)?;
        }
        Command::Host {
            relays,
            space,
            timeout,
        } => {
            let request = sync::Request {
                peers: relays,
                spaces: vec![space],
                watch: false,
                timeout: std::time::Duration::from_secs(timeout),
                ask_hosting: true,
            };
            sync::run(open_node(&dir)?, request)?;
        }
        Command::Status => {
            let node = open_node(&dir)?;
            let c = run_ready(node.counts())?;
            println!("spaces {}", node.spaces().len());
            println!(
                "ops {}\npending {}\nquarantined {}",
                c.ops, c.pending, c.quarantined
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn rand_core_rng() -> impl rand_core::CryptoRng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

fn space(node: &Node<RedbStore>, cmd: SpaceCommand) -> Result<()> {
    match cmd {
        SpaceCommand::New { name } => {
            let id = run_ready(node.create_space(&name))?;
            println!("{id}");
        }
        SpaceCommand::List => {
            for v in node.spaces() {
                println!(
                    "{}\t{}\t{} members\t{} ops",
                    v.id(),
                    v.name(),
                    v.members().len(),
                    v.op_count
                );
            }
        }
        SpaceCommand::Show { space } => {
            let status = run_ready(node.status(&space))?;
            let v = status.view;
            println!(
                "space    {}\nname     {}\ncreator  {}\nops      {}",
                v.id(),
                v.name(),
                v.creator(),
                v.op_count
            );
            println!(
                "state    {}",
                if status.complete {
                    "complete"
                } else {
                    "syncing"
                }
            );
            println!("members  {}", v.members().len());
            for m in v.members() {
                println!("  {}", m.did);
            }
        }
        SpaceCommand::Add { space, member } => {
            let id = run_ready(node.create_op(&space, Body::AddMember { member }))?;
            println!("{id}");
        }
        SpaceCommand::Remove { space, member } => {
            let id = run_ready(node.create_op(&space, Body::RemoveMember { member }))?;
            println!("{id}");
        }
    }
    Ok(())
}

fn op(node: &Node<RedbStore>, cmd: OpCommand) -> Result<ExitCode> {
    match cmd {
        OpCommand::Note { space, text } => {
            let id = run_ready(node.create_op(&space, Body::Note { text }))?;
            println!("{id}");
        }
        OpCommand::Log { space, limit } => {
            let total = run_ready(node.store().version_vector(&space))?.op_count();
            for (stored, op) in
                run_ready(node.ops(&space, total.saturating_sub(limit as u64), limit))?
            {
                println!("{}", describe(&stored.meta.id.to_string(), &op));
            }
        }
        OpCommand::Export { space, file } => {
            let bytes = run_ready(node.export_car(&space))?;
            std::fs::write(&file, &bytes).with_context(|| format!("writing {}", file.display()))?;
            eprintln!("wrote {} bytes to {}", bytes.len(), file.display());
        }
        OpCommand::Import { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let archive = car::read_car(&bytes).context("not a CAR file")?;
            let blocks = archive.blocks.into_iter().map(|(_, b)| b).collect();
            let report =
                run_ready(node.ingest(blocks, |p| eprintln!("ingested {}/{}", p.done, p.total)))?;
            println!(
                "accepted {}  duplicates {}  pending {}  quarantined {}",
                report.accepted.len(),
                report.duplicates,
                report.pending,
                report.quarantined.len()
            );
            for (id, why) in &report.quarantined {
                println!("quarantined {id}: {why}");
            }
            if report.ahead > 0 {
                println!(
                    "not yet taken: {} op(s) claimed later than this clock allows",
                    report.ahead
                );
            }
            if !report.quarantined.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(id: &str, op: &Op) -> String {
    let d = &op.data;
    let what = match &d.body {
        Body::Genesis { name, .. } => format!("genesis {name:?}"),
        Body::AddMember { member } => format!("add_member {member}"),
        Body::RemoveMember { member } => format!("remove_member {member}"),
        Body::Note { text } => format!("note {text:?}"),
        other => other.kind().to_string(),
    };
    format!(
        "{id}  {} seq {}  ts {}  {what}",
        d.author.fmt_short(),
        d.seq,
        d.ts
    )
}

/// Checks a file offline with a throwaway in-memory node: the same ingest
/// path as everywhere, so "valid" here means valid everywhere.
fn verify(file: &Path) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let blocks = match car::read_car(&bytes) {
        Ok(archive) => archive.blocks.into_iter().map(|(_, b)| b).collect(),
        Err(car_err) => match Op::decode(&bytes) {
            Ok(_) => vec![bytes],
            Err(op_err) => bail!("neither a CAR ({car_err}) nor a DAG-CBOR op ({op_err})"),
        },
    };
    let node = run_ready(Node::open(MemoryStore::new(), None, Box::new(SystemEnv)))?;
    let report = run_ready(node.ingest(blocks.clone(), |_| {}))?;
    let pending = run_ready(node.store().pending(usize::MAX))?;
    let mut bad = 0;
    for block in &blocks {
        let id = hearth_core::OpId::of_block(block);
        let text = id.to_string();
        let shown = match Op::decode(block) {
            Ok(op) => describe(&text, &op.op),
            Err(_) => text,
        };
        if let Some((_, why)) = report.quarantined.iter().find(|(q, _)| *q == id) {
            bad += 1;
            let label = match why {
                hearth_core::Rejection::Refused(_) => "REFUSED",
                _ => "INVALID",
            };
            println!("{label}  {shown}\n         {why}");
        } else if let Some(p) = pending.iter().find(|p| p.id == id) {
            bad += 1;
            let missing: Vec<String> = p.missing.iter().map(|m| m.to_string()).collect();
            println!("PENDING  {shown}\n         missing {}", missing.join(", "));
        } else {
            println!("valid    {shown}");
        }
    }
    println!(
        "{} ops: {} valid, {} not",
        blocks.len(),
        blocks.len() - bad,
        bad
    );
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
