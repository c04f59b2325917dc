//! Gets the WebRTC transport a relayed connection to signal over: the
//! transport cannot dial through the swarm itself, so it asks this
//! behaviour, which dials `<relay>/p2p-circuit/p2p/<peer>` (unless a
//! connection to the peer is up already) and says when one is.

use std::collections::HashMap;
use std::convert::Infallible;
use std::task::{Context, Poll};

use futures::StreamExt;
use futures::channel::{mpsc, oneshot};
use libp2p::core::Endpoint;
use libp2p::core::transport::PortUse;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, DialError, FromSwarm, NetworkBehaviour, THandler,
    THandlerInEvent, THandlerOutEvent, ToSwarm, dummy,
};
use libp2p::{Multiaddr, PeerId};

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

/// The behaviour.
pub struct Relayed {
    requests: mpsc::Receiver<Request>,
    connections: HashMap<PeerId, usize>,
    waiting: HashMap<PeerId, Vec<oneshot::Sender<Result<(), String>>>>,
    dials: HashMap<ConnectionId, PeerId>,
    to_dial: Vec<DialOpts>,
}

impl Relayed {
    /// The behaviour, and the sender the transport asks it through.
    pub fn new() -> (Self, Requests) {
        let (tx, requests) = mpsc::channel(REQUESTS);
        let relayed = Relayed {
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
                self.dials.remove(&e.connection_id);
                self.answer(&e.peer_id, Ok(()));
            }
            FromSwarm::ConnectionClosed(e) => {
                if let Some(n) = self.connections.get_mut(&e.peer_id) {
                    *n -= 1;
                    if *n == 0 {
                        self.connections.remove(&e.peer_id);
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
            let opts = DialOpts::peer_id(request.peer)
                .addresses(vec![request.circuit])
                .condition(PeerCondition::DisconnectedAndNotDialing)
                .build();
            self.dials.insert(opts.connection_id(), request.peer);
            self.waiting
                .entry(request.peer)
                .or_default()
                .push(request.reply);
            self.to_dial.push(opts);
        }
        match self.to_dial.pop() {
            Some(opts) => Poll::Ready(ToSwarm::Dial { opts }),
            None => Poll::Pending,
        }
    }
}
