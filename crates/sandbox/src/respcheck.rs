//! Optional self-check (`SandboxConfig::check_responses`): every response is
//! compared with what the spec declares for its operation and status; a
//! mismatch becomes a 500 naming the problem, so tests catch the sandbox
//! drifting from the contract.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::ApiError;
use crate::spec::Operation;
use crate::state::AppState;

pub async fn check(st: &AppState, op: &Operation, resp: Response) -> Response {
    let status = resp.status();
    let Some(media) = op.responses.get(status.as_str()).or_else(|| op.responses.get("default")) else {
        return fail(op, format!("status {status} is not declared"));
    };
    let ctype = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    if media.is_empty() {
        return resp;
    }
    let Some(schema) = media.get(&ctype) else {
        return fail(op, format!("content type {ctype:?} is not declared for {status}"));
    };
    if ctype != "application/json" {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return fail(op, format!("unreadable body: {e}")),
    };
    let v: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return fail(op, format!("body is not JSON: {e}")),
    };
    if let Err(e) = st.spec.check(schema, &v, "") {
        return fail(op, format!("{status} body breaks the spec at {}: {} (body: {v})", e.field, e.message));
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn fail(op: &Operation, msg: String) -> Response {
    tracing::error!("response check failed for {}: {msg}", op.id);
    let mut e = ApiError::internal(format!("sandbox response check failed for {}: {msg}", op.id));
    e.status = StatusCode::INTERNAL_SERVER_ERROR;
    e.into_response()
}
