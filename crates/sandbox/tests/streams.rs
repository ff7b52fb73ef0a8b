//! The two event streams: the log tail (resumable with Last-Event-ID) and
//! the chat (OpenAI chunks ending with [DONE]).

mod common;

use std::time::Duration;

use common::*;
use flowengine_sandbox::{AccountSpec, FunctionsTier, MainTier};
use futures::StreamExt;
use serde_json::{json, Value};

/// Reads SSE events (id, data) from a response until `n` events arrived.
async fn read_events(resp: reqwest::Response, n: usize) -> Vec<(String, String)> {
    let mut stream = resp.bytes_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while events.len() < n {
        let chunk = tokio::time::timeout_at(deadline, stream.next()).await.expect("events in time").expect("stream open").unwrap();
        buf.extend_from_slice(&chunk);
        while let Some(pos) = buf.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = buf.drain(..pos + 2).collect();
            let text = String::from_utf8(block).unwrap();
            let (mut id, mut data) = (String::new(), Vec::new());
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.to_string();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push(v.to_string());
                }
            }
            if !data.is_empty() {
                events.push((id, data.join("\n")));
            }
        }
    }
    events
}

#[tokio::test]
async fn log_tail_streams_new_lines_and_resumes_after_last_event_id() {
    let sb = sandbox().await;
    let api = Api::new(&sb);
    let fid = api.create_function("tailed", "nodejs22").await;
    let url = format!("{}/api/v1/functions/{fid}/logs?tail=true", api.base);

    let resp = api.http.get(&url).bearer_auth(&api.key).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    // A deploy writes log lines while the tail is open.
    let gs = api.upload(&fid, tarball(&[("package.json", b"{}")])).await;
    api.post(&format!("/api/v1/functions/{fid}/deploy"), json!({ "sourceTarball": gs })).await;
    let first = read_events(resp, 3).await;
    assert!(first[0].1.contains("queued"), "{first:?}");
    let ids: Vec<i64> = first.iter().map(|(id, _)| id.parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // Drop the connection after the second event and resume from it: the
    // next event is the third one, with no duplicate.
    api.wait_settled(&fid).await;
    let resumed = api.http.get(&url).bearer_auth(&api.key).header("Last-Event-ID", &first[1].0).send().await.unwrap();
    let again = read_events(resumed, 2).await;
    assert_eq!(again[0], first[2]);
    assert!(again[1].0.parse::<i64>().unwrap() > ids[2]);

    // A fresh tail replays the latest lines (here: all of them) before following.
    let fresh = api.http.get(&url).bearer_auth(&api.key).send().await.unwrap();
    assert_eq!(read_events(fresh, 3).await[..3], first[..3]);

    // The plain list holds every line, oldest first.
    let list = api.get(&format!("/api/v1/functions/{fid}/logs")).await;
    let logs = list.body["logs"].as_array().unwrap();
    assert!(logs.len() >= 5);
    assert!(logs.iter().any(|l| l["message"].as_str().unwrap().contains("Service ready")));
    sb.shutdown().await;
}

/// Collects a chat stream: (every data payload, the raw text).
async fn chat_raw(api: &Api, body: Value) -> (reqwest::StatusCode, Vec<String>, String) {
    let resp = api.http.post(format!("{}/api/v1/chat", api.base)).bearer_auth(&api.key).json(&body).send().await.unwrap();
    let status = resp.status();
    let ctype = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    // Read chunk by chunk: some chunks end inside a multi-byte character on purpose.
    let mut bytes = Vec::new();
    let mut stream = resp.bytes_stream();
    let mut split_inside_char = false;
    while let Some(c) = stream.next().await {
        let c = c.unwrap();
        split_inside_char |= std::str::from_utf8(&c).is_err();
        bytes.extend_from_slice(&c);
    }
    let text = String::from_utf8(bytes).expect("the whole stream is UTF-8");
    if status == 200 {
        assert!(ctype.starts_with("text/event-stream"), "{ctype}");
        let _ = split_inside_char; // depends on how TCP coalesces the writes; not asserted
    }
    let data = text.lines().filter_map(|l| l.strip_prefix("data: ")).map(str::to_string).collect();
    (status, data, text)
}

#[tokio::test]
async fn chat_streams_openai_chunks_ending_with_done() {
    let sb = sandbox().await;
    let api = Api::new(&sb);
    let before = api.get("/api/v1/credits").await.body["credits_remaining"].as_f64().unwrap();

    let (status, data, text) = chat_raw(&api, json!({ "message": "Create a calculator workflow", "model": "regular" })).await;
    assert_eq!(status, 200);
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    assert_eq!(data.last().unwrap(), "[DONE]");
    let chunks: Vec<Value> = data[..data.len() - 1].iter().map(|d| serde_json::from_str(d).unwrap()).collect();
    assert!(chunks.len() > 3, "several chunks");
    assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk" && c["id"] == chunks[0]["id"]));
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let content: String = chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect();
    assert_eq!(
        content,
        "Bonjour 👋! This is the FlowEngine sandbox — réponse déterministe, 世界. You said: \"Create a calculator workflow\""
    );
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    let cid = chunks[0]["conversation_id"].as_str().unwrap().to_string();
    assert_eq!(last["conversation_id"], cid.as_str());

    // Stored as a chat; credits went down by one (regular).
    let chat = api.get(&format!("/api/v1/chats/{cid}")).await;
    assert_eq!(chat.body["chat"]["message_count"], 2);
    assert_eq!(chat.body["chat"]["messages"][1]["content"], content.as_str());
    assert_eq!(chat.body["chat"]["messages"][1]["has_workflow"], true);
    let after = api.get("/api/v1/credits").await.body["credits_remaining"].as_f64().unwrap();
    assert_eq!(before - after, 1.0);

    // Continuing the conversation; boost costs more.
    let (status, _, _) = chat_raw(&api, json!({ "message": "more", "model": "boost", "conversation_id": cid })).await;
    assert_eq!(status, 200);
    assert_eq!(api.get(&format!("/api/v1/chats/{cid}")).await.body["chat"]["message_count"], 4);
    let after_boost = api.get("/api/v1/credits").await.body["credits_remaining"].as_f64().unwrap();
    assert_eq!(after - after_boost, 5.0);

    // An unknown conversation: 404 before any stream.
    let (status, _, text) = chat_raw(&api, json!({ "message": "x", "model": "regular", "conversation_id": "nope" })).await;
    assert_eq!(status, 404, "{text}");
    // A missing model: 400 naming it.
    let r = api.post("/api/v1/chat", json!({ "message": "x" })).await;
    assert_error(&r, 400);
    assert_eq!(r.body["field"], "model");
    sb.shutdown().await;
}

#[tokio::test]
async fn chat_gates_boost_and_credits() {
    let sb = sandbox().await;
    let api = Api::new(&sb);
    let free = api.with_key(&sb.create_account(account(FunctionsTier::Free, MainTier::Free, false)).await.unwrap().api_key);
    let r = free.post("/api/v1/chat", json!({ "message": "hi", "model": "boost" })).await;
    assert_error(&r, 403);
    assert_eq!(r.body["error"], "Boost mode unavailable");
    assert_eq!(r.body["upgrade_required"], true);
    assert!(r.body["upgrade_url"].as_str().unwrap().contains("pricing"));

    let broke = api.with_key(
        &sb.create_account(AccountSpec { main_tier: MainTier::Pro, credits: 0.5, ..AccountSpec::default() }).await.unwrap().api_key,
    );
    let r = broke.post("/api/v1/chat", json!({ "message": "hi", "model": "regular" })).await;
    assert_error(&r, 500);
    assert!(r.body["message"].as_str().unwrap().contains("credits"));
    // Nothing was stored or charged.
    assert_eq!(broke.get("/api/v1/chats").await.body["total"], 0);
    assert_eq!(broke.get("/api/v1/user").await.body["credits_remaining"], 0.5);
    sb.shutdown().await;
}
