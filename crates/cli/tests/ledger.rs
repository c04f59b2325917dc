//! Mutual credit on the command line: a chapter defines hours, members pay
//! and request between their own nodes (ops carried as CAR files), an
//! overdraft is refused with its figures, and a dispute is settled by the
//! chapter's mediator.

mod common;

use std::path::PathBuf;

use common::{hearth, ok};

struct Coop {
    tmp: tempfile::TempDir,
    dirs: Vec<PathBuf>,
    dids: Vec<String>,
    id: String,
}

impl Coop {
    /// Alice founds a chapter and defines HOUR (limit 20 h); Bob and Carol join.
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tmp");
        let dirs: Vec<PathBuf> = ["alice", "bob", "carol"]
            .iter()
            .map(|n| tmp.path().join(n))
            .collect();
        let dids: Vec<String> = dirs.iter().map(|d| ok(d, &["id", "new"])).collect();
        let id = ok(
            &dirs[0],
            &["chapter", "new", "Riverside", "--template", "small-coop"],
        );
        let c = Coop {
            tmp,
            dirs,
            dids,
            id,
        };
        c.alice(&[
            "currency", "define", &c.id, "HOUR", "--name", "Hours", "--unit", "h", "--limit", "20",
        ]);
        let link = ok(&c.dirs[0], &["chapter", "invite", &c.id, "--uses", "2"]);
        for who in [1, 2] {
            c.carry(0, who);
            ok(&c.dirs[who], &["chapter", "join", &link]);
            c.carry(who, 0);
        }
        c.carry(0, 1);
        c.carry(0, 2);
        c
    }

    fn alice(&self, args: &[&str]) -> String {
        ok(&self.dirs[0], args)
    }

    fn carry(&self, from: usize, to: usize) {
        common::carry(self.tmp.path(), &self.dirs[from], &self.dirs[to], &self.id);
    }

    fn balance(&self, who: usize, of: usize) -> String {
        ok(
            &self.dirs[who],
            &["balance", &self.id, &self.dids[of], "-c", "HOUR"],
        )
    }
}

