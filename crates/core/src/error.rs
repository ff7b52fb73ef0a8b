//! The one error type of the SDK. Every failure — an API error body, a
//! transport failure, a bad argument caught before sending — becomes an
//! [`Error`] with a [`ErrorKind`] that each language maps to its idiomatic
//! error classes. Messages never contain the API key or a signed URL.
use serde::Serialize;
use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    BadRequest,
    Authentication,
    PaymentRequired,
    PermissionDenied,
    NotFound,
    Conflict,
    RateLimited,
    Server,
    Connection,
    Timeout,
    Decode,
    InvalidArgument,
    Stream,
    /// A deploy reached `failed`; the message carries the build log's tail.
    DeployFailed,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Authentication => "authentication",
            ErrorKind::PaymentRequired => "payment_required",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Connection => "connection",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Stream => "stream",
            ErrorKind::DeployFailed => "deploy_failed",
        }
    }

    /// The kind an HTTP error status maps to.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            400 | 405 | 406 | 410..=418 | 422 => ErrorKind::BadRequest,
            401 => ErrorKind::Authentication,
            402 => ErrorKind::PaymentRequired,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            408 => ErrorKind::Timeout,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::BadRequest,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One error, whatever went wrong. Fields that do not apply are `None`.
#[derive(Debug, Clone, Serialize)]
pub struct Error {
    pub kind: ErrorKind,
    /// The HTTP status, when a response was received.
    pub status: Option<u16>,
    /// The body's `code` (e.g. `no_eligible_sender`), or its `error` when that is a code.
    pub code: Option<String>,
    pub message: String,
    /// The offending parameter (400 `field`, or the argument named client-side).
    pub field: Option<String>,
    pub upgrade_url: Option<String>,
    /// How long the server asked to wait, in seconds (`Retry-After`).
    pub retry_after: Option<f64>,
    pub request_id: Option<String>,
}

impl std::error::Error for Error {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{} ({status}): {}", self.kind, self.message)?,
            None => write!(f, "{}: {}", self.kind, self.message)?,
        }
        if let Some(field) = &self.field {
            write!(f, " [field: {field}]")?;
        }
        if let Some(code) = &self.code {
            write!(f, " [code: {code}]")?;
        }
        if let Some(url) = &self.upgrade_url {
            write!(f, " [upgrade: {url}]")?;
        }
        if let Some(secs) = self.retry_after {
            write!(f, " [retry after {secs}s]")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id: {id}]")?;
        }
        Ok(())
    }
}

/// The longest body excerpt an error message carries.
pub const SNIPPET_CHARS: usize = 200;

/// A short, single-line excerpt of a body for messages (char-boundary safe).
pub fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > SNIPPET_CHARS {
        let cut: String = flat.chars().take(SNIPPET_CHARS).collect();
        format!("{cut}… ({} bytes in all)", bytes.len())
    } else {
        flat
    }
}

