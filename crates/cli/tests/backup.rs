//! `hearth id backup` / `hearth id restore`: a member's identity moves to a
//! new data directory under a passphrase and acts there as the same member;
//! a wrong passphrase or a damaged file changes nothing.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{carry, hearth, ok};

fn with_passphrase(dir: &Path, passphrase: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(args)
        .env("HEARTH_DIR", dir)
        .env("HEARTH_PASSPHRASE", passphrase)
        .output()
        .expect("run hearth")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

const PASSPHRASE: &str = "lantern meadow copper tide";
const RELAY: &str =
    "/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";

#[test]
fn a_restored_identity_acts_as_the_same_member() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (phone, laptop) = (tmp.path().join("phone"), tmp.path().join("laptop"));
    let did = ok(&phone, &["id", "new"]);
    let space = ok(&phone, &["space", "new", "Tool library"]);
    let file = tmp.path().join("me.hearthbackup");
    let file = file.to_str().expect("path");
    stdout(&with_passphrase(
        &phone,
        PASSPHRASE,
        &["id", "backup", file, "--relay", RELAY],
    ));
    // The file never overwrites one already there.
    let again = with_passphrase(&phone, PASSPHRASE, &["id", "backup", file]);
    assert_eq!(again.status.code(), Some(2));

    // A wrong passphrase: refused, and the new directory stays empty.
    let wrong = with_passphrase(
        &laptop,
        "lantern meadow copper tied",
        &["id", "restore", file],
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("passphrase is wrong"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    assert_eq!(hearth(&laptop, &["id", "show"]).status.code(), Some(2));

    let restored = stdout(&with_passphrase(
        &laptop,
        PASSPHRASE,
        &["id", "restore", file],
    ));
    let mut lines = restored.lines();
    assert_eq!(lines.next(), Some(did.as_str()));
    assert_eq!(lines.next(), Some(format!("space {space}").as_str()));
    assert_eq!(lines.next(), Some(format!("relay {RELAY}").as_str()));
    assert_eq!(ok(&laptop, &["id", "show"]), did);

    // The laptop gets the space's ops and writes as the same member; the
    // phone accepts what it wrote as its own.
    carry(tmp.path(), &phone, &laptop, &space);
    ok(&laptop, &["op", "note", &space, "Written on the laptop"]);
    carry(tmp.path(), &laptop, &phone, &space);
    let log = ok(&phone, &["op", "log", &space]);
    let line = log
        .lines()
        .find(|l| l.contains("Written on the laptop"))
        .unwrap_or_else(|| panic!("the laptop's note reached the phone: {log}"));
    let short = did.parse::<hearth_core::Did>().expect("did").fmt_short();
    assert!(line.contains(&short), "{line}");

    // Restoring into a directory holding another identity is refused.
    let other = tmp.path().join("other");
    ok(&other, &["id", "new"]);
    let clash = with_passphrase(&other, PASSPHRASE, &["id", "restore", file]);
    assert_eq!(clash.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&clash.stderr).contains("another identity"));
}

#[test]
fn the_text_and_qr_forms_restore_too_and_damage_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = tmp.path().join("home");
    let did = ok(&home, &["id", "new"]);
    let printed = stdout(&with_passphrase(
        &home,
        PASSPHRASE,
        &["id", "backup", "-", "--qr"],
    ));
    let mut lines = printed.lines();
    let text = lines.next().expect("text form");
    assert!(text.starts_with("hearth-backup-1:"), "{text}");
    let parts: Vec<&str> = lines.collect();
    assert!(!parts.is_empty() && parts.iter().all(|p| p.starts_with("hb1:")));

    let as_text = tmp.path().join("backup.txt");
    std::fs::write(&as_text, text).expect("write");
    let restored = tmp.path().join("from-text");
    let out = with_passphrase(
        &restored,
        PASSPHRASE,
        &["id", "restore", as_text.to_str().expect("path")],
    );
    assert_eq!(stdout(&out).lines().next(), Some(did.as_str()));

    let as_parts = tmp.path().join("parts.txt");
    std::fs::write(
        &as_parts,
        parts.iter().rev().copied().collect::<Vec<_>>().join("\n"),
    )
    .expect("write");
    let restored = tmp.path().join("from-parts");
    let out = with_passphrase(
        &restored,
        PASSPHRASE,
        &["id", "restore", as_parts.to_str().expect("path")],
    );
    assert_eq!(stdout(&out).lines().next(), Some(did.as_str()));

    // Cut short: a clear error, no identity written.
    let short = tmp.path().join("short.txt");
    std::fs::write(&short, &text[..40]).expect("write");
    let target = tmp.path().join("from-short");
    let out = with_passphrase(
        &target,
        PASSPHRASE,
        &["id", "restore", short.to_str().expect("path")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cut short"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(hearth(&target, &["id", "show"]).status.code(), Some(2));
}
