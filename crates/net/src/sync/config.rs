//! What the sync machine is configured with and what it asks of its
//! driver.

use hearth_core::{SpaceId, VersionVector};

use super::{MAX_BATCH_BYTES, SyncMessage};

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

/// Ops received so far, by how they came (duplicates included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Arrivals {
    /// Pushed: published by their author, carried by gossip.
    pub pushed: u64,
    /// Pulled: sent in an anti-entropy batch.
    pub pulled: u64,
}
