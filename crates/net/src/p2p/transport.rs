//! The transports, per platform. Native: TCP and WebSocket with noise and
//! yamux, QUIC, DNS. Browser: WebSocket to relays (WebRTC joins with the
//! browser-to-browser work). Both: the circuit relay client.

use std::time::Duration;

use libp2p::{Swarm, SwarmBuilder, identity, noise, yamux};

use super::Behaviour;
use super::run::NetworkError;

type BoxError = Box<dyn std::error::Error + Send + std::marker::Sync>;

fn behaviour(
    key: &identity::Keypair,
    relay_server: bool,
    client: libp2p::relay::client::Behaviour,
) -> Result<Behaviour, BoxError> {
    Behaviour::new(key, relay_server, Some(client)).map_err(|e| Box::new(e) as BoxError)
}

fn transport_error(e: impl std::fmt::Display) -> NetworkError {
    NetworkError::Transport(e.to_string())
}

/// Idle connections stay open this long (sync rounds keep them busy anyway).
const IDLE: Duration = Duration::from_secs(120);

#[cfg(not(target_arch = "wasm32"))]
pub(super) async fn swarm(
    key: identity::Keypair,
    relay_server: bool,
) -> Result<Swarm<Behaviour>, NetworkError> {
    Ok(SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(transport_error)?
        .with_quic()
        .with_dns()
        .map_err(transport_error)?
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await
        .map_err(transport_error)?
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .map_err(transport_error)?
        .with_behaviour(|key, client| behaviour(key, relay_server, client))
        .map_err(transport_error)?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE))
        .build())
}

#[cfg(target_arch = "wasm32")]
pub(super) async fn swarm(
    key: identity::Keypair,
    relay_server: bool,
) -> Result<Swarm<Behaviour>, NetworkError> {
    use libp2p::Transport;
    use libp2p::core::upgrade::Version;
    Ok(SwarmBuilder::with_existing_identity(key)
        .with_wasm_bindgen()
        .with_other_transport(|key| {
            Ok::<_, BoxError>(
                libp2p::websocket_websys::Transport::default()
                    .upgrade(Version::V1Lazy)
                    .authenticate(noise::Config::new(key)?)
                    .multiplex(yamux::Config::default())
                    .boxed(),
            )
        })
        .map_err(transport_error)?
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .map_err(transport_error)?
        .with_behaviour(|key, client| behaviour(key, relay_server, client))
        .map_err(transport_error)?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE))
        .build())
}
