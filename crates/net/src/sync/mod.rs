//! Sync as a sans-IO state machine: inputs come in through `handle_*` with
//! the current time, outputs go out through [`Sync::poll_output`]. No
//! sockets, no clock, no store: reading ops and ingesting them are outputs
//! too ([`Output::Fetch`], [`Output::Ingest`]), answered by the driver.
//!
//! How it works, per space:
//! - **Push.** A node's own new op is published at once ([`Output::Publish`]:
//!   the space's gossip topic). Receivers ingest it and do not publish it
//!   again: anti-entropy carries it further, so no op crosses a link twice.
//! - **Pull (anti-entropy).** Every round, a node sends one peer (in turn) a
//!   `Summary`: on first contact its version vector, after that its 32-byte
//!   digest alone. A peer holding the same answers with its digest; one
//!   that does not, with its vector. Given a vector, a peer answers with
//!   the ops the sender lacks, in bounded batches, and with its own vector
//!   if the sender holds ops it lacks (push-pull in one round). In steady
//!   state only digests go back and forth, and rounds space out (1, 2, 4,
//!   then every 8 s) until the node's holdings change or it meets a peer
//!   (`rounds`). A batch marked `more` is answered
//!   at once, before it is ingested, by a summary that counts it as held, so
//!   the peer reads the next batch while this node ingests this one; a long
//!   sync resumes after a disconnect from whatever the node then holds.
//! - **Blame.** Ops that fail validation count against the peer that sent
//!   them; past a limit the peer is disconnected and refused for a while.

mod config;
mod host;
mod rounds;
mod wire;

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Debug;

use hearth_core::{SpaceId, VersionVector};
use serde_bytes::ByteBuf;

use rounds::Held;

pub use config::{Arrivals, Config, Output};
pub use host::{HOST_CONTEXT, HostError, HostRequest};
pub use rounds::QUIET_SHIFT_MAX;
pub use wire::{
    MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, PREFIX, Resolved, SyncMessage, WireError, digest, pack,
    unpack,
};

#[derive(Debug, Default)]
struct Peer {
    /// The peer's digest per space, as last learnt.
    digests: BTreeMap<SpaceId, [u8; 32]>,
    /// How many ops the peer holds per space, as its vector last said.
    counts: BTreeMap<SpaceId, u64>,
    /// Rounds this node started with the peer and awaits, with deadlines.
    awaiting: BTreeMap<SpaceId, u64>,
    /// Invalid ops and malformed messages received.
    invalid: u32,
    /// Per space, while a long sync from this peer continues: what this node
    /// told it it holds (its holdings and the batches still being ingested).
    expecting: BTreeMap<SpaceId, VersionVector>,
    /// What the peer may still send now: (messages, bytes, as of ms).
    allowance: Option<(f64, f64, u64)>,
    /// Spaces the peer said it does not sync, and when: rounds go to other
    /// peers for [`NOT_SYNCED_MS`], or until it speaks of the space.
    not_synced: BTreeMap<SpaceId, u64>,
}

/// How long a peer that said it does not sync a space is left out of its
/// rounds (it may take the space up: a relay asked to host it).
pub const NOT_SYNCED_MS: u64 = 30_000;

/// The sync state machine of one node. `P` names peers (a libp2p peer id,
/// or a number in the simulation).
#[derive(Debug)]
pub struct Sync<P> {
    config: Config,
    spaces: BTreeMap<SpaceId, Held>,
    peers: BTreeMap<P, Peer>,
    banned: BTreeMap<P, u64>,
    out: VecDeque<Output<P>>,
    turn: usize,
    arrivals: Arrivals,
}

impl<P: Copy + Ord + Debug> Sync<P> {
    /// A machine with no spaces and no peers.
    pub fn new(config: Config) -> Self {
        Sync {
            config,
            spaces: BTreeMap::new(),
            peers: BTreeMap::new(),
            banned: BTreeMap::new(),
            out: VecDeque::new(),
            turn: 0,
            arrivals: Arrivals::default(),
        }
    }

