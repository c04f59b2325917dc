//! The relay's HTTP side, exercised through its router.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use std::sync::Arc;

use hearth_core::{Keypair, SpaceId};
use hearth_net::p2p::{PeerId, SpaceSync, Status, Traffic};
use hearth_relay::Metrics;

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>Hearth</title>",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("sw.js"),
        "self.addEventListener('fetch', () => {});",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("hearth-web-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .expect("write");
    std::fs::write(dir.path().join("manifest.webmanifest"), "{}").expect("write");
    dir
}

async fn get(dir: &std::path::Path, path: &str) -> axum::response::Response {
    get_with(dir, path, Arc::new(Metrics::new(0))).await
}

async fn get_with(
    dir: &std::path::Path,
    path: &str,
    metrics: Arc<Metrics>,
) -> axum::response::Response {
    let request = Request::get(path).body(Body::empty()).expect("request");
    hearth_relay::router(dir, Default::default(), metrics)
        .oneshot(request)
        .await
        .expect("response")
}

fn header<'a>(r: &'a axum::response::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn serves_the_app_with_types_and_caching() {
    let site = site();
    let wasm = get(site.path(), "/hearth-web-0123456789abcdef_bg.wasm").await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    assert!(header(&wasm, "cache-control").contains("immutable"));

    let index = get(site.path(), "/").await;
    assert_eq!(index.status(), StatusCode::OK);
    assert!(header(&index, "content-type").starts_with("text/html"));
    assert_eq!(header(&index, "cache-control"), "no-cache");

    let sw = get(site.path(), "/sw.js").await;
    assert_eq!(header(&sw, "service-worker-allowed"), "/");
    assert_eq!(header(&sw, "cache-control"), "no-cache");
    assert!(header(&sw, "content-type").contains("javascript"));

    // Asked "if modified since" a time after the file's: still the whole
    // worker (a new deployment must never look unchanged), and no
    // modification time to ask about next time.
    let since = Request::get("/sw.js")
        .header("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")
        .body(Body::empty())
        .expect("request");
    let again = hearth_relay::router(site.path(), Default::default(), Arc::new(Metrics::new(0)))
        .oneshot(since)
        .await
        .expect("response");
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(header(&again, "last-modified"), "");
    assert!(!header(&wasm, "last-modified").is_empty());

    let manifest = get(site.path(), "/manifest.webmanifest").await;
    assert_eq!(
        header(&manifest, "content-type"),
        "application/manifest+json"
    );

    // App routes fall back to the page, so a reload on /space/… works.
    let deep = get(site.path(), "/space/bafy").await;
    assert_eq!(deep.status(), StatusCode::OK);
    assert!(header(&deep, "content-type").starts_with("text/html"));
}

#[tokio::test]
async fn health_answers_json() {
    let site = site();
    let health = get(site.path(), "/health").await;
    assert_eq!(health.status(), StatusCode::OK);
    let body = health.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8(body.to_vec()).expect("utf8");
    assert!(text.contains("\"status\":\"ok\""), "{text}");
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

#[tokio::test]
async fn metrics_follow_the_network_in_prometheus_text() {
    let site = site();
    let metrics = Arc::new(Metrics::new(10));
    let space = SpaceId::derive(Keypair::from_seed(&[3; 32]).did().public_key(), b"m");
    let status = |ops: u64, bytes_in: u64, reservations: usize| Status {
        peers: vec![PeerId::random(), PeerId::random()],
        spaces: vec![SpaceSync {
            space,
            held: ops,
            agreed: true,
            peer_held: Some(ops),
        }],
        listening: vec![],
        circuit_peers: 0,
        links: Vec::new(),
        direct_error: None,
        traffic: Traffic {
            bytes_in,
            bytes_out: 7,
            reservations,
            circuits: 1,
            ops_pushed_in: ops * 2,
            ops_pulled_in: 3,
        },
        dial_error: None,
        refused_hosting: vec![(space, "not a member".into()); ops as usize / 20],
    };
    metrics.observe(&status(25, 1000, 2));
    metrics.observe(&status(40, 1500, 1));
    let response = get_with(site.path(), "/metrics", metrics).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").starts_with("application/openmetrics-text"));
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let text = String::from_utf8(body.to_vec()).expect("utf8");
    assert_eq!(metric(&text, "hearth_relay_peers"), 2.0);
    assert_eq!(metric(&text, "hearth_relay_ops_stored"), 40.0);
    // Counted from the 10 held at start.
    assert_eq!(metric(&text, "hearth_relay_ops_ingested_total"), 30.0);
    assert_eq!(
        metric(&text, "hearth_relay_sync_received_bytes_total"),
        1500.0
    );
    assert_eq!(
        metric(&text, "hearth_relay_ops_pushed_received_total"),
        80.0
    );
    assert_eq!(metric(&text, "hearth_relay_ops_pulled_received_total"), 3.0);
    assert_eq!(metric(&text, "hearth_relay_reservations"), 1.0);
    assert_eq!(metric(&text, "hearth_relay_circuits"), 1.0);
    assert_eq!(metric(&text, "hearth_relay_hosting_refused_total"), 2.0);
    assert!(text.ends_with("# EOF\n"), "{text}");
}
