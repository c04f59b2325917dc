//! Carries the sync machine over a libp2p swarm (native, tokio).

use std::time::{Duration, Instant};

use futures::StreamExt;
use hearth_core::{SpaceId, VersionVector};
use hearth_node::{Node, NodeError};
use hearth_store::Store;
use libp2p::swarm::SwarmEvent;
use libp2p::{
    Multiaddr, PeerId, Swarm, SwarmBuilder, gossipsub, identity, noise, request_response, tcp,
    yamux,
};
use serde_bytes::ByteBuf;

use super::{Behaviour, BehaviourEvent, topic};
use crate::driver;
use crate::sync::{Config, Output, Sync, SyncMessage};

/// How a network starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Addresses to listen on (`/ip4/127.0.0.1/tcp/0`, `…/tcp/0/ws`, `…/udp/0/quic-v1`).
    pub listen: Vec<Multiaddr>,
    /// Peers to dial (with their `/p2p/…` id).
    pub dial: Vec<Multiaddr>,
    /// Run the circuit relay v2 server (a community relay).
    pub relay_server: bool,
}

/// Why the network stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// A transport could not be set up.
    #[error("transport: {0}")]
    Transport(String),
    /// An address could not be listened on or dialled.
    #[error("address {addr}: {reason}")]
    Address {
        /// The address.
        addr: Multiaddr,
        /// Why.
        reason: String,
    },
    /// The node failed.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The deadline passed first.
    #[error("gave up after {0:?}")]
    Timeout(Duration),
}

/// What the network looks like now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Connected peers.
    pub peers: Vec<PeerId>,
    /// Per space: ops held, and whether a connected peer is known to hold
    /// exactly the same.
    pub spaces: Vec<(SpaceId, u64, bool)>,
    /// Where this peer listens.
    pub listening: Vec<Multiaddr>,
}

impl Status {
    /// Whether every space agrees with some connected peer.
    pub fn in_sync(&self) -> bool {
        !self.peers.is_empty() && self.spaces.iter().all(|(_, _, agreed)| *agreed)
    }
}

/// A node on the network.
pub struct Network<'a, S: Store> {
    node: &'a Node<S>,
    swarm: Swarm<Behaviour>,
    sync: Sync<PeerId>,
    started: Instant,
    listening: Vec<Multiaddr>,
}

