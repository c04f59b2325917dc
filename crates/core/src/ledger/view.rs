//! What members see of the ledger: balances, history, limits and headroom,
//! and an economic summary, all as of a time the caller gives.

use super::book::{Book, decayed};
use super::currency::{Currency, PPM};
use super::op::{Account, Entry};
use super::rules::limit_of;
use crate::chapter::Chapter;
use crate::identity::Did;
use crate::ids::OpId;

/// The ledger of a space as of `now`: its book read with its chapter.
#[derive(Debug, Clone, Copy)]
pub struct Ledger<'a> {
    /// The book.
    pub book: &'a Book,
    /// The chapter.
    pub chapter: &'a Chapter,
    /// The time balances are shown at (demurrage runs up to it).
    pub now: u64,
}

/// One line of an account's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The op that made it (a payment, or governance's).
    pub op: OpId,
    /// When (claimed).
    pub at: u64,
    /// The movement.
    pub entry: Entry,
    /// What for.
    pub memo: String,
    /// Whether the payee has claimed it (governance's entries always are).
    pub claimed: bool,
    /// Whether it came from governance (a budget or a settlement).
    pub governed: bool,
}

/// A member's credit in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credit {
    /// Their balance.
    pub balance: i128,
    /// Their limit.
    pub limit: u64,
    /// How much they can pay now (their spendable balance, what they can
    /// claim, and their limit).
    pub headroom: i128,
    /// What they have cleared.
    pub cleared: u128,
}

/// The economy of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Members with an account.
    pub accounts: usize,
    /// Sum of positive member balances (the money in circulation).
    pub supply: i128,
    /// Everything paid, ever.
    pub volume: u128,
    /// Volume ÷ supply, in ppm (0 with no supply).
    pub velocity_ppm: u128,
    /// Gini coefficient of member balances (shifted so the lowest is
    /// zero), in ppm.
    pub gini_ppm: u64,
    /// Share of members at their limit, in ppm.
    pub at_limit_ppm: u64,
}

