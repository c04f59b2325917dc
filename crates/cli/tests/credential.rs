//! `hearth credential issue|verify`: a membership credential checked offline
//! by anyone, and against the chapter's log by a node that holds it.

mod common;

use common::{hearth, ok};

#[test]
fn a_membership_credential_verifies_offline_and_against_the_chapter() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (founder, outsider) = (tmp.path().join("founder"), tmp.path().join("outsider"));
    let did = ok(&founder, &["id", "new"]);
    let chapter = ok(
        &founder,
        &["chapter", "new", "Tool library", "--purpose", "Lend tools"],
    );
    let vc = ok(&founder, &["credential", "issue", &chapter]);
    let value: serde_json::Value = serde_json::from_str(&vc).expect("json");
    assert_eq!(value["credentialSubject"]["id"], did.as_str());
    assert_eq!(value["proof"]["cryptosuite"], "eddsa-jcs-2022");
    let file = tmp.path().join("vc.json");
    std::fs::write(&file, &vc).expect("write");
    let path = file.to_str().expect("path");

    // The founder's node holds the chapter: checked against it too.
    let here = ok(&founder, &["credential", "verify", path]);
    assert!(here.contains(&format!("valid: signed by {did}")), "{here}");
    assert!(
        here.contains("a current member in this node's view"),
        "{here}"
    );
    // Anyone, offline, without the chapter.
    ok(&outsider, &["id", "new"]);
    let there = ok(&outsider, &["credential", "verify", path]);
    assert!(
        there.contains("valid: signed by") && there.contains("not held here"),
        "{there}"
    );

    // Changed: invalid, exit status 1.
    let forged = vc.replace("Tool library", "Tool libraries");
    std::fs::write(&file, forged).expect("write");
    let out = hearth(&outsider, &["credential", "verify", path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("invalid: the signature does not match"));
}
