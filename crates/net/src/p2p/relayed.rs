//! Gets the WebRTC transport a relayed connection to signal over: the
//! transport cannot dial through the swarm itself, so it asks this
//! behaviour, which dials `<relay>/p2p-circuit/p2p/<peer>` (unless a
//! connection to the peer is up already) and says when one is.
//!
//! It also remembers which relay each relayed connection goes through
//! ([`CircuitRelays`]): the transport names an incoming WebRTC connection by it
//! (`<relay>/p2p-circuit/webrtc/p2p/<peer>`), the address the peer is
//! reachable at. Identify sends that name back to the peer as the address
//! it was observed at, and js-libp2p refuses an identify whose observed
//! address does not start with an IP address or a DNS name.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures::StreamExt;
use futures::channel::{mpsc, oneshot};
use libp2p::core::transport::PortUse;
use libp2p::core::{ConnectedPoint, Endpoint};
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, DialError, FromSwarm, NetworkBehaviour, THandler,
    THandlerInEvent, THandlerOutEvent, ToSwarm, dummy,
};
use libp2p::{Multiaddr, PeerId};

use super::direct::address;

/// Requests for a relayed connection waiting to be taken.
const REQUESTS: usize = 16;

/// A request: a connection to `peer`, dialled at `circuit` if need be.
pub struct Request {
    pub peer: PeerId,
    pub circuit: Multiaddr,
    pub reply: oneshot::Sender<Result<(), String>>,
}

/// The sending half, for the transport.
pub type Requests = mpsc::Sender<Request>;

/// The relay each peer with a relayed connection is reached through (its
/// address, ending in the relay's `/p2p/<id>`), shared with the transport;
/// kept while the node has any connection to the peer.
#[derive(Clone, Debug, Default)]
pub struct CircuitRelays(Arc<Mutex<HashMap<PeerId, Multiaddr>>>);

impl CircuitRelays {
    /// The relay `peer` was last connected through, while connected.
    pub fn relay_of(&self, peer: &PeerId) -> Option<Multiaddr> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(peer)
            .cloned()
    }

    fn set(&self, peer: PeerId, relay: Option<Multiaddr>) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match relay {
            Some(relay) => map.insert(peer, relay),
            None => map.remove(&peer),
        };
    }
}

/// The relay a connection goes through, from its endpoint: a dialled
/// `<relay>/p2p-circuit/p2p/<peer>` or an accepted `<relay>/p2p-circuit`.
pub fn relay_of(endpoint: &ConnectedPoint) -> Option<Multiaddr> {
    super::direct::relay_of(address(endpoint)).map(|(_, relay)| relay)
}

/// The behaviour.
pub struct Relayed {
    circuits: CircuitRelays,
    requests: mpsc::Receiver<Request>,
    connections: HashMap<PeerId, usize>,
    waiting: HashMap<PeerId, Vec<oneshot::Sender<Result<(), String>>>>,
    dials: HashMap<ConnectionId, PeerId>,
    to_dial: Vec<DialOpts>,
}

impl Relayed {
    /// The behaviour, and the sender the transport asks it through.
    pub fn new(circuits: CircuitRelays) -> (Self, Requests) {
        let (tx, requests) = mpsc::channel(REQUESTS);
        let relayed = Relayed {
            circuits,
            requests,
            connections: HashMap::new(),
            waiting: HashMap::new(),
            dials: HashMap::new(),
            to_dial: Vec::new(),
        };
        (relayed, tx)
    }

    fn answer(&mut self, peer: &PeerId, result: Result<(), String>) {
        for reply in self.waiting.remove(peer).unwrap_or_default() {
            let _ = reply.send(result.clone());
        }
    }
}

impl NetworkBehaviour for Relayed {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    fn handle_established_inbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionEstablished(e) => {
                *self.connections.entry(e.peer_id).or_default() += 1;
                if let Some(relay) = relay_of(e.endpoint) {
                    self.circuits.set(e.peer_id, Some(relay));
                }
                self.dials.remove(&e.connection_id);
                self.answer(&e.peer_id, Ok(()));
            }
            FromSwarm::ConnectionClosed(e) => {
                if let Some(n) = self.connections.get_mut(&e.peer_id) {
                    *n -= 1;
                    if *n == 0 {
                        self.connections.remove(&e.peer_id);
                        self.circuits.set(e.peer_id, None);
                    }
                }
            }
            FromSwarm::DialFailure(e) => {
                let Some(peer) = self.dials.remove(&e.connection_id) else {
                    return;
                };
                // Another dial to the peer is under way: wait for it.
                if !matches!(e.error, DialError::DialPeerConditionFalse(_)) {
                    self.answer(&peer, Err(e.error.to_string()));
                }
            }
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        _: PeerId,
        _: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<ToSwarm<Infallible, THandlerInEvent<Self>>> {
        while let Poll::Ready(Some(request)) = self.requests.poll_next_unpin(cx) {
            if self.connections.contains_key(&request.peer) {
                let _ = request.reply.send(Ok(()));
                continue;
            }
            // One circuit dial per peer. The condition cannot be "not
            // dialling": the WebRTC dial that asks for the circuit is a
            // dial to the same peer.
            let waiting = self.waiting.entry(request.peer).or_default();
            let first = waiting.is_empty();
            waiting.push(request.reply);
            if first {
                let opts = DialOpts::peer_id(request.peer)
                    .addresses(vec![request.circuit])
                    .condition(PeerCondition::Disconnected)
                    .build();
                self.dials.insert(opts.connection_id(), request.peer);
                self.to_dial.push(opts);
            }
        }
        match self.to_dial.pop() {
            Some(opts) => Poll::Ready(ToSwarm::Dial { opts }),
            None => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELAY: &str =
        "/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWBj6Nf8Di4GWRHCv7aPWZXiAwCDsgvytSHP7aUHZj7gHX";

    fn addr(s: &str) -> Multiaddr {
        s.parse().expect("multiaddr")
    }

    #[test]
    fn the_relay_of_a_dialled_or_accepted_circuit_and_none_of_a_direct_connection() {
        let peer = PeerId::random();
        let dialled = ConnectedPoint::Dialer {
            address: addr(&format!("{RELAY}/p2p-circuit/p2p/{peer}")),
            role_override: Endpoint::Dialer,
            port_use: PortUse::New,
        };
        assert_eq!(relay_of(&dialled), Some(addr(RELAY)));
        let accepted = ConnectedPoint::Listener {
            local_addr: addr(&format!("{RELAY}/p2p-circuit")),
            send_back_addr: addr(&format!("/p2p/{peer}")),
        };
        assert_eq!(relay_of(&accepted), Some(addr(RELAY)));
        let direct = ConnectedPoint::Dialer {
            address: addr(RELAY),
            role_override: Endpoint::Dialer,
            port_use: PortUse::New,
        };
        assert_eq!(relay_of(&direct), None);
        // A circuit whose relay is not named by its peer id says nothing.
        let unnamed = ConnectedPoint::Listener {
            local_addr: addr("/ip4/127.0.0.1/tcp/4001/p2p-circuit"),
            send_back_addr: addr(&format!("/p2p/{peer}")),
        };
        assert_eq!(relay_of(&unnamed), None);
    }
}
