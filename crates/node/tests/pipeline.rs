#![cfg(not(target_arch = "wasm32"))]
//! The node's one ingest path, end to end on real stores.

mod common;

use hearth_core::chapter::charter::Permission;
use hearth_core::chapter::{Refusal, Rule};
use hearth_core::equivocation::EquivocationProof;
use hearth_core::op::{Body, OP_VERSION, OpData};
use hearth_core::{Invalid, Keypair, Op, Rejection, SpaceId};
use hearth_node::{FixedEnv, Node, NodeError};
use hearth_store::deferred::Deferred;
use hearth_store::suite::run_ready;
use hearth_store::{MemoryStore, RedbStore, Store};
use proptest::prelude::*;

use common::{all_blocks, node};

fn op_id(op: &Op) -> hearth_core::OpId {
    hearth_core::OpId::of_block(&op.encode())
}

/// Alice creates a space, admits Bob; Bob's node syncs it and posts; Alice syncs back.
fn two_member_space() -> (Node<MemoryStore>, Node<MemoryStore>, SpaceId) {
    let alice = node(1);
    let bob = node(2);
    let space = run_ready(alice.create_space("Riverside")).expect("space");
    let bob_did = bob.identity().expect("id").did();
    run_ready(alice.create_op(&space, Body::AddMember { member: bob_did })).expect("add");
    run_ready(alice.create_op(
        &space,
        Body::Note {
            text: "welcome".into(),
        },
    ))
    .expect("note");
    run_ready(bob.ingest(all_blocks(&alice, &space), |_| {})).expect("sync");
    run_ready(bob.create_op(
        &space,
        Body::Note {
            text: "thanks".into(),
        },
    ))
    .expect("bob note");
    run_ready(alice.ingest(all_blocks(&bob, &space), |_| {})).expect("sync back");
    (alice, bob, space)
}

#[test]
fn two_nodes_converge_on_ops_and_views() {
    let (alice, bob, space) = two_member_space();
    assert_eq!(alice.space(&space), bob.space(&space));
    let view = alice.space(&space).expect("view");
    assert_eq!(view.members().len(), 2);
    assert_eq!(view.op_count, 4);
    let vv = |n: &Node<MemoryStore>| run_ready(n.store().version_vector(&space)).expect("vv");
    assert_eq!(vv(&alice), vv(&bob));
    let status = run_ready(alice.status(&space)).expect("status");
    assert!(status.complete);
}

#[test]
fn ops_arriving_in_reverse_wait_then_settle() {
    let (alice, _bob, space) = two_member_space();
    let mut blocks = all_blocks(&alice, &space);
    blocks.reverse();
    let carol = node(3);
    // One op per ingest call: every op but the genesis waits in the store first.
    let mut pending_seen = 0;
    for b in blocks {
        let report = run_ready(carol.ingest(vec![b], |_| {})).expect("ingest");
        pending_seen += report.pending;
    }
    assert!(pending_seen >= 2, "{pending_seen}");
    assert_eq!(carol.space(&space), alice.space(&space));
    assert_eq!(run_ready(carol.counts()).expect("counts").pending, 0);
}

#[test]
fn equivocation_is_quarantined_with_a_checkable_proof() {
    let alice = node(1);
    let space = run_ready(alice.create_space("Riverside")).expect("space");
    let first =
        run_ready(alice.create_op(&space, Body::Note { text: "one".into() })).expect("note");
    let genesis = alice.space(&space).expect("view").genesis();
    let kp = Keypair::from_seed(&[1; 32]);
    let rival = OpData {
        v: OP_VERSION,
        space,
        author: kp.did(),
        seq: 1,
        prev: Some(genesis),
        deps: vec![],
        ts: 1_700_000_000_000,
        body: Body::Note { text: "two".into() },
    }
    .sign(&kp);
    let report = run_ready(alice.ingest(vec![rival.bytes.clone()], |_| {})).expect("ingest");
    assert_eq!(report.equivocations, 1);
    assert_eq!(
        report.quarantined,
        vec![(
            rival.id,
            Rejection::Invalid(Invalid::Equivocation { existing: first })
        )]
    );
    let proofs = run_ready(alice.store().proofs(&space)).expect("proofs");
    assert_eq!(proofs.len(), 1);
    let (_, found) = EquivocationProof::decode(&proofs[0].1).expect("proof checks");
    assert_eq!((found.author, found.seq), (kp.did(), 1));
    assert_eq!(alice.space(&space).expect("view").op_count, 2);
}

