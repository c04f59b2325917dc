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

/// The `i`th member key of [`ledger_workload`] (distinct for any `i`).
pub fn member_key(i: usize) -> Keypair {
    let mut seed = [0x4c; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    Keypair::from_seed(&seed)
}

/// A space where `members` members (member 0 founds it and defines the
/// currency `HOUR` with a limit no payment reaches) pay each other
/// `payments` times, payer and payee picked by a fixed generator. Every op
/// names the space's previous op, so each payment's context holds every
/// join. Same input, same bytes.
pub fn ledger_workload(members: usize, payments: usize) -> Vec<Vec<u8>> {
    use hearth_core::ledger::{Account, CreditPolicy, Currency, LedgerOp};
    let keys: Vec<Keypair> = (0..members).map(member_key).collect();
    let nonce = vec![9u8; 16];
    let space = SpaceId::derive(keys[0].did().public_key(), &nonce);
    let mut heads: Vec<Option<(u64, OpId)>> = vec![None; members];
    let mut blocks = Vec::with_capacity(members + payments + 1);
    let mut last: Option<OpId> = None;
    let mut ts = 1_700_000_000_000u64;
    let mut push = |a: usize, body: Body, blocks: &mut Vec<Vec<u8>>| {
        let (seq, prev) = match heads[a] {
            Some((s, id)) => (s + 1, Some(id)),
            None => (0, None),
        };
        let deps = match last {
            Some(l) if prev != Some(l) => vec![l],
            _ => vec![],
        };
        ts += 1;
        let op = OpData {
            v: OP_VERSION,
            space,
            author: keys[a].did(),
            seq,
            prev,
            deps,
            ts,
            body,
        }
        .sign(&keys[a]);
        heads[a] = Some((seq, op.id));
        last = Some(op.id);
        blocks.push(op.bytes);
    };
    push(
        0,
        Body::Genesis {
            name: "ledger workload".into(),
            nonce: nonce.clone(),
            founding: None,
        },
        &mut blocks,
    );
    let currency = Currency {
        code: "HOUR".into(),
        name: "Hours".into(),
        unit: "h".into(),
        decimals: 2,
        credit: CreditPolicy::Static { limit: 1 << 50 },
        demurrage: None,
    };
    push(
        0,
        Body::Ledger(LedgerOp::DefineCurrency(currency)),
        &mut blocks,
    );
    for a in 1..members {
        let join = ChapterOp::Join {
            invite: None,
            profile: None,
        };
        push(a, Body::Chapter(join), &mut blocks);
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..payments {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let from = (x % members as u64) as usize;
        let to = (from + 1 + (x >> 32) as usize % (members - 1)) % members;
        let pay = LedgerOp::Pay {
            to: Account::Member(keys[to].did()),
            currency: "HOUR".into(),
            amount: 100 + (i as u64 % 900),
            memo: format!("payment {i}"),
            reference: None,
            claims: vec![],
        };
        push(from, Body::Ledger(pay), &mut blocks);
    }
    blocks
}
