//! The ledger's book: payments, claims and requests, folded per space.
//!
//! What a member may spend is computed from their own log alone (what it
//! paid, what it claimed, with demurrage between its ops) plus the entries
//! governance made in the op's context, so a payment's validity depends
//! only on its causal past. Payments a member has not claimed yet still
//! count in the balance every view shows, so every view's balances sum to
//! zero per currency.

use std::collections::BTreeMap;

use imbl::OrdMap;

use serde::{Deserialize, Serialize};

use super::currency::Currency;
use super::op::{Account, Entry, LedgerOp, LedgerRefusal, Reference};
use super::rules::limit_of;
use crate::chapter::Chapter;
use crate::identity::Did;
use crate::ids::OpId;

/// What a member's own log holds in one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnLog {
    /// The balance after their latest ledger op (demurrage applied up to it).
    pub balance: i128,
    /// The claimed time of that op.
    pub at: u64,
    /// What demurrage has taken from it so far (gone to the commons).
    pub decayed: i128,
    /// What they have paid.
    pub paid: u128,
    /// What they have claimed.
    pub received: u128,
}

impl OwnLog {
    /// The volume cleared: paid plus received.
    pub fn cleared(&self) -> u128 {
        self.paid + self.received
    }
}

/// A folded payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Payer, payee, currency and amount.
    pub entry: Entry,
    /// What for.
    pub memo: String,
    /// What it answers.
    pub reference: Option<Reference>,
    /// When (claimed by the payer).
    pub at: u64,
    /// Whether the payee has claimed it.
    pub claimed: bool,
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting to be paid.
    Open,
    /// Paid by that payment.
    Paid(OpId),
    /// Declined or withdrawn.
    Declined,
}

/// A payment request (invoice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Who asks to be paid.
    pub by: Did,
    /// Who is asked.
    pub from: Did,
    /// The currency's code.
    pub currency: String,
    /// How much.
    pub amount: u64,
    /// What for.
    pub memo: String,
    /// When (claimed).
    pub at: u64,
    /// When it lapses, if set.
    pub expires_at: Option<u64>,
    /// Where it stands.
    pub state: RequestState,
}

/// The book of one space. Its maps are persistent (structurally shared):
/// a node clones a view for every chunk it ingests, so a clone must cost
/// nothing however large the book.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Book {
    logs: OrdMap<(Did, String), OwnLog>,
    payments: OrdMap<OpId, Payment>,
    requests: OrdMap<OpId, Request>,
    /// What was paid to each account per currency: (in all, not claimed).
    incoming: OrdMap<(Account, String), (i128, i128)>,
}

/// [`Book`] as stored in a view's snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BookSnapshot {
    logs: Vec<(Did, String, OwnLog)>,
    payments: Vec<(OpId, Payment)>,
    requests: Vec<(OpId, Request)>,
}

fn refuse<T>(e: LedgerRefusal) -> Result<T, LedgerRefusal> {
    Err(e)
}

impl Book {
    /// Checks an ordinary ledger op by `me` at `at`, naming `deps` (its
    /// deps and previous op), against
    /// the chapter `c` of its context and the author's own log.
    pub fn check(
        &self,
        c: &Chapter,
        me: &Did,
        at: u64,
        deps: &[OpId],
        op: &LedgerOp,
    ) -> Result<(), LedgerRefusal> {
        match op {
            LedgerOp::Pay { .. } | LedgerOp::Claim { .. } => self.check_moves(c, me, at, deps, op),
            LedgerOp::Request { from, currency, .. } => {
                c.ledger.currency(currency)?;
                if from == me {
                    return refuse(LedgerRefusal::SelfPayment);
                }
                c.active(from, at)
                    .map(drop)
                    .map_err(|_| LedgerRefusal::PayeeNotMember(*from))
            }
            // Declining races with paying (the two may be by different
            // members), so it is valid whatever the request's state; a
            // payment outranks it in the view.
            LedgerOp::Decline { request } => match self.requests.get(request) {
                Some(r) if deps.contains(request) && (r.by == *me || r.from == *me) => Ok(()),
                _ => refuse(LedgerRefusal::BadRequest(*request)),
            },
            _ => Ok(()),
        }
    }

