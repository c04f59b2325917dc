//! The libp2p side: one composed behaviour for members and relays, and a
//! runner that carries the sync machine over it, natively and in the browser.
//!
//! - Sync messages travel as requests of the `/hearth/sync/1`
//!   request-response protocol (CBOR-framed bytes, each a DAG-CBOR
//!   [`SyncMessage`](crate::sync::SyncMessage); the answer is an empty ack).
//! - New ops are published on the space's gossipsub topic
//!   (`hearth/space/<id>`), with a size limit and peer scoring; the op is
//!   signed by its author, the gossip envelope by its publisher.
//! - Natively, a Kademlia DHT (`/hearth/kad/1`) tells which relays host a
//!   space: relays announce the spaces they host, and nodes dial the
//!   providers of the spaces they sync.
//! - identify and ping keep peers known and connections alive; a relay
//!   runs the circuit relay v2 server (limits raised far above the defaults
//!   so a sync is never cut off), members its client.

mod circuit;
mod direct;
#[cfg_attr(target_arch = "wasm32", path = "discovery_none.rs")]
mod discovery;
mod gossip;
mod relayed;
mod run;
mod status;
mod transport;
#[cfg(target_arch = "wasm32")]
pub mod webrtc;
pub use direct::{is_webrtc, parse_webrtc_addr};
pub use discovery::{Kad, KadEvent};
pub use relayed::Relayed;
pub use run::{Command, Link, Network, NetworkError, Options, SpaceSync, Status, Traffic};
#[cfg(all(not(target_arch = "wasm32"), feature = "webrtc"))]
pub use transport::webrtc_certificate;

pub use libp2p::multiaddr::Protocol;
pub use libp2p::{Multiaddr, PeerId, identity};

use std::time::Duration;

use hearth_core::SpaceId;
use libp2p::swarm::NetworkBehaviour;
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::{
    StreamProtocol, connection_limits, gossipsub, identify, ping, relay, request_response,
};
use serde_bytes::ByteBuf;

use crate::sync::MAX_MESSAGE_BYTES;

/// The sync protocol's name.
pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/hearth/sync/1");

/// What identify announces.
pub const AGENT: &str = concat!("hearth/", env!("CARGO_PKG_VERSION"));

/// The gossipsub topic of a space.
pub fn topic(space: &SpaceId) -> gossipsub::IdentTopic {
    gossipsub::IdentTopic::new(format!("hearth/space/{space}"))
}

pub use composed::{Behaviour, BehaviourEvent};

mod composed {
    // The derive also generates `BehaviourEvent`, one variant per field.
    #![allow(missing_docs)]
    use super::*;

    /// Everything a Hearth peer speaks.
    #[derive(NetworkBehaviour)]
    pub struct Behaviour {
        /// How many connections it takes (first, so it refuses before the
        /// others set anything up).
        pub limits: connection_limits::Behaviour,
        /// Sync messages, one request each.
        pub sync: request_response::cbor::Behaviour<ByteBuf, ()>,
        /// New ops, on each space's topic (moved off circuits once a
        /// peer is reached directly).
        pub gossipsub: gossip::Gossip,
        /// Who a peer is and where it listens.
        pub identify: identify::Behaviour,
        /// Keeps connections alive and measures them.
        pub ping: ping::Behaviour,
        /// Circuit relay v2 server (relays only).
        pub relay: Toggle<relay::Behaviour>,
        /// Circuit relay v2 client (members).
        pub relay_client: Toggle<relay::client::Behaviour>,
        /// Which relays host a space (native only).
        pub kad: Kad,
        /// Browser-to-browser WebRTC signaling streams (browsers only).
        pub signaling: Toggle<libp2p_stream::Behaviour>,
        /// Relayed connections for WebRTC signaling (browsers only).
        pub relayed: Toggle<Relayed>,
    }
}

/// Connections a relay takes from members' devices at once.
pub const RELAY_MAX_PEERS: u32 = 4_096;
/// Connections a member's node keeps at once (its relays and the members
/// it reached).
pub const MEMBER_MAX_PEERS: u32 = 256;
/// Connections still handshaking at once, each way.
const MAX_PENDING: u32 = 256;
/// Connections to one peer (a relayed and a direct one, redials).
const PER_PEER: u32 = 4;

