//! Guardians and social recovery in Settings: naming guardians (members of
//! the chapters here) with a threshold and a waiting period; approving, as
//! a guardian, a request that someone be recovered, after seeing what it
//! asks; asking to be recovered from a new browser and submitting the
//! approvals; and cancelling a recovery with the main key.

use std::collections::BTreeMap;

use hearth_core::Did;
use hearth_core::gov::receipt::iso8601;
use hearth_core::keys::{KeyChange, KeyRole, KeyState, SignedEvent};
use hearth_node::Node;
use hearth_store::IdbStore;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Ui, node, write};
use crate::chapter::qr_svg;

const HOUR_MS: u64 = 60 * 60 * 1000;

/// Members of the chapters here, by DID, with a name to show.
fn people(node: &Node<IdbStore>) -> BTreeMap<Did, String> {
    let mut out = BTreeMap::new();
    for v in node.spaces() {
        for m in v.members() {
            let name = v
                .profile(&m.did)
                .map(|p| p.display_name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| m.did.fmt_short());
            out.insert(m.did, name);
        }
    }
    out
}

fn name(node: &Node<IdbStore>, did: &Did) -> String {
    people(node).remove(did).unwrap_or_else(|| did.fmt_short())
}

/// What a guardian is shown before approving.
fn summary(node: &Node<IdbStore>, req: &SignedEvent) -> Result<String, String> {
    let KeyChange::Recover { key } = &req.event.change else {
        return Err("This is not a recovery request.".into());
    };
    let member = req.event.member;
    let log = node.member_log(&member);
    let wait = log.guardians.as_ref().map_or(0, |g| g.wait_ms);
    Ok(format!(
        "{} ({}) asks to be recovered: the key {} becomes their main key {} h after their chapter has seen the request (asked at {}), unless their current key cancels it before then.",
        name(node, &member),
        member,
        key.fmt_short(),
        wait / HOUR_MS,
        iso8601(req.event.ts),
    ))
}

/// When a waiting recovery takes effect, in words.
fn until(p: &hearth_core::keys::Pending) -> String {
    format!("it takes effect {}", when(p))
}

fn when(p: &hearth_core::keys::Pending) -> String {
    match p.effective_at() {
        Some(t) => format!("from {}", iso8601(t)),
        None => format!(
            "{} h after the chapter's members have seen it",
            p.wait_ms / HOUR_MS
        ),
    }
}

/// How the member's guardians stand, in words.
fn standing(node: &Node<IdbStore>, log: &KeyState) -> Vec<String> {
    let mut out = Vec::new();
    match &log.guardians {
        None => out.push("No guardians yet.".to_string()),
        Some(g) => {
            let names: Vec<String> = g.guardians.iter().map(|d| name(node, d)).collect();
            out.push(format!(
                "{} of {} needed ({}); a recovery waits {} h.",
                g.threshold,
                g.guardians.len(),
                names.join(", "),
                g.wait_ms / HOUR_MS
            ));
        }
    }
    if let Some(p) = &log.pending {
        out.push(format!("A recovery is waiting: {}.", until(p)));
    }
    out
}

