//! Gossipsub, moved off a peer's circuits when a direct connection comes.
//!
//! Gossipsub keeps one queue of messages per peer, shared by all the
//! peer's connections: its hello (the topics this node subscribes to, then
//! a GRAFT) goes out on whichever connection takes it first. Between two
//! browsers that is often the relayed circuit they met on, and js-libp2p
//! takes no gossip on a circuit (a relay's circuits carry a limit, and it
//! resets gossip streams on limited connections): the hello was lost, and
//! the js node never counted the Hearth node as a subscriber.
//!
//! So when a peer reached only through circuits gets a connection of
//! another kind, gossipsub is told the circuits closed (it forgets the
//! peer and its queue) and then that the new connection is the peer's
//! first: it says hello again, on the direct connection. The circuits
//! carry on (sync still runs over them until they close), their later
//! events are not passed on, and gossipsub counts only the connections it
//! was shown.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::task::{Context, Poll};

use libp2p::core::transport::PortUse;
use libp2p::core::{ConnectedPoint, Endpoint};
use libp2p::swarm::behaviour::{ConnectionClosed, ConnectionEstablished};
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler, THandlerInEvent,
    THandlerOutEvent, ToSwarm,
};
use libp2p::{Multiaddr, PeerId, gossipsub};

use super::direct::{address, is_circuit, is_webrtc};

/// Whether a connection runs through a relay's circuit (and not over a
/// WebRTC connection the circuit only signalled).
fn relayed(addr: &Multiaddr) -> bool {
    is_circuit(addr) && !is_webrtc(addr)
}

/// Which connections gossipsub was shown, per peer.
#[derive(Debug, Default)]
struct Ledger {
    peers: HashMap<PeerId, Shown>,
}

#[derive(Debug, Default)]
struct Shown {
    /// Connections gossipsub knows, with how each was made.
    known: Vec<(ConnectionId, ConnectedPoint)>,
    /// Circuits gossipsub was told closed when a direct connection came.
    retired: Vec<ConnectionId>,
}

/// A close gossipsub is to be told of.
#[derive(Debug, PartialEq)]
struct Retire {
    connection: ConnectionId,
    endpoint: ConnectedPoint,
    remaining: usize,
}

impl Ledger {
    /// A connection at `addr` to `peer` is about to be handed to
    /// gossipsub: if it is not a circuit and gossipsub knows the peer only
    /// through circuits, the circuits gossipsub is to be told closed.
    fn arriving(&mut self, peer: PeerId, addr: &Multiaddr) -> Vec<Retire> {
        let Some(shown) = self.peers.get_mut(&peer) else {
            return Vec::new();
        };
        if relayed(addr)
            || shown.known.is_empty()
            || !shown.known.iter().all(|(_, e)| relayed(address(e)))
        {
            return Vec::new();
        }
        let known = std::mem::take(&mut shown.known);
        let count = known.len();
        known
            .into_iter()
            .enumerate()
            .map(|(i, (connection, endpoint))| {
                shown.retired.push(connection);
                Retire {
                    connection,
                    endpoint,
                    remaining: count - 1 - i,
                }
            })
            .collect()
    }

    /// A connection came up: how many others gossipsub knows.
    fn established(&mut self, peer: PeerId, id: ConnectionId, endpoint: &ConnectedPoint) -> usize {
        let shown = self.peers.entry(peer).or_default();
        shown.known.push((id, endpoint.clone()));
        shown.known.len() - 1
    }

    /// A connection closed: how many gossipsub still knows, or `None` if
    /// gossipsub was already told.
    fn closed(&mut self, peer: PeerId, id: ConnectionId) -> Option<usize> {
        let shown = self.peers.get_mut(&peer)?;
        let remaining = if let Some(i) = shown.retired.iter().position(|c| *c == id) {
            shown.retired.remove(i);
            None
        } else {
            let i = shown.known.iter().position(|(c, _)| *c == id)?;
            shown.known.remove(i);
            Some(shown.known.len())
        };
        if shown.known.is_empty() && shown.retired.is_empty() {
            self.peers.remove(&peer);
        }
        remaining
    }

