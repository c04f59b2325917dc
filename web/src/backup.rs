//! Backing up and restoring the member's identity: sealed under a
//! passphrase (Argon2id + XChaCha20-Poly1305, see `hearth_core::backup`),
//! as a file to download, as text to keep, and as a sequence of QR codes
//! another device can scan. Restoring on a new browser installs the same
//! identity and fetches the spaces it held.

use hearth_core::backup::{self, Backup, KdfParams};
use hearth_node::{Env, SystemEnv};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Screen, Ui, node, open_node};
use crate::chapter::qr_svg;

/// Remembers in this browser which identity was last backed up.
const BACKED_UP: &str = "hearth-backed-up";
/// How many characters of the backup each QR code carries.
const QR_CHARS: usize = 300;

fn backed_up(did: &str) -> bool {
    crate::relays::storage()
        .and_then(|s| s.get_item(BACKED_UP).ok().flatten())
        .is_some_and(|d| d == did)
}

fn mark_backed_up(did: &str) {
    if let Some(s) = crate::relays::storage() {
        let _ = s.set_item(BACKED_UP, did);
    }
}

/// A made backup, ready to hand to the member.
#[derive(Clone, PartialEq)]
struct Made {
    did: String,
    url: String,
    file_name: String,
    text: String,
    parts: Vec<String>,
}

/// An address the page can offer `bytes` at, as a download of type `mime`.
pub(crate) fn download_url(bytes: &[u8], mime: &str) -> Result<String, String> {
    let array = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&array, &options)
        .map_err(|e| format!("{e:?}"))?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))
}

/// Lets the browser paint a "working" message before a long computation.
async fn let_paint() {
    crate::network::sleep_ms(30).await;
}

fn seal_backup(passphrase: &str) -> Result<Made, String> {
    let node = node().ok_or("The node is not open yet.")?;
    let keypair = node.identity().ok_or("There is no identity to back up.")?;
    let mut relays = crate::relays::saved();
    if let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) {
        relays.push(origin);
    }
    let content = Backup {
        keypair: hearth_core::Keypair::from_seed(&keypair.seed()),
        spaces: node.spaces().iter().map(|v| v.id()).collect(),
        relays,
        created_ms: SystemEnv.now_ms(),
    };
    let mut salt = [0u8; backup::SALT_LEN];
    let mut nonce = [0u8; backup::NONCE_LEN];
    SystemEnv.random_bytes(&mut salt);
    SystemEnv.random_bytes(&mut nonce);
    let sealed = backup::seal(&content, passphrase, KdfParams::DEFAULT, salt, nonce)
        .map_err(|e| e.to_string())?;
    let did = content.keypair.did();
    Ok(Made {
        did: did.to_string(),
        url: download_url(&sealed, "application/octet-stream")?,
        file_name: format!("hearth-backup-{}.hearthbackup", &did.to_string()[8..20]),
        text: backup::to_text(&sealed),
        parts: backup::qr_parts(&sealed, QR_CHARS),
    })
}

/// On the home screen until this browser's key has a backup (a new one
/// after the key changes): a nudge to make one.
#[component]
pub fn BackupPrompt(ui: Ui) -> impl IntoView {
    let key = node().and_then(|n| n.identity().map(|k| k.did().to_string()));
    let needed = key.as_deref().is_some_and(|d| !backed_up(d));
    view! {
        <Show when=move || needed>
            <section class="card notice" aria-labelledby="backup-prompt">
                <h2 id="backup-prompt">"Back up your identity"</h2>
                <p>"Your identity lives only on this device. If it is lost or its browser data is cleared, so is your identity — unless you keep a backup sealed with a passphrase."</p>
                <button id="backup-now" on:click=move |_| ui.screen.set(Screen::Settings)>"Back up now"</button>
            </section>
        </Show>
    }
}

