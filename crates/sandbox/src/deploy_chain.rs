//! The deploy chain every route shares: signed upload URLs on the sandbox's
//! own storage host, the checks before a build (suspension 403, card 402,
//! in-flight cap 429), and the deployment row a build then moves along.

use hmac::{Hmac, Mac};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::accounts::Account;
use crate::error::{ApiError, ApiResult};
use crate::routes::functions::check_not_suspended;
use crate::state::AppState;
use crate::util::{now_ms, opt, rfc3339, uuid};

pub const BUCKET: &str = "flowengine-source";

/// `functions/<user>/<fn>/<ts>.tar.gz`
pub fn object_path(account_id: &str, function_id: &str) -> String {
    format!("functions/{account_id}/{function_id}/{}.tar.gz", chrono::Utc::now().timestamp_micros())
}

pub fn gs_name(object_path: &str) -> String {
    format!("gs://{BUCKET}/{object_path}")
}

/// The caller's own prefix: a `sourceTarball` must lie under it.
pub fn tenant_prefix(account_id: &str) -> String {
    format!("gs://{BUCKET}/functions/{account_id}/")
}

pub fn signature(secret: &[u8], method: &str, bucket: &str, object: &str, expires: i64) -> String {
    // `new_from_slice` only fails for key lengths HMAC-SHA256 does not have (none).
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(format!("{method}\n{bucket}\n{object}\n{expires}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn verify_signature(secret: &[u8], method: &str, bucket: &str, object: &str, expires: i64, sig: &str) -> bool {
    let Ok(given) = hex::decode(sig) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return false };
    mac.update(format!("{method}\n{bucket}\n{object}\n{expires}").as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// A signed PUT URL for `object` on this sandbox's storage host.
pub fn upload_url(st: &AppState, base_url: &str, object: &str) -> (String, i64) {
    let ttl = st.config.upload_url_ttl.as_secs() as i64;
    let expires = chrono::Utc::now().timestamp() + ttl;
    let sig = signature(&st.signing_secret, "PUT", BUCKET, object, expires);
    (format!("{base_url}/_storage/{BUCKET}/{object}?expires={expires}&sig={sig}"), ttl)
}

/// Suspension (403) and a paid tier without a card (402).
pub fn check_can_deploy(account: &Account) -> ApiResult<()> {
    check_not_suspended(account)?;
    if account.functions_tier.is_paid() && !account.has_card {
        return Err(ApiError::payment_required(format!(
            "The {} Functions tier needs a payment method on file to deploy",
            account.functions_tier.as_str()
        )));
    }
    Ok(())
}

/// 429 when the account already has as many builds in flight as allowed.
pub fn check_inflight(conn: &Connection, st: &AppState, account_id: &str) -> ApiResult<()> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM deployments WHERE account_id = ?1 AND status IN ('creating', 'building')",
        [account_id],
        |r| r.get(0),
    )?;
    if n >= st.config.max_inflight_deploys as i64 {
        let secs = (st.config.build_step_delay.as_secs_f64() * 8.0).ceil().max(1.0) as u64;
        return Err(ApiError::too_many(
            format!("Too many concurrent deploys ({n} in flight, at most {}); wait for one to finish", st.config.max_inflight_deploys),
            secs,
        ));
    }
    Ok(())
}

pub fn store_object(conn: &Connection, account_id: &str, gs: &str, data: &[u8]) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO objects (name, account_id, data, created_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET data = excluded.data, created_ms = excluded.created_ms",
        params![gs, account_id, data, now_ms()],
    )?;
    Ok(())
}

pub fn object_exists(conn: &Connection, gs: &str) -> ApiResult<bool> {
    Ok(conn.query_row("SELECT 1 FROM objects WHERE name = ?1", [gs], |_| Ok(())).optional()?.is_some())
}

pub fn load_object(conn: &Connection, gs: &str) -> ApiResult<Option<Vec<u8>>> {
    Ok(conn.query_row("SELECT data FROM objects WHERE name = ?1", [gs], |r| r.get(0)).optional()?)
}

pub fn log_line(conn: &Connection, function_id: &str, severity: &str, message: &str) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO function_logs (function_id, ts_ms, severity, message) VALUES (?1, ?2, ?3, ?4)",
        params![function_id, now_ms(), severity, message],
    )?;
    Ok(())
}

/// Records a deployment in `creating` (the in-flight cap checked in the
/// same locked call) and moves the function to `creating`.
pub fn begin(conn: &mut Connection, st: &AppState, account_id: &str, function_id: &str, gs: &str, origin: &str) -> ApiResult<String> {
    check_inflight(conn, st, account_id)?;
    let id = uuid();
    let now = now_ms();
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO deployments (id, function_id, account_id, status, source_tarball, error, origin, created_ms)
         VALUES (?1, ?2, ?3, 'creating', ?4, NULL, ?5, ?6)",
        params![id, function_id, account_id, gs, origin, now],
    )?;
    tx.execute("UPDATE functions SET status = 'creating', updated_ms = ?2 WHERE id = ?1", params![function_id, now])?;
    log_line(&tx, function_id, "INFO", &format!("Deployment {id} queued ({origin}): {gs}"))?;
    tx.commit()?;
    Ok(id)
}

/// The answer of every route that starts a deploy.
pub fn accepted(function_id: &str, deployment_id: &str, name: &str) -> Value {
    json!({
        "success": true,
        "function_id": function_id,
        "deployment_id": deployment_id,
        "status": "creating",
        "name": name,
    })
}

pub fn latest_deployment(conn: &Connection, function_id: &str) -> ApiResult<Option<Value>> {
    Ok(conn
        .query_row(
            "SELECT id, status, source_tarball, error, created_ms, finished_ms FROM deployments
             WHERE function_id = ?1 ORDER BY created_ms DESC, rowid DESC LIMIT 1",
            [function_id],
            |r| {
                Ok(json!({
                    "id": r.get::<_, String>(0)?,
                    "status": r.get::<_, String>(1)?,
                    "source_tarball": opt(r.get::<_, Option<String>>(2)?),
                    "error": opt(r.get::<_, Option<String>>(3)?),
                    "created_at": rfc3339(r.get(4)?),
                    "finished_at": opt(r.get::<_, Option<i64>>(5)?.map(rfc3339)),
                }))
            },
        )
        .optional()?)
}