impl Error {
    /// The error with every occurrence of `secret` (the API key) replaced by
    /// its redacted form: a server may echo the request, headers included,
    /// into an error body or a page that becomes this error's text.
    pub fn without_secret(mut self, secret: Option<&str>) -> Error {
        // (A key too short to be one is left alone: replacing it would mangle text.)
        let Some(secret) = secret.filter(|s| s.len() >= 8) else {
            return self;
        };
        let redacted = crate::config::redact(secret);
        for text in [Some(&mut self.message), self.code.as_mut(), self.field.as_mut(), self.upgrade_url.as_mut(), self.request_id.as_mut()]
            .into_iter()
            .flatten()
        {
            if text.contains(secret) {
                *text = text.replace(secret, &redacted);
            }
        }
        self
    }

    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            status: None,
            code: None,
            message: message.into(),
            field: None,
            upgrade_url: None,
            retry_after: None,
            request_id: None,
        }
    }

    /// A bad argument caught before anything was sent.
    pub fn invalid_argument(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error { field: Some(field.into()), ..Error::new(ErrorKind::InvalidArgument, message) }
    }

    pub fn decode(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Decode, message)
    }

    pub fn stream(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Stream, message)
    }

    /// From an error status and its body (JSON error body, HTML page, or nothing).
    pub fn from_response_parts(status: u16, headers: &http::HeaderMap, body: &[u8]) -> Error {
        let mut err = Error::new(ErrorKind::from_status(status), String::new());
        err.status = Some(status);
        err.request_id = header(headers, "x-request-id").or_else(|| header(headers, "request-id"));
        err.retry_after = header(headers, "retry-after").and_then(|v| parse_retry_after(&v)).map(|d| d.as_secs_f64());
        let reason = http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => {
                let text = |k: &str| map.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let error = text("error");
                let message = text("message");
                err.field = text("field");
                err.upgrade_url = text("upgrade_url");
                err.code = text("code").or_else(|| error.clone().filter(|e| is_code(e)));
                err.message = match (message, error) {
                    (Some(m), _) => m,
                    (None, Some(e)) => e,
                    (None, None) => format!("HTTP {status} {reason}: {}", snippet(body)),
                };
            }
            _ if body.iter().all(u8::is_ascii_whitespace) => {
                err.message = format!("HTTP {status} {reason} (empty body)");
            }
            _ => err.message = format!("HTTP {status} {reason}: {}", snippet(body)),
        }
        if err.kind == ErrorKind::Server && err.message.to_lowercase().contains("credit") {
            err.message.push_str(" (check the balance with account.credits)");
        }
        err
    }

    /// From a transport failure. The URL is dropped: a signed URL is a secret.
    pub fn from_reqwest(e: reqwest::Error) -> Error {
        let kind = if e.is_timeout() {
            ErrorKind::Timeout
        } else if e.is_decode() {
            ErrorKind::Decode
        } else if e.is_builder() {
            ErrorKind::InvalidArgument
        } else {
            ErrorKind::Connection
        };
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        let mut err = Error::new(kind, message);
        err.status = e.status().map(|s| s.as_u16());
        err
    }

    /// Marks the error as coming from a stream that was already running.
    pub fn in_stream(mut self) -> Error {
        if matches!(self.kind, ErrorKind::Connection | ErrorKind::Decode) {
            self.kind = ErrorKind::Stream;
        }
        self
    }
}

