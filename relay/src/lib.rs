//! The community relay's HTTP side: it serves the Hearth web app (the PWA a
//! member opens) with the right types and caching, plus `/health`, the
//! relay's peer addresses at `/p2p` and Prometheus metrics at `/metrics`.
//!
//! Caching: the page (`index.html`), the service worker and the manifest are
//! revalidated on every load so a new version is found at once; build outputs
//! whose names carry a content hash are cached for a year, immutably. The
//! service worker may control the whole origin (`Service-Worker-Allowed: /`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

mod config;
mod key;
mod metrics;
pub use config::{Config, ConfigError};
pub use key::{load_or_create_key, load_or_create_webrtc_certificate};
pub use metrics::Metrics;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};

/// What `/health` answers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Health {
    /// Always "ok" when the relay answers.
    pub status: &'static str,
    /// The relay's version.
    pub version: &'static str,
}

/// The relay's peer-to-peer addresses, as `/p2p` tells the web app (so a
/// member needs only the page's URL to reach the relay).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Peer {
    /// Full multiaddrs, each ending in `/p2p/<peer id>`.
    pub addrs: Vec<String>,
}

/// The relay's addresses, filled in as its listeners come up.
pub type SharedPeer = Arc<RwLock<Peer>>;

/// The relay's HTTP routes, serving the built web app from `web_dir`, the
/// relay's peer addresses at `/p2p` and its metrics at `/metrics`.
pub fn router(web_dir: &Path, peer: SharedPeer, metrics: Arc<Metrics>) -> Router {
    let index = web_dir.join("index.html");
    let files = ServeDir::new(web_dir).fallback(ServeFile::new(index));
    Router::new()
        .route("/health", get(health))
        .route("/p2p", get(move || p2p(peer.clone())))
        .route("/metrics", get(move || prometheus(metrics.clone())))
        .fallback_service(files)
        .layer(middleware::from_fn(cache_headers))
}

async fn p2p(peer: SharedPeer) -> Json<Peer> {
    Json(peer.read().map(|p| p.clone()).unwrap_or_default())
}

async fn prometheus(metrics: Arc<Metrics>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.render(),
    )
        .into_response()
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Whether a file name carries a content hash, as Trunk names its outputs
/// (`name-0123456789abcdef.js`, `name-0123456789abcdef_bg.wasm`).
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file
        .split('.')
        .next()
        .unwrap_or(file)
        .trim_end_matches("_bg");
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() >= 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn cache_headers(mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let hashed = is_hashed(&path);
    // The page and the service worker are answered in full every time: a
    // file's modification time counts whole seconds, so a deployment within
    // the second of the last (or one that keeps old times) would otherwise
    // be answered "not modified" and never reach members.
    if !hashed {
        request.headers_mut().remove(header::IF_MODIFIED_SINCE);
    }
    let mut response = next.run(request).await.into_response();
    let headers = response.headers_mut();
    let cache = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        headers.remove(header::LAST_MODIFIED);
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if path.ends_with("/sw.js") {
        headers.insert("service-worker-allowed", HeaderValue::from_static("/"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Where the built web app is by default: `web/dist` in the source tree.
pub fn default_web_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/dist"))
}