    /// Ops received so far, pushed and pulled.
    pub fn arrivals(&self) -> Arrivals {
        self.arrivals
    }

    /// The next thing to do, if any.
    pub fn poll_output(&mut self) -> Option<Output<P>> {
        self.out.pop_front()
    }

    /// The next thing to do, left in place.
    pub fn peek_output(&self) -> Option<&Output<P>> {
        self.out.front()
    }

    /// Syncs `space`, of which this node holds `vv` (also after every change
    /// the node made or ingested on its own).
    pub fn handle_holdings(&mut self, space: SpaceId, vv: VersionVector) {
        match self.spaces.get_mut(&space) {
            Some(held) => held.update(vv, self.config.round_ms),
            None => {
                self.spaces.insert(space, Held::new(vv));
            }
        }
    }

    /// The spaces synced, with what this node holds.
    pub fn holdings(&self) -> impl Iterator<Item = (&SpaceId, &VersionVector)> {
        self.spaces.iter().map(|(s, h)| (s, &h.vv))
    }

    /// This node wrote `op` in `space` and now holds `vv`: publish it.
    pub fn handle_local_op(&mut self, space: SpaceId, op: Vec<u8>, vv: VersionVector) {
        self.handle_holdings(space, vv);
        self.out.push_back(Output::Publish { space, op });
    }

    /// A connection to `peer` is up: start a round with it in every space
    /// at once, so sync begins without waiting for the next round.
    pub fn handle_connected(&mut self, peer: P, now: u64) {
        if self.banned.get(&peer).is_some_and(|until| *until > now) {
            return self.out.push_back(Output::Disconnect {
                peer,
                reason: "refused for sending invalid ops".into(),
            });
        }
        self.peers.insert(peer, Peer::default());
        let spaces: Vec<SpaceId> = self.spaces.keys().copied().collect();
        for held in self.spaces.values_mut() {
            held.met_peer(self.config.round_ms);
        }
        for space in spaces {
            self.start_round(peer, space, now);
        }
    }

    /// The connection to `peer` is gone.
    pub fn handle_disconnected(&mut self, peer: P) {
        self.peers.remove(&peer);
    }

    /// Time passes: start the round that is due, expire unanswered ones.
    pub fn handle_tick(&mut self, now: u64) {
        for peer in self.peers.values_mut() {
            peer.awaiting.retain(|_, deadline| *deadline > now);
        }
        let round_ms = self.config.round_ms;
        let due: Vec<SpaceId> = self
            .spaces
            .iter()
            .filter(|(_, held)| held.due(now))
            .map(|(space, _)| *space)
            .collect();
        for space in due {
            // One round at a time per space: answers never overlap.
            let waiting = self.peers.values().any(|p| p.awaiting.contains_key(&space));
            let peers: Vec<P> = self
                .peers
                .iter()
                .filter(|(_, p)| {
                    p.not_synced
                        .get(&space)
                        .is_none_or(|at| now.saturating_sub(*at) >= NOT_SYNCED_MS)
                })
                .map(|(peer, _)| *peer)
                .collect();
            let held = self.spaces.get_mut(&space).expect("due spaces are held");
            if waiting || peers.is_empty() {
                held.postpone(now, round_ms);
                continue;
            }
            self.turn = self.turn.wrapping_add(1);
            let peer = peers[self.turn % peers.len()];
            held.started(now, round_ms);
            self.start_round(peer, space, now);
        }
    }