    /// Whether gossipsub was told `id` closed.
    fn is_retired(&self, peer: &PeerId, id: ConnectionId) -> bool {
        self.peers
            .get(peer)
            .is_some_and(|s| s.retired.contains(&id))
    }

    /// A known connection's address changed.
    fn moved(&mut self, peer: &PeerId, id: ConnectionId, endpoint: &ConnectedPoint) {
        if let Some(known) = self
            .peers
            .get_mut(peer)
            .and_then(|s| s.known.iter_mut().find(|(c, _)| *c == id))
        {
            known.1 = endpoint.clone();
        }
    }
}

/// Gossipsub, shown a peer's circuits only until it has a better way.
pub struct Gossip {
    inner: gossipsub::Behaviour,
    ledger: Ledger,
}

impl Gossip {
    /// Wraps `inner`.
    pub fn new(inner: gossipsub::Behaviour) -> Self {
        Gossip {
            inner,
            ledger: Ledger::default(),
        }
    }

    fn arriving(&mut self, peer: PeerId, addr: &Multiaddr) {
        for retire in self.ledger.arriving(peer, addr) {
            self.inner
                .on_swarm_event(FromSwarm::ConnectionClosed(ConnectionClosed {
                    peer_id: peer,
                    connection_id: retire.connection,
                    endpoint: &retire.endpoint,
                    cause: None,
                    remaining_established: retire.remaining,
                }));
        }
    }
}

