use super::attempts::{AlreadyDialing, Attempts, Incoming, MAX_ANSWERING};
use super::message::Signal;
use super::session::{Action, Event, MAX_CANDIDATES, Role, Session, SignalingError};

const TIMEOUT: u64 = 10_000;

fn cand(n: u32) -> String {
    format!(r#"{{"candidate":"candidate:{n} 1 udp 1 10.0.0.{n} 9 typ host","sdpMid":"0"}}"#)
}

#[test]
fn offerer_sends_its_offer_before_any_candidate() {
    let mut s = Session::new(Role::Offerer, 0, TIMEOUT);
    // Gathering can start before the offer is written.
    assert!(s.handle(Event::LocalCandidate(Some(cand(1)))).is_empty());
    assert_eq!(
        s.handle(Event::LocalDescription("offer".into())),
        [
            Action::Send(Signal::Offer("offer".into())),
            Action::Send(Signal::Candidate(Some(cand(1)))),
        ]
    );
    assert_eq!(
        s.handle(Event::LocalCandidate(None)),
        [Action::Send(Signal::Candidate(None))]
    );
    // The peer's candidates that come before its answer wait for it.
    assert!(
        s.handle(Event::Received(Signal::Candidate(Some(cand(2)))))
            .is_empty()
    );
    assert_eq!(
        s.handle(Event::Received(Signal::Answer("answer".into()))),
        [
            Action::AcceptAnswer("answer".into()),
            Action::AddCandidate(cand(2)),
        ]
    );
    assert_eq!(
        s.handle(Event::Received(Signal::Candidate(Some(cand(3))))),
        [Action::AddCandidate(cand(3))]
    );
    assert!(!s.is_connected());
    s.handle(Event::Connected);
    assert!(s.is_connected() && s.is_finished() && s.error().is_none());
}

#[test]
fn answerer_holds_early_candidates_until_the_offer_is_set() {
    let mut s = Session::new(Role::Answerer, 0, TIMEOUT);
    assert!(
        s.handle(Event::Received(Signal::Candidate(Some(cand(1)))))
            .is_empty()
    );
    assert!(
        s.handle(Event::Received(Signal::Candidate(None)))
            .is_empty()
    );
    assert_eq!(
        s.handle(Event::Received(Signal::Offer("offer".into()))),
        [
            Action::AcceptOffer("offer".into()),
            Action::AddCandidate(cand(1)),
        ]
    );
    // Its own candidates wait for its answer.
    assert!(s.handle(Event::LocalCandidate(Some(cand(4)))).is_empty());
    assert_eq!(
        s.handle(Event::LocalDescription("answer".into())),
        [
            Action::Send(Signal::Answer("answer".into())),
            Action::Send(Signal::Candidate(Some(cand(4)))),
        ]
    );
    // The offerer closing the stream once it is connected changes nothing.
    assert!(s.handle(Event::StreamClosed).is_empty());
    s.handle(Event::Connected);
    assert!(s.is_connected());
}

/// Two sessions wired together; `lose` drops the messages it matches.
fn exchange(lose: impl Fn(&Signal) -> bool) -> (Session, Session) {
    let mut offerer = Session::new(Role::Offerer, 0, TIMEOUT);
    let mut answerer = Session::new(Role::Answerer, 0, TIMEOUT);
    let mut to_answerer = offerer.handle(Event::LocalDescription("offer".into()));
    to_answerer.extend(offerer.handle(Event::LocalCandidate(Some(cand(1)))));
    let mut to_offerer = Vec::new();
    for action in to_answerer {
        let Action::Send(signal) = action else {
            panic!("the offerer only sends: {action:?}")
        };
        if lose(&signal) {
            continue;
        }
        for next in answerer.handle(Event::Received(signal)) {
            if let Action::AcceptOffer(_) = next {
                to_offerer.extend(answerer.handle(Event::LocalDescription("answer".into())));
            }
        }
    }
    for action in to_offerer {
        if let Action::Send(signal) = action
            && !lose(&signal)
        {
            offerer.handle(Event::Received(signal));
        }
    }
    (offerer, answerer)
}

#[test]
fn a_lost_answer_ends_in_a_timeout_not_a_hang() {
    let (mut offerer, mut answerer) = exchange(|s| matches!(s, Signal::Answer(_)));
    // The answerer did its part and waits for ICE; the offerer waits for
    // an answer that never comes.
    offerer.tick(TIMEOUT - 1);
    assert!(!offerer.is_finished());
    offerer.tick(TIMEOUT);
    assert_eq!(offerer.error(), Some(&SignalingError::Timeout(TIMEOUT)));
    // No connection comes up on the answerer's side either: it times out.
    answerer.tick(TIMEOUT);
    assert_eq!(answerer.error(), Some(&SignalingError::Timeout(TIMEOUT)));
    // Once failed, nothing more is done.
    assert!(
        offerer
            .handle(Event::Received(Signal::Answer("late".into())))
            .is_empty()
    );
    assert!(!offerer.is_connected());
}

#[test]
fn a_lost_offer_leaves_the_answerer_waiting_until_its_deadline() {
    let (offerer, mut answerer) = exchange(|s| matches!(s, Signal::Offer(_)));
    assert!(!offerer.is_finished() && !answerer.is_finished());
    answerer.tick(TIMEOUT);
    assert_eq!(answerer.error(), Some(&SignalingError::Timeout(TIMEOUT)));
}

#[test]
fn lost_candidates_still_connect_when_ice_finds_a_path() {
    // Trickled candidates are a speed-up: the descriptions carry enough
    // for ICE to try, so the exchange completes when the connection does.
    let (mut offerer, mut answerer) = exchange(|s| matches!(s, Signal::Candidate(_)));
    offerer.handle(Event::Connected);
    answerer.handle(Event::Connected);
    assert!(offerer.is_connected() && answerer.is_connected());
}

#[test]
fn out_of_turn_messages_and_failures_are_named() {
    let mut answerer = Session::new(Role::Answerer, 0, TIMEOUT);
    answerer.handle(Event::Received(Signal::Answer("a".into())));
    assert_eq!(
        answerer.error(),
        Some(&SignalingError::Unexpected {
            got: "an answer",
            state: "starting"
        })
    );
    // Two offerers on one stream: each gets the other's offer.
    let mut offerer = Session::new(Role::Offerer, 0, TIMEOUT);
    offerer.handle(Event::LocalDescription("o".into()));
    offerer.handle(Event::Received(Signal::Offer("o2".into())));
    assert!(matches!(
        offerer.error(),
        Some(SignalingError::Unexpected {
            got: "an offer",
            ..
        })
    ));

    let mut closed = Session::new(Role::Offerer, 0, TIMEOUT);
    closed.handle(Event::LocalDescription("o".into()));
    closed.handle(Event::StreamClosed);
    assert_eq!(
        closed.error(),
        Some(&SignalingError::Closed("awaiting the answer"))
    );

    let mut failed = Session::new(Role::Offerer, 0, TIMEOUT);
    failed.handle(Event::LocalDescription("o".into()));
    failed.handle(Event::Received(Signal::Answer("a".into())));
    failed.handle(Event::ConnectionFailed);
    assert_eq!(failed.error(), Some(&SignalingError::ConnectionFailed));

    let mut flooded = Session::new(Role::Answerer, 0, TIMEOUT);
    for n in 0..=MAX_CANDIDATES as u32 {
        flooded.handle(Event::Received(Signal::Candidate(Some(cand(n)))));
    }
    assert_eq!(
        flooded.error(),
        Some(&SignalingError::TooManyCandidates(MAX_CANDIDATES))
    );
}

#[test]
fn glare_leaves_one_exchange_offered_by_the_lower_id() {
    let (a, b) = (1u64, 2u64);
    let mut at_a = Attempts::new(a);
    let mut at_b = Attempts::new(b);
    let a_dial = at_a.dial(b).expect("fresh dial");
    let b_dial = at_b.dial(a).expect("fresh dial");
    // Each receives the other's offer.
    assert_eq!(at_a.incoming(b), Incoming::KeepOurs);
    assert_eq!(at_b.incoming(a), Incoming::AnswerAndAbandon(b_dial));
    // A's offer goes on, B no longer dials.
    assert!(at_a.is_dialing(&b) && !at_b.is_dialing(&a));
    at_a.dial_ended(&b, a_dial);
    at_b.answer_ended(&a);
    // A stale end (the abandoned attempt finishing late) leaves a new dial.
    let again = at_b.dial(a).expect("fresh dial");
    at_b.dial_ended(&a, b_dial);
    assert!(at_b.is_dialing(&a));
    assert_eq!(at_b.dial(a), Err(AlreadyDialing));
    at_b.dial_ended(&a, again);
    assert!(!at_b.is_dialing(&a));
}

#[test]
fn answers_are_bounded() {
    let mut at = Attempts::new(0u64);
    for peer in 1..=MAX_ANSWERING as u64 {
        assert_eq!(at.incoming(peer), Incoming::Answer);
    }
    assert_eq!(at.incoming(1_000), Incoming::Busy);
    at.answer_ended(&1);
    assert_eq!(at.incoming(1_000), Incoming::Answer);
}

mod frames {
    use crate::webrtc::frame::{
        Decoder, Flag, Frame, FrameError, Halves, MAX_FRAME, MAX_PAYLOAD, Read, Write,
    };

    /// Bytes worked out by hand from protobuf's rules (field 1 varint: tag
    /// 0x08; field 2 bytes: tag 0x12 and a length), after the frame's
    /// varint length.
    #[test]
    fn frames_as_on_the_wire() {
        assert_eq!(Frame::encode(Some(Flag::Fin), b""), [2, 0x08, 0x00]);
        assert_eq!(Frame::encode(Some(Flag::FinAck), b""), [2, 0x08, 0x03]);
        assert_eq!(Frame::encode(None, b"hi"), [4, 0x12, 2, b'h', b'i']);
        assert_eq!(
            Frame::encode(Some(Flag::ResetStream), b"x"),
            [5, 0x08, 0x02, 0x12, 1, b'x']
        );
        // The largest payload, with a flag, still fits one message.
        let big = Frame::encode(Some(Flag::Fin), &[7; MAX_PAYLOAD + 100]);
        assert!(big.len() <= MAX_FRAME, "{}", big.len());
    }

    #[test]
    fn the_decoder_takes_frames_split_and_joined_across_messages() {
        let mut bytes = Frame::encode(None, b"hello");
        bytes.extend(Frame::encode(Some(Flag::Fin), b""));
        let mut d = Decoder::default();
        d.push(&bytes[..3]);
        assert_eq!(d.next_frame(), Ok(None));
        d.push(&bytes[3..]);
        let first = d.next_frame().expect("a frame").expect("whole");
        assert_eq!(first.message.as_deref(), Some(&b"hello"[..]));
        assert_eq!(first.checked_flag(), Ok(None));
        let second = d.next_frame().expect("a frame").expect("whole");
        assert_eq!(second.checked_flag(), Ok(Some(Flag::Fin)));
        assert_eq!(d.next_frame(), Ok(None));

        let mut long = Decoder::default();
        long.push(&[0xff, 0xff, 0x01]);
        assert!(matches!(long.next_frame(), Err(FrameError::TooLong(_))));
        let mut unknown = Decoder::default();
        unknown.push(&[2, 0x08, 0x09]);
        let frame = unknown.next_frame().expect("decodes").expect("whole");
        assert_eq!(frame.checked_flag(), Err(FrameError::UnknownFlag(9)));
    }

    #[test]
    fn closing_waits_for_the_fin_ack() {
        let (mut a, mut b) = (Halves::default(), Halves::default());
        // A is done writing.
        a.write = Write::FinSent;
        assert_eq!(b.received(Flag::Fin), Some(Flag::FinAck));
        assert_eq!(b.read, Read::Finished);
        assert!(!a.is_done(), "A still waits for the FIN_ACK and B's FIN");
        a.received(Flag::FinAck);
        assert_eq!(a.write, Write::Acked);
        // B closes too.
        b.write = Write::FinSent;
        assert_eq!(a.received(Flag::Fin), Some(Flag::FinAck));
        assert!(a.is_done());
        assert!(!b.is_done());
        b.received(Flag::FinAck);
        assert!(b.is_done());
        assert_eq!(b.writable(), Err(std::io::ErrorKind::BrokenPipe));
    }

    #[test]
    fn stop_sending_and_reset_end_a_half() {
        let mut h = Halves::default();
        assert_eq!(h.writable(), Ok(()));
        h.received(Flag::StopSending);
        assert_eq!(h.writable(), Err(std::io::ErrorKind::BrokenPipe));
        assert!(h.reads());
        h.received(Flag::ResetStream);
        assert!(!h.reads());
        assert_eq!(h.read, Read::Reset);
        // A FIN after a reset changes nothing but is still acknowledged.
        assert_eq!(h.received(Flag::Fin), Some(Flag::FinAck));
        assert_eq!(h.read, Read::Reset);
        assert!(h.is_done());
        // After a STOP_SENDING this side still waits for the peer's FIN.
        let mut stopped = Halves {
            read: Read::Stopped,
            write: Write::Acked,
        };
        assert!(!stopped.is_done());
        assert_eq!(stopped.received(Flag::Fin), Some(Flag::FinAck));
        assert!(stopped.is_done());
        // A FIN_ACK nobody waits for is ignored.
        let mut open = Halves::default();
        open.received(Flag::FinAck);
        assert_eq!(open.write, Write::Open);
    }
}

#[test]
fn gathering_no_candidate_at_all_fails_at_once() {
    for role in [Role::Offerer, Role::Answerer] {
        let mut s = Session::new(role, 0, TIMEOUT);
        if role == Role::Answerer {
            s.handle(Event::Received(Signal::Offer("offer".into())));
        }
        s.handle(Event::LocalDescription("sdp".into()));
        assert!(s.handle(Event::LocalCandidate(None)).is_empty());
        assert_eq!(s.error(), Some(&SignalingError::NoCandidates), "{role:?}");
    }
    // One candidate is enough to go on.
    let mut s = Session::new(Role::Offerer, 0, TIMEOUT);
    s.handle(Event::LocalDescription("offer".into()));
    s.handle(Event::LocalCandidate(Some(cand(1))));
    assert_eq!(
        s.handle(Event::LocalCandidate(None)),
        [Action::Send(Signal::Candidate(None))]
    );
    assert_eq!(s.error(), None);
}
