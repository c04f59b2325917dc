//! The identity log on the command line: a device paired with a code and
//! revoked, the main key rotated with the DID kept, and a recovery that
//! three guardians were named for and two approve, then cancelled by the
//! main key. Ops are carried between the nodes as CAR files.

mod common;

use std::path::{Path, PathBuf};

use common::{hearth, ok};

struct Group {
    tmp: tempfile::TempDir,
    id: String,
}

impl Group {
    fn dir(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn carry(&self, from: &str, to: &str) {
        common::carry(self.tmp.path(), &self.dir(from), &self.dir(to), &self.id);
    }
}

/// Ann founds a chapter; Gus, Gia and Gil join it.
fn group() -> Group {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = |n: &str| tmp.path().join(n);
    for n in ["ann", "gus", "gia", "gil"] {
        ok(&dir(n), &["id", "new"]);
    }
    let id = ok(
        &dir("ann"),
        &["chapter", "new", "Riverside", "--template", "small-coop"],
    );
    let g = Group { tmp, id };
    let link = ok(&g.dir("ann"), &["chapter", "invite", &g.id, "--uses", "5"]);
    for n in ["gus", "gia", "gil"] {
        g.carry("ann", n);
        ok(&g.dir(n), &["chapter", "join", &link]);
        g.carry(n, "ann");
    }
    for n in ["gus", "gia", "gil"] {
        g.carry("ann", n);
    }
    g
}

fn stderr_of(dir: &Path, args: &[&str]) -> String {
    let out = hearth(dir, args);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_device_pairs_with_a_code_acts_for_the_member_and_is_revoked() {
    let g = group();
    let ann = ok(&g.dir("ann"), &["id", "show"]);
    let laptop = g.dir("laptop");
    let out = hearth(&laptop, &["id", "devices", "pair", &ann]);
    assert!(out.status.success());
    let pairing = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code: String = stderr
        .split("code: ")
        .nth(1)
        .expect("a code")
        .chars()
        .take(7)
        .collect();
    // A wrong code adds nothing.
    let wrong = hearth(
        &g.dir("ann"),
        &[
            "id", "devices", "add", &pairing, "--name", "laptop", "--code", "000000",
        ],
    );
    assert_eq!(wrong.status.code(), Some(2), "{wrong:?}");
    // Nobody else can take the device: its pairing names Ann.
    let taken = stderr_of(
        &g.dir("gus"),
        &[
            "id", "devices", "add", &pairing, "--name", "mine", "--code", &code,
        ],
    );
    assert!(taken.contains("this pairing is for"), "{taken}");
    ok(
        &g.dir("ann"),
        &[
            "id", "devices", "add", &pairing, "--name", "laptop", "--code", &code,
        ],
    );
    let list = ok(&g.dir("ann"), &["id", "devices", "list"]);
    assert!(list.ends_with("laptop\tactive"), "{list}");
    // The laptop syncs the chapter and posts as Ann.
    g.carry("ann", "laptop");
    assert_eq!(ok(&laptop, &["id", "show"]), ann, "the laptop acts for Ann");
    ok(&laptop, &["op", "note", &g.id, "from the laptop"]);
    g.carry("laptop", "gus");
    let limit = ok(&laptop, &["trust", "limit", &g.id]);
    assert_eq!(limit, "unlimited");
    // Revoked, it can no longer act.
    let laptop_key = list.split('\t').next().expect("key").to_owned();
    ok(&g.dir("ann"), &["id", "devices", "revoke", &laptop_key]);
    g.carry("ann", "laptop");
    let refused = stderr_of(&laptop, &["op", "note", &g.id, "after revocation"]);
    assert!(refused.contains("has been revoked"), "{refused}");
}

#[test]
fn a_rotated_member_keeps_their_did_and_guardians_recover_them() {
    let g = group();
    let ann_dir = g.dir("ann");
    let ann = ok(&ann_dir, &["id", "show"]);
    let new_key = ok(&ann_dir, &["id", "rotate"]);
    assert_ne!(new_key, ann);
    assert_eq!(ok(&ann_dir, &["id", "show"]), ann, "the DID stays");
    ok(&ann_dir, &["op", "note", &g.id, "with my new key"]);
    g.carry("ann", "gus");

    // Ann names three guardians; two of them will do.
    let guardians: Vec<String> = ["gus", "gia", "gil"]
        .iter()
        .map(|n| ok(&g.dir(n), &["id", "show"]))
        .collect();
    let mut args = vec!["id", "guardians", "set"];
    args.extend(guardians.iter().map(String::as_str));
    args.extend(["--threshold", "2", "--wait-hours", "24"]);
    ok(&ann_dir, &args);
    for n in ["gus", "gia", "gil"] {
        g.carry("ann", n);
    }
    let shown = ok(&g.dir("gus"), &["id", "guardians", "show", &ann]);
    assert!(
        shown.starts_with("2 of 3 needed; a recovery waits 24 h"),
        "{shown}"
    );
    assert!(shown.contains(&guardians[2]), "{shown}");

    // Ann loses her phone: a new device asks, Gus and Gil approve.
    let phone = g.dir("phone");
    ok(&phone, &["id", "new"]);
    g.carry("gus", "phone");
    let request = ok(&phone, &["id", "recover", "request", &ann]);
    let refused = stderr_of(
        &g.dir("ann"),
        &["id", "recover", "approve", &request, "--yes"],
    );
    assert!(refused.contains("not one of"), "{refused}");
    let prompt = stderr_of(
        &g.dir("gus"),
        &["id", "recover", "approve", &request, "--yes"],
    );
    assert!(prompt.contains("You are approving that"), "{prompt}");
    let by_gus = ok(
        &g.dir("gus"),
        &["id", "recover", "approve", &request, "--yes"],
    );
    let by_gil = ok(
        &g.dir("gil"),
        &["id", "recover", "approve", &request, "--yes"],
    );
    // One approval is not enough.
    let one = stderr_of(&phone, &["id", "recover", "submit", &by_gus]);
    assert!(one.contains("1 of the 2 guardians"), "{one}");
    ok(&phone, &["id", "recover", "submit", &by_gus, &by_gil]);
    let waiting = ok(&phone, &["id", "guardians", "show", &ann]);
    assert!(waiting.contains("recovery waiting"), "{waiting}");
    // Until the waiting period has passed, the new key does not act.
    let early = stderr_of(&phone, &["op", "note", &g.id, "too soon"]);
    assert!(
        early.contains("takes effect once the chapter has seen it"),
        "{early}"
    );
    // Ann still holds her key after all, and cancels.
    common::carry(g.tmp.path(), &phone, &ann_dir, &g.id);
    ok(&ann_dir, &["id", "recover", "cancel"]);
    common::carry(g.tmp.path(), &ann_dir, &phone, &g.id);
    let after = ok(&phone, &["id", "guardians", "show", &ann]);
    assert!(!after.contains("recovery waiting"), "{after}");
}
