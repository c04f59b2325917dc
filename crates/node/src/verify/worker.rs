//! Signature checks in a browser Web Worker, on another core.
//!
//! The worker runs the `hearth-verifier` WebAssembly module (which imports
//! nothing) under a few lines of JavaScript; batches go to it packed
//! ([`hearth_core::sig::packed`]) and verdict bytes come back. A worker that
//! fails answers `None` for what it held and for everything after, and the
//! node verifies those batches itself.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use foldhash::HashMap;
use futures_channel::oneshot;
use hearth_core::sig::BatchItem;
use hearth_core::sig::packed;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker};

use super::{Verdicts, Verification, inline};

/// Batches smaller than this are verified inline: a round trip to the
/// worker costs more than they do.
const MIN_BATCH: usize = 64;

/// The page verifies a share of each batch itself, in sixteenths (after
/// handing the rest to the worker), adapted to which side waits: when the
/// worker's verdicts are not in yet by the time the page wants them, the
/// page had room and takes a sixteenth more next time; when they are, it
/// takes a sixteenth less. Local bulk ingest settles near a quarter (the
/// page's own work per op is smaller than a signature check); a sync from a
/// relay, where the page also decrypts and decodes the transfer, near none.
const SHARE_STEPS: usize = 16;
const MAX_PAGE_SHARE: usize = 8;
const START_PAGE_SHARE: usize = 4;

/// The worker's script. The first message is the module's bytes; every later
/// one a `{ id, batch }` answered by `{ id, verdicts }` (`null` if the batch
/// could not be verified). Batches wait for the module, in order.
const SCRIPT: &str = r#"
let ready = null;
self.onmessage = (event) => {
  if (ready === null) {
    ready = WebAssembly.instantiate(event.data, {}).then((r) => r.instance.exports);
    return;
  }
  const { id, batch } = event.data;
  ready.then((x) => {
    const at = x.hearth_verifier_input(batch.length);
    new Uint8Array(x.memory.buffer, at, batch.length).set(batch);
    const n = x.hearth_verifier_run();
    if (n < 0) { self.postMessage({ id, verdicts: null }); return; }
    const verdicts = new Uint8Array(x.memory.buffer, x.hearth_verifier_output(), n).slice();
    self.postMessage({ id, verdicts }, [verdicts.buffer]);
  }).catch(() => self.postMessage({ id, verdicts: null }));
};
"#;

/// Why a worker could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// The bytes are not a WebAssembly module.
    #[error("the signature worker's module is not WebAssembly")]
    NotWasm,
    /// The browser refused to create the worker or to send it the module.
    #[error("could not start the signature worker: {0}")]
    Start(String),
}

type Waiting = HashMap<u32, (oneshot::Sender<Option<Verdicts>>, usize)>;

struct Shared {
    waiting: RefCell<Waiting>,
    /// Set once the worker has failed: every later batch is answered `None`.
    failed: Cell<bool>,
}

impl Shared {
    fn fail_all(&self) {
        self.failed.set(true);
        for (_, (tx, _)) in self.waiting.borrow_mut().drain() {
            let _ = tx.send(None);
        }
    }
}

