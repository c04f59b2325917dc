//! The deterministic simulation: many seeds of a small, hostile network
//! (loss, duplication, reordering, partitions that heal, crashes with
//! restart from the store). Every run must converge: the same ops and the
//! same view on every node, nothing pending, no acknowledged op lost.
//!
//! `HEARTH_SIM_SEEDS` sets how many seeds (CI: 50; `HEARTH_SIM_SEEDS=1000
//! cargo test --release -p hearth-net --test simulation` for a thousand).

use hearth_net::sim::{SimConfig, run};

fn seeds() -> u64 {
    std::env::var("HEARTH_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50)
}

#[test]
fn every_seed_converges() {
    let mut failures = Vec::new();
    for seed in 0..seeds() {
        if let Err(e) = run(SimConfig::small(seed)) {
            failures.push(e.to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "{} seeds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let a = run(SimConfig::small(7)).expect("converges");
    let b = run(SimConfig::small(7)).expect("converges");
    assert_eq!(
        (a.bytes_sent, a.messages, a.converged_ms),
        (b.bytes_sent, b.messages, b.converged_ms)
    );
}

#[test]
fn a_quiet_network_sends_little_once_converged() {
    // No loss, no faults: the overhead stays near the minimum.
    let config = SimConfig {
        loss_pct: 0,
        duplicate_pct: 0,
        partitions: 0,
        crashes: 0,
        ..SimConfig::small(3)
    };
    let report = run(config).expect("converges");
    assert!(report.overhead() < 2.0, "overhead {:.2}", report.overhead());
}
