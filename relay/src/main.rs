//! `hearth-relay`: a community relay. Today it serves the Hearth web app on
//! an address of your choice; peer-to-peer relaying and the always-on replica
//! of hosted spaces arrive with the network work.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;

#[derive(Parser)]
#[command(name = "hearth-relay", version, about = "A Hearth community relay")]
struct Args {
    /// Address to serve HTTP on.
    #[arg(long, env = "HEARTH_RELAY_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The built web app to serve (Trunk's output).
    #[arg(long, env = "HEARTH_WEB_DIR")]
    web_dir: Option<PathBuf>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args = Args::parse();
    let web_dir = args.web_dir.unwrap_or_else(hearth_relay::default_web_dir);
    anyhow::ensure!(
        web_dir.join("index.html").is_file(),
        "no web app in {} (build it with `scripts/run.sh`, or pass --web-dir)",
        web_dir.display()
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!("Hearth is running: open http://{addr}/");
    eprintln!(
        "serving {} (health: http://{addr}/health); Ctrl-C stops",
        web_dir.display()
    );
    axum::serve(listener, hearth_relay::router(&web_dir))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")
}
