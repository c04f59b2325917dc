//! Browser benchmark (not a timed test): run by `scripts/bench-web.sh` in
//! headless Chromium, in release mode, printing figures.
//!
//! - ingest of N pre-generated ops through the node into IndexedDB (verify +
//!   validate + fold + durable store) against plain batch signature
//!   verification of the same ops in the same page:
//!   `ratio idb_ingest/batch_verify = X.XX`. The node verifies as the web app
//!   does, in a Web Worker on another core (the `hearth-verifier` module,
//!   built by `scripts/build-verifier.sh`), while the page validates, folds
//!   and stores; the same ingest with every check on the page's one thread
//!   is printed beside it (`ratio idb_ingest_one_thread/batch_verify`);
//! - reopening the store and the node with all ops stored, the part of a
//!   reload that grows with the data: `reload_to_interactive_ms = N`.
#![cfg(target_arch = "wasm32")]

use hearth_core::Op;
use hearth_core::sig::{self, BatchItem};
use std::rc::Rc;

use hearth_node::{CHUNK, Node, SignatureVerifier, SystemEnv, WorkerVerifier, testkit};
use hearth_store::{IdbStore, MemoryStore};
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const ROUNDS: usize = 5;

const VERIFIER: &[u8] = include_bytes!(env!("HEARTH_VERIFIER_WASM"));

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

    // The machine's speed drifts (other work on shared cores), so the rounds
    // interleave the three measurements and the ratio is the median of each
    // round's own ratio: both sides of a ratio see the same moment.
    let name = |round: usize| format!("hearth-bench-{round}");
    let worker: Rc<dyn SignatureVerifier> =
        Rc::new(WorkerVerifier::spawn(VERIFIER).expect("signature worker"));
    let mut rounds = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (decode, verify) = batch_verify(&blocks, round);
        let (decode, verify) = (n as f64 / (decode / 1000.0), n as f64 / (verify / 1000.0));
        let memory = Node::open(MemoryStore::new(), None, Box::new(SystemEnv))
            .await
            .expect("node");
        let memory = n as f64 / (timed_ingest(&memory, &blocks).await / 1000.0);
        let one_thread = idb_ingest(&format!("{}-inline", name(round)), None, &blocks).await;
        let idb = idb_ingest(&name(round), Some(Rc::clone(&worker)), &blocks).await;
        console_log!(
            "round {round}: decode {decode:.0} ops/s, batch verify {verify:.0}, memory ingest (one thread) {memory:.0}, idb ingest (one thread) {one_thread:.0}, idb ingest {idb:.0}"
        );
        rounds.push(Round {
            verify,
            memory,
            one_thread,
            idb,
        });
    }
    let median = |f: &dyn Fn(&Round) -> f64| {
        let mut v: Vec<f64> = rounds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    console_log!(
        "batch verify (one thread): {:.0} ops/s",
        median(&|r| r.verify)
    );
    console_log!(
        "memory ingest (verify+validate+fold, one thread): {:.0} ops/s",
        median(&|r| r.memory)
    );
    console_log!(
        "idb ingest (verify+validate+fold+durable IndexedDB, one thread): {:.0} ops/s",
        median(&|r| r.one_thread)
    );
    console_log!(
        "idb ingest (verify in the signature worker; validate+fold+durable IndexedDB on the page): {:.0} ops/s",
        median(&|r| r.idb)
    );
    let ratio = median(&|r| r.idb / r.verify);
    let one_thread_ratio = median(&|r| r.one_thread / r.verify);
    let memory_ratio = median(&|r| r.memory / r.verify);

    let t = now_ms();
    let store = IdbStore::open(&name(ROUNDS - 1)).await.expect("reopen");
    let node = Node::open(store, None, Box::new(SystemEnv))
        .await
        .expect("node");
    let reload = now_ms() - t;
    assert_eq!(node.counts().await.expect("counts").ops, n as u64);
    console_log!("reload_to_interactive_ms = {reload:.0} (with {n} ops stored)");
    console_log!("ratio memory_ingest_one_thread/batch_verify = {memory_ratio:.2}");
    console_log!("ratio idb_ingest_one_thread/batch_verify = {one_thread_ratio:.2}");
    console_log!("ratio idb_ingest/batch_verify = {ratio:.2}");
}

struct Round {
    verify: f64,
    memory: f64,
    one_thread: f64,
    idb: f64,
}

/// Ingest rate (ops/s) into a fresh IndexedDB database `name`, verifying
/// with `verifier` (`None`: on the page).
async fn idb_ingest(
    name: &str,
    verifier: Option<Rc<dyn SignatureVerifier>>,
    blocks: &[Vec<u8>],
) -> f64 {
    // A database per round: deleting one blocks while a connection is open.
    IdbStore::delete(name).await.expect("delete");
    let store = IdbStore::open(name).await.expect("open");
    let mut node = Node::open(store, None, Box::new(SystemEnv))
        .await
        .expect("node");
    if let Some(verifier) = verifier {
        node = node.with_verifier(verifier);
    }
    blocks.len() as f64 / (timed_ingest(&node, blocks).await / 1000.0)
}

/// Plain batch verification of every op (decoded beforehand, so only the
/// signature work and its message bytes are timed), in the node's chunks.
/// Returns the milliseconds for decoding and for verifying.
fn batch_verify(blocks: &[Vec<u8>], round: usize) -> (f64, f64) {
    let t = now_ms();
    let decoded: Vec<_> = blocks
        .iter()
        .map(|b| Op::decode(b).expect("decodes"))
        .collect();
    let decode = now_ms() - t;
    let mut rng = hearth_core::rng::SeededRng::new([round as u8; 32]);
    let t = now_ms();
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
    (decode, now_ms() - t)
}

/// Milliseconds for `node` to ingest every block, all accepted.
async fn timed_ingest<S: hearth_store::Store>(node: &Node<S>, blocks: &[Vec<u8>]) -> f64 {
    let n = blocks.len();
    let blocks = blocks.to_vec();
    let t = now_ms();
    let report = node.ingest(blocks, |_| {}).await.expect("ingest");
    let ms = now_ms() - t;
    assert_eq!(report.accepted.len(), n);
    ms
}
