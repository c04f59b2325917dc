//! The tab's signature worker: bulk ingest (a sync from the relay, an
//! import) checks signatures in a Web Worker on another core while the page
//! validates, folds and stores. The worker runs `hearth-verifier.wasm`,
//! which the build puts beside the app and the service worker caches. If it
//! cannot be fetched or started, the node verifies on the page, as before.

use std::cell::RefCell;
use std::rc::Rc;

use hearth_node::{SignatureVerifier, WorkerVerifier};
use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const MODULE_URL: &str = "/hearth-verifier.wasm";

thread_local! {
    static SHARED: RefCell<Option<Rc<dyn SignatureVerifier>>> = const { RefCell::new(None) };
}

/// The tab's signature worker, started on first use; `None` (after a note
/// in the console) when it cannot run here.
pub async fn shared() -> Option<Rc<dyn SignatureVerifier>> {
    if let Some(v) = SHARED.with_borrow(Clone::clone) {
        return Some(v);
    }
    match start().await {
        Ok(worker) => {
            // Two nodes opening at once both start one; the first stays.
            let worker = SHARED.with_borrow_mut(|shared| {
                let first = shared.get_or_insert_with(|| Rc::new(worker));
                Rc::clone(first)
            });
            Some(worker)
        }
        Err(e) => {
            web_sys::console::warn_1(&format!("Signatures are checked on the page: {e}").into());
            None
        }
    }
}

async fn start() -> Result<WorkerVerifier, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(MODULE_URL))
        .await
        .map_err(|e| format!("fetching {MODULE_URL}: {e:?}"))?
        .unchecked_into();
    if !response.ok() {
        return Err(format!("{MODULE_URL} answered {}", response.status()));
    }
    let buffer = response.array_buffer().map_err(|e| format!("{e:?}"))?;
    let bytes = JsFuture::from(buffer)
        .await
        .map_err(|e| format!("reading {MODULE_URL}: {e:?}"))?;
    WorkerVerifier::spawn(&Uint8Array::new(&bytes).to_vec()).map_err(|e| e.to_string())
}
