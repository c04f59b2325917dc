//! A community relay as a real process, for the tests that need one.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The relay binary, built beside `hearth` by `cargo test --workspace`.
pub fn relay_bin() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_hearth"))
        .with_file_name(format!("hearth-relay{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "build the relay first: cargo build -p hearth-relay"
    );
    bin
}

pub struct Relay {
    pub child: Child,
    /// Its first peer-to-peer address.
    pub addr: String,
    /// Its HTTP host:port.
    pub http: String,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the relay on `data` hosting `space`; returns it with its first
/// peer-to-peer address.
pub fn relay(root: &Path, data: &Path, space: &str, port: u16) -> Relay {
    spawn(root, data, port, &["--host", space])
}

/// Starts the relay on `data` listening on `port`, with `extra` flags.
pub fn spawn(root: &Path, data: &Path, port: u16, extra: &[&str]) -> Relay {
    let web = root.join("web");
    std::fs::create_dir_all(&web).expect("web dir");
    std::fs::write(web.join("index.html"), "<!doctype html>").expect("index");
    let child = Command::new(relay_bin())
        .args(["--listen", "127.0.0.1:0", "--web-dir"])
        .arg(&web)
        .arg("--data-dir")
        .arg(data)
        .args(["--p2p-listen", &format!("/ip4/127.0.0.1/tcp/{port}")])
        .args(extra)
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
pub fn metric(relay: &Relay, name: &str) -> f64 {
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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
