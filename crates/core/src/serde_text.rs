//! Serde helpers for identifiers: text in human-readable formats (JSON),
//! bytes in binary ones (DAG-CBOR).

use std::borrow::Cow;
use std::fmt::Display;
use std::str::FromStr;

use serde::de::Error;
use serde::{Deserialize, Deserializer};

/// Reads a value from its text form.
pub(crate) fn from_text<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let text = <Cow<'de, str>>::deserialize(deserializer)?;
    text.parse().map_err(D::Error::custom)
}

/// Reads a byte string into exactly `N` bytes.
pub(crate) fn fixed_bytes<'de, D: Deserializer<'de>, const N: usize>(
    deserializer: D,
) -> Result<[u8; N], D::Error> {
    let bytes = <serde_bytes::ByteBuf>::deserialize(deserializer)?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| D::Error::invalid_length(bytes.len(), &"a fixed-size byte string"))
}
