//! A proposal's page: what it does, its rules and windows, a live tally
//! chart, and the voting control its method needs (quadratic voting shows
//! the credit cost as the member chooses).

use hearth_core::chapter::charter::VoteMethod;
use hearth_core::gov::rules::{count, eligible};
use hearth_core::gov::{Choice, GovOp, Status};
use hearth_core::op::Body;
use hearth_core::{OpId, SpaceId};
use hearth_node::{Env, SystemEnv};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Screen, Ui, node, refresh_space, short, write};

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProposalDetail {
    pub title: String,
    pub text: String,
    pub author: String,
    pub phase: String,
    pub method: String,
    pub rules: String,
    pub actions: Vec<String>,
    pub ballots: Vec<(String, String, String)>,
    pub for_weight: f64,
    pub against_weight: f64,
    pub abstain_weight: f64,
    pub blocks: u32,
    pub voters: u32,
    pub eligible: u32,
    pub quorum_pct: u32,
    pub outcome: String,
    pub may_vote: bool,
    pub may_close: bool,
    pub consent: bool,
    pub credits: Option<u32>,
    pub my_vote: Option<String>,
}

fn choice_word(c: &Choice) -> String {
    match c {
        Choice::For => "for".into(),
        Choice::Against => "against".into(),
        Choice::Abstain => "abstains".into(),
        Choice::Block { reason } => format!("blocks: {reason}"),
    }
}

/// Reads the proposal from the node into the page.
pub fn refresh_proposal(ui: Ui, space: SpaceId, pid: OpId) {
    let Some(view) = node().and_then(|n| n.space(&space)) else {
        return;
    };
    let me = node().and_then(|n| n.identity().map(|k| k.did()));
    let c = view.chapter();
    let Some(p) = c.gov.proposals.get(&pid) else {
        return ui.error.set(Some("That proposal is not here yet.".into()));
    };
    let now = SystemEnv.now_ms();
    let t = count(c, p, now);
    let weight = |d| {
        t.weights
            .iter()
            .find(|(v, _)| v == d)
            .map_or(1.0, |(_, w)| *w as f64 / 1e6)
    };
    let name = |d: &hearth_core::Did| {
        view.profile(d)
            .map(|p| p.display_name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| d.fmt_short())
    };
    let phase = p.phase(now);
    let open = phase == "open";
    let is_eligible = me.is_some_and(|d| eligible(c, p, now).contains(&d));
    let all_voted = eligible(c, p, now)
        .iter()
        .all(|m| p.ballots.contains_key(m));
    let may_close = me.is_some_and(|d| {
        c.allows(&d, now, hearth_core::chapter::Permission::Vote)
            .is_ok()
    }) && matches!(p.status, Status::Submitted | Status::Ratifying { .. })
        && (phase == "awaiting close" || (open && all_voted));
    let outcome = match &p.status {
        Status::Accepted(x) | Status::Rejected(x) | Status::NoQuorum(x) => format!(
            "{} by {} ({})",
            p.status.name(),
            short(&x.by.to_string()),
            if x.failed.is_empty() {
                "everything it decided was carried out".to_string()
            } else {
                format!("not carried out: {}", x.failed.join("; "))
            }
        ),
        Status::Vetoed { by, reason } => format!("vetoed by {}: {reason}", by.fmt_short()),
        other => other.name().to_string(),
    };
    let windows = match (p.opens_at, p.ends_at) {
        (Some(o), Some(e)) => format!(
            "voting from {} to {}",
            hearth_core::gov::receipt::iso8601(o),
            hearth_core::gov::receipt::iso8601(e)
        ),
        _ => "a draft".into(),
    };
    ui.proposal.set(ProposalDetail {
        title: p.title.clone(),
        text: p.text.clone(),
        author: name(&p.author),
        phase: phase.to_string(),
        method: p.rules.tally.method.describe(),
        rules: format!(
            "quorum {}%{}{} · {windows}",
            p.rules.tally.quorum_pct,
            if p.rules.tally.threshold_pct > 0 {
                format!(", {}% in favour", p.rules.tally.threshold_pct)
            } else {
                String::new()
            },
            if p.rules.ratification {
                ", then ratified"
            } else {
                ""
            }
        ),
        actions: p.actions.iter().map(describe_action).collect(),
        ballots: p
            .ballots
            .iter()
            .map(|(d, b)| (name(d), choice_word(&b.choice), format!("{:.2}", weight(d))))
            .collect(),
        for_weight: t.for_weight as f64 / 1e6,
        against_weight: t.against_weight as f64 / 1e6,
        abstain_weight: t.abstain_weight as f64 / 1e6,
        blocks: t.blocks,
        voters: t.voters,
        eligible: t.eligible,
        quorum_pct: p.rules.tally.quorum_pct,
        outcome,
        may_vote: open && is_eligible,
        may_close,
        consent: matches!(
            p.rules.tally.method,
            VoteMethod::Consent { .. } | VoteMethod::ConsensusWithFallback { .. }
        ),
        credits: match p.rules.tally.method {
            VoteMethod::Quadratic { credits } => Some(credits),
            _ => None,
        },
        my_vote: me
            .and_then(|d| p.ballots.get(&d))
            .map(|b| choice_word(&b.choice)),
    });
}