/// The settings page: the member's identity and its backup.
#[component]
pub fn Settings(ui: Ui) -> impl IntoView {
    let did = node()
        .and_then(|n| crate::devices::me(&n).map(|d| d.to_string()))
        .unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="settings-title">
            <h2 id="settings-title">"Settings"</h2>
            <p>"Your identity:"</p>
            <p><code class="did" id="my-did">{did}</code></p>
            <button type="button" on:click=move |_| ui.screen.set(Screen::Home)>"Back to your spaces"</button>
        </section>
        <BackupCard ui=ui />
        <crate::devices::DevicesCard ui=ui />
        <crate::guardians::GuardiansCard ui=ui />
    }
}

#[component]
fn BackupCard(ui: Ui) -> impl IntoView {
    let passphrase = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let working = RwSignal::new(false);
    let made = RwSignal::new(None::<Made>);
    let shown = RwSignal::new(0usize);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if passphrase.get() != confirm.get() {
            return ui.error.set(Some("The two passphrases differ.".into()));
        }
        working.set(true);
        spawn_local(async move {
            let_paint().await;
            match seal_backup(&passphrase.get_untracked()) {
                Ok(m) => {
                    ui.error.set(None);
                    passphrase.set(String::new());
                    confirm.set(String::new());
                    shown.set(0);
                    // The previous backup's download address is let go.
                    if let Some(old) = made.get_untracked() {
                        let _ = web_sys::Url::revoke_object_url(&old.url);
                    }
                    made.set(Some(m));
                }
                Err(e) => ui.error.set(Some(format!("No backup was made: {e}"))),
            }
            working.set(false);
        });
    };
    let part = move || {
        made.get().and_then(|m| {
            m.parts
                .get(shown.get())
                .cloned()
                .map(|p| (p, m.parts.len()))
        })
    };
    // Backed up once the member has taken it away: downloaded the file,
    // copied the text, or gone through every QR code.
    let kept = move || {
        if let Some(m) = made.get_untracked() {
            mark_backed_up(&m.did);
        }
    };
    view! {
        <form class="card" on:submit=submit aria-labelledby="backup-title">
            <h2 id="backup-title">"Back up your identity"</h2>
            <p>"The backup holds your key, your spaces and your relays, sealed with a passphrase. Anyone with the backup and the passphrase can act as you: keep them apart."</p>
            <label for="backup-passphrase">"Passphrase (at least 8 characters)"</label>
            <input id="backup-passphrase" type="password" autocomplete="new-password"
                prop:value=move || passphrase.get()
                on:input=move |ev| passphrase.set(event_target_value(&ev)) />
            <label for="backup-confirm">"The passphrase again"</label>
            <input id="backup-confirm" type="password" autocomplete="new-password"
                prop:value=move || confirm.get()
                on:input=move |ev| confirm.set(event_target_value(&ev)) />
            <button type="submit" disabled=move || working.get()>"Make backup"</button>
            <p role="status">{move || working.get().then_some("Sealing your backup (a few seconds)…")}</p>
            <Show when=move || made.get().is_some()>
                <p><a id="backup-download" on:click=move |_| kept()
                    href=move || made.get().map(|m| m.url).unwrap_or_default()
                    download=move || made.get().map(|m| m.file_name).unwrap_or_default()>"Download the backup file"</a></p>
                <label for="backup-text">"The backup as text (to print or keep elsewhere)"</label>
                <textarea id="backup-text" readonly rows="4" on:copy=move |_| kept()
                    prop:value=move || made.get().map(|m| m.text).unwrap_or_default()></textarea>
                <div class="qr-sequence">
                    <p>{move || part().map(|(_, n)| format!("QR code {} of {n}: scan each on the other device", shown.get() + 1))}</p>
                    <div class="qr" inner_html=move || part().map(|(p, _)| qr_svg(&p, "QR code of part of the backup")).unwrap_or_default()></div>
                    <button type="button" disabled=move || shown.get() == 0
                        on:click=move |_| shown.update(|s| *s = s.saturating_sub(1))>"Previous"</button>
                    <button type="button" disabled=move || part().is_none_or(|(_, n)| shown.get() + 1 >= n)
                        on:click=move |_| {
                            shown.update(|s| *s += 1);
                            if part().is_some_and(|(_, n)| shown.get_untracked() + 1 >= n) {
                                kept();
                            }
                        }>"Next"</button>
                </div>
            </Show>
        </form>
    }
}

