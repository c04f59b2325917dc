//! This tab's node on the network: it reaches the community relay that
//! served the page (the relay lists its addresses at `/p2p`) over WebSocket
//! and syncs every space the node holds, or joins.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::mpsc::Sender;
use hearth_core::SpaceId;
use hearth_net::p2p::{
    Command, Link, Multiaddr, Network, Options, PeerId, Protocol, SpaceSync, Status, identity,
};
use hearth_node::Node;
use hearth_store::IdbStore;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static COMMANDS: RefCell<Option<Sender<Command>>> = const { RefCell::new(None) };
    /// Which `connect` is the tab's current one: the node reopens when the
    /// member creates or opens an identity, and the network of the node it
    /// replaces must stop (one peer per tab).
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

/// Connects and keeps syncing for as long as the page lives; `state` says
/// how it stands, in words for the member.
/// `sync` says how each space's sync stands, `peers` this node's peer id
/// and how each peer is reached.
pub async fn connect(
    node: Rc<Node<IdbStore>>,
    state: RwSignal<String>,
    sync: RwSignal<Vec<SpaceSync>>,
    peers: RwSignal<(Option<PeerId>, Vec<(PeerId, Link)>)>,
) {
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    let current = move || GENERATION.with(Cell::get) == generation;
    // Opened offline (from the service worker's cache): ask again until the
    // relay answers.
    let addrs = loop {
        if !current() {
            return;
        }
        match relay_addrs().await {
            Ok(a) => break a,
            Err(e) => {
                state.set(format!("offline ({e}); trying again"));
                sleep_ms(RETRY_MS).await;
            }
        }
    };
    let (mut dial, via) = choose(&addrs);
    dial.extend(crate::relays::addrs());
    if dial.is_empty() {
        return state.set("offline (the relay offers no WebSocket or WebRTC address)".into());
    }
    let options = Options {
        dial,
        circuits: true,
        // Other members' browsers reach this one directly once they meet
        // through the relay (unless the member turned that off).
        listen: if direct_connections() {
            vec![Multiaddr::empty().with(Protocol::WebRTC)]
        } else {
            Vec::new()
        },
        ice_servers: ice_servers(),
        ..Options::default()
    };
    // Spaces joined (or restored from a backup) whose ops have not arrived
    // yet: ask for them again; those now held are done.
    let still: Vec<SpaceId> = wanted()
        .into_iter()
        .filter(|s| node.space(s).is_none())
        .collect();
    save_wanted(&still);
    let mut network =
        match Network::start(node, identity::Keypair::generate_ed25519(), options).await {
            Ok(n) => n,
            Err(e) => return state.set(format!("offline ({e})")),
        };
    COMMANDS.with(|c| *c.borrow_mut() = Some(network.commander()));
    let me = network.peer_id();
    peers.set((Some(me), Vec::new()));
    for space in still {
        command(Command::Host(space));
    }
    state.set("connecting…".into());
    let outcome = network
        .run_until(
            |status| {
                if !current() {
                    return true;
                }
                let now = describe(status, via);
                if state.get_untracked() != now {
                    state.set(now);
                }
                if sync.with_untracked(|s| *s != status.spaces) {
                    sync.set(status.spaces.clone());
                }
                if peers.with_untracked(|(_, p)| *p != status.links) {
                    peers.set((Some(me), status.links.clone()));
                }
                false
            },
            None,
        )
        .await;
    if let Err(e) = outcome {
        state.set(format!("offline ({e})"));
    }
}

const ICE_SERVERS: &str = "hearth-ice-servers";
const DIRECT: &str = "hearth-direct-connections";

/// Whether this browser connects to other members' browsers directly
/// (WebRTC): yes unless `hearth-direct-connections` in local storage says
/// `off`. A direct connection shows each side the other's IP address; with
/// it off, members reach each other through the relay only.
fn direct_connections() -> bool {
    crate::relays::storage()
        .and_then(|s| s.get_item(DIRECT).ok().flatten())
        .is_none_or(|v| v.trim() != "off")
}

