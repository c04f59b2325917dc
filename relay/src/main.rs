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
    /// Address to serve HTTP on.
    #[arg(long, env = "HEARTH_RELAY_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The built web app to serve (Trunk's output).
    #[arg(long, env = "HEARTH_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Where the relay keeps its key and its replica of hosted spaces.
    #[arg(long, env = "HEARTH_RELAY_DIR")]
    data_dir: Option<PathBuf>,
    /// Peer-to-peer addresses to listen on (repeat for several).
    #[arg(
        long = "p2p-listen",
        default_values = ["/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/tcp/4002/ws"]
    )]
    p2p_listen: Vec<Multiaddr>,
    /// A space this relay hosts: it keeps every op of it (repeat for several).
    #[arg(long = "host")]
    hosts: Vec<SpaceId>,
    /// Host every space members sync with this relay (a community's own
    /// relay, where everyone who reaches it is a member).
    #[arg(long)]
    host_all: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let web_dir = args
        .web_dir
        .clone()
        .unwrap_or_else(hearth_relay::default_web_dir);
    anyhow::ensure!(
        web_dir.join("index.html").is_file(),
        "no web app in {} (build it with `scripts/run.sh`, or pass --web-dir)",
        web_dir.display()
    );
    let data_dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => PathBuf::from(std::env::var_os("HOME").context("set --data-dir (no HOME)")?)
            .join(".local/share/hearth-relay"),
    };
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let key = hearth_relay::load_or_create_key(&data_dir)?;
    let store = RedbStore::open(data_dir.join("replica.redb")).context("opening the replica")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let node = Node::open(store, None, Box::new(SystemEnv)).await?;
        serve(args, web_dir, &data_dir, Rc::new(node), key).await
    })
}

async fn serve(
    args: Args,
    web_dir: PathBuf,
    data_dir: &Path,
    node: Rc<Node<RedbStore>>,
    key: identity::Keypair,
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
