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
