//! Hearth networking.
//!
//! - [`sync`]: anti-entropy and push as a sans-IO state machine.
//! - [`driver`]: runs that machine's store reads and ingests against a node.
//! - [`sim`]: a deterministic simulation of many nodes on a lossy network
//!   with a virtual clock, used by the tests and the overhead benchmark.
//! - `p2p` (feature `p2p`): the libp2p behaviour and, on native, the runner
//!   that carries sync over it.
//! - [`webrtc`]: browser-to-browser WebRTC signaling, sans-IO.

pub mod driver;
#[cfg(feature = "p2p")]
pub mod p2p;
#[doc(hidden)]
pub mod sim;
pub mod sync;
pub mod webrtc;
