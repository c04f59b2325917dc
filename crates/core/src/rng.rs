//! A seeded generator, for callers that must hand a generator over by value
//! (the batch verifier) or want reproducible randomness (tests, benchmarks).

/// A CSPRNG: BLAKE3 in XOF mode over a 32-byte seed. Deterministic for a
/// given seed; unpredictable when the seed is.
#[derive(Debug)]
pub struct SeededRng(blake3::OutputReader);

impl SeededRng {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: [u8; 32]) -> Self {
        SeededRng(
            blake3::Hasher::new_derive_key("hearth seeded rng v1")
                .update(&seed)
                .finalize_xof(),
        )
    }
}

impl rand_core::TryRng for SeededRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill(dst);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for SeededRng {}