fn limits(relay_server: bool) -> connection_limits::ConnectionLimits {
    let peers = if relay_server {
        RELAY_MAX_PEERS
    } else {
        MEMBER_MAX_PEERS
    };
    connection_limits::ConnectionLimits::default()
        .with_max_pending_incoming(Some(MAX_PENDING))
        .with_max_pending_outgoing(Some(MAX_PENDING))
        .with_max_established(Some(peers))
        .with_max_established_per_peer(Some(PER_PEER))
}

/// Gossipsub's scores, without its penalty for peers that share an IP
/// address. By default more than ten peers on one address drive each
/// other's scores below the graylist: a relay then ignores every op they
/// publish. Members of a cooperative often share one (an office, a
/// household, a carrier's NAT, loopback in tests); what a peer sends is
/// rate-limited and blamed per peer by the sync machine instead.
fn score_params() -> gossipsub::PeerScoreParams {
    gossipsub::PeerScoreParams {
        ip_colocation_factor_weight: 0.0,
        ..gossipsub::PeerScoreParams::default()
    }
}

/// Why the behaviour could not be built.
#[derive(Debug, thiserror::Error)]
#[error("gossipsub: {0}")]
pub struct BehaviourError(String);

impl Behaviour {
    /// The behaviour of a peer with `key`: a relay server when `relay` is
    /// set, a relay client when `relay_client` is given, browser-to-browser
    /// WebRTC signaling when `webrtc` is.
    pub fn new(
        key: &identity::Keypair,
        relay_server: bool,
        relay_client: Option<relay::client::Behaviour>,
        webrtc: Option<(libp2p_stream::Behaviour, Relayed)>,
    ) -> Result<Self, BehaviourError> {
        let peer_id = key.public().to_peer_id();
        let (signaling, relayed) = webrtc.unzip();
        let codec = request_response::cbor::codec::Codec::default()
            .set_request_size_maximum(2 * MAX_MESSAGE_BYTES as u64)
            .set_response_size_maximum(64);
        let sync = request_response::Behaviour::with_codec(
            codec,
            [(SYNC_PROTOCOL, request_response::ProtocolSupport::Full)],
            request_response::Config::default()
                .with_request_timeout(Duration::from_secs(30))
                .with_max_concurrent_streams(64),
        );
        let mut config = gossipsub::ConfigBuilder::default();
        config
            .max_transmit_size(128 * 1024)
            // The envelope is signed by its publisher as libp2p's other
            // implementations require (js-libp2p takes nothing else); its
            // `source` lets members reach each other through a relay. The
            // op inside is signed by its author and checked on ingest too.
            .validation_mode(gossipsub::ValidationMode::Strict)
            .heartbeat_interval(Duration::from_secs(1));
        if relay_server {
            // Members' browsers meet at the relay and often reach no one
            // else: it keeps every subscriber in its mesh, so a new op
            // reaches each at once rather than by lazy gossip a heartbeat
            // later.
            config.mesh_n_high(RELAY_MAX_PEERS as usize);
        }
        let config = config.build().map_err(|e| BehaviourError(e.to_string()))?;
        let mut gossipsub =
            gossipsub::Behaviour::new(gossipsub::MessageAuthenticity::Signed(key.clone()), config)
                .map_err(|e| BehaviourError(e.to_string()))?;
        gossipsub
            .with_peer_score(score_params(), gossipsub::PeerScoreThresholds::default())
            .map_err(BehaviourError)?;
        let relay = relay_server.then(|| {
            // A circuit carries a whole sync: far above the defaults of
            // 2 minutes and 128 KiB.
            let config = relay::Config {
                max_circuit_duration: Duration::from_secs(24 * 60 * 60),
                max_circuit_bytes: 1 << 40,
                ..relay::Config::default()
            };
            relay::Behaviour::new(peer_id, config)
        });
        Ok(Behaviour {
            limits: connection_limits::Behaviour::new(limits(relay_server)),
            sync,
            gossipsub: gossip::Gossip::new(gossipsub),
            identify: identify::Behaviour::new(
                identify::Config::new("/hearth/1.0.0".into(), key.public())
                    .with_agent_version(AGENT.into()),
            ),
            ping: ping::Behaviour::default(),
            relay: relay.into(),
            relay_client: relay_client.into(),
            kad: discovery::behaviour(peer_id, relay_server),
            signaling: signaling.into(),
            relayed: relayed.into(),
        })
    }
}
