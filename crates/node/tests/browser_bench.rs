//! Browser benchmark (not a timed test): run by `scripts/bench-web.sh` in
//! headless Chromium, in release mode, printing figures.
//!
//! - ingest of N pre-generated ops through the node into IndexedDB (verify +
//!   validate + fold + durable store) against plain batch signature
//!   verification of the same ops in the same page:
//!   `ratio idb_ingest/batch_verify = X.XX`;
//! - reopening the store and the node with all ops stored, the part of a
//!   reload that grows with the data: `reload_to_interactive_ms = N`.
#![cfg(target_arch = "wasm32")]

use hearth_core::Op;
use hearth_core::sig::{self, BatchItem};
use hearth_node::{CHUNK, Node, SystemEnv, testkit};
use hearth_store::{IdbStore, MemoryStore};
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const ROUNDS: usize = 3;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn ops_from_env() -> usize {
    option_env!("HEARTH_BENCH_BROWSER_OPS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

#[wasm_bindgen_test]
async fn browser_ingest_and_reload() {
    let n = ops_from_env();
    let blocks = testkit::workload(n, 50);
    console_log!(
        "ops = {n}, mean op size = {:.1} bytes",
        blocks.iter().map(Vec::len).sum::<usize>() as f64 / n as f64
    );

    // Decoding alone (strict DAG-CBOR, shape checks, id hash).
    let t = now_ms();
    let decoded: Vec<_> = blocks
        .iter()
        .map(|b| Op::decode(b).expect("decodes"))
        .collect();
    console_log!("decode: {:.0} ops/s", n as f64 / ((now_ms() - t) / 1000.0));

    // Each rate is the best of ROUNDS runs, so a busy moment of the machine
    // does not decide the ratio; both sides are measured the same way.
    let mut verify_rate: f64 = 0.0;
    for round in 0..ROUNDS {
        let t = now_ms();
        let mut rng = hearth_core::rng::SeededRng::new([round as u8; 32]);
        for chunk in decoded.chunks(CHUNK) {
            let msgs: Vec<Vec<u8>> = chunk.iter().map(|o| o.signing_bytes()).collect();
            let items: Vec<BatchItem<'_>> = chunk
                .iter()
                .zip(&msgs)
                .map(|(o, m)| BatchItem {
                    signer: &o.op.data.author,
                    message: m,
                    signature: &o.op.sig,
                })
                .collect();
            assert!(
                sig::verify_batch(&items, &mut rng)
                    .iter()
                    .all(Result::is_ok)
            );
        }
        verify_rate = verify_rate.max(n as f64 / ((now_ms() - t) / 1000.0));
    }
    console_log!("batch verify: {verify_rate:.0} ops/s");
    drop(decoded);

    // The node's ingest on the in-memory store: everything but IndexedDB.
    let mut memory_rate: f64 = 0.0;
    for _ in 0..ROUNDS {
        let node = Node::open(MemoryStore::new(), None, Box::new(SystemEnv))
            .await
            .expect("node");
        let t = now_ms();
        node.ingest(blocks.clone(), |_| {}).await.expect("ingest");
        memory_rate = memory_rate.max(n as f64 / ((now_ms() - t) / 1000.0));
    }
    console_log!("memory ingest (verify+validate+fold): {memory_rate:.0} ops/s");

    // A database per round: deleting one blocks while a connection is open.
    let mut ingest_rate: f64 = 0.0;
    let name = |round: usize| format!("hearth-bench-{round}");
    for round in 0..ROUNDS {
        IdbStore::delete(&name(round)).await.expect("delete");
        let store = IdbStore::open(&name(round)).await.expect("open");
        let node = Node::open(store, None, Box::new(SystemEnv))
            .await
            .expect("node");
        let t = now_ms();
        let report = node.ingest(blocks.clone(), |_| {}).await.expect("ingest");
        ingest_rate = ingest_rate.max(n as f64 / ((now_ms() - t) / 1000.0));
        assert_eq!(report.accepted.len(), n);
    }
    console_log!("idb ingest (verify+validate+fold+durable IndexedDB): {ingest_rate:.0} ops/s");

    let t = now_ms();
    let store = IdbStore::open(&name(ROUNDS - 1)).await.expect("reopen");
    let node = Node::open(store, None, Box::new(SystemEnv))
        .await
        .expect("node");
    let reload = now_ms() - t;
    assert_eq!(node.counts().await.expect("counts").ops, n as u64);
    console_log!("reload_to_interactive_ms = {reload:.0} (with {n} ops stored)");
    console_log!(
        "ratio idb_ingest/batch_verify = {:.2}",
        ingest_rate / verify_rate
    );
}
