//! Provisioning onto an existing empty slot (the account is seeded with some).

use rusqlite::params;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::hosting::{self, Instance};
use crate::request::{ok, Req};
use crate::routes::{instances::merge_config, n8n::slot_url};
use crate::state::AppState;

fn not_empty(inst: &Instance) -> ApiError {
    ApiError::conflict("slot_not_empty", format!("instance {} already runs {}: provision onto an empty slot", inst.id, inst.service_type))
}

async fn provision(st: AppState, rq: Req, kind: &'static str) -> ApiResult {
    let a = rq.account.id.clone();
    let id = rq.b_str("instanceId").unwrap_or_default().to_string();
    let body = rq.body.clone();
    let boot = st.config.instance_boot_delay.as_millis() as i64;
    let (inst, message) = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, None)?;
            if kind == "openclaw" && inst.storage_gb < 30 {
                return Err(ApiError::bad_request(
                    "instanceId",
                    format!("OpenClaw needs a slot with at least 30 GB of storage; this one has {} GB", inst.storage_gb),
                ));
            }
            let redeploy = kind == "website" && inst.service_type == "website";
            if inst.service_type != "empty" && !redeploy {
                return Err(not_empty(&inst));
            }
            let tx = c.transaction()?;
            let url = inst.instance_url.clone().unwrap_or_else(|| slot_url(&inst.instance_name));
            let cfg = if kind == "website" { merge_config(&inst.config_json(), &body) } else { inst.config_json() };
            tx.execute(
                "UPDATE instances SET service_type = ?2, instance_url = ?3, config = ?4 WHERE id = ?1",
                params![inst.id, kind, url, cfg.to_string()],
            )?;
            let updated = hosting::load(&tx, &a, &id, None)?;
            let (source_type, source) = hosting::deploy_source(&updated);
            hosting::start_deploy(&tx, &updated, &source_type, &source, boot)?;
            let updated = hosting::load(&tx, &a, &id, None)?;
            tx.commit()?;
            let message = match kind {
                "n8n" => "Provisioning n8n".to_string(),
                "openclaw" => "Provisioning OpenClaw".to_string(),
                _ => format!("Deploying {source}"),
            };
            Ok((updated, message))
        })
        .await?;
    ok(json!({ "success": true, "message": message, "instance": inst.hosting_json() }))
}

pub async fn n8n(st: AppState, rq: Req) -> ApiResult {
    provision(st, rq, "n8n").await
}

pub async fn openclaw(st: AppState, rq: Req) -> ApiResult {
    provision(st, rq, "openclaw").await
}

pub async fn website(st: AppState, rq: Req) -> ApiResult {
    provision(st, rq, "website").await
}

