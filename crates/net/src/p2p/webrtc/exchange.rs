//! Drives one signaling exchange ([`crate::webrtc::session::Session`]) over
//! a `/webrtc-signaling/0.0.1` stream and a browser `RTCPeerConnection`:
//! the session decides, this performs (sends frames, sets descriptions,
//! adds candidates) and reports what the browser and the stream did.

use std::time::Duration;

use futures::channel::mpsc;
use futures::{AsyncRead, AsyncReadExt, AsyncWriteExt, FutureExt, StreamExt};
use futures_timer::Delay;
use js_sys::{JSON, Reflect};
use libp2p::Stream;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Event, RtcConfiguration, RtcIceCandidateInit, RtcIceServer, RtcPeerConnection,
    RtcPeerConnectionIceEvent, RtcPeerConnectionState, RtcSdpType, RtcSessionDescriptionInit,
};
use web_time::Instant;

use super::WebRtcError;
use super::connection::{Connection, INIT_LABEL};
use crate::webrtc::message::{MAX_FRAME, Signal};
use crate::webrtc::session::{Action, Event as SessionEvent, Role, Session};

/// What an `RTCPeerConnection` is made with.
#[derive(Debug, Clone, Default)]
pub struct RtcOptions {
    /// STUN (or TURN) server URLs, for finding this device's public address.
    pub ice_servers: Vec<String>,
    /// How long an exchange may take.
    pub timeout: Duration,
}

pub(super) fn js_error(what: &'static str) -> impl Fn(wasm_bindgen::JsValue) -> WebRtcError {
    move |e| WebRtcError::Browser(format!("{what}: {}", describe(&e)))
}

