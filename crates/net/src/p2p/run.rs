//! Carries the sync machine over a libp2p swarm. The same loop runs on
//! tokio (CLI, relay) and in the browser: timers are `futures-timer`,
//! time is `web-time`; only the transports differ (`super::transport`).

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;

use futures::channel::mpsc;
use futures::{FutureExt, StreamExt};
use futures_timer::Delay;
use hearth_core::{SpaceId, VersionVector};
use hearth_node::{Change, Node, NodeError};
use hearth_store::Store;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, Swarm, gossipsub, identify, identity, relay, request_response};
use serde_bytes::ByteBuf;
use web_time::Instant;

use super::circuit::Circuits;
use super::direct::Direct;
use super::discovery::Discovery;
pub use super::status::{Command, Link, NetworkError, Options, SpaceSync, Status, Traffic};
use super::{Behaviour, BehaviourEvent, topic, transport};
use crate::driver;
use crate::sync::{Config, HostRequest, Output, Sync, SyncMessage};

/// A node on the network.
pub struct Network<S: Store> {
    node: Rc<Node<S>>,
    swarm: Swarm<Behaviour>,
    sync: Sync<PeerId>,
    started: Instant,
    listening: Vec<Multiaddr>,
    /// What the node committed since the loop last looked.
    changes: Rc<RefCell<Vec<Change>>>,
    /// Rung when the node commits, so a local op is published at once
    /// rather than at the next tick.
    wake: mpsc::Receiver<()>,
    commands: mpsc::Receiver<Command>,
    commander: mpsc::Sender<Command>,
    /// Peers to dial again whenever no peer is connected (a relay that
    /// restarted, a network that came back).
    redial: Vec<Multiaddr>,
    dial_error: Option<String>,
    last_dial: Instant,
    traffic: Traffic,
    reserved: HashSet<PeerId>,
    circuits: Circuits,
    direct: Direct,
    discovery: Discovery,
    /// Spaces hosted on a member's request, not yet checked: (member, since).
    requested: std::collections::BTreeMap<SpaceId, (hearth_core::Did, Instant)>,
    refused_hosting: Vec<(SpaceId, String)>,
}

/// How long a requested space may take to arrive before the relay stops
/// hosting it.
const REQUEST_PROOF: Duration = Duration::from_secs(60);

/// Commands waiting for the loop; a full queue refuses more
/// ([`mpsc::Sender::try_send`]).
const COMMAND_QUEUE: usize = 64;

/// How long a peer without connections waits before dialling again.
const REDIAL: Duration = Duration::from_secs(3);

impl<S: Store> Network<S> {
    /// Starts a network for `node` with the libp2p identity `key`: TCP and
    /// QUIC and WebSocket, noise, yamux, the relay client; listens and dials
    /// as `options` say, and syncs every space the node holds.
    pub async fn start(
        node: Rc<Node<S>>,
        key: identity::Keypair,
        options: Options,
    ) -> Result<Self, NetworkError> {
        let mut swarm = transport::swarm(key, &options).await?;
        let bad = |addr: &Multiaddr, e: &dyn std::fmt::Display| NetworkError::Address {
            addr: addr.clone(),
            reason: e.to_string(),
        };
        for addr in &options.listen {
            swarm.listen_on(addr.clone()).map_err(|e| bad(addr, &e))?;
        }
        let mut direct = Direct::new(&options.listen);
        for addr in &options.dial {
            direct.dial(&mut swarm, addr).map_err(|e| bad(addr, &e))?;
        }
        let changes: Rc<RefCell<Vec<Change>>> = Rc::default();
        let seen = changes.clone();
        let (waker, wake) = mpsc::channel(1);
        node.subscribe(move |change| {
            seen.borrow_mut().push(change.clone());
            // Full means the loop is already woken.
            let _ = waker.clone().try_send(());
        });
        let (commander, commands) = mpsc::channel(COMMAND_QUEUE);
        let config = Config {
            host_all: options.host_all,
            accept_host_requests: options.accept_host_requests,
            local_id: swarm.local_peer_id().to_bytes(),
            ..Config::default()
        };
        let mut network = Network {
            node: node.clone(),
            swarm,
            sync: Sync::new(config),
            started: Instant::now(),
            listening: Vec::new(),
            changes,
            wake,
            commands,
            commander,
            redial: options.dial.clone(),
            dial_error: None,
            last_dial: Instant::now(),
            traffic: Traffic::default(),
            reserved: HashSet::default(),
            circuits: Circuits::new(options.circuits, &options.dial),
            direct,
            discovery: Discovery::new(options.relay_server),
            requested: Default::default(),
            refused_hosting: Vec::new(),
        };
        for view in node.spaces() {
            network.host(view.id()).await?;
        }
        Ok(network)
    }

