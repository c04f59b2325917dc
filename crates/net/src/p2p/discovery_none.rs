//! In the browser there is no DHT: a browser holds no routing table, and
//! its relay finds the others (see `discovery.rs`). The same calls, doing
//! nothing.

use hearth_core::SpaceId;
use libp2p::{PeerId, Swarm, identify};

use super::Behaviour;

/// No DHT behaviour.
pub type Kad = libp2p::swarm::dummy::Behaviour;
/// Nothing happens in it.
pub type KadEvent = std::convert::Infallible;

pub(super) fn behaviour(_peer: PeerId, _server: bool) -> Kad {
    libp2p::swarm::dummy::Behaviour
}

#[derive(Debug)]
pub(super) struct Discovery;

impl Discovery {
    pub(super) fn new(_provide: bool) -> Self {
        Discovery
    }
    pub(super) fn host(&mut self, _swarm: &mut Swarm<Behaviour>, _space: SpaceId) {}
    pub(super) fn unhost(&mut self, _swarm: &mut Swarm<Behaviour>, _space: &SpaceId) {}
    pub(super) fn identified(
        &mut self,
        _swarm: &mut Swarm<Behaviour>,
        _peer: PeerId,
        _info: &identify::Info,
    ) {
    }
    pub(super) fn tick(&mut self, _swarm: &mut Swarm<Behaviour>, _now: u64) {}
    pub(super) fn on_event(&mut self, _swarm: &mut Swarm<Behaviour>, event: KadEvent) {
        match event {}
    }
}
