//! Payment requests (invoices) on the chapter page: asking a member to
//! pay, and paying or declining what others ask of you.

use hearth_core::ledger::{LedgerOp, RequestState};
use hearth_core::space::SpaceView;
use hearth_core::{Did, OpId, SpaceId};
use leptos::prelude::*;

use crate::app::Ui;
use crate::money::{act, other_members};

/// A request as the page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRow {
    pub id: OpId,
    pub text: String,
    pub state: &'static str,
    /// Asked of this member, and still open: they may pay or decline.
    pub mine_to_answer: bool,
}

/// The requests to and by `me`, newest first.
pub fn rows(view: &SpaceView, me: &Did) -> Vec<RequestRow> {
    let l = view.ledger(0);
    let name = |d: &Did| {
        view.profile(d)
            .map(|p| p.display_name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| d.fmt_short())
    };
    let mut out: Vec<(u64, RequestRow)> = l
        .book
        .requests()
        .filter(|(_, r)| r.by == *me || r.from == *me)
        .map(|(id, r)| {
            let amount = l
                .chapter
                .ledger
                .currencies
                .get(&r.currency)
                .map_or(r.amount.to_string(), |c| c.format(i128::from(r.amount)));
            let text = if r.from == *me {
                format!("{} asks you for {amount}: {}", name(&r.by), r.memo)
            } else {
                format!("You asked {} for {amount}: {}", name(&r.from), r.memo)
            };
            let state = match r.state {
                RequestState::Open => "open",
                RequestState::Paid(_) => "paid",
                RequestState::Declined => "declined",
            };
            let row = RequestRow {
                id: *id,
                text,
                state,
                mine_to_answer: r.from == *me && r.state == RequestState::Open,
            };
            (r.at, row)
        })
        .collect();
    out.sort_by_key(|(at, r)| std::cmp::Reverse((*at, r.id)));
    out.into_iter().map(|(_, r)| r).collect()
}

/// Asking someone to pay, and the requests to and by this member.
#[component]
pub fn Requests(ui: Ui, id: SpaceId) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let memo = RwSignal::new(String::new());
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(payer) = from.get().parse::<Did>() else {
            return ui.error.set(Some("Pick whom to ask.".into()));
        };
        let Some(view) = crate::app::node().and_then(|n| n.space(&id)) else {
            return;
        };
        let Some(cur) = view.chapter().ledger.currencies.values().next().cloned() else {
            return;
        };
        let Some(a) = cur.parse_amount(amount.get().trim()).filter(|a| *a > 0) else {
            return ui
                .error
                .set(Some("The amount is a number above zero.".into()));
        };
        let what = memo.get().trim().to_owned();
        amount.set(String::new());
        memo.set(String::new());
        act(ui, id, "send the request", move |node| async move {
            node.request(&id, payer, &cur.code, a, &what, None).await
        });
    };
    let pay = move |request: OpId| {
        act(ui, id, "pay the request", move |node| async move {
            node.pay_request(&id, &request).await
        });
    };
    let decline = move |request: OpId| {
        act(ui, id, "decline the request", move |node| async move {
            node.ledger_op(&id, LedgerOp::Decline { request }).await
        });
    };
    let others = move || other_members(ui);
    view! {
        <form class="ask" on:submit=ask aria-labelledby="ask-title">
            <h4 id="ask-title">"Ask for a payment"</h4>
            <label for="ask-from">"Whom to ask"</label>
            <select id="ask-from" on:change=move |ev| from.set(event_target_value(&ev))>
                <option value="">"Choose a member"</option>
                <For each=others key=|m| m.did.clone() let:m>
                    <option value=m.did.clone()>{m.name.clone()}</option>
                </For>
            </select>
            <label for="ask-amount">"Amount asked"</label>
            <input id="ask-amount" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev)) />
            <label for="ask-memo">"For what"</label>
            <input id="ask-memo" maxlength="1000" prop:value=move || memo.get() on:input=move |ev| memo.set(event_target_value(&ev)) />
            <button type="submit">"Send the request"</button>
        </form>
        <ul class="requests">
            <For each=move || ui.detail.get().money.requests key=|r| (r.id, r.state) let:r>
                <li>
                    {r.text.clone()} " " <span class="meta">{r.state}</span>
                    {r.mine_to_answer.then(|| { let id = r.id; view! {
                        " " <button on:click=move |_| pay(id)>"Pay it"</button>
                        " " <button on:click=move |_| decline(id)>"Decline"</button>
                    } })}
                </li>
            </For>
        </ul>
    }
}
