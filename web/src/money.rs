//! Mutual credit on the chapter page: balances per currency with a chart,
//! limit and headroom; paying a member picked from the directory or by a
//! photo of their payment code; history with search; disputes.

use hearth_core::chapter::Permission;
use hearth_core::ledger::{Account, CreditPolicy, Currency, LedgerOp, Outcome};
use hearth_core::space::SpaceView;
use hearth_core::{Did, OpId, SpaceId};
use hearth_node::ledger::Payment;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Ui, refresh_space, write};
use crate::chapter::{decode_photo, qr_svg};

/// One currency as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyRow {
    pub code: String,
    pub name: String,
    pub balance: String,
    pub limit: String,
    pub headroom: String,
    /// The member's balance from zero and after each entry, oldest first.
    pub points: Vec<i128>,
}

/// A line of the member's history.
#[derive(Debug, Clone, PartialEq)]
pub struct LineRow {
    pub op: OpId,
    pub amount: String,
    pub other: String,
    pub memo: String,
    pub note: &'static str,
    pub disputable: bool,
}

/// A dispute as the page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct DisputeRow {
    pub id: OpId,
    pub what: String,
    pub state: String,
    pub may_take: bool,
    pub may_settle: bool,
}

/// What the chapter page shows of its ledger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MoneySummary {
    pub currencies: Vec<CurrencyRow>,
    pub may_define: bool,
    pub me: String,
    pub history: Vec<LineRow>,
    pub disputes: Vec<DisputeRow>,
    pub requests: Vec<crate::requests::RequestRow>,
}

fn name_of(view: &SpaceView, account: &Account) -> String {
    match account {
        Account::Member(d) => view
            .profile(d)
            .map(|p| p.display_name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| d.fmt_short()),
        other => other.to_string(),
    }
}

/// The page's view of the ledger, for member `me` at `now`.
pub fn summary(view: &SpaceView, me: Option<Did>, now: u64) -> MoneySummary {
    let c = view.chapter();
    let Some(me) = me else {
        return MoneySummary::default();
    };
    let l = view.ledger(now);
    let mine = Account::Member(me);
    let currencies = c
        .ledger
        .currencies
        .values()
        .filter_map(|cur| {
            let credit = l.credit(&me, &cur.code)?;
            Some(CurrencyRow {
                code: cur.code.clone(),
                name: cur.name.clone(),
                balance: cur.format(credit.balance),
                limit: cur.format(i128::from(credit.limit)),
                headroom: cur.format(credit.headroom),
                points: std::iter::once(0)
                    .chain(l.balance_series(&me, &cur.code).into_iter().map(|(_, b)| b))
                    .collect(),
            })
        })
        .collect();
    let history = l
        .history(&mine, None, None)
        .into_iter()
        .take(50)
        .map(|line| {
            let a = i128::from(line.entry.amount);
            let signed = if line.entry.to == mine { a } else { -a };
            let amount = c
                .ledger
                .currencies
                .get(&line.entry.currency)
                .map_or(signed.to_string(), |cur| cur.format(signed));
            let other = if line.entry.to == mine {
                line.entry.from
            } else {
                line.entry.to
            };
            LineRow {
                op: line.op,
                amount,
                other: name_of(view, &other),
                memo: line.memo.clone(),
                note: match (line.governed, line.claimed) {
                    (true, _) => "by the chapter",
                    (false, false) => "not yet claimed",
                    _ => "",
                },
                disputable: !line.governed && c.ledger.dispute_of(&line.op).is_none(),
            }
        })
        .collect();
    let mediator = c.allows(&me, now, Permission::Mediate).is_ok();
    let disputes = c
        .ledger
        .disputes
        .iter()
        .map(|(id, d)| {
            let party = d.facts.from == mine || d.facts.to == mine;
            DisputeRow {
                id: *id,
                what: format!(
                    "{} → {}: {} {} — {}",
                    name_of(view, &d.facts.from),
                    name_of(view, &d.facts.to),
                    d.facts.amount,
                    d.facts.currency,
                    d.reason
                ),
                state: match (&d.settled, &d.mediator) {
                    (Some(s), _) => format!("settled: {:?}", s.outcome).to_lowercase(),
                    (None, Some(m)) => format!("with {}", name_of(view, &Account::Member(*m))),
                    (None, None) => "waiting for a mediator".into(),
                },
                may_take: mediator && !party && d.mediator.is_none() && d.settled.is_none(),
                may_settle: d.mediator == Some(me) && d.settled.is_none(),
            }
        })
        .collect();
    MoneySummary {
        currencies,
        may_define: c.allows(&me, now, Permission::EnactStatutes).is_ok(),
        me: me.to_string(),
        history,
        disputes,
        requests: crate::requests::rows(view, &me),
    }
}

