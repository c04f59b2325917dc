//! Untrusted bytes through the op decoder, the equivocation-proof decoder and
//! validation: never a panic, and anything that decodes re-encodes to the
//! same bytes and validates without panicking.
#![no_main]

use hearth_core::equivocation::EquivocationProof;
use hearth_core::validate::{self, CausalPast};
use hearth_core::{Did, Op, OpId, OpMeta, SpaceId};
use libfuzzer_sys::fuzz_target;

struct Empty;
impl CausalPast for Empty {
    fn meta(&self, _: &OpId) -> Option<OpMeta> {
        None
    }
    fn log_entry(&self, _: &SpaceId, _: &Did, _: u64) -> Option<OpId> {
        None
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(op) = Op::decode(data) {
        assert_eq!(op.op.encode(), data, "decoded ops are canonical");
        assert_eq!(op.id, OpId::of_block(data));
        let _ = validate::validate_bytes(data, &Empty);
    }
    let _ = EquivocationProof::decode(data);
});