    /// Checks a pay or claim op: its claims, and a payment's currency,
    /// payer, payee, request and limit.
    fn check_moves(
        &self,
        c: &Chapter,
        me: &Did,
        at: u64,
        deps: &[OpId],
        op: &LedgerOp,
    ) -> Result<(), LedgerRefusal> {
        let mut claimed: BTreeMap<String, i128> = BTreeMap::new();
        for claim in op.claims() {
            match self.payments.get(claim) {
                Some(p)
                    if p.entry.to == Account::Member(*me) && !p.claimed && deps.contains(claim) =>
                {
                    *claimed.entry(p.entry.currency.clone()).or_default() +=
                        i128::from(p.entry.amount);
                }
                _ => return refuse(LedgerRefusal::BadClaim(*claim)),
            }
        }
        let LedgerOp::Pay {
            to,
            currency,
            amount,
            reference,
            ..
        } = op
        else {
            return Ok(());
        };
        let cur = c.ledger.currency(currency)?;
        if c.gov.is_frozen(me, at) {
            return refuse(LedgerRefusal::Frozen(*me));
        }
        if let Account::Member(payee) = to {
            if payee == me {
                return refuse(LedgerRefusal::SelfPayment);
            }
            if c.active(payee, at).is_err() {
                return refuse(LedgerRefusal::PayeeNotMember(*payee));
            }
        }
        if let Some(Reference::Request(r)) = reference {
            if !deps.contains(r) {
                return refuse(LedgerRefusal::BadRequest(*r));
            }
            self.check_answer(r, me, to, currency, *amount, at)?;
        }
        let log = self.logs.get(&(*me, currency.clone()));
        let balance = self.spendable(c, me, cur, at) + claimed.get(currency).copied().unwrap_or(0);
        let cleared = log.map_or(0, OwnLog::cleared);
        let limit = limit_of(c, me, cur, at, cleared);
        if balance - i128::from(*amount) < -i128::from(limit) {
            return refuse(LedgerRefusal::Overdraft {
                currency: currency.clone(),
                balance,
                amount: *amount,
                limit,
            });
        }
        Ok(())
    }

    fn check_answer(
        &self,
        r: &OpId,
        me: &Did,
        to: &Account,
        currency: &str,
        amount: u64,
        at: u64,
    ) -> Result<(), LedgerRefusal> {
        let req = self
            .requests
            .get(r)
            .filter(|q| {
                !matches!(q.state, RequestState::Paid(_))
                    && q.from == *me
                    && Account::Member(q.by) == *to
                    && q.currency == currency
                    && q.amount == amount
            })
            .ok_or(LedgerRefusal::BadRequest(*r))?;
        match req.expires_at {
            Some(expires_at) if at >= expires_at => refuse(LedgerRefusal::RequestExpired {
                request: *r,
                expires_at,
            }),
            _ => Ok(()),
        }
    }

    /// What `me` may spend in `cur` at `at` before any new claim: their own
    /// log's balance decayed to `at`, plus what governance moved.
    pub fn spendable(&self, c: &Chapter, me: &Did, cur: &Currency, at: u64) -> i128 {
        let own = self
            .logs
            .get(&(*me, cur.code.clone()))
            .map_or(0, |l| decayed(cur, l, at));
        own + c.ledger.governed_net(&Account::Member(*me), &cur.code)
    }

    /// Folds an ordinary ledger op that [`Book::check`] accepted.
    pub fn apply(&mut self, c: &Chapter, id: OpId, me: Did, at: u64, op: &LedgerOp) {
        match op {
            LedgerOp::Pay {
                to,
                currency,
                amount,
                memo,
                reference,
                claims,
            } => {
                self.take_claims(c, me, at, claims);
                let log = self.log_at(c, me, currency, at);
                log.balance -= i128::from(*amount);
                log.paid += u128::from(*amount);
                if let Some(Reference::Request(r)) = reference
                    && let Some(req) = self.requests.get_mut(r)
                {
                    req.state = RequestState::Paid(id);
                }
                let to_member = matches!(to, Account::Member(_));
                let inc = self.incoming.entry((*to, currency.clone())).or_default();
                inc.0 += i128::from(*amount);
                if to_member {
                    inc.1 += i128::from(*amount);
                }
                self.payments.insert(
                    id,
                    Payment {
                        entry: Entry {
                            from: Account::Member(me),
                            to: *to,
                            currency: currency.clone(),
                            amount: *amount,
                        },
                        memo: memo.clone(),
                        reference: reference.clone(),
                        at,
                        claimed: !to_member,
                    },
                );
            }
            LedgerOp::Claim { claims } => self.take_claims(c, me, at, claims),
            LedgerOp::Request {
                from,
                currency,
                amount,
                memo,
                expires_at,
            } => {
                self.requests.insert(
                    id,
                    Request {
                        by: me,
                        from: *from,
                        currency: currency.clone(),
                        amount: *amount,
                        memo: memo.clone(),
                        at,
                        expires_at: *expires_at,
                        state: RequestState::Open,
                    },
                );
            }
            LedgerOp::Decline { request } => {
                if let Some(r) = self.requests.get_mut(request)
                    && r.state == RequestState::Open
                {
                    r.state = RequestState::Declined;
                }
            }
            _ => {}
        }
    }

