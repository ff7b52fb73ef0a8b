//! Function CRUD: create with tier clamping, 409 on a duplicate name, the
//! Slack and suspension gates, soft delete.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use crate::accounts::Account;
use crate::error::{ApiError, ApiResult, BILLING_URL, FUNCTIONS_PRICING_URL};
use crate::request::{created, ok, Req};
use crate::state::AppState;
use crate::tiers::{clamp_memory, FunctionsTier};
use crate::util::{now_ms, opt, rfc3339, uuid};

/// A function row.
#[derive(Debug, Clone)]
pub struct FunctionRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub runtime: String,
    pub status: String,
    pub url: Option<String>,
    pub region: String,
    pub memory: String,
    pub cpu: i64,
    pub max_instances: i64,
    pub min_instances: i64,
    pub timeout_seconds: i64,
    pub concurrency: i64,
    pub cpu_throttling: bool,
    pub base_image: Option<String>,
    pub trigger_type: String,
    pub trigger_config: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLUMNS: &str = "id, account_id, name, runtime, status, url, region, memory, cpu, max_instances, min_instances, \
    timeout_seconds, concurrency, cpu_throttling, base_image, trigger_type, trigger_config, created_ms, updated_ms";

fn from_row(r: &Row) -> rusqlite::Result<FunctionRow> {
    Ok(FunctionRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        name: r.get(2)?,
        runtime: r.get(3)?,
        status: r.get(4)?,
        url: r.get(5)?,
        region: r.get(6)?,
        memory: r.get(7)?,
        cpu: r.get(8)?,
        max_instances: r.get(9)?,
        min_instances: r.get(10)?,
        timeout_seconds: r.get(11)?,
        concurrency: r.get(12)?,
        cpu_throttling: r.get(13)?,
        base_image: r.get(14)?,
        trigger_type: r.get(15)?,
        trigger_config: r.get(16)?,
        created_ms: r.get(17)?,
        updated_ms: r.get(18)?,
    })
}

impl FunctionRow {
    pub fn to_json(&self) -> Value {
        let trigger_config = self.trigger_config.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()).unwrap_or(Value::Null);
        json!({
            "id": self.id,
            "name": self.name,
            "runtime": self.runtime,
            "status": self.status,
            "url": opt(self.url.clone()),
            "region": self.region,
            "memory": self.memory,
            "cpu": self.cpu,
            "max_instances": self.max_instances,
            "min_instances": self.min_instances,
            "timeout_seconds": self.timeout_seconds,
            "concurrency": self.concurrency,
            "cpu_throttling": self.cpu_throttling,
            "base_image": opt(self.base_image.clone()),
            "trigger_type": self.trigger_type,
            "trigger_config": trigger_config,
            "created_at": rfc3339(self.created_ms),
            "updated_at": rfc3339(self.updated_ms),
        })
    }
}

/// The caller's live (not deleted) function, or 404.
pub fn load(conn: &Connection, account_id: &str, id: &str) -> ApiResult<FunctionRow> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM functions WHERE id = ?1 AND account_id = ?2 AND deleted = 0"),
        params![id, account_id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found("Function"))
}

pub fn load_any(conn: &Connection, id: &str) -> ApiResult<Option<FunctionRow>> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM functions WHERE id = ?1"), [id], from_row).optional()?)
}

pub fn name_taken(conn: &Connection, account_id: &str, name: &str) -> ApiResult<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM functions WHERE account_id = ?1 AND name = ?2 AND deleted = 0", params![account_id, name], |_| Ok(()))
        .optional()?
        .is_some())
}

/// `base`, or `base-2`, `base-3`... whichever is free (the name is at most 63 characters).
pub fn free_name(conn: &Connection, account_id: &str, base: &str) -> ApiResult<String> {
    let base: String = base.chars().take(55).collect();
    if !name_taken(conn, account_id, &base)? {
        return Ok(base);
    }
    for i in 2..10_000 {
        let n = format!("{base}-{i}");
        if !name_taken(conn, account_id, &n)? {
            return Ok(n);
        }
    }
    Ok(format!("{base}-{}", crate::util::alnum_token(6)))
}

