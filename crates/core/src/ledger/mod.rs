//! Mutual credit: currencies a chapter defines, payments in the payer's
//! own log, double entry in every view, credit limits, demurrage, freezes
//! and disputes.
//!
//! A payment is an op in the payer's log, so the payer's log orders all
//! their debits. What a member may spend is what their own log has taken
//! in: a payment or a [`LedgerOp::Claim`] names the incoming payments it
//! claims (as deps too), so the check of every payment is a function of
//! its causal past alone, and stays valid forever. Governance's entries
//! (budgets from the treasury, settlements of disputes) count from the
//! context that made them. Amounts are integers in a currency's smallest
//! unit; there are no floats anywhere in the ledger.

pub mod book;
pub mod currency;
mod op;
pub mod rules;
pub mod view;

pub use book::{Book, BookSnapshot, OwnLog, Payment, Request, RequestState};
pub use currency::{CreditPolicy, Currency, CurrencyError, Demurrage, LimitInputs, PPM, Ramp};
pub use op::{Account, Entry, LedgerOp, LedgerRefusal, MAX_CLAIMS, Outcome, Reference};
pub use rules::{Dispute, Governed, LedgerRules, Settlement};
pub use view::{Credit, Ledger, Line, Summary};
