//! Gmail sending through the account's connected senders, each with a daily
//! quota (counted per UTC day).

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::request::{ok, Req};
use crate::state::AppState;
use crate::util::{hex_token, now_ms, rfc3339, uuid};

struct Sender {
    email: String,
    quota: i64,
    sent: i64,
}

fn today() -> String {
    rfc3339(now_ms())[..10].to_string()
}

/// The senders with today's counts (yesterday's counts reset).
fn load_senders(c: &Connection, account_id: &str) -> ApiResult<Vec<Sender>> {
    c.execute("UPDATE email_senders SET sent_today = 0, day = ?2 WHERE account_id = ?1 AND day != ?2", params![account_id, today()])?;
    let mut s = c.prepare("SELECT email, daily_quota, sent_today FROM email_senders WHERE account_id = ?1 ORDER BY email")?;
    let rows = s
        .query_map([account_id], |r| Ok(Sender { email: r.get(0)?, quota: r.get(1)?, sent: r.get(2)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn sender_json(s: &Sender) -> Value {
    json!({ "email": s.email, "sent_today": s.sent, "daily_quota": s.quota, "remaining_today": (s.quota - s.sent).max(0) })
}

pub async fn senders(st: AppState, rq: Req) -> ApiResult {
    let a = rq.account.id.clone();
    let list = st.db.call(move |c| load_senders(c, &a)).await?;
    ok(json!({ "success": true, "senders": list.iter().map(sender_json).collect::<Vec<_>>() }))
}

pub async fn send(st: AppState, rq: Req) -> ApiResult {
    let a = rq.account.id.clone();
    let pinned = rq.b_str("from_email").map(|s| s.to_ascii_lowercase());
    let to = rq.b_str("to").unwrap_or_default().to_string();
    let subject = rq.b_str("subject").unwrap_or_default().to_string();
    let v = st
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let list = load_senders(&tx, &a)?;
            let chosen = match &pinned {
                Some(p) => {
                    let s = list
                        .iter()
                        .find(|s| s.email.eq_ignore_ascii_case(p))
                        .ok_or_else(|| ApiError::not_found("Sender (from_email is not a connected Gmail account)"))?;
                    if s.sent >= s.quota {
                        return Err(ApiError::conflict("no_eligible_sender", format!("{} has used its daily quota of {}", s.email, s.quota)));
                    }
                    s
                }
                None => list
                    .iter()
                    .filter(|s| s.sent < s.quota)
                    .max_by_key(|s| (s.quota - s.sent, std::cmp::Reverse(s.email.clone())))
                    .ok_or_else(|| ApiError::conflict("no_eligible_sender", "every connected Gmail sender is out of today's quota"))?,
            };
            tx.execute("UPDATE email_senders SET sent_today = sent_today + 1 WHERE account_id = ?1 AND email = ?2", params![a, chosen.email])?;
            tx.execute(
                "INSERT INTO emails (id, account_id, sender, to_addr, subject, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![uuid(), a, chosen.email, to, subject, now_ms()],
            )?;
            let v = json!({
                "success": true,
                "message_id": format!("<{}@mail.gmail.com>", hex_token(24)),
                "sent_from": chosen.email,
                "remaining_today": chosen.quota - chosen.sent - 1,
            });
            tx.commit()?;
            Ok(v)
        })
        .await?;
    ok(v)
}