/// A line chart of balances, oldest first.
fn chart_svg(points: &[i128]) -> String {
    let (w, h) = (300.0, 80.0);
    let lo = points.iter().copied().min().unwrap_or(0).min(0) as f64;
    let hi = points.iter().copied().max().unwrap_or(0).max(0) as f64;
    let span = (hi - lo).max(1.0);
    let step = w / (points.len().max(2) - 1) as f64;
    let y = |b: f64| h - (b - lo) / span * h;
    let line: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, b)| format!("{:.1},{:.1}", i as f64 * step, y(*b as f64)))
        .collect();
    format!(
        r#"<svg class="balance-chart" viewBox="0 -2 {w} {h2}" role="img" aria-label="Balance over time"><line class="zero-line" x1="0" x2="{w}" y1="{z:.1}" y2="{z:.1}"/><polyline points="{pts}"/></svg>"#,
        h2 = h + 4.0,
        z = y(0.0),
        pts = line.join(" ")
    )
}

/// The chapter's members other than this one, for picking whom to pay or ask.
pub(crate) fn other_members(ui: Ui) -> Vec<crate::chapter::MemberRow> {
    let detail = ui.detail.get();
    let me = detail.money.me;
    detail
        .chapter
        .members
        .into_iter()
        .filter(|m| m.did != me)
        .collect()
}

/// Runs a ledger write and refreshes the page, showing what went wrong.
pub(crate) fn act<F, Fut>(ui: Ui, id: SpaceId, what: &'static str, work: F)
where
    F: FnOnce(std::rc::Rc<hearth_node::Node<hearth_store::IdbStore>>) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<OpId, hearth_node::NodeError>> + 'static,
{
    spawn_local(async move {
        match write(ui, work).await {
            Some(Ok(_)) => {
                ui.error.set(None);
                refresh_space(ui, id).await;
            }
            Some(Err(e)) => ui.error.set(Some(format!("Could not {what}: {e}"))),
            None => {}
        }
    });
}

/// The chapter's money: balances, paying, history and disputes.
#[component]
pub fn MoneyCard(ui: Ui, id: SpaceId) -> impl IntoView {
    let money = move || ui.detail.get().money;
    view! {
        <section class="card" aria-labelledby="money-title">
            <h3 id="money-title">"Money"</h3>
            <Show when=move || money().currencies.is_empty()>
                <p>"This chapter has no currency yet."</p>
            </Show>
            <Show when=move || money().currencies.is_empty() && money().may_define>
                <DefineCurrency ui=ui id=id />
            </Show>
            <ul class="balances">
                <For each=move || money().currencies key=|c| (c.code.clone(), c.balance.clone(), c.points.len()) let:c>
                    <li>
                        <p><strong class="balance">{format!("{}: {}", c.name, c.balance)}</strong></p>
                        <p class="meta">{format!("Limit {} · you can pay up to {}", c.limit, c.headroom)}</p>
                        <div inner_html=chart_svg(&c.points)></div>
                    </li>
                </For>
            </ul>
            <Show when=move || !money().currencies.is_empty()>
                <PayForm ui=ui id=id />
                <crate::requests::Requests ui=ui id=id />
                <details class="pay-code">
                    <summary>"Your payment code"</summary>
                    <div class="qr" inner_html=move || qr_svg(&money().me, "QR code of your did:key")></div>
                </details>
            </Show>
        </section>
        <History ui=ui id=id />
    }
}

#[component]
fn DefineCurrency(ui: Ui, id: SpaceId) -> impl IntoView {
    let code = RwSignal::new("HOUR".to_string());
    let name = RwSignal::new("Hours".to_string());
    let limit = RwSignal::new("20".to_string());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut cur = Currency {
            code: code.get().trim().to_uppercase(),
            name: name.get().trim().to_owned(),
            unit: "h".into(),
            decimals: 2,
            credit: CreditPolicy::Static { limit: 0 },
            demurrage: None,
        };
        if cur.code != "HOUR" {
            cur.unit = cur.code.to_lowercase();
        }
        let Some(l) = cur.parse_amount(limit.get().trim()) else {
            return ui
                .error
                .set(Some("The limit is an amount, like 20 or 12.5.".into()));
        };
        cur.credit = CreditPolicy::Static { limit: l };
        if let Err(e) = cur.check() {
            return ui.error.set(Some(e.to_string()));
        }
        act(ui, id, "define the currency", move |node| async move {
            node.ledger_op(&id, LedgerOp::DefineCurrency(cur)).await
        });
    };
    view! {
        <form on:submit=submit aria-label="Define a currency">
            <label for="currency-code">"Code"</label>
            <input id="currency-code" prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
            <label for="currency-name">"Currency name"</label>
            <input id="currency-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <label for="currency-limit">"How far below zero members may go"</label>
            <input id="currency-limit" inputmode="decimal" prop:value=move || limit.get() on:input=move |ev| limit.set(event_target_value(&ev)) />
            <button type="submit">"Define the currency"</button>
        </form>
    }
}

