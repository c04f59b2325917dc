//! The relay's configuration file (TOML): what an operator keeps rather
//! than types. Flags on the command line add to it (lists, switches) or
//! take its place (single values).
//!
//! ```toml
//! listen = "0.0.0.0:8080"
//! data_dir = "/var/lib/hearth-relay"
//! p2p_listen = ["/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/tcp/4002/ws", "/ip4/0.0.0.0/udp/4003/webrtc-direct"]
//! host = ["b3zp6fy7je3fapjbkiq7lyn6gwxsqnfbegr7ct2zelxiz4vrmkd6q"]
//! accept_requests = true
//! peers = ["/dns4/relay.example.org/tcp/4001/p2p/12D3KooW…"]
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use hearth_core::SpaceId;
use serde::Deserialize;

/// What the file may say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to serve HTTP on.
    pub listen: Option<SocketAddr>,
    /// The built web app to serve.
    pub web_dir: Option<PathBuf>,
    /// Where the relay keeps its key and replica.
    pub data_dir: Option<PathBuf>,
    /// Peer-to-peer addresses to listen on.
    #[serde(default)]
    pub p2p_listen: Vec<String>,
    /// Spaces to host.
    #[serde(default)]
    pub host: Vec<SpaceId>,
    /// Host every space members bring.
    #[serde(default)]
    pub host_all: bool,
    /// Host spaces members ask for by a signed request.
    #[serde(default)]
    pub accept_requests: bool,
    /// Other relays to connect to (full multiaddrs with `/p2p/…`): through
    /// them this relay finds which relays host a space.
    #[serde(default)]
    pub peers: Vec<String>,
}

/// Why the file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// It could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// It is not a relay configuration.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its line.
        source: toml::de::Error,
    },
}

impl Config {
    /// Reads the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Reads a configuration from its text.
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_says_what_to_host_and_bad_ones_are_refused_with_the_line() {
        let c = Config::parse(
            "listen = \"127.0.0.1:9090\"\nhost = [\"b3zp6fy7je3fapjbkiq7lyn6gwxsqnfbegr7ct2zelxiz4vrmkd6q\"]\naccept_requests = true\npeers = [\"/ip4/10.0.0.2/tcp/4001\"]\n",
        )
        .expect("parses");
        assert_eq!(c.listen, Some("127.0.0.1:9090".parse().expect("addr")));
        assert_eq!(c.host.len(), 1);
        assert!(c.accept_requests && !c.host_all);
        assert_eq!(c.peers, ["/ip4/10.0.0.2/tcp/4001"]);
        let bad = Config::parse("hots = []\n").expect_err("unknown key");
        assert!(bad.to_string().contains("hots"), "{bad}");
        let bad = Config::parse("host = [\"not-a-space\"]\n").expect_err("bad id");
        assert!(bad.to_string().contains("line 1"), "{bad}");
    }
}
