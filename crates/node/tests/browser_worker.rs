//! Signature checks in a real browser Web Worker: the `hearth-verifier`
//! module (built by `scripts/build-verifier.sh`, which sets
//! `HEARTH_VERIFIER_WASM`) gives the verdicts the page would, bulk ingest on
//! IndexedDB through it gives the same ops and views, and a worker that
//! cannot run leaves the checks to the page.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use hearth_core::sig::{self, BatchItem};
use hearth_core::{Keypair, Op};
use hearth_node::verify::SignatureVerifier;
use hearth_node::{Node, SystemEnv, WorkerVerifier, testkit};
use hearth_store::{IdbStore, MemoryStore, Store};
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const MODULE: &[u8] = include_bytes!(env!("HEARTH_VERIFIER_WASM"));

#[wasm_bindgen_test]
async fn the_worker_gives_the_verdicts_of_the_page() {
    let worker = WorkerVerifier::spawn(MODULE).expect("worker");
    let ops: Vec<_> = testkit::workload(200, 4)
        .iter()
        .map(|b| Op::decode(b).expect("decodes"))
        .collect();
    let mut messages: Vec<Vec<u8>> = ops.iter().map(|o| o.signing_bytes()).collect();
    messages[17].push(0);
    let forged = Keypair::from_seed(&[9; 32]).sign(b"elsewhere");
    let items: Vec<BatchItem<'_>> = ops
        .iter()
        .zip(&messages)
        .enumerate()
        .map(|(i, (o, m))| BatchItem {
            signer: &o.op.data.author,
            message: m,
            signature: if i == 150 { &forged } else { &o.op.sig },
        })
        .collect();
    let page = sig::verify_batch(&items, &mut hearth_core::rng::SeededRng::new([1; 32]));
    let from_worker = worker
        .start(&items, [2; 32])
        .await
        .expect("the worker answers");
    assert_eq!(from_worker, page);
    assert_eq!(from_worker.iter().filter(|v| v.is_err()).count(), 2);
    assert!(from_worker[17].is_err() && from_worker[150].is_err());
}

#[wasm_bindgen_test]
async fn bulk_ingest_on_indexeddb_through_the_worker() {
    let name = "hearth-node-worker";
    IdbStore::delete(name).await.expect("delete");
    let blocks = testkit::workload(2_500, 5);
    let reference = Node::open(MemoryStore::new(), None, Box::new(SystemEnv))
        .await
        .expect("node");
    let expected = reference
        .ingest(blocks.clone(), |_| {})
        .await
        .expect("ingest");

    let worker: Rc<dyn SignatureVerifier> = Rc::new(WorkerVerifier::spawn(MODULE).expect("worker"));
    let node = Node::open(
        IdbStore::open(name).await.expect("open"),
        None,
        Box::new(SystemEnv),
    )
    .await
    .expect("node")
    .with_chunk_size(1_000)
    .with_verifier(worker);
    let report = node.ingest(blocks, |_| {}).await.expect("ingest");
    assert_eq!(report, expected);
    for space in reference.store().spaces().await.expect("spaces") {
        assert_eq!(node.space(&space), reference.space(&space));
    }
}

#[wasm_bindgen_test]
async fn a_worker_that_cannot_run_leaves_the_checks_to_the_page() {
    assert!(matches!(
        WorkerVerifier::spawn(b"not a wasm module"),
        Err(hearth_node::verify::WorkerError::NotWasm)
    ));
    // A valid module without the verifier's exports: every batch fails in
    // the worker.
    let broken = WorkerVerifier::spawn(b"\0asm\x01\0\0\0").expect("worker starts");
    let ops: Vec<_> = testkit::workload(100, 2)
        .iter()
        .map(|b| Op::decode(b).expect("decodes"))
        .collect();
    let messages: Vec<Vec<u8>> = ops.iter().map(|o| o.signing_bytes()).collect();
    let items: Vec<BatchItem<'_>> = ops
        .iter()
        .zip(&messages)
        .map(|(o, m)| BatchItem {
            signer: &o.op.data.author,
            message: m,
            signature: &o.op.sig,
        })
        .collect();
    assert_eq!(broken.start(&items, [3; 32]).await, None);

    let mut blocks = testkit::workload(300, 3);
    // One forged signature: the page still finds it.
    let mut op = Op::decode(&blocks[200]).expect("decodes").op;
    op.sig = Keypair::from_seed(&[8; 32]).sign(b"not this op");
    blocks[200] = op.encode();
    let node = Node::open(MemoryStore::new(), None, Box::new(SystemEnv))
        .await
        .expect("node")
        .with_verifier(Rc::new(broken));
    let report = node.ingest(blocks, |_| {}).await.expect("ingest");
    assert_eq!(report.quarantined.len(), 1);
    assert_eq!(report.accepted.len() + report.pending, 299);
}
