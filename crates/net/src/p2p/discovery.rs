//! Which relays host a space (native only): a Kademlia DHT among relays and
//! CLI nodes on Hearth's own protocol (`/hearth/kad/1`), not the public
//! IPFS one. A relay announces itself as a provider of each space it hosts;
//! a node that hosts a space asks the DHT for its providers and dials those
//! it is not connected to, and sync takes over from there. Browsers hold no
//! routing table: their relay finds the others.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use hearth_core::SpaceId;
use libp2p::kad::{self, GetProvidersOk, QueryResult, RecordKey};
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::{PeerId, StreamProtocol, Swarm, identify};

use super::Behaviour;

/// The DHT's protocol name.
pub const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/hearth/kad/1");

/// How often hosted spaces are announced and looked up again, in ms.
const ROUND_MS: u64 = 60_000;
/// Spaces looked up per round (a relay hosting many asks about a few at a time).
const PER_ROUND: usize = 16;
/// Providers dialled per lookup.
const DIALS_PER_LOOKUP: usize = 8;
/// Until the routing table holds this many peers, each new one sets off a
/// fresh announcement and lookup (a node that just joined).
const EARLY_PEERS: usize = 3;

/// The DHT behaviour.
pub type Kad = kad::Behaviour<kad::store::MemoryStore>;
/// What happens in it.
pub type KadEvent = kad::Event;

/// The DHT behaviour: a server on relays (it answers queries), a client on
/// members' nodes.
pub(super) fn behaviour(peer: PeerId, server: bool) -> Kad {
    let mut config = kad::Config::new(KAD_PROTOCOL);
    // Announcements are renewed hourly, so a relay that restarted or a
    // record that was lost is found again within the hour.
    config
        .set_provider_publication_interval(Some(Duration::from_secs(60 * 60)))
        .set_provider_record_ttl(Some(Duration::from_secs(3 * 60 * 60)))
        .set_query_timeout(Duration::from_secs(30));
    let mut kad = kad::Behaviour::with_config(peer, kad::store::MemoryStore::new(peer), config);
    kad.set_mode(Some(if server {
        kad::Mode::Server
    } else {
        kad::Mode::Client
    }));
    kad
}

fn key(space: &SpaceId) -> RecordKey {
    RecordKey::new(&format!("hearth/space/{space}"))
}

/// What this node announces and looks for.
#[derive(Debug)]
pub(super) struct Discovery {
    /// Announce hosted spaces (a relay).
    provide: bool,
    hosted: BTreeSet<SpaceId>,
    /// Where the next round's lookups start.
    cursor: usize,
    next_round: u64,
    routing: usize,
    /// Providers found and dialled (so each is dialled once).
    dialled: HashSet<PeerId>,
}

impl Discovery {
    pub(super) fn new(provide: bool) -> Self {
        Discovery {
            provide,
            hosted: BTreeSet::new(),
            cursor: 0,
            next_round: ROUND_MS,
            routing: 0,
            dialled: HashSet::new(),
        }
    }

    fn announce(&self, swarm: &mut Swarm<Behaviour>, space: &SpaceId) {
        let kad = &mut swarm.behaviour_mut().kad;
        if self.provide {
            // Only a full store refuses, and the memory store is bounded.
            let _ = kad.start_providing(key(space));
        }
        kad.get_providers(key(space));
    }

    /// This node hosts `space` now.
    pub(super) fn host(&mut self, swarm: &mut Swarm<Behaviour>, space: SpaceId) {
        if self.hosted.insert(space) {
            self.announce(swarm, &space);
        }
    }

    /// This node stopped hosting `space`.
    pub(super) fn unhost(&mut self, swarm: &mut Swarm<Behaviour>, space: &SpaceId) {
        if self.hosted.remove(space) {
            swarm.behaviour_mut().kad.stop_providing(&key(space));
        }
    }

    /// A peer told who it is: if it speaks the DHT, it joins the routing
    /// table at the addresses it listens on.
    pub(super) fn identified(
        &mut self,
        swarm: &mut Swarm<Behaviour>,
        peer: PeerId,
        info: &identify::Info,
    ) {
        if !info.protocols.contains(&KAD_PROTOCOL) {
            return;
        }
        // A relayed address is not where the peer can be dialled directly.
        let direct = info.listen_addrs.iter().filter(|a| {
            !a.iter()
                .any(|p| p == libp2p::multiaddr::Protocol::P2pCircuit)
        });
        for addr in direct {
            swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
        }
    }

    /// Every tick: a round of announcements and lookups once a minute.
    pub(super) fn tick(&mut self, swarm: &mut Swarm<Behaviour>, now: u64) {
        if now < self.next_round || self.hosted.is_empty() {
            return;
        }
        self.next_round = now + ROUND_MS;
        let spaces: Vec<SpaceId> = self
            .hosted
            .iter()
            .cycle()
            .skip(self.cursor % self.hosted.len())
            .take(PER_ROUND.min(self.hosted.len()))
            .copied()
            .collect();
        self.cursor += spaces.len();
        // A provider that went away may be back: dial it again if found.
        self.dialled.clear();
        for space in &spaces {
            swarm.behaviour_mut().kad.get_providers(key(space));
        }
    }

    /// Something happened in the DHT.
    pub(super) fn on_event(&mut self, swarm: &mut Swarm<Behaviour>, event: KadEvent) {
        match event {
            kad::Event::RoutingUpdated {
                is_new_peer: true, ..
            } => {
                self.routing += 1;
                if self.routing <= EARLY_PEERS {
                    let hosted: Vec<SpaceId> =
                        self.hosted.iter().take(PER_ROUND).copied().collect();
                    for space in &hosted {
                        self.announce(swarm, space);
                    }
                }
            }
            kad::Event::OutboundQueryProgressed {
                result:
                    QueryResult::GetProviders(Ok(GetProvidersOk::FoundProviders { providers, .. })),
                ..
            } => {
                let me = *swarm.local_peer_id();
                let new: Vec<PeerId> = providers
                    .into_iter()
                    .filter(|p| *p != me && !swarm.is_connected(p) && !self.dialled.contains(p))
                    .take(DIALS_PER_LOOKUP)
                    .collect();
                for peer in new {
                    self.dialled.insert(peer);
                    // Now, while the lookup still knows the provider's
                    // addresses; sync starts once it is connected.
                    let _ = swarm.dial(
                        DialOpts::peer_id(peer)
                            .condition(PeerCondition::DisconnectedAndNotDialing)
                            .build(),
                    );
                }
            }
            _ => {}
        }
    }
}
