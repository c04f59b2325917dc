//! The shared store test suite: every backend must pass these unchanged.
//!
//! Each case takes a fresh, empty store. [`store_suite!`](crate::store_suite)
//! turns the cases into `#[test]`s for a backend:
//!
//! ```ignore
//! hearth_store::store_suite!(Box::new(hearth_store::MemoryStore::new()));
//! ```

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use hearth_core::chapter::Refusal;
use hearth_core::context::CtxId;
use hearth_core::op::{Body, OP_VERSION, OpData};
use hearth_core::{DecodedOp, Did, Keypair, OpId, OpMeta, Rejection, SpaceId};

use crate::{PendingOp, QuarantinedOp, Store, StoreError, WriteBatch};

/// Runs a future that never waits on I/O readiness (the memory and redb
/// backends complete synchronously) to completion.
pub fn run_ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

/// Generates one test per suite case.
///
/// Native: `store_suite!(make)`, where `make` yields a value that dereferences
/// to a fresh store (a `Box`, or a guard owning a temp dir); the cases become
/// `#[test]`s. Browser: `store_suite!(browser, make)`, where `make(name)` is a
/// future of such a value; the cases become `#[wasm_bindgen_test]`s.
#[macro_export]
macro_rules! store_suite {
    (@cases $mode:ident, $make:expr; $($case:ident),*) => {
        $( $crate::store_suite!(@one $mode, $make, $case); )*
    };
    (@one sync, $make:expr, $case:ident) => {
        #[test]
        fn $case() {
            let store = $make;
            $crate::suite::run_ready($crate::suite::$case(&*store));
        }
    };
    (@one browser, $make:expr, $case:ident) => {
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn $case() {
            let store = ($make)(stringify!($case)).await;
            $crate::suite::$case(&*store).await;
        }
    };
    (@all $mode:ident, $make:expr) => {
        $crate::store_suite!(@cases $mode, $make;
            empty_store_reads_nothing,
            committed_ops_read_back,
            commits_are_idempotent,
            broken_batches_are_refused_whole,
            pending_ops_wait_and_settle,
            quarantine_proofs_and_snapshots,
            reads_page_through_logs_and_spaces,
            batch_lookups_answer_in_order
        );
    };
    (browser, $make:expr) => {
        $crate::store_suite!(@all browser, $make);
    };
    ($make:expr) => {
        $crate::store_suite!(@all sync, $make);
    };
}

/// Test data: a space with a genesis by `a` and logs of `a` and `b`.
struct Fixture {
    a: Keypair,
    b: Keypair,
    space: SpaceId,
    ops: Vec<DecodedOp>,
}

fn op(
    kp: &Keypair,
    space: SpaceId,
    seq: u64,
    prev: Option<OpId>,
    deps: Vec<OpId>,
    body: Body,
) -> DecodedOp {
    OpData {
        v: OP_VERSION,
        space,
        author: kp.did(),
        seq,
        prev,
        deps,
        ts: 1_000 + seq,
        body,
    }
    .sign(kp)
}

fn fixture(a_len: u64, b_len: u64) -> Fixture {
    let a = Keypair::from_seed(&[0xa; 32]);
    let b = Keypair::from_seed(&[0xb; 32]);
    let nonce = vec![1u8; 16];
    let space = SpaceId::derive(a.did().public_key(), &nonce);
    let genesis = op(
        &a,
        space,
        0,
        None,
        vec![],
        Body::Genesis {
            name: "suite".into(),
            nonce,
            founding: None,
        },
    );
    let mut ops = vec![genesis.clone()];
    let mut prev = genesis.id;
    for seq in 1..a_len {
        let o = op(
            &a,
            space,
            seq,
            Some(prev),
            vec![],
            Body::Note {
                text: format!("a{seq}"),
            },
        );
        prev = o.id;
        ops.push(o);
    }
    let mut prev = None;
    for seq in 0..b_len {
        let deps = if seq == 0 { vec![genesis.id] } else { vec![] };
        let o = op(
            &b,
            space,
            seq,
            prev,
            deps,
            Body::Note {
                text: format!("b{seq}"),
            },
        );
        prev = Some(o.id);
        ops.push(o);
    }
    Fixture { a, b, space, ops }
}

