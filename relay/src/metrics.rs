//! `/metrics`: what a relay's operator watches, in the Prometheus text
//! format (prometheus-client).

use hearth_net::p2p::Status;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The relay's metrics, updated from the network's status.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    peers: Gauge,
    spaces: Gauge,
    ops_stored: Gauge,
    ops_ingested: Counter,
    bytes_in: Counter,
    bytes_out: Counter,
    ops_pushed_in: Counter,
    ops_pulled_in: Counter,
    reservations: Gauge,
    circuits: Gauge,
    hosting_refused: Counter,
}

impl Metrics {
    /// Metrics for a relay whose replica holds `ops` ops at start (ops
    /// ingested count from there).
    pub fn new(ops: u64) -> Self {
        let mut registry = Registry::with_prefix("hearth_relay");
        let peers = Gauge::default();
        let spaces = Gauge::default();
        let ops_stored = Gauge::default();
        let ops_ingested = Counter::default();
        let bytes_in = Counter::default();
        let bytes_out = Counter::default();
        let ops_pushed_in = Counter::default();
        let ops_pulled_in = Counter::default();
        let reservations = Gauge::default();
        let circuits = Gauge::default();
        let hosting_refused = Counter::default();
        registry.register(
            "hosting_refused",
            "Hosting requests turned down (not from a member, or the space never came)",
            hosting_refused.clone(),
        );
        registry.register("peers", "Connected peers", peers.clone());
        registry.register("spaces", "Spaces the replica holds", spaces.clone());
        registry.register("ops_stored", "Ops in the replica", ops_stored.clone());
        registry.register(
            "ops_ingested",
            "Ops the replica accepted since start (rate() gives the ingest rate)",
            ops_ingested.clone(),
        );
        registry.register(
            "sync_received_bytes",
            "Sync bytes received (requests and gossip)",
            bytes_in.clone(),
        );
        registry.register(
            "sync_sent_bytes",
            "Sync bytes sent (requests and gossip)",
            bytes_out.clone(),
        );
        registry.register(
            "ops_pushed_received",
            "Ops received by gossip push, duplicates included",
            ops_pushed_in.clone(),
        );
        registry.register(
            "ops_pulled_received",
            "Ops received in anti-entropy batches, duplicates included",
            ops_pulled_in.clone(),
        );
        registry.register(
            "reservations",
            "Peers holding a circuit relay reservation",
            reservations.clone(),
        );
        registry.register("circuits", "Circuits being relayed", circuits.clone());
        ops_stored.set(gauge_value(ops));
        Metrics {
            registry,
            peers,
            spaces,
            ops_stored,
            ops_ingested,
            bytes_in,
            bytes_out,
            ops_pushed_in,
            ops_pulled_in,
            reservations,
            circuits,
            hosting_refused,
        }
    }

    /// Takes in the network's current status.
    pub fn observe(&self, status: &Status) {
        let ops: u64 = status.spaces.iter().map(|s| s.held).sum();
        let before = u64::try_from(self.ops_stored.get()).unwrap_or(0);
        self.ops_ingested.inc_by(ops.saturating_sub(before));
        self.ops_stored.set(gauge_value(ops));
        self.peers.set(gauge_value(status.peers.len() as u64));
        self.spaces.set(gauge_value(status.spaces.len() as u64));
        let t = &status.traffic;
        follow(&self.bytes_in, t.bytes_in);
        follow(&self.bytes_out, t.bytes_out);
        follow(&self.ops_pushed_in, t.ops_pushed_in);
        follow(&self.ops_pulled_in, t.ops_pulled_in);
        self.reservations.set(gauge_value(t.reservations as u64));
        self.circuits.set(gauge_value(t.circuits as u64));
        follow(&self.hosting_refused, status.refused_hosting.len() as u64);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// Brings a counter up to the network's running total.
fn follow(counter: &Counter, total: u64) {
    counter.inc_by(total.saturating_sub(counter.get()));
}

fn gauge_value(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
