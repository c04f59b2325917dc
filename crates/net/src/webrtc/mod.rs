//! Browser-to-browser WebRTC (libp2p's `/webrtc`, private to private):
//! two members' pages that can only make outgoing connections meet through
//! a relay's circuit, exchange an SDP offer and answer and their ICE
//! candidates over it (`/webrtc-signaling/0.0.1`), and then talk directly.
//!
//! - [`message`]: the signaling frame as on the wire.
//! - [`session`]: one exchange as a sans-IO state machine.
//! - [`attempts`]: the exchanges under way, and glare (both dial at once).
//! - [`frame`]: a stream over a data channel: frames, and its halves.
//! - [`sdp`]: the offer a browser makes to a relay's `/webrtc-direct`.
//!
//! The browser transport that drives these over `RTCPeerConnection` is
//! `p2p::webrtc` (wasm only).

pub mod attempts;
pub mod frame;
pub mod message;
pub mod sdp;
pub mod session;

#[cfg(test)]
mod tests;