fn meta(o: &DecodedOp) -> OpMeta {
    let d = &o.op.data;
    OpMeta {
        id: o.id,
        space: d.space,
        author: d.author,
        seq: d.seq,
        ts: d.ts,
        ctx: CtxId::of_frontier(&[o.id]),
    }
}

fn batch_of(ops: &[DecodedOp]) -> WriteBatch {
    WriteBatch {
        ops: ops.iter().map(|o| (meta(o), o.bytes.clone())).collect(),
        ..Default::default()
    }
}

/// An op of author `a` at `seq`, different from the fixture's.
fn rival_of(f: &Fixture, seq: u64) -> DecodedOp {
    let prev = f.ops[seq as usize - 1].id;
    let text = "rival".into();
    op(&f.a, f.space, seq, Some(prev), vec![], Body::Note { text })
}

fn fake_id(n: u8) -> OpId {
    OpId::from_digest([n; 32])
}

/// A new store holds nothing.
pub async fn empty_store_reads_nothing(store: &impl Store) {
    let f = fixture(1, 0);
    assert_eq!(store.counts().await.expect("counts"), Default::default());
    assert!(store.op(&f.ops[0].id).await.expect("op").is_none());
    assert!(store.version_vector(&f.space).await.expect("vv").is_empty());
    assert!(store.spaces().await.expect("spaces").is_empty());
    assert!(store.snapshot("spaces").await.expect("snapshot").is_none());
    assert!(store.pending(10).await.expect("pending").is_empty());
}

/// Committed ops come back byte for byte, with indexes in batch order.
pub async fn committed_ops_read_back(store: &impl Store) {
    let f = fixture(3, 2);
    store.commit(batch_of(&f.ops)).await.expect("commit");
    for (i, o) in f.ops.iter().enumerate() {
        let got = store.op(&o.id).await.expect("read").expect("stored");
        assert_eq!(got.bytes, o.bytes);
        assert_eq!(got.meta, meta(o));
        assert_eq!(got.index, i as u64);
    }
    let vv = store.version_vector(&f.space).await.expect("vv");
    assert_eq!(vv.get(&f.a.did()), Some(2));
    assert_eq!(vv.get(&f.b.did()), Some(1));
    assert_eq!(vv.op_count(), 5);
    assert_eq!(store.spaces().await.expect("spaces"), vec![f.space]);
    assert_eq!(store.counts().await.expect("counts").ops, 5);
    let log = store.log(&f.space, &f.b.did(), 0, 10).await.expect("log");
    assert_eq!(
        log.iter().map(|o| o.meta.seq).collect::<Vec<_>>(),
        vec![0, 1]
    );
}