    fn start_round(&mut self, peer: P, space: SpaceId, now: u64) {
        let Some(held) = self.spaces.get(&space) else {
            return;
        };
        let Some(state) = self.peers.get_mut(&peer) else {
            return;
        };
        // The vector on first contact, so a peer that lacks ops answers
        // with them at once; after that the digest alone. A peer holding
        // the same says so; one that does not answers with its vector, and
        // only then are ops asked for: by then an op still on its way by
        // gossip has mostly arrived, and is not fetched a second time.
        let first = !state.digests.contains_key(&space);
        let message = SyncMessage::Summary {
            space,
            digest: held.digest,
            vv: first.then(|| pack(&held.vv).into()),
            reply: true,
        };
        state.awaiting.insert(space, now + self.config.timeout_ms);
        // A fresh round starts from what the node holds.
        state.expecting.remove(&space);
        self.out.push_back(Output::Send { peer, message });
    }

    /// Asks `peer` for the batch after `blocks` (which it sent, marked
    /// `more`) before they are ingested: the summary counts them as held.
    /// Batches follow each author's log in order, so the claim is a
    /// contiguous extension of what the node holds; if an op then fails,
    /// the next full round finds the difference.
    fn continue_round(&mut self, peer: P, space: SpaceId, blocks: &[Vec<u8>], now: u64) {
        let (Some(held), Some(state)) = (self.spaces.get(&space), self.peers.get_mut(&peer)) else {
            return;
        };
        let mut claimed = state
            .expecting
            .remove(&space)
            .unwrap_or_else(|| held.vv.clone());
        for (author, top) in held.vv.iter() {
            claimed.observe(*author, *top);
        }
        for block in blocks {
            if let Ok(op) = hearth_core::Op::decode(block) {
                claimed.observe(op.op.data.author, op.op.data.seq);
            }
        }
        let message = SyncMessage::Summary {
            space,
            digest: digest(&claimed),
            vv: Some(pack(&claimed).into()),
            reply: false,
        };
        state.awaiting.insert(space, now + self.config.timeout_ms);
        state.expecting.insert(space, claimed);
        self.out.push_back(Output::Send { peer, message });
    }

    /// A message from `peer` arrived.
    pub fn handle_message(&mut self, peer: P, bytes: &[u8], now: u64) {
        if !self.peers.contains_key(&peer) {
            return;
        }
        if !self.within_allowance(peer, bytes.len(), now) {
            return self.blame(peer, 1, now);
        }
        let message = match SyncMessage::decode(bytes) {
            Ok(m) => m,
            Err(_) => return self.blame(peer, 1, now),
        };
        let space = message.space();
        if let SyncMessage::Host(request) = &message {
            return self.handle_host_request(peer, request, now);
        }
        if let SyncMessage::NotSynced { .. } = message {
            return self.handle_not_synced(peer, space, now);
        }
        if !self.spaces.contains_key(&space) {
            if !self.config.host_all {
                // Not a space this node syncs: a peer asking for a round
                // is told so, and asks another.
                if let SyncMessage::Summary { reply: true, .. } = message {
                    let message = SyncMessage::NotSynced { space };
                    self.out.push_back(Output::Send { peer, message });
                }
                return;
            }
            self.handle_holdings(space, VersionVector::new());
            self.out.push_back(Output::Hosting {
                space,
                requested_by: None,
            });
        }
        let ours = self.spaces[&space].digest;
        match message {
            SyncMessage::Summary {
                digest, vv, reply, ..
            } => {
                if let Some(state) = self.peers.get_mut(&peer) {
                    state.not_synced.remove(&space);
                    state.digests.insert(space, digest);
                    if digest == ours {
                        state.awaiting.remove(&space);
                    }
                }
                match vv {
                    Some(packed) => match unpack(&packed, &self.spaces[&space].vv) {
                        Ok(theirs) => {
                            if let Some(state) = self.peers.get_mut(&peer) {
                                state.counts.insert(space, theirs.ops);
                            }
                            self.answer(peer, space, theirs, reply);
                        }
                        Err(_) => self.blame(peer, 1, now),
                    },
                    // The digests differ: show our vector.
                    None if digest != ours => self.send_vector(peer, space, true),
                    // The same holdings: say so, if asked.
                    None if reply => self.send_digest(peer, space),
                    None => {}
                }
            }
            SyncMessage::Ops { ops, more, .. } => {
                let blocks: Vec<Vec<u8>> = ops.into_iter().map(ByteBuf::into_vec).collect();
                self.arrivals.pulled += blocks.len() as u64;
                if more {
                    self.continue_round(peer, space, &blocks, now);
                } else if let Some(state) = self.peers.get_mut(&peer) {
                    state.expecting.remove(&space);
                }
                self.out.push_back(Output::Ingest {
                    peer,
                    space,
                    blocks,
                });
            }
            SyncMessage::Push { op, .. } => {
                self.arrivals.pushed += 1;
                self.out.push_back(Output::Ingest {
                    peer,
                    space,
                    blocks: vec![op.into_vec()],
                });
            }
            SyncMessage::Host(_) | SyncMessage::NotSynced { .. } => {}
        }
    }

