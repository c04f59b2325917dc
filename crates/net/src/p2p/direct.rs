//! Moving members' browsers off the relay: a browser listening on
//! `/webrtc` announces `<relay>/p2p-circuit/webrtc` for each reservation
//! it holds; the side that dialled a circuit to such a peer dials that
//! address once identify shows it (the spec's convention, so the two
//! rarely dial at once), and once the direct connection is up the circuit
//! is closed, so gossip and sync go direct. If WebRTC fails the circuit
//! stays and carries on; a circuit is dialled again if the direct
//! connection later closes.

use std::collections::HashMap;

use libp2p::core::ConnectedPoint;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{ConnectionId, DialError, ListenError};
use libp2p::{Multiaddr, PeerId, Swarm};

use super::Behaviour;
use super::status::Link;

/// How long before a peer whose direct connection failed is tried again.
const RETRY_MS: u64 = 60_000;

/// Whether a connection's address is a direct browser-to-browser one.
pub fn is_webrtc(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| p == Protocol::WebRTC)
}

/// `<relay>/p2p-circuit/webrtc[/p2p/<peer>]` for a reservation's
/// `<relay>/p2p-circuit[/p2p/<peer>]`.
fn webrtc_addr(circuit: &Multiaddr) -> Option<Multiaddr> {
    let mut parts: Vec<Protocol<'_>> = circuit.iter().collect();
    let peer = match parts.last() {
        Some(Protocol::P2p(peer)) => Some(*peer),
        _ => None,
    };
    if peer.is_some() {
        parts.pop();
    }
    if parts.last() != Some(&Protocol::P2pCircuit) {
        return None;
    }
    parts.push(Protocol::WebRTC);
    parts.extend(peer.map(Protocol::P2p));
    Some(parts.into_iter().collect())
}

/// `<relay>/p2p-circuit/webrtc/p2p/<peer>`, split into the circuit
/// address (`<relay>/p2p-circuit/p2p/<peer>`) and the peer.
pub fn parse_webrtc_addr(addr: &Multiaddr) -> Option<(Multiaddr, PeerId)> {
    let mut parts: Vec<Protocol<'_>> = addr.iter().collect();
    let Some(Protocol::P2p(peer)) = parts.pop() else {
        return None;
    };
    if parts.pop() != Some(Protocol::WebRTC) || parts.last() != Some(&Protocol::P2pCircuit) {
        return None;
    }
    let circuit = parts
        .into_iter()
        .chain([Protocol::P2p(peer)])
        .collect::<Multiaddr>();
    Some((circuit, peer))
}

/// The relay a circuit address (`<relay>/p2p/<id>/p2p-circuit[/webrtc]/p2p/
/// <peer>`, or an accepted `<relay>/p2p/<id>/p2p-circuit`) goes through, and
/// the relay's own address.
pub(super) fn relay_of(addr: &Multiaddr) -> Option<(PeerId, Multiaddr)> {
    let mut relay = Multiaddr::empty();
    for p in addr.iter() {
        if p == Protocol::P2pCircuit {
            let Some(Protocol::P2p(peer)) = relay.iter().last() else {
                return None;
            };
            return Some((peer, relay));
        }
        relay.push(p);
    }
    None
}

pub(super) fn is_circuit(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| p == Protocol::P2pCircuit)
}

/// The address a connection was dialled at, or came in on.
pub(super) fn address(endpoint: &ConnectedPoint) -> &Multiaddr {
    match endpoint {
        ConnectedPoint::Dialer { address, .. } => address,
        ConnectedPoint::Listener { local_addr, .. } => local_addr,
    }
}

