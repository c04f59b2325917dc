//! The member's own relays: besides the relay that served the page, a member
//! can name others (a community's relay on another host), by the peer
//! address its operator publishes. They are kept in this browser and dialled
//! at every start, and at once when added.

use hearth_net::p2p::Multiaddr;
use leptos::prelude::*;

const KEY: &str = "hearth-relays";

/// Why an address cannot be used as a relay from a browser.
fn check(text: &str) -> Result<Multiaddr, String> {
    let addr: Multiaddr = text.parse().map_err(|e| {
        format!(
            "Not a peer address ({e}); it looks like /dns4/relay.example/tcp/443/wss/p2p/12D3Koo…"
        )
    })?;
    let has = |part: &str| text.split('/').any(|p| p == part);
    if !(has("ws") || has("wss")) {
        return Err(
            "A browser reaches relays over WebSocket: the address needs /ws or /wss.".into(),
        );
    }
    if !has("p2p") {
        return Err("The address must end with the relay's /p2p/ peer id.".into());
    }
    Ok(addr)
}

/// This origin's local settings, if the browser keeps them.
pub(crate) fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The relays this member added, in order.
pub fn saved() -> Vec<String> {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .map(|v| v.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The saved relays as addresses to dial (any that no longer parse are
/// left out).
pub fn addrs() -> Vec<Multiaddr> {
    saved().iter().filter_map(|a| check(a).ok()).collect()
}

fn save(list: &[String]) -> Result<(), String> {
    let storage = storage().ok_or("This browser keeps no local settings.")?;
    storage
        .set_item(KEY, &list.join("\n"))
        .map_err(|_| "The setting could not be saved (storage is full or blocked).".to_owned())
}

/// Adds the relay addresses in `list` a browser can dial (a restored
/// backup's); others (a web address, a TCP-only relay) are left out.
pub fn add_all(list: &[String]) {
    let mut next = saved();
    for addr in list {
        if check(addr).is_ok() && !next.contains(addr) {
            next.push(addr.clone());
        }
    }
    let _ = save(&next);
}

/// The relay settings: the list, and a form to add one.
#[component]
pub fn Relays(error: RwSignal<Option<String>>) -> impl IntoView {
    let list = RwSignal::new(saved());
    let text = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let entered = text.get().trim().to_owned();
        let addr = match check(&entered) {
            Ok(addr) => addr,
            Err(e) => return error.set(Some(e)),
        };
        let mut next = list.get();
        if !next.contains(&entered) {
            next.push(entered);
        }
        if let Err(e) = save(&next) {
            return error.set(Some(e));
        }
        list.set(next);
        text.set(String::new());
        error.set(None);
        if !crate::network::dial(addr) {
            error.set(Some(
                "Saved; it will be dialled when the network is up.".into(),
            ));
        }
    };
    let remove = move |addr: String| {
        let next: Vec<String> = list.get().into_iter().filter(|a| *a != addr).collect();
        match save(&next) {
            Ok(()) => list.set(next),
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <form class="card" on:submit=add>
            <h2>"Relays"</h2>
            <p class="meta">"The relay that served this page, and any you add:"</p>
            <ul class="relays">
                <For each=move || list.get() key=|a| a.clone() let:addr>
                    <li>
                        <code>{addr.clone()}</code>
                        <button type="button" on:click={
                            let addr = addr.clone();
                            move |_| remove(addr.clone())
                        }>"Remove"</button>
                    </li>
                </For>
            </ul>
            <label for="relay-addr">"Relay address (from its operator)"</label>
            <input id="relay-addr" type="text" autocomplete="off" spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev)) />
            <button type="submit">"Add relay"</button>
        </form>
    }
}
