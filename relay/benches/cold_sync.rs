//! Cold sync (not a timed test): a relay holding an N-op space (default
//! 100,000; `HEARTH_BENCH_SYNC_OPS`) in its redb replica, and a fresh native
//! node with an empty redb store that joins the space over TCP on loopback.
//! Prints ops/s and total seconds until the fresh node holds every op and
//! agrees with the relay, and the ratio of that rate to the same node's
//! ingest of the same ops from memory (what the network costs):
//! `ratio cold_sync/local_ingest = X.XX`.

use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use hearth_core::Op;
use hearth_net::p2p::{Multiaddr, Network, Options, identity};
use hearth_node::{Node, SystemEnv, testkit};
use hearth_store::RedbStore;

/// A node on a new redb store at `path`.
async fn open(path: &std::path::Path) -> Result<Node<RedbStore>> {
    Ok(Node::open(RedbStore::open(path)?, None, Box::new(SystemEnv)).await?)
}

fn main() -> Result<()> {
    let n: usize = std::env::var("HEARTH_BENCH_SYNC_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let blocks = testkit::workload(n, 50);
    let space = Op::decode(&blocks[0])?.op.data.space;
    let dir = tempfile::tempdir()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // What the same machine ingests locally: the bar for the network.
        let local = open(&dir.path().join("local.redb")).await?;
        let t = Instant::now();
        local.ingest(blocks.clone(), |_| {}).await?;
        let local_rate = n as f64 / t.elapsed().as_secs_f64();
        drop(local);

        let relay = Rc::new(open(&dir.path().join("relay.redb")).await?);
        relay.ingest(blocks, |_| {}).await?;
        let options = Options {
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse()?],
            relay_server: true,
            host_all: true,
            ..Options::default()
        };
        let mut relay =
            Network::start(relay, identity::Keypair::generate_ed25519(), options).await?;
        let status = relay
            .run_until(|s| !s.listening.is_empty(), Some(Duration::from_secs(10)))
            .await?;
        let addr: Multiaddr = format!("{}/p2p/{}", status.listening[0], relay.peer_id()).parse()?;

        let fresh = Rc::new(open(&dir.path().join("fresh.redb")).await?);
        let options = Options {
            dial: vec![addr],
            ..Options::default()
        };
        let t = Instant::now();
        let mut member =
            Network::start(fresh, identity::Keypair::generate_ed25519(), options).await?;
        member.host(space).await?;
        let done = member.run_until(
            |s| {
                s.in_sync()
                    && s.spaces
                        .iter()
                        .any(|s| s.space == space && s.held == n as u64)
            },
            Some(Duration::from_secs(600)),
        );
        let serve = relay.run_until(|_| false, None);
        let status = futures::select! {
            status = futures::FutureExt::fuse(Box::pin(done)) => status.context("cold sync")?,
            outcome = futures::FutureExt::fuse(Box::pin(serve)) => {
                anyhow::bail!("the relay stopped: {outcome:?}")
            }
        };
        let secs = t.elapsed().as_secs_f64();
        let rate = n as f64 / secs;
        println!("ops = {n}, relay and member on redb over TCP (loopback)");
        println!("local ingest: {local_rate:.0} ops/s");
        println!("cold sync: {rate:.0} ops/s, {secs:.1} s for {n} ops");
        println!(
            "cold_sync_native_seconds = {secs:.1} (peers: {})",
            status.peers.len()
        );
        println!("ratio cold_sync/local_ingest = {:.2}", rate / local_rate);
        Ok(())
    })
}
