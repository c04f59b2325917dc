//! Writes a deterministic workload of signed ops as a CARv1 file, for
//! browser tests and benchmarks: `cargo run -p hearth-node --example workload -- N FILE.car`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().ok_or("usage: workload N FILE.car")?.parse()?;
    let path = args.next().ok_or("usage: workload N FILE.car")?;
    let blocks = hearth_node::testkit::workload(n, 20);
    let ids: Vec<hearth_core::OpId> = blocks
        .iter()
        .map(|b| hearth_core::OpId::of_block(b))
        .collect();
    let car = hearth_core::car::write_car(
        &ids[..1],
        ids.iter().copied().zip(blocks.iter().map(Vec::as_slice)),
    );
    std::fs::write(&path, car)?;
    eprintln!("wrote {n} ops to {path}");
    Ok(())
}