    /// `peer` does not sync `space`: a round awaiting it ends now, and the
    /// next goes to another peer.
    fn handle_not_synced(&mut self, peer: P, space: SpaceId, now: u64) {
        let Some(state) = self.peers.get_mut(&peer) else {
            return;
        };
        state.not_synced.insert(space, now);
        state.digests.remove(&space);
        if state.awaiting.remove(&space).is_some()
            && let Some(held) = self.spaces.get_mut(&space)
        {
            held.retry(now);
        }
    }

    /// Takes a message of `len` bytes from `peer`'s allowance; false when
    /// the peer sends faster than [`Config::messages_per_sec`] or
    /// [`Config::bytes_per_sec`] allow.
    fn within_allowance(&mut self, peer: P, len: usize, now: u64) -> bool {
        let (rate_m, rate_b) = (
            f64::from(self.config.messages_per_sec),
            self.config.bytes_per_sec as f64,
        );
        let Some(state) = self.peers.get_mut(&peer) else {
            return false;
        };
        let (m, b, at) = state.allowance.unwrap_or((2.0 * rate_m, 2.0 * rate_b, now));
        let secs = now.saturating_sub(at) as f64 / 1000.0;
        let m = (m + secs * rate_m).min(2.0 * rate_m);
        let b = (b + secs * rate_b).min(2.0 * rate_b);
        if m < 1.0 || b < len as f64 {
            state.allowance = Some((m, b, now));
            return false;
        }
        state.allowance = Some((m - 1.0, b - len as f64, now));
        true
    }

    /// A member's request that this node host a space: checked, then the
    /// space is synced (the driver checks membership once its ops are in).
    fn handle_host_request(&mut self, peer: P, request: &HostRequest, now: u64) {
        if !self.config.accept_host_requests || self.spaces.contains_key(&request.space) {
            return;
        }
        if request.verify(&self.config.local_id).is_err() {
            return self.blame(peer, 1, now);
        }
        self.handle_holdings(request.space, VersionVector::new());
        self.out.push_back(Output::Hosting {
            space: request.space,
            requested_by: Some(request.member),
        });
        self.start_round(peer, request.space, now);
    }

    /// Asks `peer` (a relay) to host a space, by `request`.
    pub fn request_hosting(&mut self, peer: P, request: HostRequest) {
        self.out.push_back(Output::Send {
            peer,
            message: SyncMessage::Host(request),
        });
    }

    /// Stops syncing `space` (a hosting request turned out to come from
    /// someone who is not a member).
    pub fn unhost(&mut self, space: &SpaceId) {
        self.spaces.remove(space);
        for p in self.peers.values_mut() {
            p.awaiting.remove(space);
            p.expecting.remove(space);
            p.digests.remove(space);
            p.counts.remove(space);
        }
    }

