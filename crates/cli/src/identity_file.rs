//! The node's identity on disk: the Ed25519 seed, hex, in `identity.key`,
//! readable only by its owner. (Passphrase-sealed backups are a separate,
//! explicit export.)

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use hearth_core::Keypair;
use zeroize::Zeroizing;

const FILE: &str = "identity.key";
const NEXT: &str = "identity.next.key";

/// Writes `kp` as the identity in `dir`, refusing to replace one.
pub fn create(dir: &Path, kp: &Keypair) -> Result<()> {
    let path = dir.join(FILE);
    if path.exists() {
        bail!(
            "{} already holds an identity; refusing to replace it",
            path.display()
        );
    }
    write(dir, FILE, kp)
}

/// Keeps `kp` beside the identity in `dir`, as the key a rotation is
/// about to install (so a rotation cut short never loses the new key).
pub fn stage(dir: &Path, kp: &Keypair) -> Result<PathBuf> {
    write(dir, NEXT, kp)?;
    Ok(dir.join(NEXT))
}

/// Makes the staged key the identity (the old key is retired and no longer
/// needed), atomically.
pub fn commit(dir: &Path) -> Result<()> {
    std::fs::rename(dir.join(NEXT), dir.join(FILE))
        .with_context(|| format!("installing the new key in {}", dir.display()))
}

fn write(dir: &Path, file: &str, kp: &Keypair) -> Result<()> {
    let path = dir.join(file);
    let seed = kp.seed();
    let text: Zeroizing<String> = Zeroizing::new(seed.iter().map(|b| format!("{b:02x}")).collect());
    let tmp = dir.join(format!("{file}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let _ = std::fs::remove_file(&tmp);
    let mut f = options
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

/// Reads the identity in `dir`, if there is one.
pub fn load(dir: &Path) -> Result<Option<Keypair>> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => Zeroizing::new(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let hex = text.trim();
    if hex.len() != 64 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        bail!(
            "{} is not a Hearth identity (64 hex digits expected)",
            path.display()
        );
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).context("hex")?;
    }
    Ok(Some(Keypair::from_seed(&seed)))
}
