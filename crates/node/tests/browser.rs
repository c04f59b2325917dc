//! The node in a real browser: the one ingest path on IndexedDB, and views
//! restored from snapshots after the tab is "reloaded" (the store reopened).
#![cfg(target_arch = "wasm32")]

use hearth_core::Keypair;
use hearth_core::op::Body;
use hearth_node::{Node, SystemEnv, testkit};
use hearth_store::{IdbStore, Store};
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_node_on_indexeddb_ingests_writes_and_restores() {
    let name = "hearth-node-browser";
    IdbStore::delete(name).await.expect("delete");
    let me = || Some(Keypair::from_seed(&[0x77; 32]));
    let (space, view, counts) = {
        let store = IdbStore::open(name).await.expect("open");
        let node = Node::open(store, me(), Box::new(SystemEnv))
            .await
            .expect("node");
        let blocks = testkit::workload(3_000, 6);
        let mut steps = Vec::new();
        let report = node
            .ingest(blocks, |p| steps.push(p.done))
            .await
            .expect("ingest");
        assert_eq!(report.accepted.len(), 3_000);
        assert!(!steps.is_empty(), "progress was reported");
        let space = node.create_space("Tab").await.expect("space");
        node.create_op(
            &space,
            Body::Note {
                text: "from the browser".into(),
            },
        )
        .await
        .expect("note");
        (
            space,
            node.space(&space).expect("view"),
            node.counts().await.expect("counts"),
        )
    };
    let store = IdbStore::open(name).await.expect("reopen");
    let node = Node::open(store, me(), Box::new(SystemEnv))
        .await
        .expect("node");
    assert_eq!(node.space(&space), Some(view.clone()));
    assert_eq!(node.counts().await.expect("counts"), counts);
    assert_eq!(node.spaces().len(), 2);
    assert_eq!(node.rebuild_view(&space).await.expect("rebuild"), view);
    let log = node
        .store()
        .log(&space, &me().expect("kp").did(), 0, 10)
        .await
        .expect("log");
    assert_eq!(log.len(), 2);
}