#[component]
fn PayForm(ui: Ui, id: SpaceId) -> impl IntoView {
    let to = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let memo = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let scan: NodeRef<leptos::html::Input> = NodeRef::new();
    let scanned = move |_| {
        let Some(file) = scan.get().and_then(|i| i.files()).and_then(|f| f.get(0)) else {
            return;
        };
        spawn_local(async move {
            match decode_photo(&file).await {
                Ok(text) => match text.trim().parse::<Did>() {
                    Ok(d) => {
                        ui.error.set(None);
                        to.set(d.to_string());
                    }
                    Err(_) => ui
                        .error
                        .set(Some("That code is not a member's payment code.".into())),
                },
                Err(e) => ui.error.set(Some(e)),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(payee) = to.get().trim().parse::<Did>() else {
            return ui.error.set(Some("Pick whom to pay.".into()));
        };
        let view = crate::app::node().and_then(|n| n.space(&id));
        let currencies = view
            .map(|v| v.chapter().ledger.currencies.clone())
            .unwrap_or_default();
        let chosen = code.get();
        let Some(cur) = currencies
            .get(&chosen)
            .or_else(|| currencies.values().next())
            .cloned()
        else {
            return;
        };
        let Some(a) = cur.parse_amount(amount.get().trim()).filter(|a| *a > 0) else {
            return ui.error.set(Some(format!(
                "The amount is a number above zero with at most {} decimals.",
                cur.decimals
            )));
        };
        let p = Payment {
            to: Account::Member(payee),
            currency: cur.code.clone(),
            amount: a,
            memo: memo.get().trim().to_owned(),
            reference: None,
        };
        amount.set(String::new());
        memo.set(String::new());
        act(
            ui,
            id,
            "pay",
            move |node| async move { node.pay(&id, p).await },
        );
    };
    let payees = move || other_members(ui);
    view! {
        <form class="pay" on:submit=submit aria-labelledby="pay-title">
            <h4 id="pay-title">"Pay someone"</h4>
            <label for="pay-to">"Whom"</label>
            <select id="pay-to" on:change=move |ev| to.set(event_target_value(&ev)) prop:value=move || to.get()>
                <option value="">"Choose a member"</option>
                <For each=payees key=|m| m.did.clone() let:m>
                    <option value=m.did.clone()>{m.name.clone()}</option>
                </For>
            </select>
            <label for="pay-scan">"Or a photo of their payment code"</label>
            <input id="pay-scan" type="file" accept="image/*" capture="environment" node_ref=scan on:change=scanned />
            <label for="pay-currency">"Currency"</label>
            <select id="pay-currency" on:change=move |ev| code.set(event_target_value(&ev))>
                <For each=move || ui.detail.get().money.currencies key=|c| c.code.clone() let:c>
                    <option value=c.code.clone()>{c.name.clone()}</option>
                </For>
            </select>
            <label for="pay-amount">"Amount"</label>
            <input id="pay-amount" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev)) />
            <label for="pay-memo">"What for"</label>
            <input id="pay-memo" maxlength="1000" prop:value=move || memo.get() on:input=move |ev| memo.set(event_target_value(&ev)) />
            <button type="submit">"Pay"</button>
        </form>
    }
}

#[component]
fn History(ui: Ui, id: SpaceId) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let lines = move || {
        let s = search.get().to_lowercase();
        ui.detail
            .get()
            .money
            .history
            .into_iter()
            .filter(|l| s.is_empty() || l.memo.to_lowercase().contains(&s))
            .collect::<Vec<_>>()
    };
    let dispute = move |payment: OpId| {
        let why = reason.get().trim().to_owned();
        if why.is_empty() {
            return ui.error.set(Some("Say why you dispute it first.".into()));
        }
        act(ui, id, "file the dispute", move |node| async move {
            node.dispute(&id, &payment, &why, vec![]).await
        });
    };
    let settle = move |dispute: OpId, outcome: Outcome| {
        act(ui, id, "settle the dispute", move |node| async move {
            node.settle_dispute(&id, &dispute, outcome, "settled by the mediator")
                .await
        });
    };
    let take = move |dispute: OpId| {
        act(ui, id, "take the dispute", move |node| async move {
            node.ledger_op(&id, LedgerOp::Mediate { dispute }).await
        });
    };
    view! {
        <Show when=move || !ui.detail.get().money.history.is_empty() || !ui.detail.get().money.disputes.is_empty()>
            <section class="card" aria-labelledby="history-title">
                <h3 id="history-title">"Your payments"</h3>
                <label for="history-search">"Search"</label>
                <input id="history-search" type="search" on:input=move |ev| search.set(event_target_value(&ev)) />
                <label for="dispute-reason">"Reason, to dispute a payment"</label>
                <input id="dispute-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                <ol class="history">
                    <For each=lines key=|l| (l.op, l.note, l.disputable) let:l>
                        <li>
                            <strong>{l.amount.clone()}</strong> " " {l.other.clone()} " " <span class="memo">{l.memo.clone()}</span>
                            {(!l.note.is_empty()).then(|| view! { " " <span class="meta">{l.note}</span> })}
                            {l.disputable.then(|| {
                                let op = l.op;
                                view! { " " <button class="space-link" on:click=move |_| dispute(op)>"Dispute"</button> }
                            })}
                        </li>
                    </For>
                </ol>
                <Show when=move || !ui.detail.get().money.disputes.is_empty()>
                    <h4>"Disputes"</h4>
                </Show>
                <ul class="disputes">
                    <For each=move || ui.detail.get().money.disputes key=|d| (d.id, d.state.clone(), d.may_take, d.may_settle) let:d>
                        <li>
                            {d.what.clone()} " " <span class="meta">{d.state.clone()}</span>
                            {d.may_take.then(|| { let id = d.id; view! { <button on:click=move |_| take(id)>"Mediate"</button> } })}
                            {d.may_settle.then(|| { let id = d.id; view! {
                                <button on:click=move |_| settle(id, Outcome::Reversal)>"Reverse it"</button>
                                <button on:click=move |_| settle(id, Outcome::Upheld)>"Uphold it"</button>
                            } })}
                        </li>
                    </For>
                </ul>
            </section>
        </Show>
    }
}
