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
//!   `Summary`. When it last learnt that the peer's version vector digest
//!   equals its own, the summary is the 32-byte digest alone, and a peer that
//!   agrees stays silent: in steady state nothing else is sent. Otherwise the
//!   summary carries the vector; the peer answers with the ops the sender
//!   lacks, in bounded batches, and with its own vector if the sender holds
//!   ops it lacks (push-pull in one round). A batch marked `more` is answered
//!   at once, before it is ingested, by a summary that counts it as held, so
//!   the peer reads the next batch while this node ingests this one; a long
//!   sync resumes after a disconnect from whatever the node then holds.
//! - **Blame.** Ops that fail validation count against the peer that sent
//!   them; past a limit the peer is disconnected and refused for a while.

mod host;
mod wire;

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Debug;

use hearth_core::{SpaceId, VersionVector};
use serde_bytes::ByteBuf;

pub use host::{HOST_CONTEXT, HostError, HostRequest};
pub use wire::{
    MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, PREFIX, Resolved, SyncMessage, WireError, digest, pack,
    unpack,
};

/// Timing and limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// Time between anti-entropy rounds, in ms.
    pub round_ms: u64,
    /// How long a round waits for an answer before another may start, in ms.
    pub timeout_ms: u64,
    /// Largest total of op bytes in one batch.
    pub batch_bytes: usize,
    /// Invalid ops (or malformed messages) a peer may send before it is
    /// disconnected.
    pub max_invalid: u32,
    /// How long a disconnected offender is refused, in ms.
    pub ban_ms: u64,
    /// Sync any space a peer brings up, not only those this node holds (a
    /// community's relay).
    pub host_all: bool,
    /// Host spaces members ask for by a signed request naming this node
    /// (`local_id`, its peer id's bytes).
    pub accept_host_requests: bool,
    /// This node's own id, as hosting requests name it.
    pub local_id: Vec<u8>,
    /// Messages a peer may send per second, on average (a burst of twice
    /// that is allowed); beyond it messages are dropped and count against it.
    pub messages_per_sec: u32,
    /// Bytes a peer may send per second, on average (same burst).
    pub bytes_per_sec: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            round_ms: 1_000,
            timeout_ms: 5_000,
            batch_bytes: MAX_BATCH_BYTES,
            max_invalid: 16,
            ban_ms: 10 * 60 * 1_000,
            host_all: false,
            accept_host_requests: false,
            local_id: Vec::new(),
            messages_per_sec: 500,
            bytes_per_sec: 16 << 20,
        }
    }
}

/// What the machine asks its driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output<P> {
    /// Send `message` to `peer`.
    Send {
        /// The peer.
        peer: P,
        /// The message.
        message: SyncMessage,
    },
    /// Publish a new op of this node on the space's topic.
    Publish {
        /// The space.
        space: SpaceId,
        /// The op block.
        op: Vec<u8>,
    },
    /// Read the ops of `space` that a holder of `theirs` lacks, at most
    /// `max_bytes` of them, and answer with [`Sync::handle_fetched`].
    Fetch {
        /// Who asked.
        peer: P,
        /// The space.
        space: SpaceId,
        /// What the peer holds.
        theirs: VersionVector,
        /// Byte budget.
        max_bytes: usize,
    },
    /// Run these blocks through the node's one ingest path and answer with
    /// [`Sync::handle_ingested`].
    Ingest {
        /// Who sent them.
        peer: P,
        /// The space.
        space: SpaceId,
        /// Op blocks.
        blocks: Vec<Vec<u8>>,
    },
    /// This node now syncs `space` too (a peer brought it up and the
    /// machine hosts every space, or a member asked): listen on its topic.
    Hosting {
        /// The space.
        space: SpaceId,
        /// The member whose signed request it follows, if any: the driver
        /// checks they are a member once the space's ops are in, and calls
        /// [`Sync::unhost`] if not.
        requested_by: Option<hearth_core::Did>,
    },
    /// Close the connection to `peer`.
    Disconnect {
        /// The peer.
        peer: P,
        /// Why.
        reason: String,
    },
}

#[derive(Debug)]
struct Held {
    vv: VersionVector,
    digest: [u8; 32],
}

#[derive(Debug, Default)]
struct Peer {
    /// The peer's digest per space, as last learnt.
    digests: BTreeMap<SpaceId, [u8; 32]>,
    /// Rounds this node started with the peer and awaits, with deadlines.
    awaiting: BTreeMap<SpaceId, u64>,
    /// Invalid ops and malformed messages received.
    invalid: u32,
    /// Per space, while a long sync from this peer continues: what this node
    /// told it it holds (its holdings and the batches still being ingested).
    expecting: BTreeMap<SpaceId, VersionVector>,
    /// What the peer may still send now: (messages, bytes, as of ms).
    allowance: Option<(f64, f64, u64)>,
}

/// The sync state machine of one node. `P` names peers (a libp2p peer id,
/// or a number in the simulation).
#[derive(Debug)]
pub struct Sync<P> {
    config: Config,
    spaces: BTreeMap<SpaceId, Held>,
    peers: BTreeMap<P, Peer>,
    banned: BTreeMap<P, u64>,
    out: VecDeque<Output<P>>,
    next_round: u64,
    turn: usize,
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
            next_round: 0,
            turn: 0,
        }
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
        let digest = digest(&vv);
        self.spaces.insert(space, Held { vv, digest });
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
        if now < self.next_round {
            return;
        }
        self.next_round = now + self.config.round_ms;
        let spaces: Vec<SpaceId> = self.spaces.keys().copied().collect();
        for space in spaces {
            // One round at a time per space: answers never overlap.
            if self.peers.values().any(|p| p.awaiting.contains_key(&space)) {
                continue;
            }
            let peers: Vec<P> = self.peers.keys().copied().collect();
            if peers.is_empty() {
                continue;
            }
            self.turn = self.turn.wrapping_add(1);
            let peer = peers[self.turn % peers.len()];
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
        // The digest alone when the peer was last seen holding the same.
        let agreed = state.digests.get(&space) == Some(&held.digest);
        let message = SyncMessage::Summary {
            space,
            digest: held.digest,
            vv: (!agreed).then(|| pack(&held.vv).into()),
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
        if !self.spaces.contains_key(&space) {
            if !self.config.host_all {
                return; // not a space this node syncs
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
                    state.digests.insert(space, digest);
                    if digest == ours {
                        state.awaiting.remove(&space);
                    }
                }
                match vv {
                    Some(packed) => match unpack(&packed, &self.spaces[&space].vv) {
                        Ok(theirs) => self.answer(peer, space, theirs, reply),
                        Err(_) => self.blame(peer, 1, now),
                    },
                    // They think we agree; we do not: show our vector.
                    None if digest != ours => self.send_vector(peer, space, true),
                    None => {}
                }
            }
            SyncMessage::Ops { ops, more, .. } => {
                let blocks: Vec<Vec<u8>> = ops.into_iter().map(ByteBuf::into_vec).collect();
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
                self.out.push_back(Output::Ingest {
                    peer,
                    space,
                    blocks: vec![op.into_vec()],
                });
            }
            SyncMessage::Host(_) => {}
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
            // The same holdings: say so (the digest alone), so the peer
            // knows the round is over and stops sending its vector.
            let message = SyncMessage::Summary {
                space,
                digest: held.digest,
                vv: None,
                reply: false,
            };
            self.out.push_back(Output::Send { peer, message });
        }
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
