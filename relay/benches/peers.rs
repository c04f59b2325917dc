//! Many peers on one relay (not a timed test): starts the `hearth-relay`
//! binary, connects N native Hearth nodes to it over WebSocket on loopback
//! (default 1,000; `HEARTH_BENCH_PEERS`), as members' browsers would, all in
//! one space, then has one more member write K ops (default 50;
//! `HEARTH_BENCH_OPS`) one after another. Prints the relay's memory per
//! peer, its CPU while the peers connect and while ops are delivered, and
//! the p50/p99 latency of an op from publish to delivery at one peer and at
//! all peers.
//!
//! The peers run in this process on two threads, beside the relay, on the
//! same machine: what the figures include.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hearth_core::{Body, Keypair, OpId, SpaceId};
use hearth_net::p2p::{Multiaddr, Network, Options, identity};
use hearth_node::{Node, SystemEnv};
use hearth_store::MemoryStore;

/// What the peers and the writer share across threads.
#[derive(Default)]
struct Shared {
    space: OnceLock<SpaceId>,
    /// Peers holding the space and in step with the relay.
    ready: AtomicUsize,
    /// The writer is done.
    done: AtomicBool,
    /// When each op was written.
    written: Mutex<HashMap<OpId, Instant>>,
    /// Per op: how long each peer took to hold it.
    delivered: Mutex<HashMap<OpId, Vec<Duration>>>,
    /// Ops the peers received by gossip push and in anti-entropy batches.
    pushed: AtomicU64,
    pulled: AtomicU64,
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The relay process, stopped when dropped.
struct Relay(Child);

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Relay {
    fn start(dir: &std::path::Path) -> Result<(Relay, Multiaddr, String)> {
        let web = dir.join("web");
        std::fs::create_dir_all(&web)?;
        std::fs::write(
            web.join("index.html"),
            "<!doctype html><title>bench</title>",
        )?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_hearth-relay"))
            .args(["--listen", "127.0.0.1:0", "--host-all"])
            .args(["--p2p-listen", "/ip4/127.0.0.1/tcp/0/ws"])
            .arg("--web-dir")
            .arg(&web)
            .arg("--data-dir")
            .arg(dir.join("relay"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting hearth-relay")?;
        let stdout = child.stdout.take().context("relay stdout")?;
        let relay = Relay(child);
        let mut http = None;
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            if let Some(url) = line.strip_prefix("Hearth is running: open http://") {
                http = Some(url.trim_end_matches('/').to_string());
            }
            if let Some(addr) = line.strip_prefix("Hearth relay peer: ") {
                let http = http.context("the relay's HTTP address")?;
                return Ok((relay, addr.parse()?, http));
            }
        }
        bail!("the relay exited before listening")
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }
}

/// One of the relay's `/metrics` counters (plain HTTP/1.0 on loopback).
fn relay_metric(http: &str, name: &str) -> Result<f64> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(http)?;
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {http}\r\n\r\n")?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .with_context(|| format!("no {name} in the relay's metrics"))
}

/// The relay's resident memory, in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .context("VmRSS")
}

