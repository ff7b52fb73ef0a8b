//! The deploy chain (DESIGN.md "Deploy chain"): pack -> request a signed
//! URL -> PUT the tarball to the storage host (no FlowEngine credentials) ->
//! trigger with `sourceTarball` -> optionally wait for ready or failed,
//! reporting progress. Also the hand-written multipart folder upload.
use crate::error::{Error, ErrorKind};
use crate::tarball::{self, PackError, PackOptions, PackPlan};
use crate::transport::Shape;
use crate::Client;
use futures::TryStreamExt;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Where a deploy stands, for progress bars.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum DeployProgress {
    /// The folder was checked: what will be uploaded.
    Packed { files: usize, bytes: u64, compressed_bytes: u64 },
    /// Bytes of the tarball sent to the storage host so far.
    Uploading { sent: u64, total: u64 },
    /// The build was triggered.
    Triggered { deployment_id: String },
    /// The function's status while waiting.
    Building { status: String },
    Ready { url: Option<String> },
}

pub type ProgressFn = Arc<dyn Fn(&DeployProgress) + Send + Sync>;

#[derive(Clone)]
pub struct DeployOptions {
    pub pack: PackOptions,
    /// Wait until the function is `ready` (or `failed`, which is an error).
    pub wait: bool,
    pub poll_interval: Duration,
    /// How long to wait for the build at most.
    pub wait_timeout: Duration,
    pub on_progress: Option<ProgressFn>,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions { pack: PackOptions::default(), wait: true, poll_interval: Duration::from_secs(1), wait_timeout: Duration::from_secs(900), on_progress: None }
    }
}

/// What a finished deploy returns.
#[derive(Debug, Clone, Serialize)]
pub struct DeployOutcome {
    pub function_id: String,
    pub deployment_id: String,
    /// `building`/`creating` when not waiting; `ready` after a wait.
    pub status: String,
    pub url: Option<String>,
    pub files: usize,
    pub bytes: u64,
    pub compressed_bytes: u64,
}

/// A packing failure as the SDK's error: an invalid_argument naming the file
/// at fault, or `ignore` (a bad pattern) or `output` (the archive's writer).
pub fn pack_error(e: PackError) -> Error {
    let field = match &e {
        PackError::InvalidIgnorePattern { .. } => "ignore".to_string(),
        PackError::Write { .. } => "output".to_string(),
        _ => e.path().map(str::to_string).unwrap_or_else(|| "path".to_string()),
    };
    Error::invalid_argument(field, e.to_string())
}

/// Plans a folder (walk + every limit), off the async runtime.
pub async fn plan(path: &Path, options: &PackOptions) -> Result<PackPlan, Error> {
    let path = path.to_path_buf();
    let options = options.clone();
    tokio::task::spawn_blocking(move || tarball::plan_folder(&path, &options))
        .await
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("packing stopped: {e}")))?
        .map_err(pack_error)
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

impl Client {
    /// Packs `path`, uploads it through a signed URL and deploys it to
    /// `function_id`; with `wait`, returns once the function is ready (a
    /// failed build is an error carrying the build log's tail).
    pub async fn deploy_folder(&self, function_id: &str, path: &Path, options: DeployOptions) -> Result<DeployOutcome, Error> {
        self.scrub(self.deploy_folder_unscrubbed(function_id, path, options).await)
    }

