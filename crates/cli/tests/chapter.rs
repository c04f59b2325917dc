//! A chapter on the command line: three members, an invite, joins, a
//! suspension, a statute, and the charter's versions and diff.

mod common;

use std::path::{Path, PathBuf};

use common::{carry, hearth, ok};

/// Hands every op of `chapter` from `from` to `to` through a CAR file.
fn err(dir: &Path, args: &[&str]) -> String {
    let out = hearth(dir, args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "hearth {args:?} should be refused"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn three_members_invite_join_suspend_and_diff_the_charter() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dirs: Vec<PathBuf> = ["alice", "bob", "carol", "dan"]
        .iter()
        .map(|n| tmp.path().join(n))
        .collect();
    let [alice, bob, carol, dan] = [&dirs[0], &dirs[1], &dirs[2], &dirs[3]];
    let dids: Vec<String> = dirs.iter().map(|d| ok(d, &["id", "new"])).collect();

    let chapter = ok(
        alice,
        &[
            "chapter",
            "new",
            "Riverside Food Co-op",
            "--template",
            "small-coop",
            "--purpose",
            "Feed the neighbourhood",
        ],
    );
    let show = ok(alice, &["chapter", "show", &chapter]);
    assert!(
        show.contains("admission by invite") && show.contains("charter   v1.0.0"),
        "{show}"
    );

    // Joining an invite-only chapter without an invite is refused, naming the rule.
    carry(tmp.path(), alice, bob, &chapter);
    let refused = err(bob, &["chapter", "join", &chapter]);
    assert!(refused.contains("joining needs an invite"), "{refused}");

    let link = ok(
        alice,
        &["chapter", "invite", &chapter, "--uses", "2", "--days", "3"],
    );
    assert!(link.starts_with(&format!("{chapter}.")), "{link}");
    for (dir, name) in [(bob, "Bob"), (carol, "Carol")] {
        carry(tmp.path(), alice, dir, &chapter);
        ok(dir, &["chapter", "join", &link, "--name", name]);
        carry(tmp.path(), dir, alice, &chapter);
    }
    // The invite's two uses are taken.
    carry(tmp.path(), alice, dan, &chapter);
    let refused = err(dan, &["chapter", "join", &link]);
    assert!(refused.contains("uses are taken"), "{refused}");

    ok(
        carol,
        &[
            "chapter", "profile", &chapter, "--name", "Carol R", "--skill", "bikes",
        ],
    );
    carry(tmp.path(), carol, alice, &chapter);
    let members = ok(alice, &["chapter", "members", &chapter]);
    assert!(
        members.contains("\tBob\t") && members.contains("\tCarol R\t"),
        "{members}"
    );
    for did in &dids[..3] {
        assert!(members.contains(did.as_str()), "{members}");
    }
    assert!(!members.contains(dids[3].as_str()), "{members}");

    // Bob is a full member: he may not suspend anyone. Alice (steward) may.
    carry(tmp.path(), alice, bob, &chapter);
    let refused = err(
        bob,
        &["chapter", "suspend", &chapter, &dids[2], "--reason", "x"],
    );
    assert!(
        refused.contains("permission 'manage membership'"),
        "{refused}"
    );
    ok(
        alice,
        &[
            "chapter",
            "suspend",
            &chapter,
            &dids[2],
            "--reason",
            "missed three shifts",
        ],
    );
    carry(tmp.path(), alice, carol, &chapter);
    let refused = err(carol, &["op", "note", &chapter, "still here"]);
    assert!(refused.contains("is suspended"), "{refused}");
    let members = ok(alice, &["chapter", "members", &chapter]);
    assert!(members.contains("suspended"), "{members}");

    // A statute makes version 1.1.0; axioms cannot change.
    ok(
        alice,
        &[
            "charter",
            "statute",
            &chapter,
            "STATUTE-tools",
            "Tool library",
            "Tools go back within a week.",
        ],
    );
    let versions = ok(alice, &["charter", "version", &chapter]);
    assert!(
        versions.contains("v1.1.0") && versions.contains("statute STATUTE-tools"),
        "{versions}"
    );
    let diff = ok(alice, &["charter", "diff", &chapter, "1.0.0", "1.1.0"]);
    assert_eq!(
        diff,
        "+ statute STATUTE-tools: Tool library — Tools go back within a week."
    );
    let change = tmp.path().join("axiom.json");
    std::fs::write(
        &change,
        r#"{"amend_axiom": {"id": "AXIOM-002", "text": "no exit"}}"#,
    )
    .expect("write");
    let refused = err(
        alice,
        &["charter", "amend", &chapter, change.to_str().expect("path")],
    );
    assert!(refused.contains("violates axiom AXIOM-002"), "{refused}");

    // Every member's node, given the same ops, shows the same chapter.
    carry(tmp.path(), alice, bob, &chapter);
    assert_eq!(
        ok(bob, &["chapter", "members", &chapter]),
        ok(alice, &["chapter", "members", &chapter])
    );
    let json = ok(bob, &["charter", "show", &chapter, "--json"]);
    assert!(json.contains("\"STATUTE-tools\""), "{json}");
}
