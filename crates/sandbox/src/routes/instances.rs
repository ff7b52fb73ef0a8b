//! The management API of every hosting instance (`/api/mcp/instances`).

use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::hosting;
use crate::request::{created, ok, Req};
use crate::state::AppState;
use crate::util::{now_ms, opt, rfc3339, uuid};

fn ids(rq: &Req) -> (String, String) {
    (rq.account.id.clone(), rq.path("instanceId").to_string())
}

pub async fn list(st: AppState, rq: Req) -> ApiResult {
    let a = rq.account.id.clone();
    let items = st.db.call(move |c| hosting::list(c, &a, None)).await?;
    ok(json!({ "success": true, "instances": items.iter().map(|i| i.hosting_json()).collect::<Vec<_>>() }))
}

pub async fn status(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = ids(&rq);
    let status = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, None)?;
            let live = inst.status().to_string();
            if live != inst.status {
                // Sync the stored row with the live state.
                c.execute("UPDATE instances SET status = ?2, ready_ms = NULL WHERE id = ?1", params![inst.id, live])?;
            }
            Ok((inst.id, live))
        })
        .await?;
    ok(json!({ "success": true, "instance_id": status.0, "status": status.1, "synced_at": rfc3339(now_ms()) }))
}

pub async fn manage(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = ids(&rq);
    let action = rq.b_str("action").unwrap_or_default().to_string();
    let boot = st.config.instance_boot_delay.as_millis() as i64;
    let v = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, None)?;
            hosting::manage(c, &inst, &action, boot)
        })
        .await?;
    ok(v)
}

pub async fn logs(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = ids(&rq);
    let lines = rq.query_i64("lines").unwrap_or(200);
    let text = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, None)?;
            hosting::log_text(c, &inst.id, lines)
        })
        .await?;
    ok(json!({ "success": true, "logs": text }))
}

pub async fn deployments(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = ids(&rq);
    let items = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, None)?;
            let now = now_ms();
            let mut s = c.prepare(
                "SELECT id, source_type, source, created_ms, finished_ms FROM instance_deployments
                 WHERE instance_id = ?1 ORDER BY created_ms DESC, rowid DESC",
            )?;
            let rows = s
                .query_map([&inst.id], |r| {
                    let finished: i64 = r.get(4)?;
                    let done = now >= finished;
                    Ok(json!({
                        "id": r.get::<_, String>(0)?,
                        "status": if done { "finished" } else { "in_progress" },
                        "source_type": r.get::<_, String>(1)?,
                        "source": r.get::<_, String>(2)?,
                        "created_at": rfc3339(r.get(3)?),
                        "finished_at": opt(done.then(|| rfc3339(finished))),
                    }))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await?;
    ok(json!({ "success": true, "deployments": items }))
}

/// Merges the given configuration fields into the stored configuration.
pub fn merge_config(old: &Value, body: &Value) -> Value {
    let mut cfg = old.as_object().cloned().unwrap_or_default();
    for k in ["dockerImage", "githubRepo", "port", "envVars"] {
        if let Some(v) = body.get(k) {
            cfg.insert(k.to_string(), v.clone());
        }
    }
    Value::Object(cfg)
}

pub async fn update_config(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = ids(&rq);
    let body = rq.body.clone();
    let inst = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, None)?;
            let cfg = merge_config(&inst.config_json(), &body);
            c.execute("UPDATE instances SET config = ?2 WHERE id = ?1", params![inst.id, cfg.to_string()])?;
            hosting::log(c, &inst.id, "Configuration updated (redeploy to apply)")?;
            hosting::load(c, &a, &id, None)
        })
        .await?;
    ok(json!({ "success": true, "message": "Configuration updated; redeploy to apply", "instance": inst.hosting_json() }))
}

pub async fn update_domain(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = ids(&rq);
    let domain = rq.b_str("domain").unwrap_or_default().to_ascii_lowercase();
    let inst = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, None)?;
            c.execute(
                "UPDATE instances SET domain = ?2, instance_url = ?3 WHERE id = ?1",
                params![inst.id, domain, format!("https://{domain}")],
            )?;
            hosting::load(c, &a, &id, None)
        })
        .await?;
    ok(json!({ "success": true, "message": "Domain updated", "instance": inst.hosting_json() }))
}

fn backup_json(id: String, file_name: String, size: i64, created_ms: i64, done_ms: i64) -> Value {
    let done = now_ms() >= done_ms;
    json!({
        "id": id,
        "fileName": file_name,
        "fileSizeBytes": if done { size } else { 0 },
        "status": if done { "completed" } else { "in_progress" },
        "createdAt": rfc3339(created_ms),
    })
}

pub async fn list_backups(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = ids(&rq);
    let items = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, None)?;
            let mut s = c.prepare(
                "SELECT id, file_name, size_bytes, created_ms, done_ms FROM backups WHERE instance_id = ?1 ORDER BY created_ms DESC, rowid DESC",
            )?;
            let rows = s
                .query_map([&inst.id], |r| Ok(backup_json(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await?;
    ok(json!({ "success": true, "backups": items }))
}

pub async fn create_backup(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = ids(&rq);
    let delay = st.config.backup_delay.as_millis() as i64;
    let v = st
        .db
        .call(move |c| {
            let inst = hosting::load(c, &a, &id, None)?;
            if inst.service_type == "empty" {
                return Err(ApiError::conflict("instance_empty", "this slot is empty: there is nothing to back up"));
            }
            let now = now_ms();
            let running: Option<String> = c
                .query_row("SELECT id FROM backups WHERE instance_id = ?1 AND done_ms > ?2 LIMIT 1", params![inst.id, now], |r| r.get(0))
                .optional()?;
            if running.is_some() {
                return Err(ApiError::conflict("backup_in_progress", "a backup of this instance is already in progress"));
            }
            let count: i64 = c.query_row("SELECT COUNT(*) FROM backups WHERE instance_id = ?1", [&inst.id], |r| r.get(0))?;
            let stamp = chrono::DateTime::from_timestamp_millis(now).map(|t| t.format("%Y-%m-%d-%H%M%S").to_string()).unwrap_or_default();
            let file = format!("{}-{stamp}.tar.gz", hosting::host_label(&inst.instance_name));
            let size = inst.storage_gb * 1_048_576 + count * 4096;
            let bid = uuid();
            c.execute(
                "INSERT INTO backups (id, instance_id, file_name, size_bytes, created_ms, done_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![bid, inst.id, file, size, now, now + delay],
            )?;
            hosting::log(c, &inst.id, &format!("Backup {file} started"))?;
            Ok(backup_json(bid, file, size, now, now + delay))
        })
        .await?;
    created(json!({ "success": true, "backup": v }))
}
