//! Governance on the command line, one scenario per voting method: a chapter
//! of three, a proposal to admit a fourth, votes carried between members'
//! nodes as CAR files, a close after the window, and the outcome checked.

mod common;

use std::path::{Path, PathBuf};

use common::{hearth, ok};

/// How long a proposal stays open in these scenarios, in ms.
const WINDOW_MS: u64 = 1_500;

struct Chapter {
    tmp: tempfile::TempDir,
    dirs: Vec<PathBuf>,
    dids: Vec<String>,
    id: String,
}

impl Chapter {
    /// Alice, Bob and Carol in a chapter whose voting is `method` (JSON).
    fn new(method: &str, model: Option<&str>) -> Self {
        let tmp = tempfile::tempdir().expect("tmp");
        let dirs: Vec<PathBuf> = ["alice", "bob", "carol", "dan"]
            .iter()
            .map(|n| tmp.path().join(n))
            .collect();
        let dids: Vec<String> = dirs.iter().map(|d| ok(d, &["id", "new"])).collect();
        let id = ok(
            &dirs[0],
            &["chapter", "new", "Riverside", "--template", "small-coop"],
        );
        let c = Chapter {
            tmp,
            dirs,
            dids,
            id,
        };
        let voting = format!(
            r#"{{"set_voting": {{"method": {method}, "quorum_pct": 50, "deliberation_ms": 0, "voting_ms": {WINDOW_MS}}}}}"#
        );
        c.amend(&voting);
        if let Some(model) = model {
            c.amend(&format!(r#"{{"set_model": {model}}}"#));
        }
        let link = ok(&c.dirs[0], &["chapter", "invite", &c.id, "--uses", "2"]);
        for who in [1, 2] {
            c.carry(0, who);
            ok(&c.dirs[who], &["chapter", "join", &link]);
            c.carry(who, 0);
        }
        c.share();
        c
    }

    fn amend(&self, json: &str) {
        let file = self.tmp.path().join("change.json");
        std::fs::write(&file, json).expect("write");
        ok(
            &self.dirs[0],
            &["charter", "amend", &self.id, file.to_str().expect("path")],
        );
    }

    /// Hands everything `from` holds of the chapter to `to`.
    fn carry(&self, from: usize, to: usize) {
        common::carry(self.tmp.path(), &self.dirs[from], &self.dirs[to], &self.id);
    }

    /// Everyone ends up holding everything.
    fn share(&self) {
        for who in [1, 2] {
            self.carry(who, 0);
        }
        for who in [1, 2] {
            self.carry(0, who);
        }
    }

    fn dir(&self, who: usize) -> &Path {
        &self.dirs[who]
    }

    /// A proposal (by Alice) to admit Dan.
    fn propose(&self) -> String {
        let p = ok(
            self.dir(0),
            &[
                "gov",
                "proposal",
                "create",
                &self.id,
                "--title",
                "Admit Dan",
                "--admit",
                &self.dids[3],
            ],
        );
        self.share();
        p
    }

    fn vote(&self, who: usize, p: &str, args: &[&str]) {
        let mut all = vec!["gov", "vote", &self.id, p];
        all.extend_from_slice(args);
        ok(self.dir(who), &all);
    }

    /// Waits out the window, shares every vote, and closes on Carol's node.
    fn close(&self, p: &str) -> String {
        self.share();
        std::thread::sleep(std::time::Duration::from_millis(WINDOW_MS + 200));
        ok(self.dir(2), &["gov", "close", &self.id, p]);
        ok(self.dir(2), &["gov", "proposal", "show", &self.id, p])
    }

    fn dan_is_member(&self) -> bool {
        ok(self.dir(2), &["chapter", "members", &self.id]).contains(&self.dids[3])
    }
}

#[test]
fn majority_supermajority_and_unanimity() {
    let c = Chapter::new(r#""majority""#, None);
    let p = c.propose();
    c.vote(0, &p, &["for"]);
    c.vote(1, &p, &["for"]);
    c.vote(2, &p, &["against"]);
    let shown = c.close(&p);
    assert!(shown.contains("phase     accepted"), "{shown}");
    assert!(c.dan_is_member());

    let c = Chapter::new(r#"{"supermajority": {"threshold_pct": 67}}"#, None);
    let p = c.propose();
    c.vote(0, &p, &["for"]);
    c.vote(1, &p, &["for"]);
    c.vote(2, &p, &["against"]);
    assert!(c.close(&p).contains("phase     rejected"));
    assert!(!c.dan_is_member());

    let c = Chapter::new(r#""unanimous""#, None);
    let p = c.propose();
    c.vote(0, &p, &["for"]);
    c.vote(1, &p, &["abstain"]);
    c.vote(2, &p, &["for"]);
    assert!(c.close(&p).contains("phase     accepted"));
}

#[test]
fn consent_and_consensus_with_fallback() {
    let c = Chapter::new(r#"{"consent": {"max_blocks": 0}}"#, None);
    let p = c.propose();
    c.vote(0, &p, &["for"]);
    c.vote(1, &p, &["block", "--reason", "we have no room"]);
    let out = hearth(c.dir(2), &["gov", "vote", &c.id, &p, "block"]);
    assert_eq!(out.status.code(), Some(2), "a block needs a reason");
    assert!(c.close(&p).contains("phase     rejected"));

    let c = Chapter::new(
        r#"{"consensus_with_fallback": {"max_blocks": 0, "fallback_pct": 60}}"#,
        None,
    );
    let p = c.propose();
    c.vote(0, &p, &["for"]);
    c.vote(1, &p, &["for"]);
    c.vote(2, &p, &["block", "--reason", "not yet"]);
    assert!(
        c.close(&p).contains("phase     accepted"),
        "blocked, then 2 of 2 in the fallback"
    );
}

#[test]
fn quadratic_votes_within_their_credits() {
    let c = Chapter::new(r#"{"quadratic": {"credits": 9}}"#, None);
    let p = c.propose();
    let over = hearth(c.dir(0), &["gov", "vote", &c.id, &p, "for", "--votes", "4"]);
    assert_eq!(over.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&over.stderr).contains("cost 16 voice credits"));
    c.vote(0, &p, &["for", "--votes", "3"]);
    c.vote(1, &p, &["against", "--votes", "2"]);
    c.vote(2, &p, &["against", "--votes", "1"]);
    let shown = c.close(&p);
    assert!(
        shown.contains("phase     rejected") && shown.contains("for 3.00, against 3.00"),
        "{shown}"
    );
}

#[test]
fn liquid_delegation_carries_votes() {
    let c = Chapter::new(r#""majority""#, Some(r#""liquid""#));
    ok(c.dir(1), &["gov", "delegate", &c.id, &c.dids[0]]);
    c.share();
    let p = c.propose();
    c.vote(0, &p, &["for"]);
    c.vote(2, &p, &["against"]);
    let shown = c.close(&p);
    assert!(shown.contains("for 2.00, against 1.00"), "{shown}");
    assert!(shown.contains("phase     accepted"), "{shown}");
}

#[test]
fn meritocratic_council_and_contribution_weights() {
    let c = Chapter::new(r#""meritocratic""#, Some(r#""meritocratic""#));
    ok(c.dir(0), &["chapter", "vouch", &c.id, &c.dids[1], "0.9"]);
    ok(c.dir(0), &["chapter", "vouch", &c.id, &c.dids[2], "0.2"]);
    c.share();
    let p = c.propose();
    c.vote(1, &p, &["for"]);
    c.vote(2, &p, &["against"]);
    assert!(
        c.close(&p).contains("phase     accepted"),
        "trust 0.9 outweighs 0.2"
    );

    let c = Chapter::new(
        r#""majority""#,
        Some(r#"{"council": {"seats": 1, "term_ms": 100000000}}"#),
    );
    let role = r#"{"set_role": {"name": "council", "permissions": ["vote"]}}"#;
    c.amend(role);
    ok(
        c.dir(0),
        &["chapter", "grant", &c.id, &c.dids[1], "council"],
    );
    c.share();
    let p = c.propose();
    let out = hearth(c.dir(2), &["gov", "vote", &c.id, &p, "for"]);
    assert_eq!(out.status.code(), Some(2), "only councillors vote");
    c.vote(1, &p, &["for"]);
    assert!(c.close(&p).contains("phase     accepted"));

    let c = Chapter::new(r#"{"contribution_weighted": {"cap_pct": 15}}"#, None);
    ok(c.dir(0), &["gov", "contribute", &c.id, &c.dids[1], "40"]);
    ok(c.dir(0), &["gov", "contribute", &c.id, &c.dids[2], "10"]);
    c.share();
    let p = c.propose();
    c.vote(1, &p, &["for"]);
    c.vote(2, &p, &["against"]);
    // Three people cannot all stay under 15%: shares are equal, a tie fails.
    assert!(c.close(&p).contains("phase     rejected"));
    let receipts = ok(c.dir(2), &["gov", "receipts", &c.id]);
    for kind in ["gov_proposal", "gov_vote", "gov_ratification"] {
        assert!(receipts.contains(kind), "{kind} in {receipts}");
    }
}
