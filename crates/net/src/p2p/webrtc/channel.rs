//! One `RTCDataChannel`, polled: the bytes it delivers, and messages sent
//! once it is open and not backed up; the framing (`super::stream`) runs
//! on top.
//!
//! - Reads: each message the browser delivers is appended to a buffer;
//!   more than [`MAX_READ_BUFFER`] unread is an error (the peer ignores
//!   flow control), so a channel never holds more than that.
//! - Sends wait while the browser buffers more than [`MAX_BUFFERED`] and
//!   are woken when that drains, and wait for the channel to open, so a
//!   stream is usable as soon as it is created.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Event, MessageEvent, RtcDataChannel, RtcDataChannelState, RtcDataChannelType};

/// Bytes the browser may hold unsent before writes wait.
pub const MAX_BUFFERED: u32 = 256 * 1024;
/// Writes resume once the browser's buffer is down to this.
const LOW_WATER: u32 = 64 * 1024;
/// Unread bytes a channel holds before it gives up on the peer.
pub const MAX_READ_BUFFER: usize = 1024 * 1024;

#[derive(Default)]
struct Shared {
    read: VecDeque<u8>,
    overflow: bool,
    closed: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

impl Shared {
    fn wake_all(&mut self) {
        for w in [self.read_waker.take(), self.write_waker.take()]
            .into_iter()
            .flatten()
        {
            w.wake();
        }
    }
}

struct Handlers {
    channel: RtcDataChannel,
    _open: Closure<dyn FnMut(Event)>,
    _low: Closure<dyn FnMut(Event)>,
    _close: Closure<dyn FnMut(Event)>,
    _message: Closure<dyn FnMut(MessageEvent)>,
}

impl Drop for Handlers {
    fn drop(&mut self) {
        let c = &self.channel;
        c.set_onopen(None);
        c.set_onbufferedamountlow(None);
        c.set_onclose(None);
        c.set_onerror(None);
        c.set_onmessage(None);
        c.close();
    }
}

/// A data channel, polled; it closes when dropped.
pub struct DataChannel {
    shared: Rc<RefCell<Shared>>,
    handlers: Handlers,
}

impl DataChannel {
    /// Takes over `channel`: its event handlers are this stream's from now on.
    pub fn new(channel: RtcDataChannel) -> Self {
        channel.set_binary_type(RtcDataChannelType::Arraybuffer);
        channel.set_buffered_amount_low_threshold(LOW_WATER);
        let shared = Rc::new(RefCell::new(Shared {
            closed: matches!(
                channel.ready_state(),
                RtcDataChannelState::Closing | RtcDataChannelState::Closed
            ),
            ..Shared::default()
        }));
        let wake_writer = |shared: &Rc<RefCell<Shared>>| {
            let shared = shared.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                if let Some(w) = shared.borrow_mut().write_waker.take() {
                    w.wake();
                }
            })
        };
        let open = wake_writer(&shared);
        let low = wake_writer(&shared);
        let close = {
            let shared = shared.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                let mut s = shared.borrow_mut();
                s.closed = true;
                s.wake_all();
            })
        };
        let message = {
            let shared = shared.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                // Binary only: the framing never sends text.
                let Ok(buffer) = e.data().dyn_into::<ArrayBuffer>() else {
                    return;
                };
                let bytes = Uint8Array::new(&buffer).to_vec();
                let mut s = shared.borrow_mut();
                if s.read.len() + bytes.len() > MAX_READ_BUFFER {
                    s.overflow = true;
                } else {
                    s.read.extend(bytes);
                }
                if let Some(w) = s.read_waker.take() {
                    w.wake();
                }
            })
        };
        channel.set_onopen(Some(open.as_ref().unchecked_ref()));
        channel.set_onbufferedamountlow(Some(low.as_ref().unchecked_ref()));
        channel.set_onclose(Some(close.as_ref().unchecked_ref()));
        channel.set_onerror(Some(close.as_ref().unchecked_ref()));
        channel.set_onmessage(Some(message.as_ref().unchecked_ref()));
        DataChannel {
            shared,
            handlers: Handlers {
                channel,
                _open: open,
                _low: low,
                _close: close,
                _message: message,
            },
        }
    }

    fn channel(&self) -> &RtcDataChannel {
        &self.handlers.channel
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "data channel closed")
}

impl DataChannel {
    /// Moves what arrived into `into`; `Ok(0)` once the channel closed
    /// with nothing left.
    pub fn poll_read(&self, cx: &mut Context<'_>, into: &mut Vec<u8>) -> Poll<io::Result<usize>> {
        let mut s = self.shared.borrow_mut();
        if s.overflow {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "peer sent more than a data channel buffers",
            )));
        }
        if !s.read.is_empty() {
            let n = s.read.len();
            into.extend(s.read.drain(..));
            return Poll::Ready(Ok(n));
        }
        if s.closed {
            return Poll::Ready(Ok(0));
        }
        s.read_waker = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Ready when a message can be sent now.
    pub fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_buffered(cx, MAX_BUFFERED)
    }

    /// Ready when what was sent has mostly left the browser.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_buffered(cx, LOW_WATER)
    }

    fn poll_buffered(&self, cx: &mut Context<'_>, most: u32) -> Poll<io::Result<()>> {
        let channel = self.channel();
        match channel.ready_state() {
            RtcDataChannelState::Open if channel.buffered_amount() <= most => Poll::Ready(Ok(())),
            RtcDataChannelState::Open | RtcDataChannelState::Connecting => {
                self.shared.borrow_mut().write_waker = Some(cx.waker().clone());
                Poll::Pending
            }
            _ => Poll::Ready(Err(closed())),
        }
    }

    /// Sends one message (after [`DataChannel::poll_ready`]).
    pub fn send(&self, message: &[u8]) -> io::Result<()> {
        self.channel()
            .send_with_u8_array(message)
            .map_err(|_| closed())
    }

    /// Closes the channel.
    pub fn close(&self) {
        self.channel().close();
    }
}
