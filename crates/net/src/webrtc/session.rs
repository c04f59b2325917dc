//! One signaling exchange as a sans-IO state machine: what to send, what
//! to hand the `RTCPeerConnection`, and when the exchange is done or has
//! failed. The driver (the browser transport) feeds it what the peer
//! connection and the signaling stream report, performs the [`Action`]s in
//! order, and reads the time from its own clock.
//!
//! The order it keeps: an offer or answer goes out before any local
//! candidate (the peer cannot add candidates before it has a description),
//! and the peer's candidates reach the connection only after its
//! description has been set.

use super::message::Signal;

/// Which side of the exchange this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Opened the signaling stream and sends the offer.
    Offerer,
    /// Took the stream and answers.
    Answerer,
}

/// What happened, as the driver saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The connection made its offer or answer (set locally already).
    LocalDescription(String),
    /// The connection gathered a candidate (`None`: gathering finished).
    LocalCandidate(Option<String>),
    /// The peer sent a message.
    Received(Signal),
    /// The signaling stream ended (the peer closed or reset it).
    StreamClosed,
    /// The connection is up.
    Connected,
    /// The connection failed (ICE found no path, DTLS failed) or closed.
    ConnectionFailed,
}

/// What the driver does next, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write this message on the signaling stream.
    Send(Signal),
    /// Set the peer's offer as the remote description and make an answer.
    AcceptOffer(String),
    /// Set the peer's answer as the remote description.
    AcceptAnswer(String),
    /// Add a candidate of the peer's.
    AddCandidate(String),
}

/// Why an exchange failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalingError {
    /// The peer sent something out of turn.
    #[error("peer sent {got} while {state}")]
    Unexpected {
        /// What it sent.
        got: &'static str,
        /// What this side was waiting for.
        state: &'static str,
    },
    /// The stream ended before the exchange could complete.
    #[error("signaling stream closed while {0}")]
    Closed(&'static str),
    /// ICE or DTLS failed.
    #[error("the WebRTC connection failed")]
    ConnectionFailed,
    /// Nothing completed in time (a lost message, a peer that went away).
    #[error("no WebRTC connection after {0} ms")]
    Timeout(u64),
    /// The peer sent more candidates than any connection needs.
    #[error("more than {0} ICE candidates")]
    TooManyCandidates(usize),
    /// This browser finished gathering without a single candidate (its
    /// network or its settings let no direct connection through).
    #[error("this browser found no address to connect directly from (no ICE candidates)")]
    NoCandidates,
}

/// Candidates taken from a peer in one exchange (a browser gathers a
/// handful per interface).
pub const MAX_CANDIDATES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Offerer: making its offer. Answerer: waiting for the offer.
    Starting,
    /// Offerer: offer sent, waiting for the answer.
    AwaitingAnswer,
    /// Answerer: offer set, making the answer.
    Answering,
    /// Both descriptions are set; ICE and DTLS are running.
    Connecting,
    /// The connection is up.
    Connected,
    /// The exchange failed.
    Failed,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Starting => "starting",
            State::AwaitingAnswer => "awaiting the answer",
            State::Answering => "answering",
            State::Connecting => "connecting",
            State::Connected => "connected",
            State::Failed => "failed",
        }
    }
}

/// One exchange.
#[derive(Debug)]
pub struct Session {
    role: Role,
    state: State,
    deadline_ms: u64,
    timeout_ms: u64,
    /// Whether this side's description went out.
    described: bool,
    /// Whether the peer's description is set.
    remote_set: bool,
    /// Local candidates gathered before the description went out.
    local_queue: Vec<Option<String>>,
    /// The peer's candidates that came before its description.
    remote_queue: Vec<String>,
    remote_candidates: usize,
    local_candidates: usize,
    error: Option<SignalingError>,
}

impl Session {
    /// An exchange started at `now_ms` that must complete within
    /// `timeout_ms`.
    pub fn new(role: Role, now_ms: u64, timeout_ms: u64) -> Self {
        Session {
            role,
            state: State::Starting,
            deadline_ms: now_ms.saturating_add(timeout_ms),
            timeout_ms,
            described: false,
            remote_set: false,
            local_queue: Vec::new(),
            remote_queue: Vec::new(),
            remote_candidates: 0,
            local_candidates: 0,
            error: None,
        }
    }

