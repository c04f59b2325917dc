//! The charter in the web app: a page with every layer and the history of
//! versions (with what each changed), and the editor a founder fills in
//! from a template.

use hearth_core::SpaceId;
use hearth_core::chapter::charter::{Admission, Article, Charter, VoteMethod};
use hearth_core::chapter::{Founding, Template, diff::diff};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Screen, Ui, node, refresh_home, refresh_space, write};

/// One version as the history lists it.
#[derive(Debug, Clone, PartialEq)]
struct VersionRow {
    version: String,
    hash: String,
    summary: String,
    changes: Vec<String>,
}

fn layer(title: &'static str, items: Vec<(String, String, String)>) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <h3>{title}</h3>
            <dl class="charter-items">
                {items.into_iter().map(|(id, name, text)| view! {
                    <dt><code>{id}</code> " " {name}</dt>
                    <dd>{text}</dd>
                }).collect_view()}
            </dl>
        }
    })
}

/// The charter in force and its history.
#[component]
pub fn CharterPage(ui: Ui, id: SpaceId) -> impl IntoView {
    let Some(view) = node().and_then(|n| n.space(&id)) else {
        return view! { <p>"This chapter is not on this device."</p> }.into_any();
    };
    let c = view.chapter().clone();
    let charter: Charter = c.charter().clone();
    let mut rows: Vec<VersionRow> = Vec::new();
    for (i, v) in c.versions.iter().enumerate() {
        let changes = match i.checked_sub(1) {
            Some(prev) => diff(&c.versions[prev].charter, &v.charter)
                .iter()
                .map(ToString::to_string)
                .collect(),
            None => Vec::new(),
        };
        rows.push(VersionRow {
            version: v.version.to_string(),
            hash: hex_prefix(&v.hash),
            summary: v.summary.clone(),
            changes,
        });
    }
    rows.reverse();
    let back = move |_| {
        spawn_local(async move {
            refresh_space(ui, id).await;
            ui.screen.set(Screen::Space(id));
        });
    };
    let items = |list: Vec<(String, String, String)>| list;
    view! {
        <nav><button class="back" on:click=back>"← The chapter"</button></nav>
        <section class="card" aria-labelledby="charter-title">
            <h2 id="charter-title">{format!("Charter of {}", c.name)}</h2>
            <p class="meta">{format!("Version {} · {}", c.version(), hex_prefix(&c.versions.last().map(|v| v.hash).unwrap_or_default()))}</p>
            <p class="purpose">{charter.purpose.clone()}</p>
            <p class="meta">{format!("Governance: {} · decisions by {}, quorum {}% · admission: {}",
                charter.model.describe(), charter.voting.method.describe(), charter.voting.quorum_pct, charter.admission.kind.describe())}</p>
            {layer("Axioms (never change)", items(charter.axioms.iter().map(|a| (a.id.clone(), a.title.clone(), a.text.clone())).collect()))}
            {layer("Articles", items(charter.articles.iter().map(|a| (a.id.clone(), a.title.clone(),
                format!("{} (to amend: {})", a.text, hearth_core::chapter::requirement(&a.amendment)))).collect()))}
            {layer("Statutes", items(charter.statutes.iter().map(|s| (s.id.clone(), s.title.clone(), s.text.clone())).collect()))}
            {layer("Executive orders", items(charter.orders.iter().map(|o| (o.id.clone(), o.title.clone(), format!("under {}", o.article))).collect()))}
            {layer("Roles", items(charter.roles.iter().map(|r| (r.name.clone(), String::new(),
                r.permissions.iter().map(|p| p.name()).collect::<Vec<_>>().join(", "))).collect()))}
        </section>
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <ol class="versions" reversed>
                {rows.into_iter().map(|r| view! {
                    <li>
                        <strong>{format!("v{}", r.version)}</strong> " " {r.summary.clone()}
                        <span class="meta">{r.hash.clone()}</span>
                        <ul class="changes">
                            {r.changes.into_iter().map(|line| view! { <li><code>{line}</code></li> }).collect_view()}
                        </ul>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
    .into_any()
}

const DAY_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;

fn indices(n: usize) -> Vec<usize> {
    (0..n).collect()
}

fn hex_prefix(hash: &[u8; 32]) -> String {
    hash[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Founds a chapter: a template, then the founder's edits.
#[component]
pub fn NewChapter(ui: Ui) -> impl IntoView {
    let template = RwSignal::new(Template::SmallCooperative);
    let name = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let admission = RwSignal::new("invite".to_string());
    let method = RwSignal::new("template".to_string());
    let quorum = RwSignal::new(String::new());
    let discussion = RwSignal::new(String::new());
    let voting = RwSignal::new(String::new());
    let days = |ms: u64| format!("{}", ms as f64 / DAY_MS);
    let fill = move |t: Template| {
        let v = t.charter("").voting;
        quorum.set(v.quorum_pct.to_string());
        discussion.set(days(v.deliberation_ms));
        voting.set(days(v.voting_ms));
    };
    let articles: RwSignal<Vec<Article>> =
        RwSignal::new(Template::SmallCooperative.charter("").articles);
    let pick = move |slug: String| {
        if let Some(t) = Template::from_slug(&slug) {
            template.set(t);
            articles.set(t.charter("").articles);
            fill(t);
        }
    };
    fill(Template::SmallCooperative);
    let found = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let title = name.get().trim().to_owned();
        if title.is_empty() {
            return ui.error.set(Some("Give the chapter a name.".into()));
        }
        let mut charter = template.get().charter(purpose.get().trim());
        charter.articles = articles.get();
        charter.admission.kind = match admission.get().as_str() {
            "open" => Admission::Open,
            "proposal" => Admission::Proposal,
            _ => Admission::Invite,
        };
        match method.get().as_str() {
            "majority" => charter.voting.method = VoteMethod::Majority,
            "consent" => charter.voting.method = VoteMethod::Consent { max_blocks: 0 },
            "supermajority" => {
                charter.voting.method = VoteMethod::Supermajority { threshold_pct: 67 }
            }
            _ => {}
        }
        match quorum.get().trim().parse::<u32>() {
            Ok(q) if q <= 100 => charter.voting.quorum_pct = q,
            _ => {
                return ui
                    .error
                    .set(Some("The quorum is a percentage, 0 to 100.".into()));
            }
        }
        let period = |text: String| -> Option<u64> {
            let d: f64 = text.trim().parse().ok()?;
            (0.0..=365.0).contains(&d).then(|| (d * DAY_MS) as u64)
        };
        match (period(discussion.get()), period(voting.get())) {
            (Some(d), Some(v)) if v > 0 => {
                charter.voting.deliberation_ms = d;
                charter.voting.voting_ms = v;
            }
            _ => {
                return ui.error.set(Some(
                    "Discussion and voting periods are days (0 to 365; voting more than 0).".into(),
                ));
            }
        }
        if let Err(e) = charter.check_shape() {
            return ui
                .error
                .set(Some(format!("The charter is not valid: {e}.")));
        }
        spawn_local(async move {
            let founding = Founding {
                charter,
                founders: Vec::new(),
            };
            let made = write(ui, move |node| async move {
                node.create_chapter(&title, founding).await
            })
            .await;
            match made {
                Some(Ok(id)) => {
                    ui.error.set(None);
                    refresh_home(ui).await;
                    refresh_space(ui, id).await;
                    ui.screen.set(Screen::Space(id));
                }
                Some(Err(e)) => ui
                    .error
                    .set(Some(format!("Could not found the chapter: {e}"))),
                None => {}
            }
        });
    };
    let back = move |_| ui.screen.set(Screen::Home);
    view! {
        <nav><button class="back" on:click=back>"← Your spaces"</button></nav>
        <form class="card" on:submit=found aria-labelledby="new-chapter-title">
            <h2 id="new-chapter-title">"Found a chapter"</h2>
            <label for="chapter-template">"Start from"</label>
            <select id="chapter-template" on:change=move |ev| pick(event_target_value(&ev))>
                {Template::ALL.into_iter().map(|t| view! { <option value=t.slug()>{t.title()}</option> }).collect_view()}
            </select>
            <label for="chapter-name">"Name"</label>
            <input id="chapter-name" type="text" maxlength="200" autocomplete="off"
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <label for="chapter-purpose">"Purpose"</label>
            <textarea id="chapter-purpose" rows="2" maxlength="8192"
                prop:value=move || purpose.get() on:input=move |ev| purpose.set(event_target_value(&ev))></textarea>
            <label for="chapter-admission">"Who may join"</label>
            <select id="chapter-admission" on:change=move |ev| admission.set(event_target_value(&ev))>
                <option value="invite">"People with an invite"</option>
                <option value="open">"Anyone"</option>
                <option value="proposal">"Those the chapter votes in"</option>
            </select>
            <label for="chapter-method">"How decisions pass"</label>
            <select id="chapter-method" on:change=move |ev| method.set(event_target_value(&ev))>
                <option value="template">"As the template says"</option>
                <option value="consent">"Consent (no one blocks)"</option>
                <option value="majority">"Simple majority"</option>
                <option value="supermajority">"Two-thirds majority"</option>
            </select>
            <label for="chapter-quorum">"Quorum (percent of members who must take part)"</label>
            <input id="chapter-quorum" type="number" min="0" max="100"
                prop:value=move || quorum.get() on:input=move |ev| quorum.set(event_target_value(&ev)) />
            <label for="chapter-discussion">"Days of discussion before voting opens"</label>
            <input id="chapter-discussion" type="number" min="0" max="365" step="any"
                prop:value=move || discussion.get() on:input=move |ev| discussion.set(event_target_value(&ev)) />
            <label for="chapter-voting">"Days voting stays open"</label>
            <input id="chapter-voting" type="number" min="0" max="365" step="any"
                prop:value=move || voting.get() on:input=move |ev| voting.set(event_target_value(&ev)) />
            <fieldset class="articles">
                <legend>"Articles"</legend>
                <For each=move || indices(articles.get().len()) key=|i| *i let:i>
                    <div class="article">
                        <label for=format!("article-{i}")>{move || articles.get().get(i).map(|a| format!("{} {}", a.id, a.title)).unwrap_or_default()}</label>
                        <textarea id=format!("article-{i}") rows="2" maxlength="8192"
                            prop:value=move || articles.get().get(i).map(|a| a.text.clone()).unwrap_or_default()
                            on:input=move |ev| {
                                let text = event_target_value(&ev);
                                articles.update(|list| if let Some(a) = list.get_mut(i) { a.text = text; });
                            }></textarea>
                    </div>
                </For>
            </fieldset>
            <button type="submit">"Found the chapter"</button>
        </form>
    }
}
