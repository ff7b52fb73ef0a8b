//! The retry policy, timeouts and error mapping, against a local scripted
//! server: each test queues the responses the server gives, in order, and
//! checks what the client did with them.
use axum::{body::Body, extract::State, http::{HeaderMap, Response, StatusCode}, routing::any, Router};
use flowengine::{Client, Config, ErrorKind};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
enum Reply {
    Status(u16, &'static str),
    StatusWithHeader(u16, &'static str, &'static str, &'static str),
    Html(u16),
    /// Headers, then silence longer than the client's idle timeout.
    Stall,
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    hits: usize,
    headers: Vec<HeaderMap>,
}

type Shared = Arc<Mutex<Script>>;

async fn handler(State(script): State<Shared>, headers: HeaderMap) -> Response<Body> {
    let reply = {
        let mut s = script.lock().unwrap();
        s.hits += 1;
        s.headers.push(headers);
        s.replies.pop_front().unwrap_or(Reply::Status(200, r#"{"user_id":"u1","credits_remaining":5,"tier":"free"}"#))
    };
    let json = |status: u16, body: &'static str| Response::builder().status(status).header("content-type", "application/json").header("x-request-id", "req_42").body(Body::from(body)).unwrap();
    match reply {
        Reply::Status(s, body) => json(s, body),
        Reply::StatusWithHeader(s, name, value, body) => {
            let mut r = json(s, body);
            r.headers_mut().insert(name, value.parse().unwrap());
            r
        }
        Reply::Html(s) => Response::builder().status(s).header("content-type", "text/html").body(Body::from("<!DOCTYPE html><html><body><h1>404</h1> This page could not be found.</body></html>")).unwrap(),
        Reply::Stall => {
            let stream = futures::stream::once(async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{}"))
            });
            Response::builder().status(StatusCode::OK).header("content-type", "application/json").body(Body::from_stream(stream)).unwrap()
        }
    }
}

async fn server(replies: Vec<Reply>) -> (String, Shared) {
    let script: Shared = Arc::new(Mutex::new(Script { replies: replies.into(), ..Default::default() }));
    let app = Router::new().fallback(any(handler)).with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, script)
}

fn client(url: &str, retries: u32, timeout: Duration) -> Client {
    Client::new(Config {
        api_key: Some("fe_0123456789abcdef0123456789abcdef01234567".into()),
        base_url: Some(url.into()),
        max_retries: Some(retries),
        timeout: Some(timeout),
        config_file: Some("/nonexistent/config.json".into()),
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test]
async fn get_retries_5xx_then_succeeds_with_backoff() {
    let (url, script) = server(vec![Reply::Status(503, r#"{"error":"unavailable"}"#), Reply::Status(502, "")]).await;
    let start = Instant::now();
    let user = client(&url, 2, Duration::from_secs(5)).call("getUser", json!({})).await.unwrap();
    assert_eq!(user["user_id"], "u1");
    assert_eq!(script.lock().unwrap().hits, 3);
    // 0.5 s then 1 s, each less at most a quarter of jitter.
    assert!(start.elapsed() >= Duration::from_millis(1100), "{:?}", start.elapsed());
}

#[tokio::test]
async fn retries_stop_at_max_retries_and_keep_the_last_error() {
    let (url, script) = server(vec![Reply::Status(500, r#"{"error":"boom","message":"Insufficient credits"}"#); 5]).await;
    let err = client(&url, 1, Duration::from_secs(5)).call("getUser", json!({})).await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Server, Some(500)));
    assert!(err.message.contains("Insufficient credits"));
    assert_eq!(err.request_id.as_deref(), Some("req_42"));
    assert_eq!(script.lock().unwrap().hits, 2);
}

#[tokio::test]
async fn post_is_never_repeated_after_a_5xx() {
    let (url, script) = server(vec![Reply::Status(503, r#"{"error":"unavailable"}"#)]).await;
    let err = client(&url, 2, Duration::from_secs(5)).call("verifyFunctionsCard", json!({})).await.unwrap_err();
    assert_eq!(err.status, Some(503));
    assert_eq!(script.lock().unwrap().hits, 1, "a POST that reached the server must not be repeated");
}

#[tokio::test]
async fn post_retries_429_honouring_retry_after() {
    let (url, script) = server(vec![Reply::StatusWithHeader(429, "retry-after", "1", r#"{"error":"slow down"}"#), Reply::Status(200, r#"{"success":true,"verified":true}"#)]).await;
    let start = Instant::now();
    let out = client(&url, 2, Duration::from_secs(5)).call("verifyFunctionsCard", json!({})).await.unwrap();
    assert_eq!(out["verified"], true);
    assert_eq!(script.lock().unwrap().hits, 2);
    assert!(start.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn retry_after_beyond_sixty_seconds_is_not_waited_for() {
    let (url, script) = server(vec![Reply::StatusWithHeader(429, "retry-after", "120", r#"{"error":"slow down"}"#)]).await;
    let err = client(&url, 2, Duration::from_secs(5)).call("getUser", json!({})).await.unwrap_err();
    assert_eq!((err.kind, err.retry_after), (ErrorKind::RateLimited, Some(120.0)));
    assert_eq!(script.lock().unwrap().hits, 1);
}

#[tokio::test]
async fn html_error_pages_keep_their_status() {
    let (url, _) = server(vec![Reply::Html(404)]).await;
    let err = client(&url, 0, Duration::from_secs(5)).call("getUser", json!({})).await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::NotFound, Some(404)));
    assert!(err.message.contains("This page could not be found"), "{}", err.message);
}

#[tokio::test]
async fn json_error_bodies_of_another_shape_keep_their_status_and_fields() {
    // Declared statuses whose JSON is not the spec's error object (no `error`,
    // or a field of the wrong type) are still errors of their status.
    let (url, _) = server(vec![
        Reply::Status(401, r#"{"message":"Invalid API key"}"#),
        Reply::Status(400, r#"{"error":"bad_request","message":"name is taken","field":7,"code":"name_taken"}"#),
        Reply::Status(403, r#"{"detail":"nope","upgrade_url":"https://flowengine.cloud/pricing","message":"Upgrade"}"#),
    ])
    .await;
    let c = client(&url, 0, Duration::from_secs(5));
    let err = c.call("getUser", json!({})).await.unwrap_err();
    assert_eq!((err.kind, err.status, err.message.as_str()), (ErrorKind::Authentication, Some(401), "Invalid API key"));
    assert_eq!(err.request_id.as_deref(), Some("req_42"));
    let err = c.call("getUser", json!({})).await.unwrap_err();
    assert_eq!((err.kind, err.status, err.code.as_deref(), err.field.as_deref()), (ErrorKind::BadRequest, Some(400), Some("name_taken"), None));
    let err = c.call("getUser", json!({})).await.unwrap_err();
    assert_eq!((err.kind, err.upgrade_url.as_deref()), (ErrorKind::PermissionDenied, Some("https://flowengine.cloud/pricing")));
}

#[tokio::test]
async fn a_retry_after_beyond_any_duration_is_an_error_not_a_panic() {
    let (url, script) = server(vec![Reply::StatusWithHeader(503, "retry-after", "1e30", r#"{"error":"unavailable"}"#)]).await;
    let err = client(&url, 2, Duration::from_secs(5)).call("getUser", json!({})).await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Server, Some(503)));
    assert!(err.retry_after.is_some_and(|s| s > 60.0), "{err:?}");
    assert_eq!(script.lock().unwrap().hits, 1, "a wait past 60 s is not honoured");
}

#[tokio::test]
async fn undeclared_statuses_are_errors_with_their_status() {
    let (url, _) = server(vec![Reply::Status(418, r#"{"error":"teapot","message":"I am a teapot"}"#)]).await;
    let err = client(&url, 0, Duration::from_secs(5)).call("getUser", json!({})).await.unwrap_err();
    assert_eq!(err.status, Some(418));
    assert!(err.message.contains("teapot"), "{err}");
}

#[tokio::test]
async fn connection_refused_is_a_connection_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let start = Instant::now();
    let err = client(&url, 2, Duration::from_secs(5)).call("verifyFunctionsCard", json!({})).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Connection);
    // A POST may be retried when nothing was sent: the two retries waited.
    assert!(start.elapsed() >= Duration::from_millis(1100), "{:?}", start.elapsed());
}

#[tokio::test]
async fn a_stalled_body_fails_after_the_idle_timeout() {
    let (url, _) = server(vec![Reply::Stall]).await;
    let start = Instant::now();
    let err = client(&url, 0, Duration::from_millis(500)).call("getUser", json!({})).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_key_travels_as_bearer_and_never_shows_in_errors() {
    let (url, script) = server(vec![Reply::Status(401, r#"{"error":"unauthorized","message":"Missing or invalid API key"}"#)]).await;
    let c = client(&url, 0, Duration::from_secs(5));
    let err = c.call("getUser", json!({})).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Authentication);
    let sent = script.lock().unwrap().headers[0].clone();
    assert_eq!(sent["authorization"], "Bearer fe_0123456789abcdef0123456789abcdef01234567");
    assert!(sent["user-agent"].to_str().unwrap().starts_with("flowengine-rust/"));
    for text in [err.to_string(), format!("{err:?}"), format!("{c:?}")] {
        assert!(!text.contains("0123456789abcdef"), "{text}");
    }
}

/// Answers with the request's Authorization header echoed into the body.
async fn echo_server(status: u16, json_body: bool) -> String {
    let app = Router::new().fallback(any(move |headers: HeaderMap| async move {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let (ctype, body) = match json_body {
            true => ("application/json", json!({"error": "bad_request", "message": format!("you sent {auth}")}).to_string()),
            false => ("text/plain", format!("debug dump: authorization={auth}")),
        };
        Response::builder().status(status).header("content-type", ctype).body(Body::from(body)).unwrap()
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn a_key_echoed_by_the_server_never_reaches_an_error() {
    for (status, json_body, kind) in [(400, true, ErrorKind::BadRequest), (502, false, ErrorKind::Server), (200, false, ErrorKind::Decode)] {
        let url = echo_server(status, json_body).await;
        let c = client(&url, 0, Duration::from_secs(5));
        let err = c.call("getUser", json!({})).await.unwrap_err();
        assert_eq!(err.kind, kind, "{err}");
        let mut texts = vec![err.to_string(), format!("{err:?}")];
        if status == 400 {
            // A stream's error too (a 400 ends a tail at once; others are retried).
            let err = match c.stream("getFunctionLogs", json!({"id": "f"})).await {
                Err(e) => e,
                Ok(mut s) => s.next().await.unwrap().unwrap_err(),
            };
            texts.push(err.to_string());
        }
        for text in texts {
            assert!(!text.contains("0123456789abcdef"), "{status}: {text}");
        }
        assert!(err.message.contains("fe_0…(redacted)") || err.message.contains("(redacted)"), "{}", err.message);
    }
}

#[tokio::test]
async fn invalid_params_fail_before_sending_and_name_the_field() {
    let (url, script) = server(vec![]).await;
    let c = client(&url, 0, Duration::from_secs(5));
    for (op, params, field) in [
        ("createFunction", json!({"name": "Bad Name", "runtime": "nodejs22"}), "name"),
        ("createFunction", json!({"name": "ok", "runtime": "cobol"}), "runtime"),
        ("createFunction", json!({"name": "ok", "runtime": "nodejs22", "memory": "64Gi"}), "memory"),
        ("createFunction", json!({"name": "ok", "runtime": "nodejs22", "max_instances": 5000}), "max_instances"),
        ("createFunction", json!({"name": "ok", "runtime": "nodejs22", "cpu": 3}), "cpu"),
        ("createFunction", json!({"runtime": "nodejs22"}), "name"),
        ("createFunction", json!({"name": "ok", "runtime": "nodejs22", "colour": "red"}), "colour"),
        ("listChats", json!({"limit": 101}), "limit"),
        ("getInstanceLogs", json!({"instanceId": "i1", "lines": 1001}), "lines"),
        ("updateInstanceConfig", json!({"instanceId": "i1", "envVars": {"BAD-KEY": "x"}}), "envVars.BAD-KEY"),
        ("sendEmail", json!({"to": "a@b.co", "subject": "hi"}), "html"),
        ("getFunction", json!({}), "id"),
        ("noSuchOperation", json!({}), "operation"),
        ("chat", json!({"message": "hi", "model": "regular"}), "operation"),
    ] {
        let err = c.call(op, params.clone()).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument, "{op} {params}: {err}");
        assert_eq!(err.field.as_deref(), Some(field), "{op} {params}: {err}");
    }
    assert_eq!(script.lock().unwrap().hits, 0, "nothing may be sent for an invalid call");
}

#[tokio::test]
async fn a_missing_key_points_at_fe_login() {
    let c = Client::new(Config { base_url: Some("http://127.0.0.1:9".into()), config_file: Some("/nonexistent".into()), ..Default::default() });
    // FLOWENGINE_API_KEY may be set in a developer's shell: only check when it is not.
    if std::env::var("FLOWENGINE_API_KEY").is_err() {
        let err = c.unwrap().call("getUser", json!({})).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Authentication);
        assert!(err.message.contains("fe login"));
    }
}