    async fn deploy_folder_unscrubbed(&self, function_id: &str, path: &Path, options: DeployOptions) -> Result<DeployOutcome, Error> {
        self.require_key()?;
        let report = |p: DeployProgress| {
            if let Some(f) = &options.on_progress {
                f(&p);
            }
        };
        // Every local check runs before anything is sent.
        let plan = plan(path, &options.pack).await?;
        let (files, bytes) = (plan.file_count(), plan.total_bytes());
        if files == 0 {
            return Err(Error::invalid_argument("path", format!("{} has no files to deploy", path.display())));
        }
        // The tarball goes to a temporary file: bounded memory whatever the
        // folder size, and a known Content-Length for the storage host.
        let (tmp, compressed) = tokio::task::spawn_blocking(move || -> Result<(tempfile::NamedTempFile, u64), Error> {
            let tmp = tempfile::NamedTempFile::new().map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("cannot create a temporary file: {e}")))?;
            let file = tmp.reopen().map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("cannot write a temporary file: {e}")))?;
            let n = plan.write_tar_gz(std::io::BufWriter::new(file)).map_err(pack_error)?;
            Ok((tmp, n))
        })
        .await
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("packing stopped: {e}")))??;
        report(DeployProgress::Packed { files, bytes, compressed_bytes: compressed });

        let upload = self.call("deployFunction", json!({ "id": function_id })).await?;
        let (Some(upload_url), Some(source)) = (text(&upload, "uploadUrl"), text(&upload, "sourceTarball")) else {
            return Err(Error::decode("the deploy endpoint did not return an uploadUrl and sourceTarball"));
        };
        self.put_tarball(&upload_url, tmp.path(), compressed, &report).await?;

        let started = self.call("deployFunction", json!({ "id": function_id, "sourceTarball": source })).await?;
        let deployment_id = text(&started, "deployment_id").unwrap_or_default();
        report(DeployProgress::Triggered { deployment_id: deployment_id.clone() });
        let mut outcome = DeployOutcome {
            function_id: function_id.to_string(),
            deployment_id,
            status: text(&started, "status").unwrap_or_else(|| "building".into()),
            url: None,
            files,
            bytes,
            compressed_bytes: compressed,
        };
        if options.wait {
            let function = self.wait_for_deploy(function_id, &outcome.deployment_id, &options, &report).await?;
            outcome.status = text(&function, "status").unwrap_or_default();
            outcome.url = text(&function, "url");
        }
        Ok(outcome)
    }

    /// PUTs the tarball to the signed URL: streamed from the file, with
    /// `Content-Type: application/gzip`, and without the Authorization
    /// header (the URL belongs to a storage host). A streamed body cannot be
    /// replayed by the transport, so the retry policy is applied here, each
    /// attempt reading the file again.
    async fn put_tarball(&self, url: &str, file: &Path, len: u64, report: &(dyn Fn(DeployProgress) + Sync)) -> Result<(), Error> {
        let url = reqwest::Url::parse(url).map_err(|e| Error::decode(format!("the upload URL is not a URL: {e}")))?;
        let max_retries = self.transport().max_retries;
        let mut retry = 0u32;
        let resp = loop {
            let result = self.put_tarball_once(&url, file, len, report).await?;
            if retry < max_retries {
                if let Some(wait) = crate::transport::retry_wait(&http::Method::PUT, &result, retry) {
                    tracing::debug!(target: "flowengine", ?wait, "retrying the upload");
                    tokio::time::sleep(wait).await;
                    retry += 1;
                    continue;
                }
            }
            break result.map_err(Error::from_reqwest)?;
        };
        report(DeployProgress::Uploading { sent: len, total: len });
        if resp.status().as_u16() >= 300 {
            let mut e = Error::from_response(resp).await;
            e.message = format!("the upload to the storage host failed: {}", e.message);
            return Err(e);
        }
        Ok(())
    }

    /// One upload attempt (no retries), reporting the bytes sent as it goes.
    async fn put_tarball_once(&self, url: &reqwest::Url, file: &Path, len: u64, report: &(dyn Fn(DeployProgress) + Sync)) -> Result<reqwest::Result<reqwest::Response>, Error> {
        use futures::StreamExt;
        let f = tokio::fs::File::open(file).await.map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("cannot read the packed tarball: {e}")))?;
        let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = sent.clone();
        let body = tokio_util::io::ReaderStream::with_capacity(f, 64 * 1024).map(move |chunk| {
            if let Ok(c) = &chunk {
                counter.fetch_add(c.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
            chunk
        });
        let transport = self.transport();
        let request = transport
            .http
            .put(url.clone())
            .header(http::header::CONTENT_TYPE, "application/gzip")
            .header(http::header::CONTENT_LENGTH, len)
            .body(reqwest::Body::wrap_stream(body))
            .build()
            .map_err(Error::from_reqwest)?;
        let send = transport.execute_unauthenticated(request, Shape::Ordinary);
        tokio::pin!(send);
        let mut ticker = tokio::time::interval(Duration::from_millis(100));
        Ok(loop {
            tokio::select! {
                r = &mut send => break r,
                _ = ticker.tick() => report(DeployProgress::Uploading { sent: sent.load(std::sync::atomic::Ordering::Relaxed), total: len }),
            }
        })
    }

    async fn wait_for_deploy(&self, function_id: &str, deployment_id: &str, options: &DeployOptions, report: &(dyn Fn(DeployProgress) + Sync)) -> Result<Value, Error> {
        let deadline = tokio::time::Instant::now() + options.wait_timeout;
        let mut last_status = String::new();
        loop {
            let function = self.call("getFunction", json!({ "id": function_id })).await?;
            // A redeploy of a ready function: until the function reports this
            // deployment as its latest, its `ready` is the previous build's.
            let latest = function["latest_deployment"]["id"].as_str();
            let stale = !deployment_id.is_empty() && latest.is_some_and(|id| id != deployment_id);
            let status = if stale { "queued".to_string() } else { text(&function, "status").unwrap_or_default() };
            match status.as_str() {
                "ready" => {
                    report(DeployProgress::Ready { url: text(&function, "url") });
                    return Ok(function);
                }
                "failed" => return Err(self.deploy_failure(function_id, &function).await),
                _ => {}
            }
            if status != last_status {
                report(DeployProgress::Building { status: status.clone() });
                last_status = status;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::new(ErrorKind::Timeout, format!("the deploy of {function_id} was still `{last_status}` after {:?}", options.wait_timeout)));
            }
            tokio::time::sleep(options.poll_interval).await;
        }
    }

    /// A failed build as an error with the reason and the last log lines.
    async fn deploy_failure(&self, function_id: &str, function: &Value) -> Error {
        let reason = function["latest_deployment"]["error"].as_str().unwrap_or("the build failed").to_string();
        let since = function["latest_deployment"]["created_at"].as_str();
        let tail = match self.call("getFunctionLogs", json!({ "id": function_id })).await {
            Ok(logs) => logs["logs"].as_array().map(|entries| build_log_tail(entries, since)).unwrap_or_default(),
            Err(e) => format!("(the build log could not be read: {e})"),
        };
        let mut message = format!("the deploy of {function_id} failed: {reason}");
        if !tail.is_empty() {
            message.push_str("\n--- build log (last lines) ---\n");
            message.push_str(&tail);
        }
        Error::new(ErrorKind::DeployFailed, message)
    }

    /// `POST /api/v1/functions/upload`: the folder as multipart parts, one
    /// per file, each named by its relative path (written by hand: progenitor
    /// does not generate multipart bodies). Same limits as `deploy_folder`.
    pub async fn upload_folder(&self, path: &Path, name: Option<&str>, runtime: Option<&str>, pack: &PackOptions) -> Result<Value, Error> {
        self.scrub(self.upload_folder_unscrubbed(path, name, runtime, pack).await)
    }

    async fn upload_folder_unscrubbed(&self, path: &Path, name: Option<&str>, runtime: Option<&str>, pack: &PackOptions) -> Result<Value, Error> {
        self.require_key()?;
        let plan = plan(path, pack).await?;
        if plan.file_count() == 0 {
            return Err(Error::invalid_argument("path", format!("{} has no files to upload", path.display())));
        }
        // Name and runtime are checked like every other param: through the spec's types.
        if let Some(n) = name {
            serde_json::from_value::<crate::generated::types::FunctionName>(json!(n)).map_err(|e| Error::invalid_argument("name", format!("`name` is invalid: {e}")))?;
        }
        if let Some(r) = runtime {
            serde_json::from_value::<crate::generated::types::Runtime>(json!(r)).map_err(|e| Error::invalid_argument("runtime", format!("`runtime` is invalid: {e}")))?;
        }
        // Part names are relative paths: send them as they are, not as
        // RFC 2231 `name*=` (which multipart/form-data parsers ignore).
        let mut form = reqwest::multipart::Form::new().percent_encode_noop();
        if let Some(n) = name {
            form = form.text("name", n.to_string());
        }
        if let Some(r) = runtime {
            form = form.text("runtime", r.to_string());
        }
        for file in plan.files() {
            // Each file is opened when its part is sent, not all up front: a
            // folder of thousands of files must not hit the open-file limit.
            let source = file.source_path().to_path_buf();
            let opened = futures::stream::once(async move { tokio::fs::File::open(source).await });
            let body = reqwest::Body::wrap_stream(opened.map_ok(tokio_util::io::ReaderStream::new).try_flatten());
            let part = reqwest::multipart::Part::stream_with_length(body, file.size()).file_name(file.path().to_string());
            form = form.part(file.path().to_string(), part);
        }
        let transport = self.transport();
        let request = transport
            .http
            .post(format!("{}/api/v1/functions/upload", transport.base_url))
            .multipart(form)
            .build()
            .map_err(Error::from_reqwest)?;
        let resp = transport.execute(request, Shape::Ordinary).await.map_err(Error::from_reqwest)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(Error::from_reqwest)?;
        if status >= 400 {
            return Err(Error::from_response_parts(status, &headers, &body));
        }
        serde_json::from_slice(&body).map_err(|e| Error::decode(format!("the upload answer is not JSON ({e}): {}", crate::error::snippet(&body))))
    }
}

