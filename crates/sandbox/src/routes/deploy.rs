//! The five ways to ship code: the two-call deploy (upload URL, then
//! trigger), the multipart folder upload, GitHub and template forks. All
//! end in [`crate::deploy_chain::begin`] and a simulated build.

use serde_json::{json, Value};

use crate::accounts::Account;
use crate::build_sim;
use crate::deploy_chain::{self, accepted, check_can_deploy, gs_name, object_exists, store_object, tenant_prefix};
use crate::error::{ApiError, ApiResult};
use crate::request::{created, ok, Req};
use crate::routes::functions::{self, free_name, sanitize_name, NewFunction};
use crate::state::AppState;
use crate::tarball;
use crate::templates;

pub async fn deploy(st: AppState, rq: Req) -> ApiResult {
    let account = rq.account.clone();
    let id = rq.path("id").to_string();
    match rq.b_str("sourceTarball").map(str::to_string) {
        None => {
            // Step 1: a signed URL to PUT the tarball to.
            let (a, i) = (account.id.clone(), id.clone());
            st.db.call(move |c| functions::load(c, &a, &i).map(|_| ())).await?;
            check_can_deploy(&account)?;
            let object = deploy_chain::object_path(&account.id, &id);
            let (url, ttl) = deploy_chain::upload_url(&st, &rq.base_url, &object);
            ok(json!({ "uploadUrl": url, "sourceTarball": gs_name(&object), "expiresIn": ttl }))
        }
        Some(gs) => {
            // Step 3: build what was uploaded.
            let st2 = st.clone();
            let (dep, name) = st
                .db
                .call(move |c| {
                    let f = functions::load(c, &account.id, &id)?;
                    check_can_deploy(&account)?;
                    if !gs.starts_with(&tenant_prefix(&account.id)) {
                        return Err(ApiError::new(
                            axum::http::StatusCode::FORBIDDEN,
                            "forbidden",
                            "sourceTarball must lie under your own storage prefix (use the name step 1 returned)",
                        ));
                    }
                    if !object_exists(c, &gs)? {
                        return Err(ApiError::bad_request("sourceTarball", "nothing was uploaded to sourceTarball: PUT the tarball to uploadUrl first"));
                    }
                    let dep = deploy_chain::begin(c, &st2, &account.id, &f.id, &gs, "upload-url")?;
                    Ok((dep, f.name))
                })
                .await?;
            build_sim::spawn(&st, dep.clone());
            ok(accepted(rq.path("id"), &dep, &name))
        }
    }
}

/// Creates a function from `files` and starts its deploy, atomically with the checks.
async fn create_and_deploy(
    st: &AppState,
    account: &Account,
    name: Option<String>,
    default_name: String,
    runtime: String,
    files: Vec<(String, Vec<u8>)>,
    origin: &'static str,
) -> ApiResult {
    check_can_deploy(account)?;
    let gz = tokio::task::spawn_blocking(move || tarball::pack(&files))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::bad_request(e.path.unwrap_or_else(|| "files".into()), e.message))?;
    let (st2, account) = (st.clone(), account.clone());
    let (fid, dep, name) = st
        .db
        .call(move |c| {
            deploy_chain::check_inflight(c, &st2, &account.id)?;
            let name = match name {
                Some(n) => n,
                None => free_name(c, &account.id, &default_name)?,
            };
            let tx = c.transaction()?;
            let f = functions::insert(&tx, &account, &NewFunction { name, runtime, body: Value::Object(Default::default()) })?;
            let gs = gs_name(&deploy_chain::object_path(&account.id, &f.id));
            store_object(&tx, &account.id, &gs, &gz)?;
            tx.commit()?;
            let dep = deploy_chain::begin(c, &st2, &account.id, &f.id, &gs, origin)?;
            Ok((f.id, dep, f.name))
        })
        .await?;
    build_sim::spawn(st, dep.clone());
    created(accepted(&fid, &dep, &name))
}

