//! The `hearth` CLI as a script would use it: two members on two data
//! directories exchanging a space through CAR files, and offline checks.

mod common;

use common::{hearth, ok};

#[test]
fn two_members_share_a_space_through_car_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (alice, bob) = (tmp.path().join("alice"), tmp.path().join("bob"));
    let alice_did = ok(&alice, &["id", "new"]);
    assert!(alice_did.starts_with("did:key:z6Mk"), "{alice_did}");
    assert_eq!(ok(&alice, &["id", "show"]), alice_did);
    // A second `id new` must not replace the identity.
    assert_eq!(hearth(&alice, &["id", "new"]).status.code(), Some(2));
    let bob_did = ok(&bob, &["id", "new"]);

    let space = ok(&alice, &["space", "new", "Riverside Food Co-op"]);
    assert!(space.starts_with('b'), "{space}");
    ok(&alice, &["space", "add", &space, &bob_did]);
    ok(&alice, &["op", "note", &space, "Market stall on Saturday"]);
    let car = tmp.path().join("riverside.car");
    ok(
        &alice,
        &["op", "export", &space, car.to_str().expect("path")],
    );

    let verify = ok(&bob, &["verify", car.to_str().expect("path")]);
    assert!(verify.ends_with("3 ops: 3 valid, 0 not"), "{verify}");

    let import = ok(&bob, &["op", "import", car.to_str().expect("path")]);
    assert!(import.starts_with("accepted 3"), "{import}");
    ok(&bob, &["op", "note", &space, "I'll bring bread"]);
    let back = tmp.path().join("back.car");
    ok(
        &bob,
        &["op", "export", &space, back.to_str().expect("path")],
    );
    ok(&alice, &["op", "import", back.to_str().expect("path")]);

    let log = ok(&alice, &["op", "log", &space]);
    assert!(
        log.contains("Market stall") && log.contains("I'll bring bread"),
        "{log}"
    );
    let show = ok(&alice, &["space", "show", &space]);
    assert!(
        show.contains(&bob_did) && show.contains("state    complete"),
        "{show}"
    );

    // Bob may not manage membership: his node refuses to sign the change.
    let refused = hearth(&bob, &["space", "remove", &space, &alice_did]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("violates permission 'manage membership'")
    );
}

#[test]
fn verify_reports_tampering_and_missing_history() {
    let tmp = tempfile::tempdir().expect("tmp");
    let alice = tmp.path().join("alice");
    ok(&alice, &["id", "new"]);
    let space = ok(&alice, &["space", "new", "Tools"]);
    ok(&alice, &["op", "note", &space, "ladder"]);
    let car = tmp.path().join("tools.car");
    ok(
        &alice,
        &["op", "export", &space, car.to_str().expect("path")],
    );

    // A flipped byte inside a block no longer matches its CID.
    let mut bytes = std::fs::read(&car).expect("read");
    let last = bytes.len() - 3;
    bytes[last] ^= 0x01;
    let bad = tmp.path().join("bad.car");
    std::fs::write(&bad, &bytes).expect("write");
    let out = hearth(&alice, &["verify", bad.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not match its CID"));

    // A lone op whose history is absent is reported as pending, not valid.
    let archive = hearth_core::car::read_car(&std::fs::read(&car).expect("read")).expect("car");
    let lone = tmp.path().join("lone.dagcbor");
    std::fs::write(&lone, &archive.blocks[1].1).expect("write");
    let out = hearth(&alice, &["verify", lone.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PENDING") && text.contains("missing"),
        "{text}"
    );
}

#[test]
fn bad_input_gets_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = hearth(tmp.path(), &["space", "show", "not-a-space"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a space id"));
    let out = hearth(tmp.path(), &["space", "new", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no identity"));
}