    /// Answers a peer's vector: the ops it lacks, and ours if it holds ops
    /// we lack and asked for a reply.
    fn answer(&mut self, peer: P, space: SpaceId, theirs: Resolved, reply: bool) {
        let held = &self.spaces[&space];
        if ahead(&held.vv, &theirs.known) {
            self.out.push_back(Output::Fetch {
                peer,
                space,
                theirs: theirs.known.clone(),
                max_bytes: self.config.batch_bytes,
            });
        }
        let behind = theirs.unknown || ahead(&theirs.known, &held.vv);
        if reply && behind {
            self.send_vector(peer, space, false);
        } else if reply && !ahead(&held.vv, &theirs.known) {
            // The same holdings: say so, so the peer knows the round is
            // over and stops sending its vector.
            self.send_digest(peer, space);
        }
    }

    /// Tells `peer` this node holds the same in `space`: its digest alone,
    /// wanting no answer.
    fn send_digest(&mut self, peer: P, space: SpaceId) {
        let message = SyncMessage::Summary {
            space,
            digest: self.spaces[&space].digest,
            vv: None,
            reply: false,
        };
        self.out.push_back(Output::Send { peer, message });
    }

    /// Sends `peer` this node's full vector for `space`.
    fn send_vector(&mut self, peer: P, space: SpaceId, reply: bool) {
        let held = &self.spaces[&space];
        let message = SyncMessage::Summary {
            space,
            digest: held.digest,
            vv: Some(pack(&held.vv).into()),
            reply,
        };
        self.out.push_back(Output::Send { peer, message });
    }

    /// The driver read what `peer` lacks in `space`.
    pub fn handle_fetched(&mut self, peer: P, space: SpaceId, blocks: Vec<Vec<u8>>, more: bool) {
        if blocks.is_empty() || !self.peers.contains_key(&peer) {
            return;
        }
        let ops = blocks.into_iter().map(ByteBuf::from).collect();
        self.out.push_back(Output::Send {
            peer,
            message: SyncMessage::Ops { space, ops, more },
        });
    }

    /// The driver ingested what `peer` sent in `space`: this node now holds
    /// `vv`, and `invalid` of the ops failed validation.
    pub fn handle_ingested(
        &mut self,
        peer: P,
        space: SpaceId,
        vv: VersionVector,
        invalid: usize,
        now: u64,
    ) {
        self.handle_holdings(space, vv);
        if invalid > 0 {
            self.blame(peer, invalid, now);
        }
        // A continued sync still awaits its next batch.
        if let Some(state) = self.peers.get_mut(&peer)
            && !state.expecting.contains_key(&space)
        {
            state.awaiting.remove(&space);
        }
    }

    fn blame(&mut self, peer: P, count: usize, now: u64) {
        let Some(state) = self.peers.get_mut(&peer) else {
            return;
        };
        state.invalid = state
            .invalid
            .saturating_add(u32::try_from(count).unwrap_or(u32::MAX));
        if state.invalid > self.config.max_invalid {
            self.peers.remove(&peer);
            self.banned.insert(peer, now + self.config.ban_ms);
            self.out.push_back(Output::Disconnect {
                peer,
                reason: "sent too many invalid ops".into(),
            });
        }
    }

    /// The peers connected now.
    pub fn peers(&self) -> impl Iterator<Item = &P> {
        self.peers.keys()
    }

    /// The most ops a connected peer holds in `space`, as its vector last
    /// said: what a sync in progress is heading for.
    pub fn peer_ops(&self, space: &SpaceId) -> Option<u64> {
        self.peers
            .values()
            .filter_map(|p| p.counts.get(space).copied())
            .max()
    }

    /// Whether `peer` was last seen holding exactly what this node holds in
    /// `space`, with no round of ours waiting for it.
    pub fn agrees(&self, peer: &P, space: &SpaceId) -> bool {
        let (Some(state), Some(held)) = (self.peers.get(peer), self.spaces.get(space)) else {
            return false;
        };
        state.digests.get(space) == Some(&held.digest) && !state.awaiting.contains_key(space)
    }
}

/// Whether `a` holds some op that `b` does not.
pub fn ahead(a: &VersionVector, b: &VersionVector) -> bool {
    a.iter()
        .any(|(author, top)| b.get(author).is_none_or(|t| t < *top))
}
