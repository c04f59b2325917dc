//! A direct WebRTC connection as a libp2p [`StreamMuxer`]: every libp2p
//! stream is one `RTCDataChannel` (label `""`, negotiated in band), framed
//! as the libp2p WebRTC spec says ([`super::stream`]).
//!
//! The handler for the peer's data channels is installed when the
//! `RTCPeerConnection` is created, before signaling even starts, so no
//! channel the peer opens early is missed. Dropping the connection closes
//! the peer connection and with it every data channel.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures::StreamExt;
use futures::channel::mpsc;
use futures::stream::FuturesUnordered;
use libp2p::core::muxing::{StreamMuxer, StreamMuxerEvent};
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{
    Event, RtcDataChannelEvent, RtcDataChannelInit, RtcPeerConnection, RtcPeerConnectionState,
};

use super::channel::DataChannel;
use super::stream::{self, Closer, Stream};

/// Data channels the peer may open that this side has not taken yet.
const INBOUND_QUEUE: usize = 64;

/// The label of the channel an offerer opens only to start ICE (spec,
/// step 4); it carries no stream.
pub(super) const INIT_LABEL: &str = "init";

/// Why a WebRTC connection stopped.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// ICE or DTLS failed, or the peer closed the connection.
    #[error("WebRTC connection {0}")]
    Gone(&'static str),
}

#[derive(Default)]
struct Watch {
    gone: Option<&'static str>,
    waker: Option<Waker>,
}

struct Inner {
    pc: RtcPeerConnection,
    inbound: mpsc::Receiver<DataChannel>,
    closers: FuturesUnordered<Closer>,
    watch: Rc<RefCell<Watch>>,
    no_more_listeners: Option<Waker>,
    _on_channel: Closure<dyn FnMut(RtcDataChannelEvent)>,
    _on_state: Closure<dyn FnMut(Event)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.pc.set_ondatachannel(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.close();
    }
}

/// A direct connection to a peer.
pub struct Connection {
    inner: SendWrapper<Inner>,
}

impl Connection {
    /// Takes over `pc` as it is created (before any description is set).
    pub(super) fn new(pc: RtcPeerConnection) -> Self {
        let (mut tx, inbound) = mpsc::channel(INBOUND_QUEUE);
        let on_channel =
            Closure::<dyn FnMut(RtcDataChannelEvent)>::new(move |e: RtcDataChannelEvent| {
                let channel = e.channel();
                if channel.label() == INIT_LABEL {
                    return;
                }
                // Its message handler goes on now: the peer writes as soon
                // as the channel is open, and a message that arrives before
                // the swarm takes the stream would be lost. A peer opening
                // channels faster than they are taken gets them closed.
                if let Err(e) = tx.try_send(DataChannel::new(channel)) {
                    e.into_inner().close();
                }
            });
        pc.set_ondatachannel(Some(on_channel.as_ref().unchecked_ref()));
        let watch: Rc<RefCell<Watch>> = Rc::default();
        let on_state = {
            let watch = watch.clone();
            let pc = pc.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                let gone = match pc.connection_state() {
                    RtcPeerConnectionState::Failed => "failed",
                    RtcPeerConnectionState::Closed => "closed",
                    _ => return,
                };
                let mut w = watch.borrow_mut();
                w.gone = Some(gone);
                if let Some(waker) = w.waker.take() {
                    waker.wake();
                }
            })
        };
        pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
        Connection {
            inner: SendWrapper::new(Inner {
                pc,
                inbound,
                closers: FuturesUnordered::new(),
                watch,
                no_more_listeners: None,
                _on_channel: on_channel,
                _on_state: on_state,
            }),
        }
    }

    fn stream(&mut self, channel: DataChannel) -> Stream {
        let (stream, closer) = stream::new(channel);
        self.inner.closers.push(closer);
        if let Some(w) = self.inner.no_more_listeners.take() {
            w.wake();
        }
        stream
    }

    /// The stream WebRTC-direct's Noise handshake runs on: data channel 0,
    /// negotiated by both sides rather than announced. Made before the
    /// offer, so the offer includes the data channels.
    pub(super) fn handshake_stream(&mut self) -> Stream {
        let init = RtcDataChannelInit::new();
        init.set_negotiated(true);
        init.set_id(0);
        let channel = self
            .inner
            .pc
            .create_data_channel_with_data_channel_dict("", &init);
        self.stream(DataChannel::new(channel))
    }

    fn gone(&self) -> Option<ConnectionError> {
        self.inner.watch.borrow().gone.map(ConnectionError::Gone)
    }
}

impl StreamMuxer for Connection {
    type Substream = Stream;
    type Error = ConnectionError;

    fn poll_inbound(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Stream, ConnectionError>> {
        if let Some(e) = self.gone() {
            return Poll::Ready(Err(e));
        }
        match self.inner.inbound.poll_next_unpin(cx) {
            Poll::Ready(Some(channel)) => Poll::Ready(Ok(self.stream(channel))),
            Poll::Ready(None) => Poll::Ready(Err(ConnectionError::Gone("closed"))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_outbound(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Result<Stream, ConnectionError>> {
        if let Some(e) = self.gone() {
            return Poll::Ready(Err(e));
        }
        let init = RtcDataChannelInit::new();
        init.set_ordered(true);
        let channel = self
            .inner
            .pc
            .create_data_channel_with_data_channel_dict("", &init);
        Poll::Ready(Ok(self.stream(DataChannel::new(channel))))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ConnectionError>> {
        self.inner.pc.close();
        Poll::Ready(Ok(()))
    }

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<StreamMuxerEvent, ConnectionError>> {
        if let Some(e) = self.gone() {
            return Poll::Ready(Err(e));
        }
        self.inner.watch.borrow_mut().waker = Some(cx.waker().clone());
        // Streams dropped by their users finish closing here.
        loop {
            match self.inner.closers.poll_next_unpin(cx) {
                Poll::Ready(Some(_)) => continue,
                Poll::Ready(None) => {
                    self.inner.no_more_listeners = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
