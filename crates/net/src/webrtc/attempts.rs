//! Which signaling exchanges are under way, and what to do when both
//! peers dial each other at once (glare): the exchange offered by the peer
//! whose id sorts lower goes on, the other side gives up its own offer and
//! answers. Both sides decide the same way without a word more, so they
//! end up with one connection rather than two or none.
//!
//! It also bounds the exchanges: a page answers at most
//! [`MAX_ANSWERING`] at once and dials each peer once at a time.

use std::collections::HashMap;
use std::hash::Hash;

/// Exchanges a node answers at once (each holds an `RTCPeerConnection`).
pub const MAX_ANSWERING: usize = 16;

/// One outgoing exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttemptId(u64);

/// What to do with a peer's offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// Answer it.
    Answer,
    /// Answer it, and abandon this side's own offer to the same peer.
    AnswerAndAbandon(AttemptId),
    /// Refuse it: this side's offer to the same peer goes on.
    KeepOurs,
    /// Refuse it: too many exchanges are being answered.
    Busy,
}

/// Why a dial cannot start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a WebRTC dial to this peer is already under way")]
pub struct AlreadyDialing;

/// The exchanges under way on one node, whose peer id is `local`.
#[derive(Debug)]
pub struct Attempts<P> {
    local: P,
    next: u64,
    dialing: HashMap<P, AttemptId>,
    answering: HashMap<P, usize>,
}

impl<P: Clone + Eq + Hash + Ord> Attempts<P> {
    /// Nothing under way yet.
    pub fn new(local: P) -> Self {
        Attempts {
            local,
            next: 0,
            dialing: HashMap::new(),
            answering: HashMap::new(),
        }
    }

    /// This side starts an offer to `peer`.
    pub fn dial(&mut self, peer: P) -> Result<AttemptId, AlreadyDialing> {
        if self.dialing.contains_key(&peer) {
            return Err(AlreadyDialing);
        }
        self.next += 1;
        let id = AttemptId(self.next);
        self.dialing.insert(peer, id);
        Ok(id)
    }

    /// This side's offer `id` to `peer` ended (either way, or abandoned).
    pub fn dial_ended(&mut self, peer: &P, id: AttemptId) {
        if self.dialing.get(peer) == Some(&id) {
            self.dialing.remove(peer);
        }
    }

    /// `peer` sent an offer. On [`Incoming::Answer`] and
    /// [`Incoming::AnswerAndAbandon`] the answer counts as under way until
    /// [`Attempts::answer_ended`].
    pub fn incoming(&mut self, peer: P) -> Incoming {
        let ours = self.dialing.get(&peer).copied();
        if ours.is_some() && self.local < peer {
            return Incoming::KeepOurs;
        }
        if self.answering.values().sum::<usize>() >= MAX_ANSWERING {
            return Incoming::Busy;
        }
        *self.answering.entry(peer.clone()).or_default() += 1;
        match ours {
            Some(id) => {
                self.dialing.remove(&peer);
                Incoming::AnswerAndAbandon(id)
            }
            None => Incoming::Answer,
        }
    }

    /// An answer to `peer` ended (either way).
    pub fn answer_ended(&mut self, peer: &P) {
        if let Some(n) = self.answering.get_mut(peer) {
            *n -= 1;
            if *n == 0 {
                self.answering.remove(peer);
            }
        }
    }

    /// Whether an offer of this side's to `peer` is under way.
    pub fn is_dialing(&self, peer: &P) -> bool {
        self.dialing.contains_key(peer)
    }
}
