//! `hearth id backup` and `hearth id restore`: the identity, the spaces it
//! holds and the relays it uses, sealed under a passphrase (see
//! `hearth_core::backup` for the format).

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use hearth_core::backup::{self, Backup, KdfParams};
use hearth_node::Env;
use zeroize::Zeroizing;

use crate::identity_file;

/// Where the passphrase comes from: a file, the environment, or a prompt.
#[derive(Args)]
pub struct Passphrase {
    /// Read the passphrase from this file's first line (for scripts).
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

impl Passphrase {
    /// The passphrase: `--passphrase-file`, else `HEARTH_PASSPHRASE`, else a
    /// prompt on the terminal (asked twice when `confirm`).
    fn read(&self, confirm: bool) -> Result<Zeroizing<String>> {
        if let Some(path) = &self.passphrase_file {
            let text = Zeroizing::new(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
            return Ok(Zeroizing::new(
                text.lines().next().unwrap_or_default().to_owned(),
            ));
        }
        if let Ok(p) = std::env::var("HEARTH_PASSPHRASE") {
            return Ok(Zeroizing::new(p));
        }
        if !std::io::stdin().is_terminal() {
            bail!("no passphrase: use --passphrase-file, HEARTH_PASSPHRASE or a terminal");
        }
        let first = Zeroizing::new(rpassword::prompt_password("Passphrase: ")?);
        if confirm {
            let again = Zeroizing::new(rpassword::prompt_password("Passphrase again: ")?);
            if *again != *first {
                bail!("the two passphrases differ; nothing was written");
            }
        }
        Ok(first)
    }
}

/// Writes a backup of the identity in `dir` to `file` (`-`: print it as
/// text); `qr` also prints it as QR parts.
pub fn backup(
    dir: &Path,
    file: &Path,
    relays: Vec<String>,
    qr: bool,
    passphrase: &Passphrase,
) -> Result<()> {
    let Some(keypair) = identity_file::load(dir)? else {
        bail!("no identity in {}: run `hearth id new`", dir.display());
    };
    let spaces = crate::open_node(dir)?
        .spaces()
        .iter()
        .map(|v| v.id())
        .collect();
    let env = hearth_node::SystemEnv;
    let content = Backup {
        keypair,
        spaces,
        relays,
        created_ms: env.now_ms(),
    };
    let passphrase = passphrase.read(true)?;
    let mut salt = [0u8; backup::SALT_LEN];
    let mut nonce = [0u8; backup::NONCE_LEN];
    env.random_bytes(&mut salt);
    env.random_bytes(&mut nonce);
    let sealed = backup::seal(&content, &passphrase, KdfParams::DEFAULT, salt, nonce)?;
    if file == Path::new("-") {
        println!("{}", backup::to_text(&sealed));
    } else {
        write_new(file, &sealed)?;
        eprintln!(
            "backed up {} ({} spaces, {} relays) to {}",
            content.keypair.did().fmt_short(),
            content.spaces.len(),
            content.relays.len(),
            file.display()
        );
    }
    if qr {
        for part in backup::qr_parts(&sealed, 400) {
            println!("{part}");
        }
    }
    Ok(())
}

/// Writes `bytes` to a new file readable only by its owner.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Reads a backup from `file` (`-`: standard input), as the file's bytes or
/// as its text form.
fn read_backup(file: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes)?;
    } else {
        bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    }
    Ok(backup::from_file_or_text(bytes)?)
}

/// Installs the identity in a backup as this node's; refuses to replace a
/// different one. Prints the identity, then how to fetch its spaces.
pub fn restore(dir: &Path, file: &Path, passphrase: &Passphrase) -> Result<()> {
    let bytes = read_backup(file)?;
    let params = backup::params_of(&bytes)?;
    let passphrase = passphrase.read(false)?;
    eprintln!(
        "opening the backup (Argon2id, {} MiB, {} passes)…",
        params.m_kib / 1024,
        params.t
    );
    let opened = backup::open(&bytes, &passphrase)?;
    let did = opened.keypair.did();
    std::fs::create_dir_all(dir)?;
    match identity_file::load(dir)? {
        Some(existing) if existing.did() == did => {
            eprintln!("this node already is {}", did.fmt_short());
        }
        Some(existing) => bail!(
            "{} already holds another identity ({}); restore into an empty --dir",
            dir.display(),
            existing.did().fmt_short()
        ),
        None => identity_file::create(dir, &opened.keypair)?,
    }
    println!("{did}");
    for space in &opened.spaces {
        println!("space {space}");
    }
    for relay in &opened.relays {
        println!("relay {relay}");
    }
    // Relays named by peer address can be dialled from here; a web address
    // (the relay whose page made the backup) is only shown.
    let dialable: Vec<&String> = opened
        .relays
        .iter()
        .filter(|r| r.parse::<hearth_net::p2p::Multiaddr>().is_ok())
        .collect();
    if !opened.spaces.is_empty() && !dialable.is_empty() {
        let relays: String = dialable.iter().map(|r| format!(" --relay {r}")).collect();
        let spaces: String = opened
            .spaces
            .iter()
            .map(|s| format!(" --space {s}"))
            .collect();
        eprintln!("fetch your spaces with: hearth sync{relays}{spaces}");
    }
    Ok(())
}