/// Why a direct dial failed, in the transport's words (a failed dial names
/// every address it tried; a direct one has one). A transport's error
/// shows nothing itself: what it says is in its sources.
fn reason(error: &DialError) -> String {
    let DialError::Transport(tried) = error else {
        return error.to_string();
    };
    tried
        .iter()
        .map(|(_, e)| {
            let mut parts = Vec::new();
            let mut next: Option<&dyn std::error::Error> = Some(e);
            while let Some(e) = next {
                let said = e.to_string();
                if !said.is_empty() && !parts.iter().any(|p: &String| p.contains(&said)) {
                    parts.push(said);
                }
                next = e.source();
            }
            parts.join(": ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Debug, Default)]
struct Links {
    direct: Vec<ConnectionId>,
    /// Circuits, and whether this side dialled each.
    relayed: Vec<(ConnectionId, bool)>,
    other: Vec<ConnectionId>,
}

/// Every connected peer's connections, by kind.
#[derive(Debug, Default)]
pub(super) struct Direct {
    /// This node takes `/webrtc` connections (a browser listening on it).
    enabled: bool,
    peers: HashMap<PeerId, Links>,
    tried: HashMap<PeerId, u64>,
    /// Direct dials under way.
    dialling: HashMap<ConnectionId, PeerId>,
    /// Circuit and `/webrtc` addresses to dial once their relay is connected.
    waiting: Vec<(PeerId, Multiaddr)>,
    /// Why the last direct connection could not be made, if one failed.
    last_error: Option<String>,
}

impl Direct {
    /// Direct connections for a node that listens on `listen`.
    pub(super) fn new(listen: &[Multiaddr]) -> Self {
        Direct {
            enabled: listen.iter().any(is_webrtc),
            ..Direct::default()
        }
    }

    /// The node listens on `addr`: a reservation on a relay
    /// (`<relay>/p2p-circuit/p2p/<self>`) is announced with `/webrtc` too.
    pub(super) fn listening(&self, swarm: &mut Swarm<Behaviour>, addr: &Multiaddr) {
        if let Some(webrtc) = self.enabled.then(|| webrtc_addr(addr)).flatten() {
            swarm.add_external_address(webrtc);
        }
    }

    /// Dials `addr`, keeping track of it if it is a direct one (so that
    /// identify does not set off a second dial to the same peer). A
    /// circuit, or a direct address signalled over one, waits until its
    /// relay is connected: a circuit dialled while the relay itself still
    /// is gets refused (and would be tried again only a redial later).
    pub(super) fn dial(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        addr: &Multiaddr,
    ) -> Result<(), DialError> {
        if let Some((relay, at)) = relay_of(addr).filter(|(r, _)| !swarm.is_connected(r)) {
            if !self.waiting.iter().any(|(_, a)| a == addr) {
                self.waiting.push((relay, addr.clone()));
            }
            // The relay itself, unless it is being dialled already.
            let _ = swarm.dial(DialOpts::peer_id(relay).addresses(vec![at]).build());
            return Ok(());
        }
        let opts = DialOpts::from(addr.clone());
        let id = opts.connection_id();
        swarm.dial(opts)?;
        if let Some((_, peer)) = parse_webrtc_addr(addr) {
            self.dialling.insert(id, peer);
        }
        Ok(())
    }

    /// A connection came up: a direct one replaces the peer's circuits.
    pub(super) fn established(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        peer: PeerId,
        id: ConnectionId,
        endpoint: &ConnectedPoint,
    ) {
        self.dialling.remove(&id);
        let (ready, waiting) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition::<Vec<_>, _>(|(relay, _)| *relay == peer);
        self.waiting = waiting;
        for (_, addr) in ready {
            if let Err(e) = self.dial(swarm, &addr) {
                self.last_error = Some(reason(&e));
            }
        }
        let addr = address(endpoint);
        let links = self.peers.entry(peer).or_default();
        if is_webrtc(addr) {
            links.direct.push(id);
            self.tried.remove(&peer);
            self.last_error = None;
            for (circuit, _) in links.relayed.drain(..) {
                swarm.close_connection(circuit);
            }
        } else if is_circuit(addr) {
            links.relayed.push((id, endpoint.is_dialer()));
        } else {
            links.other.push(id);
        }
    }

    /// A connection closed.
    pub(super) fn closed(&mut self, peer: PeerId, id: ConnectionId) {
        if let Some(links) = self.peers.get_mut(&peer) {
            links.direct.retain(|c| *c != id);
            links.relayed.retain(|(c, _)| *c != id);
            links.other.retain(|c| *c != id);
            if links.direct.is_empty() && links.relayed.is_empty() && links.other.is_empty() {
                self.peers.remove(&peer);
            }
        }
    }

    /// Identify told where `peer` listens: dial its `/webrtc` address if
    /// this side dialled the circuit to it and has no direct connection.
    pub(super) fn identified(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        peer: PeerId,
        listen: &[Multiaddr],
        now: u64,
    ) {
        let Some(links) = self.peers.get(&peer) else {
            return;
        };
        if !self.enabled
            || !links.direct.is_empty()
            || self.dialling.values().any(|p| *p == peer)
            || !links.relayed.iter().any(|(_, dialled)| *dialled)
            || self
                .tried
                .get(&peer)
                .is_some_and(|&at| now.saturating_sub(at) < RETRY_MS)
        {
            return;
        }
        let Some(addr) = listen.iter().find(|a| is_webrtc(a) && is_circuit(a)) else {
            return;
        };
        let addr = match addr.iter().last() {
            Some(Protocol::P2p(_)) => addr.clone(),
            _ => addr.clone().with(Protocol::P2p(peer)),
        };
        self.tried.insert(peer, now);
        // Connected already, through the circuit: dial all the same.
        let opts = DialOpts::peer_id(peer)
            .addresses(vec![addr])
            .condition(PeerCondition::Always)
            .build();
        let id = opts.connection_id();
        if let Err(e) = swarm.dial(opts) {
            self.last_error = Some(e.to_string());
        } else {
            self.dialling.insert(id, peer);
        }
    }

    /// A dial failed: if it was a direct one, the circuit stays and says why.
    pub(super) fn dial_failed(&mut self, id: ConnectionId, error: &DialError) {
        if self.dialling.remove(&id).is_some() {
            self.last_error = Some(reason(error));
        }
    }

    /// A connection coming in failed: if it was a direct one, say why.
    pub(super) fn incoming_failed(&mut self, local: &Multiaddr, error: &ListenError) {
        if is_webrtc(local) {
            self.last_error = Some(error.to_string());
        }
    }

    /// Why the last direct connection could not be made.
    pub(super) fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// How `peer` is reached now.
    pub(super) fn link(&self, peer: &PeerId) -> Link {
        match self.peers.get(peer) {
            Some(l) if !l.direct.is_empty() => Link::Direct,
            Some(l) if l.other.is_empty() && !l.relayed.is_empty() => Link::Relayed,
            _ => Link::Network,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reservation_is_announced_with_webrtc() {
        let relay =
            "/ip4/10.0.0.1/tcp/4002/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";
        let me = "12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK";
        let circuit: Multiaddr = format!("{relay}/p2p-circuit/p2p/{me}")
            .parse()
            .expect("a valid address");
        let webrtc = webrtc_addr(&circuit).expect("valid");
        assert_eq!(
            webrtc.to_string(),
            format!("{relay}/p2p-circuit/webrtc/p2p/{me}")
        );
        assert!(is_webrtc(&webrtc) && is_circuit(&webrtc));
        let bare: Multiaddr = format!("{relay}/p2p-circuit")
            .parse()
            .expect("a valid address");
        assert_eq!(
            webrtc_addr(&bare).expect("valid").to_string(),
            format!("{relay}/p2p-circuit/webrtc")
        );
        // Not a reservation: nothing to announce.
        assert_eq!(webrtc_addr(&relay.parse().expect("a valid address")), None);
    }

    #[test]
    fn a_webrtc_address_names_the_circuit_to_signal_over() {
        let relay =
            "/ip4/10.0.0.1/tcp/4002/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";
        let peer: PeerId = "12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK"
            .parse()
            .expect("valid");
        let addr: Multiaddr = format!("{relay}/p2p-circuit/webrtc/p2p/{peer}")
            .parse()
            .expect("valid");
        let (circuit, to) = parse_webrtc_addr(&addr).expect("valid");
        assert_eq!(to, peer);
        for through in [&addr, &circuit] {
            let (id, at) = relay_of(through).expect("a circuit");
            assert_eq!(
                id.to_string(),
                "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"
            );
            assert_eq!(at.to_string(), relay);
        }
        assert_eq!(relay_of(&relay.parse().expect("valid")), None);
        assert_eq!(
            circuit.to_string(),
            format!("{relay}/p2p-circuit/p2p/{peer}")
        );
        // A circuit, WebRTC-direct, or no peer: not this transport's.
        for other in [
            format!("{relay}/p2p-circuit/p2p/{peer}"),
            format!("/ip4/10.0.0.1/udp/4003/webrtc-direct/p2p/{peer}"),
            format!("{relay}/p2p-circuit/webrtc"),
            format!("/webrtc/p2p/{peer}"),
        ] {
            assert_eq!(
                parse_webrtc_addr(&other.parse().expect("a valid address")),
                None,
                "{other}"
            );
        }
    }
}
