//! A libp2p stream over one WebRTC data channel, sans IO: the frame as on
//! the wire (`webrtc.pb.Message { optional Flag flag = 1; optional bytes
//! message = 2; }`, each prefixed with its length as an unsigned varint, at
//! most [`MAX_FRAME`] bytes with the prefix), a decoder for the bytes a
//! channel delivers, and each half's state, including the `FIN_ACK` that
//! tells a writer its `FIN` arrived (libp2p WebRTC spec, "Closing an
//! `RTCDataChannel`").

use prost::Message as _;

/// The largest frame, length prefix included (what every browser takes as
/// one data channel message).
pub const MAX_FRAME: usize = 16 * 1024;
/// The most payload one frame carries: [`MAX_FRAME`] less the prefix (2
/// bytes), the field's tag and length (3) and room for a flag (2).
pub const MAX_PAYLOAD: usize = MAX_FRAME - 7;

/// A frame's flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Flag {
    /// The sender will send no more.
    Fin = 0,
    /// The sender will read no more.
    StopSending = 1,
    /// The sender abandons its sending half.
    ResetStream = 2,
    /// The sender received the `FIN`.
    FinAck = 3,
}

/// One frame, as on the wire.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Frame {
    /// The flag ([`Flag`]), if any.
    #[prost(enumeration = "Flag", optional, tag = "1")]
    pub flag: Option<i32>,
    /// Payload, if any.
    #[prost(bytes = "vec", optional, tag = "2")]
    pub message: Option<Vec<u8>>,
}

impl Frame {
    /// The length-prefixed bytes of a frame with `flag` and `payload`
    /// (at most [`MAX_PAYLOAD`] of it).
    pub fn encode(flag: Option<Flag>, payload: &[u8]) -> Vec<u8> {
        let frame = Frame {
            flag: flag.map(|f| f as i32),
            message: (!payload.is_empty())
                .then(|| payload[..payload.len().min(MAX_PAYLOAD)].to_vec()),
        };
        frame.encode_length_delimited_to_vec()
    }

    /// The frame's flag; one this version does not know is an error.
    pub fn checked_flag(&self) -> Result<Option<Flag>, FrameError> {
        self.flag
            .map(|f| Flag::try_from(f).map_err(|_| FrameError::UnknownFlag(f)))
            .transpose()
    }
}

/// Why bytes from a channel are not frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A frame longer than [`MAX_FRAME`].
    #[error("frame of {0} bytes, more than {MAX_FRAME}")]
    TooLong(usize),
    /// Not a protobuf `Message`.
    #[error("not a WebRTC frame: {0}")]
    Decode(String),
    /// A flag this version does not know.
    #[error("unknown flag {0}")]
    UnknownFlag(i32),
}

/// Turns the bytes a channel delivers (in messages of any size) into
/// frames.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    /// Bytes arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame, if one is in.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        let (len, rest) = match unsigned_varint::decode::usize(&self.buf) {
            Ok(v) => v,
            Err(unsigned_varint::decode::Error::Insufficient) => return Ok(None),
            Err(e) => return Err(FrameError::Decode(e.to_string())),
        };
        let prefix = self.buf.len() - rest.len();
        if prefix + len > MAX_FRAME {
            return Err(FrameError::TooLong(prefix + len));
        }
        if rest.len() < len {
            return Ok(None);
        }
        let frame = Frame::decode(&rest[..len]).map_err(|e| FrameError::Decode(e.to_string()))?;
        self.buf.drain(..prefix + len);
        Ok(Some(frame))
    }
}

/// The reading half.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Data may come.
    Open,
    /// The peer sent `FIN` (and was sent `FIN_ACK`).
    Finished,
    /// This side sent `STOP_SENDING`: what comes is dropped.
    Stopped,
    /// The peer reset its sending half.
    Reset,
}

/// The writing half.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Data may go.
    Open,
    /// `FIN` went out; waiting for `FIN_ACK`.
    FinSent,
    /// The peer acknowledged the `FIN`: everything written arrived.
    Acked,
    /// The peer sent `STOP_SENDING`.
    Stopped,
    /// This side reset it.
    Reset,
}

/// Both halves of one stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Halves {
    /// The reading half.
    pub read: Read,
    /// The writing half.
    pub write: Write,
}

impl Default for Halves {
    fn default() -> Self {
        Halves {
            read: Read::Open,
            write: Write::Open,
        }
    }
}

impl Halves {
    /// A frame with `flag` arrived; returns the flag to answer with.
    pub fn received(&mut self, flag: Flag) -> Option<Flag> {
        match flag {
            Flag::Fin => {
                if matches!(self.read, Read::Open | Read::Stopped) {
                    self.read = Read::Finished;
                }
                Some(Flag::FinAck)
            }
            Flag::FinAck => {
                if self.write == Write::FinSent {
                    self.write = Write::Acked;
                }
                None
            }
            Flag::StopSending => {
                if matches!(self.write, Write::Open | Write::FinSent) {
                    self.write = Write::Stopped;
                }
                None
            }
            Flag::ResetStream => {
                self.read = Read::Reset;
                None
            }
        }
    }

    /// Whether data that arrives is for the reader.
    pub fn reads(&self) -> bool {
        self.read == Read::Open
    }

    /// Whether this side may write; the error kind to give if not.
    pub fn writable(&self) -> Result<(), std::io::ErrorKind> {
        match self.write {
            Write::Open => Ok(()),
            Write::Reset => Err(std::io::ErrorKind::ConnectionReset),
            Write::FinSent | Write::Acked | Write::Stopped => Err(std::io::ErrorKind::BrokenPipe),
        }
    }

    /// Whether the channel can close: this side's `FIN` was acknowledged
    /// (or the half ended otherwise) and the peer's `FIN` came (or a
    /// reset). After a `STOP_SENDING` the peer still closes its half.
    pub fn is_done(&self) -> bool {
        !matches!(self.write, Write::Open | Write::FinSent)
            && matches!(self.read, Read::Finished | Read::Reset)
    }
}
