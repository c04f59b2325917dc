//! `hearth-relay`: a community relay. Serves the Hearth web app over HTTP,
//! and on the peer-to-peer side runs the circuit relay for members' devices
//! and keeps an always-on replica of the spaces it hosts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use hearth_core::SpaceId;
use hearth_net::p2p::{Multiaddr, Network, Options, identity};
use hearth_node::{Node, SystemEnv};
use hearth_store::RedbStore;

#[derive(Parser)]
#[command(name = "hearth-relay", version, about = "A Hearth community relay")]
struct Args {
    /// A configuration file (TOML); flags add to it or take its place.
    #[arg(long, env = "HEARTH_RELAY_CONFIG")]
    config: Option<PathBuf>,
    /// Address to serve HTTP on (default 127.0.0.1:8080).
    #[arg(long, env = "HEARTH_RELAY_LISTEN")]
    listen: Option<SocketAddr>,
    /// The built web app to serve (Trunk's output).
    #[arg(long, env = "HEARTH_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Where the relay keeps its key and its replica of hosted spaces.
    #[arg(long, env = "HEARTH_RELAY_DIR")]
    data_dir: Option<PathBuf>,
    /// Peer-to-peer addresses to listen on (repeat for several; default
    /// /ip4/127.0.0.1/tcp/4001, /ip4/127.0.0.1/tcp/4002/ws and
    /// /ip4/127.0.0.1/udp/4003/webrtc-direct).
    #[arg(long = "p2p-listen")]
    p2p_listen: Vec<Multiaddr>,
    /// A space this relay hosts: it keeps every op of it (repeat for several).
    #[arg(long = "host")]
    hosts: Vec<SpaceId>,
    /// Host every space members sync with this relay (a community's own
    /// relay, where everyone who reaches it is a member).
    #[arg(long)]
    host_all: bool,
    /// Host spaces that members ask for by a signed request (the relay
    /// checks they are members once the space has arrived).
    #[arg(long)]
    accept_requests: bool,
    /// Another relay to connect to (repeat for several): through them this
    /// relay learns which relays host a space (a Kademlia DHT).
    #[arg(long = "peer")]
    peers: Vec<Multiaddr>,
}

/// The settings in force: the file's, with the flags'.
struct Settings {
    listen: SocketAddr,
    web_dir: PathBuf,
    data_dir: PathBuf,
    p2p_listen: Vec<Multiaddr>,
    hosts: Vec<SpaceId>,
    host_all: bool,
    accept_requests: bool,
    peers: Vec<Multiaddr>,
}

/// Multiaddrs from the file, named by their key for errors.
fn multiaddrs(key: &str, list: &[String]) -> Result<Vec<Multiaddr>> {
    list.iter()
        .map(|a| {
            a.parse()
                .with_context(|| format!("{key}: {a} is not a multiaddr"))
        })
        .collect()
}

fn settings(args: Args) -> Result<Settings> {
    let file = match &args.config {
        Some(path) => hearth_relay::Config::load(path)?,
        None => hearth_relay::Config::default(),
    };
    let mut p2p_listen = multiaddrs("p2p_listen", &file.p2p_listen)?;
    p2p_listen.extend(args.p2p_listen);
    if p2p_listen.is_empty() {
        p2p_listen = vec![
            "/ip4/127.0.0.1/tcp/4001".parse()?,
            "/ip4/127.0.0.1/tcp/4002/ws".parse()?,
            "/ip4/127.0.0.1/udp/4003/webrtc-direct".parse()?,
        ];
    }
    let data_dir = match args.data_dir.or(file.data_dir) {
        Some(d) => d,
        None => PathBuf::from(std::env::var_os("HOME").context("set --data-dir (no HOME)")?)
            .join(".local/share/hearth-relay"),
    };
    let mut peers = multiaddrs("peers", &file.peers)?;
    peers.extend(args.peers);
    let mut hosts = file.host;
    hosts.extend(args.hosts);
    Ok(Settings {
        listen: args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
        web_dir: args
            .web_dir
            .or(file.web_dir)
            .unwrap_or_else(hearth_relay::default_web_dir),
        data_dir,
        p2p_listen,
        hosts,
        host_all: args.host_all || file.host_all,
        accept_requests: args.accept_requests || file.accept_requests,
        peers,
    })
}

fn main() -> Result<()> {
    let args = settings(Args::parse())?;
    let web_dir = args.web_dir.clone();
    anyhow::ensure!(
        web_dir.join("index.html").is_file(),
        "no web app in {} (build it with `scripts/run.sh`, or pass --web-dir)",
        web_dir.display()
    );
    let data_dir = args.data_dir.clone();
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let key = hearth_relay::load_or_create_key(&data_dir)?;
    let webrtc_pem = hearth_relay::load_or_create_webrtc_certificate(&data_dir)?;
    let store = RedbStore::open(data_dir.join("replica.redb")).context("opening the replica")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let node = Node::open(store, None, Box::new(SystemEnv)).await?;
        serve(args, web_dir, &data_dir, Rc::new(node), (key, webrtc_pem)).await
    })
}

async fn serve(
    args: Settings,
    web_dir: PathBuf,
    data_dir: &Path,
    node: Rc<Node<RedbStore>>,
    (key, webrtc_pem): (identity::Keypair, String),
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let peer = hearth_relay::SharedPeer::default();
    let metrics = Arc::new(hearth_relay::Metrics::new(node.counts().await?.ops));
    let router = hearth_relay::router(&web_dir, peer.clone(), metrics.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let options = Options {
        listen: args.p2p_listen,
        relay_server: true,
        host_all: args.host_all,
        accept_host_requests: args.accept_requests,
        webrtc_pem: Some(webrtc_pem),
        dial: args.peers,
        ..Options::default()
    };
    let mut network = Network::start(node, key, options).await?;
    for space in args.hosts {
        network.host(space).await?;
    }
    let id = network.peer_id();
    println!("Hearth is running: open http://{addr}/");
    eprintln!(
        "serving {} (health: http://{addr}/health), replica in {}; Ctrl-C stops",
        web_dir.display(),
        data_dir.display()
    );
    let mut announced = 0;
    let running = network.run_until(
        |status| {
            metrics.observe(status);
            for a in &status.listening[announced..] {
                let full = format!("{a}/p2p/{id}");
                println!("Hearth relay peer: {full}");
                if let Ok(mut p) = peer.write() {
                    p.addrs.push(full);
                }
            }
            announced = status.listening.len();
            false
        },
        None,
    );
    tokio::select! {
        outcome = running => { outcome?; }
        _ = tokio::signal::ctrl_c() => eprintln!("stopping"),
    }
    Ok(())
}
