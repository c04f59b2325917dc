//! `hearth pay|request|balance|history|limit|currency|dispute`: the
//! chapter's mutual credit from the command line.

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use hearth_core::ledger::{
    Account, CreditPolicy, Currency, Demurrage, Ledger, LedgerOp, Outcome, PPM, Ramp,
};
use hearth_core::{Did, OpId, SpaceId};
use hearth_node::Node;
use hearth_node::ledger::Payment;
use hearth_store::RedbStore;
use hearth_store::suite::run_ready;

use crate::domain::{DAY, me, now_ms, view};

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Pay a member (or the chapter's treasury or commons).
    Pay {
        chapter: SpaceId,
        /// A member's did:key, `treasury` or `commons`.
        to: String,
        /// How much, with up to the currency's decimals (e.g. 1.5).
        amount: String,
        /// The currency's code.
        #[arg(long, short)]
        currency: String,
        /// What for.
        #[arg(long, default_value = "")]
        memo: String,
    },
    /// Ask a member to pay you (an invoice), or answer a request.
    #[command(subcommand)]
    Request(RequestCommand),
    /// Balances: yours, or a member's, or every account with --all.
    Balance {
        chapter: SpaceId,
        /// Whose (a did:key, `treasury` or `commons`); yours by default.
        account: Option<String>,
        /// Only this currency.
        #[arg(long, short)]
        currency: Option<String>,
        /// Every account, and the currency's economic summary.
        #[arg(long)]
        all: bool,
    },
    /// An account's history, newest first.
    History {
        chapter: SpaceId,
        /// Whose; yours by default.
        account: Option<String>,
        #[arg(long, short)]
        currency: Option<String>,
        /// Only lines whose memo contains this (ignoring case).
        #[arg(long)]
        search: Option<String>,
    },
    /// Your (or a member's) limit, balance and headroom; set one with --set.
    Limit {
        chapter: SpaceId,
        #[arg(long, short)]
        currency: String,
        member: Option<Did>,
        /// Give the member their own limit (a treasurer's power).
        #[arg(long, conflicts_with = "clear")]
        set: Option<String>,
        /// Take the member's own limit away (back to the policy).
        #[arg(long)]
        clear: bool,
    },
    /// Take payments that came in into your own balance.
    Claim { chapter: SpaceId },
    /// Currencies: define one, or list them.
    #[command(subcommand)]
    Currency(CurrencyCommand),
    /// Disputes: file, list, mediate, settle.
    #[command(subcommand)]
    Dispute(DisputeCommand),
}

#[derive(Subcommand)]
pub enum RequestCommand {
    /// Ask `from` to pay.
    New {
        chapter: SpaceId,
        from: Did,
        amount: String,
        #[arg(long, short)]
        currency: String,
        #[arg(long, default_value = "")]
        memo: String,
        /// Lapses after this many days.
        #[arg(long)]
        days: Option<u64>,
    },
    /// Requests to you and by you.
    List { chapter: SpaceId },
    /// Pay a request to you (its amount, to whoever asked).
    Pay { chapter: SpaceId, request: OpId },
    /// Decline a request to you (or withdraw your own).
    Decline { chapter: SpaceId, request: OpId },
}

// Parsed once per run: the size of one variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum CurrencyCommand {
    /// Define (or redefine) a currency: a steward's power, or a proposal's.
    Define {
        chapter: SpaceId,
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        unit: String,
        #[arg(long, default_value_t = 2)]
        decimals: u8,
        /// Everyone's limit (static policy), in units (e.g. 50 or 50.5).
        #[arg(long, conflicts_with = "baseline")]
        limit: Option<String>,
        /// Dynamic policy: the baseline limit, in units (e.g. 50 or 50.5).
        #[arg(long, requires = "max")]
        baseline: Option<String>,
        /// Dynamic policy: extra limit at full trust, as a share of the baseline (e.g. 2.0).
        #[arg(long, default_value_t = 1.0)]
        trust_multiplier: f64,
        /// Dynamic policy: limit per unit of cleared volume (e.g. 0.1).
        #[arg(long, default_value_t = 0.0)]
        history_rate: f64,
        /// Dynamic policy: the cap, in units (e.g. 50 or 50.5).
        #[arg(long)]
        max: Option<String>,
        /// Newcomers' ramp: their limit, the days it lasts and the volume to clear.
        #[arg(long, num_args = 3, value_names = ["LIMIT", "DAYS", "VOLUME"])]
        ramp: Option<Vec<String>>,
        /// Demurrage: percent per period above the exemption.
        #[arg(long, requires = "demurrage_days")]
        demurrage_pct: Option<f64>,
        /// Demurrage: the period, in days.
        #[arg(long)]
        demurrage_days: Option<u64>,
        /// Demurrage: balances up to this never decay.
        #[arg(long, default_value = "0")]
        exempt: String,
    },
    /// The chapter's currencies.
    List { chapter: SpaceId },
}

