//! `FLOWENGINE_LOG=debug` logs requests and responses to stderr, with the key
//! redacted. The subscriber is global to a process, so the logging client
//! runs in a child: this test binary, re-run on the one test below with the
//! variable set.
use flowengine::{Client, Config};
use std::process::Command;

const KEY: &str = "fe_0123456789abcdef0123456789abcdef01234567";
const CHILD: &str = "FLOWENGINE_DEBUG_LOG_TEST_URL";

#[tokio::test]
async fn debug_logging_shows_requests_and_responses_but_never_the_key() {
    if let Ok(url) = std::env::var(CHILD) {
        // The child: one call against the parent's server.
        let fe = Client::new(Config { api_key: Some(KEY.into()), base_url: Some(url), max_retries: Some(0), config_file: Some("/nonexistent/config.json".into()), ..Default::default() }).unwrap();
        fe.call("getUser", serde_json::json!({})).await.expect("the call succeeds");
        return;
    }
    let app = axum::Router::new().route(
        "/api/v1/user",
        axum::routing::get(|| async {
            ([("x-request-id", "req_log_1"), ("content-type", "application/json")], r#"{"success":true,"user_id":"u1","credits_remaining":1,"tier":"free"}"#)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let run = move |log: Option<&str>| {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", "debug_logging_shows_requests_and_responses_but_never_the_key", "--nocapture"]).env(CHILD, &url).env_remove("FLOWENGINE_LOG");
        if let Some(level) = log {
            cmd.env("FLOWENGINE_LOG", level);
        }
        cmd.output().unwrap()
    };
    let out = tokio::task::spawn_blocking(move || (run(Some("debug")), run(None))).await.unwrap();
    let (logged, quiet) = (out.0, out.1);
    assert!(logged.status.success(), "{}", String::from_utf8_lossy(&logged.stderr));
    let stderr = String::from_utf8_lossy(&logged.stderr);
    assert!(stderr.contains("request") && stderr.contains("GET") && stderr.contains("/api/v1/user"), "the request is logged: {stderr}");
    assert!(stderr.contains("authorization: (redacted)"), "the header is shown redacted: {stderr}");
    assert!(stderr.contains("status=200") && stderr.contains("req_log_1"), "the response is logged: {stderr}");
    assert!(!stderr.contains(KEY) && !stderr.contains(&KEY[3..15]), "no key in the log: {stderr}");
    let quiet_stderr = String::from_utf8_lossy(&quiet.stderr);
    assert!(quiet.status.success() && !quiet_stderr.contains("/api/v1/user"), "without the variable nothing is logged: {quiet_stderr}");
}
