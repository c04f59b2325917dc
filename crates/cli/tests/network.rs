//! Real processes over real libp2p: a community relay hosting a space and
//! CLI nodes syncing through it. The relay is restarted on its data
//! directory and keeps its peer id and its replica.

mod common;

use std::path::Path;

use common::relay::{free_port, metric, relay};
use common::{hearth, ok};

fn notes(dir: &Path, space: &str) -> Vec<String> {
    ok(dir, &["op", "log", space, "--limit", "100"])
        .lines()
        .filter_map(|l| l.split_once("note ").map(|(_, t)| t.to_owned()))
        .collect()
}

#[test]
fn members_sync_through_a_relay_that_keeps_a_replica_across_restarts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (alice, bob, carol) = (
        tmp.path().join("alice"),
        tmp.path().join("bob"),
        tmp.path().join("carol"),
    );
    let data = tmp.path().join("relay");
    ok(&alice, &["id", "new"]);
    ok(&bob, &["id", "new"]);
    let space = ok(&alice, &["space", "new", "Riverside"]);
    for text in ["bread on Saturday", "tomatoes too"] {
        ok(&alice, &["op", "note", &space, text]);
    }

    let port = free_port();
    let first = relay(tmp.path(), &data, &space, port);
    // Alice hands her ops to the relay; Bob, new to the space, gets them.
    let synced = ok(&alice, &["sync", "--relay", &first.addr, "--timeout", "30"]);
    assert_eq!(synced, format!("{space} 3"));
    // The metrics follow the network loop: give it a moment.
    for _ in 0..50 {
        if metric(&first, "hearth_relay_ops_stored") == 3.0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(metric(&first, "hearth_relay_ops_stored"), 3.0);
    assert_eq!(metric(&first, "hearth_relay_ops_ingested_total"), 3.0);
    assert!(metric(&first, "hearth_relay_sync_received_bytes_total") > 0.0);
    ok(
        &bob,
        &[
            "sync",
            "--relay",
            &first.addr,
            "--space",
            &space,
            "--timeout",
            "30",
        ],
    );
    assert_eq!(
        notes(&bob, &space),
        ["\"bread on Saturday\"", "\"tomatoes too\""]
    );
    let addr = first.addr.clone();
    drop(first);

    // Restarted on the same data: same peer id, same replica.
    let second = relay(tmp.path(), &data, &space, port);
    assert_eq!(second.addr, addr, "the relay keeps its peer id");
    ok(&carol, &["id", "new"]);
    ok(
        &carol,
        &[
            "sync",
            "--relay",
            &second.addr,
            "--space",
            &space,
            "--timeout",
            "30",
        ],
    );
    assert_eq!(notes(&carol, &space).len(), 2);

    // A relay that is gone: a clear error, not a hang.
    drop(second);
    let out = hearth(&carol, &["sync", "--relay", &addr, "--timeout", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("gave up"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
