//! Untrusted bytes as a backup (its file, its text, its QR parts) and as a
//! credential: never a panic, only typed errors.
#![no_main]

use hearth_core::backup;
use hearth_core::credential;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Opening runs the key stretch the header asks for; keep runs fast by
    // only opening files that ask for little memory.
    if backup::params_of(data).is_ok_and(|p| p.m_kib <= 64 && p.t <= 2) {
        let _ = backup::open(data, "a fuzzed passphrase");
    }
    let text = String::from_utf8_lossy(data);
    let _ = backup::from_text(&text);
    let parts: Vec<&str> = text.lines().collect();
    let _ = backup::join_parts(&parts);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = credential::verify_credential(&value);
    }
});