#[test]
fn bad_signatures_and_garbage_are_quarantined_and_change_nothing() {
    let (alice, _bob, space) = two_member_space();
    let before = alice.space(&space);
    let counts_before = run_ready(alice.counts()).expect("counts");
    let bob = Keypair::from_seed(&[2; 32]);
    let mut forged = OpData {
        v: OP_VERSION,
        space,
        author: bob.did(),
        seq: 9,
        prev: None,
        deps: vec![],
        ts: 1,
        body: Body::Note {
            text: "forged".into(),
        },
    };
    forged.prev = Some(alice.space(&space).expect("v").genesis());
    let mut op = forged.sign(&bob).op;
    op.sig = Keypair::from_seed(&[9; 32]).sign(b"something else");
    let report =
        run_ready(alice.ingest(vec![op.encode(), vec![0xa1, 0x00]], |_| {})).expect("ingest");
    assert_eq!(report.quarantined.len(), 2);
    assert!(
        report
            .quarantined
            .iter()
            .any(|(id, r)| *id == op_id(&op)
                && matches!(r, Rejection::Invalid(Invalid::Signature(_))))
    );
    assert!(
        report
            .quarantined
            .iter()
            .any(|(_, r)| matches!(r, Rejection::Invalid(Invalid::Decode(_))))
    );
    assert_eq!(alice.space(&space), before);
    assert_eq!(
        run_ready(alice.counts()).expect("counts").ops,
        counts_before.ops
    );
}

