//! Inputs that once broke (or were built to break) a decoder, replayed on
//! every test run: each must be refused with an error, never a panic.
//! cargo-fuzz findings are added to tests/fuzz-regressions/ as they come.

use hearth_core::Op;
use hearth_core::car::read_car;
use hearth_core::equivocation::EquivocationProof;

#[test]
fn regression_inputs_are_refused_without_panicking() {
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fuzz-regressions"
    ));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let name = path.display();
        assert!(Op::decode(&bytes).is_err(), "{name} decoded as an op");
        assert!(
            EquivocationProof::decode(&bytes).is_err(),
            "{name} decoded as a proof"
        );
        if let Ok(car) = read_car(&bytes) {
            assert!(car.blocks.is_empty(), "{name} yielded blocks");
        }
        n += 1;
    }
    assert!(n >= 10, "only {n} regression inputs");
}