/// A Web Worker running Hearth's signature verifier. Dropping it ends the
/// worker.
pub struct WorkerVerifier {
    worker: Worker,
    shared: Rc<Shared>,
    next: Cell<u32>,
    /// Sixteenths of each batch the page verifies (see [`SHARE_STEPS`]).
    page_share: Rc<Cell<usize>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl WorkerVerifier {
    /// Starts a worker running the `hearth-verifier` module whose bytes are
    /// `module` (the worker compiles it; batches sent meanwhile wait for it).
    pub fn spawn(module: &[u8]) -> Result<Self, WorkerError> {
        let err = |e: JsValue| WorkerError::Start(format!("{e:?}"));
        let bytes = Uint8Array::from(module);
        if !js_sys::WebAssembly::validate(&bytes).unwrap_or(false) {
            return Err(WorkerError::NotWasm);
        }
        let options = BlobPropertyBag::new();
        options.set_type("text/javascript");
        let parts = Array::of1(&JsValue::from_str(SCRIPT));
        let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(err)?;
        let url = Url::create_object_url_with_blob(&blob).map_err(err)?;
        let worker = Worker::new(&url);
        let _ = Url::revoke_object_url(&url);
        let worker = worker.map_err(err)?;

        let shared = Rc::new(Shared {
            waiting: RefCell::new(HashMap::default()),
            failed: Cell::new(false),
        });
        let on_message = {
            let shared = Rc::clone(&shared);
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                answer(&shared, &event.data());
            })
        };
        let on_error = {
            let shared = Rc::clone(&shared);
            Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| shared.fail_all())
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        worker
            .post_message_with_transfer(&bytes, &Array::of1(&bytes.buffer()))
            .map_err(err)?;
        Ok(WorkerVerifier {
            worker,
            shared,
            next: Cell::new(0),
            page_share: Rc::new(Cell::new(START_PAGE_SHARE)),
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

/// Hands a worker's answer to the batch waiting for it.
fn answer(shared: &Shared, data: &JsValue) {
    let id = Reflect::get(data, &"id".into())
        .ok()
        .and_then(|v| v.as_f64())
        .map(|v| v as u32);
    let Some((tx, expected)) = id.and_then(|id| shared.waiting.borrow_mut().remove(&id)) else {
        return;
    };
    let verdicts = Reflect::get(data, &"verdicts".into())
        .ok()
        .and_then(|v| v.dyn_into::<Uint8Array>().ok())
        .and_then(|codes| packed::unpack_verdicts(&codes.to_vec(), expected).ok());
    let _ = tx.send(verdicts);
}

impl super::SignatureVerifier for WorkerVerifier {
    fn start(&self, items: &[BatchItem<'_>], seed: [u8; 32]) -> Verification {
        if items.len() < MIN_BATCH || self.shared.failed.get() {
            let verdicts = inline(items, seed);
            return Box::pin(std::future::ready(Some(verdicts)));
        }
        let (page, worker) = items.split_at(items.len() * self.page_share.get() / SHARE_STEPS);
        let id = self.next.get();
        self.next.set(id.wrapping_add(1));
        // The page's part uses its own coefficients: a seed per batch.
        let mut worker_seed = seed;
        worker_seed[0] ^= 0x80;
        let batch = Uint8Array::from(packed::pack(worker, worker_seed).as_slice());
        let message = Object::new();
        let sent = Reflect::set(&message, &"id".into(), &id.into())
            .and_then(|_| Reflect::set(&message, &"batch".into(), &batch))
            .and_then(|_| {
                self.worker
                    .post_message_with_transfer(&message, &Array::of1(&batch.buffer()))
            });
        if sent.is_err() {
            self.shared.fail_all();
            return Box::pin(std::future::ready(None));
        }
        let (tx, rx) = oneshot::channel();
        self.shared
            .waiting
            .borrow_mut()
            .insert(id, (tx, worker.len()));
        let mut verdicts = inline(page, seed);
        let share = Rc::clone(&self.page_share);
        Box::pin(async move {
            let mut rx = rx;
            let answer = match rx.try_recv() {
                // Already in: the worker waited for the page.
                Ok(Some(answer)) => {
                    share.set(share.get().saturating_sub(1));
                    answer
                }
                // Not yet: the page waits for the worker.
                Ok(None) => {
                    share.set((share.get() + 1).min(MAX_PAGE_SHARE));
                    rx.await.ok()?
                }
                Err(_) => None,
            };
            verdicts.extend(answer?);
            Some(verdicts)
        })
    }
}

impl Drop for WorkerVerifier {
    fn drop(&mut self) {
        self.worker.terminate();
        self.shared.fail_all();
    }
}
