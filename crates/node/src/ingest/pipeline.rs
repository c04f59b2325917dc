//! The ingest pipeline's hand-over between chunks: while the store writes
//! one chunk ([`InFlight`]), the next is prepared against what that chunk
//! accepted ([`Carry`]), which the store does not show yet.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use foldhash::HashSet;
use hearth_core::space::SpaceView;
use hearth_core::{OpId, SpaceId};
use hearth_store::{PendingOp, Store, StoreError};

use super::{Chunk, Overlay, Progress};
use crate::{Change, Node, NodeError};

/// What a chunk whose commit is still in flight tells the next chunk: the
/// store does not show it yet.
#[derive(Default)]
pub(super) struct Carry {
    /// Its accepted ops, as causal past.
    pub(super) overlay: Overlay,
    /// The views it folded.
    pub(super) views: BTreeMap<SpaceId, SpaceView>,
    /// Ops it left waiting, and ops it took out of the pending set.
    pub(super) pending: Vec<PendingOp>,
    pub(super) unpend: HashSet<OpId>,
}

impl Carry {
    /// Moves what the chunk accepted out of its overlay (no copies: when
    /// the store commits at once, the carry is simply dropped).
    pub(super) fn take(chunk: &mut Chunk) -> Carry {
        let mut overlay = Overlay::default();
        for id in &chunk.report.accepted {
            if let Some(meta) = chunk.overlay.metas.remove(id) {
                overlay
                    .logs
                    .insert((meta.space, meta.author, meta.seq), *id);
                overlay.metas.insert(*id, meta);
            }
            if let Some(bytes) = chunk.overlay.blocks.remove(id) {
                overlay.blocks.insert(*id, bytes);
            }
        }
        Carry {
            overlay,
            views: chunk.views.clone(),
            pending: chunk.batch.pending.clone(),
            unpend: chunk.batch.unpend.iter().copied().collect(),
        }
    }
}

/// A chunk's commit, started and not yet known to be durable.
pub(super) struct InFlight<'a> {
    pub(super) commit: Pin<Box<dyn Future<Output = Result<(), StoreError>> + 'a>>,
    pub(super) views: BTreeMap<SpaceId, SpaceView>,
    pub(super) progress: Progress,
    pub(super) change: Change,
}

impl InFlight<'_> {
    /// Polls the commit once, so the store issues its writes. True if it
    /// is already done (stores that write synchronously).
    pub(super) async fn start(&mut self) -> Result<bool, NodeError> {
        let first = std::future::poll_fn(|cx| Poll::Ready(self.commit.as_mut().poll(cx))).await;
        match first {
            Poll::Ready(result) => {
                result?;
                self.commit = Box::pin(std::future::ready(Ok(())));
                Ok(true)
            }
            Poll::Pending => Ok(false),
        }
    }

    /// Waits until the commit is durable, then shows its views, counts its
    /// progress and tells subscribers.
    pub(super) async fn land<S: Store>(
        self,
        node: &Node<S>,
        progress: &mut impl FnMut(Progress),
    ) -> Result<(), NodeError> {
        self.commit.await?;
        node.views.borrow_mut().extend(self.views);
        progress(self.progress);
        if !self.change.accepted.is_empty() {
            node.subscribers.notify(&self.change);
        }
        Ok(())
    }
}
