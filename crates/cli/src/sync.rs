//! `hearth sync`: dial peers (a community relay) and exchange ops until
//! this node and a peer hold the same, or keep watching.

use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, Result};
use hearth_core::SpaceId;
use hearth_net::p2p::{Multiaddr, Network, Options, PeerId, identity};
use hearth_node::Node;
use hearth_store::RedbStore;

/// What `hearth sync` was asked.
pub struct Request {
    pub peers: Vec<Multiaddr>,
    pub spaces: Vec<SpaceId>,
    pub watch: bool,
    pub timeout: Duration,
    /// Ask the relays to host `spaces` (a signed request from this identity).
    pub ask_hosting: bool,
}

impl Request {
    /// The peer ids the dialled addresses end in.
    fn peers_ids(&self) -> Vec<PeerId> {
        self.peers
            .iter()
            .filter_map(|a| {
                a.iter().find_map(|p| match p {
                    hearth_net::p2p::Protocol::P2p(id) => Some(id),
                    _ => None,
                })
            })
            .collect()
    }
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
            dial: request.peers.clone(),
            ..Options::default()
        };
        let mut network = Network::start(Rc::new(node), key, options).await?;
        for space in &request.spaces {
            network.host(*space).await?;
        }
        if request.ask_hosting {
            for relay in request.peers_ids() {
                for space in &request.spaces {
                    network
                        .request_hosting(relay, *space)
                        .context("asking the relay")?;
                }
            }
        }
        let watch = request.watch;
        // Asking a relay to host one space: done when the relay holds it,
        // whatever else this node holds.
        let only: Option<Vec<SpaceId>> = request.ask_hosting.then(|| request.spaces.clone());
        let counts = |space: &SpaceId| only.as_ref().is_none_or(|o| o.contains(space));
        let mut last = String::new();
        let status = network
            .run_until(
                |status| {
                    let line = status
                        .spaces
                        .iter()
                        .map(|s| format!("{} {s}", s.space))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let line = format!("{} peer(s): {line}", status.peers.len());
                    if line != last {
                        eprintln!("{line}");
                        last = line;
                    }
                    let agreed = !status.peers.is_empty()
                        && status
                            .spaces
                            .iter()
                            .filter(|s| counts(&s.space))
                            .all(|s| s.agreed);
                    !watch && agreed
                },
                (!watch).then_some(request.timeout),
            )
            .await
            .context("syncing")?;
        for s in status.spaces.iter().filter(|s| counts(&s.space)) {
            println!("{} {}", s.space, s.held);
        }
        Ok(())
    })
}
