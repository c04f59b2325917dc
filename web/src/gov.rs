//! Governance on the chapter page: proposals (with filters and a notice
//! when a vote is needed), a form for a new one, and delegation settings.

use hearth_core::chapter::charter::{GovernanceModel, Tier};
use hearth_core::gov::{Action, GovOp};
use hearth_core::op::Body;
use hearth_core::space::SpaceView;
use hearth_core::{Did, OpId, SpaceId};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Screen, Ui, refresh_space, write};
use crate::proposal::refresh_proposal;

/// A proposal as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRow {
    pub id: OpId,
    pub title: String,
    pub phase: &'static str,
    pub ballots: usize,
    pub needs_my_vote: bool,
}

/// What the chapter page shows of its governance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GovSummary {
    pub proposals: Vec<ProposalRow>,
    pub liquid: bool,
    pub delegate: Option<String>,
    pub may_propose: bool,
}

/// The page's view of a chapter's governance, for member `me` at `now`.
pub fn summary(view: &SpaceView, me: Option<Did>, now: u64) -> GovSummary {
    let c = view.chapter();
    let mut proposals: Vec<ProposalRow> = c
        .gov
        .proposals
        .values()
        .map(|p| {
            let phase = p.phase(now);
            let eligible =
                me.is_some_and(|d| hearth_core::gov::rules::eligible(c, p, now).contains(&d));
            ProposalRow {
                id: p.id,
                title: p.title.clone(),
                phase,
                ballots: p.ballots.len(),
                needs_my_vote: phase == "open"
                    && eligible
                    && me.is_some_and(|d| !p.ballots.contains_key(&d)),
            }
        })
        .collect();
    proposals.sort_by_key(|p| std::cmp::Reverse(c.gov.proposals[&p.id].created_at));
    GovSummary {
        proposals,
        liquid: c.charter().model == GovernanceModel::Liquid,
        delegate: me
            .and_then(|d| c.gov.delegate_of(&d, &None))
            .map(|d| d.to_string()),
        may_propose: me.is_some_and(|d| {
            c.allows(&d, now, hearth_core::chapter::Permission::CreateProposal)
                .is_ok()
        }),
    }
}

fn open_proposal(ui: Ui, space: SpaceId, id: OpId) {
    spawn_local(async move {
        refresh_proposal(ui, space, id);
        ui.screen.set(Screen::Proposal(space, id));
    });
}

/// The chapter's proposals, newest first, with a filter.
#[component]
pub fn Proposals(ui: Ui, id: SpaceId) -> impl IntoView {
    let filter = RwSignal::new("all".to_string());
    let rows = move || {
        let f = filter.get();
        ui.detail
            .get()
            .gov
            .proposals
            .into_iter()
            .filter(|p| match f.as_str() {
                "open" => matches!(p.phase, "open" | "deliberation" | "awaiting close"),
                "closed" => !matches!(
                    p.phase,
                    "open" | "deliberation" | "awaiting close" | "draft"
                ),
                _ => true,
            })
            .collect::<Vec<_>>()
    };
    let waiting = move || {
        ui.detail
            .get()
            .gov
            .proposals
            .iter()
            .filter(|p| p.needs_my_vote)
            .count()
    };
    view! {
        <section class="card" aria-labelledby="proposals-title">
            <h3 id="proposals-title">"Proposals"</h3>
            <Show when=move || { waiting() > 0 }>
                <p class="notice" role="status">{move || match waiting() {
                    1 => "1 proposal needs your vote.".to_string(),
                    n => format!("{n} proposals need your vote."),
                }}</p>
            </Show>
            <label for="proposal-filter">"Show"</label>
            <select id="proposal-filter" on:change=move |ev| filter.set(event_target_value(&ev))>
                <option value="all">"All proposals"</option>
                <option value="open">"Open"</option>
                <option value="closed">"Decided"</option>
            </select>
            <ul class="proposals">
                <For each=rows key=|p| (p.id, p.phase, p.ballots, p.needs_my_vote) let:p>
                    <li>
                        <button class="space-link proposal-link" on:click=move |_| open_proposal(ui, id, p.id)>{p.title.clone()}</button>
                        <span class="meta">
                            {format!("{} · {} ballots", p.phase, p.ballots)}
                            {p.needs_my_vote.then_some(" · needs your vote")}
                        </span>
                    </li>
                </For>
            </ul>
        </section>
        <Show when=move || ui.detail.get().gov.may_propose>
            <NewProposal ui=ui id=id />
        </Show>
        <Show when=move || ui.detail.get().gov.liquid>
            <Delegation ui=ui id=id />
        </Show>
    }
}