/// The STUN servers that tell this device its public address for direct
/// connections: one URL a line in local storage under `hearth-ice-servers`
/// if the member set any, otherwise a public one.
fn ice_servers() -> Vec<String> {
    crate::relays::storage()
        .and_then(|s| s.get_item(ICE_SERVERS).ok().flatten())
        .map(|v| {
            v.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_else(|| vec!["stun:stun.l.google.com:19302".into()])
}

/// The connected peers, each with how it is reached: directly (browser to
/// browser), through the relay, or over the network (the relay itself).
/// The list carries this node's own peer id (`data-peer-id`, and its title).
#[component]
pub fn Peers(peers: RwSignal<(Option<PeerId>, Vec<(PeerId, Link)>)>) -> impl IntoView {
    let me = move || peers.with(|(me, _)| me.map(|p| p.to_string()).unwrap_or_default());
    view! {
        <ul class="peers" aria-label="Connected peers" data-peer-id=me title=move || format!("This node: {}", me())>
            <For
                each=move || peers.with(|(_, links)| links.clone())
                key=|(peer, link)| (*peer, *link)
                children=|(peer, link)| {
                    let id = peer.to_string();
                    let short = format!("…{}", &id[id.len().saturating_sub(6)..]);
                    view! { <li class=format!("peer link-{link}") title=id>{short} " · " {link.to_string()}</li> }
                }
            />
        </ul>
    }
}

/// Which of the relay's addresses to dial, and what to call the way in:
/// WebSocket where the page may use it (a `ws://` address is blocked on an
/// `https://` page); otherwise WebRTC-direct, which needs no TLS
/// certificate on the relay.
fn choose(addrs: &[String]) -> (Vec<Multiaddr>, &'static str) {
    let secure = web_sys::window()
        .and_then(|w| w.location().protocol().ok())
        .is_some_and(|p| p == "https:");
    let pick = |f: &dyn Fn(&str) -> bool| -> Vec<Multiaddr> {
        addrs
            .iter()
            .filter(|a| f(a))
            .filter_map(|a| a.parse().ok())
            .collect()
    };
    let ws = pick(&|a| a.contains("/wss/") || (!secure && a.contains("/ws/")));
    if !ws.is_empty() {
        return (ws, "WebSocket");
    }
    (pick(&|a| a.contains("/webrtc-direct/")), "WebRTC")
}

fn describe(status: &Status, via: &str) -> String {
    if status.peers.is_empty() {
        return "connecting to the relay…".into();
    }
    let count = |link| status.links.iter().filter(|(_, l)| *l == link).count();
    let members = |n| match n {
        1 => "1 member".to_owned(),
        n => format!("{n} members"),
    };
    // Members reached directly keep syncing while the relay is away.
    let relays = count(Link::Network);
    let with = if relays > 0 {
        "the relay"
    } else {
        "the members it reached"
    };
    let behind: Vec<&SpaceSync> = status.spaces.iter().filter(|s| !s.agreed).collect();
    let sync = match behind[..] {
        [] => format!("in step with {with}"),
        [one] => format!("syncing 1 space: {one}"),
        ref many => format!("syncing {} spaces", many.len()),
    };
    let mut line = match relays {
        0 => format!("connecting to the relay… · {sync}"),
        _ => format!("online over {via} · {sync}"),
    };
    match count(Link::Direct) {
        0 => {}
        n => line += &format!(" · {} reached directly", members(n)),
    }
    match status.circuit_peers {
        0 => {}
        n => line += &format!(" · {} reached through it", members(n)),
    }
    if let Some(e) = &status.direct_error {
        line += &format!(" · no direct connection: {e}");
    }
    match &status.dial_error {
        Some(e) => format!("{line} · {e}"),
        None => line,
    }
}

/// How `space`'s sync stands, for its row in the list of spaces.
pub fn progress(spaces: &[SpaceSync], space: &SpaceId) -> String {
    match spaces.iter().find(|s| s.space == *space) {
        Some(s) if s.agreed => " · in step with the network".into(),
        Some(s) if s.missing().is_some_and(|m| m > 0) => format!(" · syncing: {s}"),
        Some(_) => " · syncing…".into(),
        None => " · not yet in step with the network".into(),
    }
}

/// Starts syncing `space` (joining it), and keeps asking at every start
/// until its ops arrive. False when the network is not up.
pub fn join(space: SpaceId) -> bool {
    remember(&[space]);
    command(Command::Host(space))
}

const WANTED: &str = "hearth-joining";

/// The spaces this browser is still waiting to receive.
fn wanted() -> Vec<SpaceId> {
    crate::relays::storage()
        .and_then(|s| s.get_item(WANTED).ok().flatten())
        .map(|v| v.lines().filter_map(|l| l.parse().ok()).collect())
        .unwrap_or_default()
}

fn save_wanted(list: &[SpaceId]) {
    if let Some(s) = crate::relays::storage() {
        let text: Vec<String> = list.iter().map(ToString::to_string).collect();
        let _ = s.set_item(WANTED, &text.join("\n"));
    }
}

/// Remembers `spaces` to fetch when the network next starts.
pub fn remember(spaces: &[SpaceId]) {
    let mut list = wanted();
    for space in spaces {
        if !list.contains(space) {
            list.push(*space);
        }
    }
    save_wanted(&list);
}

/// Dials a relay the member added. False when the network is not up.
pub fn dial(addr: Multiaddr) -> bool {
    command(Command::Dial(addr))
}

fn command(command: Command) -> bool {
    COMMANDS.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|tx| tx.clone().try_send(command).is_ok())
    })
}

/// How long to wait before asking the relay for its addresses again.
const RETRY_MS: i32 = 5_000;

pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The relay's peer addresses, from the page's own origin.
async fn relay_addrs() -> Result<Vec<String>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str("/p2p"))
        .await
        .map_err(|_| "the relay did not answer")?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response")?;
    if !response.ok() {
        return Err(format!("the relay answered {}", response.status()));
    }
    let json = JsFuture::from(response.json().map_err(|_| "no JSON")?)
        .await
        .map_err(|_| "bad JSON")?;
    let addrs = js_sys::Reflect::get(&json, &"addrs".into()).map_err(|_| "no addresses")?;
    Ok(js_sys::Array::from(&addrs)
        .iter()
        .filter_map(|v| v.as_string())
        .collect())
}
