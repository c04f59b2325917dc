//! The node's payments: what it claims before it pays, so that the
//! headroom the ledger shows is what a member can spend.

use hearth_core::ledger::{Account, CreditPolicy, Currency, LedgerOp, MAX_CLAIMS};
use hearth_core::op::Body;
use hearth_core::space::SpaceView;
use hearth_node::ledger::Payment;
use hearth_store::suite::run_ready;

mod common;
use common::{all_blocks, node};

fn pay(to: Account, amount: u64) -> Payment {
    Payment {
        to,
        currency: "HOUR".into(),
        amount,
        memo: "help".into(),
        reference: None,
    }
}

#[test]
fn a_member_can_spend_all_the_headroom_shown_however_many_payments_came_in() {
    let alice = node(1);
    let bob = node(2);
    let (a, b) = (
        alice.identity().expect("id").did(),
        bob.identity().expect("id").did(),
    );
    let space = run_ready(alice.create_space("Riverside")).expect("space");
    run_ready(alice.create_op(&space, Body::AddMember { member: b })).expect("add");
    let hours = Currency {
        code: "HOUR".into(),
        name: "Hours".into(),
        unit: "h".into(),
        decimals: 0,
        credit: CreditPolicy::Static { limit: 100 },
        demurrage: None,
    };
    run_ready(alice.ledger_op(&space, LedgerOp::DefineCurrency(hours))).expect("currency");
    let payments = MAX_CLAIMS as u64 + 9;
    for _ in 0..payments {
        run_ready(alice.pay(&space, pay(Account::Member(b), 1))).expect("alice pays");
    }
    run_ready(bob.ingest(all_blocks(&alice, &space), |_| {})).expect("sync");
    let view: SpaceView = bob.space(&space).expect("view");
    let credit = view.ledger(0).credit(&b, "HOUR").expect("credit");
    assert_eq!(credit.headroom, 100 + i128::from(payments));
    // All of it, in one payment: the node claims the oldest first in ops
    // of their own, then the rest with the payment.
    run_ready(bob.pay(&space, pay(Account::Member(a), 125))).expect("bob spends it all");
    let view = bob.space(&space).expect("view");
    let ledger = view.ledger(0);
    assert_eq!(ledger.balance(&Account::Member(b), "HOUR"), -100);
    assert!(ledger.book.unclaimed(&b).is_empty());
    assert_eq!(ledger.credit(&b, "HOUR").expect("credit").headroom, 0);
}
