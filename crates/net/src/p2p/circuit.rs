//! Members reaching each other through their relay (circuit relay v2): a
//! member holds a reservation on each relay it dialled, so others can reach
//! it at `<relay>/p2p-circuit/p2p/<member>`; a member that hears gossip from
//! a peer it has no connection to dials that peer through the relay. Sync
//! then runs over the circuit like over any connection (the relay's circuit
//! limits are raised far above libp2p's defaults).
//!
//! Direct browser-to-browser WebRTC (`super::direct`) replaces these
//! circuits where both ends are browsers that can.

use std::collections::HashMap;

use libp2p::core::transport::ListenerId;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId, Swarm};

use super::Behaviour;

/// How long before a peer that could not be reached is tried again.
const RETRY_MS: u64 = 30_000;

/// The relays a member listens through and the peers it has tried.
#[derive(Debug, Default)]
pub(super) struct Circuits {
    enabled: bool,
    /// Relays (from the dialled addresses that name a peer), with the
    /// reservation listener while connected.
    relays: HashMap<PeerId, (Multiaddr, Option<ListenerId>)>,
    /// Peers dialled through a relay, and when.
    tried: HashMap<PeerId, u64>,
}

impl Circuits {
    /// Circuits through the relays among `dialled` (when `enabled`).
    pub(super) fn new(enabled: bool, dialled: &[Multiaddr]) -> Self {
        let relays = dialled
            .iter()
            .filter_map(|a| match a.iter().last() {
                Some(Protocol::P2p(peer)) => Some((peer, (a.clone(), None))),
                _ => None,
            })
            .collect();
        Circuits {
            enabled,
            relays,
            tried: HashMap::new(),
        }
    }

    /// A connection to `peer` is up: if it is a relay, reserve on it.
    pub(super) fn connected(&mut self, swarm: &mut Swarm<Behaviour>, peer: PeerId) {
        if !self.enabled {
            return;
        }
        if let Some((addr, listener @ None)) = self.relays.get_mut(&peer) {
            *listener = swarm
                .listen_on(addr.clone().with(Protocol::P2pCircuit))
                .ok();
        }
    }

    /// The last connection to `peer` closed: a relay's reservation went
    /// with it (the next connection makes a new one).
    pub(super) fn disconnected(&mut self, swarm: &mut Swarm<Behaviour>, peer: PeerId) {
        if let Some((_, listener)) = self.relays.get_mut(&peer)
            && let Some(id) = listener.take()
        {
            swarm.remove_listener(id);
        }
    }

    /// A listener closed (a reservation that failed or expired).
    pub(super) fn listener_closed(&mut self, id: ListenerId) {
        for (_, listener) in self.relays.values_mut() {
            if *listener == Some(id) {
                *listener = None;
            }
        }
    }

    /// Gossip from `source` arrived (through someone): dial it through a
    /// connected relay if there is no connection to it yet.
    pub(super) fn heard(&mut self, swarm: &mut Swarm<Behaviour>, source: PeerId, now: u64) {
        if !self.enabled
            || source == *swarm.local_peer_id()
            || self.relays.contains_key(&source)
            || swarm.is_connected(&source)
            || self
                .tried
                .get(&source)
                .is_some_and(|&at| now.saturating_sub(at) < RETRY_MS)
        {
            return;
        }
        let Some((relay, _)) = self
            .relays
            .iter()
            .find(|(peer, (_, listener))| listener.is_some() && swarm.is_connected(peer))
            .map(|(_, r)| r)
        else {
            return;
        };
        self.tried.insert(source, now);
        let addr = relay
            .clone()
            .with(Protocol::P2pCircuit)
            .with(Protocol::P2p(source));
        let _ = swarm.dial(addr);
    }
}