/// A new proposal: a title, a text, and what it does.
#[component]
fn NewProposal(ui: Ui, id: SpaceId) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let kind = RwSignal::new("none".to_string());
    let target = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = title.get().trim().to_owned();
        if t.is_empty() {
            return ui.error.set(Some("Give the proposal a title.".into()));
        }
        let actions = match kind.get().as_str() {
            "none" => vec![],
            k => {
                let Ok(member) = target.get().trim().parse::<Did>() else {
                    return ui.error.set(Some("That is not a member's did:key.".into()));
                };
                if k == "admit" {
                    vec![Action::AddMember {
                        member,
                        tier: Tier::Full,
                        roles: vec![],
                    }]
                } else {
                    vec![Action::RemoveMember {
                        member,
                        reason: format!("by proposal: {t}"),
                    }]
                }
            }
        };
        let op = GovOp::Propose {
            title: t,
            text: text.get().trim().to_owned(),
            domain: None,
            actions,
            draft: false,
        };
        spawn_local(async move {
            let made = write(ui, move |node| async move {
                node.create_op(&id, Body::Gov(op)).await
            })
            .await;
            match made {
                Some(Ok(pid)) => {
                    ui.error.set(None);
                    title.set(String::new());
                    text.set(String::new());
                    target.set(String::new());
                    refresh_space(ui, id).await;
                    open_proposal(ui, id, pid);
                }
                Some(Err(e)) => ui.error.set(Some(format!("Could not propose: {e}"))),
                None => {}
            }
        });
    };
    view! {
        <form class="card" on:submit=submit aria-labelledby="new-proposal-title">
            <h3 id="new-proposal-title">"New proposal"</h3>
            <label for="proposal-title">"Title"</label>
            <input id="proposal-title" type="text" maxlength="200" autocomplete="off"
                prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
            <label for="proposal-text">"What and why"</label>
            <textarea id="proposal-text" rows="3" maxlength="8192"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <label for="proposal-action">"If it passes"</label>
            <select id="proposal-action" on:change=move |ev| kind.set(event_target_value(&ev))>
                <option value="none">"Nothing happens automatically"</option>
                <option value="admit">"Admit someone"</option>
                <option value="remove">"Remove a member"</option>
            </select>
            <Show when=move || kind.get() != "none">
                <label for="proposal-member">"Their did:key"</label>
                <input id="proposal-member" type="text" autocomplete="off" spellcheck="false"
                    prop:value=move || target.get() on:input=move |ev| target.set(event_target_value(&ev)) />
            </Show>
            <button type="submit">"Propose"</button>
        </form>
    }
}

/// Liquid democracy: whom this member delegates to.
#[component]
fn Delegation(ui: Ui, id: SpaceId) -> impl IntoView {
    let choice = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let op = match choice.get().parse::<Did>() {
            Ok(to) => GovOp::Delegate { to, domain: None },
            Err(_) => GovOp::Undelegate { domain: None },
        };
        spawn_local(async move {
            let done = write(ui, move |node| async move {
                node.create_op(&id, Body::Gov(op)).await
            })
            .await;
            match done {
                Some(Ok(_)) => {
                    ui.error.set(None);
                    refresh_space(ui, id).await;
                }
                Some(Err(e)) => ui
                    .error
                    .set(Some(format!("Could not change the delegation: {e}"))),
                None => {}
            }
        });
    };
    view! {
        <form class="card" on:submit=save aria-labelledby="delegation-title">
            <h3 id="delegation-title">"Delegation"</h3>
            <p>{move || match ui.detail.get().gov.delegate {
                Some(d) => format!("You delegate your vote to {}. A vote of your own overrides it.", crate::app::short(&d)),
                None => "You vote for yourself.".to_string(),
            }}</p>
            <label for="delegate-to">"Delegate to"</label>
            <select id="delegate-to" on:change=move |ev| choice.set(event_target_value(&ev))>
                <option value="">"Nobody (vote myself)"</option>
                <For each=move || ui.detail.get().chapter.members key=|m| m.did.clone() let:m>
                    <option value=m.did.clone()>{m.name.clone()}</option>
                </For>
            </select>
            <button type="submit">"Save"</button>
        </form>
    }
}
