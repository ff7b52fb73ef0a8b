//! n8n instances with (simulated) Stripe billing: a card on file is required.

use rusqlite::params;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::hosting::{self, host_label};
use crate::request::{created, ok, Req};
use crate::state::AppState;
use crate::util::{alnum_token, hex_token, now_ms, uuid};

const N8N: Option<&str> = Some("n8n");

pub async fn create(st: AppState, rq: Req) -> ApiResult {
    if !rq.account.has_card {
        return Err(ApiError::payment_required("An n8n instance needs a payment method on file"));
    }
    let a = rq.account.id.clone();
    let name = rq.b_str("instance_name").unwrap_or_default().to_string();
    let storage = rq.b_i64("storage_gb").unwrap_or(10);
    let cycle = rq.b_str("billing_cycle").unwrap_or("monthly").to_string();
    let boot = st.config.instance_boot_delay.as_millis() as i64;
    let inst = st
        .db
        .call(move |c| {
            let id = uuid();
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO instances (id, account_id, instance_name, instance_url, service_type, status, storage_gb,
                   billing_cycle, stripe_subscription_id, billing, created_ms)
                 VALUES (?1, ?2, ?3, ?4, 'n8n', 'provisioning', ?5, ?6, ?7, 1, ?8)",
                params![
                    id,
                    a,
                    name,
                    format!("https://{}.flowengine.cloud", hex_token(8)),
                    storage,
                    cycle,
                    format!("sub_{}", alnum_token(24)),
                    now_ms()
                ],
            )?;
            let inst = hosting::load(&tx, &a, &id, N8N)?;
            hosting::start_deploy(&tx, &inst, "n8n", "n8nio/n8n:latest", boot)?;
            let inst = hosting::load(&tx, &a, &id, N8N)?;
            tx.commit()?;
            Ok(inst)
        })
        .await?;
    created(json!({ "success": true, "instance": inst.n8n_json() }))
}

pub async fn list(st: AppState, rq: Req) -> ApiResult {
    let a = rq.account.id.clone();
    let items = st.db.call(move |c| hosting::list(c, &a, N8N)).await?;
    ok(json!({ "success": true, "instances": items.iter().map(|i| i.n8n_json()).collect::<Vec<_>>() }))
}

pub async fn get(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("instanceId").to_string());
    let inst = st.db.call(move |c| hosting::load(c, &a, &id, N8N)).await?;
    ok(json!({ "success": true, "instance": inst.n8n_json() }))
}

pub async fn delete(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("instanceId").to_string());
    st.db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, N8N)?;
            hosting::delete(c, &inst.id)
        })
        .await?;
    ok(json!({ "success": true, "message": "Instance deleted and subscription cancelled" }))
}

pub async fn manage(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("instanceId").to_string());
    let action = rq.b_str("action").unwrap_or_default().to_string();
    let boot = st.config.instance_boot_delay.as_millis() as i64;
    let v = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, N8N)?;
            hosting::manage(c, &inst, &action, boot)
        })
        .await?;
    ok(v)
}

pub async fn logs(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("instanceId").to_string());
    let lines = rq.query_i64("lines").unwrap_or(200);
    let text = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, N8N)?;
            hosting::log_text(c, &inst.id, lines)
        })
        .await?;
    ok(json!({ "success": true, "logs": text }))
}

/// An n8n host label for a slot (used by provisioning).
pub fn slot_url(name: &str) -> String {
    format!("https://{}.flowengine.cloud", host_label(name))
}
