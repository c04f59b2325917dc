//! The signaling protocol's message (`/webrtc-signaling/0.0.1`): one
//! protobuf `Message { optional Type type = 1; optional string data = 2; }`
//! per frame, each prefixed with its length as an unsigned varint.

use prost::Message as _;

/// The signaling protocol's name.
pub const SIGNALING_PROTOCOL: &str = "/webrtc-signaling/0.0.1";

/// The largest signaling frame taken (an SDP is a few KiB).
pub const MAX_FRAME: usize = 64 * 1024;

/// What a frame carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Kind {
    /// `RTCSessionDescription.sdp` of an offer.
    SdpOffer = 0,
    /// `RTCSessionDescription.sdp` of an answer.
    SdpAnswer = 1,
    /// `RTCIceCandidate.toJSON()` as JSON; `null` ends the candidates.
    IceCandidate = 2,
}

/// One signaling frame, as on the wire.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Frame {
    /// What `data` is ([`Kind`]).
    #[prost(enumeration = "Kind", optional, tag = "1")]
    pub kind: Option<i32>,
    /// The SDP or candidate.
    #[prost(string, optional, tag = "2")]
    pub data: Option<String>,
}

/// A signaling message, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// An SDP offer.
    Offer(String),
    /// An SDP answer.
    Answer(String),
    /// An ICE candidate (`RTCIceCandidateInit` as JSON), or `None` when the
    /// sender's candidates are all gathered.
    Candidate(Option<String>),
}

/// Why a frame is not a signaling message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not a protobuf `Message`, or longer than [`MAX_FRAME`].
    #[error("not a signaling frame: {0}")]
    Decode(String),
    /// A type this version does not know, or none.
    #[error("signaling frame of unknown type {0:?}")]
    UnknownKind(Option<i32>),
    /// An offer or answer without its SDP.
    #[error("signaling frame without data")]
    NoData,
}

impl Signal {
    /// The frame for this message.
    pub fn to_frame(&self) -> Frame {
        let (kind, data) = match self {
            Signal::Offer(sdp) => (Kind::SdpOffer, sdp.clone()),
            Signal::Answer(sdp) => (Kind::SdpAnswer, sdp.clone()),
            Signal::Candidate(Some(json)) => (Kind::IceCandidate, json.clone()),
            Signal::Candidate(None) => (Kind::IceCandidate, "null".to_owned()),
        };
        Frame {
            kind: Some(kind as i32),
            data: Some(data),
        }
    }

    /// The message a frame carries.
    pub fn from_frame(frame: Frame) -> Result<Self, FrameError> {
        let kind = frame
            .kind
            .and_then(|k| Kind::try_from(k).ok())
            .ok_or(FrameError::UnknownKind(frame.kind))?;
        match (kind, frame.data) {
            (Kind::SdpOffer, Some(sdp)) => Ok(Signal::Offer(sdp)),
            (Kind::SdpAnswer, Some(sdp)) => Ok(Signal::Answer(sdp)),
            (Kind::SdpOffer | Kind::SdpAnswer, None) => Err(FrameError::NoData),
            // A null candidate ends gathering, an empty one a generation
            // (https://www.w3.org/TR/webrtc/#rtcpeerconnectioniceevent).
            (Kind::IceCandidate, data) => Ok(Signal::Candidate(
                data.filter(|d| !matches!(d.trim(), "" | "null" | "\"\"")),
            )),
        }
    }

    /// The length-prefixed bytes of this message.
    pub fn encode(&self) -> Vec<u8> {
        self.to_frame().encode_length_delimited_to_vec()
    }

    /// One message from a frame's body (without its length prefix).
    pub fn decode(body: &[u8]) -> Result<Self, FrameError> {
        if body.len() > MAX_FRAME {
            return Err(FrameError::Decode(format!(
                "{} bytes, more than {MAX_FRAME}",
                body.len()
            )));
        }
        let frame = Frame::decode(body).map_err(|e| FrameError::Decode(e.to_string()))?;
        Signal::from_frame(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes protobuf gives these messages, worked out by hand from
    /// the encoding rules (field 1 varint: tag 0x08; field 2 string: tag
    /// 0x12, then its length), each after the frame's varint length.
    #[test]
    fn frames_are_length_prefixed_protobuf() {
        assert_eq!(
            Signal::Offer("v=0".into()).encode(),
            [7, 0x08, 0x00, 0x12, 3, b'v', b'=', b'0']
        );
        assert_eq!(
            Signal::Answer("x".into()).encode(),
            [5, 0x08, 0x01, 0x12, 1, b'x']
        );
        assert_eq!(
            Signal::Candidate(None).encode(),
            [8, 0x08, 0x02, 0x12, 4, b'n', b'u', b'l', b'l']
        );
    }

    #[test]
    fn messages_round_trip_and_bad_frames_are_refused() {
        for signal in [
            Signal::Offer("v=0\r\n".into()),
            Signal::Answer("v=0\r\n".into()),
            Signal::Candidate(Some(
                r#"{"candidate":"candidate:1 1 udp 1 ::1 9 typ host"}"#.into(),
            )),
            Signal::Candidate(None),
        ] {
            let bytes = signal.encode();
            // The first byte is the length (all of these are short).
            assert_eq!(Signal::decode(&bytes[1..]), Ok(signal));
        }
        // An empty candidate ends a generation: no candidate to add.
        let empty = Frame {
            kind: Some(2),
            data: Some(String::new()),
        };
        assert_eq!(Signal::from_frame(empty), Ok(Signal::Candidate(None)));
        assert_eq!(
            Signal::decode(&[0x08, 0x07]),
            Err(FrameError::UnknownKind(Some(7)))
        );
        assert_eq!(Signal::decode(&[0x08, 0x00]), Err(FrameError::NoData));
        assert!(matches!(
            Signal::decode(&[0x12, 0x05, b'a']),
            Err(FrameError::Decode(_))
        ));
    }
}
