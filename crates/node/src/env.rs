//! What a node needs from its platform: the time and random bytes. Passing
//! them in keeps the runtime testable with a fixed clock and seed.

/// The platform's clock and randomness.
pub trait Env {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Fills `out` with cryptographically secure random bytes.
    fn random_bytes(&self, out: &mut [u8]);
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::SystemEnv;
#[cfg(target_arch = "wasm32")]
pub use web::SystemEnv;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    /// The operating system's clock and random source.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct SystemEnv;

    impl super::Env for SystemEnv {
        fn now_ms(&self) -> u64 {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64)
        }

        fn random_bytes(&self, out: &mut [u8]) {
            getrandom::fill(out).expect("the operating system's random source is available");
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod web {
    use wasm_bindgen::JsCast;

    /// The browser's clock (`Date.now()`) and `crypto.getRandomValues()`,
    /// from a page or a worker.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct SystemEnv;

    impl super::Env for SystemEnv {
        fn now_ms(&self) -> u64 {
            js_sys::Date::now() as u64
        }

        fn random_bytes(&self, out: &mut [u8]) {
            let crypto: web_sys::Crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())
                .expect("globalThis.crypto")
                .unchecked_into();
            for chunk in out.chunks_mut(65_536) {
                crypto
                    .get_random_values_with_u8_array(chunk)
                    .expect("crypto.getRandomValues");
            }
        }
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
