//! One libp2p stream over one data channel, framed as the libp2p WebRTC
//! spec says ([`crate::webrtc::frame`]): `FIN` closes a half and is
//! answered with `FIN_ACK`, `STOP_SENDING` and `RESET_STREAM` end one
//! early.
//!
//! The [`Stream`] handle and a [`Closer`] share the channel. Once the
//! handle is dropped the closer, polled by the connection, finishes the
//! job: it resets a half left open, keeps answering the peer's `FIN`, and
//! closes the channel when both halves are done or [`CLOSE_TIMEOUT`] has
//! passed, so nothing written is cut off and no channel is left open.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures::{AsyncRead, AsyncWrite, FutureExt};
use futures_timer::Delay;
use send_wrapper::SendWrapper;

use super::channel::DataChannel;
use crate::webrtc::frame::{Decoder, Flag, Frame, Halves, MAX_PAYLOAD, Read, Write};

/// How long a dropped stream waits for the peer to finish closing.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

struct Inner {
    channel: DataChannel,
    decoder: Decoder,
    halves: Halves,
    /// Payload not yet read.
    readable: VecDeque<u8>,
    /// Flags to send as soon as the channel takes them.
    control: VecDeque<Flag>,
    dropped: bool,
    closer: Option<Waker>,
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

impl Inner {
    /// Sends queued flags while the channel takes them.
    fn poll_control(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(flag) = self.control.front().copied() {
            futures::ready!(self.channel.poll_ready(cx))?;
            self.channel.send(&Frame::encode(Some(flag), b""))?;
            self.control.pop_front();
        }
        Poll::Ready(Ok(()))
    }

    /// Takes what the channel delivered: payload for the reader, flags for
    /// the halves. Pending once nothing more is there.
    fn poll_pump(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            while let Some(frame) = self.decoder.next_frame().map_err(invalid)? {
                let flag = frame.checked_flag().map_err(invalid)?;
                if let Some(data) = frame.message
                    && self.halves.reads()
                {
                    self.readable.extend(data);
                }
                if let Some(answer) = flag.and_then(|f| self.halves.received(f)) {
                    self.control.push_back(answer);
                }
            }
            let _ = self.poll_control(cx)?;
            let mut bytes = Vec::new();
            match self.channel.poll_read(cx, &mut bytes)? {
                Poll::Ready(0) => {
                    // The channel closed under us: nothing more either way.
                    if self.halves.read == Read::Open {
                        self.halves.read = Read::Reset;
                    }
                    if matches!(self.halves.write, Write::Open | Write::FinSent) {
                        self.halves.write = Write::Reset;
                    }
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(_) => self.decoder.push(&bytes),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The stream, as the swarm uses it.
pub struct Stream {
    inner: SendWrapper<Rc<RefCell<Inner>>>,
}

/// What finishes closing a stream once it is dropped.
pub struct Closer {
    inner: SendWrapper<Rc<RefCell<Inner>>>,
    timeout: Option<SendWrapper<Delay>>,
}

/// A stream on `channel`, and its closer (for the connection to poll).
pub fn new(channel: DataChannel) -> (Stream, Closer) {
    let inner = Rc::new(RefCell::new(Inner {
        channel,
        decoder: Decoder::default(),
        halves: Halves::default(),
        readable: VecDeque::new(),
        control: VecDeque::new(),
        dropped: false,
        closer: None,
    }));
    (
        Stream {
            inner: SendWrapper::new(inner.clone()),
        },
        Closer {
            inner: SendWrapper::new(inner),
            timeout: None,
        },
    )
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut inner = self.inner.borrow_mut();
        loop {
            if !inner.readable.is_empty() {
                let n = buf.len().min(inner.readable.len());
                for (slot, byte) in buf.iter_mut().zip(inner.readable.drain(..n)) {
                    *slot = byte;
                }
                return Poll::Ready(Ok(n));
            }
            match inner.halves.read {
                Read::Finished | Read::Stopped => return Poll::Ready(Ok(0)),
                Read::Reset => return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into())),
                Read::Open => {}
            }
            // Pending once the channel has nothing more, perhaps after
            // taking in payload or the peer's FIN: look again before
            // waiting (a FIN with no payload ends the read now, or a
            // reader waiting for the end would wait for ever).
            if inner.poll_pump(cx)?.is_pending()
                && inner.readable.is_empty()
                && inner.halves.read == Read::Open
            {
                return Poll::Pending;
            }
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut inner = self.inner.borrow_mut();
        // Take in flags the peer sent (a STOP_SENDING ends the writing).
        let _ = inner.poll_pump(cx)?;
        inner.halves.writable().map_err(io::Error::from)?;
        futures::ready!(inner.channel.poll_ready(cx))?;
        let n = buf.len().min(MAX_PAYLOAD);
        inner.channel.send(&Frame::encode(None, &buf[..n]))?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.inner.borrow_mut();
        futures::ready!(inner.poll_control(cx))?;
        inner.channel.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.inner.borrow_mut();
        if inner.halves.write == Write::Open {
            futures::ready!(inner.channel.poll_ready(cx))?;
            inner.channel.send(&Frame::encode(Some(Flag::Fin), b""))?;
            inner.halves.write = Write::FinSent;
        }
        // The FIN_ACK is waited for after the drop, by the closer: the
        // channel stays open until then.
        Poll::Ready(Ok(()))
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        inner.dropped = true;
        if inner.halves.write == Write::Open {
            inner.halves.write = Write::Reset;
            inner.control.push_back(Flag::ResetStream);
        }
        if inner.halves.read == Read::Open {
            inner.halves.read = Read::Stopped;
            inner.control.push_back(Flag::StopSending);
        }
        if let Some(w) = inner.closer.take() {
            w.wake();
        }
    }
}

impl Future for Closer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let inner = self.inner.clone();
        let mut inner = inner.borrow_mut();
        if !inner.dropped {
            inner.closer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let timeout = self
            .timeout
            .get_or_insert_with(|| SendWrapper::new(Delay::new(CLOSE_TIMEOUT)));
        let timed_out = timeout.poll_unpin(cx).is_ready();
        let broken = matches!(inner.poll_pump(cx), Poll::Ready(Err(_)));
        let sent = matches!(inner.poll_control(cx), Poll::Ready(Ok(())));
        if broken || timed_out || (sent && inner.halves.is_done()) {
            inner.channel.close();
            return Poll::Ready(());
        }
        Poll::Pending
    }
}
