//! What a network is started with, what it reports, and what it can be
//! asked to do while it runs.

use std::time::Duration;

use hearth_core::SpaceId;
use hearth_node::NodeError;
use libp2p::{Multiaddr, PeerId};

/// How a network starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Addresses to listen on (`/ip4/127.0.0.1/tcp/0`, `…/tcp/0/ws`, `…/udp/0/quic-v1`).
    pub listen: Vec<Multiaddr>,
    /// Peers to dial (with their `/p2p/…` id).
    pub dial: Vec<Multiaddr>,
    /// Run the circuit relay v2 server (a community relay).
    pub relay_server: bool,
    /// Host every space a peer syncs with this one (a community's relay).
    pub host_all: bool,
    /// Hold a reservation on the dialled relays so other members can reach
    /// this one through them, and reach members heard in gossip that way.
    pub circuits: bool,
    /// Host spaces members ask for by signed request (checked to come from
    /// a member once the space's ops are in).
    pub accept_host_requests: bool,
    /// The WebRTC certificate (PEM, from [`super::webrtc_certificate`]) for
    /// listening on `/webrtc-direct` addresses: a relay for browsers
    /// (native, with the `webrtc` feature).
    pub webrtc_pem: Option<String>,
    /// STUN or TURN servers a browser asks for its public address when it
    /// connects to another browser directly (`stun:host:port`).
    pub ice_servers: Vec<String>,
}

/// Why the network stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// A transport could not be set up.
    #[error("transport: {0}")]
    Transport(String),
    /// An address could not be listened on or dialled.
    #[error("address {addr}: {reason}")]
    Address {
        /// The address.
        addr: Multiaddr,
        /// Why.
        reason: String,
    },
    /// The node failed.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The deadline passed first.
    #[error("gave up after {0:?}")]
    Timeout(Duration),
}

/// What the network looks like now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Connected peers.
    pub peers: Vec<PeerId>,
    /// How each space synced stands.
    pub spaces: Vec<SpaceSync>,
    /// Where this peer listens.
    pub listening: Vec<Multiaddr>,
    /// Peers reached through a relay's circuit (members' browsers).
    pub circuit_peers: usize,
    /// How each connected peer is reached.
    pub links: Vec<(PeerId, Link)>,
    /// What went over the wire so far.
    pub traffic: Traffic,
    /// Why the last address asked for ([`Command::Dial`]) could not be
    /// dialled, if it could not.
    pub dial_error: Option<String>,
    /// Why the last direct (browser-to-browser) connection could not be
    /// made, if one failed; the peer stays reached through the relay.
    pub direct_error: Option<String>,
    /// Hosting requests this relay turned down, with why.
    pub refused_hosting: Vec<(SpaceId, String)>,
}

/// How a connected peer is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Link {
    /// Browser to browser over WebRTC, no relay in between.
    Direct,
    /// Through a relay's circuit.
    Relayed,
    /// Over an address of its own (a relay, a native peer).
    Network,
}

impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Link::Direct => "direct",
            Link::Relayed => "relayed",
            Link::Network => "network",
        })
    }
}

/// How one space stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaceSync {
    /// The space.
    pub space: SpaceId,
    /// Ops this node holds.
    pub held: u64,
    /// Whether a connected peer is known to hold exactly the same.
    pub agreed: bool,
    /// The most ops a connected peer holds, as its vector last said: where
    /// a sync in progress is heading.
    pub peer_held: Option<u64>,
}

impl SpaceSync {
    /// Ops still to come, as far as a peer said (its count less ours).
    pub fn missing(&self) -> Option<u64> {
        self.peer_held.map(|p| p.saturating_sub(self.held))
    }
}

/// "12 ops (in step)", "40 of 100 ops", or "12 ops" while nothing is known.
impl std::fmt::Display for SpaceSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.agreed, self.peer_held) {
            (true, _) => write!(f, "{} ops (in step)", self.held),
            (false, Some(peer)) if peer > self.held => write!(f, "{} of {peer} ops", self.held),
            _ => write!(f, "{} ops", self.held),
        }
    }
}

/// Counters a relay's operator watches (`/metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Sync bytes received (requests and gossip).
    pub bytes_in: u64,
    /// Sync bytes sent (requests and gossip, once per publish).
    pub bytes_out: u64,
    /// Peers holding a reservation on this relay now.
    pub reservations: usize,
    /// Circuits this relay carries now.
    pub circuits: usize,
    /// Ops received by gossip push (duplicates included).
    pub ops_pushed_in: u64,
    /// Ops received in anti-entropy batches (duplicates included).
    pub ops_pulled_in: u64,
}

impl Status {
    /// Whether every space agrees with some connected peer.
    pub fn in_sync(&self) -> bool {
        !self.peers.is_empty() && self.spaces.iter().all(|s| s.agreed)
    }
}

/// Asks a running network to do something.
#[derive(Debug, Clone)]
pub enum Command {
    /// Sync this space too.
    Host(SpaceId),
    /// Dial this peer.
    Dial(Multiaddr),
    /// Ask the relay `relay` (connected) to host this space, signed by this
    /// node's identity.
    RequestHosting {
        /// The relay.
        relay: PeerId,
        /// The space.
        space: SpaceId,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(held: u64, agreed: bool, peer_held: Option<u64>) -> SpaceSync {
        SpaceSync {
            space: SpaceId::from_bytes([1; 32]),
            held,
            agreed,
            peer_held,
        }
    }

    #[test]
    fn a_space_says_how_far_its_sync_is() {
        assert_eq!(space(12, true, Some(12)).to_string(), "12 ops (in step)");
        assert_eq!(space(40, false, Some(100)).to_string(), "40 of 100 ops");
        assert_eq!(space(40, false, Some(100)).missing(), Some(60));
        // Nothing heard yet, or the peer holds fewer (it lacks ours).
        assert_eq!(space(12, false, None).to_string(), "12 ops");
        assert_eq!(space(12, false, None).missing(), None);
        assert_eq!(space(12, false, Some(5)).to_string(), "12 ops");
        assert_eq!(space(12, false, Some(5)).missing(), Some(0));
    }
}
