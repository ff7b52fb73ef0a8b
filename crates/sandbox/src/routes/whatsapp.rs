//! WhatsApp sessions: a card on file is required; a session waits for its
//! QR code (a real, scannable PNG) to be scanned, and is `connected` after
//! `whatsapp_connect_delay`.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::request::{created, ok, Req};
use crate::state::AppState;
use crate::util::{alnum_token, hex_token, now_ms, rfc3339};

pub const SERVER_URL: &str = "https://wa.flowengine.cloud";

/// The spec's pattern admits strings that are no URL (`http://[x`, a port
/// past 65535): a webhook must also parse as an http(s) URL with a host.
fn check_webhook(url: &str) -> ApiResult<()> {
    match url::Url::parse(url) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        _ => Err(ApiError::bad_request("webhook_url", format!("webhook_url is not a valid http or https URL: {url}"))),
    }
}

const COLUMNS: &str = "instance_name, display_name, session_token, server_url, webhook_url, billing_cycle, \
    stripe_subscription_id, phone_number, qr_base64, qr_code, connect_ms, created_ms";

fn session_json(r: &Row) -> rusqlite::Result<Value> {
    let connected = now_ms() >= r.get::<_, i64>(10)?;
    Ok(json!({
        "instance_name": r.get::<_, String>(0)?,
        "display_name": r.get::<_, String>(1)?,
        "status": if connected { "connected" } else { "pending_scan" },
        "session_token": r.get::<_, String>(2)?,
        "server_url": r.get::<_, String>(3)?,
        "webhook_url": r.get::<_, Option<String>>(4)?,
        "billing_cycle": r.get::<_, String>(5)?,
        "phone_number": if connected { Value::String(r.get(7)?) } else { Value::Null },
        "created_at": rfc3339(r.get(11)?),
        "qr_code": if connected { Value::Null } else { json!({ "base64": r.get::<_, String>(8)?, "code": r.get::<_, String>(9)? }) },
    }))
}

fn load(c: &Connection, account_id: &str, name: &str) -> ApiResult<Value> {
    c.query_row(
        &format!("SELECT {COLUMNS} FROM whatsapp_sessions WHERE instance_name = ?1 AND account_id = ?2"),
        params![name, account_id],
        session_json,
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found("Session"))
}

pub async fn create(st: AppState, rq: Req) -> ApiResult {
    if !rq.account.has_card {
        return Err(ApiError::payment_required("A WhatsApp session needs a payment method on file"));
    }
    let a = rq.account.id.clone();
    let display = rq.b_str("display_name").unwrap_or_default().to_string();
    let cycle = rq.b_str("billing_cycle").unwrap_or("monthly").to_string();
    let webhook = rq.b_str("webhook_url").map(str::to_string);
    if let Some(w) = &webhook {
        check_webhook(w)?;
    }
    let delay = st.config.whatsapp_connect_delay.as_millis() as i64;
    let code = format!("2@{},{},{}", alnum_token(40), alnum_token(20), alnum_token(12));
    let qr = crate::qr::data_url(&code);
    let v = st
        .db
        .call(move |c| {
            let name = format!("wa-{}", alnum_token(6));
            let token = hex_token(32);
            let sub = format!("sub_{}", alnum_token(24));
            let phone = format!("+1555{}", &hex_token(12).bytes().map(|b| (b'0' + b % 10) as char).collect::<String>()[..7]);
            let now = now_ms();
            c.execute(
                &format!("INSERT INTO whatsapp_sessions (account_id, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
                params![a, name, display, token, SERVER_URL, webhook, cycle, sub, phone, qr, code, now + delay, now],
            )?;
            Ok(json!({
                "success": true,
                "instance_name": name,
                "status": "pending_scan",
                "session_token": token,
                "server_url": SERVER_URL,
                "stripe_subscription_id": sub,
                "qr_code": { "base64": qr, "code": code },
            }))
        })
        .await?;
    created(v)
}

pub async fn list(st: AppState, rq: Req) -> ApiResult {
    let a = rq.account.id.clone();
    let items = st
        .db
        .call(move |c| {
            let mut s = c.prepare(&format!("SELECT {COLUMNS} FROM whatsapp_sessions WHERE account_id = ?1 ORDER BY created_ms, instance_name"))?;
            let rows = s.query_map([&a], session_json)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await?;
    ok(json!({ "success": true, "sessions": items }))
}

pub async fn get(st: AppState, rq: Req) -> ApiResult {
    let (a, n) = (rq.account.id.clone(), rq.path("instanceName").to_string());
    ok(st.db.call(move |c| load(c, &a, &n)).await?)
}

pub async fn delete(st: AppState, rq: Req) -> ApiResult {
    let (a, n) = (rq.account.id.clone(), rq.path("instanceName").to_string());
    st.db
        .call(move |c| {
            if c.execute("DELETE FROM whatsapp_sessions WHERE instance_name = ?1 AND account_id = ?2", params![n, a])? == 0 {
                return Err(ApiError::not_found("Session"));
            }
            Ok(())
        })
        .await?;
    ok(json!({ "success": true, "message": "Session deleted and subscription cancelled" }))
}

pub async fn set_webhook(st: AppState, rq: Req) -> ApiResult {
    let (a, n) = (rq.account.id.clone(), rq.path("instanceName").to_string());
    let url = rq.b_str("webhook_url").unwrap_or_default().to_string();
    check_webhook(&url)?;
    let v = st
        .db
        .call(move |c| {
            if c.execute("UPDATE whatsapp_sessions SET webhook_url = ?3 WHERE instance_name = ?1 AND account_id = ?2", params![n, a, url])? == 0 {
                return Err(ApiError::not_found("Session"));
            }
            Ok(json!({ "success": true, "instance_name": n, "webhook_url": url }))
        })
        .await?;
    ok(v)
}
