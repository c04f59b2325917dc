//! The app's screens: onboarding, home (the member's spaces), a space.

use std::cell::RefCell;
use std::rc::Rc;

use hearth_core::chapter::{ChapterOp, InviteLink};
use hearth_core::op::Body;
use hearth_core::{Keypair, Op, SpaceId};
use hearth_net::p2p::{Link, PeerId, SpaceSync};
use hearth_node::{Node, SystemEnv};
use hearth_store::{IdbStore, Store};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::chapter::{ChapterSummary, Directory, InviteCard, InvitedCard, ScanCard};
use crate::charter::{CharterPage, NewChapter};
use crate::gov::{GovSummary, Proposals};
use crate::proposal::{ProposalDetail, ProposalPage};
use crate::relays::Relays;
use crate::{keystore, network, tabs};

const DB_NAME: &str = "hearth";

thread_local! {
    /// The tab's node: one per page, opened at start.
    static NODE: RefCell<Option<Rc<Node<IdbStore>>>> = const { RefCell::new(None) };
}

pub(crate) fn node() -> Option<Rc<Node<IdbStore>>> {
    NODE.with(|n| n.borrow().clone())
}

/// What the app shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Screen {
    Loading(String),
    Onboarding,
    Home,
    Space(SpaceId),
    NewChapter,
    Charter(SpaceId),
    Proposal(SpaceId, hearth_core::OpId),
    Settings,
}

/// A space as the home screen lists it: plain data, no node handles.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SpaceRow {
    id: SpaceId,
    name: String,
    members: usize,
    ops: u64,
    complete: bool,
    /// Proposals open for a vote this member has not cast.
    votes_needed: usize,
}

/// A recent op as the space page lists it.
#[derive(Debug, Clone, PartialEq)]
struct OpRow {
    id: String,
    author: String,
    what: String,
}

impl SpaceRow {
    /// Keys a row by everything it shows, so a changed count redraws it
    /// (`<For>` renders a row once per key).
    fn key(&self) -> (SpaceId, usize, u64, bool, usize) {
        (
            self.id,
            self.members,
            self.ops,
            self.complete,
            self.votes_needed,
        )
    }
}

/// The space page's data.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SpaceDetail {
    name: String,
    pub(crate) chapter: ChapterSummary,
    pub(crate) gov: GovSummary,
    pub(crate) money: crate::money::MoneySummary,
    pub(crate) trust: crate::trust::TrustSummary,
    ops: Vec<OpRow>,
}

#[derive(Clone, Copy)]
pub(crate) struct Ui {
    pub(crate) screen: RwSignal<Screen>,
    did: RwSignal<Option<String>>,
    pub(crate) spaces: RwSignal<Vec<SpaceRow>>,
    pub(crate) detail: RwSignal<SpaceDetail>,
    pub(crate) error: RwSignal<Option<String>>,
    storage: RwSignal<String>,
    /// A long import in progress: (ops done, ops in all).
    pub(crate) progress: RwSignal<Option<(usize, usize)>>,
    /// The last import's outcome (or a long step's progress, in words).
    pub(crate) imported: RwSignal<Option<String>>,
    /// The invite this page was opened with, until the member acts on it.
    pub(crate) invite: RwSignal<Option<InviteLink>>,
    /// The proposal page's data.
    pub(crate) proposal: RwSignal<ProposalDetail>,
    /// How the network stands, in words.
    network: RwSignal<String>,
    /// How each space's sync stands.
    sync: RwSignal<Vec<SpaceSync>>,
    /// This node's peer id on the network, and the peers connected with
    /// how each is reached.
    peers: RwSignal<(Option<PeerId>, Vec<(PeerId, Link)>)>,
}