#[test]
fn refused_ops_keep_the_log_whole_but_are_never_folded() {
    let (alice, bob, space) = two_member_space();
    let carol = Keypair::from_seed(&[3; 32]).did();
    // Bob may not manage membership: his own node refuses before signing...
    let denied = |r: &Refusal| {
        matches!(
            r,
            Refusal::Violation {
                rule: Rule::Permission(Permission::ManageMembership),
                ..
            }
        )
    };
    match run_ready(bob.create_op(&space, Body::AddMember { member: carol })) {
        Err(NodeError::Refused(r)) => assert!(denied(&r), "{r:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // ...and a hand-made one is stored in his log but refused by the view.
    let kp = Keypair::from_seed(&[2; 32]);
    let head = run_ready(bob.store().log(&space, &kp.did(), 0, 1)).expect("log")[0].meta;
    let add = OpData {
        v: OP_VERSION,
        space,
        author: kp.did(),
        seq: 1,
        prev: Some(head.id),
        deps: vec![],
        ts: head.ts,
        body: Body::AddMember { member: carol },
    }
    .sign(&kp);
    let report = run_ready(alice.ingest(vec![add.bytes], |_| {})).expect("ingest");
    assert_eq!(report.accepted, vec![add.id]);
    match &report.quarantined[0].1 {
        Rejection::Refused(r) => assert!(denied(r), "{r:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!alice.space(&space).expect("v").is_member(&carol));
    let rebuilt = run_ready(alice.rebuild_view(&space)).expect("rebuild");
    assert_eq!(Some(rebuilt), alice.space(&space));
}

#[test]
fn views_are_restored_from_snapshots_after_reopen() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("hearth.redb");
    let env = || Box::new(FixedEnv::new(1_700_000_000_000));
    let (space, view) = {
        let store = RedbStore::open(&path).expect("open");
        let n =
            run_ready(Node::open(store, Some(Keypair::from_seed(&[1; 32])), env())).expect("node");
        let space = run_ready(n.create_space("Durable")).expect("space");
        for i in 0..5 {
            run_ready(n.create_op(
                &space,
                Body::Note {
                    text: format!("n{i}"),
                },
            ))
            .expect("note");
        }
        (space, n.space(&space).expect("view"))
    };
    let store = RedbStore::open(&path).expect("reopen");
    let n = run_ready(Node::open(store, None, env())).expect("node");
    assert_eq!(n.space(&space), Some(view.clone()));
    assert_eq!(run_ready(n.rebuild_view(&space)).expect("rebuild"), view);
    assert!(matches!(
        run_ready(n.create_space("x")),
        Err(NodeError::NoIdentity)
    ));
}

#[test]
fn a_snapshot_covers_what_it_saw_and_the_rest_is_replayed_on_reopen() {
    use hearth_core::space::SNAPSHOT_MIN;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("hearth.redb");
    let env = || Box::new(FixedEnv::new(1_700_000_000_000));
    let (space, view) = {
        let store = RedbStore::open(&path).expect("open");
        let n =
            run_ready(Node::open(store, Some(Keypair::from_seed(&[1; 32])), env())).expect("node");
        let space = run_ready(n.create_space("Busy")).expect("space");
        // One op at a time: a snapshot once SNAPSHOT_MIN have come in, and
        // a tail after it that no snapshot covers.
        for i in 0..SNAPSHOT_MIN + 100 {
            run_ready(n.create_op(
                &space,
                Body::Note {
                    text: format!("n{i}"),
                },
            ))
            .expect("note");
        }
        (space, n.space(&space).expect("view"))
    };
    let store = RedbStore::open(&path).expect("reopen");
    let snapshot = run_ready(store.snapshot(&format!("space/{space}")))
        .expect("read")
        .expect("a snapshot was written");
    let covered = hearth_core::space::SpaceView::from_snapshot(&snapshot).expect("decodes");
    assert!(
        covered.stored() < view.stored(),
        "the snapshot is behind the ops"
    );
    let n = run_ready(Node::open(store, None, env())).expect("node");
    assert_eq!(n.space(&space), Some(view.clone()), "the tail is replayed");
    assert_eq!(n.space(&space).map(|v| v.stored()), Some(view.stored()));
    assert_eq!(run_ready(n.rebuild_view(&space)).expect("rebuild"), view);
}

#[test]
fn bad_names_are_refused_before_signing() {
    let alice = node(1);
    let long = "x".repeat(201);
    assert!(matches!(
        run_ready(alice.create_space(&long)),
        Err(NodeError::BadInput(_))
    ));
    assert!(matches!(
        run_ready(alice.create_space("")),
        Err(NodeError::BadInput(_))
    ));
    assert!(alice.spaces().is_empty());
}

/// Three authors' ops, to be delivered in arbitrary orders and chunkings.
fn scenario() -> (Vec<Vec<u8>>, SpaceId, hearth_core::space::SpaceView) {
    let (alice, bob, space) = two_member_space();
    for i in 0..4 {
        run_ready(alice.create_op(
            &space,
            Body::Note {
                text: format!("a{i}"),
            },
        ))
        .expect("a");
        run_ready(bob.ingest(all_blocks(&alice, &space), |_| {})).expect("sync");
        run_ready(bob.create_op(
            &space,
            Body::Note {
                text: format!("b{i}"),
            },
        ))
        .expect("b");
        run_ready(alice.ingest(all_blocks(&bob, &space), |_| {})).expect("sync");
    }
    let carol = Keypair::from_seed(&[3; 32]).did();
    run_ready(alice.create_op(&space, Body::AddMember { member: carol })).expect("add carol");
    run_ready(alice.create_op(
        &space,
        Body::RemoveMember {
            member: bob.identity().expect("id").did(),
        },
    ))
    .expect("remove bob");
    let view = alice.space(&space).expect("view");
    (all_blocks(&alice, &space), space, view)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn views_do_not_depend_on_arrival_order(
        order in Just(()).prop_perturb(|_, mut rng| {
            let mut idx: Vec<usize> = (0..14).collect();
            for i in (1..idx.len()).rev() {
                let j = (rng.next_u32() as usize) % (i + 1);
                idx.swap(i, j);
            }
            idx
        }),
        cuts in proptest::collection::vec(1usize..6, 1..10),
    ) {
        let cuts_first = cuts[0];
        let (blocks, space, expected) = scenario();
        prop_assert_eq!(blocks.len(), 14);
        let shuffled: Vec<Vec<u8>> = order.iter().map(|&i| blocks[i].clone()).collect();
        let n = node(7);
        let mut rest = shuffled.as_slice();
        let mut cuts = cuts.into_iter().cycle();
        while !rest.is_empty() {
            let k = cuts.next().unwrap_or(1).min(rest.len());
            run_ready(n.ingest(rest[..k].to_vec(), |_| {})).expect("ingest");
            rest = &rest[k..];
        }
        prop_assert_eq!(n.space(&space), Some(expected.clone()));
        prop_assert_eq!(run_ready(n.counts()).expect("counts").pending, 0);
        let _ = Op::decode(&blocks[0]).expect("decodes");

        // The same ops in one ingest, in small chunks, on a store whose
        // commits land a poll later: each chunk is prepared while the one
        // before is still in flight, and must come out the same.
        let chunk = cuts_first.min(4);
        let deferred = run_ready(Node::open(
            Deferred(MemoryStore::new()),
            None,
            Box::new(FixedEnv::new(1_700_000_000_000)),
        ))
        .expect("open")
        .with_chunk_size(chunk);
        let mut landed = Vec::new();
        let report = run_ready(deferred.ingest(shuffled.clone(), |p| landed.push(p.done)))
            .expect("ingest");
        prop_assert_eq!(deferred.space(&space), Some(expected));
        prop_assert_eq!(run_ready(deferred.counts()).expect("counts").pending, 0);
        prop_assert_eq!(run_ready(deferred.counts()).expect("counts").ops, 14);
        prop_assert_eq!(report.accepted.len(), 14);
        prop_assert_eq!(landed.last().copied(), Some(14));
        prop_assert!(landed.windows(2).all(|w| w[0] < w[1]));
        let stored = run_ready(deferred.store().space_ops(&space, 0, 100)).expect("ops");
        prop_assert_eq!(stored.iter().map(|o| o.index).collect::<Vec<_>>(), (0..14).collect::<Vec<u64>>());
    }
}

/// Regression: an op that waited inside a chunk was never retried when the
/// op it waited for was itself released from the store later in that chunk,
/// and stayed pending forever. (Found by `views_do_not_depend_on_arrival_order`.)
#[test]
fn regression_op_waiting_in_chunk_is_retried_after_store_release() {
    let (blocks, space, expected) = scenario();
    let order = [9usize, 0, 11, 1, 8, 13, 7, 4, 2, 10, 12, 3, 5, 6];
    let n = node(7);
    let mut rest: Vec<Vec<u8>> = order.iter().map(|&i| blocks[i].clone()).collect();
    for k in [2usize, 5, 2, 5].into_iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let part: Vec<Vec<u8>> = rest.drain(..k.min(rest.len())).collect();
        run_ready(n.ingest(part, |_| {})).expect("ingest");
    }
    assert_eq!(n.space(&space), Some(expected));
    assert_eq!(run_ready(n.counts()).expect("counts").pending, 0);
}

/// An import cut short (a closed tab) and started again by a new node on
/// the same store skips what is held and folds the rest into the view.
#[test]
fn interrupted_import_resumed_by_a_new_node_completes_the_view() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("hearth.redb");
    let env = || Box::new(FixedEnv::new(1_700_000_000_000));
    let blocks = hearth_node::testkit::workload(2 * hearth_node::CHUNK + 100, 20);
    {
        let n = run_ready(Node::open(
            RedbStore::open(&path).expect("open"),
            None,
            env(),
        ))
        .expect("node");
        run_ready(n.ingest(blocks[..2 * hearth_node::CHUNK].to_vec(), |_| {})).expect("first");
    }
    let n = run_ready(Node::open(
        RedbStore::open(&path).expect("reopen"),
        None,
        env(),
    ))
    .expect("node");
    let report = run_ready(n.ingest(blocks.clone(), |_| {})).expect("again");
    assert_eq!(report.accepted.len(), 100);
    assert_eq!(report.duplicates, 2 * hearth_node::CHUNK);
    let view = n.spaces().pop().expect("a space");
    assert_eq!(view.op_count, blocks.len() as u64);
    assert_eq!(
        run_ready(n.rebuild_view(&view.id())).expect("rebuild"),
        view
    );
}

/// Subscribers hear of every durable step, with the views already updated,
/// and nothing after they unsubscribe.
#[test]
fn subscribers_hear_each_durable_commit() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let blocks = hearth_node::testkit::workload(10, 3);
    let space = Op::decode(&blocks[0]).expect("decodes").op.data.space;
    let n = Rc::new(
        run_ready(Node::open(
            Deferred(MemoryStore::new()),
            Some(Keypair::from_seed(&[1; 32])),
            Box::new(FixedEnv::new(1_700_000_000_000)),
        ))
        .expect("open")
        .with_chunk_size(4),
    );
    let heard: Rc<RefCell<Vec<(usize, u64)>>> = Rc::default();
    let (log, node) = (heard.clone(), Rc::downgrade(&n));
    let sub = n.subscribe(move |c| {
        assert_eq!(c.spaces, vec![space]);
        let seen = node
            .upgrade()
            .and_then(|n| n.space(&space))
            .map(|v| v.op_count);
        log.borrow_mut().push((c.accepted.len(), seen.unwrap_or(0)));
    });
    run_ready(n.ingest(blocks.clone(), |_| {})).expect("ingest");
    assert_eq!(*heard.borrow(), vec![(4, 4), (4, 8), (2, 10)]);
    // Duplicates change nothing, so nobody is told.
    run_ready(n.ingest(blocks, |_| {})).expect("again");
    assert_eq!(heard.borrow().len(), 3);
    // Own writes go through the same path.
    let text = "mine".to_string();
    run_ready(n.create_op(&space, Body::Note { text })).expect("note");
    assert_eq!(heard.borrow().last(), Some(&(1, 11)));
    n.unsubscribe(sub);
    let text = "after".to_string();
    run_ready(n.create_op(&space, Body::Note { text })).expect("note");
    assert_eq!(heard.borrow().len(), 4);
}

/// Regression (found by the network simulation): an op that waited for its
/// past, then arrived again together with that past, was accepted from the
/// fresh copy while the waiting copy stayed pending forever.
#[test]
fn a_waiting_op_that_arrives_again_with_its_past_leaves_the_pending_set() {
    let blocks = hearth_node::testkit::workload(4, 1);
    let n = node(9);
    let first = run_ready(n.ingest(vec![blocks[2].clone()], |_| {})).expect("early op");
    assert_eq!(first.pending, 1);
    run_ready(n.ingest(blocks.clone(), |_| {})).expect("all of it");
    let counts = run_ready(n.counts()).expect("counts");
    assert_eq!((counts.ops, counts.pending), (4, 0));
}
