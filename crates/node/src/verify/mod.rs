//! Where a node's signature checks run. By default, inline on the calling
//! thread; in a browser, a [`WorkerVerifier`] runs them on a second core
//! while the page validates, folds and stores the previous chunk.

use std::future::Future;
use std::pin::Pin;

use hearth_core::sig::{self, BatchItem, SignatureError};

#[cfg(target_arch = "wasm32")]
mod worker;
#[cfg(target_arch = "wasm32")]
pub use worker::{WorkerError, WorkerVerifier};

/// One verdict per item of a batch, in order.
pub type Verdicts = Vec<Result<(), SignatureError>>;

/// Verdicts on their way. `None` means the verifier could not answer (a
/// worker that failed): the node then verifies the batch itself, so a
/// verifier can slow ingest down but never change what it accepts.
pub type Verification = Pin<Box<dyn Future<Output = Option<Verdicts>>>>;

/// Runs Hearth's batch verification rule ([`sig::verify_batch`]) somewhere.
pub trait SignatureVerifier {
    /// Starts verifying `items` with `seed` for the batch's random
    /// coefficients. The work must begin now, not when the returned future
    /// is first polled: the node starts the next chunk's checks, then
    /// settles the current chunk while they run.
    fn start(&self, items: &[BatchItem<'_>], seed: [u8; 32]) -> Verification;
}

/// Verifies on the calling thread, before returning.
pub(crate) fn inline(items: &[BatchItem<'_>], seed: [u8; 32]) -> Verdicts {
    sig::verify_batch(items, &mut hearth_core::rng::SeededRng::new(seed))
}
