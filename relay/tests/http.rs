//! The relay's HTTP side, exercised through its router.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

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
    let request = Request::get(path).body(Body::empty()).expect("request");
    hearth_relay::router(dir, Default::default())
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