/// Starts the app: mounts it and opens the node.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let ui = Ui {
        screen: RwSignal::new(Screen::Loading("Opening your node…".into())),
        did: RwSignal::new(None),
        spaces: RwSignal::new(Vec::new()),
        detail: RwSignal::new(SpaceDetail::default()),
        error: RwSignal::new(None),
        storage: RwSignal::new("checking…".into()),
        progress: RwSignal::new(None),
        imported: RwSignal::new(None),
        network: RwSignal::new("not connected".into()),
        sync: RwSignal::new(Vec::new()),
        peers: RwSignal::new((None, Vec::new())),
        invite: RwSignal::new(crate::chapter::link_in_address()),
        proposal: RwSignal::new(ProposalDetail::default()),
    };
    crate::chapter::watch_address(ui.invite);
    spawn_local(boot(ui));
    view! {
        <header class="bar">
            <h1>"Hearth"</h1>
            <Show when=move || ui.did.get().is_some()>
                <p class="who" title=move || ui.did.get().unwrap_or_default()>
                    "You: " <code>{move || short(&ui.did.get().unwrap_or_default())}</code>
                </p>
                <button id="open-settings" on:click=move |_| ui.screen.set(Screen::Settings)>"Settings"</button>
            </Show>
        </header>
        <main id="main">
            <p class="error" role="alert">{move || ui.error.get()}</p>
            {move || match ui.screen.get() {
                Screen::Loading(msg) => view! { <p class="loading" aria-busy="true">{msg}</p> }.into_any(),
                Screen::Onboarding => view! { <Onboarding ui=ui /> }.into_any(),
                Screen::Home => view! { <Home ui=ui /> }.into_any(),
                Screen::Space(id) => view! { <SpacePage ui=ui id=id /> }.into_any(),
                Screen::NewChapter => view! { <NewChapter ui=ui /> }.into_any(),
                Screen::Charter(id) => view! { <CharterPage ui=ui id=id /> }.into_any(),
                Screen::Proposal(space, pid) => view! { <ProposalPage ui=ui space=space pid=pid /> }.into_any(),
                Screen::Settings => view! { <crate::backup::Settings ui=ui /> }.into_any(),
            }}
        </main>
        <footer class="bar">
            <span>"Storage: " {move || ui.storage.get()}</span>
            <span class="network" role="status">"Network: " {move || ui.network.get()}</span>
            <network::Peers peers=ui.peers />
        </footer>
    }
}

pub(crate) fn short(did: &str) -> String {
    did.parse::<hearth_core::Did>()
        .map(|d| d.fmt_short())
        .unwrap_or_else(|_| did.to_owned())
}

async fn boot(ui: Ui) {
    ui.storage.set(persist_storage().await);
    let identity = match keystore::load().await {
        Ok(identity) => identity,
        Err(e) => {
            ui.error.set(Some(format!(
                "Your saved identity could not be opened: {e}"
            )));
            None
        }
    };
    open_node(ui, identity).await;
    crate::devices::resume_rotation(ui).await;
}

/// Asks the browser to keep this origin's data (no eviction under pressure).
async fn persist_storage() -> String {
    let Some(window) = web_sys::window() else {
        return "unavailable".into();
    };
    let storage = window.navigator().storage();
    let Ok(promise) = storage.persist() else {
        return "best-effort".into();
    };
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(v) if v.as_bool() == Some(true) => "persistent".into(),
        _ => "best-effort (the browser may clear it under pressure)".into(),
    }
}

pub(crate) async fn open_node(ui: Ui, identity: Option<Keypair>) {
    let did = identity.as_ref().map(|k| k.did().to_string());
    let store = match IdbStore::open(DB_NAME).await {
        Ok(store) => store,
        Err(e) => {
            return ui.error.set(Some(format!(
                "This browser's storage is not available: {e}"
            )));
        }
    };
    match Node::open(store, identity, Box::new(SystemEnv)).await {
        Ok(mut node) => {
            if let Some(worker) = crate::verifier::shared().await {
                node = node.with_verifier(worker);
            }
            // Every durable commit of this tab (each step of an import too):
            // tell the other tabs, and redraw here.
            node.subscribe(move |_| {
                tabs::announce_change();
                spawn_local(redraw(ui));
            });
            let node = Rc::new(node);
            NODE.with(|n| *n.borrow_mut() = Some(node.clone()));
            spawn_local(network::connect(node, ui.network, ui.sync, ui.peers));
        }
        Err(e) => return ui.error.set(Some(format!("Your node could not open: {e}"))),
    }
    ui.did.set(did.clone());
    tabs::listen(move || {
        spawn_local(async move {
            if let Some(node) = node() {
                if let Err(e) = catch_up(&node).await {
                    ui.error
                        .set(Some(format!("Could not read what another tab wrote: {e}")));
                }
                redraw(ui).await;
            }
        });
    });
    if did.is_some() {
        refresh_home(ui).await;
        ui.screen.set(Screen::Home);
    } else {
        ui.screen.set(Screen::Onboarding);
    }
}