/// Settings: the guardians card.
#[component]
pub fn GuardiansCard(ui: Ui) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let me = move || {
        version.track();
        ui.spaces.track();
        node().and_then(|n| n.whoami().ok())
    };
    let role = move || me().map(|(_, r, _)| r);
    let lines = move || {
        me().zip(node())
            .map(|((_, _, log), n)| standing(&n, &log))
            .unwrap_or_default()
    };
    let pending = move || me().is_some_and(|(_, _, log)| log.pending.is_some());
    let choices = move || {
        let Some(n) = node() else { return vec![] };
        let mine = me().map(|(m, _, _)| m);
        people(&n)
            .into_iter()
            .filter(|(d, _)| Some(*d) != mine)
            .collect::<Vec<_>>()
    };
    // Starts from the guardians named now, so saving again keeps them.
    let named: Vec<Did> = me()
        .and_then(|(_, _, log)| log.guardians)
        .map(|g| g.guardians.into_iter().collect())
        .unwrap_or_default();
    let chosen = RwSignal::new(named);
    let current = me().and_then(|(_, _, log)| log.guardians);
    let threshold = RwSignal::new(current.as_ref().map_or(2, |g| g.threshold).to_string());
    let hours = RwSignal::new(current.map_or(72, |g| g.wait_ms / HOUR_MS).to_string());
    let note = RwSignal::new(None::<String>);
    let publish = move |change: KeyChange, done: &'static str| {
        spawn_local(async move {
            match write(ui, move |node| async move { node.key_change(change).await }).await {
                Some(Ok(_)) => {
                    ui.error.set(None);
                    note.set(Some(done.into()));
                    version.update(|v| *v += 1);
                }
                Some(Err(e)) => ui.error.set(Some(format!("Nothing was changed: {e}"))),
                None => {}
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Ok(t), Ok(h)) = (
            threshold.get().trim().parse(),
            hours.get().trim().parse::<u64>(),
        ) else {
            return ui
                .error
                .set(Some("The threshold and the wait are whole numbers.".into()));
        };
        let change = KeyChange::SetGuardians {
            guardians: chosen.get(),
            threshold: t,
            wait_ms: h.saturating_mul(HOUR_MS),
        };
        publish(change, "Your guardians are set.");
    };
    view! {
        <section class="card" aria-labelledby="guardians-title">
            <h2 id="guardians-title">"Guardians"</h2>
            <p>"If you lose every device, enough of your guardians together can give your identity a new key. It takes effect only after a waiting period, during which your current key can stop it."</p>
            <ul class="guardian-standing">
                <For each=lines key=|l| l.clone() let:l><li>{l}</li></For>
            </ul>
            <p role="status">{move || note.get()}</p>
            <Show when=move || pending() && role() == Some(KeyRole::Main)>
                <button type="button" on:click=move |_| publish(KeyChange::CancelRecovery, "The recovery is cancelled.")>"Cancel the recovery"</button>
            </Show>
            <Show when=move || role() == Some(KeyRole::Main)>
                <form on:submit=save aria-label="Name your guardians">
                    <fieldset>
                        <legend>"Your guardians"</legend>
                        <For each=choices key=|c| c.0 let:c>
                            <label class="check">
                                <input type="checkbox" prop:checked=move || chosen.get().contains(&c.0) on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|v| {
                                        v.retain(|d| *d != c.0);
                                        if on {
                                            v.push(c.0);
                                        }
                                    });
                                } />
                                {c.1.clone()}
                            </label>
                        </For>
                    </fieldset>
                    <label for="guardian-threshold">"How many must approve"</label>
                    <input id="guardian-threshold" type="number" min="1" prop:value=move || threshold.get()
                        on:input=move |ev| threshold.set(event_target_value(&ev)) />
                    <label for="guardian-wait">"Waiting period (hours)"</label>
                    <input id="guardian-wait" type="number" min="1" prop:value=move || hours.get()
                        on:input=move |ev| hours.set(event_target_value(&ev)) />
                    <button type="submit">"Save guardians"</button>
                </form>
            </Show>
        </section>
        <ApproveCard ui=ui />
        <RecoverCard ui=ui />
    }
}

