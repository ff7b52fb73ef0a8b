//! The one error body of the spec (`components/schemas/Error`) and the
//! statuses that carry it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

pub const PRICING_URL: &str = "https://flowengine.cloud/#pricing";
pub const FUNCTIONS_PRICING_URL: &str = "https://flowengine.cloud/pricing?tab=functions";
pub const BILLING_URL: &str = "https://flowengine.cloud/settings/billing";

/// A failed request, rendered as the spec's Error body. Boxed, so that
/// `Result<_, ApiError>` stays one pointer wide on the error side.
#[derive(Debug, Clone)]
pub struct ApiError(Box<ErrorBody>);

/// The fields of an [`ApiError`] (reached through `Deref`).
#[derive(Debug, Clone)]
pub struct ErrorBody {
    pub status: StatusCode,
    pub error: String,
    pub message: String,
    pub field: Option<String>,
    pub code: Option<String>,
    pub upgrade_required: Option<bool>,
    pub upgrade_url: Option<String>,
    pub retry_after: Option<u64>,
}

pub type ApiResult<T = Response> = Result<T, ApiError>;

impl std::ops::Deref for ApiError {
    type Target = ErrorBody;
    fn deref(&self) -> &ErrorBody {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorBody {
        &mut self.0
    }
}

impl ApiError {
    pub fn new(status: StatusCode, error: &str, message: impl Into<String>) -> Self {
        ApiError(Box::new(ErrorBody {
            status,
            error: error.to_string(),
            message: message.into(),
            field: None,
            code: None,
            upgrade_required: None,
            upgrade_url: None,
            retry_after: None,
        }))
    }
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "bad_request", message);
        e.field = Some(field.into());
        e
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Missing or invalid API key")
    }
    pub fn payment_required(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::PAYMENT_REQUIRED, "payment_required", message);
        e.upgrade_url = Some(BILLING_URL.to_string());
        e
    }
    pub fn forbidden(message: impl Into<String>, upgrade_url: &str) -> Self {
        let mut e = Self::new(StatusCode::FORBIDDEN, "forbidden", message);
        e.upgrade_url = Some(upgrade_url.to_string());
        e
    }
    /// The tier gate: 403 with `upgrade_required` and `upgrade_url`.
    pub fn upgrade_required(error: &str, message: impl Into<String>, upgrade_url: &str) -> Self {
        let mut e = Self::new(StatusCode::FORBIDDEN, error, message);
        e.upgrade_required = Some(true);
        e.upgrade_url = Some(upgrade_url.to_string());
        e
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::CONFLICT, "conflict", message);
        e.code = Some(code.to_string());
        e
    }
    pub fn too_many(message: impl Into<String>, retry_after: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
        e.retry_after = Some(retry_after);
        e
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", message)
    }

    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("success".into(), json!(false));
        m.insert("error".into(), json!(self.error));
        m.insert("message".into(), json!(self.message));
        if let Some(f) = &self.field {
            m.insert("field".into(), json!(f));
        }
        if let Some(c) = &self.code {
            m.insert("code".into(), json!(c));
        }
        if let Some(u) = self.upgrade_required {
            m.insert("upgrade_required".into(), json!(u));
        }
        if let Some(u) = &self.upgrade_url {
            m.insert("upgrade_url".into(), json!(u));
        }
        Value::Object(m)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.error, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!("database error: {e}");
        ApiError::internal("database error")
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        tracing::error!("json error: {e}");
        ApiError::internal("serialization error")
    }
}
