//! A space's membership as a W3C Verifiable Credential: the member downloads
//! theirs (signed by their key, `eddsa-jcs-2022`), and anyone can check a
//! credential pasted here, offline, and against this node's view of the
//! chapter.

use hearth_core::SpaceId;
use hearth_core::credential;
use hearth_node::{Env, SystemEnv};
use leptos::prelude::*;

use crate::app::{Ui, node, short};

fn issue(id: SpaceId) -> Result<String, String> {
    let node = node().ok_or("The node is not open yet.")?;
    let me = node.identity().ok_or("There is no identity.")?;
    let view = node.space(&id).ok_or("This space is not on this device.")?;
    let now = SystemEnv.now_ms();
    let unsigned = credential::membership(view.chapter(), &me.did(), &me.did(), now)
        .map_err(|e| e.to_string())?;
    let signed =
        credential::sign(&unsigned, me, &credential::date_time(now)).map_err(|e| e.to_string())?;
    serde_json::to_string_pretty(&signed).map_err(|e| e.to_string())
}

fn check(id: SpaceId, text: &str) -> String {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => return "Invalid: this is not a credential (JSON expected).".into(),
    };
    let signer = match credential::verify_credential(&value) {
        Ok(d) => d,
        Err(e) => return format!("Invalid: {e}."),
    };
    let claim = credential::membership_claim(&value).filter(|(chapter, _)| *chapter == id);
    let standing = match (claim, node().and_then(|n| n.space(&id))) {
        (Some((_, who)), Some(view)) => {
            let current = credential::is_current_member(view.chapter(), &who);
            format!(
                " {} is {} of this space here.",
                short(&who.to_string()),
                if current {
                    "a current member"
                } else {
                    "not a current member"
                }
            )
        }
        _ => " It is not about this space.".into(),
    };
    format!("Valid: signed by {}.{standing}", short(&signer.to_string()))
}

/// On a space's page: download my membership credential; check one.
#[component]
pub fn CredentialCard(ui: Ui, id: SpaceId) -> impl IntoView {
    let url = RwSignal::new(None::<String>);
    let pasted = RwSignal::new(String::new());
    let result = RwSignal::new(None::<String>);
    let make = move |_| match issue(id)
        .and_then(|json| crate::backup::download_url(json.as_bytes(), "application/json"))
    {
        Ok(u) => {
            ui.error.set(None);
            if let Some(old) = url.get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&old);
            }
            url.set(Some(u));
        }
        Err(e) => ui.error.set(Some(format!("No credential was made: {e}"))),
    };
    let verify = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        result.set(Some(check(id, &pasted.get())));
    };
    view! {
        <form class="card" on:submit=verify aria-labelledby="credential-title">
            <h3 id="credential-title">"Membership credential"</h3>
            <p>"A signed statement that you are a member here, which any Verifiable Credentials wallet or verifier can check."</p>
            <button type="button" id="make-credential" on:click=make>"Make my membership credential"</button>
            <Show when=move || url.get().is_some()>
                <p><a id="credential-download" href=move || url.get().unwrap_or_default()
                    download="hearth-membership.json">"Download the credential"</a></p>
            </Show>
            <label for="credential-text">"Check a credential (paste it)"</label>
            <textarea id="credential-text" rows="3" spellcheck="false"
                prop:value=move || pasted.get()
                on:input=move |ev| {
                    pasted.set(event_target_value(&ev));
                    result.set(None);
                }></textarea>
            <button type="submit">"Check"</button>
            <p role="status" class="credential-result">{move || result.get()}</p>
        </form>
    }
}
