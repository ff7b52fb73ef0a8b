//! The Rust side of `bindings/python/bench/bench.py`:
//!
//! - `calls <url> <key> <n> <concurrency>`: `n` `getUser` calls through the
//!   core's `call()` (the path every binding takes), `concurrency` at a time;
//!   prints `{"seconds": ..., "calls": n}`.
//! - `chat <url>`: one chat stream through the core (its own time).
//! - `chat-server <n>`: serves `POST /api/v1/chat` as an SSE stream of `n`
//!   chat chunks (then a `finish_reason` chunk and `[DONE]`), as fast as the
//!   socket takes them; prints `{"url": ...}` and serves until killed.
use futures::stream::{self, StreamExt};
use serde_json::json;
use std::time::Instant;

fn arg(args: &[String], i: usize, name: &str) -> String {
    args.get(i).cloned().unwrap_or_else(|| {
        eprintln!("missing <{name}>: python-bench-peer calls <url> <key> <n> <concurrency> | chat-server <n>");
        std::process::exit(2)
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    match arg(&args, 1, "mode").as_str() {
        "calls" => rt.block_on(calls(
            arg(&args, 2, "url"),
            arg(&args, 3, "key"),
            arg(&args, 4, "n").parse().expect("n"),
            arg(&args, 5, "concurrency").parse().expect("concurrency"),
        )),
        "chat-server" => rt.block_on(chat_server(arg(&args, 2, "n").parse().expect("n"))),
        "chat" => rt.block_on(chat(arg(&args, 2, "url"))),
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2)
        }
    }
}

async fn calls(url: String, key: String, n: usize, concurrency: usize) {
    let client = flowengine::Client::new(flowengine::Config {
        api_key: Some(key),
        base_url: Some(url),
        max_retries: Some(0),
        config_file: Some("/nonexistent".into()),
        ..Default::default()
    })
    .expect("client");
    client.call("getUser", json!({})).await.expect("warm-up call");
    let started = Instant::now();
    let results: Vec<_> = stream::iter(0..n).map(|_| client.call("getUser", json!({}))).buffer_unordered(concurrency.max(1)).collect().await;
    let seconds = started.elapsed().as_secs_f64();
    assert!(results.iter().all(|r| r.is_ok()), "a call failed");
    println!("{}", json!({ "seconds": seconds, "calls": n }));
}

/// Consumes one chat stream through the core; prints its time and length.
async fn chat(url: String) {
    let client = flowengine::Client::new(flowengine::Config {
        api_key: Some("fe_bench".into()),
        base_url: Some(url),
        max_retries: Some(0),
        config_file: Some("/nonexistent".into()),
        ..Default::default()
    })
    .expect("client");
    let started = Instant::now();
    let mut s = client.chat_stream("bench", "regular", None).await.expect("stream");
    let mut n = 0usize;
    while let Some(item) = s.next().await {
        if let flowengine::StreamItem::Chunk(c) = item.expect("item") {
            n += usize::from(!c.content.is_empty());
        }
    }
    println!("{}", json!({ "seconds": started.elapsed().as_secs_f64(), "deltas": n }));
}

async fn chat_server(n: usize) {
    use axum::body::Body;
    use axum::routing::post;
    const BATCH: usize = 1000;
    let one = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ab\"},\"finish_reason\":null}]}\n\n";
    let block = bytes::Bytes::from(one.repeat(BATCH));
    let tail = bytes::Bytes::from(format!(
        "{}data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"model\":\"bench\",\"conversation_id\":\"bench\",\"choices\":[{{\"index\":0,\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}\n\ndata: [DONE]\n\n",
        one.repeat(n % BATCH)
    ));
    let app = axum::Router::new().route(
        "/api/v1/chat",
        // The request body is read before answering: a server that closes
        // with unread bytes makes the kernel reset the connection, and the
        // client can lose the end of the stream to that reset.
        post(move |_request: bytes::Bytes| {
            let (block, tail) = (block.clone(), tail.clone());
            async move {
                let body = stream::iter((0..n / BATCH).map(move |_| block.clone()).chain(std::iter::once(tail))).map(Ok::<_, std::convert::Infallible>);
                axum::response::Response::builder().header("content-type", "text/event-stream").body(Body::from_stream(body)).expect("response")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    println!("{}", json!({ "url": format!("http://{}", listener.local_addr().expect("addr")) }));
    axum::serve(listener, app).await.expect("serve");
}
