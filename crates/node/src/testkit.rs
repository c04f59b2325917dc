//! Deterministic workloads for tests and benchmarks.

use hearth_core::chapter::ChapterOp;
use hearth_core::op::{Body, OP_VERSION, OpData};
use hearth_core::{Keypair, OpId, SpaceId};

/// `n` signed op blocks in one space, in a causal order: a genesis, then
/// ops by `authors` authors in turn (each author's join, then notes), each
/// following its author's previous op and naming the previous op of the
/// space as a dep. Same input, same bytes.
pub fn workload(n: usize, authors: usize) -> Vec<Vec<u8>> {
    let keys: Vec<Keypair> = (0..authors)
        .map(|i| Keypair::from_seed(&[i as u8 + 1; 32]))
        .collect();
    let nonce = vec![7u8; 16];
    let space = SpaceId::derive(keys[0].did().public_key(), &nonce);
    let mut heads: Vec<Option<(u64, OpId)>> = vec![None; authors];
    let genesis = OpData {
        v: OP_VERSION,
        space,
        author: keys[0].did(),
        seq: 0,
        prev: None,
        deps: vec![],
        ts: 1_700_000_000_000,
        body: Body::Genesis {
            name: "workload".into(),
            nonce,
            founding: None,
        },
    }
    .sign(&keys[0]);
    heads[0] = Some((0, genesis.id));
    let mut last = genesis.id;
    let mut blocks = vec![genesis.bytes];
    for i in 1..n {
        let a = i % authors;
        let (seq, prev) = match heads[a] {
            Some((s, id)) => (s + 1, Some(id)),
            None => (0, None),
        };
        let deps = if prev == Some(last) {
            vec![]
        } else {
            vec![last]
        };
        let op = OpData {
            v: OP_VERSION,
            space,
            author: keys[a].did(),
            seq,
            prev,
            deps,
            ts: 1_700_000_000_000 + i as u64,
            // Everyone joins the (open) space before writing in it.
            body: if seq == 0 {
                Body::Chapter(ChapterOp::Join {
                    invite: None,
                    profile: None,
                })
            } else {
                Body::Note {
                    text: format!("note {i}: bread and tomatoes for Saturday's market stall"),
                }
            },
        }
        .sign(&keys[a]);
        heads[a] = Some((seq, op.id));
        last = op.id;
        blocks.push(op.bytes);
    }
    blocks
}

/// The keys [`workload`] signs with.
pub fn workload_keys(authors: usize) -> Vec<Keypair> {
    (0..authors)
        .map(|i| Keypair::from_seed(&[i as u8 + 1; 32]))
        .collect()
}
