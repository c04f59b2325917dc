//! Contexts and the canonical fold of governing ops, on a toy set of rules:
//! a register of claims where each name may be claimed once.

use std::collections::BTreeMap;

use hearth_core::OpId;
use hearth_core::context::{CtxId, History, Rules, UnknownContext};
use proptest::prelude::*;

/// Who claimed which name; a name already claimed cannot be claimed again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Claims(BTreeMap<String, u8>);

impl Rules for Claims {
    type Record = (String, u8);
    type Refusal = String;

    fn check(&self, _: &OpId, (name, _): &Self::Record) -> Result<(), String> {
        match self.0.get(name) {
            Some(by) => Err(format!("{name} taken by {by}")),
            None => Ok(()),
        }
    }

    fn effect(&mut self, _: &OpId, (name, by): &Self::Record) {
        self.0.insert(name.clone(), *by);
    }
}

fn id(n: u8) -> OpId {
    OpId::of_block(&[n])
}

#[test]
fn a_linear_history_folds_in_order() {
    let mut h = History::<Claims>::default();
    let a = h
        .record(&CtxId::EMPTY, id(1), ("garden".into(), 1))
        .expect("a");
    let b = h.record(&a, id(2), ("kitchen".into(), 2)).expect("b");
    assert_eq!(h.current_context(), b);
    assert_eq!(h.frontier(&b).expect("known"), vec![id(2)]);
    assert!(h.includes(&b, &id(1)).expect("known"));
    assert!(!h.includes(&a, &id(2)).expect("known"));
    // As of `a`, only the garden is claimed.
    let at_a = h.with_rules(&a, |c| c.clone()).expect("rules");
    assert_eq!(at_a.0.len(), 1);
    assert_eq!(h.current().0.len(), 2);
    assert_eq!(h.merge(&[a, b]).expect("merge"), b);
}

#[test]
fn concurrent_claims_resolve_by_canonical_order_on_every_node() {
    // Two ops claim the same name, neither seeing the other.
    let (x, y) = (id(10), id(11));
    let first = x.min(y);
    let by = |n: &OpId| if *n == x { 10 } else { 11 };
    let mut one = History::<Claims>::default();
    let mut two = History::<Claims>::default();
    one.record(&CtxId::EMPTY, x, ("seat".into(), 10))
        .expect("x");
    one.record(&CtxId::EMPTY, y, ("seat".into(), 11))
        .expect("y");
    two.record(&CtxId::EMPTY, y, ("seat".into(), 11))
        .expect("y");
    two.record(&CtxId::EMPTY, x, ("seat".into(), 10))
        .expect("x");
    assert_eq!(one.current(), two.current());
    assert_eq!(one.current().0["seat"], by(&first));
    assert_eq!(one.current_context(), two.current_context());
    assert_eq!(one.frontier(&one.current_context()).expect("f").len(), 2);
    let outcomes = one.outcomes();
    assert!(outcomes.iter().any(|(i, r)| *i == first && r.is_ok()));
    assert!(outcomes.iter().any(|(i, r)| *i != first && r.is_err()));
}

#[test]
fn unknown_contexts_are_an_error() {
    let mut h = History::<Claims>::default();
    let bogus = CtxId::from_bytes([7; 32]);
    assert_eq!(h.merge(&[bogus]), Err(UnknownContext(bogus)));
    assert!(h.with_rules(&bogus, |_| ()).is_err());
    assert!(h.record(&bogus, id(1), ("x".into(), 1)).is_err());
    assert!(h.is_empty());
}

