//! Importing ops from a file: another member's CAR export, or a backup.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Ui, refresh_home, write};

/// The bytes of the file chosen in `input`, if one is.
pub(crate) async fn chosen_file(
    input: NodeRef<leptos::html::Input>,
) -> Result<Option<Vec<u8>>, String> {
    let Some(file) = input.get().and_then(|i| i.files()).and_then(|f| f.get(0)) else {
        return Ok(None);
    };
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "That file could not be read.".to_owned())?;
    Ok(Some(js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// Imports ops from a CAR file (another member's export, or a backup), with
/// progress: each step is durable before it is counted.
#[component]
pub fn Import(ui: Ui) -> impl IntoView {
    let input: NodeRef<leptos::html::Input> = NodeRef::new();
    let chosen = move |_| {
        spawn_local(async move {
            let buffer = match chosen_file(input).await {
                Ok(Some(b)) => b,
                Ok(None) => return,
                Err(e) => return ui.error.set(Some(e)),
            };
            let archive = match hearth_core::car::read_car(&buffer) {
                Ok(a) => a,
                Err(e) => {
                    return ui
                        .error
                        .set(Some(format!("Not a Hearth export (CAR file): {e}")));
                }
            };
            let blocks: Vec<Vec<u8>> = archive.blocks.into_iter().map(|(_, b)| b).collect();
            ui.progress.set(Some((0, blocks.len())));
            ui.imported.set(None);
            let outcome = write(ui, move |node| async move {
                node.ingest(blocks, move |p| ui.progress.set(Some((p.done, p.total))))
                    .await
            })
            .await;
            ui.progress.set(None);
            refresh_home(ui).await;
            match outcome {
                Some(Ok(r)) => {
                    ui.error.set(None);
                    ui.imported.set(Some(format!(
                        "Imported {} new ops ({} already here, {} waiting for history, {} refused).",
                        r.accepted.len(),
                        r.duplicates,
                        r.pending,
                        r.quarantined.len()
                    )));
                }
                Some(Err(e)) => ui.error.set(Some(format!("The import stopped: {e}"))),
                None => {}
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="import-title">
            <h2 id="import-title">"Import"</h2>
            <label for="import-file">"Ops from a file (a CAR export)"</label>
            <input id="import-file" type="file" accept=".car" node_ref=input on:change=chosen />
            <Show when=move || ui.progress.get().is_some()>
                <div role="status" class="progress">
                    <progress
                        max=move || ui.progress.get().map_or(1, |p| p.1)
                        value=move || ui.progress.get().map_or(0, |p| p.0)
                        aria-label="Import progress"
                    ></progress>
                    <span class="progress-text">
                        {move || ui.progress.get().map(|(d, t)| format!("Imported {d} of {t} ops"))}
                    </span>
                </div>
            </Show>
            <p class="imported" role="status">{move || ui.imported.get()}</p>
        </section>
    }
}
