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

/// A database written by format 1 (no context with each op) is refused
/// with a typed error, and left as it was.
#[test]
fn an_older_format_is_refused_untouched() {
    use redb::{ReadableDatabase, ReadableTableMetadata, TableDefinition};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.redb");
    let ops: TableDefinition<&[u8], &[u8]> = TableDefinition::new("ops");
    {
        let db = redb::Database::create(&path).expect("create");
        let tx = db.begin_write().expect("tx");
        tx.open_table(ops)
            .expect("table")
            .insert(&[0u8; 40][..], &[1u8; 120][..])
            .expect("insert");
        tx.commit().expect("commit");
    }
    match hearth_store::RedbStore::open(&path) {
        Err(hearth_store::StoreError::Format { found, supported }) => {
            assert_eq!((found, supported), (1, 2));
        }
        other => panic!("expected a format error, got {other:?}"),
    }
    let db = redb::Database::open(&path).expect("reopen");
    let tx = db.begin_read().expect("read");
    assert_eq!(tx.open_table(ops).expect("ops").len().expect("len"), 1);
}
