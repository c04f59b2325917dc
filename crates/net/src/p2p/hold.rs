//! Holds back the streams a relay opens on a WebRTC-direct connection until
//! the browser has opened one of its own.
//!
//! A browser's libp2p (`libp2p-webrtc-websys`) starts listening for data
//! channels only after its Noise handshake, which finishes on the relay's
//! side first; channels the relay opens in between are lost, and each of
//! those streams waits out its 10 s negotiation timeout: identify, gossip
//! and sync would start 10 s late. A stream from the browser shows it is
//! listening, so the relay's own streams wait for the first one (or a
//! short grace, for a peer that never opens any) and then go out at once.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt;
use futures_timer::Delay;
use libp2p::core::muxing::{StreamMuxer, StreamMuxerEvent};

/// How long outbound streams wait for the peer's first stream at most.
pub(super) const GRACE: Duration = Duration::from_secs(2);

/// A muxer whose outbound streams wait until an inbound one arrived.
pub(super) struct HoldOutbound<M> {
    inner: M,
    open: bool,
    grace: Delay,
}

impl<M> HoldOutbound<M> {
    pub(super) fn new(inner: M, grace: Duration) -> Self {
        HoldOutbound {
            inner,
            open: false,
            grace: Delay::new(grace),
        }
    }

    /// Whether outbound streams go out now.
    #[cfg(test)]
    pub(super) fn is_open(&self) -> bool {
        self.open
    }
}

impl<M: StreamMuxer + Unpin> StreamMuxer for HoldOutbound<M> {
    type Substream = M::Substream;
    type Error = M::Error;

    fn poll_inbound(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Self::Substream, Self::Error>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_inbound(cx);
        if let Poll::Ready(Ok(_)) = &polled {
            this.open = true;
        }
        polled
    }

    fn poll_outbound(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Self::Substream, Self::Error>> {
        let this = &mut *self;
        if !this.open {
            // The timer wakes this task when the grace is over; an inbound
            // stream is polled on the same task and opens the way sooner.
            if this.grace.poll_unpin(cx).is_pending() {
                return Poll::Pending;
            }
            this.open = true;
        }
        Pin::new(&mut this.inner).poll_outbound(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<StreamMuxerEvent, Self::Error>> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use futures::io::Cursor;
    use futures::task::noop_waker;

    use super::*;

    /// A muxer whose streams are always ready, and inbound ones only when
    /// the peer opened one.
    struct Ready {
        peer_opened: bool,
    }

    impl StreamMuxer for Ready {
        type Substream = Cursor<Vec<u8>>;
        type Error = io::Error;
        fn poll_inbound(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Result<Self::Substream, io::Error>> {
            if self.peer_opened {
                Poll::Ready(Ok(Cursor::new(Vec::new())))
            } else {
                Poll::Pending
            }
        }
        fn poll_outbound(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Result<Self::Substream, io::Error>> {
            Poll::Ready(Ok(Cursor::new(Vec::new())))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
            Poll::Ready(Ok(()))
        }
        fn poll(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Result<StreamMuxerEvent, io::Error>> {
            Poll::Pending
        }
    }

    #[test]
    fn outbound_streams_wait_for_the_peers_first_stream() {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut muxer = HoldOutbound::new(Ready { peer_opened: false }, Duration::from_secs(60));
        assert!(Pin::new(&mut muxer).poll_outbound(&mut cx).is_pending());
        assert!(Pin::new(&mut muxer).poll_inbound(&mut cx).is_pending());
        assert!(!muxer.is_open());
        muxer.inner.peer_opened = true;
        assert!(Pin::new(&mut muxer).poll_inbound(&mut cx).is_ready());
        assert!(muxer.is_open());
        assert!(Pin::new(&mut muxer).poll_outbound(&mut cx).is_ready());
    }

    #[test]
    fn outbound_streams_go_out_after_the_grace_without_one() {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut muxer = HoldOutbound::new(Ready { peer_opened: false }, Duration::from_millis(20));
        assert!(Pin::new(&mut muxer).poll_outbound(&mut cx).is_pending());
        std::thread::sleep(Duration::from_millis(60));
        assert!(Pin::new(&mut muxer).poll_outbound(&mut cx).is_ready());
        assert!(muxer.is_open());
    }
}
