//! Devices of one identity: this browser paired to an identity a member
//! already has (a pairing code and QR to show), adding and revoking devices
//! from the main key, and who this node acts for (see `hearth_core::keys`).

use std::rc::Rc;

use hearth_core::keys::{KeyRole, Pairing};
use hearth_core::{Did, Keypair};
use hearth_node::{Env, Node, SystemEnv};
use hearth_store::IdbStore;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Ui, node, open_node, write};
use crate::chapter::qr_svg;

/// Remembers this browser's pairing until it is paired.
const PAIRING: &str = "hearth-pairing";

/// The member this node acts for (its own key's DID until it is paired or
/// after its identity changes keys).
pub(crate) fn me(node: &Node<IdbStore>) -> Option<Did> {
    node.whoami().ok().map(|(member, _, _)| member)
}

/// On the first screen: make a key for this browser and show what the main
/// device needs to add it.
#[component]
pub fn PairThisBrowser(ui: Ui) -> impl IntoView {
    let busy = RwSignal::new(false);
    let member = RwSignal::new(String::new());
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(member) = member.get().trim().parse::<Did>() else {
            return ui.error.set(Some(
                "Paste your identity (it starts with did:key:), from Settings on your main device."
                    .into(),
            ));
        };
        busy.set(true);
        spawn_local(async move {
            let mut seed = [0u8; 32];
            SystemEnv.random_bytes(&mut seed);
            let keypair = Keypair::from_seed(&seed);
            if let Err(e) = crate::keystore::save(&keypair).await {
                busy.set(false);
                return ui.error.set(Some(format!("Could not save the key: {e}")));
            }
            let mut nonce = [0u8; 16];
            SystemEnv.random_bytes(&mut nonce);
            if let Some(s) = crate::relays::storage() {
                let _ = s.set_item(PAIRING, &Pairing::new(&keypair, member, nonce).to_text());
            }
            open_node(ui, Some(keypair)).await;
        });
    };
    view! {
        <form class="card" on:submit=start aria-labelledby="pair-title">
            <h2 id="pair-title">"Add this browser to your identity"</h2>
            <p>"Already a member on another device, and keeping it? Make this browser one of your devices: it gets its own key, and acts as you once your main device adds it."</p>
            <label for="pair-member">"Your identity (from Settings on your main device)"</label>
            <input id="pair-member" type="text" autocomplete="off" spellcheck="false"
                prop:value=move || member.get()
                on:input=move |ev| member.set(event_target_value(&ev)) />
            <button id="pair-start" type="submit" disabled=move || busy.get()>"Pair this browser"</button>
        </form>
    }
}

/// This browser's pairing while it waits to be added, or `None`.
fn waiting(node: &Node<IdbStore>) -> Option<Pairing> {
    let storage = crate::relays::storage()?;
    let pairing = Pairing::from_text(&storage.get_item(PAIRING).ok()??).ok()?;
    let key = node.identity()?.did();
    match node.whoami() {
        Ok((member, KeyRole::Device, _)) if member != key => {
            // Paired: nothing more to show.
            let _ = storage.remove_item(PAIRING);
            None
        }
        _ if pairing.key == key => Some(pairing),
        _ => None,
    }
}

/// On the home screen of a browser waiting to be paired: the code, the
/// text and its QR code, and what to do.
#[component]
pub fn PairingCard(ui: Ui) -> impl IntoView {
    // Redrawn whenever the spaces change (a paired browser then says so).
    let pairing = move || {
        ui.spaces.track();
        node().and_then(|n| waiting(&n))
    };
    view! {
        <Show when=move || pairing().is_some()>
            <section class="card" aria-labelledby="pairing-title">
                <h2 id="pairing-title">"Waiting to be added"</h2>
                <p>"On your main device, open Settings, then “Add a device”: paste this text or scan the QR code, and type the code shown here."</p>
                <p>"Code: "<strong id="pairing-code">{move || pairing().map(|p| p.code())}</strong></p>
                <div class="qr" inner_html=move || pairing().map(|p| qr_svg(&p.to_text(), "QR code to pair this browser")).unwrap_or_default()></div>
                <label for="pairing-text">"Pairing text"</label>
                <textarea id="pairing-text" readonly rows="3" prop:value=move || pairing().map(|p| p.to_text()).unwrap_or_default()></textarea>
                <p>"Then fetch one of your spaces below by its id, and wait: once your main device's addition arrives, this card goes away and this browser acts as you. Write nothing before then."</p>
            </section>
        </Show>
    }
}

