//! The browser editor's view of the source: the last deployed tarball as a
//! `{path: contents}` map, and a PUT of an edited map that queues a redeploy.

use rusqlite::OptionalExtension;
use serde_json::{json, Map, Value};

use crate::build_sim;
use crate::deploy_chain::{self, accepted, check_can_deploy, gs_name, load_object, store_object};
use crate::error::{ApiError, ApiResult};
use crate::request::{ok, Req};
use crate::routes::functions;
use crate::state::AppState;
use crate::tarball;

pub async fn get(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    let data = st
        .db
        .call(move |c| {
            let f = functions::load(c, &a, &id)?;
            let gs: Option<String> = c
                .query_row(
                    "SELECT source_tarball FROM deployments WHERE function_id = ?1 AND source_tarball IS NOT NULL
                     ORDER BY created_ms DESC, rowid DESC LIMIT 1",
                    [&f.id],
                    |r| r.get(0),
                )
                .optional()?;
            match gs {
                Some(gs) => load_object(c, &gs),
                None => Ok(None),
            }
        })
        .await?
        .ok_or_else(|| ApiError::not_found("Source"))?;
    let files = tokio::task::spawn_blocking(move || tarball::unpack(&data, false))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::bad_request("source", format!("the deployed tarball cannot be shown: {}", e.message)))?;
    let mut map = Map::new();
    for f in files {
        match String::from_utf8(f.data) {
            Ok(text) if !text.contains('\0') => {
                map.insert(f.path, Value::String(text));
            }
            _ => {
                return Err(ApiError::bad_request(
                    format!("files.{}", f.path),
                    format!("{} is a binary file: the source editor shows text files only", f.path),
                ))
            }
        }
    }
    ok(json!({ "files": map }))
}

pub async fn update(st: AppState, rq: Req) -> ApiResult {
    let files_v = rq.b("files").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut files = Vec::with_capacity(files_v.len());
    for (path, v) in &files_v {
        let text = v.as_str().unwrap_or_default();
        if text.contains('\0') {
            return Err(ApiError::bad_request(format!("files.{path}"), format!("{path} is binary: text files only")));
        }
        files.push((path.clone(), text.as_bytes().to_vec()));
    }
    tarball::check_files(files.iter().map(|(p, d)| (p.as_str(), d.len() as u64)))
        .map_err(|e| ApiError::bad_request(e.path.map(|p| format!("files.{p}")).unwrap_or_else(|| "files".into()), e.message))?;
    check_can_deploy(&rq.account)?;
    let account = rq.account.clone();
    let id = rq.path("id").to_string();
    let gz = tokio::task::spawn_blocking(move || tarball::pack(&files))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::bad_request("files", e.message))?;
    let st2 = st.clone();
    let (fid, dep, name) = st
        .db
        .call(move |c| {
            let f = functions::load(c, &account.id, &id)?;
            deploy_chain::check_inflight(c, &st2, &account.id)?;
            let gs = gs_name(&deploy_chain::object_path(&account.id, &f.id));
            store_object(c, &account.id, &gs, &gz)?;
            let dep = deploy_chain::begin(c, &st2, &account.id, &f.id, &gs, "source-editor")?;
            Ok((f.id, dep, f.name))
        })
        .await?;
    build_sim::spawn(&st, dep.clone());
    ok(accepted(&fid, &dep, &name))
}