pub async fn upload_folder(st: AppState, mut rq: Req) -> ApiResult {
    use axum::extract::FromRequest;
    let raw = rq.raw.take().ok_or_else(|| ApiError::bad_request("body", "a multipart/form-data body is required"))?;
    let mut mp = axum::extract::Multipart::from_request(raw, &())
        .await
        .map_err(|e| ApiError::bad_request("body", format!("a multipart/form-data body is required: {}", e.body_text())))?;
    let mut options = serde_json::Map::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0u64;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(ApiError::bad_request("body", format!("malformed multipart body: {}", e.body_text()))),
        };
        let name = match field.name() {
            Some(n) => n.to_string(),
            None => extended_name(field.headers()).unwrap_or_default(),
        };
        let is_file = field.file_name().is_some();
        let data = field.bytes().await.map_err(|e| ApiError::bad_request("body", format!("malformed multipart body: {}", e.body_text())))?;
        if !is_file && (name == "name" || name == "runtime") {
            let text = String::from_utf8(data.to_vec()).map_err(|_| ApiError::bad_request(&name, format!("{name} must be text")))?;
            options.insert(name, Value::String(text));
            continue;
        }
        tarball::check_path(&name).map_err(|e| ApiError::bad_request(if name.is_empty() { "files".to_string() } else { name.clone() }, e.message))?;
        total += data.len() as u64;
        tarball::check_files([(name.as_str(), data.len() as u64)]).map_err(|e| ApiError::bad_request(&name, e.message))?;
        if total > tarball::MAX_TOTAL {
            return Err(ApiError::bad_request(&name, "the files add up to more than 100 MB"));
        }
        if files.iter().any(|(p, _)| *p == name) {
            return Err(ApiError::bad_request(&name, format!("{name} is given twice")));
        }
        files.push((name, data.to_vec()));
    }
    // The text fields against the operation's schema (files are checked above).
    let options = Value::Object(options);
    if let Some(b) = st.spec.operation("uploadFunctionFolder").and_then(|o| o.body.clone()) {
        let props = st.spec.resolve(&b.schema).get("properties").cloned().unwrap_or(Value::Null);
        for (k, v) in options.as_object().into_iter().flatten() {
            if let Some(s) = props.get(k) {
                st.spec.check(s, v, k).map_err(|e| ApiError::bad_request(e.field, e.message))?;
            }
        }
    }
    let name = options.get("name").and_then(Value::as_str).map(str::to_string);
    let runtime = options.get("runtime").and_then(Value::as_str).unwrap_or("nodejs20").to_string();
    let default_name = format!("fn-{}", crate::util::alnum_token(6));
    create_and_deploy(&st, &rq.account, name, default_name, runtime, files, "folder-upload").await
}

/// The part name from an RFC 5987 `name*=utf-8''<percent-encoded>` parameter,
/// which reqwest writes for names outside its attribute characters (any path
/// with a `/`), and which multer does not read.
fn extended_name(headers: &axum::http::HeaderMap) -> Option<String> {
    let cd = headers.get(axum::http::header::CONTENT_DISPOSITION)?.to_str().ok()?;
    let value = cd.split(';').map(str::trim).find_map(|p| p.strip_prefix("name*="))?;
    let (charset, rest) = value.split_once('\'')?;
    let encoded = rest.split_once('\'').map(|(_lang, v)| v)?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    percent_encoding::percent_decode_str(encoded.trim_matches('"')).decode_utf8().ok().map(|s| s.into_owned())
}

/// `owner/name`, `owner/name#branch` or `https://github.com/owner/name` (the pattern has been checked).
fn parse_repo(repo: &str) -> (String, String, Option<String>) {
    let rest = repo.strip_prefix("https://github.com/").unwrap_or(repo);
    let (path, branch) = match rest.split_once('#') {
        Some((p, b)) => (p, Some(b.to_string())),
        None => (rest, None),
    };
    let (owner, name) = path.split_once('/').unwrap_or((path, ""));
    (owner.to_string(), name.trim_end_matches(".git").to_string(), branch)
}

pub async fn github(st: AppState, rq: Req) -> ApiResult {
    let repo = rq.b_str("repo").unwrap_or_default();
    let (owner, name, hash_branch) = parse_repo(repo);
    let branch = rq.b_str("branch").map(str::to_string).or(hash_branch).unwrap_or_else(|| "main".into());
    let runtime = rq.b_str("runtime").unwrap_or("nodejs20").to_string();
    let files = templates::github_placeholder(&runtime, &format!("{owner}/{name}"), &branch);
    create_and_deploy(
        &st,
        &rq.account,
        rq.b_str("name").map(str::to_string),
        sanitize_name(&name),
        runtime,
        files,
        "github",
    )
    .await
}

pub async fn fork_template(st: AppState, rq: Req) -> ApiResult {
    let slug = rq.path("slug");
    let t = templates::find(slug).ok_or_else(|| ApiError::not_found("Template"))?;
    let runtime = rq.b_str("runtime").unwrap_or(t.runtime).to_string();
    create_and_deploy(&st, &rq.account, rq.b_str("name").map(str::to_string), t.slug.to_string(), runtime, t.owned_files(), "template").await
}
