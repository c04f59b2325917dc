//! The Hearth web app. Opening the page runs a full node in the tab: keys,
//! ops and views live in this browser's IndexedDB.
#![cfg_attr(not(target_arch = "wasm32"), allow(unused))]

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod backup;
#[cfg(target_arch = "wasm32")]
mod chapter;
#[cfg(target_arch = "wasm32")]
mod charter;
#[cfg(target_arch = "wasm32")]
mod credential;
#[cfg(target_arch = "wasm32")]
mod devices;
#[cfg(target_arch = "wasm32")]
mod gov;
#[cfg(target_arch = "wasm32")]
mod guardians;
#[cfg(target_arch = "wasm32")]
mod import;
#[cfg(target_arch = "wasm32")]
mod keystore;
#[cfg(target_arch = "wasm32")]
mod money;
#[cfg(target_arch = "wasm32")]
mod network;
#[cfg(target_arch = "wasm32")]
mod proposal;
#[cfg(target_arch = "wasm32")]
mod relays;
#[cfg(target_arch = "wasm32")]
mod requests;
#[cfg(target_arch = "wasm32")]
mod tabs;
#[cfg(target_arch = "wasm32")]
mod trust;
#[cfg(target_arch = "wasm32")]
mod verifier;

fn main() {
    #[cfg(target_arch = "wasm32")]
    app::start();
}