    /// Which side this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the connection is up.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// Why the exchange failed, once it has.
    pub fn error(&self) -> Option<&SignalingError> {
        self.error.as_ref()
    }

    /// When [`Session::tick`] must next be called.
    pub fn deadline_ms(&self) -> u64 {
        self.deadline_ms
    }

    /// Whether the exchange is over, either way.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Connected | State::Failed)
    }

    /// The time is `now_ms`: past the deadline an unfinished exchange fails.
    pub fn tick(&mut self, now_ms: u64) {
        if !self.is_finished() && now_ms >= self.deadline_ms {
            self.fail(SignalingError::Timeout(self.timeout_ms));
        }
    }

    fn fail(&mut self, error: SignalingError) {
        if !self.is_finished() {
            self.state = State::Failed;
            self.error = Some(error);
        }
    }

    fn unexpected(&mut self, got: &'static str) {
        let state = self.state.name();
        self.fail(SignalingError::Unexpected { got, state });
    }

    /// Feeds one event; returns what to do, in order.
    pub fn handle(&mut self, event: Event) -> Vec<Action> {
        if self.is_finished() {
            return Vec::new();
        }
        let mut actions = Vec::new();
        match event {
            Event::LocalDescription(sdp) => self.described(sdp, &mut actions),
            // Gathering over with nothing to offer: no pair can work.
            Event::LocalCandidate(None) if self.local_candidates == 0 => {
                self.fail(SignalingError::NoCandidates);
            }
            Event::LocalCandidate(candidate) => {
                self.local_candidates += usize::from(candidate.is_some());
                if self.described {
                    actions.push(Action::Send(Signal::Candidate(candidate)));
                } else {
                    self.local_queue.push(candidate);
                }
            }
            Event::Received(signal) => self.received(signal, &mut actions),
            Event::StreamClosed => match self.state {
                // Everything needed went across; ICE may still finish.
                State::Connecting => {}
                state => self.fail(SignalingError::Closed(state.name())),
            },
            Event::Connected if self.state == State::Connecting => {
                self.state = State::Connected;
            }
            Event::Connected => self.unexpected("a connection"),
            Event::ConnectionFailed => self.fail(SignalingError::ConnectionFailed),
        }
        if self.is_finished() {
            actions.clear();
        }
        actions
    }

    fn described(&mut self, sdp: String, actions: &mut Vec<Action>) {
        let signal = match (self.role, self.state, self.described) {
            (Role::Offerer, State::Starting, false) => {
                self.state = State::AwaitingAnswer;
                Signal::Offer(sdp)
            }
            (Role::Answerer, State::Answering, false) => {
                self.state = State::Connecting;
                Signal::Answer(sdp)
            }
            _ => return self.unexpected("a second local description"),
        };
        self.described = true;
        actions.push(Action::Send(signal));
        actions.extend(
            self.local_queue
                .drain(..)
                .map(|c| Action::Send(Signal::Candidate(c))),
        );
    }

    fn received(&mut self, signal: Signal, actions: &mut Vec<Action>) {
        match (signal, self.role, self.state) {
            (Signal::Offer(sdp), Role::Answerer, State::Starting) => {
                self.state = State::Answering;
                self.remote_set = true;
                actions.push(Action::AcceptOffer(sdp));
                self.release_remote(actions);
            }
            (Signal::Answer(sdp), Role::Offerer, State::AwaitingAnswer) => {
                self.state = State::Connecting;
                self.remote_set = true;
                actions.push(Action::AcceptAnswer(sdp));
                self.release_remote(actions);
            }
            (Signal::Offer(_), ..) => self.unexpected("an offer"),
            (Signal::Answer(_), ..) => self.unexpected("an answer"),
            (Signal::Candidate(None), ..) => {}
            (Signal::Candidate(Some(candidate)), ..) => {
                self.remote_candidates += 1;
                if self.remote_candidates > MAX_CANDIDATES {
                    self.fail(SignalingError::TooManyCandidates(MAX_CANDIDATES));
                } else if self.remote_set {
                    actions.push(Action::AddCandidate(candidate));
                } else {
                    self.remote_queue.push(candidate);
                }
            }
        }
    }

    fn release_remote(&mut self, actions: &mut Vec<Action>) {
        actions.extend(self.remote_queue.drain(..).map(Action::AddCandidate));
    }
}
