#![cfg(not(target_arch = "wasm32"))]
//! Bulk ingest with a signature verifier that answers later (as a browser
//! worker does) or not at all: the same ops and views as inline, the next
//! chunk's checks started before the current chunk lands, and a verifier
//! that fails never lets a bad signature through.

use std::cell::RefCell;
use std::rc::Rc;

use hearth_core::sig::{self, BatchItem};
use hearth_core::{Invalid, Keypair, Op, Rejection};
use hearth_node::verify::{SignatureVerifier, Verification};
use hearth_node::{FixedEnv, Node, testkit};
use hearth_store::deferred::Deferred;
use hearth_store::suite::run_ready;
use hearth_store::{MemoryStore, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Started(usize),
    Landed(usize),
}

/// Verifies when started and hands the verdicts over a poll later; or, if
/// `fail`, answers `None`. Records when batches start.
struct Later {
    fail: bool,
    events: Rc<RefCell<Vec<Event>>>,
}

impl SignatureVerifier for Later {
    fn start(&self, items: &[BatchItem<'_>], seed: [u8; 32]) -> Verification {
        self.events.borrow_mut().push(Event::Started(items.len()));
        let verdicts = (!self.fail)
            .then(|| sig::verify_batch(items, &mut hearth_core::rng::SeededRng::new(seed)));
        Box::pin(async move {
            let mut polled = false;
            std::future::poll_fn(|cx| {
                if polled {
                    return std::task::Poll::Ready(());
                }
                polled = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            })
            .await;
            verdicts
        })
    }
}

fn open(fail: bool, chunk: usize) -> (Node<Deferred<MemoryStore>>, Rc<RefCell<Vec<Event>>>) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let verifier = Rc::new(Later {
        fail,
        events: Rc::clone(&events),
    });
    let node = run_ready(Node::open(
        Deferred(MemoryStore::new()),
        None,
        Box::new(FixedEnv::new(1_700_000_000_000)),
    ))
    .expect("open")
    .with_chunk_size(chunk)
    .with_verifier(verifier);
    (node, events)
}

#[test]
fn later_verdicts_give_what_inline_gives_and_overlap_the_previous_chunk() {
    let blocks = testkit::workload(1_000, 10);
    let inline = run_ready(Node::open(
        MemoryStore::new(),
        None,
        Box::new(FixedEnv::new(1_700_000_000_000)),
    ))
    .expect("open")
    .with_chunk_size(100);
    let expected = run_ready(inline.ingest(blocks.clone(), |_| {})).expect("ingest");

    let (node, events) = open(false, 100);
    let report = run_ready(node.ingest(blocks, |p| {
        events.borrow_mut().push(Event::Landed(p.done));
    }))
    .expect("ingest");
    assert_eq!(report, expected);
    assert_eq!(report.accepted.len(), 1_000);
    let spaces = run_ready(inline.store().spaces()).expect("spaces");
    for space in spaces {
        assert_eq!(node.space(&space), inline.space(&space));
    }
    let events = events.borrow();
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Started(100)))
            .count(),
        10,
        "every chunk went to the verifier: {events:?}"
    );
    // The second chunk's checks start before the first chunk has landed.
    let second = events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Event::Started(_)))
        .nth(1)
        .map(|(i, _)| i);
    let first_landed = events.iter().position(|e| *e == Event::Landed(100));
    assert!(second < first_landed, "{events:?}");
}

#[test]
fn a_verifier_that_fails_leaves_the_checks_to_the_node() {
    let blocks = testkit::workload(300, 3);
    let (node, events) = open(true, 128);
    let report = run_ready(node.ingest(blocks, |_| {})).expect("ingest");
    assert_eq!(report.accepted.len(), 300);
    assert!(!events.borrow().is_empty());

    // A forged signature among good ops is still refused.
    let (node, _) = open(true, 128);
    let mut op = Op::decode(&testkit::workload(1, 1)[0]).expect("decodes").op;
    op.sig = Keypair::from_seed(&[4; 32]).sign(b"not this op");
    let report = run_ready(node.ingest(vec![op.encode()], |_| {})).expect("ingest");
    assert!(report.accepted.is_empty());
    assert!(matches!(
        report.quarantined.as_slice(),
        [(_, Rejection::Invalid(Invalid::Signature(_)))]
    ));
}
