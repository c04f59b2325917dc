//! A backup as text (to paste or print) and as a sequence of QR codes.
//!
//! Text is `hearth-backup-1:` and the file in unpadded base64url. A QR
//! sequence is parts `hb1:<i>/<n>:<check>:<chunk>`, where `check` names the
//! whole backup (the first 4 bytes of its BLAKE3 hash, hex), so parts of two
//! backups are never mixed; they may be scanned in any order.

use std::collections::BTreeMap;

use data_encoding::BASE64URL_NOPAD;

use super::BackupError;

const TEXT_PREFIX: &str = "hearth-backup-1:";
const PART_PREFIX: &str = "hb1:";
/// Most parts a backup is split into (a backup is a few hundred bytes; a
/// part claiming more is not one of ours).
pub const MAX_PARTS: usize = 256;

fn text_error(message: impl Into<String>) -> BackupError {
    BackupError::Text(message.into())
}

/// The backup as one line of text.
pub fn to_text(bytes: &[u8]) -> String {
    format!("{TEXT_PREFIX}{}", BASE64URL_NOPAD.encode(bytes))
}

/// The backup from text: either the one-line form or QR parts, one per line.
pub fn from_text(text: &str) -> Result<Vec<u8>, BackupError> {
    let text = text.trim();
    if let Some(body) = text.strip_prefix(TEXT_PREFIX) {
        let body: String = body.split_whitespace().collect();
        return BASE64URL_NOPAD
            .decode(body.as_bytes())
            .map_err(|e| text_error(format!("the backup text is damaged ({e})")));
    }
    if text.starts_with(PART_PREFIX) {
        let parts: Vec<&str> = text.split_whitespace().collect();
        return join_parts(&parts);
    }
    Err(text_error(format!(
        "backup text starts with \"{TEXT_PREFIX}\" (or QR parts with \"{PART_PREFIX}\")"
    )))
}

fn check_of(bytes: &[u8]) -> String {
    hex_lower(&blake3::hash(bytes).as_bytes()[..4])
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The backup as QR parts of at most `max_chars` of data each.
pub fn qr_parts(bytes: &[u8], max_chars: usize) -> Vec<String> {
    let encoded = BASE64URL_NOPAD.encode(bytes);
    let chunk = max_chars.max(16);
    let mut chunks: Vec<&str> = encoded
        .as_bytes()
        .chunks(chunk)
        // base64url is ASCII, so every chunk is valid UTF-8.
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    // Even nothing is one part, so what is joined is what was split.
    if chunks.is_empty() {
        chunks.push("");
    }
    let n = chunks.len();
    let check = check_of(bytes);
    chunks
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{PART_PREFIX}{}/{n}:{check}:{c}", i + 1))
        .collect()
}

/// Joins QR parts (any order; repeats of the same part are fine) into the
/// backup, or says which are missing or do not belong.
pub fn join_parts(parts: &[&str]) -> Result<Vec<u8>, BackupError> {
    let mut total = None;
    let mut check = None;
    let mut chunks: BTreeMap<usize, &str> = BTreeMap::new();
    for part in parts {
        let rest = part
            .trim()
            .strip_prefix(PART_PREFIX)
            .ok_or_else(|| text_error(format!("\"{part}\" is not a backup QR part")))?;
        let mut fields = rest.splitn(3, ':');
        let (Some(index), Some(c), Some(data)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(text_error(format!("\"{part}\" is not a backup QR part")));
        };
        let (i, n) = index
            .split_once('/')
            .and_then(|(i, n)| Some((i.parse::<usize>().ok()?, n.parse::<usize>().ok()?)))
            .filter(|&(i, n)| i >= 1 && i <= n && n <= MAX_PARTS)
            .ok_or_else(|| text_error(format!("\"{index}\" is not a part number")))?;
        if *total.get_or_insert(n) != n || *check.get_or_insert(c) != c {
            return Err(text_error("these QR parts come from different backups"));
        }
        if let Some(seen) = chunks.insert(i, data)
            && seen != data
        {
            return Err(text_error(format!(
                "part {i} was scanned twice, differently"
            )));
        }
    }
    let total = total.ok_or_else(|| text_error("no QR parts"))?;
    let missing: Vec<String> = (1..=total)
        .filter(|i| !chunks.contains_key(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        let named = missing
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if missing.len() > 8 { " and more" } else { "" };
        return Err(text_error(format!(
            "{} of {total} parts still missing ({named}{more})",
            missing.len()
        )));
    }
    let encoded: String = chunks.values().copied().collect();
    let bytes = BASE64URL_NOPAD
        .decode(encoded.as_bytes())
        .map_err(|e| text_error(format!("the QR parts are damaged ({e})")))?;
    if Some(check_of(&bytes).as_str()) != check {
        return Err(text_error(
            "the QR parts do not add up to the backup they name",
        ));
    }
    Ok(bytes)
}