    /// A handle that sends [`Command`]s to this network while it runs.
    pub fn commander(&self) -> mpsc::Sender<Command> {
        self.commander.clone()
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
        self.discovery.host(&mut self.swarm, space);
        Ok(())
    }

    /// The local peer id.
    pub fn peer_id(&self) -> PeerId {
        *self.swarm.local_peer_id()
    }

    /// Where the network stands.
    pub fn status(&self) -> Status {
        let peers: Vec<PeerId> = self.sync.peers().copied().collect();
        let links: Vec<(PeerId, Link)> = peers.iter().map(|p| (*p, self.direct.link(p))).collect();
        let spaces = self
            .sync
            .holdings()
            .map(|(space, vv)| SpaceSync {
                space: *space,
                held: vv.op_count(),
                agreed: peers.iter().any(|p| self.sync.agrees(p, space)),
                peer_held: self.sync.peer_ops(space),
            })
            .collect();
        let arrivals = self.sync.arrivals();
        Status {
            peers,
            spaces,
            listening: self.listening.clone(),
            circuit_peers: links.iter().filter(|(_, l)| *l == Link::Relayed).count(),
            links,
            traffic: Traffic {
                reservations: self.reserved.len(),
                ops_pushed_in: arrivals.pushed,
                ops_pulled_in: arrivals.pulled,
                ..self.traffic
            },
            dial_error: self.dial_error.clone(),
            direct_error: self.direct.last_error().map(str::to_owned),
            refused_hosting: self.refused_hosting.clone(),
        }
    }

    /// Runs until `done` says so (checked after every event), or until
    /// `limit` passes.
    pub async fn run_until(
        &mut self,
        mut done: impl FnMut(&Status) -> bool,
        limit: Option<Duration>,
    ) -> Result<Status, NetworkError> {
        let deadline = limit.map(|l| Instant::now() + l);
        let tick = Duration::from_millis(250);
        let mut next_tick = Instant::now();
        loop {
            // What the node committed and what the last event asked for go
            // out before the loop waits again (a local op is published now).
            self.take_changes().await?;
            self.flush().await?;
            let status = self.status();
            if done(&status) {
                return Ok(status);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Err(NetworkError::Timeout(limit.unwrap_or_default()));
            }
            if now >= next_tick {
                next_tick = now + tick;
                let ms = self.now();
                self.sync.handle_tick(ms);
                self.check_requests();
                self.discovery.tick(&mut self.swarm, ms);
                if now - self.last_dial >= REDIAL {
                    self.redial(now);
                }
            } else {
                let wait = next_tick - now;
                let wait = deadline.map_or(wait, |d| wait.min(d - now));
                futures::select! {
                    event = self.swarm.select_next_some() => self.on_event(event),
                    command = self.commands.select_next_some() => self.on_command(command).await?,
                    () = self.wake.select_next_some() => {}
                    () = Delay::new(wait).fuse() => {}
                }
            }
        }
    }

    /// Dials again the peers it was started with that are not connected
    /// (a relay that restarted, a network that came back), even while
    /// members it reached directly are.
    fn redial(&mut self, now: Instant) {
        let alone = self.sync.peers().next().is_none();
        let mut dialled = false;
        for addr in &self.redial {
            let missing = match addr.iter().last() {
                Some(libp2p::multiaddr::Protocol::P2p(peer)) => !self.swarm.is_connected(&peer),
                _ => alone,
            };
            if missing {
                dialled = true;
                let _ = self.direct.dial(&mut self.swarm, addr);
            }
        }
        if dialled {
            self.last_dial = now;
        }
    }