fn describe(e: &wasm_bindgen::JsValue) -> String {
    e.as_string()
        .or_else(|| {
            Reflect::get(e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

pub(super) fn peer_connection(options: &RtcOptions) -> Result<RtcPeerConnection, WebRtcError> {
    let config = RtcConfiguration::new();
    if !options.ice_servers.is_empty() {
        let servers = js_sys::Array::new();
        for url in &options.ice_servers {
            let server = RtcIceServer::new();
            server.set_urls(&url.into());
            servers.push(&server);
        }
        config.set_ice_servers(&servers);
    }
    RtcPeerConnection::new_with_configuration(&config).map_err(js_error("RTCPeerConnection"))
}

/// Listens on a peer connection's events while an exchange runs.
struct Listeners {
    pc: RtcPeerConnection,
    candidate: Closure<dyn FnMut(RtcPeerConnectionIceEvent)>,
    state: Closure<dyn FnMut(Event)>,
}

impl Listeners {
    fn new(pc: &RtcPeerConnection, events: mpsc::UnboundedSender<SessionEvent>) -> Self {
        let tx = events.clone();
        let candidate = Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new(
            move |e: RtcPeerConnectionIceEvent| {
                let candidate = e.candidate();
                // An empty one only marks the end of a generation; the
                // end of gathering is the event without one.
                if candidate.as_ref().is_some_and(|c| c.candidate().is_empty()) {
                    return;
                }
                let json = candidate.and_then(|c| {
                    JSON::stringify(&c.to_json())
                        .ok()
                        .and_then(|s| s.as_string())
                });
                let _ = tx.unbounded_send(SessionEvent::LocalCandidate(json));
            },
        );
        let state = {
            let pc = pc.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                let event = match pc.connection_state() {
                    RtcPeerConnectionState::Connected => SessionEvent::Connected,
                    RtcPeerConnectionState::Failed
                    | RtcPeerConnectionState::Disconnected
                    | RtcPeerConnectionState::Closed => SessionEvent::ConnectionFailed,
                    _ => return,
                };
                let _ = events.unbounded_send(event);
            })
        };
        let _ =
            pc.add_event_listener_with_callback("icecandidate", candidate.as_ref().unchecked_ref());
        let _ = pc.add_event_listener_with_callback(
            "connectionstatechange",
            state.as_ref().unchecked_ref(),
        );
        Listeners {
            pc: pc.clone(),
            candidate,
            state,
        }
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        let _ = self.pc.remove_event_listener_with_callback(
            "icecandidate",
            self.candidate.as_ref().unchecked_ref(),
        );
        let _ = self.pc.remove_event_listener_with_callback(
            "connectionstatechange",
            self.state.as_ref().unchecked_ref(),
        );
    }
}

async fn read_frame(reader: &mut (impl AsyncRead + Unpin)) -> Result<Option<Signal>, WebRtcError> {
    let len = match unsigned_varint::aio::read_usize(&mut *reader).await {
        Ok(len) => len,
        Err(unsigned_varint::io::ReadError::Io(e))
            if e.kind() == std::io::ErrorKind::UnexpectedEof =>
        {
            return Ok(None);
        }
        Err(e) => return Err(WebRtcError::Signaling(e.to_string())),
    };
    if len > MAX_FRAME {
        return Err(WebRtcError::Signaling(format!("frame of {len} bytes")));
    }
    let mut body = vec![0; len];
    reader
        .read_exact(&mut body)
        .await
        .map_err(|e| WebRtcError::Signaling(e.to_string()))?;
    Signal::decode(&body)
        .map(Some)
        .map_err(|e| WebRtcError::Signaling(e.to_string()))
}

/// Sets a description: the peer's (`remote`) or this side's.
pub(super) async fn set_description(
    pc: &RtcPeerConnection,
    remote: bool,
    kind: RtcSdpType,
    sdp: &str,
) -> Result<(), WebRtcError> {
    let init = RtcSessionDescriptionInit::new(kind);
    init.set_sdp(sdp);
    if remote {
        JsFuture::from(pc.set_remote_description(&init))
            .await
            .map_err(js_error("setRemoteDescription"))?;
    } else {
        JsFuture::from(pc.set_local_description(&init))
            .await
            .map_err(js_error("setLocalDescription"))?;
    }
    Ok(())
}

/// Makes this side's offer or answer (not set yet); returns its SDP.
pub(super) async fn make_description(
    pc: &RtcPeerConnection,
    role: Role,
) -> Result<String, WebRtcError> {
    let made = match role {
        Role::Offerer => JsFuture::from(pc.create_offer()).await,
        Role::Answerer => JsFuture::from(pc.create_answer()).await,
    }
    .map_err(js_error("createOffer/createAnswer"))?;
    Reflect::get(&made, &"sdp".into())
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| WebRtcError::Browser("description without SDP".into()))
}

async fn description(
    pc: &RtcPeerConnection,
    kind: RtcSdpType,
    sdp: &str,
) -> Result<(), WebRtcError> {
    set_description(pc, true, kind, sdp).await
}

/// Makes this side's offer or answer and sets it; returns its SDP.
async fn local_description(pc: &RtcPeerConnection, role: Role) -> Result<String, WebRtcError> {
    let sdp = make_description(pc, role).await?;
    let kind = match role {
        Role::Offerer => RtcSdpType::Offer,
        Role::Answerer => RtcSdpType::Answer,
    };
    set_description(pc, false, kind, &sdp).await?;
    Ok(sdp)
}

/// Runs the exchange on `stream` as `role`; returns the connection once
/// it is up.
pub(super) async fn run(
    stream: Stream,
    role: Role,
    options: RtcOptions,
) -> Result<Connection, WebRtcError> {
    let pc = peer_connection(&options)?;
    // The muxer's handlers go on first: no data channel is missed.
    let connection = Connection::new(pc.clone());
    let init = (role == Role::Offerer).then(|| pc.create_data_channel(INIT_LABEL));
    let started = Instant::now();
    let now = move || started.elapsed().as_millis() as u64;
    let timeout_ms = options.timeout.as_millis() as u64;
    let mut session = Session::new(role, now(), timeout_ms);
    let (events_tx, mut events) = mpsc::unbounded();
    let listeners = Listeners::new(&pc, events_tx.clone());
    let (reader, mut writer) = stream.split();
    // Frames until the stream ends; a fused stream is skipped once over.
    let mut frames = Box::pin(futures::stream::unfold(Some(reader), |r| async move {
        let mut r = r?;
        match read_frame(&mut r).await {
            Ok(Some(signal)) => Some((Ok(signal), Some(r))),
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    }))
    .fuse();
    let mut pending: Vec<SessionEvent> = Vec::new();
    if role == Role::Offerer {
        pending.push(SessionEvent::LocalDescription(
            local_description(&pc, role).await?,
        ));
    }
    let outcome = loop {
        for event in std::mem::take(&mut pending) {
            let actions = session.handle(event);
            for action in actions {
                match action {
                    Action::Send(signal) => {
                        // A stream the peer closed cannot take more; the
                        // session already knows from the read side.
                        let _ = writer.write_all(&signal.encode()).await;
                    }
                    Action::AcceptOffer(sdp) => {
                        description(&pc, RtcSdpType::Offer, &sdp).await?;
                        pending.push(SessionEvent::LocalDescription(
                            local_description(&pc, role).await?,
                        ));
                    }
                    Action::AcceptAnswer(sdp) => {
                        description(&pc, RtcSdpType::Answer, &sdp).await?;
                    }
                    Action::AddCandidate(json) => {
                        // A candidate the browser cannot use is skipped,
                        // as others may still work.
                        if let Ok(init) = JSON::parse(&json) {
                            let init: RtcIceCandidateInit = init.unchecked_into();
                            let promise =
                                pc.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init));
                            let _ = JsFuture::from(promise).await;
                        }
                    }
                }
            }
        }
        session.tick(now());
        if session.is_connected() {
            break Ok(());
        }
        if let Some(e) = session.error() {
            break Err(WebRtcError::Session(e.clone()));
        }
        let wait = Duration::from_millis(session.deadline_ms().saturating_sub(now()));
        futures::select! {
            event = events.next() => pending.extend(event),
            frame = frames.next() => match frame {
                Some(Ok(signal)) => pending.push(SessionEvent::Received(signal)),
                Some(Err(e)) => break Err(e),
                None => pending.push(SessionEvent::StreamClosed),
            },
            () = Delay::new(wait).fuse() => {}
        }
    };
    drop(listeners);
    match outcome {
        Ok(()) => {
            if let Some(init) = init {
                init.close();
            }
            let _ = writer.close().await;
            Ok(connection)
        }
        Err(e) => Err(e),
    }
}
