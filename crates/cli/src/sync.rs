//! `hearth sync`: dial peers (a community relay) and exchange ops until
//! this node and a peer hold the same, or keep watching.

use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, Result};
use hearth_core::SpaceId;
use hearth_net::p2p::{Multiaddr, Network, Options, identity};
use hearth_node::Node;
use hearth_store::RedbStore;

/// What `hearth sync` was asked.
pub struct Request {
    pub peers: Vec<Multiaddr>,
    pub spaces: Vec<SpaceId>,
    pub watch: bool,
    pub timeout: Duration,
}

pub fn run(node: Node<RedbStore>, request: Request) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the network runtime")?;
    runtime.block_on(async {
        // A client's network identity is per run: peers know members by
        // their did:key, not by this.
        let key = identity::Keypair::generate_ed25519();
        let options = Options {
            dial: request.peers,
            ..Options::default()
        };
        let mut network = Network::start(Rc::new(node), key, options).await?;
        for space in request.spaces {
            network.host(space).await?;
        }
        let watch = request.watch;
        let mut last = String::new();
        let status = network
            .run_until(
                |status| {
                    let line = status
                        .spaces
                        .iter()
                        .map(|(s, ops, agreed)| {
                            format!("{s} {ops} ops{}", if *agreed { " (in step)" } else { "" })
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let line = format!("{} peer(s): {line}", status.peers.len());
                    if line != last {
                        eprintln!("{line}");
                        last = line;
                    }
                    !watch && status.in_sync()
                },
                (!watch).then_some(request.timeout),
            )
            .await
            .context("syncing")?;
        for (space, ops, _) in status.spaces {
            println!("{space} {ops}");
        }
        Ok(())
    })
}
