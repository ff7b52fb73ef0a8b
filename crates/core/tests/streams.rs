//! Chat and log-tail streams against a local scripted server: framing,
//! errors inside a stream, the legacy JSON reply, idle timeouts, closing,
//! and the tail's resumption with Last-Event-ID.
use axum::{body::Body, extract::State, http::{HeaderMap, Response}, routing::{get, post}, Router};
use bytes::Bytes;
use flowengine::{Client, Config, ErrorKind, StreamItem};
use futures::StreamExt;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Seen {
    tail_connects: Vec<Option<String>>,
    chat_bodies: usize,
}
type Shared = Arc<Mutex<Seen>>;

fn sse(parts: Vec<&'static [u8]>, then_stall: bool) -> Response<Body> {
    let chunks = futures::stream::iter(parts.into_iter().map(|p| Ok::<_, std::io::Error>(Bytes::from_static(p))));
    let body = if then_stall {
        Body::from_stream(chunks.chain(futures::stream::once(async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(Bytes::new())
        })))
    } else {
        Body::from_stream(chunks)
    };
    Response::builder().header("content-type", "text/event-stream").body(body).unwrap()
}

async fn chat(State(seen): State<Shared>, body: String) -> Response<Body> {
    seen.lock().unwrap().chat_bodies += 1;
    let message = serde_json::from_str::<serde_json::Value>(&body).unwrap()["message"].as_str().unwrap_or_default().to_string();
    match message.as_str() {
        // Split mid-line and inside a multi-byte character, CRLF endings, a comment.
        "ok" => sse(vec![
            b": hello\r\n\r\ndata: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"h\xc3",
            b"\xa9llo \"}}],\"conversation_id\":\"conv-1\"}\r\n\r\n",
            b"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xf0\x9f",
            b"\x91\x8b\"},\"finish_reason\":\"stop\"}]}\r\n\r\ndata: [DONE]\r\n\r\n",
        ], false),
        "error-chunk" => sse(vec![b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n", b"data: {\"error\":{\"message\":\"model overloaded\",\"code\":\"overloaded\"}}\n\n"], false),
        "truncated" => sse(vec![b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"], false),
        "stall" => sse(vec![b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"], true),
        // Eight chunks 200 ms apart: 1.6 s in all, each gap under the timeout.
        "lively" => {
            let chunks = futures::stream::unfold(0, |i| async move {
                match i {
                    0..=7 => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Some((Ok::<_, std::io::Error>(Bytes::from_static(b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n")), i + 1))
                    }
                    8 => Some((Ok(Bytes::from_static(b"data: [DONE]\n\n")), i + 1)),
                    _ => None,
                }
            });
            Response::builder().header("content-type", "text/event-stream").body(Body::from_stream(chunks)).unwrap()
        }
        "legacy" => Response::builder().header("content-type", "application/json").body(Body::from(r#"{"success":true,"response":"Hello there!","conversation_id":"conv-9","credits_remaining":10}"#)).unwrap(),
        _ => Response::builder().status(500).body(Body::from("")).unwrap(),
    }
}

/// Log tail: the first connection sends lines 1 and 2, a line without an id
/// of its own (it must not pass for a repeat of 2), and drops; a
/// reconnection must carry Last-Event-ID 2, and gets 2 again (a duplicate
/// the client must skip) and 3.
async fn logs(State(seen): State<Shared>, headers: HeaderMap, axum::extract::Path(id): axum::extract::Path<String>) -> Response<Body> {
    let last = headers.get("last-event-id").map(|v| v.to_str().unwrap().to_string());
    let n = {
        let mut s = seen.lock().unwrap();
        s.tail_connects.push(last.clone());
        s.tail_connects.len()
    };
    if id == "quiet-closes" {
        // Every connection: one new line, then a clean end (as a proxy's time limit would).
        let body = format!("id: {n}\ndata: line {n}\n\n");
        return Response::builder().header("content-type", "text/event-stream").body(Body::from(body)).unwrap();
    }
    if id == "empty-closes" {
        // Every connection ends at once with nothing: a broken server, not a quiet one.
        return Response::builder().header("content-type", "text/event-stream").body(Body::empty()).unwrap();
    }
    if id == "always-down" {
        return Response::builder().status(503).header("content-type", "application/json").body(Body::from(r#"{"error":"unavailable"}"#)).unwrap();
    }
    match n {
        1 => sse(vec![b"id: 1\ndata: line one\n\n", b"id: 2\ndata: line two\n\n", b"data: line two-b\n\n"], false),
        _ => sse(vec![b"id: 2\ndata: line two\n\n", b"id: 3\ndata: line three\n\n"], true),
    }
}

async fn server() -> (String, Shared) {
    let seen: Shared = Arc::default();
    let app = Router::new()
        .route("/api/v1/chat", post(chat))
        .route("/api/v1/functions/{id}/logs", get(logs))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn client(url: &str, timeout: Duration) -> Client {
    Client::new(Config {
        api_key: Some("fe_test".into()),
        base_url: Some(url.into()),
        timeout: Some(timeout),
        max_retries: Some(0),
        config_file: Some("/nonexistent".into()),
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test]
async fn chat_chunks_survive_any_split_and_end_at_done() {
    let (url, _) = server().await;
    let reply = client(&url, Duration::from_secs(5)).chat_send("ok", "regular", None).await.unwrap();
    assert_eq!(reply.content, "héllo 👋");
    assert_eq!(reply.finish_reason.as_deref(), Some("stop"));
    assert_eq!(reply.conversation_id.as_deref(), Some("conv-1"));
    assert_eq!(reply.chunks, 2);
}

#[tokio::test]
async fn an_error_inside_the_stream_is_an_error() {
    let (url, _) = server().await;
    let mut s = client(&url, Duration::from_secs(5)).chat_stream("error-chunk", "regular", None).await.unwrap();
    assert!(matches!(s.next().await, Some(Ok(StreamItem::Chunk(_)))));
    let err = s.next().await.unwrap().unwrap_err();
    assert_eq!((err.kind, err.code.as_deref()), (ErrorKind::Server, Some("overloaded")));
    assert!(err.message.contains("model overloaded"));
    assert!(s.next().await.is_none(), "an error ends the stream");
}

#[tokio::test]
async fn a_stream_cut_before_its_end_is_not_a_silent_success() {
    let (url, _) = server().await;
    let err = client(&url, Duration::from_secs(5)).chat_send("truncated", "regular", None).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Stream);
}

#[tokio::test]
async fn the_legacy_json_reply_is_one_chunk() {
    let (url, _) = server().await;
    let reply = client(&url, Duration::from_secs(5)).chat_send("legacy", "regular", None).await.unwrap();
    assert_eq!((reply.content.as_str(), reply.conversation_id.as_deref()), ("Hello there!", Some("conv-9")));
}

#[tokio::test]
async fn a_stalled_stream_fails_after_the_idle_timeout_and_close_ends_it() {
    let (url, _) = server().await;
    let fe = client(&url, Duration::from_millis(400));
    let mut s = fe.chat_stream("stall", "regular", None).await.unwrap();
    assert!(matches!(s.next().await, Some(Ok(_))));
    let start = Instant::now();
    let err = s.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));

    let mut s = fe.chat_stream("stall", "regular", None).await.unwrap();
    assert!(matches!(s.next().await, Some(Ok(_))));
    s.close();
    assert!(s.is_closed() && s.next().await.is_none());
}

#[tokio::test]
async fn a_long_lively_stream_is_not_cut_by_the_timeout() {
    let (url, _) = server().await;
    let start = Instant::now();
    let reply = client(&url, Duration::from_millis(500)).chat_send("lively", "regular", None).await.unwrap();
    assert_eq!(reply.content, "xxxxxxxx");
    assert!(start.elapsed() > Duration::from_millis(1200), "ran past the timeout: {:?}", start.elapsed());
}

#[tokio::test]
async fn a_dropped_tail_resumes_after_its_last_event_without_duplicates() {
    let (url, seen) = server().await;
    let mut tail = client(&url, Duration::from_secs(5)).tail_logs("fn-1").await.unwrap();
    let mut lines = Vec::new();
    while lines.len() < 4 {
        match tail.next().await.unwrap().unwrap() {
            StreamItem::Line(l) => lines.push(l),
            other => panic!("{other:?}"),
        }
    }
    tail.close();
    assert_eq!(lines, ["line one", "line two", "line two-b", "line three"], "resumed without duplicates or losses");
    let connects = seen.lock().unwrap().tail_connects.clone();
    assert_eq!(connects, [None, Some("2".to_string())], "the reconnection carried Last-Event-ID");
}

#[tokio::test]
async fn a_tail_the_server_keeps_ending_cleanly_is_followed_past_the_reconnect_bound() {
    let (url, _) = server().await;
    let mut tail = client(&url, Duration::from_secs(5)).tail_logs("quiet-closes").await.unwrap();
    let wanted = flowengine::stream::MAX_TAIL_RECONNECTS as usize + 3;
    let mut lines = Vec::new();
    while lines.len() < wanted {
        match tokio::time::timeout(Duration::from_secs(30), tail.next()).await.expect("in time").unwrap() {
            Ok(StreamItem::Line(l)) => lines.push(l),
            other => panic!("after {} lines: {other:?}", lines.len()),
        }
    }
    tail.close();
    assert_eq!(lines.last().map(String::as_str), Some(format!("line {wanted}").as_str()), "every reconnection delivered its new line");
}

#[tokio::test]
async fn a_tail_gives_up_after_bounded_reconnections() {
    let (url, seen) = server().await;
    let mut tail = client(&url, Duration::from_secs(5)).tail_logs("always-down").await.unwrap();
    let err = tokio::time::timeout(Duration::from_secs(60), tail.next()).await.expect("gives up in time").unwrap().unwrap_err();
    assert_eq!(err.status, Some(503), "{err}");
    let attempts = seen.lock().unwrap().tail_connects.len();
    assert_eq!(attempts as u32, flowengine::stream::MAX_TAIL_RECONNECTS + 1);
}

#[tokio::test]
async fn a_tail_whose_connections_end_at_once_with_nothing_gives_up() {
    let (url, seen) = server().await;
    let mut tail = client(&url, Duration::from_secs(5)).tail_logs("empty-closes").await.unwrap();
    let err = tokio::time::timeout(Duration::from_secs(60), tail.next()).await.expect("gives up in time").unwrap().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Stream, "{err}");
    let attempts = seen.lock().unwrap().tail_connects.len();
    assert_eq!(attempts as u32, flowengine::stream::MAX_TAIL_RECONNECTS + 1);
}

#[tokio::test]
async fn stream_params_are_validated_like_calls() {
    let (url, seen) = server().await;
    let fe = client(&url, Duration::from_secs(5));
    let err = fe.stream("chat", json!({"message": "hi", "model": "turbo"})).await.unwrap_err();
    assert_eq!((err.kind, err.field.as_deref()), (ErrorKind::InvalidArgument, Some("model")));
    let err = fe.stream("getFunctionLogs", json!({})).await.unwrap_err();
    assert_eq!(err.field.as_deref(), Some("id"));
    let err = fe.stream("listFunctions", json!({})).await.unwrap_err();
    assert_eq!(err.field.as_deref(), Some("operation"));
    assert_eq!(seen.lock().unwrap().chat_bodies, 0);
}