/// Brings this tab's node up to date with what other tabs committed.
async fn catch_up(node: &Node<IdbStore>) -> Result<(), String> {
    node.store().refresh().await.map_err(|e| e.to_string())?;
    node.reload_views().await.map_err(|e| e.to_string())
}

/// Runs a write holding the origin-wide writer lock, after catching up with
/// other tabs (the node's subscription tells them about each commit).
pub(crate) async fn write<T: 'static, Fut: std::future::Future<Output = T> + 'static>(
    ui: Ui,
    work: impl FnOnce(Rc<Node<IdbStore>>) -> Fut + 'static,
) -> Option<T> {
    let node = node()?;
    let out = tabs::exclusive(async move {
        if let Err(e) = catch_up(&node).await {
            ui.error
                .set(Some(format!("Could not read what other tabs wrote: {e}")));
        }
        work(node).await
    })
    .await;
    Some(out)
}

/// Redraws the current screen from the node.
async fn redraw(ui: Ui) {
    match ui.screen.get_untracked() {
        // Settings reads the member's log from the spaces: redraw the list.
        Screen::Home | Screen::Settings => refresh_home(ui).await,
        Screen::Space(id) => refresh_space(ui, id).await,
        Screen::Proposal(space, pid) => crate::proposal::refresh_proposal(ui, space, pid),
        _ => {}
    }
}

pub(crate) async fn refresh_home(ui: Ui) {
    let Some(node) = node() else { return };
    let mut rows = Vec::new();
    let me = crate::devices::me(&node);
    ui.did.set(me.map(|d| d.to_string()));
    let now = hearth_node::Env::now_ms(&SystemEnv);
    for view in node.spaces() {
        let complete = node
            .status(&view.id())
            .await
            .map(|s| s.complete)
            .unwrap_or(false);
        rows.push(SpaceRow {
            id: view.id(),
            name: view.name().to_owned(),
            members: view.members().len(),
            ops: view.op_count,
            complete,
            votes_needed: crate::gov::summary(&view, me, now)
                .proposals
                .iter()
                .filter(|p| p.needs_my_vote)
                .count(),
        });
    }
    ui.spaces.set(rows);
}

pub(crate) async fn refresh_space(ui: Ui, id: SpaceId) {
    let Some(node) = node() else { return };
    let Some(view) = node.space(&id) else {
        return ui
            .error
            .set(Some("This space is not on this device.".into()));
    };
    let total = node
        .store()
        .version_vector(&id)
        .await
        .map(|vv| vv.op_count())
        .unwrap_or(0);
    let recent = node
        .ops(&id, total.saturating_sub(50), 50)
        .await
        .unwrap_or_default();
    let ops = recent
        .into_iter()
        .rev()
        .map(|(stored, op)| OpRow {
            id: stored.meta.id.to_string(),
            author: view.member_of(&stored.meta.author).fmt_short(),
            what: describe(&op),
        })
        .collect();
    let me = crate::devices::me(&node);
    let now = hearth_node::Env::now_ms(&SystemEnv);
    ui.detail.set(SpaceDetail {
        name: view.name().to_owned(),
        chapter: crate::chapter::summary(&view, me, now),
        gov: crate::gov::summary(&view, me, now),
        money: crate::money::summary(&view, me, now),
        trust: crate::trust::summary(&view, now),
        ops,
    });
}