fn backup_bytes(file: Option<Vec<u8>>, text: &str) -> Result<Vec<u8>, String> {
    match file {
        Some(bytes) => backup::from_file_or_text(bytes).map_err(|e| e.to_string()),
        None if !text.trim().is_empty() => backup::from_text(text).map_err(|e| e.to_string()),
        None => Err("Choose the backup file, photos of its QR codes, or paste its text.".into()),
    }
}

/// The backup from photos of its QR codes (any order), if any are chosen.
async fn photos_bytes(input: NodeRef<leptos::html::Input>) -> Result<Option<Vec<u8>>, String> {
    let Some(files) = input
        .get()
        .and_then(|i| i.files())
        .filter(|f| f.length() > 0)
    else {
        return Ok(None);
    };
    let mut parts = Vec::new();
    for i in 0..files.length() {
        if let Some(file) = files.get(i) {
            let text = crate::chapter::decode_photo(&file)
                .await
                .map_err(|e| format!("{}: {e}", file.name()))?;
            parts.push(text);
        }
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    backup::join_parts(&refs)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// On the first screen: become the member a backup holds.
#[component]
pub fn Restore(ui: Ui) -> impl IntoView {
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    let photos: NodeRef<leptos::html::Input> = NodeRef::new();
    let text = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let working = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        working.set(true);
        spawn_local(async move {
            let outcome = async {
                let bytes = match photos_bytes(photos).await? {
                    Some(bytes) => bytes,
                    None => backup_bytes(
                        crate::import::chosen_file(input).await?,
                        &text.get_untracked(),
                    )?,
                };
                let_paint().await;
                let opened =
                    backup::open(&bytes, &passphrase.get_untracked()).map_err(|e| e.to_string())?;
                crate::keystore::save(&opened.keypair)
                    .await
                    .map_err(|e| format!("Could not save the identity: {e}"))?;
                Ok::<_, String>(opened)
            }
            .await;
            working.set(false);
            match outcome {
                Ok(opened) => {
                    ui.error.set(None);
                    crate::relays::add_all(&opened.relays);
                    crate::network::remember(&opened.spaces);
                    mark_backed_up(&opened.keypair.did().to_string());
                    open_node(ui, Some(opened.keypair)).await;
                }
                Err(e) => ui.error.set(Some(format!("Nothing was restored: {e}"))),
            }
        });
    };
    view! {
        <form class="card" on:submit=submit aria-labelledby="restore-title">
            <h2 id="restore-title">"Restore from a backup"</h2>
            <p>"Already a member on another device? Open your backup here to be the same member in this browser."</p>
            <label for="restore-file">"The backup file"</label>
            <input id="restore-file" type="file" accept=".hearthbackup,.txt" node_ref=input />
            <label for="restore-photos">"Or photos of its QR codes (all of them, any order)"</label>
            <input id="restore-photos" type="file" accept="image/*" multiple node_ref=photos />
            <label for="restore-text">"Or paste the backup text (or the QR codes' text, one per line)"</label>
            <textarea id="restore-text" rows="3" spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <label for="restore-passphrase">"Passphrase"</label>
            <input id="restore-passphrase" type="password" autocomplete="current-password"
                prop:value=move || passphrase.get()
                on:input=move |ev| passphrase.set(event_target_value(&ev)) />
            <button type="submit" disabled=move || working.get()>"Restore"</button>
            <p role="status">{move || working.get().then_some("Opening your backup (a few seconds)…")}</p>
        </form>
    }
}