    fn take_claims(&mut self, c: &Chapter, me: Did, at: u64, claims: &[OpId]) {
        for claim in claims {
            let Some(p) = self.payments.get_mut(claim) else {
                continue;
            };
            p.claimed = true;
            let (currency, amount) = (p.entry.currency.clone(), p.entry.amount);
            if let Some(inc) = self.incoming.get_mut(&(p.entry.to, currency.clone())) {
                inc.1 -= i128::from(amount);
            }
            let log = self.log_at(c, me, &currency, at);
            log.balance += i128::from(amount);
            log.received += u128::from(amount);
        }
    }

    /// `me`'s own log in `currency`, with demurrage applied up to `at`.
    fn log_at(&mut self, c: &Chapter, me: Did, currency: &str, at: u64) -> &mut OwnLog {
        let log = self.logs.entry((me, currency.to_string())).or_default();
        if let Some(cur) = c.ledger.currencies.get(currency) {
            let now = decayed(cur, log, at);
            log.decayed += log.balance - now;
            log.balance = now;
        }
        log.at = log.at.max(at);
        log
    }

    /// A payment, if folded.
    pub fn payment(&self, id: &OpId) -> Option<&Payment> {
        self.payments.get(id)
    }

    /// Every folded payment, by op.
    pub fn payments(&self) -> impl Iterator<Item = (&OpId, &Payment)> {
        self.payments.iter()
    }

    /// What was paid to `account` in `currency`: (in all, not yet claimed).
    pub fn incoming(&self, account: &Account, currency: &str) -> (i128, i128) {
        self.incoming
            .get(&(*account, currency.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// Every account something was paid to in `currency`.
    pub fn payees<'a>(&'a self, currency: &'a str) -> impl Iterator<Item = Account> + 'a {
        self.incoming
            .keys()
            .filter(move |(_, c)| c == currency)
            .map(|(a, _)| *a)
    }

    /// A request, if known.
    pub fn request(&self, id: &OpId) -> Option<&Request> {
        self.requests.get(id)
    }

    /// Every request, by op.
    pub fn requests(&self) -> impl Iterator<Item = (&OpId, &Request)> {
        self.requests.iter()
    }

    /// A member's own log in a currency.
    pub fn own_log(&self, member: &Did, currency: &str) -> Option<&OwnLog> {
        self.logs.get(&(*member, currency.to_string()))
    }

    /// Every own log: (member, currency) → log.
    pub fn own_logs(&self) -> impl Iterator<Item = (&(Did, String), &OwnLog)> {
        self.logs.iter()
    }

    /// Payments to `member` they have not claimed yet, oldest first.
    pub fn unclaimed(&self, member: &Did) -> Vec<OpId> {
        let mut found: Vec<(u64, OpId)> = self
            .payments
            .iter()
            .filter(|(_, p)| p.entry.to == Account::Member(*member) && !p.claimed)
            .map(|(id, p)| (p.at, *id))
            .collect();
        found.sort();
        found.into_iter().map(|(_, id)| id).collect()
    }

    /// The book as stored.
    pub fn to_snapshot(&self) -> BookSnapshot {
        BookSnapshot {
            logs: self
                .logs
                .iter()
                .map(|((d, c), l)| (*d, c.clone(), l.clone()))
                .collect(),
            payments: self
                .payments
                .iter()
                .map(|(id, p)| (*id, p.clone()))
                .collect(),
            requests: self
                .requests
                .iter()
                .map(|(id, r)| (*id, r.clone()))
                .collect(),
        }
    }

    /// The book from a snapshot.
    pub fn from_snapshot(s: BookSnapshot) -> Self {
        let mut incoming: BTreeMap<(Account, String), (i128, i128)> = BTreeMap::new();
        for (_, p) in &s.payments {
            let inc = incoming
                .entry((p.entry.to, p.entry.currency.clone()))
                .or_default();
            inc.0 += i128::from(p.entry.amount);
            if !p.claimed {
                inc.1 += i128::from(p.entry.amount);
            }
        }
        Book {
            logs: s.logs.into_iter().map(|(d, c, l)| ((d, c), l)).collect(),
            payments: s.payments.into_iter().collect(),
            requests: s.requests.into_iter().collect(),
            incoming: incoming.into(),
        }
    }
}

/// A log's balance with `cur`'s demurrage applied from its last op to `at`.
pub fn decayed(cur: &Currency, log: &OwnLog, at: u64) -> i128 {
    match &cur.demurrage {
        Some(d) if at > log.at => d.decay(log.balance, log.at, at),
        _ => log.balance,
    }
}
