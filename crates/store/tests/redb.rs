#![cfg(not(target_arch = "wasm32"))]
//! The shared store suite on redb, each case in a fresh database file.

struct TempRedb {
    store: hearth_store::RedbStore,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempRedb {
    type Target = hearth_store::RedbStore;
    fn deref(&self) -> &Self::Target {
        &self.store
    }
}

fn fresh() -> TempRedb {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = hearth_store::RedbStore::open(dir.path().join("hearth.redb")).expect("open");
    TempRedb { store, _dir: dir }
}

hearth_store::store_suite!(fresh());

#[test]
fn reopening_keeps_everything_committed() {
    use hearth_store::Store;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hearth.redb");
    let batch = hearth_store::WriteBatch {
        snapshots: vec![("spaces".into(), vec![4, 2])],
        ..Default::default()
    };
    {
        let store = hearth_store::RedbStore::open(&path).expect("open");
        hearth_store::suite::run_ready(store.commit(batch)).expect("commit");
    }
    let mut store = hearth_store::RedbStore::open(&path).expect("reopen");
    assert!(store.check_integrity().expect("check"));
    let snap = hearth_store::suite::run_ready(store.snapshot("spaces")).expect("read");
    assert_eq!(snap, Some(vec![4, 2]));
}