/// What a member's key events did, in words for the space's log.
pub(crate) fn describe(events: &[hearth_core::keys::SignedEvent]) -> String {
    use hearth_core::keys::KeyChange;
    let Some(last) = events.last() else {
        return "changed keys".into();
    };
    match &last.event.change {
        KeyChange::Rotate { .. } => "changed their main key".into(),
        KeyChange::AddDevice { name, .. } => format!("added a device ({name})"),
        KeyChange::RevokeDevice { .. } => "revoked a device".into(),
        KeyChange::SetGuardians { .. } => "named guardians".into(),
        KeyChange::Recover { .. } => "asked their guardians to recover them".into(),
        KeyChange::CancelRecovery => "cancelled a recovery".into(),
    }
}

/// Makes `new` this browser's key once a rotation to it is published, and
/// reopens the node with it (the old backup holds the old key, so the
/// nudge to back up returns).
async fn install(ui: Ui, new: Keypair, failed: &[(hearth_core::SpaceId, String)]) {
    if let Err(e) = crate::keystore::save(&new).await {
        return ui.error.set(Some(format!(
            "The new key is published but could not be saved as this browser's identity: {e}. Reload to try again."
        )));
    }
    let _ = crate::keystore::unstage().await;
    ui.error.set(
        (!failed.is_empty())
            .then(|| format!("{} chapter(s) did not take the new key yet.", failed.len())),
    );
    open_node(ui, Some(new)).await;
}

/// After the node opens: a rotation cut short (its new key kept, the tab
/// closed before it was installed) is finished if a chapter shows the new
/// key in force, and forgotten otherwise.
pub(crate) async fn resume_rotation(ui: Ui) {
    let Ok(Some(staged)) = crate::keystore::staged().await else {
        return;
    };
    let Some(n) = node() else { return };
    let key = staged.did();
    let in_force = n
        .spaces()
        .iter()
        .any(|v| v.chapter().resolve(&key).is_ok_and(|(m, _)| m != key));
    if in_force {
        install(ui, staged, &[]).await;
    } else {
        let _ = crate::keystore::unstage().await;
    }
}

/// A device as Settings lists it.
#[derive(Debug, Clone, PartialEq)]
struct DeviceRow {
    key: Did,
    name: String,
    active: bool,
}

fn rows(node: &Rc<Node<IdbStore>>) -> (Option<KeyRole>, Vec<DeviceRow>) {
    let Ok((_, role, log)) = node.whoami() else {
        return (None, vec![]);
    };
    let rows = log
        .devices
        .iter()
        .map(|(key, d)| DeviceRow {
            key: *key,
            name: d.name.clone(),
            active: d.revoked_at.is_none(),
        })
        .collect();
    (Some(role), rows)
}

