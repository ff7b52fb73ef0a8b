//! Conversation history, paginated with limit/offset/total.

use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::request::{created, ok, Req};
use crate::state::AppState;
use crate::util::{now_ms, rfc3339, uuid};

fn summary(id: String, title: Option<String>, count: i64, created_ms: i64, updated_ms: i64) -> Value {
    json!({
        "id": id,
        "title": title,
        "message_count": count,
        "created_at": rfc3339(created_ms),
        "updated_at": rfc3339(updated_ms),
    })
}

pub async fn list(st: AppState, rq: Req) -> ApiResult {
    let limit = rq.query_i64("limit").unwrap_or(50);
    let offset = rq.query_i64("offset").unwrap_or(0);
    let a = rq.account.id.clone();
    let (chats, total) = st
        .db
        .call(move |c| {
            let total: i64 = c.query_row("SELECT COUNT(*) FROM chats WHERE account_id = ?1", [&a], |r| r.get(0))?;
            let mut s = c.prepare(
                "SELECT id, title, (SELECT COUNT(*) FROM chat_messages m WHERE m.chat_id = chats.id), created_ms, updated_ms
                 FROM chats WHERE account_id = ?1 ORDER BY updated_ms DESC, id LIMIT ?2 OFFSET ?3",
            )?;
            let rows = s
                .query_map(params![a, limit, offset], |r| Ok(summary(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((rows, total))
        })
        .await?;
    ok(json!({ "success": true, "chats": chats, "total": total, "limit": limit, "offset": offset }))
}

pub async fn create(st: AppState, rq: Req) -> ApiResult {
    let a = rq.account.id.clone();
    let title = rq.b_str("title").map(str::to_string);
    let chat = st
        .db
        .call(move |c| {
            let (id, now) = (uuid(), now_ms());
            c.execute(
                "INSERT INTO chats (id, account_id, title, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![id, a, title, now],
            )?;
            Ok(summary(id, title, 0, now, now))
        })
        .await?;
    created(json!({ "success": true, "chat": chat }))
}

pub async fn get(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    let chat = st
        .db
        .call(move |c| {
            let row: Option<(String, Option<String>, i64, i64)> = c
                .query_row(
                    "SELECT id, title, created_ms, updated_ms FROM chats WHERE id = ?1 AND account_id = ?2",
                    params![id, a],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let (id, title, cm, um) = row.ok_or_else(|| ApiError::not_found("Chat"))?;
            let mut s = c.prepare("SELECT id, role, content, has_workflow, ts_ms FROM chat_messages WHERE chat_id = ?1 ORDER BY seq")?;
            let messages = s
                .query_map([&id], |r| {
                    let mut m = json!({
                        "id": r.get::<_, String>(0)?,
                        "role": r.get::<_, String>(1)?,
                        "content": r.get::<_, String>(2)?,
                        "timestamp": rfc3339(r.get(4)?),
                    });
                    if r.get::<_, String>(1)? == "assistant" {
                        m["has_workflow"] = json!(r.get::<_, bool>(3)?);
                    }
                    Ok(m)
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut v = summary(id, title, messages.len() as i64, cm, um);
            v["messages"] = Value::Array(messages);
            Ok(v)
        })
        .await?;
    ok(json!({ "success": true, "chat": chat }))
}

pub async fn delete(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    st.db
        .call(move |c| {
            let tx = c.transaction()?;
            if tx.execute("DELETE FROM chats WHERE id = ?1 AND account_id = ?2", params![id, a])? == 0 {
                return Err(ApiError::not_found("Chat"));
            }
            tx.execute("DELETE FROM chat_messages WHERE chat_id = ?1", [&id])?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    ok(json!({ "success": true, "message": "Chat deleted" }))
}
