//! The deploy chain against a scripted server that also plays the storage
//! host: what each step sends, and that the signed URL never gets the key.
use axum::{body::Bytes, extract::State, http::HeaderMap, routing::{get, post, put}, Json, Router};
use flowengine::{Client, Config, DeployOptions, DeployProgress, ErrorKind};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Seen {
    deploy_bodies: Vec<Value>,
    upload_headers: Option<HeaderMap>,
    uploaded: Vec<u8>,
    upload_attempts: usize,
    polls: usize,
}
type Shared = Arc<Mutex<(Seen, String)>>;

async fn deploy(State(s): State<Shared>, Json(body): Json<Value>) -> Json<Value> {
    let mut g = s.lock().unwrap();
    g.0.deploy_bodies.push(body.clone());
    let base = g.1.clone();
    if body.get("sourceTarball").is_some() {
        Json(json!({"success": true, "function_id": "f1", "deployment_id": "d1", "status": "building"}))
    } else {
        Json(json!({"uploadUrl": format!("{base}/storage/f1.tar.gz?X-Goog-Signature=sig"), "sourceTarball": "gs://flowengine-source/functions/u/f1/1.tar.gz", "expiresIn": 900}))
    }
}

async fn upload(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> &'static str {
    let mut g = s.lock().unwrap();
    g.0.upload_headers = Some(headers);
    g.0.uploaded = body.to_vec();
    ""
}

async fn function(State(s): State<Shared>) -> Json<Value> {
    let mut g = s.lock().unwrap();
    g.0.polls += 1;
    // A redeploy: the first poll still shows the previous build (d0) ready at
    // its old URL, as a service may before it records the new deployment.
    let (status, deployment, url) = match g.0.polls {
        1 => ("ready", "d0", "https://old.run.app"),
        2 => ("building", "d1", "https://old.run.app"),
        _ => ("ready", "d1", "https://hello.run.app"),
    };
    Json(json!({"id": "f1", "name": "hello", "runtime": "nodejs22", "status": status, "url": url, "latest_deployment": {"id": deployment, "status": status}}))
}

/// Starts the scripted server (deploy endpoint, function polling, and the
/// storage host answering with `storage`), and a client for it.
async fn serve(storage: axum::routing::MethodRouter<Shared>, max_retries: Option<u32>) -> (Shared, Client) {
    let shared: Shared = Arc::default();
    let app = Router::new()
        .route("/api/v1/functions/{id}/deploy", post(deploy))
        .route("/api/v1/functions/{id}", get(function))
        .route("/storage/{name}", storage)
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    shared.lock().unwrap().1 = url.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let fe = Client::new(Config { api_key: Some("fe_secretsecret".into()), base_url: Some(url), max_retries, config_file: Some("/nonexistent".into()), ..Default::default() }).unwrap();
    (shared, fe)
}

fn hello() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello")
}

#[tokio::test]
async fn deploy_folder_packs_uploads_without_the_key_and_waits_for_ready() {
    let (shared, fe) = serve(put(upload), None).await;
    let phases = Arc::new(Mutex::new(Vec::new()));
    let recorder = phases.clone();
    let options = DeployOptions {
        poll_interval: std::time::Duration::from_millis(20),
        on_progress: Some(Arc::new(move |p: &DeployProgress| recorder.lock().unwrap().push(p.clone()))),
        ..Default::default()
    };
    let folder = hello();
    let out = fe.deploy_folder("f1", &folder, options).await.unwrap();
    assert_eq!((out.status.as_str(), out.url.as_deref()), ("ready", Some("https://hello.run.app")));

    let g = shared.lock().unwrap();
    assert_eq!(g.0.deploy_bodies, vec![json!({}), json!({"sourceTarball": "gs://flowengine-source/functions/u/f1/1.tar.gz"})]);
    let h = g.0.upload_headers.as_ref().unwrap();
    assert!(h.get("authorization").is_none(), "the storage host must never get the key");
    assert!(h.get("api-version").is_none());
    assert_eq!(h["content-type"], "application/gzip");
    assert_eq!(h["content-length"].to_str().unwrap().parse::<u64>().unwrap(), out.compressed_bytes);
    // What was uploaded is the folder's deterministic tarball.
    let (expected, _) = flowengine::tarball::pack_folder_to_vec(&folder, &Default::default()).unwrap();
    assert_eq!(g.0.uploaded, expected);
    let phases = phases.lock().unwrap();
    assert!(matches!(phases.first(), Some(DeployProgress::Packed { files: 3, .. })), "{phases:?}");
    assert!(matches!(phases.last(), Some(DeployProgress::Ready { .. })), "{phases:?}");
    assert_eq!(g.0.polls, 3, "the previous build's `ready` was not taken for this one's");
}

