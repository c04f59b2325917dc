//! Untrusted bytes through the CAR reader: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(car) = hearth_core::car::read_car(data) {
        for (cid, block) in &car.blocks {
            assert_eq!(blake3::hash(block).as_bytes(), cid.hash().digest());
        }
    }
});
