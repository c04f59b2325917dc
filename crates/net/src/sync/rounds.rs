//! What a node holds of one space, and when its next anti-entropy round is
//! due. Each round doubles the wait for the next, up to [`QUIET_SHIFT_MAX`]
//! doublings; a new peer brings them back to one per `round_ms`, a change
//! in the holdings (an op written or received) to one per two. An idle
//! member on a relay so asks every 8 s instead of every second, and a relay
//! with a thousand idle members answers about a hundred digests a second,
//! not a thousand; an op lost on its way is repaired within 8 s.

use hearth_core::VersionVector;

use super::digest;

/// At most 2^3: with the default `round_ms`, a quiet space has a round
/// every 8 s.
pub const QUIET_SHIFT_MAX: u32 = 3;

#[derive(Debug)]
pub(super) struct Held {
    pub(super) vv: VersionVector,
    pub(super) digest: [u8; 32],
    /// Rounds since the last change here (capped).
    quiet: u32,
    /// When the last round started, in ms.
    last: u64,
    /// When the next round is due, in ms.
    next: u64,
}

impl Held {
    /// Holdings of a space just taken up: a round is due at once.
    pub(super) fn new(vv: VersionVector) -> Self {
        Held {
            digest: digest(&vv),
            vv,
            quiet: 0,
            last: 0,
            next: 0,
        }
    }

    /// The node now holds `vv`. A change brings a round within two
    /// `round_ms` of the last, to confirm it with a peer: one op arriving
    /// after another by gossip so costs a member one round per 2 s, not a
    /// round each.
    pub(super) fn update(&mut self, vv: VersionVector, round_ms: u64) {
        let digest = digest(&vv);
        if digest != self.digest {
            self.quiet = self.quiet.min(1);
            self.next = self.next.min(self.last + (round_ms << 1));
        }
        self.vv = vv;
        self.digest = digest;
    }

    /// A new peer: the next round comes within `round_ms` of the last.
    pub(super) fn met_peer(&mut self, round_ms: u64) {
        self.quiet = 0;
        self.next = self.next.min(self.last + round_ms);
    }

    pub(super) fn due(&self, now: u64) -> bool {
        now >= self.next
    }

    /// A round could not start now (no peer, or one still awaited): try
    /// again a round later.
    pub(super) fn postpone(&mut self, now: u64, round_ms: u64) {
        self.next = now + round_ms;
    }

    /// The peer a round went to does not sync the space: the next round
    /// (with another peer) can start at once.
    pub(super) fn retry(&mut self, now: u64) {
        self.next = self.next.min(now);
    }

    /// A round starts now: when the one after it is due.
    pub(super) fn started(&mut self, now: u64, round_ms: u64) {
        self.last = now;
        self.next = now + (round_ms << self.quiet);
        self.quiet = (self.quiet + 1).min(QUIET_SHIFT_MAX);
    }
}
