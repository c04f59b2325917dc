#![cfg(not(target_arch = "wasm32"))]
//! The shared store suite on the in-memory backend.
hearth_store::store_suite!(Box::new(hearth_store::MemoryStore::new()));
