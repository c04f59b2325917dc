//! Helpers for the ledger tests: a chapter with a currency, and payments
//! as a member's node makes them (claiming what came in).

use hearth_core::chapter::charter::{GovernanceModel, VoteMethod};
use hearth_core::chapter::{ChapterOp, Refusal};
use hearth_core::ledger::{Account, CreditPolicy, Currency, Demurrage, LedgerOp, MAX_CLAIMS};
use hearth_core::op::Body;
use hearth_core::{Keypair, OpId};

use super::gov::{chapter, rules};
use super::{Space, T0, key};

/// Hours: two decimals, `limit` for everyone, and `demurrage` if given.
pub fn hours(limit: u64, demurrage: Option<Demurrage>) -> Currency {
    Currency {
        code: "HOUR".into(),
        name: "Time bank hours".into(),
        unit: "h".into(),
        decimals: 2,
        credit: CreditPolicy::Static { limit },
        demurrage,
    }
}

/// A chapter of `n` members (key 1 founds and stewards it; key `n` is its
/// mediator) with `currency` defined by the founder.
pub fn economy(n: u8, currency: Currency) -> Space {
    let mut s = chapter(n, rules(VoteMethod::Majority, 50), GovernanceModel::Direct);
    ledger(&mut s, &key(1), T0 + 20, LedgerOp::DefineCurrency(currency)).expect("define");
    s.chapter(
        &key(1),
        T0 + 21,
        ChapterOp::Grant {
            member: key(n).did(),
            role: "mediator".into(),
        },
    )
    .expect("grant mediator");
    s
}

pub fn ledger(s: &mut Space, who: &Keypair, ts: u64, op: LedgerOp) -> Result<(), Refusal> {
    s.act(who, ts, Body::Ledger(op))
}

/// What `who` may claim now, as their node would.
pub fn claimable(s: &Space, who: &Keypair) -> Vec<OpId> {
    let mut c = s.view.ledger(0).book.unclaimed(&who.did());
    c.truncate(MAX_CLAIMS);
    c
}

/// `from` pays `to` (members by key number), claiming what came in.
pub fn pay(s: &mut Space, from: u8, to: u8, ts: u64, amount: u64) -> Result<(), Refusal> {
    let payer = key(from);
    let claims = claimable(s, &payer);
    ledger(
        s,
        &payer,
        ts,
        LedgerOp::Pay {
            to: Account::Member(key(to).did()),
            currency: "HOUR".into(),
            amount,
            memo: format!("{amount} for {to}"),
            reference: None,
            claims,
        },
    )
}

pub fn balance(s: &Space, who: u8, now: u64) -> i128 {
    s.view
        .ledger(now)
        .balance(&Account::Member(key(who).did()), "HOUR")
}

/// Σ of every balance in HOUR at `now`.
pub fn total(s: &Space, now: u64) -> i128 {
    s.view
        .ledger(now)
        .balances("HOUR")
        .iter()
        .map(|(_, b)| b)
        .sum()
}

pub fn ledger_refusal(r: Result<(), Refusal>) -> hearth_core::ledger::LedgerRefusal {
    match r {
        Err(Refusal::Ledger(l)) => *l,
        other => panic!("expected a ledger refusal, got {other:?}"),
    }
}