impl Ledger<'_> {
    fn currency(&self, code: &str) -> Option<&Currency> {
        self.chapter.ledger.currencies.get(code)
    }

    /// An account's balance in a currency.
    pub fn balance(&self, account: &Account, code: &str) -> i128 {
        let governed = self.chapter.ledger.governed_net(account, code);
        let (all_in, unclaimed) = self.book.incoming(account, code);
        match account {
            Account::Member(d) => {
                let own = match (self.book.own_log(d, code), self.currency(code)) {
                    (Some(log), Some(cur)) => decayed(cur, log, self.now),
                    (Some(log), None) => log.balance,
                    (None, _) => 0,
                };
                own + unclaimed + governed
            }
            Account::Treasury => all_in + governed,
            Account::Commons => {
                let cur = self.currency(code);
                let decay: i128 = self
                    .book
                    .own_logs()
                    .filter(|((_, c), _)| c == code)
                    .map(|(_, log)| {
                        let pending =
                            cur.map_or(0, |cur| log.balance - decayed(cur, log, self.now));
                        log.decayed + pending
                    })
                    .sum();
                decay + all_in + governed
            }
        }
    }

    /// Every account with anything in `code`: members (with a log, an
    /// incoming payment or a governed entry), the treasury and the commons.
    pub fn accounts(&self, code: &str) -> Vec<Account> {
        let mut found: std::collections::BTreeSet<Account> = self
            .book
            .own_logs()
            .filter(|((_, c), _)| c == code)
            .map(|((d, _), _)| Account::Member(*d))
            .collect();
        found.extend(self.book.payees(code));
        for g in self
            .chapter
            .ledger
            .governed
            .iter()
            .filter(|g| g.entry.currency == code)
        {
            found.insert(g.entry.from);
            found.insert(g.entry.to);
        }
        found.insert(Account::Treasury);
        found.insert(Account::Commons);
        found.into_iter().collect()
    }

    /// Every balance in `code`: sums to zero.
    pub fn balances(&self, code: &str) -> Vec<(Account, i128)> {
        self.accounts(code)
            .into_iter()
            .map(|a| {
                let b = self.balance(&a, code);
                (a, b)
            })
            .collect()
    }

    /// A member's limit, balance and headroom in `code`.
    pub fn credit(&self, member: &Did, code: &str) -> Option<Credit> {
        let cur = self.currency(code)?;
        let log = self.book.own_log(member, code);
        let cleared = log.map_or(0, |l| l.cleared());
        let limit = limit_of(self.chapter, member, cur, self.now, cleared);
        let claimable = self.book.incoming(&Account::Member(*member), code).1;
        let spendable = self.book.spendable(self.chapter, member, cur, self.now) + claimable;
        Some(Credit {
            balance: self.balance(&Account::Member(*member), code),
            limit,
            headroom: (spendable + i128::from(limit)).max(0),
            cleared,
        })
    }

    /// The history of `account` (every currency if `code` is `None`),
    /// newest first, optionally only lines whose memo contains `search`
    /// (ignoring case).
    pub fn history(
        &self,
        account: &Account,
        code: Option<&str>,
        search: Option<&str>,
    ) -> Vec<Line> {
        let needle = search.map(str::to_lowercase);
        let wanted = |e: &Entry, memo: &str| {
            (e.from == *account || e.to == *account)
                && code.is_none_or(|c| e.currency == c)
                && needle
                    .as_ref()
                    .is_none_or(|n| memo.to_lowercase().contains(n))
        };
        let mut lines: Vec<Line> = self
            .book
            .payments()
            .filter(|(_, p)| wanted(&p.entry, &p.memo))
            .map(|(id, p)| Line {
                op: *id,
                at: p.at,
                entry: p.entry.clone(),
                memo: p.memo.clone(),
                claimed: p.claimed,
                governed: false,
            })
            .collect();
        lines.extend(
            self.chapter
                .ledger
                .governed
                .iter()
                .filter(|g| wanted(&g.entry, &g.memo))
                .map(|g| Line {
                    op: g.by,
                    at: g.at,
                    entry: g.entry.clone(),
                    memo: g.memo.clone(),
                    claimed: true,
                    governed: true,
                }),
        );
        lines.sort_by_key(|l| std::cmp::Reverse((l.at, l.op)));
        lines
    }

    /// A member's balance after each line of their history in `code`,
    /// oldest first, as (time, balance) points for a chart. (Demurrage
    /// shows where the member's own ops applied it.)
    pub fn balance_series(&self, member: &Did, code: &str) -> Vec<(u64, i128)> {
        let me = Account::Member(*member);
        let mut lines = self.history(&me, Some(code), None);
        lines.reverse();
        let mut running = 0i128;
        let mut points = Vec::with_capacity(lines.len() + 1);
        for l in lines {
            let a = i128::from(l.entry.amount);
            running += if l.entry.to == me { a } else { -a };
            points.push((l.at, running));
        }
        let now = self.balance(&me, code);
        if points.last().is_none_or(|(_, b)| *b != now) {
            points.push((self.now, now));
        }
        points
    }

    /// The economy of `code`.
    pub fn summary(&self, code: &str) -> Summary {
        let members: Vec<(Did, i128)> = self
            .accounts(code)
            .into_iter()
            .filter_map(|a| match a {
                Account::Member(d) => Some((d, self.balance(&a, code))),
                _ => None,
            })
            .collect();
        let supply: i128 = members.iter().map(|(_, b)| (*b).max(0)).sum();
        let volume: u128 = self
            .book
            .own_logs()
            .filter(|((_, c), _)| c == code)
            .map(|(_, l)| l.paid)
            .sum();
        let at_limit = members
            .iter()
            .filter(|(d, _)| self.credit(d, code).is_some_and(|c| c.headroom == 0))
            .count();
        let share = |n: usize| {
            if members.is_empty() {
                0
            } else {
                (n as u64 * PPM) / members.len() as u64
            }
        };
        Summary {
            accounts: members.len(),
            supply,
            volume,
            velocity_ppm: if supply > 0 {
                volume * u128::from(PPM) / supply as u128
            } else {
                0
            },
            gini_ppm: gini_ppm(members.iter().map(|(_, b)| *b).collect()),
            at_limit_ppm: share(at_limit),
        }
    }
}

/// The Gini coefficient of `values` shifted so the lowest is zero, in ppm:
/// Σ_i (2i − n − 1) x_i ÷ (n Σ x), over the sorted values.
pub fn gini_ppm(mut values: Vec<i128>) -> u64 {
    let n = values.len() as i128;
    if n < 2 {
        return 0;
    }
    values.sort();
    let min = values[0];
    let total: i128 = values.iter().map(|v| v - min).sum();
    if total == 0 {
        return 0;
    }
    let weighted: i128 = values
        .iter()
        .enumerate()
        .map(|(i, v)| (2 * (i as i128 + 1) - n - 1) * (v - min))
        .sum();
    (weighted * i128::from(PPM) / (n * total)) as u64
}
