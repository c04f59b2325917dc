//! Running the `hearth` binary from tests.
#![allow(dead_code)]

pub mod relay;

use std::path::Path;
use std::process::{Command, Output};

pub fn hearth(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(args)
        .env("HEARTH_DIR", dir)
        .output()
        .expect("run hearth")
}

pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = hearth(dir, args);
    assert!(
        out.status.success(),
        "hearth {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned()
}

/// Hands everything the node in `from` holds of `space` to the node in
/// `to`, as a CAR file in `tmp` (how members carry ops without a network).
pub fn carry(tmp: &Path, from: &Path, to: &Path, space: &str) {
    let car = tmp.join("carry.car");
    let car = car.to_str().expect("path");
    ok(from, &["op", "export", space, car]);
    ok(to, &["op", "import", car]);
}