#[derive(Subcommand)]
pub enum DisputeCommand {
    /// Dispute a payment you made or received.
    File {
        chapter: SpaceId,
        payment: OpId,
        #[arg(long)]
        reason: String,
        /// Evidence (a link, a hash, a description); repeat for more.
        #[arg(long)]
        evidence: Vec<String>,
    },
    /// The chapter's disputes.
    List { chapter: SpaceId },
    /// Take a dispute as its mediator.
    Mediate { chapter: SpaceId, dispute: OpId },
    /// Settle a dispute you mediate.
    Settle {
        chapter: SpaceId,
        dispute: OpId,
        #[arg(value_enum)]
        outcome: OutcomeArg,
        /// For a partial refund: how much.
        #[arg(long, required_if_eq("outcome", "partial-refund"))]
        amount: Option<String>,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OutcomeArg {
    Upheld,
    Reversal,
    PartialRefund,
    WriteOff,
}

type N = Node<RedbStore>;

/// An account from text: a did:key, `treasury` or `commons`.
fn account(text: &str) -> Result<Account> {
    Ok(match text {
        "treasury" => Account::Treasury,
        "commons" => Account::Commons,
        did => Account::Member(
            did.parse()
                .with_context(|| format!("{did:?} is not a did:key"))?,
        ),
    })
}

fn currency(node: &N, chapter: &SpaceId, code: &str) -> Result<Currency> {
    let v = view(node, chapter)?;
    let found = v.chapter().ledger.currencies.get(code).cloned();
    found.with_context(|| format!("the chapter has no currency {code:?}"))
}

fn amount(cur: &Currency, text: &str) -> Result<u64> {
    match cur.parse_amount(text) {
        Some(0) | None => bail!(
            "{text:?} is not an amount above zero in {} (up to {} decimals)",
            cur.code,
            cur.decimals
        ),
        Some(a) => Ok(a),
    }
}

/// A share like 2.5 as ppm.
fn ppm(share: f64) -> Result<u64> {
    if !(0.0..=1_000.0).contains(&share) {
        bail!("{share} is out of range");
    }
    Ok((share * PPM as f64).round() as u64)
}

fn print_op(id: OpId) {
    println!("{id}");
}

pub fn run(node: &N, cmd: LedgerCommand) -> Result<()> {
    match cmd {
        LedgerCommand::Pay {
            chapter,
            to,
            amount: a,
            currency: code,
            memo,
        } => {
            let cur = currency(node, &chapter, &code)?;
            let p = Payment {
                to: account(&to)?,
                amount: amount(&cur, &a)?,
                currency: code,
                memo,
                reference: None,
            };
            print_op(run_ready(node.pay(&chapter, p))?);
        }
        LedgerCommand::Request(cmd) => request(node, cmd)?,
        LedgerCommand::Balance {
            chapter,
            account: who,
            currency: code,
            all,
        } => {
            let v = view(node, &chapter)?;
            let l = v.ledger(now_ms());
            let codes = codes(&l, code.as_deref())?;
            for cur in codes {
                if all {
                    for (acct, b) in l.balances(&cur.code) {
                        println!("{acct}\t{}", cur.format(b));
                    }
                    let s = l.summary(&cur.code);
                    println!(
                        "{}: {} accounts, supply {}, volume {}, velocity {:.2}, gini {:.2}, at their limit {:.0}%",
                        cur.code,
                        s.accounts,
                        cur.format(s.supply),
                        cur.format(s.volume as i128),
                        s.velocity_ppm as f64 / PPM as f64,
                        s.gini_ppm as f64 / PPM as f64,
                        s.at_limit_ppm as f64 / 10_000.0
                    );
                } else {
                    let acct = match &who {
                        Some(w) => account(w)?,
                        None => Account::Member(me(node, &chapter)?),
                    };
                    println!("{}\t{}", cur.code, cur.format(l.balance(&acct, &cur.code)));
                }
            }
        }
        LedgerCommand::History {
            chapter,
            account: who,
            currency: code,
            search,
        } => {
            let v = view(node, &chapter)?;
            let l = v.ledger(now_ms());
            let acct = match &who {
                Some(w) => account(w)?,
                None => Account::Member(me(node, &chapter)?),
            };
            for line in l.history(&acct, code.as_deref(), search.as_deref()) {
                let cur = l.chapter.ledger.currencies.get(&line.entry.currency);
                let a = i128::from(line.entry.amount);
                let signed = if line.entry.to == acct { a } else { -a };
                let shown = cur.map_or(signed.to_string(), |c| c.format(signed));
                let other = if line.entry.to == acct {
                    line.entry.from
                } else {
                    line.entry.to
                };
                let flag = if line.governed {
                    " (governance)"
                } else if !line.claimed {
                    " (not yet claimed)"
                } else {
                    ""
                };
                println!(
                    "{}\t{}\t{shown}\t{other}\t{}{flag}",
                    line.at, line.op, line.memo
                );
            }
        }
        LedgerCommand::Limit {
            chapter,
            currency: code,
            member,
            set,
            clear,
        } => {
            let cur = currency(node, &chapter, &code)?;
            let who = match member {
                Some(m) => m,
                None => me(node, &chapter)?,
            };
            if set.is_some() || clear {
                let limit = set.map(|s| amount(&cur, &s)).transpose()?;
                let op = LedgerOp::SetLimit {
                    member: who,
                    currency: code,
                    limit,
                };
                print_op(run_ready(node.ledger_op(&chapter, op))?);
                return Ok(());
            }
            let v = view(node, &chapter)?;
            let c = v
                .ledger(now_ms())
                .credit(&who, &code)
                .context("no such currency")?;
            println!("limit\t{}", cur.format(i128::from(c.limit)));
            println!("balance\t{}", cur.format(c.balance));
            println!("headroom\t{}", cur.format(c.headroom));
            println!("cleared\t{}", cur.format(c.cleared as i128));
        }
        LedgerCommand::Claim { chapter } => match run_ready(node.claim(&chapter))? {
            Some(id) => print_op(id),
            None => eprintln!("nothing to claim"),
        },
        LedgerCommand::Currency(cmd) => currency_cmd(node, cmd)?,
        LedgerCommand::Dispute(cmd) => dispute(node, cmd)?,
    }
    Ok(())
}

fn codes(l: &Ledger<'_>, only: Option<&str>) -> Result<Vec<Currency>> {
    let all = &l.chapter.ledger.currencies;
    match only {
        Some(code) => {
            Ok(vec![all.get(code).cloned().with_context(|| {
                format!("the chapter has no currency {code:?}")
            })?])
        }
        None => Ok(all.values().cloned().collect()),
    }
}

fn request(node: &N, cmd: RequestCommand) -> Result<()> {
    match cmd {
        RequestCommand::New {
            chapter,
            from,
            amount: a,
            currency: code,
            memo,
            days,
        } => {
            let cur = currency(node, &chapter, &code)?;
            let expires = days.map(|d| now_ms().saturating_add(d.saturating_mul(DAY)));
            let id =
                run_ready(node.request(&chapter, from, &code, amount(&cur, &a)?, &memo, expires))?;
            print_op(id);
        }
        RequestCommand::List { chapter } => {
            let v = view(node, &chapter)?;
            let me = me(node, &chapter)?;
            let l = v.ledger(now_ms());
            for (id, r) in l
                .book
                .requests()
                .filter(|(_, r)| r.by == me || r.from == me)
            {
                let shown = l
                    .chapter
                    .ledger
                    .currencies
                    .get(&r.currency)
                    .map_or(r.amount.to_string(), |c| c.format(i128::from(r.amount)));
                let dir = if r.from == me { "to pay" } else { "asked" };
                println!(
                    "{id}\t{dir}\t{shown}\t{}\t{:?}\t{}",
                    r.by.fmt_short(),
                    r.state,
                    r.memo
                );
            }
        }
        RequestCommand::Pay { chapter, request } => {
            print_op(run_ready(node.pay_request(&chapter, &request))?);
        }
        RequestCommand::Decline { chapter, request } => {
            let id = run_ready(node.ledger_op(&chapter, LedgerOp::Decline { request }))?;
            print_op(id);
        }
    }
    Ok(())
}

fn currency_cmd(node: &N, cmd: CurrencyCommand) -> Result<()> {
    match cmd {
        CurrencyCommand::List { chapter } => {
            let v = view(node, &chapter)?;
            for c in v.chapter().ledger.currencies.values() {
                println!(
                    "{}\t{}\t{}\t{:?}\t{:?}",
                    c.code, c.name, c.decimals, c.credit, c.demurrage
                );
            }
            Ok(())
        }
        CurrencyCommand::Define {
            chapter,
            code,
            name,
            unit,
            decimals,
            limit,
            baseline,
            trust_multiplier,
            history_rate,
            max,
            ramp,
            demurrage_pct,
            demurrage_days,
            exempt,
        } => {
            // Amounts are read with the currency's own decimals.
            let mut cur = Currency {
                code,
                name,
                unit,
                decimals,
                credit: CreditPolicy::Static { limit: 0 },
                demurrage: None,
            };
            let shape = cur.clone();
            let units = |s: &str| amount_or_zero(&shape, s);
            cur.credit = match (limit, baseline) {
                (Some(l), _) => CreditPolicy::Static { limit: units(&l)? },
                (None, Some(b)) => CreditPolicy::Dynamic {
                    baseline: units(&b)?,
                    trust_multiplier_ppm: ppm(trust_multiplier)?,
                    history_rate_ppm: ppm(history_rate)?,
                    max: units(max.as_deref().unwrap_or("0"))?,
                    ramp: match ramp.as_deref() {
                        Some([l, d, v]) => Some(Ramp {
                            initial: units(l)?,
                            period_ms: d.parse::<u64>().context("ramp days")?.saturating_mul(DAY),
                            required_volume: units(v)?,
                        }),
                        _ => None,
                    },
                },
                (None, None) => bail!("give --limit (static) or --baseline and --max (dynamic)"),
            };
            if let (Some(pct), Some(days)) = (demurrage_pct, demurrage_days) {
                cur.demurrage = Some(Demurrage {
                    rate_ppm: (ppm(pct / 100.0)?).min(PPM - 1) as u32,
                    period_ms: days.saturating_mul(DAY),
                    exempt: units(&exempt)?,
                });
            }
            cur.check()?;
            let id = run_ready(node.ledger_op(&chapter, LedgerOp::DefineCurrency(cur)))?;
            print_op(id);
            Ok(())
        }
    }
}

fn amount_or_zero(cur: &Currency, text: &str) -> Result<u64> {
    if text == "0" {
        return Ok(0);
    }
    amount(cur, text)
}

fn dispute(node: &N, cmd: DisputeCommand) -> Result<()> {
    match cmd {
        DisputeCommand::File {
            chapter,
            payment,
            reason,
            evidence,
        } => print_op(run_ready(
            node.dispute(&chapter, &payment, &reason, evidence),
        )?),
        DisputeCommand::List { chapter } => {
            let v = view(node, &chapter)?;
            for (id, d) in &v.chapter().ledger.disputes {
                let state = match (&d.settled, &d.mediator) {
                    (Some(s), _) => format!("settled: {:?}", s.outcome),
                    (None, Some(m)) => format!("with mediator {}", m.fmt_short()),
                    (None, None) => "waiting for a mediator".into(),
                };
                println!(
                    "{id}\tpayment {}\t{} → {}\t{} {}\t{state}\t{}",
                    d.payment, d.facts.from, d.facts.to, d.facts.amount, d.facts.currency, d.reason
                );
            }
        }
        DisputeCommand::Mediate { chapter, dispute } => {
            let id = run_ready(node.ledger_op(&chapter, LedgerOp::Mediate { dispute }))?;
            print_op(id);
        }
        DisputeCommand::Settle {
            chapter,
            dispute,
            outcome,
            amount: a,
            reason,
        } => {
            let v = view(node, &chapter)?;
            let d = v
                .chapter()
                .ledger
                .disputes
                .get(&dispute)
                .with_context(|| format!("no dispute {dispute}"))?;
            let cur = currency(node, &chapter, &d.facts.currency)?;
            let outcome = match outcome {
                OutcomeArg::Upheld => Outcome::Upheld,
                OutcomeArg::Reversal => Outcome::Reversal,
                OutcomeArg::WriteOff => Outcome::WriteOff,
                OutcomeArg::PartialRefund => Outcome::PartialRefund {
                    amount: amount(&cur, a.as_deref().unwrap_or(""))?,
                },
            };
            print_op(run_ready(
                node.settle_dispute(&chapter, &dispute, outcome, &reason),
            )?);
        }
    }
    Ok(())
}
