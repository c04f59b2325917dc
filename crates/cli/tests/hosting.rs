//! A relay run from a configuration file hosts what members ask it to, by a
//! request they sign, and only for members: real processes, real libp2p.

mod common;

use common::relay::{free_port, metric, spawn};
use common::{hearth, ok};

#[test]
fn a_relay_hosts_what_members_ask_and_turns_others_away() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = |n: &str| tmp.path().join(n);
    let (alice, bob, mallory) = (dir("alice"), dir("bob"), dir("mallory"));
    for d in [&alice, &bob, &mallory] {
        ok(d, &["id", "new"]);
    }
    let garden = ok(&alice, &["chapter", "new", "Garden"]);
    ok(&alice, &["op", "note", &garden, "seeds on the porch"]);
    let kitchen = ok(&alice, &["space", "new", "Kitchen"]);
    ok(&alice, &["op", "note", &kitchen, "soup on Sunday"]);

    let config = dir("relay.toml");
    std::fs::write(&config, "accept_requests = true\n").expect("config");
    let relay = spawn(
        tmp.path(),
        &dir("relay"),
        free_port(),
        &["--config", config.to_str().expect("path")],
    );

    // Alice, a member, asks the relay to host her chapter; it takes it.
    let hosted = ok(
        &alice,
        &["host", "--relay", &relay.addr, &garden, "--timeout", "30"],
    );
    assert_eq!(hosted, format!("{garden} 2"));
    // Bob, new, fetches it from the relay while Alice is away.
    ok(
        &bob,
        &[
            "sync",
            "--relay",
            &relay.addr,
            "--space",
            &garden,
            "--timeout",
            "30",
        ],
    );
    let log = ok(&bob, &["op", "log", &garden]);
    assert!(log.contains("seeds on the porch"), "{log}");

    // Mallory holds a copy of the kitchen (someone gave her a file) but is no
    // member: the relay syncs it, sees that, and stops hosting it.
    let car = dir("kitchen.car");
    ok(
        &alice,
        &["op", "export", &kitchen, car.to_str().expect("path")],
    );
    ok(&mallory, &["op", "import", car.to_str().expect("path")]);
    let _ = hearth(
        &mallory,
        &["host", "--relay", &relay.addr, &kitchen, "--timeout", "5"],
    );
    let mut refused = 0.0;
    for _ in 0..50 {
        refused = metric(&relay, "hearth_relay_hosting_refused_total");
        if refused == 1.0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(refused, 1.0, "the relay turned Mallory's request down");
    let carol = dir("carol");
    ok(&carol, &["id", "new"]);
    let out = hearth(
        &carol,
        &[
            "sync",
            "--relay",
            &relay.addr,
            "--space",
            &kitchen,
            "--timeout",
            "4",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "the relay no longer hosts it");
    assert!(ok(&carol, &["space", "list"]).is_empty());

    // A bad configuration file is a clear error naming the key.
    std::fs::write(&config, "acept_requests = true\n").expect("config");
    let out = std::process::Command::new(common::relay::relay_bin())
        .args(["--config", config.to_str().expect("path")])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("acept_requests"), "{err}");
}
