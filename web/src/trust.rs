//! The trust graph on the chapter page: a picture (members on a circle,
//! an edge per trust given, darker for more, drawn by its class) and a
//! form to trust someone; and the chapters this one attests.

use hearth_core::chapter::{ChapterOp, PPM};
use hearth_core::space::SpaceView;
use hearth_core::trust::{GENERAL, Graph, TrustClass};
use hearth_core::{Did, SpaceId};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Ui, refresh_space, write};

/// What the page shows of the trust graph (general context).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrustSummary {
    /// Members, by did, with their names.
    pub nodes: Vec<(String, String)>,
    /// Edges: (truster index, subject index, weight in ppm, class).
    pub edges: Vec<(usize, usize, u32, TrustClass)>,
    /// The chapters this one attests: (short id, weight in ppm).
    pub attests: Vec<(String, u32)>,
}

/// The graph of `view`'s chapter at `now`.
pub fn summary(view: &SpaceView, now: u64) -> TrustSummary {
    let c = view.chapter();
    let members: Vec<Did> = c.current_members().map(|m| m.did).collect();
    let index = |d: &Did| members.iter().position(|m| m == d);
    let graph = Graph::new(c, now);
    let edges = graph
        .edges(GENERAL)
        .into_iter()
        .filter_map(|(from, to, w, class)| Some((index(&from)?, index(&to)?, w, class)))
        .collect();
    let attests = c
        .attestations
        .iter()
        .map(|(id, a)| (id.to_string(), graph.attestation(a)))
        .filter(|(_, w)| *w > 0)
        .collect();
    let nodes = members
        .iter()
        .map(|d| {
            let name = view
                .profile(d)
                .map(|p| p.display_name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| d.fmt_short());
            (d.to_string(), name)
        })
        .collect();
    TrustSummary {
        nodes,
        edges,
        attests,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Members on a circle, an arrow-less line per edge, its opacity the trust
/// and its stroke the class (dashed for known, thicker for closer).
fn graph_svg(t: &TrustSummary) -> String {
    let n = t.nodes.len().max(1) as f64;
    let at = |i: usize| {
        let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
        (150.0 + 110.0 * a.cos(), 130.0 + 100.0 * a.sin())
    };
    let mut out = String::from(
        r#"<svg class="trust-graph" viewBox="0 0 300 260" role="img" aria-label="Trust between members">"#,
    );
    for (from, to, w, class) in &t.edges {
        let ((x1, y1), (x2, y2)) = (at(*from), at(*to));
        out.push_str(&format!(
            r#"<line class="trust-edge trust-{class}" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke-opacity="{:.2}"><title>{class}</title></line>"#,
            0.2 + 0.8 * f64::from(*w) / f64::from(PPM)
        ));
    }
    for (i, (_, name)) in t.nodes.iter().enumerate() {
        let (x, y) = at(i);
        out.push_str(&format!(
            r#"<circle class="trust-node" cx="{x:.1}" cy="{y:.1}" r="6"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            y - 10.0,
            escape(name)
        ));
    }
    out.push_str("</svg>");
    out
}

fn class_label(c: TrustClass) -> &'static str {
    match c {
        TrustClass::Known => "I know them",
        TrustClass::Colleague => "We work together",
        TrustClass::Close => "Close",
        TrustClass::Intimate => "Family, or as close",
    }
}

/// The picture, and trusting a member.
#[component]
pub fn TrustCard(ui: Ui, id: SpaceId) -> impl IntoView {
    let whom = RwSignal::new(String::new());
    let score = RwSignal::new("80".to_string());
    let class = RwSignal::new(TrustClass::Known);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(subject) = whom.get().parse::<Did>() else {
            return ui.error.set(Some("Pick whom you trust.".into()));
        };
        let Some(pct) = score.get().trim().parse::<u32>().ok().filter(|p| *p <= 100) else {
            return ui
                .error
                .set(Some("Trust is a percentage from 0 to 100.".into()));
        };
        let op = ChapterOp::Trust {
            subject,
            context: GENERAL.into(),
            class: class.get(),
            trust_ppm: pct * (PPM / 100),
            expires_at: None,
        };
        spawn_local(async move {
            match write(
                ui,
                move |node| async move { node.chapter_op(&id, op).await },
            )
            .await
            {
                Some(Ok(_)) => {
                    ui.error.set(None);
                    refresh_space(ui, id).await;
                }
                Some(Err(e)) => ui
                    .error
                    .set(Some(format!("Could not record your trust: {e}"))),
                None => {}
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="trust-title">
            <h3 id="trust-title">"Trust"</h3>
            <div inner_html=move || graph_svg(&ui.detail.get().trust)></div>
            <p class="hint">"Dashed: known to them. Solid: colleagues. Thicker: close, then intimate."</p>
            <Show when=move || !ui.detail.get().trust.attests.is_empty()>
                <h4>"Chapters this chapter trusts"</h4>
                <ul class="attests">
                    <For each=move || ui.detail.get().trust.attests key=|a| a.0.clone() let:a>
                        <li><code>{a.0.clone()}</code>" "{format!("{}%", a.1 / (PPM / 100))}</li>
                    </For>
                </ul>
            </Show>
            <form on:submit=submit aria-label="Trust a member">
                <label for="trust-whom">"Whom you trust"</label>
                <select id="trust-whom" on:change=move |ev| whom.set(event_target_value(&ev))>
                    <option value="">"Choose a member"</option>
                    <For each=move || ui.detail.get().trust.nodes key=|n| n.0.clone() let:n>
                        <option value=n.0.clone()>{n.1.clone()}</option>
                    </For>
                </select>
                <label for="trust-class">"How well you know them"</label>
                <select id="trust-class" on:change=move |ev| {
                    if let Ok(c) = event_target_value(&ev).parse() {
                        class.set(c);
                    }
                }>
                    {TrustClass::ALL
                        .into_iter()
                        .map(|c| view! { <option value=c.name()>{class_label(c)}</option> })
                        .collect_view()}
                </select>
                <label for="trust-score">"How much (percent)"</label>
                <input id="trust-score" type="number" min="0" max="100" prop:value=move || score.get()
                    on:input=move |ev| score.set(event_target_value(&ev)) />
                <button type="submit">"Trust"</button>
            </form>
        </section>
    }
}
