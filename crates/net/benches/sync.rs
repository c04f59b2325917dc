//! Sync overhead on a simulated network: 100 nodes write 10,000 ops between
//! them over links that lose 20% of messages. Prints the bytes every node
//! sent ÷ (ops × mean op size × nodes) as `sync_overhead = X.XX`.
//!
//! `cargo bench -p hearth-net --bench sync` (`HEARTH_SIM_NODES`,
//! `HEARTH_SIM_OPS` and `HEARTH_SIM_LOSS` change the shape).

use hearth_net::sim::{SimConfig, run};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let nodes = env("HEARTH_SIM_NODES", 100) as usize;
    let ops = env("HEARTH_SIM_OPS", 10_000) as usize;
    let config = SimConfig {
        nodes,
        ops,
        degree: 4,
        loss_pct: env("HEARTH_SIM_LOSS", 20) as u32,
        duplicate_pct: 0,
        latency_ms: (5, 80),
        write_every_ms: 10_000,
        partitions: 0,
        crashes: 0,
        ..SimConfig::small(1)
    };
    let started = std::time::Instant::now();
    let report = run(config.clone()).expect("the simulation converges");
    println!(
        "nodes = {nodes}, ops = {}, loss = {}%, mean op size = {:.1} bytes",
        report.ops, config.loss_pct, report.mean_op_bytes
    );
    println!(
        "messages = {}, bytes sent = {}, converged after {:.1} s of virtual time ({:.1} s real)",
        report.messages,
        report.bytes_sent,
        report.converged_ms as f64 / 1000.0,
        started.elapsed().as_secs_f64()
    );
    let ideal = report.ops as f64 * report.mean_op_bytes * report.nodes as f64;
    let [vv, digest, ops, push] = report.bytes_by_kind.map(|b| b as f64 / ideal);
    println!(
        "share of the ideal: summaries with vectors {vv:.2}, digest-only summaries {digest:.2}, op batches {ops:.2}, pushes {push:.2}"
    );
    println!("sync_overhead = {:.2}", report.overhead());
}
