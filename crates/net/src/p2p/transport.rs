//! The transports, per platform. Native: TCP and WebSocket with noise and
//! yamux, QUIC, DNS, and on a relay built with the `webrtc` feature a
//! WebRTC-direct listener for browsers. Browser: WebSocket and
//! WebRTC-direct to relays (Hearth's own, `webrtc::WebRtcDirect`), and
//! browser to browser. Both: the circuit relay client.

use std::time::Duration;

use libp2p::{Swarm, SwarmBuilder, identity, noise, yamux};

use super::Behaviour;
use super::run::{NetworkError, Options};

type BoxError = Box<dyn std::error::Error + Send + std::marker::Sync>;

fn behaviour(
    key: &identity::Keypair,
    relay_server: bool,
    client: libp2p::relay::client::Behaviour,
    webrtc: Option<(libp2p_stream::Behaviour, super::Relayed)>,
) -> Result<Behaviour, BoxError> {
    Behaviour::new(key, relay_server, Some(client), webrtc).map_err(|e| Box::new(e) as BoxError)
}

fn transport_error(e: impl std::fmt::Display) -> NetworkError {
    NetworkError::Transport(e.to_string())
}

/// Idle connections stay open this long (sync rounds keep them busy anyway).
const IDLE: Duration = Duration::from_secs(120);

/// A new WebRTC certificate for a relay to keep (PEM): its hash is part of
/// the relay's `/webrtc-direct` addresses, so it must survive restarts.
#[cfg(all(not(target_arch = "wasm32"), feature = "webrtc"))]
pub fn webrtc_certificate() -> Result<String, NetworkError> {
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    libp2p_webrtc::tokio::Certificate::generate(&mut rng)
        .map(|c| c.serialize_pem())
        .map_err(|e| NetworkError::Transport(format!("WebRTC certificate: {e}")))
}

#[cfg(not(target_arch = "wasm32"))]
pub(super) async fn swarm(
    key: identity::Keypair,
    options: &Options,
) -> Result<Swarm<Behaviour>, NetworkError> {
    let relay_server = options.relay_server;
    let webrtc_pem = options.webrtc_pem.as_deref();
    #[cfg(not(feature = "webrtc"))]
    if webrtc_pem.is_some() {
        return Err(NetworkError::Transport(
            "built without WebRTC (the `webrtc` feature)".into(),
        ));
    }
    let builder = SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(transport_error)?
        .with_quic();
    // WebRTC-direct for browsers, on a relay holding a certificate.
    #[cfg(feature = "webrtc")]
    let builder = builder
        .with_other_transport(|key| -> Result<_, BoxError> {
            use libp2p::core::transport::OptionalTransport;
            let Some(pem) = webrtc_pem else {
                return Ok(OptionalTransport::none());
            };
            // WebRTC's DTLS asks rustls for the process's crypto provider,
            // and with two compiled in (QUIC's ring, WebRTC's aws-lc) none is
            // chosen: choose ring. An error means one is installed already.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let certificate = libp2p_webrtc::tokio::Certificate::from_pem(pem)?;
            Ok(OptionalTransport::some(
                libp2p_webrtc::tokio::Transport::new(key.clone(), certificate),
            ))
        })
        .map_err(transport_error)?;
    Ok(builder
        .with_dns()
        .map_err(transport_error)?
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await
        .map_err(transport_error)?
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .map_err(transport_error)?
        .with_behaviour(|key, client| behaviour(key, relay_server, client, None))
        .map_err(transport_error)?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE))
        .build())
}

#[cfg(target_arch = "wasm32")]
pub(super) async fn swarm(
    key: identity::Keypair,
    options: &Options,
) -> Result<Swarm<Behaviour>, NetworkError> {
    use libp2p::Transport;
    use libp2p::core::upgrade::Version;
    let relay_server = options.relay_server;
    let rtc = super::webrtc::RtcOptions {
        ice_servers: options.ice_servers.clone(),
        timeout: super::webrtc::SIGNALING_TIMEOUT,
    };
    let local = key.public().to_peer_id();
    let rtc_direct = rtc.clone();
    let (webrtc, signaling, relayed) = super::webrtc::new(local, rtc);
    // Tried in this order: browser to browser first, then circuits, then
    // the relays' own addresses. (The builder's `with_relay_client` would
    // put the circuits first, and they take the circuit part of a
    // `<relay>/p2p-circuit/webrtc/p2p/<peer>` address for a circuit; put
    // last, the WebSocket transport takes a circuit through a relay's
    // WebSocket address for a dial to the relay.)
    let (circuits, client) = libp2p::relay::client::new(local);
    Ok(SwarmBuilder::with_existing_identity(key)
        .with_wasm_bindgen()
        .with_other_transport(|_| webrtc)
        .map_err(transport_error)?
        .with_other_transport(|key| {
            Ok::<_, BoxError>(
                circuits
                    .upgrade(Version::V1Lazy)
                    .authenticate(noise::Config::new(key)?)
                    .multiplex(yamux::Config::default()),
            )
        })
        .map_err(transport_error)?
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
        .with_other_transport(|key| super::webrtc::WebRtcDirect::new(key.clone(), rtc_direct))
        .map_err(transport_error)?
        .with_behaviour(|key| behaviour(key, relay_server, client, Some((signaling, relayed))))
        .map_err(transport_error)?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE))
        // Longer than WebRTC's own bounds, so a failed dial says why
        // rather than that a timer ran out.
        .with_connection_timeout(super::webrtc::SIGNALING_TIMEOUT + Duration::from_secs(5))
        .build())
}
