//! Custom domains: `pending` until `domain_verify_delay` has passed, then
//! `verified` (a domain under the reserved `.invalid` TLD turns `failed`).

use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::request::{ok, Req};
use crate::routes::functions;
use crate::state::AppState;
use crate::util::now_ms;

fn mapping(domain: &str, verified_ms: i64) -> Value {
    let status = if now_ms() < verified_ms {
        "pending"
    } else if domain.to_ascii_lowercase().ends_with(".invalid") {
        "failed"
    } else {
        "verified"
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let records = if labels.len() > 2 {
        // A subdomain: one CNAME.
        json!([{ "type": "CNAME", "name": labels[..labels.len() - 2].join("."), "rrdata": "ghs.googlehosted.com." }])
    } else {
        // An apex domain: Cloud Run's A and AAAA records.
        json!([
            { "type": "A", "name": "@", "rrdata": "216.239.32.21" },
            { "type": "A", "name": "@", "rrdata": "216.239.34.21" },
            { "type": "AAAA", "name": "@", "rrdata": "2001:4860:4802:32::15" },
            { "type": "AAAA", "name": "@", "rrdata": "2001:4860:4802:34::15" }
        ])
    };
    json!({ "domain": domain, "status": status, "records": records })
}

pub async fn add(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    let domain = rq.b_str("domain").unwrap_or_default().to_ascii_lowercase();
    let delay = st.config.domain_verify_delay.as_millis() as i64;
    let v = st
        .db
        .call(move |c| {
            let f = functions::load(c, &a, &id)?;
            let owner: Option<String> = c.query_row("SELECT function_id FROM domains WHERE domain = ?1", [&domain], |r| r.get(0)).optional()?;
            if owner.as_deref().is_some_and(|o| o != f.id) {
                return Err(ApiError::conflict("domain_taken", format!("{domain} is already mapped to another function")));
            }
            let now = now_ms();
            c.execute(
                "INSERT INTO domains (function_id, domain, created_ms, verified_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(function_id) DO UPDATE SET domain = excluded.domain, created_ms = excluded.created_ms, verified_ms = excluded.verified_ms",
                params![f.id, domain, now, now + delay],
            )?;
            Ok(mapping(&domain, now + delay))
        })
        .await?;
    ok(v)
}

pub async fn get(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    let v = st
        .db
        .call(move |c| {
            let f = functions::load(c, &a, &id)?;
            let row: Option<(String, i64)> =
                c.query_row("SELECT domain, verified_ms FROM domains WHERE function_id = ?1", [&f.id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            let (domain, verified_ms) = row.ok_or_else(|| ApiError::not_found("Domain mapping"))?;
            Ok(mapping(&domain, verified_ms))
        })
        .await?;
    ok(v)
}

pub async fn remove(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    st.db
        .call(move |c| {
            let f = functions::load(c, &a, &id)?;
            if c.execute("DELETE FROM domains WHERE function_id = ?1", [&f.id])? == 0 {
                return Err(ApiError::not_found("Domain mapping"));
            }
            Ok(())
        })
        .await?;
    ok(json!({ "success": true, "message": "Domain removed" }))
}