/// Turns any text into a valid function name (`[a-z][a-z0-9-]{0,62}`).
pub fn sanitize_name(s: &str) -> String {
    let mut out: String = s
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let mut out = out.trim_matches('-').to_string();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out = format!("fn-{out}");
    }
    out.truncate(55);
    out.trim_end_matches('-').to_string()
}

pub fn check_not_suspended(account: &Account) -> ApiResult<()> {
    if let Some(reason) = &account.suspended_reason {
        let mut e = ApiError::forbidden(
            format!("Functions are suspended on this account ({reason}); update your card, then POST /api/v1/functions/billing/verify-card"),
            BILLING_URL,
        );
        e.error = "account_suspended".into();
        e.code = Some(reason.clone());
        return Err(e);
    }
    Ok(())
}

fn check_trigger(account: &Account, trigger: Option<&str>) -> ApiResult<()> {
    if trigger == Some("slack") && account.functions_tier != FunctionsTier::Teams {
        return Err(ApiError::upgrade_required(
            "upgrade_required",
            "Slack triggers need the Teams tier",
            FUNCTIONS_PRICING_URL,
        ));
    }
    Ok(())
}

/// Settings of a new function: the request's values, defaults for the rest, clamped to the tier.
pub struct NewFunction {
    pub name: String,
    pub runtime: String,
    pub body: Value,
}

pub fn insert(conn: &Connection, account: &Account, f: &NewFunction) -> ApiResult<FunctionRow> {
    let caps = account.functions_tier.caps();
    let b = &f.body;
    let int = |k: &str| b.get(k).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|x| x as i64)));
    let memory = clamp_memory(b.get("memory").and_then(Value::as_str).unwrap_or("512Mi"), caps);
    let max_instances = int("max_instances").unwrap_or(caps.max_instances).min(caps.max_instances);
    let min_instances = int("min_instances").unwrap_or(0).min(max_instances);
    let timeout = int("timeout_seconds").unwrap_or(60).min(caps.timeout_seconds);
    let trigger_config = match b.get("trigger_config") {
        Some(Value::Null) | None => None,
        Some(v) => Some(v.to_string()),
    };
    if name_taken(conn, &account.id, &f.name)? {
        return Err(ApiError::conflict("name_taken", format!("A function named {} already exists", f.name)));
    }
    let now = now_ms();
    let id = uuid();
    conn.execute(
        &format!("INSERT INTO functions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, 'creating', NULL, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)"),
        params![
            id,
            account.id,
            f.name,
            f.runtime,
            b.get("region").and_then(Value::as_str).unwrap_or("us-central1"),
            memory,
            int("cpu").unwrap_or(1),
            max_instances,
            min_instances,
            timeout,
            int("concurrency").unwrap_or(80),
            b.get("cpu_throttling").and_then(Value::as_bool).unwrap_or(true),
            b.get("base_image").and_then(Value::as_str),
            b.get("trigger_type").and_then(Value::as_str).unwrap_or("webhook"),
            trigger_config,
            now
        ],
    )?;
    load(conn, &account.id, &id)
}

pub async fn list(st: AppState, rq: Req) -> ApiResult {
    let account_id = rq.account.id.clone();
    let items = st
        .db
        .call(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {COLUMNS} FROM functions WHERE account_id = ?1 AND deleted = 0 ORDER BY created_ms DESC, id"
            ))?;
            let rows = stmt.query_map([&account_id], from_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows.iter().map(FunctionRow::to_json).collect::<Vec<_>>())
        })
        .await?;
    ok(json!({ "functions": items }))
}

pub async fn create(st: AppState, rq: Req) -> ApiResult {
    check_not_suspended(&rq.account)?;
    check_trigger(&rq.account, rq.b_str("trigger_type"))?;
    let nf = NewFunction {
        name: rq.b_str("name").unwrap_or_default().to_string(),
        runtime: rq.b_str("runtime").unwrap_or("nodejs20").to_string(),
        body: rq.body.clone(),
    };
    let account = rq.account.clone();
    let row = st.db.call(move |c| insert(c, &account, &nf)).await?;
    created(row.to_json())
}