#[test]
fn snapshots_restore_the_same_history() {
    let mut h = History::<Claims>::default();
    let a = h.record(&CtxId::EMPTY, id(1), ("a".into(), 1)).expect("a");
    let b = h.record(&CtxId::EMPTY, id(2), ("b".into(), 2)).expect("b");
    let ab = h.merge(&[a, b]).expect("merge");
    h.record(&ab, id(3), ("a".into(), 3)).expect("c");
    // Written borrowed, read back owned: one encoding.
    let bytes = serde_ipld_dagcbor::to_vec(&h.to_snapshot()).expect("encode");
    let back =
        History::<Claims>::from_snapshot(serde_ipld_dagcbor::from_slice(&bytes).expect("decode"))
            .expect("restore");
    assert_eq!(back.current(), h.current());
    assert_eq!(back.current_context(), h.current_context());
    assert!(back.knows(&ab));
    assert_eq!(back.len(), 3);
}

/// A random DAG of governing ops: op `i` names some earlier ops as parents.
fn dag() -> impl Strategy<Value = Vec<(Vec<usize>, String)>> {
    proptest::collection::vec(
        (
            proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
            "[abc]",
        ),
        1..24,
    )
    .prop_map(|ops| {
        ops.into_iter()
            .enumerate()
            .map(|(i, (parents, name))| {
                let mut p: Vec<usize> = if i == 0 {
                    vec![]
                } else {
                    parents.iter().map(|ix| ix.index(i)).collect()
                };
                p.sort();
                p.dedup();
                (p, name)
            })
            .collect()
    })
}

/// Records the DAG's ops in the order `order` (a linear extension).
fn replay(ops: &[(Vec<usize>, String)], order: &[usize]) -> History<Claims> {
    let mut h = History::<Claims>::default();
    let mut ctx: BTreeMap<usize, CtxId> = BTreeMap::new();
    for &i in order {
        let (parents, name) = &ops[i];
        let parent_ctxs: Vec<CtxId> = parents.iter().map(|p| ctx[p]).collect();
        let before = h.merge(&parent_ctxs).expect("merge");
        let own = h
            .record(&before, id(i as u8), (name.clone(), i as u8))
            .expect("record");
        ctx.insert(i, own);
    }
    h
}

/// A random linear extension of the DAG, driven by `picks`.
fn linear_extension(ops: &[(Vec<usize>, String)], picks: &[prop::sample::Index]) -> Vec<usize> {
    let mut done = vec![false; ops.len()];
    let mut order = Vec::new();
    let mut k = 0;
    while order.len() < ops.len() {
        let ready: Vec<usize> = (0..ops.len())
            .filter(|&i| !done[i] && ops[i].0.iter().all(|&p| done[p]))
            .collect();
        let pick = ready[picks[k % picks.len()].index(ready.len())];
        k += 1;
        done[pick] = true;
        order.push(pick);
    }
    order
}

proptest! {
    #[test]
    fn the_fold_does_not_depend_on_arrival_order(
        ops in dag(),
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..40),
    ) {
        let natural: Vec<usize> = (0..ops.len()).collect();
        let a = replay(&ops, &natural);
        let b = replay(&ops, &linear_extension(&ops, &picks));
        prop_assert_eq!(a.current(), b.current());
        prop_assert_eq!(a.current_context(), b.current_context());
        prop_assert_eq!(
            a.outcomes().into_iter().map(|(i, r)| (i, r.is_ok())).collect::<Vec<_>>(),
            b.outcomes().into_iter().map(|(i, r)| (i, r.is_ok())).collect::<Vec<_>>()
        );
        // The rules as of every op's context agree too.
        let mut a = a;
        let mut b = b;
        for (parents, _) in &ops {
            let parents: Vec<CtxId> = parents.iter().map(|p| {
                let f = [id(*p as u8)];
                CtxId::of_frontier(&f)
            }).collect();
            let ca = a.merge(&parents).expect("a");
            let cb = b.merge(&parents).expect("b");
            prop_assert_eq!(ca, cb);
            let ra = a.with_rules(&ca, |r| r.clone()).expect("a");
            let rb = b.with_rules(&cb, |r| r.clone()).expect("b");
            prop_assert_eq!(ra, rb);
        }
    }
}