fn describe_action(a: &hearth_core::gov::Action) -> String {
    use hearth_core::gov::Action;
    match a {
        Action::AddMember { member, tier, .. } => {
            format!("admit {} as a {} member", member.fmt_short(), tier.name())
        }
        Action::RemoveMember { member, .. } => format!("remove {}", member.fmt_short()),
        Action::Amend(change) => format!("amend the charter: {}", change.summary()),
        other => format!("{other:?}"),
    }
}

/// A bar chart of the tally so far, with the quorum.
fn chart(d: ProposalDetail) -> impl IntoView {
    let max = d
        .for_weight
        .max(d.against_weight)
        .max(d.abstain_weight)
        .max(1.0);
    let bar = |y: u32, label: &str, value: f64, class: &'static str| {
        let w = 200.0 * value / max;
        view! {
            <text x="0" y=y + 14 class="chart-label">{label.to_string()}</text>
            <rect x="80" y=y width=format!("{w:.1}") height="18" class=class></rect>
            <text x=format!("{:.1}", 86.0 + w) y=y + 14 class="chart-value">{format!("{value:.2}")}</text>
        }
    };
    let turnout = if d.eligible == 0 {
        0.0
    } else {
        f64::from(d.voters) / f64::from(d.eligible)
    };
    view! {
        <svg class="tally" viewBox="0 0 320 110" role="img"
            aria-label=format!("For {:.2}, against {:.2}, abstaining {:.2}, {} blocks; {} of {} took part", d.for_weight, d.against_weight, d.abstain_weight, d.blocks, d.voters, d.eligible)>
            {bar(0, "For", d.for_weight, "bar-for")}
            {bar(24, "Against", d.against_weight, "bar-against")}
            {bar(48, "Abstain", d.abstain_weight, "bar-abstain")}
            <text x="0" y="86" class="chart-label">"Turnout"</text>
            <rect x="80" y="74" width="200" height="14" class="bar-track"></rect>
            <rect x="80" y="74" width=format!("{:.1}", 200.0 * turnout) height="14" class="bar-turnout"></rect>
            <line x1=format!("{:.1}", 80.0 + 2.0 * f64::from(d.quorum_pct)) x2=format!("{:.1}", 80.0 + 2.0 * f64::from(d.quorum_pct)) y1="70" y2="92" class="quorum-line"></line>
            <text x="0" y="106" class="chart-label">{format!("Quorum {}% · {} blocks", d.quorum_pct, d.blocks)}</text>
        </svg>
    }
}