impl<'a, S: Store> Network<'a, S> {
    /// Starts a network for `node` with the libp2p identity `key`: TCP and
    /// QUIC and WebSocket, noise, yamux, the relay client; listens and dials
    /// as `options` say, and syncs every space the node holds.
    pub async fn start(
        node: &'a Node<S>,
        key: identity::Keypair,
        options: Options,
    ) -> Result<Self, NetworkError> {
        let transport = |e: &dyn std::fmt::Display| NetworkError::Transport(e.to_string());
        let relay_server = options.relay_server;
        let mut swarm = SwarmBuilder::with_existing_identity(key)
            .with_tokio()
            .with_tcp(
                tcp::Config::default(),
                noise::Config::new,
                yamux::Config::default,
            )
            .map_err(|e| transport(&e))?
            .with_quic()
            .with_dns()
            .map_err(|e| transport(&e))?
            .with_websocket(noise::Config::new, yamux::Config::default)
            .await
            .map_err(|e| transport(&e))?
            .with_relay_client(noise::Config::new, yamux::Config::default)
            .map_err(|e| transport(&e))?
            .with_behaviour(|key, client| {
                Behaviour::new(key, relay_server, Some(client)).map_err(|e| {
                    Box::new(e) as Box<dyn std::error::Error + Send + std::marker::Sync>
                })
            })
            .map_err(|e| transport(&e))?
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(120)))
            .build();
        let bad = |addr: &Multiaddr, e: &dyn std::fmt::Display| NetworkError::Address {
            addr: addr.clone(),
            reason: e.to_string(),
        };
        for addr in &options.listen {
            swarm.listen_on(addr.clone()).map_err(|e| bad(addr, &e))?;
        }
        for addr in &options.dial {
            swarm.dial(addr.clone()).map_err(|e| bad(addr, &e))?;
        }
        let mut network = Network {
            node,
            swarm,
            sync: Sync::new(Config::default()),
            started: Instant::now(),
            listening: Vec::new(),
        };
        for view in node.spaces() {
            network.host(view.id).await?;
        }
        Ok(network)
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    async fn holdings(&self, space: &SpaceId) -> Result<VersionVector, NetworkError> {
        Ok(self
            .node
            .store()
            .version_vector(space)
            .await
            .map_err(NodeError::from)?)
    }

    /// Syncs `space` too (joining it: what peers hold arrives).
    pub async fn host(&mut self, space: SpaceId) -> Result<(), NetworkError> {
        let vv = self.holdings(&space).await?;
        self.sync.handle_holdings(space, vv);
        // Subscribing twice is harmless; the error only reports a bad topic.
        let _ = self
            .swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(&topic(&space));
        Ok(())
    }

    /// This node wrote `op` in `space`: publish it.
    pub async fn published(&mut self, space: SpaceId, op: Vec<u8>) -> Result<(), NetworkError> {
        let vv = self.holdings(&space).await?;
        self.sync.handle_local_op(space, op, vv);
        self.flush().await
    }

    /// The local peer id.
    pub fn peer_id(&self) -> PeerId {
        *self.swarm.local_peer_id()
    }

    /// Where the network stands.
    pub fn status(&self) -> Status {
        let peers: Vec<PeerId> = self.sync.peers().copied().collect();
        let spaces = self
            .sync
            .holdings()
            .map(|(space, vv)| {
                let agreed = peers.iter().any(|p| self.sync.agrees(p, space));
                (*space, vv.op_count(), agreed)
            })
            .collect();
        Status {
            peers,
            spaces,
            listening: self.listening.clone(),
        }
    }

    /// Runs until `done` says so (checked after every event), or until
    /// `limit` passes.
    pub async fn run_until(
        &mut self,
        mut done: impl FnMut(&Status) -> bool,
        limit: Option<Duration>,
    ) -> Result<Status, NetworkError> {
        let deadline = limit.map(|l| tokio::time::Instant::now() + l);
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            let status = self.status();
            if done(&status) {
                return Ok(status);
            }
            let until = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_event(event),
                _ = tick.tick() => {
                    let now = self.now();
                    self.sync.handle_tick(now);
                }
                () = until => return Err(NetworkError::Timeout(limit.unwrap_or_default())),
            }
            self.flush().await?;
        }
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        let now = self.now();
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                // What it listens on is what it tells peers (a relay needs
                // an external address to hand out reservations).
                self.swarm.add_external_address(address.clone());
                self.listening.push(address);
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                num_established,
                ..
            } if num_established.get() == 1 => self.sync.handle_connected(peer_id, now),
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => self.sync.handle_disconnected(peer_id),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Request {
                        request, channel, ..
                    },
                ..
            })) => {
                self.sync.handle_message(peer, &request, now);
                let _ = self.swarm.behaviour_mut().sync.send_response(channel, ());
            }
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message,
                ..
            })) => self
                .sync
                .handle_message(propagation_source, &message.data, now),
            _ => {}
        }
    }

    /// Runs the machine's outputs: store work through the driver, the rest
    /// onto the swarm.
    async fn flush(&mut self) -> Result<(), NetworkError> {
        let now = self.now();
        for output in driver::step(self.node, &mut self.sync, now).await? {
            match output {
                Output::Send { peer, message } => {
                    let bytes = ByteBuf::from(message.encode());
                    self.swarm.behaviour_mut().sync.send_request(&peer, bytes);
                }
                Output::Publish { space, op } => {
                    let message = SyncMessage::Push {
                        space,
                        op: op.into(),
                    };
                    // No peer on the topic yet: anti-entropy carries it later.
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .gossipsub
                        .publish(topic(&space), message.encode());
                }
                Output::Disconnect { peer, .. } => {
                    let _ = self.swarm.disconnect_peer_id(peer);
                }
                Output::Fetch { .. } | Output::Ingest { .. } => {
                    unreachable!("the driver answers these")
                }
            }
        }
        Ok(())
    }
}
