//! Hearth's protocol core.
//!
//! Every fact in Hearth is an [`op`]: a small record signed by its author's
//! Ed25519 key ([`identity`]), content-addressed by the BLAKE3 hash of its
//! canonical DAG-CBOR encoding ([`ids`]), appended to its author's log in one
//! space. [`validate`] turns decoded ops into verified ones as a pure function
//! of each op and its causal past; views such as [`space`] fold verified ops.
//!
//! This crate does no I/O, has no async code and never reads a clock: time and
//! randomness come in as arguments, so it builds for `wasm32-unknown-unknown`
//! and native targets alike.
//!
//! ```
//! use hearth_core::identity::Keypair;
//! use hearth_core::ids::SpaceId;
//! use hearth_core::op::{Body, Op, OpData, OP_VERSION};
//!
//! let alice = Keypair::from_seed(&[1; 32]);
//! let nonce = vec![0; 16];
//! let genesis = OpData {
//!     v: OP_VERSION,
//!     space: SpaceId::derive(alice.did().public_key(), &nonce),
//!     author: alice.did(),
//!     seq: 0,
//!     prev: None,
//!     deps: vec![],
//!     ts: 1_700_000_000_000,
//!     body: Body::Genesis { name: "Riverside".into(), nonce, founding: None },
//! }
//! .sign(&alice);
//! let again = Op::decode(&genesis.bytes).unwrap();
//! assert_eq!(again.id, genesis.id);
//! ```

pub mod backup;
pub mod car;
pub mod chapter;
pub mod context;
pub mod credential;
pub mod equivocation;
pub mod gov;
pub mod identity;
pub mod ids;
pub mod keys;
pub mod ledger;
pub mod op;
pub mod rng;
mod serde_text;
pub mod sig;
pub mod space;
pub mod trust;
pub mod validate;
pub mod vv;

pub use identity::{Did, Keypair};
pub use ids::{OpId, SpaceId};
pub use op::{Body, DecodedOp, Op, OpData};
pub use validate::{CausalPast, Invalid, OpMeta, Rejection, Verdict, VerifiedOp};
pub use vv::VersionVector;
