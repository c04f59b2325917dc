//! The browser's `/webrtc` transport (libp2p WebRTC, private to private).
//!
//! - Listening on `/webrtc` takes incoming `/webrtc-signaling/0.0.1`
//!   streams on relayed connections and answers them; the node announces
//!   `<relay>/p2p-circuit/webrtc` for every relay it holds a reservation on.
//! - Dialling `<relay>/p2p-circuit/webrtc/p2p/<peer>` gets a relayed
//!   connection to the peer ([`Relayed`]), opens a signaling stream on it
//!   and offers.
//! - [`Attempts`] decides glare; every exchange is bounded in time
//!   ([`RtcOptions::timeout`]) and in number.
//!
//! Without Noise: the offer and answer carry each side's DTLS certificate
//! fingerprint and travel over the relayed connection, which Noise already
//! authenticated; the browser checks the fingerprint in the DTLS handshake.

mod channel;
mod connection;
mod exchange;
mod relay_dial;
mod stream;

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures::channel::oneshot;
use futures::future::{BoxFuture, Either};
use futures::{FutureExt, SinkExt, StreamExt};
use libp2p::core::transport::{DialOpts, ListenerId, TransportError, TransportEvent};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId, StreamProtocol};
use send_wrapper::SendWrapper;

use super::relayed::{self, CircuitRelays, Relayed};
pub use connection::{Connection, ConnectionError};
pub use exchange::RtcOptions;
pub use relay_dial::WebRtcDirect;
pub use stream::Stream;

use super::direct::parse_webrtc_addr;
use crate::webrtc::attempts::{AttemptId, Attempts, Incoming};
use crate::webrtc::message::SIGNALING_PROTOCOL;
use crate::webrtc::session::{Role, SignalingError};

/// How long a signaling exchange may take, dial to connection.
pub const SIGNALING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The signaling protocol, as libp2p names it.
pub const SIGNALING: StreamProtocol = StreamProtocol::new(SIGNALING_PROTOCOL);

/// Why a WebRTC connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum WebRtcError {
    /// No relayed connection to signal over.
    #[error("no relayed connection to the peer: {0}")]
    NoRelay(String),
    /// The signaling stream could not be opened or broke.
    #[error("signaling: {0}")]
    Signaling(String),
    /// The exchange failed.
    #[error(transparent)]
    Session(#[from] SignalingError),
    /// Noise over data channel 0 failed, or proved another peer than the
    /// address names (WebRTC-direct).
    #[error("handshake: {0}")]
    Handshake(String),
    /// The connection was not up in time.
    #[error("not connected after {0:?}")]
    Timeout(std::time::Duration),
    /// The browser refused a step.
    #[error("browser: {0}")]
    Browser(String),
    /// The peer's offer won (both dialled at once).
    #[error("the peer dialled at the same time and its offer went on")]
    Glare,
    /// The transport went away.
    #[error("WebRTC transport stopped")]
    Stopped,
}

struct Shared {
    attempts: Attempts<PeerId>,
    abandon: HashMap<AttemptId, oneshot::Sender<()>>,
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The transport.
pub struct Transport {
    control: libp2p_stream::Control,
    requests: relayed::Requests,
    options: RtcOptions,
    shared: Arc<Mutex<Shared>>,
    circuits: CircuitRelays,
    listener: Option<(ListenerId, libp2p_stream::IncomingStreams)>,
}

/// The transport for the node `local`, its stream behaviour and the
/// behaviour that gets it relayed connections (both go in the swarm's).
pub fn new(local: PeerId, options: RtcOptions) -> (Transport, libp2p_stream::Behaviour, Relayed) {
    let streams = libp2p_stream::Behaviour::new();
    let circuits = CircuitRelays::default();
    let (relayed, requests) = Relayed::new(circuits.clone());
    let shared = Shared {
        attempts: Attempts::new(local),
        abandon: HashMap::new(),
    };
    let transport = Transport {
        control: streams.new_control(),
        requests,
        options,
        shared: Arc::new(Mutex::new(shared)),
        circuits,
        listener: None,
    };
    (transport, streams, relayed)
}

type Output = (PeerId, Connection);
/// A dial or an answer under way.
type Attempt = BoxFuture<'static, Result<Output, WebRtcError>>;

impl Transport {
    fn answer(&mut self, peer: PeerId, stream: libp2p::Stream) -> Option<Attempt> {
        let decision = {
            let mut s = lock(&self.shared);
            let decision = s.attempts.incoming(peer);
            if let Incoming::AnswerAndAbandon(id) = decision
                && let Some(abandon) = s.abandon.remove(&id)
            {
                let _ = abandon.send(());
            }
            decision
        };
        if matches!(decision, Incoming::KeepOurs | Incoming::Busy) {
            return None;
        }
        let shared = self.shared.clone();
        let options = self.options.clone();
        let answer = async move {
            let result = exchange::run(stream, Role::Answerer, options).await;
            lock(&shared).attempts.answer_ended(&peer);
            result.map(|c| (peer, c))
        };
        Some(SendWrapper::new(answer).boxed())
    }
}

impl libp2p::Transport for Transport {
    type Output = Output;
    type Error = WebRtcError;
    type ListenerUpgrade = Attempt;
    type Dial = Attempt;

