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
use hearth_store::IdbStore;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

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

    // Plain batch verification, same chunking as the node.
    let decoded: Vec<_> = blocks
        .iter()
        .map(|b| Op::decode(b).expect("decodes"))
        .collect();
    let t = now_ms();
    let mut rng = hearth_core::rng::SeededRng::new([9; 32]);
    for chunk in decoded.chunks(CHUNK) {
        let msgs: Vec<Vec<u8>> = chunk.iter().map(|o| o.op.data.signing_bytes()).collect();
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
    let verify_rate = n as f64 / ((now_ms() - t) / 1000.0);
    console_log!("batch verify: {verify_rate:.0} ops/s");
    drop(decoded);

    let name = "hearth-bench";
    IdbStore::delete(name).await.expect("delete");
    let store = IdbStore::open(name).await.expect("open");
    let node = Node::open(store, None, Box::new(SystemEnv))
        .await
        .expect("node");
    let t = now_ms();
    let report = node.ingest(blocks, |_| {}).await.expect("ingest");
    let ingest_rate = n as f64 / ((now_ms() - t) / 1000.0);
    assert_eq!(report.accepted.len(), n);
    console_log!("idb ingest (verify+validate+fold+durable IndexedDB): {ingest_rate:.0} ops/s");
    drop(node);

    let t = now_ms();
    let store = IdbStore::open(name).await.expect("reopen");
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
