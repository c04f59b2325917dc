//! `/webrtc-direct` to a relay (libp2p's WebRTC-direct spec, browser side).
//!
//! The relay's address carries its certificate's hash, so the browser
//! needs no answer from it: it offers with an ICE username fragment of its
//! own choosing (munged into the offer, [`crate::webrtc::sdp`]), builds the
//! relay's answer from the address, and once data channel 0 opens runs
//! Noise on it, with both certificates' fingerprints in the prologue; the
//! relay proves its peer id there, and the browser its own.
//!
//! The same [`Connection`] as browser to browser: its handler for the
//! relay's data channels goes on before the offer is made, so a stream the
//! relay opens right after the handshake is taken, not dropped.

use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::Either;
use futures::{FutureExt, pin_mut};
use futures_timer::Delay;
use libp2p::core::transport::{DialOpts, ListenerId, TransportError, TransportEvent};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId, identity};
use libp2p_webrtc_utils::{Fingerprint, noise, parse_webrtc_dial_addr, sdp};
use send_wrapper::SendWrapper;
use web_sys::RtcSdpType;

use super::connection::Connection;
use super::exchange::{self, RtcOptions};
use super::{Attempt, Output, WebRtcError};
use crate::webrtc::session::Role;

/// The browser's transport for a relay's `/webrtc-direct` addresses.
pub struct WebRtcDirect {
    key: identity::Keypair,
    options: RtcOptions,
}

impl WebRtcDirect {
    /// Dials as `key`, each dial bounded by `options.timeout`.
    pub fn new(key: identity::Keypair, options: RtcOptions) -> Self {
        WebRtcDirect { key, options }
    }
}

/// The peer an address names at its end, if it names one.
fn named_peer(addr: &Multiaddr) -> Option<PeerId> {
    match addr.iter().last() {
        Some(Protocol::P2p(peer)) => Some(peer),
        _ => None,
    }
}

async fn dial(
    key: identity::Keypair,
    options: RtcOptions,
    socket: SocketAddr,
    relay: Fingerprint,
    expected: Option<PeerId>,
) -> Result<Output, WebRtcError> {
    let pc = exchange::peer_connection(&options)?;
    let mut connection = Connection::new(pc.clone());
    let handshake = connection.handshake_stream();
    let ufrag = sdp::random_ufrag();
    let offer = crate::webrtc::sdp::munge_offer(
        &exchange::make_description(&pc, Role::Offerer).await?,
        &ufrag,
    );
    exchange::set_description(&pc, false, RtcSdpType::Offer, &offer).await?;
    let answer = sdp::answer(socket, relay, &ufrag);
    exchange::set_description(&pc, true, RtcSdpType::Answer, &answer).await?;
    let own =
        crate::webrtc::sdp::fingerprint(&offer).map_err(|e| WebRtcError::Browser(e.to_string()))?;
    let peer = noise::outbound(key, handshake, relay, Fingerprint::raw(own))
        .await
        .map_err(|e| WebRtcError::Handshake(e.to_string()))?;
    if let Some(expected) = expected.filter(|e| *e != peer) {
        return Err(WebRtcError::Handshake(format!(
            "the address names {expected}, the relay proved {peer}"
        )));
    }
    Ok((peer, connection))
}

impl libp2p::Transport for WebRtcDirect {
    type Output = Output;
    type Error = WebRtcError;
    type ListenerUpgrade = Attempt;
    type Dial = Attempt;

    fn listen_on(
        &mut self,
        _: ListenerId,
        addr: Multiaddr,
    ) -> Result<(), TransportError<WebRtcError>> {
        // A browser cannot take WebRTC-direct connections.
        Err(TransportError::MultiaddrNotSupported(addr))
    }

    fn remove_listener(&mut self, _: ListenerId) -> bool {
        false
    }

    fn dial(
        &mut self,
        addr: Multiaddr,
        _: DialOpts,
    ) -> Result<Self::Dial, TransportError<WebRtcError>> {
        let Some((socket, relay)) = parse_webrtc_dial_addr(&addr) else {
            return Err(TransportError::MultiaddrNotSupported(addr));
        };
        let expected = named_peer(&addr);
        let timeout = self.options.timeout;
        let attempt = dial(
            self.key.clone(),
            self.options.clone(),
            socket,
            relay,
            expected,
        );
        let bounded = async move {
            let timer = Delay::new(timeout);
            pin_mut!(attempt, timer);
            match futures::future::select(attempt, timer).await {
                Either::Left((result, _)) => result,
                Either::Right(((), _)) => Err(WebRtcError::Timeout(timeout)),
            }
        };
        Ok(SendWrapper::new(bounded).boxed())
    }

    fn poll(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<TransportEvent<Self::ListenerUpgrade, WebRtcError>> {
        Poll::Pending
    }
}