/// Settings: the member's devices, adding one from its pairing, revoking.
#[component]
pub fn DevicesCard(ui: Ui) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let state = move || {
        version.track();
        ui.spaces.track();
        node().map(|n| rows(&n)).unwrap_or((None, vec![]))
    };
    let text = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pairing = match Pairing::from_text(&text.get()) {
            Ok(p) => p,
            Err(e) => return ui.error.set(Some(format!("No device was added: {e}."))),
        };
        let (label, typed) = (name.get().trim().to_owned(), code.get());
        if label.is_empty() {
            return ui.error.set(Some("Give the device a name.".into()));
        }
        spawn_local(async move {
            let done = write(ui, move |node| async move {
                node.add_device(&pairing, &label, &typed).await
            })
            .await;
            match done {
                Some(Ok(_)) => {
                    ui.error.set(None);
                    text.set(String::new());
                    code.set(String::new());
                    name.set(String::new());
                    version.update(|v| *v += 1);
                }
                Some(Err(e)) => ui.error.set(Some(format!("No device was added: {e}"))),
                None => {}
            }
        });
    };
    let revoke = move |key: Did| {
        spawn_local(async move {
            let change = hearth_core::keys::KeyChange::RevokeDevice { key };
            let done = write(ui, move |node| async move { node.key_change(change).await }).await;
            match done {
                Some(Ok(_)) => version.update(|v| *v += 1),
                Some(Err(e)) => ui.error.set(Some(format!("Not revoked: {e}"))),
                None => {}
            }
        });
    };
    let rotating = RwSignal::new(false);
    let rotate = move |_| {
        if rotating.get_untracked() {
            return;
        }
        rotating.set(true);
        spawn_local(async move {
            let mut seed = [0u8; 32];
            SystemEnv.random_bytes(&mut seed);
            let new = Keypair::from_seed(&seed);
            // The new key is kept beside the old one first, so a rotation
            // cut short never loses it (see `resume_rotation`).
            if let Err(e) = crate::keystore::stage(&new).await {
                rotating.set(false);
                return ui.error.set(Some(format!("The key was not replaced: {e}")));
            }
            let next = Keypair::from_seed(&seed);
            let done = write(ui, move |node| async move { node.rotate(&next).await }).await;
            rotating.set(false);
            match done {
                Some(Ok(published)) => install(ui, new, &published.failed).await,
                other => {
                    let _ = crate::keystore::unstage().await;
                    if let Some(Err(e)) = other {
                        ui.error.set(Some(format!("The key was not replaced: {e}")));
                    }
                }
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="devices-title">
            <h2 id="devices-title">"Your devices"</h2>
            <p>{move || match state().0 {
                Some(KeyRole::Device) => "This browser is one of your devices; add or revoke devices on your main device.",
                Some(KeyRole::Main) => "This browser holds your main key. Devices you add act as you (except for payments, which stay with the main key).",
                None => "This browser's key no longer acts for your identity: it was replaced or revoked.",
            }}</p>
            <ul class="devices">
                <For each=move || state().1 key=|d| (d.key, d.active) let:d>
                    <li>
                        <span>{d.name.clone()}" · "{if d.active { "active" } else { "revoked" }}</span>
                        <Show when=move || d.active && state().0 == Some(KeyRole::Main)>
                            <button type="button" on:click=move |_| revoke(d.key)>{format!("Revoke {}", d.name)}</button>
                        </Show>
                    </li>
                </For>
            </ul>
            <Show when=move || state().0 == Some(KeyRole::Main)>
                <p>"Think your key was seen by someone else? Replace it: your identity stays the same, and the old key can no longer act for you."</p>
                <button type="button" id="rotate-key" on:click=rotate disabled=move || rotating.get()>"Replace my key"</button>
                <form on:submit=add aria-label="Add a device">
                    <h3>"Add a device"</h3>
                    <label for="add-device-text">"The pairing text the new device shows"</label>
                    <textarea id="add-device-text" rows="3" spellcheck="false"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    <label for="add-device-code">"The code it shows"</label>
                    <input id="add-device-code" inputmode="numeric" autocomplete="off"
                        prop:value=move || code.get()
                        on:input=move |ev| code.set(event_target_value(&ev)) />
                    <label for="add-device-name">"What to call it"</label>
                    <input id="add-device-name" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                    <button type="submit">"Add device"</button>
                </form>
            </Show>
        </section>
    }
}