/// Settings: approving someone's recovery, as their guardian.
#[component]
fn ApproveCard(ui: Ui) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let approval = RwSignal::new(None::<String>);
    let parsed = move || {
        let t = text.get();
        if t.trim().is_empty() {
            return None;
        }
        let n = node()?;
        Some(
            SignedEvent::from_text(&t)
                .map_err(|e| format!("{e}."))
                .and_then(|req| summary(&n, &req)),
        )
    };
    let approve = move |_| {
        let Some(n) = node() else { return };
        let result = SignedEvent::from_text(&text.get())
            .map_err(|e| e.to_string())
            .and_then(|req| n.approve_recovery(&req).map_err(|e| e.to_string()));
        match result {
            Ok(a) => {
                ui.error.set(None);
                approval.set(Some(a.to_text()));
            }
            Err(e) => ui.error.set(Some(format!("Not approved: {e}"))),
        }
    };
    view! {
        <section class="card" aria-labelledby="approve-title">
            <h2 id="approve-title">"Approve a recovery"</h2>
            <p>"A member who named you as a guardian may send you a request. Check with them, in person or by phone, that it is really theirs."</p>
            <label for="recovery-request">"The request"</label>
            <textarea id="recovery-request" rows="3" spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| { approval.set(None); text.set(event_target_value(&ev)) }></textarea>
            {move || parsed().map(|r| match r {
                Ok(s) => view! { <p class="recovery-summary">{s}</p> }.into_any(),
                Err(e) => view! { <p class="recovery-summary error">{e}</p> }.into_any(),
            })}
            <Show when=move || matches!(parsed(), Some(Ok(_)))>
                <button type="button" on:click=approve>"Approve"</button>
            </Show>
            <Show when=move || approval.get().is_some()>
                <label for="recovery-approval">"Your approval: send it back to them"</label>
                <textarea id="recovery-approval" readonly rows="3" prop:value=move || approval.get().unwrap_or_default()></textarea>
                <div class="qr" inner_html=move || approval.get().map(|a| qr_svg(&a, "QR code of your approval")).unwrap_or_default()></div>
            </Show>
        </section>
    }
}

/// Settings: asking to be recovered, from a browser with a new key.
#[component]
fn RecoverCard(ui: Ui) -> impl IntoView {
    let member = RwSignal::new(String::new());
    let request = RwSignal::new(None::<String>);
    let approvals = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(n) = node() else { return };
        let Ok(who) = member.get().trim().parse::<Did>() else {
            return ui
                .error
                .set(Some("That is not an identity (did:key:…).".into()));
        };
        match n.recovery_request(&who) {
            Ok(r) => {
                ui.error.set(None);
                request.set(Some(r.to_text()));
            }
            Err(e) => ui.error.set(Some(format!("No request was made: {e}"))),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed: Result<Vec<SignedEvent>, _> = approvals
            .get()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(SignedEvent::from_text)
            .collect();
        let events = match parsed {
            Ok(e) if !e.is_empty() => e,
            Ok(_) => {
                return ui
                    .error
                    .set(Some("Paste the approvals, one per line.".into()));
            }
            Err(e) => return ui.error.set(Some(format!("Not submitted: {e}."))),
        };
        spawn_local(async move {
            let done = write(ui, move |node| async move {
                node.submit_recovery(&events).await
            })
            .await;
            match done {
                Some(Ok(_)) => {
                    ui.error.set(None);
                    let n = node();
                    let who = member.get_untracked().trim().parse::<Did>().ok();
                    let until = n.zip(who).and_then(|(n, w)| n.member_log(&w).pending);
                    status.set(Some(match until {
                        Some(p) => {
                            format!("Recovery submitted: this browser acts as you {}.", when(&p))
                        }
                        None => "Recovery submitted.".into(),
                    }));
                }
                Some(Err(e)) => ui.error.set(Some(format!("Not submitted: {e}"))),
                None => {}
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="recover-title">
            <h2 id="recover-title">"Recover an identity"</h2>
            <p>"Lost every device? In a new browser, fetch one of your spaces by its id, then ask your guardians here."</p>
            <form on:submit=ask aria-label="Ask to be recovered">
                <label for="recover-member">"The identity to recover"</label>
                <input id="recover-member" type="text" autocomplete="off" spellcheck="false"
                    prop:value=move || member.get()
                    on:input=move |ev| member.set(event_target_value(&ev)) />
                <button type="submit">"Ask my guardians"</button>
            </form>
            <Show when=move || request.get().is_some()>
                <label for="recover-request-text">"Send this request to your guardians"</label>
                <textarea id="recover-request-text" readonly rows="3" prop:value=move || request.get().unwrap_or_default()></textarea>
                <form on:submit=submit aria-label="Submit the approvals">
                    <label for="recover-approvals">"Their approvals, one per line"</label>
                    <textarea id="recover-approvals" rows="4" spellcheck="false"
                        prop:value=move || approvals.get()
                        on:input=move |ev| approvals.set(event_target_value(&ev))></textarea>
                    <button type="submit">"Submit recovery"</button>
                </form>
                <p role="status" class="recover-status">{move || status.get()}</p>
            </Show>
        </section>
    }
}
