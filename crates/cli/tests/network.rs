//! Real processes over real libp2p: a community relay hosting a space and
//! CLI nodes syncing through it. The relay is restarted on its data
//! directory and keeps its peer id and its replica.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{hearth, ok};

/// The relay binary, built beside `hearth` by `cargo test --workspace`.
fn relay_bin() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_hearth"))
        .with_file_name(format!("hearth-relay{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "build the relay first: cargo build -p hearth-relay"
    );
    bin
}

struct Relay {
    child: Child,
    /// Its first peer-to-peer address.
    addr: String,
    /// Its HTTP host:port.
    http: String,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the relay on `data` hosting `space`; returns it with its first
/// peer-to-peer address.
fn relay(root: &Path, data: &Path, space: &str, port: u16) -> Relay {
    let web = root.join("web");
    std::fs::create_dir_all(&web).expect("web dir");
    std::fs::write(web.join("index.html"), "<!doctype html>").expect("index");
    let child = Command::new(relay_bin())
        .args(["--listen", "127.0.0.1:0", "--web-dir"])
        .arg(&web)
        .arg("--data-dir")
        .arg(data)
        .args([
            "--p2p-listen",
            &format!("/ip4/127.0.0.1/tcp/{port}"),
            "--host",
            space,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the relay");
    // Owned at once, so the process is killed and reaped on every path.
    let mut relay = Relay {
        child,
        addr: String::new(),
        http: String::new(),
    };
    let out = BufReader::new(relay.child.stdout.take().expect("stdout"));
    for line in out.lines() {
        let line = line.expect("relay output");
        if let Some(url) = line.strip_prefix("Hearth is running: open http://") {
            relay.http = url.trim_end_matches('/').to_owned();
        }
        if let Some(addr) = line.strip_prefix("Hearth relay peer: ") {
            relay.addr = addr.to_owned();
            return relay;
        }
    }
    panic!("the relay exited without announcing an address");
}

/// One value from the relay's `/metrics` (plain HTTP over a socket).
fn metric(relay: &Relay, name: &str) -> f64 {
    let mut stream = std::net::TcpStream::connect(&relay.http).expect("connect");
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        relay.http
    )
    .expect("request");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("response");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

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