/// The relay's CPU time so far (user + system).
fn cpu(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').context("stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    let hz: u64 = String::from_utf8(Command::new("getconf").arg("CLK_TCK").output()?.stdout)?
        .trim()
        .parse()?;
    Ok(Duration::from_millis(ticks * 1000 / hz))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One thread's share of the peers; thread 0 also runs the writer.
fn peers(
    relay: Multiaddr,
    count: usize,
    total: usize,
    writer: Option<(Keypair, usize)>,
    shared: Arc<Shared>,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let start = |node: Rc<Node<MemoryStore>>| {
            let options = Options {
                dial: vec![relay.clone()],
                ..Options::default()
            };
            Network::start(node, identity::Keypair::generate_ed25519(), options)
        };
        let writer = match writer {
            Some((key, ops)) => {
                let node =
                    Rc::new(Node::open(MemoryStore::new(), Some(key), Box::new(SystemEnv)).await?);
                let space = node.create_space("Bench").await?;
                shared.space.set(space).ok();
                let mut network = start(node.clone()).await?;
                tokio::task::spawn_local(async move { network.run_until(|_| false, None).await });
                Some((node, space, ops))
            }
            None => None,
        };
        let space = loop {
            match shared.space.get() {
                Some(space) => break *space,
                None => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        };
        for _ in 0..count {
            let node = Rc::new(Node::open(MemoryStore::new(), None, Box::new(SystemEnv)).await?);
            let seen = shared.clone();
            node.subscribe(move |change| {
                let now = Instant::now();
                let written = seen.written.lock().expect("lock");
                let mut delivered = seen.delivered.lock().expect("lock");
                for id in &change.accepted {
                    if let Some(at) = written.get(id) {
                        delivered.entry(*id).or_default().push(now - *at);
                    }
                }
            });
            let mut network = start(node).await?;
            network.host(space).await?;
            let ready = shared.clone();
            tokio::task::spawn_local(async move {
                let mut counted = false;
                let (mut pushed, mut pulled) = (0, 0);
                network
                    .run_until(
                        |s| {
                            let t = &s.traffic;
                            if (t.ops_pushed_in, t.ops_pulled_in) != (pushed, pulled) {
                                ready
                                    .pushed
                                    .fetch_add(t.ops_pushed_in - pushed, Ordering::Relaxed);
                                ready
                                    .pulled
                                    .fetch_add(t.ops_pulled_in - pulled, Ordering::Relaxed);
                                (pushed, pulled) = (t.ops_pushed_in, t.ops_pulled_in);
                            }
                            if !counted && s.in_sync() && s.spaces.iter().any(|s| s.held > 0) {
                                counted = true;
                                ready.ready.fetch_add(1, Ordering::Relaxed);
                            }
                            false
                        },
                        None,
                    )
                    .await
            });
            // Connect gradually, as members arrive.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let Some((node, space, ops)) = writer else {
            return std::future::pending().await;
        };
        while shared.ready.load(Ordering::Relaxed) < total {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Wait for the main thread to take its measurements.
        tokio::time::sleep(Duration::from_secs(2)).await;
        for i in 0..ops {
            let at = Instant::now();
            let body = Body::Note {
                text: format!("op {i}"),
            };
            let id = node.create_op(&space, body).await?;
            // Nothing was published yet: the network runs on this thread.
            shared.written.lock().expect("lock").insert(id, at);
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let got = shared
                    .delivered
                    .lock()
                    .expect("lock")
                    .get(&id)
                    .map_or(0, Vec::len);
                if got >= total || Instant::now() > deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        shared.done.store(true, Ordering::Relaxed);
        std::future::pending().await
    })
}

fn main() -> Result<()> {
    let n = env_or("HEARTH_BENCH_PEERS", 1_000);
    let k = env_or("HEARTH_BENCH_OPS", 50);
    let dir = tempfile::tempdir()?;
    let (relay, addr, http) = Relay::start(dir.path())?;
    let pid = relay.pid();
    std::thread::sleep(Duration::from_millis(500));
    let rss_idle = rss_kib(pid)?;
    let shared = Arc::new(Shared::default());
    let t = Instant::now();
    let cpu0 = cpu(pid)?;
    for (i, count) in [n / 2, n - n / 2].into_iter().enumerate() {
        let (addr, shared) = (addr.clone(), shared.clone());
        let writer = (i == 0).then(|| (Keypair::from_seed(&[7; 32]), k));
        std::thread::spawn(move || {
            if let Err(e) = peers(addr, count, n, writer, shared) {
                eprintln!("peers: {e:#}");
                std::process::exit(1);
            }
        });
    }
    let mut shown = Instant::now();
    while shared.ready.load(Ordering::Relaxed) < n {
        if shown.elapsed() >= Duration::from_secs(2) {
            shown = Instant::now();
            eprintln!(
                "{} of {n} peers in step",
                shared.ready.load(Ordering::Relaxed)
            );
        }
        if t.elapsed() > Duration::from_secs(600) {
            bail!(
                "only {} of {n} peers in step after 10 minutes",
                shared.ready.load(Ordering::Relaxed)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let connect = t.elapsed();
    let cpu_connect = cpu(pid)? - cpu0;
    std::thread::sleep(Duration::from_secs(1));
    let rss_peers = rss_kib(pid)?;
    // The writer starts 2 s after all are ready.
    let t = Instant::now();
    let cpu1 = cpu(pid)?;
    let own1 = cpu(std::process::id())?;
    let arrived = |shared: &Shared| {
        (
            shared.pushed.load(Ordering::Relaxed),
            shared.pulled.load(Ordering::Relaxed),
        )
    };
    let (pushed0, pulled0) = arrived(&shared);
    let relay_pushed = || relay_metric(&http, "hearth_relay_ops_pushed_received_total");
    let relay_pushed0 = relay_pushed()?;
    while !shared.done.load(Ordering::Relaxed) {
        if shown.elapsed() >= Duration::from_secs(2) {
            shown = Instant::now();
            let ops = shared.written.lock().expect("lock").len();
            eprintln!("{ops} of {k} ops written");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (wall, cpu_ops) = (t.elapsed(), cpu(pid)? - cpu1);
    let cpu_peers = cpu(std::process::id())? - own1;
    let (pushed, pulled) = arrived(&shared);
    let relay_pushed = relay_pushed()? - relay_pushed0;

    let delivered = shared.delivered.lock().expect("lock");
    let mut each: Vec<Duration> = delivered.values().flatten().copied().collect();
    let mut all: Vec<Duration> = delivered
        .values()
        .filter(|v| v.len() >= n)
        .filter_map(|v| v.iter().max().copied())
        .collect();
    each.sort();
    all.sort();
    let missed = k * n - each.len();
    let per_peer = (rss_peers.saturating_sub(rss_idle)) as f64 / n as f64;
    println!("peers = {n} over WebSocket on loopback, ops = {k}, one relay process");
    println!(
        "connect: {n} peers in step in {:.1} s",
        connect.as_secs_f64()
    );
    println!(
        "relay memory: {:.1} MiB idle, {:.1} MiB with peers, {per_peer:.1} KiB per peer",
        rss_idle as f64 / 1024.0,
        rss_peers as f64 / 1024.0
    );
    println!(
        "relay CPU: {:.0}% of one core while peers connected, {:.0}% while delivering ops",
        100.0 * cpu_connect.as_secs_f64() / connect.as_secs_f64(),
        100.0 * cpu_ops.as_secs_f64() / wall.as_secs_f64()
    );
    println!(
        "peers' CPU (this process, {n} nodes): {:.0}% of one core while delivering ops",
        100.0 * cpu_peers.as_secs_f64() / wall.as_secs_f64()
    );
    println!(
        "latency publish -> one peer: p50 {:.1} ms, p99 {:.1} ms ({} deliveries, {missed} missed)",
        ms(percentile(&each, 0.5)),
        ms(percentile(&each, 0.99)),
        each.len()
    );
    println!(
        "latency publish -> all peers: p50 {:.1} ms, p99 {:.1} ms ({} of {k} ops reached all)",
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        all.len()
    );
    println!(
        "ops received while delivering: {} by gossip push, {} in anti-entropy batches; \
         the relay received {relay_pushed} of the {k} by push",
        pushed - pushed0,
        pulled - pulled0
    );
    println!(
        "ratio latency_all_p50/latency_one_p50 = {:.2}",
        percentile(&all, 0.5).as_secs_f64() / percentile(&each, 0.5).as_secs_f64().max(1e-9)
    );
    drop(relay);
    Ok(())
}
