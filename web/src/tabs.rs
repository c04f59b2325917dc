//! Several tabs of one origin share one IndexedDB database. Writes take an
//! origin-wide lock (Web Locks API) so only one tab writes at a time, and each
//! writer first catches up with what other tabs committed; after a write, a
//! BroadcastChannel message tells the other tabs to refresh their views.
//! (IndexedDB's own transactions already keep the store consistent; the lock
//! keeps one member's log from being extended by two tabs at once.)

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::{BroadcastChannel, MessageEvent};

const LOCK: &str = "hearth-writer";
const CHANNEL: &str = "hearth-changes";

/// Runs `work` while holding the writer lock. Browsers without Web Locks run
/// it directly.
pub async fn exclusive<T: 'static>(work: impl Future<Output = T> + 'static) -> T {
    let slot: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let out = slot.clone();
    let job = async move {
        *out.borrow_mut() = Some(work.await);
        Ok(JsValue::UNDEFINED)
    };
    let locks = web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &"locks".into()).ok())
        .filter(|l| !l.is_undefined());
    let request = locks.and_then(|locks| {
        let request: Function = Reflect::get(&locks, &"request".into())
            .ok()?
            .dyn_into()
            .ok()?;
        Some((locks, request))
    });
    match request {
        Some((locks, request)) => {
            let mut job = Some(job);
            let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
                future_to_promise(job.take().expect("the lock callback runs once"))
            });
            if let Ok(p) = request.call2(&locks, &LOCK.into(), &callback) {
                let _ = JsFuture::from(Promise::from(p)).await;
            }
        }
        None => {
            let _ = job.await;
        }
    }
    slot.borrow_mut().take().expect("the locked work ran")
}

fn channel() -> Option<BroadcastChannel> {
    BroadcastChannel::new(CHANNEL).ok()
}

/// Tells other tabs that this tab committed something.
pub fn announce_change() {
    if let Some(c) = channel() {
        let _ = c.post_message(&"changed".into());
        c.close();
    }
}

/// Calls `on_change` whenever another tab announces a change. Lives as long
/// as the page.
pub fn listen(on_change: impl Fn() + 'static) {
    let Some(c) = channel() else { return };
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |_| on_change());
    c.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    std::mem::forget(c);
}
