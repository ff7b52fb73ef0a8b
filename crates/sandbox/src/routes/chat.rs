//! AI chat: a Server-Sent Events stream of OpenAI `chat.completion.chunk`
//! objects ending with `data: [DONE]`. The reply is deterministic (tests
//! assert it), holds multi-byte UTF-8, and some events are deliberately
//! written in two pieces split inside a multi-byte character, so that
//! clients prove they decode across chunk boundaries.

use std::time::Duration;

use bytes::Bytes;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult, PRICING_URL};
use crate::request::{sse, Req};
use crate::state::AppState;
use crate::tiers::MainTier;
use crate::util::{hex_token, now_ms, uuid};

pub const REGULAR_MODEL: &str = "claude-sonnet-4-6";
pub const BOOST_MODEL: &str = "claude-opus-4-1";

/// Credits a request costs: 1 (regular) or 5 (boost), plus 1 per started 4,000 characters beyond the first 4,000.
pub fn cost(model: &str, message: &str) -> f64 {
    let base = if model == "boost" { 5.0 } else { 1.0 };
    let extra = (message.chars().count().saturating_sub(1) / 4000) as f64;
    base + extra
}

/// The sandbox's reply to `message`.
pub fn reply(model: &str, message: &str) -> String {
    let echo: String = message.chars().take(200).collect();
    let prefix = if model == "boost" { "[boost] " } else { "" };
    format!("{prefix}Bonjour 👋! This is the FlowEngine sandbox — réponse déterministe, 世界. You said: \"{echo}\"")
}

/// The reply in pieces of at most `n` characters.
pub fn pieces(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(n.max(1)).map(|c| c.iter().collect()).collect()
}

fn chunk(id: &str, model: &str, created: i64, delta: Value, finish: Option<&str>, conversation_id: Option<&str>) -> String {
    let mut c = json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
    });
    if let Some(cid) = conversation_id {
        c["conversation_id"] = json!(cid);
    }
    format!("data: {c}\n\n")
}

/// Splits an event inside its first multi-byte character, when it has one.
fn split_frame(frame: String) -> Vec<Bytes> {
    let bytes = frame.into_bytes();
    match bytes.iter().position(|b| *b >= 0x80) {
        Some(i) => vec![Bytes::copy_from_slice(&bytes[..i + 1]), Bytes::copy_from_slice(&bytes[i + 1..])],
        None => vec![Bytes::from(bytes)],
    }
}

pub async fn chat(st: AppState, rq: Req) -> ApiResult {
    let message = rq.b_str("message").unwrap_or_default().to_string();
    let model = rq.b_str("model").unwrap_or("regular").to_string();
    if model == "boost" && rq.account.main_tier == MainTier::Free {
        let mut e = ApiError::upgrade_required("Boost mode unavailable", "Boost mode needs a Pro or Max plan", PRICING_URL);
        e.message = "Boost mode needs a Pro or Max plan".into();
        return Err(e);
    }
    let price = cost(&model, &message);
    let text = reply(&model, &message);
    let account_id = rq.account.id.clone();
    let conversation = rq.b_str("conversation_id").map(str::to_string);
    let (msg, txt) = (message.clone(), text.clone());
    let cid = st
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let now = now_ms();
            let cid = match conversation {
                Some(cid) => {
                    let found: Option<String> = tx
                        .query_row("SELECT id FROM chats WHERE id = ?1 AND account_id = ?2", params![cid, account_id], |r| r.get(0))
                        .optional()?;
                    found.ok_or_else(|| ApiError::not_found("Conversation"))?
                }
                None => {
                    let cid = uuid();
                    let title: String = msg.chars().take(60).collect();
                    tx.execute(
                        "INSERT INTO chats (id, account_id, title, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?4)",
                        params![cid, account_id, title, now],
                    )?;
                    cid
                }
            };
            let credits: f64 = tx.query_row("SELECT credits FROM accounts WHERE id = ?1", [&account_id], |r| r.get(0))?;
            if credits < price {
                return Err(ApiError::internal(format!("Insufficient credits: this request needs {price}, {credits} remain")));
            }
            tx.execute("UPDATE accounts SET credits = credits - ?2 WHERE id = ?1", params![account_id, price])?;
            let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM chat_messages WHERE chat_id = ?1", [&cid], |r| r.get(0))?;
            let workflow = msg.to_lowercase().contains("workflow");
            tx.execute(
                "INSERT INTO chat_messages (id, chat_id, seq, role, content, has_workflow, ts_ms) VALUES (?1, ?2, ?3, 'user', ?4, 0, ?5)",
                params![uuid(), cid, seq + 1, msg, now],
            )?;
            tx.execute(
                "INSERT INTO chat_messages (id, chat_id, seq, role, content, has_workflow, ts_ms) VALUES (?1, ?2, ?3, 'assistant', ?4, ?5, ?6)",
                params![uuid(), cid, seq + 2, txt, workflow, now + 1],
            )?;
            tx.execute("UPDATE chats SET updated_ms = ?2 WHERE id = ?1", params![cid, now + 1])?;
            tx.commit()?;
            Ok(cid)
        })
        .await?;

    let id = format!("chatcmpl-{}", hex_token(24));
    let model_name = if model == "boost" { BOOST_MODEL } else { REGULAR_MODEL };
    let created = chrono::Utc::now().timestamp();
    let mut frames: Vec<Bytes> = Vec::new();
    for (i, p) in pieces(&text, 12).into_iter().enumerate() {
        let (delta, conv) = if i == 0 {
            (json!({ "role": "assistant", "content": p }), Some(cid.as_str()))
        } else {
            (json!({ "content": p }), None)
        };
        frames.extend(split_frame(chunk(&id, model_name, created, delta, None, conv)));
    }
    frames.push(Bytes::from(chunk(&id, model_name, created, json!({}), Some("stop"), Some(&cid))));
    frames.push(Bytes::from_static(b"data: [DONE]\n\n"));
    let stream = futures::stream::unfold(frames.into_iter(), |mut it| async move {
        let f = it.next()?;
        // A short pause so that the pieces reach the client as separate reads.
        tokio::time::sleep(Duration::from_millis(2)).await;
        Some((Ok::<_, std::convert::Infallible>(f), it))
    });
    Ok(sse(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_is_deterministic_and_multibyte() {
        let r = reply("regular", "hi");
        assert_eq!(r, reply("regular", "hi"));
        assert!(r.contains('é') && r.contains('👋') && r.contains("世界"));
        assert_eq!(pieces(&r, 12).concat(), r);
        let parts = split_frame("data: é\n\n".to_string());
        assert_eq!(parts.len(), 2);
        assert!(std::str::from_utf8(&parts[0]).is_err());
    }
}
