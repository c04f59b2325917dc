//! The shared store suite on IndexedDB, in a real browser (headless
//! Chromium through wasm-bindgen-test-runner), each case in a fresh database.
#![cfg(target_arch = "wasm32")]

use hearth_store::IdbStore;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

async fn fresh(case: &str) -> Box<IdbStore> {
    let name = format!("hearth-suite-{case}");
    IdbStore::delete(&name).await.expect("delete");
    Box::new(IdbStore::open(&name).await.expect("open"))
}

hearth_store::store_suite!(browser, fresh);

/// Reopening reads back what was committed: the index is rebuilt from the
/// metadata segments, and blocks come from the block segments.
#[wasm_bindgen_test::wasm_bindgen_test]
async fn reopening_rebuilds_the_index_from_segments() {
    use hearth_store::Store;
    let name = "hearth-reopen";
    IdbStore::delete(name).await.expect("delete");
    let batch = hearth_store::WriteBatch {
        snapshots: vec![("spaces".into(), vec![4, 2])],
        ..Default::default()
    };
    {
        let store = IdbStore::open(name).await.expect("open");
        store.commit(batch).await.expect("commit");
        hearth_store::suite::committed_ops_read_back(&store).await;
    }
    let store = IdbStore::open(name).await.expect("reopen");
    assert_eq!(
        store.snapshot("spaces").await.expect("read"),
        Some(vec![4, 2])
    );
    assert_eq!(store.counts().await.expect("counts").ops, 5);
}

/// Two tabs: a writer whose index is stale never overwrites what the other
/// wrote, and the other sees it all after a refresh.
#[wasm_bindgen_test::wasm_bindgen_test]
async fn two_tabs_never_overwrite_each_other() {
    use hearth_store::Store;
    let name = "hearth-two-tabs";
    IdbStore::delete(name).await.expect("delete");
    let first = IdbStore::open(name).await.expect("first tab");
    let second = IdbStore::open(name).await.expect("second tab");
    hearth_store::suite::a_stale_writer_builds_on_the_other(&first, &second).await;
    assert_eq!(first.counts().await.expect("counts").ops, 3);
    first.refresh().await.expect("refresh");
    let counts = first.counts().await.expect("counts");
    assert_eq!((counts.ops, counts.pending), (5, 1));
    let reopened = IdbStore::open(name).await.expect("reopen");
    assert_eq!(reopened.counts().await.expect("counts"), counts);
}
