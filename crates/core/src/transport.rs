//! The one transport every request goes through: progenitor's generated
//! client calls it (as its `ClientHooks::exec`), and so do the hand-written
//! paths (streams, uploads). It adds the key, sets timeouts, applies the
//! retry policy, logs through tracing with the key redacted, and turns any
//! error body (JSON, HTML, empty) into the spec's JSON error shape so that
//! no error is lost to a parse failure.
use crate::config::Resolved;
use crate::error::Error;
use crate::retry::{self, Outcome};
use bytes::Bytes;
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use std::time::Duration;

/// Progenitor's "inner type": the transport state the generated client carries.
#[derive(Clone)]
pub struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    auth: Option<HeaderValue>,
    pub(crate) timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) max_retries: u32,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth.as_ref().map(|_| "Bearer (redacted)"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

/// Whether a request may run long (a stream) or has the total limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Ordinary,
    Stream,
}

/// Installs ring as rustls's provider once (reqwest is built without one).
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Another library may have installed one first: that is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Transport {
    pub fn new(cfg: &Resolved) -> Result<Transport, Error> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.timeout)
            // reqwest's read timeout restarts at every successful read: it is
            // the "gap between bytes" bound for heads, bodies and streams.
            .read_timeout(cfg.timeout)
            .tls_backend_rustls()
            .build()
            .map_err(Error::from_reqwest)?;
        let auth = match &cfg.api_key {
            Some(key) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {key}"))
                    .map_err(|_| Error::invalid_argument("api_key", "the API key contains characters a header cannot carry"))?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        Ok(Transport {
            http,
            base_url: cfg.base_url.clone(),
            auth,
            timeout: cfg.timeout,
            total_timeout: cfg.total_timeout,
            max_retries: cfg.max_retries,
        })
    }

    pub fn has_key(&self) -> bool {
        self.auth.is_some()
    }

    /// Sends a FlowEngine API request: adds the key, applies the retry
    /// policy and the timeouts, and normalizes error bodies.
    pub async fn execute(&self, mut request: reqwest::Request, shape: Shape) -> reqwest::Result<reqwest::Response> {
        if let Some(auth) = &self.auth {
            request.headers_mut().insert(AUTHORIZATION, auth.clone());
        }
        self.execute_unauthenticated(request, shape).await
    }

    /// Sends a request with no FlowEngine credentials (the signed upload URL
    /// belongs to a storage host), with the same retries and timeouts.
    pub async fn execute_unauthenticated(&self, mut request: reqwest::Request, shape: Shape) -> reqwest::Result<reqwest::Response> {
        if shape == Shape::Ordinary {
            *request.timeout_mut() = Some(self.total_timeout);
        }
        let method = request.method().clone();
        let mut retry = 0u32;
        loop {
            let spare = if retry < self.max_retries { request.try_clone() } else { None };
            tracing::debug!(target: "flowengine", method = %method, url = %redact_url(request.url()), attempt = retry + 1, headers = %ShownHeaders(request.headers()), "request");
            let sent = std::time::Instant::now();
            let result = self.http.execute(request).await;
            match &result {
                Ok(resp) => tracing::debug!(target: "flowengine", status = resp.status().as_u16(), request_id = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-"), elapsed_ms = sent.elapsed().as_millis() as u64, "response"),
                Err(e) => tracing::debug!(target: "flowengine", error = %e.without_url_ref(), "transport error"),
            }
            if let Some(next) = spare {
                if let Some(wait) = retry_wait(&method, &result, retry) {
                    tracing::debug!(target: "flowengine", ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                    request = next;
                    retry += 1;
                    continue;
                }
            }
            return match result {
                Ok(resp) if resp.status().as_u16() >= 400 => Ok(normalize_error_body(resp).await),
                other => other,
            };
        }
    }
}

/// How long to wait before repeating a request after attempt `retry`
/// (0-based) gave `result`, or None when the policy says not to repeat it.
/// The caller checks that it has retries left.
pub(crate) fn retry_wait(method: &http::Method, result: &reqwest::Result<reqwest::Response>, retry: u32) -> Option<Duration> {
    let (outcome, retry_after) = match result {
        Ok(resp) => (Outcome::Status(resp.status().as_u16()), resp.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(crate::error::parse_retry_after)),
        Err(e) if e.is_connect() => (Outcome::ConnectFailed, None),
        Err(_) => (Outcome::TransportFailed, None),
    };
    let failed = !matches!(outcome, Outcome::Status(s) if s < 400);
    if !(failed && retry::should_retry(method, outcome)) {
        return None;
    }
    retry::delay(retry, retry_after, rand::random::<f64>())
}

/// Signed URLs carry their signature in the query: logs show only the path.
/// Request headers for the debug log: credentials are never shown.
struct ShownHeaders<'a>(&'a http::HeaderMap);

impl std::fmt::Display for ShownHeaders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, value)) in self.0.iter().enumerate() {
            let shown = if name == AUTHORIZATION || name.as_str().contains("key") || name.as_str().contains("token") || name == http::header::COOKIE {
                "(redacted)"
            } else {
                value.to_str().unwrap_or("(binary)")
            };
            write!(f, "{}{name}: {shown}", if i == 0 { "" } else { ", " })?;
        }
        Ok(())
    }
}

fn redact_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    if url.query().is_some() {
        shown.set_query(Some("(redacted)"));
    }
    shown.to_string()
}

trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}
impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut s = self.to_string();
        if let Some(url) = self.url() {
            s = s.replace(url.as_str(), &redact_url(url));
        }
        s
    }
}

/// Buffers an error response and makes sure its body is the spec's JSON
/// error object, so that the generated client decodes it into
/// `ErrorResponse` instead of failing on HTML or an empty body.
async fn normalize_error_body(resp: reqwest::Response) -> reqwest::Response {
    let status = resp.status();
    let version = resp.version();
    let mut headers = resp.headers().clone();
    let body: Bytes = match resp.bytes().await {
        Ok(b) => b,
        Err(e) => Bytes::from(format!("(the error body could not be read: {})", e.without_url())),
    };
    // Exactly what the generated client will decode, or it would fail with a
    // decode error and lose the status; anything else (HTML, empty, JSON of
    // another shape) is rebuilt from what the lenient reading found in it.
    let is_error_json = serde_json::from_slice::<crate::generated::types::Error>(&body).is_ok();
    let body = if is_error_json {
        body
    } else {
        let e = Error::from_response_parts(status.as_u16(), &headers, &body);
        let json = serde_json::json!({
            "success": false,
            "error": e.code.clone().unwrap_or_else(|| format!("http_{}", status.as_u16())),
            "message": e.message,
            "field": e.field,
            "code": e.code,
            "upgrade_url": e.upgrade_url,
        });
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Bytes::from(json.to_string())
    };
    headers.remove(http::header::CONTENT_LENGTH);
    headers.remove(http::header::TRANSFER_ENCODING);
    headers.remove(http::header::CONTENT_ENCODING);
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    reqwest::Response::from(rebuilt)
}

/// The generated client's hooks: every generated call goes through [`Transport::execute`].
impl progenitor_client::ClientHooks<Transport> for crate::generated::Client {
    async fn exec(&self, request: reqwest::Request, info: &progenitor_client::OperationInfo) -> reqwest::Result<reqwest::Response> {
        use progenitor_client::ClientInfo;
        let shape = if crate::dispatch::is_stream_operation(info.operation_id) { Shape::Stream } else { Shape::Ordinary };
        self.inner().execute(request, shape).await
    }
}