/// Gossipsub's own API: subscribe, publish, peers.
impl Deref for Gossip {
    type Target = gossipsub::Behaviour;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl DerefMut for Gossip {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

impl NetworkBehaviour for Gossip {
    type ConnectionHandler = THandler<gossipsub::Behaviour>;
    type ToSwarm = gossipsub::Event;

    fn handle_pending_inbound_connection(
        &mut self,
        id: ConnectionId,
        local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        self.inner
            .handle_pending_inbound_connection(id, local_addr, remote_addr)
    }

    fn handle_established_inbound_connection(
        &mut self,
        id: ConnectionId,
        peer: PeerId,
        local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        // A listener's address is its local one (as `direct::address`).
        self.arriving(peer, local_addr);
        self.inner
            .handle_established_inbound_connection(id, peer, local_addr, remote_addr)
    }

    fn handle_pending_outbound_connection(
        &mut self,
        id: ConnectionId,
        peer: Option<PeerId>,
        addresses: &[Multiaddr],
        effective_role: Endpoint,
    ) -> Result<Vec<Multiaddr>, ConnectionDenied> {
        self.inner
            .handle_pending_outbound_connection(id, peer, addresses, effective_role)
    }

    fn handle_established_outbound_connection(
        &mut self,
        id: ConnectionId,
        peer: PeerId,
        addr: &Multiaddr,
        role_override: Endpoint,
        port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.arriving(peer, addr);
        self.inner
            .handle_established_outbound_connection(id, peer, addr, role_override, port_use)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionEstablished(e) => {
                let other_established =
                    self.ledger
                        .established(e.peer_id, e.connection_id, e.endpoint);
                self.inner.on_swarm_event(FromSwarm::ConnectionEstablished(
                    ConnectionEstablished {
                        other_established,
                        ..e
                    },
                ));
            }
            FromSwarm::ConnectionClosed(e) => {
                if let Some(remaining_established) = self.ledger.closed(e.peer_id, e.connection_id)
                {
                    self.inner
                        .on_swarm_event(FromSwarm::ConnectionClosed(ConnectionClosed {
                            remaining_established,
                            ..e
                        }));
                }
            }
            FromSwarm::AddressChange(e) => {
                if !self.ledger.is_retired(&e.peer_id, e.connection_id) {
                    self.ledger.moved(&e.peer_id, e.connection_id, e.new);
                    self.inner.on_swarm_event(FromSwarm::AddressChange(e));
                }
            }
            other => self.inner.on_swarm_event(other),
        }
    }

    fn on_connection_handler_event(
        &mut self,
        peer: PeerId,
        id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        // A retired circuit's messages still count: they are the peer's.
        self.inner.on_connection_handler_event(peer, id, event);
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        self.inner.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELAY: &str =
        "/ip4/10.0.0.1/tcp/4002/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";

    fn dialled(addr: &str) -> ConnectedPoint {
        ConnectedPoint::Dialer {
            address: addr.parse().expect("a valid address"),
            role_override: Endpoint::Dialer,
            port_use: PortUse::Reuse,
        }
    }

    fn peer() -> PeerId {
        "12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK"
            .parse()
            .expect("valid")
    }

    #[test]
    fn a_direct_connection_retires_the_circuits_gossipsub_knew() {
        let mut ledger = Ledger::default();
        let peer = peer();
        let circuit = dialled(&format!("{RELAY}/p2p-circuit/p2p/{peer}"));
        let (c1, c2, direct) = (
            ConnectionId::new_unchecked(1),
            ConnectionId::new_unchecked(2),
            ConnectionId::new_unchecked(3),
        );
        assert!(ledger.arriving(peer, address(&circuit)).is_empty());
        assert_eq!(ledger.established(peer, c1, &circuit), 0);
        assert!(ledger.arriving(peer, address(&circuit)).is_empty());
        assert_eq!(ledger.established(peer, c2, &circuit), 1);

        let webrtc = dialled(&format!("{RELAY}/p2p-circuit/webrtc/p2p/{peer}"));
        let retired = ledger.arriving(peer, address(&webrtc));
        // Told closed one by one, the last leaving none: gossipsub forgets
        // the peer, and the direct connection is its first again.
        assert_eq!(
            retired,
            vec![
                Retire {
                    connection: c1,
                    endpoint: circuit.clone(),
                    remaining: 1
                },
                Retire {
                    connection: c2,
                    endpoint: circuit.clone(),
                    remaining: 0
                },
            ]
        );
        assert_eq!(ledger.established(peer, direct, &webrtc), 0);
        assert!(ledger.is_retired(&peer, c1));
        // The circuits' own closes are not passed on again.
        assert_eq!(ledger.closed(peer, c1), None);
        assert_eq!(ledger.closed(peer, c2), None);
        assert!(!ledger.is_retired(&peer, c1));
        // A circuit dialled after the direct one is shown as a second.
        let c4 = ConnectionId::new_unchecked(4);
        assert!(ledger.arriving(peer, address(&circuit)).is_empty());
        assert_eq!(ledger.established(peer, c4, &circuit), 1);
        assert_eq!(ledger.closed(peer, direct), Some(1));
        assert_eq!(ledger.closed(peer, c4), Some(0));
        assert!(ledger.peers.is_empty());
    }

    #[test]
    fn connections_that_are_not_circuits_are_passed_through() {
        let mut ledger = Ledger::default();
        let peer = peer();
        let ws = dialled(RELAY);
        assert_eq!(
            ledger.established(peer, ConnectionId::new_unchecked(1), &ws),
            0
        );
        // A second connection of another kind retires nothing.
        let webrtc = dialled(&format!("{RELAY}/p2p-circuit/webrtc/p2p/{peer}"));
        assert!(ledger.arriving(peer, address(&webrtc)).is_empty());
        assert_eq!(
            ledger.established(peer, ConnectionId::new_unchecked(2), &webrtc),
            1
        );
        // A connection gossipsub never saw closes as unknown.
        assert_eq!(ledger.closed(peer, ConnectionId::new_unchecked(9)), None);
        assert_eq!(ledger.closed(peer, ConnectionId::new_unchecked(1)), Some(1));
    }
}