/// Lines of a failed build's log shown in its error.
const BUILD_LOG_LINES: usize = 20;

/// The last [`BUILD_LOG_LINES`] messages of this deployment: a function's log
/// also holds its earlier deployments' builds, so entries older than the
/// deployment's `created_at` are left out (when both times parse; otherwise
/// the last lines of the whole log are the best there is).
fn build_log_tail(entries: &[Value], since: Option<&str>) -> String {
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    let since = since.and_then(parse);
    let lines: Vec<&str> = entries
        .iter()
        .filter(|e| match (since, e["timestamp"].as_str().and_then(parse)) {
            (Some(since), Some(at)) => at >= since,
            _ => true,
        })
        .filter_map(|e| e["message"].as_str())
        .collect();
    lines[lines.len().saturating_sub(BUILD_LOG_LINES)..].join("\n")
}

#[cfg(test)]
mod build_log_tests {
    use super::*;

    #[test]
    fn only_this_deployments_lines_are_kept() {
        let entries = vec![
            json!({"timestamp": "2026-12-03T10:00:00Z", "message": "old build failed"}),
            json!({"timestamp": "2026-12-03T10:05:00.500Z", "message": "queued"}),
            json!({"timestamp": "2026-12-03T10:05:01Z", "message": "new build failed"}),
        ];
        assert_eq!(build_log_tail(&entries, Some("2026-12-03T10:05:00Z")), "queued\nnew build failed");
        // Without a creation time (or one that does not parse) the whole log's tail is shown.
        assert_eq!(build_log_tail(&entries, None), "old build failed\nqueued\nnew build failed");
        assert_eq!(build_log_tail(&entries, Some("yesterday")), "old build failed\nqueued\nnew build failed");
    }

    #[test]
    fn at_most_the_last_lines() {
        let entries: Vec<Value> = (0..50).map(|i| json!({"timestamp": "2026-12-03T10:05:01Z", "message": format!("line {i}")})).collect();
        let tail = build_log_tail(&entries, Some("2026-12-03T10:05:00Z"));
        assert_eq!(tail.lines().count(), BUILD_LOG_LINES);
        assert!(tail.ends_with("line 49"));
    }
}
