//! What a node needs from its platform: the time and random bytes. Passing
//! them in keeps the runtime testable with a fixed clock and seed.

/// The platform's clock and randomness.
pub trait Env {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Fills `out` with cryptographically secure random bytes.
    fn random_bytes(&self, out: &mut [u8]);
}

/// The operating system's clock and random source.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemEnv;

impl Env for SystemEnv {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn random_bytes(&self, out: &mut [u8]) {
        getrandom::fill(out).expect("the operating system's random source is available");
    }
}

/// A fixed clock and a deterministic generator, for tests and benchmarks.
#[derive(Debug)]
pub struct FixedEnv {
    /// The time every call returns.
    pub now_ms: u64,
    counter: std::cell::Cell<u64>,
}

impl FixedEnv {
    /// An environment frozen at `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        FixedEnv {
            now_ms,
            counter: std::cell::Cell::new(0),
        }
    }
}

impl Env for FixedEnv {
    fn now_ms(&self) -> u64 {
        self.now_ms
    }

    fn random_bytes(&self, out: &mut [u8]) {
        let n = self.counter.get();
        self.counter.set(n + 1);
        blake3::Hasher::new_derive_key("hearth fixed env")
            .update(&n.to_le_bytes())
            .finalize_xof()
            .fill(out);
    }
}

/// Adapts an [`Env`] to the `rand_core` generator traits.
pub(crate) struct EnvRng<'a>(pub &'a dyn Env);

impl rand_core::TryRng for EnvRng<'_> {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.0.random_bytes(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.0.random_bytes(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.random_bytes(dst);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for EnvRng<'_> {}