fn describe(op: &Op) -> String {
    match &op.data.body {
        Body::Genesis { name, .. } => format!("created the space “{name}”"),
        Body::AddMember { member } => format!("admitted {}", member.fmt_short()),
        Body::RemoveMember { member } => format!("removed {}", member.fmt_short()),
        Body::Note { text } => text.clone(),
        Body::Chapter(ChapterOp::Join { .. }) => "joined".to_owned(),
        Body::Keys(events) => crate::devices::describe(events),
        other => other.kind().replace('_', " "),
    }
}

#[component]
fn Onboarding(ui: Ui) -> impl IntoView {
    let busy = RwSignal::new(false);
    let create = move |_| {
        busy.set(true);
        spawn_local(async move {
            let mut seed = [0u8; 32];
            hearth_node::Env::random_bytes(&SystemEnv, &mut seed);
            let keypair = Keypair::from_seed(&seed);
            if let Err(e) = keystore::save(&keypair).await {
                busy.set(false);
                return ui
                    .error
                    .set(Some(format!("Could not save your identity: {e}")));
            }
            open_node(ui, Some(keypair)).await;
        });
    };
    view! {
        <section class="card" aria-labelledby="welcome">
            <h2 id="welcome">"Welcome to Hearth"</h2>
            <p>"Hearth runs entirely in this browser. Your identity is a key that only this device holds; nobody else can take it away or speak for you."</p>
            <button id="create-identity" on:click=create disabled=move || busy.get()>"Create my identity"</button>
        </section>
        <crate::devices::PairThisBrowser ui=ui />
        <crate::backup::Restore ui=ui />
    }
}

#[component]
fn Home(ui: Ui) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = name.get().trim().to_owned();
        if text.is_empty() {
            return ui.error.set(Some("Give the space a name.".into()));
        }
        spawn_local(async move {
            let Some(created) = write(
                ui,
                move |node| async move { node.create_space(&text).await },
            )
            .await
            else {
                return;
            };
            match created {
                Ok(id) => {
                    ui.error.set(None);
                    name.set(String::new());
                    refresh_home(ui).await;
                    refresh_space(ui, id).await;
                    ui.screen.set(Screen::Space(id));
                }
                Err(e) => ui
                    .error
                    .set(Some(format!("Could not create the space: {e}"))),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="your-spaces">
            <h2 id="your-spaces">"Your spaces"</h2>
            <Show when=move || ui.spaces.get().is_empty()>
                <p>"No spaces yet. Create one below."</p>
            </Show>
            <ul class="spaces">
                <For each=move || ui.spaces.get() key=SpaceRow::key let:row>
                    <li>
                        <button class="space-link" on:click=move |_| {
                            let id = row.id;
                            spawn_local(async move {
                                refresh_space(ui, id).await;
                                ui.screen.set(Screen::Space(id));
                            });
                        }>{row.name.clone()}</button>
                        <span class="meta">
                            {format!("{} members · {} ops · ", row.members, row.ops)}
                            {if row.complete { "complete" } else { "waiting for ops" }}
                            {match row.votes_needed {
                                0 => String::new(),
                                1 => " · 1 proposal needs your vote".to_string(),
                                n => format!(" · {n} proposals need your vote"),
                            }}
                            {move || network::progress(&ui.sync.get(), &row.id)}
                        </span>
                    </li>
                </For>
            </ul>
        </section>
        <crate::devices::PairingCard ui=ui />
        <crate::backup::BackupPrompt ui=ui />
        <InvitedCard ui=ui />
        <Join ui=ui />
        <ScanCard ui=ui />
        <Relays error=ui.error />
        <crate::import::Import ui=ui />
        <form class="card" on:submit=create>
            <h2>"Create a space"</h2>
            <label for="space-name">"Name"</label>
            <input id="space-name" type="text" maxlength="200" autocomplete="off"
                prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev)) />
            <button type="submit">"Create space"</button>
        </form>
        <section class="card" aria-labelledby="found-title">
            <h2 id="found-title">"Found a chapter"</h2>
            <p>"A chapter is a community with a charter: its principles, how it decides, and who may join."</p>
            <button id="new-chapter" on:click=move |_| ui.screen.set(Screen::NewChapter)>"Found a chapter"</button>
        </section>
    }
}