#[test]
fn members_pay_request_and_see_the_same_balances() {
    let c = Coop::new();
    let (bob, carol) = (c.dids[1].clone(), c.dids[2].clone());
    c.alice(&[
        "pay",
        &c.id,
        &bob,
        "12.5",
        "-c",
        "HOUR",
        "--memo",
        "garden work",
    ]);
    // Past the limit: refused with the figures, and nothing changes.
    let out = hearth(&c.dirs[0], &["pay", &c.id, &carol, "8", "-c", "HOUR"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("overdraft"), "{err}");
    assert_eq!(c.balance(0, 0), "HOUR\t-12.50 h");
    // Bad input: an amount with too many decimals, an unknown currency.
    let out = hearth(&c.dirs[0], &["pay", &c.id, &carol, "1.234", "-c", "HOUR"]);
    assert_eq!(out.status.code(), Some(2));
    let out = hearth(&c.dirs[0], &["pay", &c.id, &carol, "1", "-c", "EUR"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no currency"));

    // Bob asks Carol for 3 h; she pays the request on her node.
    c.carry(0, 1);
    let request = ok(
        &c.dirs[1],
        &[
            "request", "new", &c.id, &carol, "3", "-c", "HOUR", "--memo", "soup",
        ],
    );
    c.carry(1, 2);
    let listed = ok(&c.dirs[2], &["request", "list", &c.id]);
    assert!(
        listed.contains(&request) && listed.contains("to pay"),
        "{listed}"
    );
    ok(&c.dirs[2], &["request", "pay", &c.id, &request]);
    c.carry(2, 1);
    // Bob spends what came in (his node claims it as it pays).
    ok(&c.dirs[1], &["pay", &c.id, &carol, "30", "-c", "HOUR"]);
    c.carry(1, 0);
    c.carry(2, 0);
    c.carry(0, 1);
    c.carry(0, 2);
    for node in 0..3 {
        assert_eq!(c.balance(node, 0), "HOUR\t-12.50 h");
        assert_eq!(c.balance(node, 1), "HOUR\t-14.50 h");
        assert_eq!(c.balance(node, 2), "HOUR\t27.00 h");
    }
    let all = ok(&c.dirs[0], &["balance", &c.id, "--all"]);
    assert!(all.contains("3 accounts"), "{all}");
    let history = ok(&c.dirs[1], &["history", &c.id, "--search", "GARDEN"]);
    assert_eq!(history.lines().count(), 1, "{history}");
    assert!(history.contains("12.50 h"));
    let limit = ok(&c.dirs[1], &["limit", &c.id, "-c", "HOUR"]);
    assert!(
        limit.contains("limit\t20.00 h") && limit.contains("headroom\t5.50 h"),
        "{limit}"
    );
}

#[test]
fn a_mediator_reverses_a_disputed_payment() {
    let c = Coop::new();
    let (bob, carol) = (c.dids[1].clone(), c.dids[2].clone());
    // Carol becomes the chapter's mediator.
    c.alice(&["chapter", "grant", &c.id, &carol, "mediator"]);
    let payment = c.alice(&["pay", &c.id, &bob, "5", "-c", "HOUR", "--memo", "repairs"]);
    let dispute = c.alice(&[
        "dispute",
        "file",
        &c.id,
        &payment,
        "--reason",
        "never repaired",
        "--evidence",
        "photo-of-the-bike.jpg",
    ]);
    c.carry(0, 2);
    ok(&c.dirs[2], &["dispute", "mediate", &c.id, &dispute]);
    ok(
        &c.dirs[2],
        &[
            "dispute",
            "settle",
            &c.id,
            &dispute,
            "reversal",
            "--reason",
            "no repair",
        ],
    );
    c.carry(2, 0);
    let listed = c.alice(&["dispute", "list", &c.id]);
    assert!(listed.contains("settled: Reversal"), "{listed}");
    assert_eq!(c.balance(0, 0), "HOUR\t0.00 h");
    assert_eq!(c.balance(0, 1), "HOUR\t0.00 h");
    let history = c.alice(&["history", &c.id]);
    assert!(history.contains("(governance)"), "{history}");
}

#[test]
fn trust_raises_a_dynamic_limit_and_shows_in_the_graph() {
    let c = Coop::new();
    let bob = c.dids[1].clone();
    c.alice(&[
        "currency",
        "define",
        &c.id,
        "CRED",
        "--name",
        "Credits",
        "--baseline",
        "10",
        "--max",
        "100",
        "--trust-multiplier",
        "2",
    ]);
    c.carry(0, 1);
    let limit = ok(&c.dirs[1], &["limit", &c.id, "-c", "CRED"]);
    assert!(limit.contains("limit\t10.00"), "{limit}");
    c.alice(&["trust", "add", &c.id, &bob, "--score", "0.5"]);
    c.carry(1, 2);
    ok(
        &c.dirs[2],
        &[
            "trust",
            "add",
            &c.id,
            &bob,
            "--score",
            "0.9",
            "--context",
            "ledger",
            "--class",
            "close",
        ],
    );
    c.carry(0, 1);
    // 10 + 10 × 0.5 × 2
    let limit = ok(&c.dirs[1], &["limit", &c.id, "-c", "CRED"]);
    assert!(limit.contains("limit\t20.00"), "{limit}");
    assert_eq!(c.alice(&["trust", "score", &c.id, &bob]), "0.500");
    let graph = c.alice(&["trust", "graph", &c.id, "--dot"]);
    assert!(
        graph.starts_with("digraph") && graph.contains("0.50 known"),
        "{graph}"
    );
    c.carry(2, 0);
    let ledger_graph = c.alice(&["trust", "graph", &c.id, "--context", "ledger"]);
    assert!(ledger_graph.ends_with("0.900\tclose"), "{ledger_graph}");
    // A rate limit by class: nobody trusts Carol, Bob is trusted as close
    // (in the general context: Carol's ledger edge gives no class).
    assert_eq!(c.alice(&["trust", "limit", &c.id, &bob]), "unlimited");
    ok(
        &c.dirs[2],
        &[
            "trust", "add", &c.id, &bob, "--score", "0.6", "--class", "close",
        ],
    );
    c.carry(2, 0);
    c.alice(&["charter", "param", &c.id, "rate_limit_per_day", "50"]);
    c.alice(&["charter", "param", &c.id, "rate_limit_per_day_close", "500"]);
    assert_eq!(
        c.alice(&["trust", "limit", &c.id, &bob]),
        "500 ops a day (trusted as close)"
    );
    assert_eq!(
        c.alice(&["trust", "limit", &c.id, &c.dids[2]]),
        "50 ops a day (nobody trusts them yet)"
    );
    let bad = hearth(
        &c.dirs[0],
        &["trust", "add", &c.id, &bob, "--class", "friend"],
    );
    assert_eq!(bad.status.code(), Some(2));
    c.alice(&["trust", "revoke", &c.id, &bob]);
    assert_eq!(c.alice(&["trust", "score", &c.id, &bob]), "0.000");
    let out = hearth(&c.dirs[0], &["trust", "add", &c.id, &bob, "--score", "2"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_chapter_trusts_another_and_trust_reaches_its_members() {
    let c = Coop::new();
    // Bob founds a second chapter on his node, where he trusts Carol.
    let hill = ok(
        &c.dirs[1],
        &["chapter", "new", "Hillside", "--template", "small-coop"],
    );
    let link = ok(&c.dirs[1], &["chapter", "invite", &hill, "--uses", "1"]);
    common::carry(c.tmp.path(), &c.dirs[1], &c.dirs[2], &hill);
    ok(&c.dirs[2], &["chapter", "join", &link]);
    common::carry(c.tmp.path(), &c.dirs[2], &c.dirs[1], &hill);
    ok(
        &c.dirs[1],
        &["trust", "add", &hill, &c.dids[2], "--score", "0.8"],
    );
    // Riverside's steward attests Hillside; Bob holds both.
    c.alice(&["trust", "attest", &c.id, &hill, "--score", "0.9"]);
    let denied = hearth(&c.dirs[2], &["trust", "attest", &c.id, &hill]);
    assert_ne!(
        denied.status.code(),
        Some(0),
        "Carol may not enact statutes"
    );
    c.carry(0, 1);
    let chapters = ok(&c.dirs[1], &["trust", "across", &c.id]);
    assert!(
        chapters.contains(&format!("{hill}\t0.450\tHillside\t1 steps")),
        "{chapters}"
    );
    // 0.9 × 0.5 × 0.8
    let carol = ok(&c.dirs[1], &["trust", "across", &c.id, &c.dids[2]]);
    assert_eq!(carol, format!("0.360\tthrough {hill}"));
    // Alice does not hold Hillside: she is told so.
    let out = hearth(&c.dirs[0], &["trust", "across", &c.id]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not held here"),
        "{out:?}"
    );
}