    fn listen_on(
        &mut self,
        id: ListenerId,
        addr: Multiaddr,
    ) -> Result<(), TransportError<WebRtcError>> {
        if addr.iter().collect::<Vec<_>>() != [Protocol::WebRTC] || self.listener.is_some() {
            return Err(TransportError::MultiaddrNotSupported(addr));
        }
        let incoming = self
            .control
            .accept(SIGNALING)
            .map_err(|e| TransportError::Other(WebRtcError::Signaling(e.to_string())))?;
        self.listener = Some((id, incoming));
        Ok(())
    }

    fn remove_listener(&mut self, id: ListenerId) -> bool {
        if self.listener.as_ref().is_some_and(|(l, _)| *l == id) {
            self.listener = None;
            return true;
        }
        false
    }

    fn dial(
        &mut self,
        addr: Multiaddr,
        _: DialOpts,
    ) -> Result<Self::Dial, TransportError<WebRtcError>> {
        let Some((circuit, peer)) = parse_webrtc_addr(&addr) else {
            return Err(TransportError::MultiaddrNotSupported(addr));
        };
        let id = {
            let mut s = lock(&self.shared);
            s.attempts
                .dial(peer)
                .map_err(|e| TransportError::Other(WebRtcError::Signaling(e.to_string())))?
        };
        let (abandon_tx, abandon) = oneshot::channel();
        lock(&self.shared).abandon.insert(id, abandon_tx);
        let mut control = self.control.clone();
        let mut requests = self.requests.clone();
        let options = self.options.clone();
        let shared = self.shared.clone();
        let offer = async move {
            let (reply, relayed) = oneshot::channel();
            requests
                .send(relayed::Request {
                    peer,
                    circuit,
                    reply,
                })
                .await
                .map_err(|_| WebRtcError::Stopped)?;
            relayed
                .await
                .map_err(|_| WebRtcError::Stopped)?
                .map_err(WebRtcError::NoRelay)?;
            let stream = control
                .open_stream(peer, SIGNALING)
                .await
                .map_err(|e| WebRtcError::Signaling(e.to_string()))?;
            exchange::run(stream, Role::Offerer, options).await
        };
        let dial = async move {
            let result = match futures::future::select(Box::pin(offer), abandon).await {
                Either::Left((result, _)) => result,
                Either::Right((Ok(()), _)) => Err(WebRtcError::Glare),
                Either::Right((Err(_), offer)) => offer.await,
            };
            let mut s = lock(&shared);
            s.abandon.remove(&id);
            s.attempts.dial_ended(&peer, id);
            result.map(|c| (peer, c))
        };
        Ok(SendWrapper::new(dial).boxed())
    }

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<TransportEvent<Self::ListenerUpgrade, WebRtcError>> {
        loop {
            let Some((listener_id, incoming)) = self.listener.as_mut() else {
                return Poll::Pending;
            };
            let listener_id = *listener_id;
            let Poll::Ready(next) = incoming.poll_next_unpin(cx) else {
                return Poll::Pending;
            };
            let Some((peer, stream)) = next else {
                self.listener = None;
                return Poll::Ready(TransportEvent::ListenerClosed {
                    listener_id,
                    reason: Ok(()),
                });
            };
            // A refused offer is dropped, which resets its stream.
            if let Some(upgrade) = self.answer(peer, stream) {
                // The peer's address through the relay its offer came by
                // (see `CircuitRelays`).
                let relay = self
                    .circuits
                    .relay_of(&peer)
                    .unwrap_or_else(Multiaddr::empty);
                return Poll::Ready(TransportEvent::Incoming {
                    listener_id,
                    upgrade,
                    local_addr: Multiaddr::empty().with(Protocol::WebRTC),
                    send_back_addr: relay
                        .with(Protocol::P2pCircuit)
                        .with(Protocol::WebRTC)
                        .with(Protocol::P2p(peer)),
                });
            }
        }
    }
}