#[tokio::test]
async fn folder_limits_are_checked_before_any_network_call() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a".repeat(101);
    std::fs::write(dir.path().join(&long), "x").unwrap();
    // Nothing listens on this port: an attempt to connect would fail differently.
    let fe = Client::new(Config { api_key: Some("fe_x".into()), base_url: Some("http://127.0.0.1:9".into()), config_file: Some("/nonexistent".into()), ..Default::default() }).unwrap();
    let err = fe.deploy_folder("f1", dir.path(), DeployOptions::default()).await.unwrap_err();
    assert_eq!((err.kind, err.field.as_deref()), (ErrorKind::InvalidArgument, Some(long.as_str())), "{err}");
    let err = fe.upload_folder(dir.path(), None, None, &Default::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{err}");
}

async fn refuse_upload() -> (axum::http::StatusCode, [(&'static str, &'static str); 1], &'static str) {
    (axum::http::StatusCode::FORBIDDEN, [("content-type", "application/xml")], "<Error><Code>SignatureDoesNotMatch</Code></Error>")
}

#[tokio::test]
async fn a_refused_upload_is_an_error_with_the_storage_hosts_status() {
    let (shared, fe) = serve(put(refuse_upload), None).await;
    let folder = hello();
    let err = fe.deploy_folder("f1", &folder, DeployOptions::default()).await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::PermissionDenied, Some(403)), "{err}");
    assert!(err.message.starts_with("the upload to the storage host failed") && err.message.contains("SignatureDoesNotMatch"), "{err}");
    assert!(!err.to_string().contains("X-Goog-Signature"), "the signed URL is a secret: {err}");
    assert_eq!(shared.lock().unwrap().0.deploy_bodies.len(), 1, "no deploy is triggered after a failed upload");
}

/// The storage host answers 503 to the first PUT (after reading it all), then
/// takes the second.
async fn flaky_upload(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> (axum::http::StatusCode, &'static str) {
    let mut g = s.lock().unwrap();
    g.0.upload_attempts += 1;
    if g.0.upload_attempts == 1 {
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "try again");
    }
    g.0.upload_headers = Some(headers);
    g.0.uploaded = body.to_vec();
    (axum::http::StatusCode::OK, "")
}

#[tokio::test]
async fn an_upload_refused_with_503_is_sent_again_from_the_file() {
    let (shared, fe) = serve(put(flaky_upload), None).await;
    let folder = hello();
    let out = fe.deploy_folder("f1", &folder, DeployOptions { wait: false, ..Default::default() }).await.unwrap();
    assert_eq!(out.status, "building");
    let g = shared.lock().unwrap();
    assert_eq!(g.0.upload_attempts, 2, "one refused attempt, then one accepted");
    let (expected, _) = flowengine::tarball::pack_folder_to_vec(&folder, &Default::default()).unwrap();
    assert_eq!(g.0.uploaded, expected, "the second attempt sends the whole tarball again");
    assert_eq!(g.0.deploy_bodies.len(), 2, "the deploy is triggered once the upload succeeds");
}

#[tokio::test]
async fn an_upload_is_not_retried_when_retries_are_off() {
    let (shared, fe) = serve(put(flaky_upload), Some(0)).await;
    let folder = hello();
    let err = fe.deploy_folder("f1", &folder, DeployOptions { wait: false, ..Default::default() }).await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Server, Some(503)), "{err}");
    assert_eq!(shared.lock().unwrap().0.upload_attempts, 1);
    assert_eq!(shared.lock().unwrap().0.deploy_bodies.len(), 1, "no deploy is triggered after a failed upload");
}
