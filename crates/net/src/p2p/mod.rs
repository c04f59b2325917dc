//! The libp2p side: one composed behaviour for members and relays, and a
//! runner that carries the sync machine over it, natively and in the browser.
//!
//! - Sync messages travel as requests of the `/hearth/sync/1`
//!   request-response protocol (CBOR-framed bytes, each a DAG-CBOR
//!   [`SyncMessage`](crate::sync::SyncMessage); the answer is an empty ack).
//! - New ops are published on the space's gossipsub topic
//!   (`hearth/space/<id>`), with signed messages, a size limit and peer
//!   scoring.
//! - identify and ping keep peers known and connections alive; a relay
//!   runs the circuit relay v2 server (limits raised far above the defaults
//!   so a sync is never cut off), members its client.

mod circuit;
mod run;
mod transport;
pub use run::{Command, Network, NetworkError, Options, Status, Traffic};

pub use libp2p::multiaddr::Protocol;
pub use libp2p::{Multiaddr, PeerId, identity};

use std::time::Duration;

use hearth_core::SpaceId;
use libp2p::swarm::NetworkBehaviour;
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::{StreamProtocol, gossipsub, identify, ping, relay, request_response};
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
        /// Sync messages, one request each.
        pub sync: request_response::cbor::Behaviour<ByteBuf, ()>,
        /// New ops, on each space's topic.
        pub gossipsub: gossipsub::Behaviour,
        /// Who a peer is and where it listens.
        pub identify: identify::Behaviour,
        /// Keeps connections alive and measures them.
        pub ping: ping::Behaviour,
        /// Circuit relay v2 server (relays only).
        pub relay: Toggle<relay::Behaviour>,
        /// Circuit relay v2 client (members).
        pub relay_client: Toggle<relay::client::Behaviour>,
    }
}

/// Why the behaviour could not be built.
#[derive(Debug, thiserror::Error)]
#[error("gossipsub: {0}")]
pub struct BehaviourError(String);

impl Behaviour {
    /// The behaviour of a peer with `key`: a relay server when `relay` is
    /// set, a relay client when `relay_client` is given.
    pub fn new(
        key: &identity::Keypair,
        relay_server: bool,
        relay_client: Option<relay::client::Behaviour>,
    ) -> Result<Self, BehaviourError> {
        let peer_id = key.public().to_peer_id();
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
        let config = gossipsub::ConfigBuilder::default()
            .max_transmit_size(128 * 1024)
            .validation_mode(gossipsub::ValidationMode::Strict)
            .heartbeat_interval(Duration::from_secs(1))
            .build()
            .map_err(|e| BehaviourError(e.to_string()))?;
        let mut gossipsub =
            gossipsub::Behaviour::new(gossipsub::MessageAuthenticity::Signed(key.clone()), config)
                .map_err(|e| BehaviourError(e.to_string()))?;
        gossipsub
            .with_peer_score(
                gossipsub::PeerScoreParams::default(),
                gossipsub::PeerScoreThresholds::default(),
            )
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
            sync,
            gossipsub,
            identify: identify::Behaviour::new(
                identify::Config::new("/hearth/1.0.0".into(), key.public())
                    .with_agent_version(AGENT.into()),
            ),
            ping: ping::Behaviour::default(),
            relay: relay.into(),
            relay_client: relay_client.into(),
        })
    }
}
