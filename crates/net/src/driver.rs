//! Runs the sync machine's node-facing outputs against a [`Node`]: reading
//! what a peer lacks and ingesting what it sent, through the node's one
//! ingest path. What is left (sending, publishing, disconnecting) goes back
//! to the caller, which owns the network.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt::Debug;

use hearth_core::{Did, Invalid, Rejection, SpaceId, VersionVector};
use hearth_node::{Node, NodeError};
use hearth_store::{Store, StoredOp};

use crate::sync::{Output, Sync};

/// Ops a node reads per author at a time when filling a batch, so a
/// bounded batch takes a little of every author's log.
const PAGE: usize = 16;

/// Answers the `Fetch` and `Ingest` outputs the machine asks for and
/// returns its network outputs, in order. Stops before store work that
/// follows network outputs, so that the caller sends those first (a
/// continued sync's next request goes out before this batch is ingested,
/// and the peer reads the next batch meanwhile): call it again until it
/// returns nothing.
pub async fn step<S: Store, P: Copy + Ord + Debug>(
    node: &Node<S>,
    sync: &mut Sync<P>,
    now: u64,
) -> Result<Vec<Output<P>>, NodeError> {
    let mut network = Vec::new();
    while let Some(next) = sync.peek_output() {
        let store_work = matches!(next, Output::Fetch { .. } | Output::Ingest { .. });
        if store_work && !network.is_empty() {
            break;
        }
        let Some(output) = sync.poll_output() else {
            break;
        };
        match output {
            Output::Fetch {
                peer,
                space,
                theirs,
                max_bytes,
            } => {
                let (blocks, more) = missing(node, &space, &theirs, max_bytes).await?;
                sync.handle_fetched(peer, space, blocks, more);
            }
            Output::Ingest {
                peer,
                space,
                blocks,
            } => {
                let report = node.ingest(blocks, |_| {}).await?;
                // The sender's fault: ops that fail validation. Not an
                // equivocation (the author's), nor a view's refusal.
                let invalid = report
                    .quarantined
                    .iter()
                    .filter(|(_, r)| {
                        matches!(r, Rejection::Invalid(i) if !matches!(i, Invalid::Equivocation { .. }))
                    })
                    .count();
                let vv = node.store().version_vector(&space).await?;
                sync.handle_ingested(peer, space, vv, invalid, now);
            }
            other => network.push(other),
        }
    }
    Ok(network)
}

/// The ops of `space` that a holder of `theirs` lacks, at most `max_bytes`
/// of them (at least one), in the store's order (causal: each op after its
/// past). Also whether more remain.
pub async fn missing<S: Store>(
    node: &Node<S>,
    space: &SpaceId,
    theirs: &VersionVector,
    max_bytes: usize,
) -> Result<(Vec<Vec<u8>>, bool), NodeError> {
    let ours = node.store().version_vector(space).await?;
    // (author, next seq to send, last seq held)
    let mut cursors: Vec<(Did, u64, u64)> = ours
        .iter()
        .filter_map(|(author, top)| {
            let from = theirs.get(author).map_or(0, |t| t + 1);
            (from <= *top).then_some((*author, from, *top))
        })
        .collect();
    // A k-way merge of the authors' missing ops by the store's order, which
    // is causal: every batch is a causally closed prefix of what the peer
    // lacks, so nothing it receives has to wait for a later batch.
    let mut pages: Vec<VecDeque<StoredOp>> = Vec::with_capacity(cursors.len());
    for cursor in &mut cursors {
        pages.push(next_page(node, space, cursor).await?);
    }
    let mut heads: BinaryHeap<Reverse<(u64, usize)>> = pages
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.front().map(|o| Reverse((o.index, i))))
        .collect();
    let mut picked: Vec<Vec<u8>> = Vec::new();
    let mut bytes = 0;
    let mut more = false;
    while let Some(Reverse((_, i))) = heads.pop() {
        let Some(op) = pages[i].pop_front() else {
            continue;
        };
        if bytes + op.bytes.len() > max_bytes && !picked.is_empty() {
            more = true;
            break;
        }
        bytes += op.bytes.len();
        picked.push(op.bytes);
        if pages[i].is_empty() {
            pages[i] = next_page(node, space, &mut cursors[i]).await?;
        }
        if let Some(o) = pages[i].front() {
            heads.push(Reverse((o.index, i)));
        }
    }
    Ok((picked, more))
}

/// The next page of an author's log for a cursor (author, next seq to send,
/// last seq held), advancing it; empty once the cursor is past the end.
async fn next_page<S: Store>(
    node: &Node<S>,
    space: &SpaceId,
    (author, next, top): &mut (Did, u64, u64),
) -> Result<VecDeque<StoredOp>, NodeError> {
    if *next > *top {
        return Ok(VecDeque::new());
    }
    let page = node.store().log(space, author, *next, PAGE).await?;
    if let Some(last) = page.last() {
        *next = last.meta.seq + 1;
    }
    Ok(page.into())
}