/// `error` values that read like codes (`no_eligible_sender`), not titles.
fn is_code(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn header(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        // (Clamped: `from_secs_f64` panics past Duration's range, and any
        // wait this long is far beyond what is honoured anyway.)
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(u32::MAX as f64)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

impl Error {
    /// Like `From`, but reads the body of an undeclared status, so that its
    /// message is not lost.
    pub async fn from_progenitor(e: progenitor_client::Error<crate::generated::types::Error>) -> Error {
        match e {
            progenitor_client::Error::UnexpectedResponse(resp) if !resp.status().is_success() => Error::from_response(resp).await,
            other => Error::from(other),
        }
    }

    /// From an error response read to its end (error bodies are small).
    pub async fn from_response(resp: reqwest::Response) -> Error {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap_or_default();
        Error::from_response_parts(status, &headers, &body)
    }
}

impl From<progenitor_client::Error<crate::generated::types::Error>> for Error {
    fn from(e: progenitor_client::Error<crate::generated::types::Error>) -> Error {
        use progenitor_client::Error as P;
        match e {
            P::ErrorResponse(rv) => {
                let status = rv.status().as_u16();
                let headers = rv.headers().clone();
                let body = serde_json::to_vec(&rv.into_inner()).unwrap_or_default();
                Error::from_response_parts(status, &headers, &body)
            }
            P::InvalidRequest(m) => Error::new(ErrorKind::InvalidArgument, m),
            P::CommunicationError(e) | P::InvalidUpgrade(e) => Error::from_reqwest(e),
            P::ResponseBodyError(e) => Error::from_reqwest(e).in_stream(),
            P::InvalidResponsePayload(bytes, e) => {
                Error::decode(format!("the response did not match the spec ({e}): {}", snippet(&bytes)))
            }
            P::UnexpectedResponse(resp) => {
                // The transport already buffered error bodies; an undeclared
                // status still carries its status and headers.
                let status = resp.status().as_u16();
                let mut err = Error::from_response_parts(status, resp.headers(), b"");
                if resp.status().is_success() {
                    err.kind = ErrorKind::Decode;
                    err.message = format!("unexpected success status {status} for this operation");
                }
                err
            }
            P::Custom(m) => Error::new(ErrorKind::Connection, m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, http::HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn json_error_bodies_map_every_field() {
        let body = br#"{"success":false,"error":"Boost mode unavailable","upgrade_required":true,"upgrade_url":"https://flowengine.cloud/#pricing"}"#;
        let e = Error::from_response_parts(403, &headers(&[("x-request-id", "req_1")]), body);
        assert_eq!(e.kind, ErrorKind::PermissionDenied);
        assert_eq!(e.message, "Boost mode unavailable");
        assert_eq!(e.upgrade_url.as_deref(), Some("https://flowengine.cloud/#pricing"));
        assert_eq!(e.request_id.as_deref(), Some("req_1"));
        assert_eq!(e.code, None, "a title is not a code");

        let e = Error::from_response_parts(400, &headers(&[]), br#"{"error":"bad_request","message":"memory too big","field":"memory"}"#);
        assert_eq!((e.kind, e.field.as_deref(), e.code.as_deref()), (ErrorKind::BadRequest, Some("memory"), Some("bad_request")));

        let e = Error::from_response_parts(409, &headers(&[]), br#"{"error":"conflict","code":"no_eligible_sender","message":"quota"}"#);
        assert_eq!((e.kind, e.code.as_deref()), (ErrorKind::Conflict, Some("no_eligible_sender")));

        let e = Error::from_response_parts(429, &headers(&[("retry-after", "7")]), br#"{"error":"Too many concurrent deploys"}"#);
        assert_eq!((e.kind, e.retry_after), (ErrorKind::RateLimited, Some(7.0)));
        assert_eq!(e.message, "Too many concurrent deploys");
    }

    #[test]
    fn html_and_empty_bodies_keep_their_status() {
        let html = b"<!DOCTYPE html><html><head><title>404: This page could not be found</title></head><body>...</body></html>";
        let e = Error::from_response_parts(404, &headers(&[]), html);
        assert_eq!((e.kind, e.status), (ErrorKind::NotFound, Some(404)));
        assert!(e.message.starts_with("HTTP 404 Not Found: <!DOCTYPE html>"), "{}", e.message);
        let e = Error::from_response_parts(502, &headers(&[]), b"");
        assert_eq!(e.message, "HTTP 502 Bad Gateway (empty body)");
        assert_eq!(e.kind, ErrorKind::Server);
    }

    #[test]
    fn snippets_are_bounded_and_char_safe() {
        let long = "é".repeat(1000);
        let s = snippet(long.as_bytes());
        assert!(s.chars().count() < SNIPPET_CHARS + 40, "{s}");
        assert!(s.contains("2000 bytes in all"));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("soon"), None);
        let future = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
        let d = parse_retry_after(&future).unwrap();
        assert!(d <= Duration::from_secs(30) && d >= Duration::from_secs(28), "{d:?}");
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
    }

    #[test]
    fn display_carries_status_message_and_field() {
        let e = Error::from_response_parts(400, &http::HeaderMap::new(), br#"{"error":"bad_request","message":"bad","field":"cpu"}"#);
        assert_eq!(e.to_string(), "bad_request (400): bad [field: cpu] [code: bad_request]");
    }
}
