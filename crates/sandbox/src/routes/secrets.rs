//! Secret bindings: workspace-scope secrets of the account, overridden per
//! function (scope `function`, source `override`). Values are never returned.

use rusqlite::params;
use serde_json::{json, Value};

use crate::error::ApiResult;
use crate::request::{ok, Req};
use crate::routes::functions;
use crate::state::AppState;
use crate::util::{now_ms, rfc3339};

fn binding(name: &str, over: bool, updated_ms: i64) -> Value {
    json!({
        "name": name,
        "source": if over { "override" } else { "workspace" },
        "scope": if over { "function" } else { "workspace" },
        "updated_at": rfc3339(updated_ms),
    })
}

pub async fn list(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    let items = st
        .db
        .call(move |c| {
            let f = functions::load(c, &a, &id)?;
            let mut s = c.prepare(
                "SELECT name, 1, updated_ms FROM function_secrets WHERE function_id = ?1
                 UNION ALL
                 SELECT name, 0, updated_ms FROM workspace_secrets w WHERE account_id = ?2
                   AND NOT EXISTS (SELECT 1 FROM function_secrets o WHERE o.function_id = ?1 AND o.name = w.name)
                 ORDER BY 1",
            )?;
            let rows = s
                .query_map(params![f.id, a], |r| Ok(binding(&r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await?;
    ok(json!({ "secrets": items }))
}

pub async fn set(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    let name = rq.b_str("name").unwrap_or_default().to_string();
    let value = rq.b_str("value").unwrap_or_default().to_string();
    let v = st
        .db
        .call(move |c| {
            let f = functions::load(c, &a, &id)?;
            let now = now_ms();
            c.execute(
                "INSERT INTO function_secrets (function_id, name, value, updated_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(function_id, name) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
                params![f.id, name, value, now],
            )?;
            Ok(binding(&name, true, now))
        })
        .await?;
    ok(v)
}

pub async fn delete(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    let name = rq.query_str("name").unwrap_or_default().to_string();
    let removed = st
        .db
        .call(move |c| {
            let f = functions::load(c, &a, &id)?;
            Ok(c.execute("DELETE FROM function_secrets WHERE function_id = ?1 AND name = ?2", params![f.id, name])?)
        })
        .await?;
    // Idempotent, like the service's unbind: removing an override that is not there changes nothing.
    let message = if removed > 0 { "Secret removed" } else { "No override with this name; nothing removed" };
    ok(json!({ "success": true, "message": message }))
}