/// Joins a space by its id (another member shares it): the network fetches
/// it, and it appears in the list once its first op has arrived.
#[component]
fn Join(ui: Ui) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(link) = InviteLink::find(&text.get()) {
            text.set(String::new());
            return spawn_local(crate::chapter::join_with(ui, link));
        }
        let Ok(space) = text.get().trim().parse::<SpaceId>() else {
            return ui.error.set(Some(
                "That is neither an invite link nor a space id (they start with b).".into(),
            ));
        };
        if network::join(space) {
            ui.error.set(None);
            text.set(String::new());
            ui.imported
                .set(Some(format!("Joining {}…", short_space(&space))));
        } else {
            ui.error.set(Some(
                "Not connected to a relay, so the space cannot be fetched yet.".into(),
            ));
        }
    };
    view! {
        <form class="card" on:submit=join>
            <h2>"Join a space"</h2>
            <label for="join-space">"Invite link or space id (another member can share it)"</label>
            <input id="join-space" type="text" autocomplete="off" spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev)) />
            <button type="submit">"Join"</button>
        </form>
    }
}

fn short_space(space: &SpaceId) -> String {
    let text = space.to_string();
    format!("{}…", &text[..text.len().min(12)])
}

#[component]
fn SpacePage(ui: Ui, id: SpaceId) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let post = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get().trim().to_owned();
        if body.is_empty() {
            return ui.error.set(Some("Write something first.".into()));
        }
        spawn_local(async move {
            let note = Body::Note { text: body };
            let Some(posted) = write(
                ui,
                move |node| async move { node.create_op(&id, note).await },
            )
            .await
            else {
                return;
            };
            match posted {
                Ok(_) => {
                    ui.error.set(None);
                    text.set(String::new());
                    refresh_space(ui, id).await;
                }
                Err(e) => ui.error.set(Some(format!("Could not post: {e}"))),
            }
        });
    };
    let back = move |_| {
        spawn_local(async move {
            refresh_home(ui).await;
            ui.screen.set(Screen::Home);
        });
    };
    view! {
        <nav><button class="back" on:click=back>"← Your spaces"</button></nav>
        <section class="card" aria-labelledby="space-title">
            <h2 id="space-title">{move || ui.detail.get().name}</h2>
            <p class="meta">"Space " <code class="space-id">{id.to_string()}</code></p>
            <p class="purpose">{move || ui.detail.get().chapter.purpose}</p>
            <p class="meta charter-line">
                {move || format!("Charter v{} · admission: {}", ui.detail.get().chapter.version, ui.detail.get().chapter.admission)}
                " "
                <button class="space-link" id="open-charter" on:click=move |_| ui.screen.set(Screen::Charter(id))>"Read the charter"</button>
            </p>
            <Directory ui=ui />
        </section>
        <InviteCard ui=ui id=id />
        <crate::money::MoneyCard ui=ui id=id />
        <Proposals ui=ui id=id />
        <crate::trust::TrustCard ui=ui id=id />
        <crate::credential::CredentialCard ui=ui id=id />
        <form class="card" on:submit=post>
            <label for="note-text">"Post a note"</label>
            <textarea id="note-text" rows="3" maxlength="16384"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <button type="submit">"Post"</button>
        </form>
        <section class="card" aria-labelledby="recent">
            <h3 id="recent">"Recent"</h3>
            <ol class="ops">
                <For each=move || ui.detail.get().ops key=|o| o.id.clone() let:o>
                    <li><span class="author">{o.author.clone()}</span> " " <span class="what">{o.what.clone()}</span></li>
                </For>
            </ol>
        </section>
    }
}
