//! Ledger and trust benchmarks, printed:
//! - payments through the full ingest path (decode + verify + validate +
//!   ledger check + fold + durable redb), against plain `verify_strict` of
//!   the same ops in the same run;
//! - balance queries with `HEARTH_BENCH_MEMBERS` members (default 1,000)
//!   after `HEARTH_BENCH_PAYMENTS` payments (default 1,000,000);
//! - trust scores on 10,000 members and 100,000 edges, and the time to
//!   score again after one new edge.
//!
//! `cargo bench -p hearth-node --bench ledger`

use std::collections::HashMap;
use std::time::Instant;

use hearth_core::chapter::{ChapterState, Record};
use hearth_core::context::Rules;
use hearth_core::ledger::Account;
use hearth_core::op::{Body, OP_VERSION};
use hearth_core::trust::{Edge, GENERAL, Graph, TrustClass, set_edge};
use hearth_core::{Op, OpId, SpaceId};
use hearth_node::testkit::{ledger_workload, member_key};
use hearth_node::{FixedEnv, Node};
use hearth_store::RedbStore;
use hearth_store::suite::run_ready;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let members = env("HEARTH_BENCH_MEMBERS", 1_000);
    let payments = env("HEARTH_BENCH_PAYMENTS", 1_000_000);
    let t = Instant::now();
    let blocks = ledger_workload(members, payments);
    println!(
        "members = {members}, payments = {payments} (made in {:.1} s)",
        t.elapsed().as_secs_f64()
    );

    // Baseline: plain verify_strict of the same signed bytes, keys parsed
    // once per member and ops decoded outside the timing.
    let keys: HashMap<[u8; 32], ed25519_dalek::VerifyingKey> = (0..members)
        .map(|i| {
            let pk = *member_key(i).did().public_key();
            (
                pk,
                ed25519_dalek::VerifyingKey::from_bytes(&pk).expect("key"),
            )
        })
        .collect();
    let prepared: Vec<(Vec<u8>, ed25519_dalek::Signature, [u8; 32])> = blocks
        .iter()
        .map(|b| {
            let op = Op::decode(b).expect("decodes").op;
            let sig = ed25519_dalek::Signature::from_bytes(&op.sig.to_bytes());
            (op.data.signing_bytes(), sig, *op.data.author.public_key())
        })
        .collect();
    let t = Instant::now();
    for (msg, sig, pk) in &prepared {
        keys[pk].verify_strict(msg, sig).expect("valid");
    }
    let verify_rate = prepared.len() as f64 / t.elapsed().as_secs_f64();
    drop(prepared);
    println!("verify_strict: {verify_rate:.0} ops/s");

    let dir = tempfile::tempdir().expect("tempdir");
    let store = RedbStore::open(dir.path().join("ledger.redb")).expect("open");
    let node = run_ready(Node::open(
        store,
        None,
        Box::new(FixedEnv::new(1_800_000_000_000)),
    ))
    .expect("node");
    let n = blocks.len();
    let t = Instant::now();
    let report = run_ready(node.ingest(blocks, |_| {})).expect("ingest");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(
        report.accepted.len(),
        n,
        "every op accepted: {:?}",
        report.quarantined.first()
    );
    let pay_rate = n as f64 / secs;
    println!("payments through ingest: {pay_rate:.0} ops/s ({secs:.1} s)");
    println!(
        "ratio ledger_ingest/verify_strict = {:.2}",
        pay_rate / verify_rate
    );

    let space = node.spaces().into_iter().next().expect("the space");
    let ledger = space.ledger(1_800_000_000_000);
    let accounts: Vec<Account> = (0..members)
        .map(|i| Account::Member(member_key(i).did()))
        .collect();
    let t = Instant::now();
    let mut sum = 0i128;
    for a in &accounts {
        sum += ledger.balance(a, "HOUR");
    }
    let per = t.elapsed().as_secs_f64() / members as f64;
    assert_eq!(sum, 0, "balances sum to zero");
    println!(
        "balance query: {:.2} µs each ({members} members, {payments} payments)",
        per * 1e6
    );
    let t = Instant::now();
    let all = ledger.balances("HOUR");
    println!(
        "all balances ({} accounts): {:.2} ms; summary: gini {:.3}",
        all.len(),
        t.elapsed().as_secs_f64() * 1e3,
        ledger.summary("HOUR").gini_ppm as f64 / 1e6
    );
    drop(node);
    trust();
}

/// A chapter of 10,000 members with 100,000 general-context edges, built by
/// folding a genesis and filling the graph directly (the fold of 100,000
/// trust ops is what ingest measures above); then score queries.
fn trust() {
    const MEMBERS: usize = 10_000;
    const EDGES: usize = 100_000;
    let founder = member_key(0);
    let nonce = vec![1u8; 16];
    let genesis = hearth_core::op::OpData {
        v: OP_VERSION,
        space: SpaceId::derive(founder.did().public_key(), &nonce),
        author: founder.did(),
        seq: 0,
        prev: None,
        deps: vec![],
        ts: 1_700_000_000_000,
        body: Body::Genesis {
            name: "trust".into(),
            nonce,
            founding: None,
        },
    }
    .sign(&founder);
    let mut state = ChapterState::default();
    let record = Record {
        space: genesis.op.data.space,
        author: founder.did(),
        ts: genesis.op.data.ts,
        body: genesis.op.data.body.clone(),
    };
    state.effect(&genesis.id, &record);
    let dids: Vec<_> = (0..MEMBERS).map(|i| member_key(i).did()).collect();
    for (i, d) in dids.iter().enumerate().skip(1) {
        let admit = Record {
            body: Body::AddMember { member: *d },
            ..record.clone()
        };
        let mut id = [0u8; 32];
        id[..8].copy_from_slice(&(i as u64).to_le_bytes());
        state.effect(&OpId::from_digest(id), &admit);
    }
    let mut c = state.0.expect("founded");
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..EDGES {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let from = dids[(x % MEMBERS as u64) as usize];
        let to = dids[((x >> 24) % MEMBERS as u64) as usize];
        let edge = Edge {
            ppm: 300_000 + (x >> 40) as u32 % 700_000,
            since: 1_700_000_000_000,
            expires_at: None,
            class: TrustClass::ALL[(x >> 8) as usize % 4],
        };
        set_edge(&mut c, from, to, GENERAL, Some(edge));
    }
    let now = 1_700_000_100_000;
    let queries = 20;
    let t = Instant::now();
    let mut reached = 0;
    for q in 0..queries {
        reached += Graph::new(&c, now).scores_from(&dids[q * 7], GENERAL).len();
    }
    let per = t.elapsed().as_secs_f64() / queries as f64;
    assert!(reached > queries, "the graph reaches beyond each viewpoint");
    println!(
        "trust: {:.1} score queries/s from a viewpoint (all {MEMBERS} members scored, {EDGES} edges; {} reached on average)",
        1.0 / per,
        reached / queries
    );
    let t = Instant::now();
    let g = Graph::new(&c, now);
    let _ = g.score(&dids[0], &dids[1], GENERAL);
    let single = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let edge = Edge {
        ppm: 900_000,
        since: now,
        expires_at: None,
        class: TrustClass::Close,
    };
    set_edge(&mut c, dids[0], dids[1], GENERAL, Some(edge));
    let after = Graph::new(&c, now).score(&dids[0], &dids[1], GENERAL);
    println!(
        "trust: one score {:.1} ms; after one new edge, scored again in {:.1} ms (score {after})",
        single * 1e3,
        t.elapsed().as_secs_f64() * 1e3
    );
}
