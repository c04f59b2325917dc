//! Ingest benchmark: the full pipeline (decode + batch verify + validate +
//! fold + durable redb commit) against plain single-signature `verify_strict`
//! of the same ops, measured in one run on one machine.
//!
//! `cargo bench -p hearth-node --bench ingest` (set `HEARTH_BENCH_OPS` to
//! change N, default 20000). The last line reads
//! `ratio ingest/verify_strict = X.XX`.

use std::collections::HashMap;
use std::time::Instant;

use hearth_core::op::Body;
use hearth_core::{Keypair, Op};
use hearth_node::{FixedEnv, Node};
use hearth_store::RedbStore;
use hearth_store::suite::run_ready;

const AUTHORS: usize = 50;

fn rate(n: usize, secs: f64) -> f64 {
    n as f64 / secs
}

fn main() {
    let n: usize = std::env::var("HEARTH_BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let blocks = hearth_node::testkit::workload(n, AUTHORS);
    let keys = hearth_node::testkit::workload_keys(AUTHORS);
    let bytes: usize = blocks.iter().map(Vec::len).sum();
    println!(
        "ops = {n}, authors = {AUTHORS}, mean op size = {:.1} bytes",
        bytes as f64 / n as f64
    );

    // Baseline: ed25519-dalek verify_strict, one signature at a time, on the
    // same signed bytes (keys parsed once per author, outside the timing).
    let vks: HashMap<[u8; 32], ed25519_dalek::VerifyingKey> = keys
        .iter()
        .map(|k| {
            let pk = *k.did().public_key();
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
        vks[pk].verify_strict(msg, sig).expect("valid");
    }
    let verify_rate = rate(n, t.elapsed().as_secs_f64());
    println!("verify_strict: {verify_rate:.0} ops/s");

    // Breakdown: decoding alone, and batch verification alone (same chunking
    // as the pipeline), so the store's share can be read off the difference.
    let t = Instant::now();
    let decoded: Vec<_> = blocks
        .iter()
        .map(|b| Op::decode(b).expect("decodes"))
        .collect();
    println!(
        "  decode only: {:.0} ops/s",
        rate(n, t.elapsed().as_secs_f64())
    );
    let t = Instant::now();
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    for chunk in decoded.chunks(hearth_node::CHUNK) {
        let msgs: Vec<Vec<u8>> = chunk.iter().map(|o| o.signing_bytes()).collect();
        let items: Vec<hearth_core::sig::BatchItem<'_>> = chunk
            .iter()
            .zip(&msgs)
            .map(|(o, m)| hearth_core::sig::BatchItem {
                signer: &o.op.data.author,
                message: m,
                signature: &o.op.sig,
            })
            .collect();
        let verdicts = hearth_core::sig::verify_batch(&items, &mut rng);
        assert!(verdicts.iter().all(Result::is_ok));
    }
    println!(
        "  batch verify only: {:.0} ops/s",
        rate(n, t.elapsed().as_secs_f64())
    );
    drop(decoded);

    // The full pipeline into a fresh redb file.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.redb");
    let store = RedbStore::open(&path).expect("open");
    let node = run_ready(Node::open(
        store,
        None,
        Box::new(FixedEnv::new(1_800_000_000_000)),
    ))
    .expect("node");
    let t = Instant::now();
    let report = run_ready(node.ingest(blocks, |_| {})).expect("ingest");
    let ingest_secs = t.elapsed().as_secs_f64();
    assert_eq!(report.accepted.len(), n, "every op accepted");
    let ingest_rate = rate(n, ingest_secs);
    println!(
        "ingest (decode+verify+validate+fold+durable redb): {ingest_rate:.0} ops/s ({ingest_secs:.2} s)"
    );
    drop(node);
    let file_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "stored bytes per op (redb file / ops) = {:.1}",
        file_bytes as f64 / n as f64
    );

    // Local writes: sign and append, each its own durable commit.
    let writes = (n / 10).clamp(100, 2_000);
    let dir2 = tempfile::tempdir().expect("tempdir");
    let store = RedbStore::open(dir2.path().join("local.redb")).expect("open");
    let me = Keypair::from_seed(&[0xee; 32]);
    let node = run_ready(Node::open(
        store,
        Some(me),
        Box::new(FixedEnv::new(1_800_000_000_000)),
    ))
    .expect("node");
    let space = run_ready(node.create_space("local")).expect("space");
    let t = Instant::now();
    for i in 0..writes {
        run_ready(node.create_op(
            &space,
            Body::Note {
                text: format!("local note {i}"),
            },
        ))
        .expect("write");
    }
    let local_rate = rate(writes, t.elapsed().as_secs_f64());
    println!(
        "sign-and-append (one durable commit each): {local_rate:.0} ops/s over {writes} writes"
    );

    println!(
        "ratio ingest/verify_strict = {:.2}",
        ingest_rate / verify_rate
    );
}
