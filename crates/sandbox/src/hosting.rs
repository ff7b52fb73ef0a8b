//! Hosting instances (n8n, OpenClaw, Docker, website, and empty slots),
//! shared by the n8n billing API, the management API and provisioning.
//! `provisioning` turns `running` at `ready_ms` (computed on read).

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::util::{now_ms, opt, rfc3339, uuid};

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub instance_name: String,
    pub instance_url: Option<String>,
    pub service_type: String,
    pub status: String,
    pub ready_ms: Option<i64>,
    pub storage_gb: i64,
    pub billing_cycle: Option<String>,
    pub stripe_subscription_id: Option<String>,
    pub domain: Option<String>,
    pub config: String,
    pub created_ms: i64,
}

const COLUMNS: &str = "id, instance_name, instance_url, service_type, status, ready_ms, storage_gb, \
    billing_cycle, stripe_subscription_id, domain, config, created_ms";

fn from_row(r: &Row) -> rusqlite::Result<Instance> {
    Ok(Instance {
        id: r.get(0)?,
        instance_name: r.get(1)?,
        instance_url: r.get(2)?,
        service_type: r.get(3)?,
        status: r.get(4)?,
        ready_ms: r.get(5)?,
        storage_gb: r.get(6)?,
        billing_cycle: r.get(7)?,
        stripe_subscription_id: r.get(8)?,
        domain: r.get(9)?,
        config: r.get(10)?,
        created_ms: r.get(11)?,
    })
}

impl Instance {
    /// The live status: a boot that has had its time is `running`.
    pub fn status(&self) -> &str {
        if self.status == "provisioning" && self.ready_ms.is_some_and(|r| now_ms() >= r) {
            "running"
        } else {
            &self.status
        }
    }

    pub fn config_json(&self) -> Value {
        serde_json::from_str(&self.config).unwrap_or_else(|_| json!({}))
    }

    pub fn hosting_json(&self) -> Value {
        json!({
            "id": self.id,
            "instance_name": self.instance_name,
            "instance_url": opt(self.instance_url.clone()),
            "service_type": self.service_type,
            "status": self.status(),
            "storage_limit_gb": self.storage_gb,
            "domain": opt(self.domain.clone()),
            "config": self.config_json(),
            "created_at": rfc3339(self.created_ms),
        })
    }

    pub fn n8n_json(&self) -> Value {
        json!({
            "id": self.id,
            "instance_name": self.instance_name,
            "instance_url": opt(self.instance_url.clone()),
            "storage_gb": self.storage_gb,
            "status": self.status(),
            "billing_cycle": self.billing_cycle.clone().unwrap_or_else(|| "monthly".into()),
            "stripe_subscription_id": opt(self.stripe_subscription_id.clone()),
            "created_at": rfc3339(self.created_ms),
        })
    }
}

pub fn list(conn: &Connection, account_id: &str, service_type: Option<&str>) -> ApiResult<Vec<Instance>> {
    let mut s = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM instances WHERE account_id = ?1 AND (?2 IS NULL OR service_type = ?2) ORDER BY created_ms, id"
    ))?;
    let rows = s.query_map(params![account_id, service_type], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The caller's instance (of `service_type` when given), or 404.
pub fn load(conn: &Connection, account_id: &str, id: &str, service_type: Option<&str>) -> ApiResult<Instance> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM instances WHERE id = ?1 AND account_id = ?2 AND (?3 IS NULL OR service_type = ?3)"),
        params![id, account_id, service_type],
        from_row,
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found("Instance"))
}

pub fn log(conn: &Connection, instance_id: &str, line: &str) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO instance_logs (instance_id, ts_ms, line) VALUES (?1, ?2, ?3)",
        params![instance_id, now_ms(), line],
    )?;
    Ok(())
}