/// Committing what is already stored changes nothing.
pub async fn commits_are_idempotent(store: &impl Store) {
    let f = fixture(3, 1);
    store.commit(batch_of(&f.ops)).await.expect("first");
    store.commit(batch_of(&f.ops)).await.expect("again");
    store.commit(batch_of(&f.ops[1..2])).await.expect("a part");
    assert_eq!(store.counts().await.expect("counts").ops, 4);
    let all = store.space_ops(&f.space, 0, 100).await.expect("ops");
    assert_eq!(
        all.iter().map(|o| o.index).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
}

/// A batch that breaks a log invariant is refused and writes nothing at all.
pub async fn broken_batches_are_refused_whole(store: &impl Store) {
    let f = fixture(3, 0);
    // seq 2 without seq 1.
    let mut gap = batch_of(&[f.ops[0].clone(), f.ops[2].clone()]);
    gap.snapshots.push(("spaces".into(), vec![1, 2, 3]));
    gap.quarantine.push(QuarantinedOp {
        id: fake_id(9),
        bytes: vec![9],
        reason: Rejection::Refused(Refusal::SelfAction),
    });
    assert!(matches!(
        store.commit(gap).await,
        Err(StoreError::Refused(_))
    ));
    assert_eq!(store.counts().await.expect("counts"), Default::default());
    assert!(store.snapshot("spaces").await.expect("snap").is_none());

    // A different op at an occupied position.
    store.commit(batch_of(&f.ops[..2])).await.expect("commit");
    let rival = rival_of(&f, 1);
    assert!(matches!(
        store.commit(batch_of(&[rival])).await,
        Err(StoreError::Refused(_))
    ));
    assert_eq!(store.counts().await.expect("counts").ops, 2);
    assert_eq!(
        store
            .version_vector(&f.space)
            .await
            .expect("vv")
            .get(&f.a.did()),
        Some(1)
    );
}

/// Pending ops are found by what they wait for, and leave when settled.
pub async fn pending_ops_wait_and_settle(store: &impl Store) {
    let (x, y) = (fake_id(1), fake_id(2));
    let p1 = PendingOp {
        id: fake_id(10),
        bytes: vec![1],
        missing: vec![x, y],
    };
    let p2 = PendingOp {
        id: fake_id(11),
        bytes: vec![2],
        missing: vec![y],
    };
    store
        .commit(WriteBatch {
            pending: vec![p1.clone(), p2.clone()],
            ..Default::default()
        })
        .await
        .expect("commit");
    assert_eq!(
        store.pending_waiting_on(&[x]).await.expect("wait"),
        vec![p1.clone()]
    );
    assert_eq!(
        store.pending_waiting_on(&[y]).await.expect("wait"),
        vec![p1.clone(), p2.clone()]
    );
    assert_eq!(store.counts().await.expect("counts").pending, 2);
    store
        .commit(WriteBatch {
            unpend: vec![p1.id],
            ..Default::default()
        })
        .await
        .expect("unpend");
    assert!(
        store
            .pending_waiting_on(&[x])
            .await
            .expect("wait")
            .is_empty()
    );
    assert_eq!(
        store.pending_waiting_on(&[y]).await.expect("wait"),
        vec![p2.clone()]
    );
    assert_eq!(store.pending(10).await.expect("pending").len(), 1);
    // Pending again with a new list: the old waiting edges go.
    let again = PendingOp {
        missing: vec![x],
        ..p2
    };
    store
        .commit(WriteBatch {
            pending: vec![again.clone()],
            ..Default::default()
        })
        .await
        .expect("re-pend");
    assert!(
        store
            .pending_waiting_on(&[y])
            .await
            .expect("wait")
            .is_empty()
    );
    assert_eq!(
        store.pending_waiting_on(&[x]).await.expect("wait"),
        vec![again]
    );
}

/// Quarantined ops keep their reasons; proofs and snapshots read back.
pub async fn quarantine_proofs_and_snapshots(store: &impl Store) {
    let f = fixture(1, 0);
    let q = QuarantinedOp {
        id: fake_id(3),
        bytes: vec![0xde, 0xad],
        reason: Rejection::Refused(Refusal::NotMember(f.b.did())),
    };
    let batch = WriteBatch {
        quarantine: vec![q.clone()],
        proofs: vec![(f.space, f.b.did(), vec![7, 7])],
        snapshots: vec![("spaces".into(), vec![1]), ("other".into(), vec![2])],
        ..Default::default()
    };
    store.commit(batch).await.expect("commit");
    assert_eq!(store.quarantined(10).await.expect("q"), vec![q]);
    assert_eq!(
        store.proofs(&f.space).await.expect("proofs"),
        vec![(f.b.did(), vec![7, 7])]
    );
    assert!(
        store
            .proofs(&SpaceId::from_bytes([0; 32]))
            .await
            .expect("none")
            .is_empty()
    );
    let overwrite = WriteBatch {
        snapshots: vec![("spaces".into(), vec![9, 9])],
        ..Default::default()
    };
    store.commit(overwrite).await.expect("overwrite");
    assert_eq!(
        store.snapshot("spaces").await.expect("snap"),
        Some(vec![9, 9])
    );
    assert_eq!(store.snapshot("other").await.expect("snap"), Some(vec![2]));
}

/// Log and space reads page with `from` and `limit`.
pub async fn reads_page_through_logs_and_spaces(store: &impl Store) {
    let f = fixture(10, 5);
    store
        .commit(batch_of(&f.ops[..7]))
        .await
        .expect("first half");
    store
        .commit(batch_of(&f.ops[7..]))
        .await
        .expect("second half");
    let page = store.log(&f.space, &f.a.did(), 4, 3).await.expect("log");
    assert_eq!(
        page.iter().map(|o| o.meta.seq).collect::<Vec<_>>(),
        vec![4, 5, 6]
    );
    let tail = store.space_ops(&f.space, 12, 100).await.expect("space");
    assert_eq!(
        tail.iter().map(|o| o.index).collect::<Vec<_>>(),
        vec![12, 13, 14]
    );
    assert_eq!(tail[0].meta, meta(&f.ops[12]));
    let other =
        Did::from_public_key(*Keypair::from_seed(&[3; 32]).did().public_key()).expect("did");
    assert!(
        store
            .log(&f.space, &other, 0, 10)
            .await
            .expect("none")
            .is_empty()
    );
}

/// Batch lookups answer one entry per key, `None` where absent.
pub async fn batch_lookups_answer_in_order(store: &impl Store) {
    let f = fixture(2, 1);
    store.commit(batch_of(&f.ops)).await.expect("commit");
    let ids = [f.ops[2].id, fake_id(5), f.ops[0].id];
    let metas = store.metas(&ids).await.expect("metas");
    assert_eq!(
        metas,
        vec![Some(meta(&f.ops[2])), None, Some(meta(&f.ops[0]))]
    );
    let keys = [
        (f.space, f.a.did(), 1),
        (f.space, f.a.did(), 2),
        (f.space, f.b.did(), 0),
    ];
    let entries = store.log_entries(&keys).await.expect("entries");
    assert_eq!(entries, vec![Some(f.ops[1].id), None, Some(f.ops[2].id)]);
}

/// Two handles on one database (two tabs): `second` opened before `first`
/// committed. Its commit must build on what `first` wrote (never overwrite
/// it, never reuse an index), and a rival at a position `first` filled is
/// refused. Returns so the caller can check `first` after refreshing.
pub async fn a_stale_writer_builds_on_the_other(first: &impl Store, second: &impl Store) {
    let f = fixture(3, 2);
    first.commit(batch_of(&f.ops[..3])).await.expect("first");
    let mut waits = batch_of(&f.ops[3..]);
    waits.pending.push(PendingOp {
        id: fake_id(7),
        bytes: vec![7],
        missing: vec![fake_id(8)],
    });
    second.commit(waits).await.expect("second, after the first");
    let all = second.space_ops(&f.space, 0, 100).await.expect("ops");
    assert_eq!(
        all.iter().map(|o| (o.index, o.meta.id)).collect::<Vec<_>>(),
        f.ops
            .iter()
            .enumerate()
            .map(|(i, o)| (i as u64, o.id))
            .collect::<Vec<_>>()
    );
    let rival = rival_of(&f, 2);
    assert!(matches!(
        second.commit(batch_of(&[rival])).await,
        Err(StoreError::Refused(_))
    ));
    assert_eq!(second.counts().await.expect("counts").ops, 5);
    assert_eq!(second.counts().await.expect("counts").pending, 1);
}
