//! Metering and billing: usage (deterministic accrual recorded by builds,
//! dollarized at Cloud Run's list prices), tier caps, preferences and the
//! card re-verification that lifts a suspension.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult, PRICING_URL};
use crate::request::{ok, Req};
use crate::state::AppState;
use crate::tiers::all_limits;
use crate::util::{now_ms, rfc3339};

const USD_PER_VCPU_SECOND: f64 = 0.000024;
const USD_PER_GIB_SECOND: f64 = 0.0000025;
const USD_PER_REQUEST: f64 = 0.0000004;

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// An ISO date (start or end of that day, UTC) or an RFC 3339 timestamp, in ms.
/// A day past the end of its month (`2026-02-31`, which the spec's pattern
/// allows) counts as the month's last day.
fn parse_when(s: &str, field: &str, end_of_day: bool) -> ApiResult<i64> {
    let bad = || ApiError::bad_request(field, format!("{field}: {s} is not an ISO 8601 date or RFC 3339 timestamp"));
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d))) = (parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
    let day = (1..=d.max(1)).rev().find_map(|d| NaiveDate::from_ymd_opt(y as i32, m, d)).ok_or_else(bad)?;
    match time {
        None => {
            let t = if end_of_day { day.and_hms_milli_opt(23, 59, 59, 999) } else { day.and_hms_opt(0, 0, 0) };
            t.map(|t| t.and_utc().timestamp_millis()).ok_or_else(bad)
        }
        Some(t) => DateTime::parse_from_rfc3339(&format!("{}T{t}", day.format("%Y-%m-%d")))
            .map(|t| t.with_timezone(&Utc).timestamp_millis())
            .map_err(|_| bad()),
    }
}

fn first_of_month(ms: i64) -> i64 {
    let t = DateTime::from_timestamp_millis(ms).unwrap_or_default();
    NaiveDate::from_ymd_opt(chrono::Datelike::year(&t), chrono::Datelike::month(&t), 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0)
}

fn cost(vcpu: f64, gib: f64, requests: i64) -> f64 {
    round(vcpu * USD_PER_VCPU_SECOND + gib * USD_PER_GIB_SECOND + requests as f64 * USD_PER_REQUEST, 6)
}

pub async fn usage(st: AppState, rq: Req) -> ApiResult {
    if rq.query_str("client_id").is_some() {
        return Err(ApiError::forbidden("client_id is not an agency client this account may act for", PRICING_URL));
    }
    let to = match rq.query_str("to") {
        Some(s) => parse_when(s, "to", true)?,
        None => now_ms(),
    };
    // `from` defaults to the first of the month (UTC) that `to` falls in.
    let from = match rq.query_str("from") {
        Some(s) => parse_when(s, "from", false)?,
        None => first_of_month(to),
    };
    // A period that ends before it starts holds no usage (not an error).
    let account_id = rq.account.id.clone();
    let only = rq.query_str("function_id").map(str::to_string);
    let rows = st
        .db
        .call(move |c| {
            let mut s = c.prepare(
                "SELECT u.function_id, f.name, SUM(u.vcpu_seconds), SUM(u.gib_seconds), SUM(u.requests)
                 FROM usage_events u LEFT JOIN functions f ON f.id = u.function_id
                 WHERE u.account_id = ?1 AND u.ts_ms >= ?2 AND u.ts_ms <= ?3 AND (?4 IS NULL OR u.function_id = ?4)
                 GROUP BY u.function_id ORDER BY f.name, u.function_id",
            )?;
            let rows = s
                .query_map(params![account_id, from, to, only], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, f64>(2)?, r.get::<_, f64>(3)?, r.get::<_, i64>(4)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await?;
    let (mut tv, mut tg, mut tr) = (0.0, 0.0, 0i64);
    let functions: Vec<Value> = rows
        .iter()
        .map(|(id, name, v, g, r)| {
            tv += v;
            tg += g;
            tr += r;
            json!({
                "function_id": id,
                "name": name.clone().unwrap_or_default(),
                "vcpu_seconds": round(*v, 3),
                "gib_seconds": round(*g, 3),
                "requests": r,
                "cost_usd": cost(*v, *g, *r),
            })
        })
        .collect();
    ok(json!({
        "from": rfc3339(from),
        "to": rfc3339(to),
        "total": { "vcpu_seconds": round(tv, 3), "gib_seconds": round(tg, 3), "requests": tr, "cost_usd": cost(tv, tg, tr) },
        "functions": functions,
    }))
}

pub async fn limits(_st: AppState, rq: Req) -> ApiResult {
    ok(json!({
        "functions_tier": rq.account.functions_tier.as_str(),
        "main_tier": rq.account.main_tier.as_str(),
        "limits": rq.account.functions_tier.caps().to_json(),
        "all_limits": all_limits(),
        "upgrade_url": "/pricing?tab=functions",
    }))
}

fn settings(c: &rusqlite::Connection, account_id: &str) -> ApiResult<Value> {
    Ok(c.query_row(
        "SELECT overage_action, auto_topup_enabled, topup_threshold_usd, topup_amount_usd, suspended_reason, topup_balance_usd
         FROM accounts WHERE id = ?1",
        [account_id],
        |r| {
            Ok(json!({
                "overage_action": r.get::<_, String>(0)?,
                "auto_topup_enabled": r.get::<_, bool>(1)?,
                "topup_threshold_usd": r.get::<_, f64>(2)?,
                "topup_amount_usd": r.get::<_, f64>(3)?,
                "suspended_reason": r.get::<_, Option<String>>(4)?,
                "topup_balance_usd": r.get::<_, f64>(5)?,
            }))
        },
    )?)
}

pub async fn get(st: AppState, rq: Req) -> ApiResult {
    let a = rq.account.id.clone();
    ok(st.db.call(move |c| settings(c, &a)).await?)
}

pub async fn update(st: AppState, rq: Req) -> ApiResult {
    let a = rq.account.id.clone();
    let body = rq.body.clone();
    let v = st
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            if let Some(v) = body.get("overage_action").and_then(Value::as_str) {
                tx.execute("UPDATE accounts SET overage_action = ?2 WHERE id = ?1", params![a, v])?;
            }
            if let Some(v) = body.get("auto_topup_enabled").and_then(Value::as_bool) {
                tx.execute("UPDATE accounts SET auto_topup_enabled = ?2 WHERE id = ?1", params![a, v])?;
            }
            if let Some(v) = body.get("topup_threshold_usd").and_then(Value::as_f64) {
                tx.execute("UPDATE accounts SET topup_threshold_usd = ?2 WHERE id = ?1", params![a, v])?;
            }
            if let Some(v) = body.get("topup_amount_usd").and_then(Value::as_f64) {
                tx.execute("UPDATE accounts SET topup_amount_usd = ?2 WHERE id = ?1", params![a, v])?;
            }
            let v = settings(&tx, &a)?;
            tx.commit()?;
            Ok(v)
        })
        .await?;
    ok(v)
}

pub async fn verify_card(st: AppState, rq: Req) -> ApiResult {
    if !rq.account.has_card {
        return Err(ApiError::payment_required("No payment method on file: add a card in the billing portal, then verify again"));
    }
    let a = rq.account.id.clone();
    st.db.call(move |c| Ok(c.execute("UPDATE accounts SET suspended_reason = NULL WHERE id = ?1", [&a])?)).await?;
    ok(json!({ "success": true, "verified": true, "suspended_reason": null }))
}