/// The last `lines` log lines as one newline-joined string.
pub fn log_text(conn: &Connection, instance_id: &str, lines: i64) -> ApiResult<String> {
    let mut s = conn.prepare(
        "SELECT ts_ms, line FROM (SELECT * FROM instance_logs WHERE instance_id = ?1 ORDER BY seq DESC LIMIT ?2) ORDER BY seq",
    )?;
    let rows = s
        .query_map(params![instance_id, lines], |r| Ok(format!("{} {}", rfc3339(r.get(0)?), r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows.join("\n"))
}

/// Starts a (re)deploy: `provisioning` until `boot_ms` from now, with a deployment record and log lines.
pub fn start_deploy(conn: &Connection, inst: &Instance, source_type: &str, source: &str, boot_ms: i64) -> ApiResult<()> {
    let now = now_ms();
    conn.execute(
        "UPDATE instances SET status = 'provisioning', ready_ms = ?2 WHERE id = ?1",
        params![inst.id, now + boot_ms],
    )?;
    conn.execute(
        "INSERT INTO instance_deployments (id, instance_id, source_type, source, created_ms, finished_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![uuid(), inst.id, source_type, source, now, now + boot_ms],
    )?;
    log(conn, &inst.id, &format!("Deploying {source} ({source_type})"))?;
    log(conn, &inst.id, &format!("Pulling {source}"))?;
    let ready = match source_type {
        "n8n" => "n8n ready on port 5678\nEditor is now accessible via the instance URL".to_string(),
        "openclaw" => "OpenClaw agent gateway listening on :18789".to_string(),
        _ => "Container started; health check passed".to_string(),
    };
    for l in ready.lines() {
        log(conn, &inst.id, l)?;
    }
    Ok(())
}

/// start / stop / restart / redeploy.
pub fn manage(conn: &Connection, inst: &Instance, action: &str, boot_ms: i64) -> ApiResult<Value> {
    if inst.service_type == "empty" {
        return Err(ApiError::bad_request("action", "this slot is empty: provision a service onto it first"));
    }
    let (status, message) = match action {
        "start" => {
            conn.execute("UPDATE instances SET status = 'running', ready_ms = NULL WHERE id = ?1", [&inst.id])?;
            log(conn, &inst.id, "Container started")?;
            ("running", "Instance started")
        }
        "stop" => {
            conn.execute("UPDATE instances SET status = 'stopped', ready_ms = NULL WHERE id = ?1", [&inst.id])?;
            log(conn, &inst.id, "Container stopped")?;
            ("stopped", "Instance stopped")
        }
        "restart" => {
            conn.execute("UPDATE instances SET status = 'running', ready_ms = NULL WHERE id = ?1", [&inst.id])?;
            log(conn, &inst.id, "Container restarting")?;
            log(conn, &inst.id, "Container started")?;
            ("running", "Instance restarted")
        }
        "redeploy" => {
            let (kind, source) = deploy_source(inst);
            start_deploy(conn, inst, &kind, &source, boot_ms)?;
            ("provisioning", "Redeploy started")
        }
        other => return Err(ApiError::bad_request("action", format!("unknown action {other}"))),
    };
    Ok(json!({ "success": true, "action": action, "status": status, "message": message }))
}

/// What a redeploy of this instance builds.
pub fn deploy_source(inst: &Instance) -> (String, String) {
    let cfg = inst.config_json();
    match inst.service_type.as_str() {
        "n8n" => ("n8n".into(), "n8nio/n8n:latest".into()),
        "openclaw" => ("openclaw".into(), "ghcr.io/openclaw/openclaw:latest".into()),
        _ => match (cfg.get("dockerImage").and_then(Value::as_str), cfg.get("githubRepo").and_then(Value::as_str)) {
            (Some(img), _) => ("docker".into(), img.to_string()),
            (None, Some(repo)) => ("github".into(), repo.to_string()),
            _ => ("docker".into(), "nginx:latest".into()),
        },
    }
}

/// Deletes an instance and everything hanging off it.
pub fn delete(conn: &mut Connection, id: &str) -> ApiResult<()> {
    let tx = conn.transaction()?;
    for sql in [
        "DELETE FROM instances WHERE id = ?1",
        "DELETE FROM instance_deployments WHERE instance_id = ?1",
        "DELETE FROM instance_logs WHERE instance_id = ?1",
        "DELETE FROM backups WHERE instance_id = ?1",
    ] {
        tx.execute(sql, [id])?;
    }
    tx.commit()?;
    Ok(())
}

/// A host name made of an instance name.
pub fn host_label(name: &str) -> String {
    let s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').chars().take(40).collect::<String>();
    if s.is_empty() {
        "instance".into()
    } else {
        s
    }
}
