//! The one handler every spec operation goes through: authenticate, read
//! and validate the parameters and body against the operation's schemas,
//! then call the operation's handler. Validation lives here once, driven by
//! the spec, instead of once per route.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::accounts::Account;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::routes;
use crate::spec::{Location, Operation};
use crate::state::AppState;
use crate::validate::Violation;

/// Bodies are read whole; the largest legitimate one is a source map of 100 MB of text.
pub const MAX_BODY: usize = 128 * 1024 * 1024;

/// A validated request.
pub struct Req {
    pub account: Account,
    pub path: HashMap<String, String>,
    pub query: HashMap<String, Value>,
    pub headers: HeaderMap,
    /// The JSON body (`Null` when the operation takes none).
    pub body: Value,
    /// The untouched request, for the multipart operation.
    pub raw: Option<Request>,
    /// The base URL clients reach this sandbox at (for upload URLs).
    pub base_url: String,
}

impl Req {
    pub fn path(&self, name: &str) -> &str {
        self.path.get(name).map(String::as_str).unwrap_or("")
    }
    pub fn query_str(&self, name: &str) -> Option<&str> {
        self.query.get(name).and_then(Value::as_str)
    }
    /// An integer query parameter, saturated to i64.
    pub fn query_i64(&self, name: &str) -> Option<i64> {
        self.query.get(name).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    }
    pub fn query_bool(&self, name: &str) -> Option<bool> {
        self.query.get(name).and_then(Value::as_bool)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// A body property, `None` when absent (it has passed the schema already).
    pub fn b(&self, name: &str) -> Option<&Value> {
        self.body.get(name)
    }
    pub fn b_str(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
    /// Integers may arrive as `2.0`, which JSON Schema counts as an integer.
    pub fn b_i64(&self, name: &str) -> Option<i64> {
        self.body.get(name).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    }
}

pub async fn handle(
    st: AppState,
    op: Arc<Operation>,
    raw: Result<RawPathParams, RawPathParamsRejection>,
    req: Request,
) -> Response {
    let resp = match run(&st, &op, raw, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    if st.config.check_responses {
        crate::respcheck::check(&st, &op, resp).await
    } else {
        resp
    }
}

fn invalid(op: &Operation, v: Violation, location: Location) -> ApiError {
    // A malformed id names nothing that exists: 404 where the operation declares no 400.
    if location == Location::Path && !op.declares(400) {
        return ApiError::not_found("Resource");
    }
    ApiError::bad_request(v.field, v.message)
}

/// Reads a rejected request's body to its end (at most [`DRAIN_LIMIT`] bytes,
/// for at most [`DRAIN_TIME`]) before the answer: a server that closes with
/// unread bytes makes the kernel reset the connection, and a client still
/// sending a large body (a folder upload) then loses the answer to a broken
/// pipe. Front ends of hosted APIs read the body too.
async fn drain(req: Request) {
    use futures::StreamExt;
    let mut body = req.into_body().into_data_stream();
    let mut read = 0usize;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(chunk)) = body.next().await {
            read += chunk.len();
            if read > DRAIN_LIMIT {
                break;
            }
        }
    })
    .await;
}

const DRAIN_LIMIT: usize = 128 << 20;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

async fn run(
    st: &AppState,
    op: &Arc<Operation>,
    raw: Result<RawPathParams, RawPathParamsRejection>,
    req: Request,
) -> ApiResult {
    let account = match auth::authenticate(st, req.headers()).await {
        Ok(account) => account,
        Err(e) => {
            drain(req).await;
            return Err(e);
        }
    };
    let spec = &st.spec;

    // axum has percent-decoded the path parameters already; invalid UTF-8 is a rejection.
    let raw = raw.map_err(|e| invalid(op, Violation { field: "path".into(), message: e.body_text() }, Location::Path))?;
    let path: HashMap<String, String> = raw.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();

    let mut raw_query: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(q) = req.uri().query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            raw_query.entry(k.into_owned()).or_default().push(v.into_owned());
        }
    }

    let mut query = HashMap::new();
    for p in &op.params {
        let raw_value: Option<String> = match p.location {
            Location::Path => path.get(&p.name).cloned(),
            Location::Query => match raw_query.get(&p.name) {
                Some(vs) if vs.len() > 1 => {
                    return Err(ApiError::bad_request(&p.name, format!("{} must be given once", p.name)));
                }
                Some(vs) => vs.first().cloned(),
                None => None,
            },
            Location::Header => match req.headers().get(&p.name) {
                Some(h) => Some(
                    h.to_str()
                        .map_err(|_| ApiError::bad_request(&p.name, format!("{} must be ASCII", p.name)))?
                        .to_string(),
                ),
                None => None,
            },
            Location::Cookie => None,
        };
        let Some(raw_value) = raw_value else {
            if p.required {
                return Err(invalid(op, Violation { field: p.name.clone(), message: format!("{} is required", p.name) }, p.location));
            }
            continue;
        };
        let value = spec.coerce(&p.schema, &raw_value, &p.name).map_err(|v| invalid(op, v, p.location))?;
        spec.check(&p.schema, &value, &p.name).map_err(|v| invalid(op, v, p.location))?;
        if p.location == Location::Query {
            query.insert(p.name.clone(), value);
        }
    }

    let headers = req.headers().clone();
    let base_url = base_url(st, &headers);
    let mut body = Value::Null;
    let mut raw_req = None;
    match &op.body {
        Some(b) if b.media == "application/json" => {
            let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
                .await
                .map_err(|_| ApiError::bad_request("body", "the body is too large or could not be read"))?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                if b.required {
                    return Err(ApiError::bad_request("body", "a JSON body is required"));
                }
            } else {
                // Like the service, the body is read as JSON whatever its Content-Type says.
                body = serde_json::from_slice(&bytes)
                    .map_err(|e| ApiError::bad_request("body", format!("the body is not valid JSON: {e}")))?;
                spec.check(&b.schema, &body, "").map_err(|v| ApiError::bad_request(v.field, v.message))?;
            }
        }
        Some(_) => raw_req = Some(req),
        None => {}
    }

    let rq = Req { account, path, query, headers, body, raw: raw_req, base_url };
    match routes::handler(&op.id) {
        Some(h) => h(st.clone(), rq).await,
        None => Err(ApiError::internal(format!("operation {} is not implemented", op.id))),
    }
}

fn base_url(st: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &st.config.public_url {
        return u.trim_end_matches('/').to_string();
    }
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(h) if !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()) => format!("http://{h}"),
        _ => st.bound_url.to_string(),
    }
}

pub fn json(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

pub fn ok(v: Value) -> ApiResult {
    Ok(json(StatusCode::OK, v))
}

pub fn created(v: Value) -> ApiResult {
    Ok(json(StatusCode::CREATED, v))
}

/// A `text/event-stream` response from a stream of frames.
pub fn sse<S>(stream: S) -> Response
where
    S: futures::Stream<Item = Result<bytes::Bytes, std::convert::Infallible>> + Send + 'static,
{
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-accel-buffering", "no")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| ApiError::internal("could not build the stream").into_response())
}
