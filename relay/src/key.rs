//! The relay's libp2p key and WebRTC certificate, kept in its data
//! directory so that its peer id and certhash (and with them every address
//! members have saved) survive restarts.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use hearth_net::p2p::identity;

const FILE: &str = "relay.key";

/// Loads the relay's key from `dir`, creating one (readable only by its
/// owner) on first start.
pub fn load_or_create_key(dir: &Path) -> Result<identity::Keypair> {
    let path = dir.join(FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let mut seed =
            hex::decode(text.trim()).with_context(|| format!("{} is not hex", path.display()))?;
        if seed.len() != 32 {
            bail!(
                "{} holds {} bytes, not a 32-byte key",
                path.display(),
                seed.len()
            );
        }
        return identity::Keypair::ed25519_from_bytes(&mut seed)
            .with_context(|| format!("{} is not an Ed25519 key", path.display()));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    write_private(&path, &format!("{}\n", hex::encode(seed)))?;
    Ok(identity::Keypair::ed25519_from_bytes(&mut seed)?)
}

const WEBRTC_FILE: &str = "webrtc.pem";

/// Loads the relay's WebRTC certificate (PEM) from `dir`, creating one on
/// first start: its hash is in the relay's `/webrtc-direct` addresses, so
/// browsers that saved them still reach it after a restart.
pub fn load_or_create_webrtc_certificate(dir: &Path) -> Result<String> {
    let path = dir.join(WEBRTC_FILE);
    if path.exists() {
        return std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()));
    }
    let pem = hearth_net::p2p::webrtc_certificate()?;
    write_private(&path, &pem)?;
    Ok(pem)
}

/// Writes `text` to `path` whole (through a temporary file), readable only
/// by its owner.
fn write_private(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