    async fn on_command(&mut self, command: Command) -> Result<(), NetworkError> {
        match command {
            Command::Host(space) => self.host(space).await,
            // A member's address may be wrong: say so, and keep running.
            Command::Dial(addr) => {
                self.dial_error = self
                    .direct
                    .dial(&mut self.swarm, &addr)
                    .err()
                    .map(|e| format!("could not dial {addr}: {e}"));
                if self.dial_error.is_none() && !self.redial.contains(&addr) {
                    self.redial.push(addr);
                }
                Ok(())
            }
            Command::RequestHosting { relay, space } => self.request_hosting(relay, space),
        }
    }

    /// Asks the relay `relay` (connected, or once it is) to host `space`,
    /// signed by this node's identity.
    pub fn request_hosting(&mut self, relay: PeerId, space: SpaceId) -> Result<(), NetworkError> {
        let Some(me) = self.node.identity() else {
            return Err(NodeError::NoIdentity.into());
        };
        let ts = web_time::SystemTime::now()
            .duration_since(web_time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let request = HostRequest::sign(me, space, relay.to_bytes(), ts);
        self.sync.request_hosting(relay, request);
        Ok(())
    }

    /// Checks spaces hosted on request: kept once the requester shows as a
    /// member, dropped if they do not or the space never arrives.
    fn check_requests(&mut self) {
        let mut done = Vec::new();
        for (space, (member, since)) in &self.requested {
            let verdict = match self.node.space(space) {
                Some(view) if view.is_member(member) => Some(None),
                Some(_) => Some(Some(format!("{} is not a member", member.fmt_short()))),
                None if since.elapsed() > REQUEST_PROOF => {
                    Some(Some("the space did not arrive".to_string()))
                }
                None => None,
            };
            if let Some(refusal) = verdict {
                done.push((*space, refusal));
            }
        }
        for (space, refusal) in done {
            self.requested.remove(&space);
            if let Some(why) = refusal {
                self.sync.unhost(&space);
                self.discovery.unhost(&mut self.swarm, &space);
                let _ = self
                    .swarm
                    .behaviour_mut()
                    .gossipsub
                    .unsubscribe(&topic(&space));
                self.refused_hosting.push((space, why));
            }
        }
    }

    /// Keeps the machine's holdings current with what the node committed,
    /// and publishes the node's own new ops.
    async fn take_changes(&mut self) -> Result<(), NetworkError> {
        let changes = std::mem::take(&mut *self.changes.borrow_mut());
        let me = self.node.identity().map(|k| k.did());
        for change in changes {
            for space in &change.spaces {
                let vv = self.holdings(space).await?;
                self.sync.handle_holdings(*space, vv);
                let _ = self
                    .swarm
                    .behaviour_mut()
                    .gossipsub
                    .subscribe(&topic(space));
            }
            // Authors from the metadata; blocks are read for own ops only.
            let store = self.node.store();
            let metas = store
                .metas(&change.accepted)
                .await
                .map_err(NodeError::from)?;
            for meta in metas.into_iter().flatten().filter(|m| Some(m.author) == me) {
                let Some(op) = store.op(&meta.id).await.map_err(NodeError::from)? else {
                    continue;
                };
                let vv = self.holdings(&meta.space).await?;
                self.sync.handle_local_op(meta.space, op.bytes, vv);
            }
        }
        Ok(())
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        let now = self.now();
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                // What it listens on is what it tells peers (a relay needs
                // an external address to hand out reservations).
                self.swarm.add_external_address(address.clone());
                self.direct.listening(&mut self.swarm, &address);
                self.listening.push(address);
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                num_established,
                endpoint,
                ..
            } => {
                self.direct
                    .established(&mut self.swarm, peer_id, connection_id, &endpoint);
                if num_established.get() > 1 {
                    return;
                }
                self.circuits.connected(&mut self.swarm, peer_id);
                self.sync.handle_connected(peer_id, now);
            }
            SwarmEvent::OutgoingConnectionError {
                connection_id,
                error,
                ..
            } => self.direct.dial_failed(connection_id, &error),
            SwarmEvent::IncomingConnectionError {
                local_addr, error, ..
            } => self.direct.incoming_failed(&local_addr, &error),
            SwarmEvent::ListenerClosed { listener_id, .. } => {
                self.circuits.listener_closed(listener_id);
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                connection_id,
                num_established,
                ..
            } => {
                self.direct.closed(peer_id, connection_id);
                if num_established > 0 {
                    return;
                }
                self.reserved.remove(&peer_id);
                self.circuits.disconnected(&mut self.swarm, peer_id);
                self.sync.handle_disconnected(peer_id);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Sync(request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Request {
                        request, channel, ..
                    },
                ..
            })) => {
                self.traffic.bytes_in += request.len() as u64;
                self.sync.handle_message(peer, &request, now);
                let _ = self.swarm.behaviour_mut().sync.send_response(channel, ());
            }
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message,
                ..
            })) => {
                if let Some(source) = message.source {
                    self.circuits.heard(&mut self.swarm, source, now);
                }
                self.traffic.bytes_in += message.data.len() as u64;
                self.sync
                    .handle_message(propagation_source, &message.data, now);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Relay(event)) => self.on_relay(event),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                self.direct
                    .identified(&mut self.swarm, peer_id, &info.listen_addrs, now);
                self.discovery.identified(&mut self.swarm, peer_id, &info);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(event)) => {
                self.discovery.on_event(&mut self.swarm, event);
            }
            _ => {}
        }
    }

    fn on_relay(&mut self, event: relay::Event) {
        match event {
            relay::Event::ReservationReqAccepted { src_peer_id, .. } => {
                self.reserved.insert(src_peer_id);
            }
            relay::Event::ReservationClosed { src_peer_id }
            | relay::Event::ReservationTimedOut { src_peer_id } => {
                self.reserved.remove(&src_peer_id);
            }
            relay::Event::CircuitReqAccepted { .. } => self.traffic.circuits += 1,
            relay::Event::CircuitClosed { .. } => {
                self.traffic.circuits = self.traffic.circuits.saturating_sub(1);
            }
            _ => {}
        }
    }

    /// Runs the machine's outputs: store work through the driver, the rest
    /// onto the swarm. What the machine sends before store work is handed to
    /// the connections first, so it travels while the store works (the next
    /// request of a long sync, while this batch is ingested).
    async fn flush(&mut self) -> Result<(), NetworkError> {
        loop {
            let now = self.now();
            let outputs = driver::step(&self.node, &mut self.sync, now).await?;
            if outputs.is_empty() {
                return Ok(());
            }
            self.send(outputs);
            // Let the swarm pass them to the connection tasks (and take in
            // whatever is ready) without waiting.
            for _ in 0..64 {
                match self.swarm.select_next_some().now_or_never() {
                    Some(event) => self.on_event(event),
                    None => break,
                }
            }
        }
    }

    fn send(&mut self, outputs: Vec<Output<PeerId>>) {
        for output in outputs {
            match output {
                Output::Send { peer, message } => {
                    let bytes = ByteBuf::from(message.encode());
                    self.traffic.bytes_out += bytes.len() as u64;
                    self.swarm.behaviour_mut().sync.send_request(&peer, bytes);
                }
                Output::Publish { space, op } => {
                    let message = SyncMessage::Push {
                        space,
                        op: op.into(),
                    };
                    // No peer on the topic yet: anti-entropy carries it later.
                    let data = message.encode();
                    let len = data.len() as u64;
                    if self
                        .swarm
                        .behaviour_mut()
                        .gossipsub
                        .publish(topic(&space), data)
                        .is_ok()
                    {
                        self.traffic.bytes_out += len;
                    }
                }
                Output::Disconnect { peer, .. } => {
                    let _ = self.swarm.disconnect_peer_id(peer);
                }
                Output::Hosting {
                    space,
                    requested_by,
                } => {
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .gossipsub
                        .subscribe(&topic(&space));
                    self.discovery.host(&mut self.swarm, space);
                    if let Some(member) = requested_by {
                        self.requested.insert(space, (member, Instant::now()));
                    }
                }
                Output::Fetch { .. } | Output::Ingest { .. } => {
                    unreachable!("the driver answers these")
                }
            }
        }
    }
}