/// The proposal page.
#[component]
pub fn ProposalPage(ui: Ui, space: SpaceId, pid: OpId) -> impl IntoView {
    let votes = RwSignal::new("1".to_string());
    let reason = RwSignal::new(String::new());
    let cast = move |choice: Choice| {
        let n: u32 = votes.get_untracked().trim().parse().unwrap_or(1);
        let n = if ui.proposal.get_untracked().credits.is_some() {
            n.max(1)
        } else {
            1
        };
        let op = GovOp::Vote {
            proposal: pid,
            choice,
            votes: n,
        };
        submit(ui, space, pid, op);
    };
    let close = move |_| {
        let Some(view) = node().and_then(|n| n.space(&space)) else {
            return;
        };
        let Some(p) = view.chapter().gov.proposals.get(&pid) else {
            return;
        };
        let mut ballots: Vec<OpId> = p.ballots.values().map(|b| b.op).collect();
        ballots.sort();
        submit(
            ui,
            space,
            pid,
            GovOp::Close {
                proposal: pid,
                votes: ballots,
            },
        );
    };
    let back = move |_| {
        spawn_local(async move {
            refresh_space(ui, space).await;
            ui.screen.set(Screen::Space(space));
        });
    };
    let cost = move || {
        let n: u64 = votes.get().trim().parse().unwrap_or(0);
        ui.proposal
            .get()
            .credits
            .map(|c| format!("{n} votes cost {} of your {c} voice credits.", n * n))
    };
    view! {
        <nav><button class="back" on:click=back>"← The chapter"</button></nav>
        <section class="card" aria-labelledby="proposal-title">
            <h2 id="proposal-title">{move || ui.proposal.get().title}</h2>
            <p class="meta">{move || {
                let d = ui.proposal.get();
                format!("By {} · {} · decided by {} · {}", d.author, d.phase, d.method, d.rules)
            }}</p>
            <p>{move || ui.proposal.get().text}</p>
            <ul class="actions">
                <For each=move || ui.proposal.get().actions key=|a| a.clone() let:a>
                    <li>{a}</li>
                </For>
            </ul>
            <h3>"Tally so far"</h3>
            {move || chart(ui.proposal.get())}
            <p class="outcome" role="status">{move || ui.proposal.get().outcome}</p>
            <ul class="ballots">
                <For each=move || ui.proposal.get().ballots key=|b| b.clone() let:b>
                    <li>{format!("{} {} (weight {})", b.0, b.1, b.2)}</li>
                </For>
            </ul>
        </section>
        <Show when=move || ui.proposal.get().may_vote>
            <section class="card" aria-labelledby="vote-title">
                <h3 id="vote-title">"Your vote"</h3>
                <p>{move || ui.proposal.get().my_vote.map_or("You have not voted.".to_string(), |v| format!("You voted {v}; voting again replaces it."))}</p>
                <Show when=move || ui.proposal.get().credits.is_some()>
                    <label for="vote-count">"How many votes"</label>
                    <input id="vote-count" type="number" min="1" prop:value=move || votes.get()
                        on:input=move |ev| votes.set(event_target_value(&ev)) />
                    <p class="cost" role="status">{cost}</p>
                </Show>
                <Show when=move || ui.proposal.get().consent>
                    <label for="block-reason">"Reason, if you block"</label>
                    <textarea id="block-reason" rows="2" maxlength="8192" prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                </Show>
                <div class="vote-buttons">
                    <button on:click=move |_| cast(Choice::For)>{move || if ui.proposal.get().consent { "Consent" } else { "Vote for" }}</button>
                    " "
                    <button on:click=move |_| cast(Choice::Against)>"Vote against"</button>
                    " "
                    <button on:click=move |_| cast(Choice::Abstain)>"Abstain"</button>
                    <Show when=move || ui.proposal.get().consent>
                        " "
                        <button on:click=move |_| {
                            let r = reason.get_untracked().trim().to_owned();
                            if r.is_empty() {
                                return ui.error.set(Some("A block needs a reason.".into()));
                            }
                            cast(Choice::Block { reason: r });
                        }>"Block"</button>
                    </Show>
                </div>
            </section>
        </Show>
        <Show when=move || ui.proposal.get().may_close>
            <section class="card">
                <p>"Voting is over (or everyone has voted): close it to count the votes and carry out the result."</p>
                <button id="close-proposal" on:click=close>"Close and count"</button>
            </section>
        </Show>
    }
}

fn submit(ui: Ui, space: SpaceId, pid: OpId, op: GovOp) {
    spawn_local(async move {
        let done = write(ui, move |node| async move {
            node.create_op(&space, Body::Gov(op)).await
        })
        .await;
        match done {
            Some(Ok(_)) => {
                ui.error.set(None);
                refresh_proposal(ui, space, pid);
            }
            Some(Err(e)) => ui.error.set(Some(format!("Not recorded: {e}"))),
            None => {}
        }
    });
}