pub async fn get(st: AppState, rq: Req) -> ApiResult {
    let account_id = rq.account.id.clone();
    let id = rq.path("id").to_string();
    let v = st
        .db
        .call(move |c| {
            let f = load(c, &account_id, &id)?;
            let mut v = f.to_json();
            if let Some(d) = crate::deploy_chain::latest_deployment(c, &f.id)? {
                v["latest_deployment"] = d;
            }
            Ok(v)
        })
        .await?;
    ok(v)
}

pub async fn update(st: AppState, rq: Req) -> ApiResult {
    check_trigger(&rq.account, rq.b_str("trigger_type"))?;
    let account = rq.account.clone();
    let id = rq.path("id").to_string();
    let body = rq.body.clone();
    let row = st
        .db
        .call(move |c| {
            let mut f = load(c, &account.id, &id)?;
            let caps = account.functions_tier.caps();
            let int = |k: &str| body.get(k).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|x| x as i64)));
            if let Some(m) = body.get("memory").and_then(Value::as_str) {
                f.memory = clamp_memory(m, caps);
            }
            if let Some(n) = int("cpu") {
                f.cpu = n;
            }
            if let Some(n) = int("max_instances") {
                f.max_instances = n.min(caps.max_instances);
            }
            f.max_instances = f.max_instances.min(caps.max_instances);
            if let Some(n) = int("min_instances") {
                f.min_instances = n;
            }
            f.min_instances = f.min_instances.min(f.max_instances);
            if let Some(n) = int("timeout_seconds") {
                f.timeout_seconds = n.min(caps.timeout_seconds);
            }
            if let Some(n) = int("concurrency") {
                f.concurrency = n;
            }
            if let Some(r) = body.get("region").and_then(Value::as_str) {
                f.region = r.to_string();
            }
            if let Some(t) = body.get("cpu_throttling").and_then(Value::as_bool) {
                f.cpu_throttling = t;
            }
            if let Some(v) = body.get("base_image") {
                f.base_image = v.as_str().map(str::to_string);
            }
            if let Some(t) = body.get("trigger_type").and_then(Value::as_str) {
                f.trigger_type = t.to_string();
            }
            if let Some(v) = body.get("trigger_config") {
                f.trigger_config = if v.is_null() { None } else { Some(v.to_string()) };
            }
            f.updated_ms = now_ms();
            c.execute(
                "UPDATE functions SET memory = ?2, cpu = ?3, max_instances = ?4, min_instances = ?5, timeout_seconds = ?6,
                 concurrency = ?7, region = ?8, cpu_throttling = ?9, base_image = ?10, trigger_type = ?11,
                 trigger_config = ?12, updated_ms = ?13 WHERE id = ?1",
                params![
                    f.id,
                    f.memory,
                    f.cpu,
                    f.max_instances,
                    f.min_instances,
                    f.timeout_seconds,
                    f.concurrency,
                    f.region,
                    f.cpu_throttling,
                    f.base_image,
                    f.trigger_type,
                    f.trigger_config,
                    f.updated_ms
                ],
            )?;
            Ok(f)
        })
        .await?;
    ok(row.to_json())
}

pub async fn delete(st: AppState, rq: Req) -> ApiResult {
    let account_id = rq.account.id.clone();
    let id = rq.path("id").to_string();
    st.db
        .call(move |c| {
            let f = load(c, &account_id, &id)?;
            let tx = c.transaction()?;
            tx.execute("UPDATE functions SET deleted = 1, status = 'deleted', updated_ms = ?2 WHERE id = ?1", params![f.id, now_ms()])?;
            tx.execute("DELETE FROM domains WHERE function_id = ?1", [&f.id])?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    ok(json!({ "success": true, "message": "Function deleted" }))
}
