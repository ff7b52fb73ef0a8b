//! `_native.Client`: the core client behind the narrow waist. Every method
//! exists twice: blocking (GIL released, Ctrl-C honoured) and `*_async`
//! (an asyncio awaitable on the same runtime).
use crate::convert::{params_from_py, value_to_py, Outcome};
use crate::errors::{invalid_argument, to_py_err};
use crate::pack::ignore_patterns;
use crate::rt::{future_into_py, wait};
use crate::stream::EventStream;
use flowengine::deploy::ProgressFn;
use flowengine::tarball::PackOptions;
use flowengine::{Config, DeployOptions, DeployProgress, Error};
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The core client and the pid it was built in: a client built before
/// `fork()` holds a connection pool tied to the parent's runtime, so a child
/// rebuilds it from the same settings on first use.
struct Built {
    pid: u32,
    /// None once closed: the next call builds a fresh one.
    client: Option<flowengine::Client>,
}

#[pyclass(frozen, module = "flowengine._native")]
pub struct Client {
    config: Config,
    built: Mutex<Built>,
}

fn seconds(field: &str, value: Option<f64>) -> Result<Option<Duration>, Error> {
    match value {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(invalid_argument(field, format!("{field} must be a positive number of seconds, got {s}"))),
    }
}

impl Client {
    /// The core client for this process (rebuilt after fork).
    fn core(&self) -> Result<flowengine::Client, Error> {
        let pid = std::process::id();
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        if built.pid != pid {
            // Its pool belongs to the parent's runtime, whose threads do not
            // exist here: never run its destructors.
            std::mem::forget(built.client.take());
            built.pid = pid;
        }
        if let Some(client) = &built.client {
            return Ok(client.clone());
        }
        let client = flowengine::Client::new(self.config.clone())?;
        built.client = Some(client.clone());
        Ok(client)
    }

    fn core_py(&self, py: Python<'_>) -> PyResult<flowengine::Client> {
        self.core().map_err(|e| to_py_err(py, e))
    }
}

fn deploy_options(wait: bool, poll_interval: Option<f64>, wait_timeout: Option<f64>) -> Result<DeployOptions, Error> {
    let mut options = DeployOptions { wait, ..DeployOptions::default() };
    if let Some(d) = seconds("poll_interval", poll_interval)? {
        options.poll_interval = d;
    }
    if let Some(d) = seconds("wait_timeout", wait_timeout)? {
        options.wait_timeout = d;
    }
    Ok(options)
}

fn progress_json(p: &DeployProgress) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

fn outcome_json<T: serde::Serialize>(r: Result<T, Error>) -> Result<Value, Error> {
    r.map(|v| serde_json::to_value(v).unwrap_or(Value::Null))
}

#[pymethods]
impl Client {
    /// Settings not given are resolved by the core: argument >
    /// `FLOWENGINE_API_KEY` / `FLOWENGINE_BASE_URL` >
    /// `~/.flowengine/config.json` > `https://flowengine.cloud`.
    #[new]
    #[pyo3(signature = (api_key=None, base_url=None, timeout=None, max_retries=None, total_timeout=None, user_agent=None, config_file=None))]
    fn new(
        py: Python<'_>,
        api_key: Option<String>,
        base_url: Option<String>,
        timeout: Option<f64>,
        max_retries: Option<i64>,
        total_timeout: Option<f64>,
        user_agent: Option<String>,
        config_file: Option<PathBuf>,
    ) -> PyResult<Client> {
        let build = || -> Result<Client, Error> {
            let max_retries = match max_retries {
                None => None,
                Some(n) if (0..=u32::MAX as i64).contains(&n) => Some(n as u32),
                Some(n) => return Err(invalid_argument("max_retries", format!("max_retries must be zero or more, got {n}"))),
            };
            let agent = format!("flowengine-python/{}", env!("CARGO_PKG_VERSION"));
            let config = Config {
                api_key,
                base_url,
                timeout: seconds("timeout", timeout)?,
                total_timeout: seconds("total_timeout", total_timeout)?,
                max_retries,
                user_agent: Some(match user_agent {
                    Some(extra) if !extra.is_empty() => format!("{extra} {agent}"),
                    _ => agent,
                }),
                config_file,
            };
            let client = flowengine::Client::new(config.clone())?;
            Ok(Client { config, built: Mutex::new(Built { pid: std::process::id(), client: Some(client) }) })
        };
        build().map_err(|e| to_py_err(py, e))
    }

    /// The resolved base URL (the key is never shown).
    #[getter]
    fn base_url(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.core_py(py)?.config().base_url.clone())
    }

    #[getter]
    fn has_api_key(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.core_py(py)?.config().api_key.is_some())
    }

    #[getter]
    fn timeout(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.core_py(py)?.config().timeout.as_secs_f64())
    }

    #[getter]
    fn max_retries(&self, py: Python<'_>) -> PyResult<u32> {
        Ok(self.core_py(py)?.config().max_retries)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let core = self.core_py(py)?;
        Ok(format!("<flowengine._native.Client base_url={:?}>", core.config().base_url))
    }

    /// Any non-stream operation, by operationId or public name, with params
    /// keyed by wire name; returns the response body.
    #[pyo3(signature = (operation, params=None))]
    fn call<'py>(&self, py: Python<'py>, operation: &str, params: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.core_py(py)?;
        let params = params_from_py(params).map_err(|e| to_py_err(py, e))?;
        let result = wait(py, client.call(operation, params))?;
        match result {
            Ok(v) => value_to_py(py, &v),
            Err(e) => Err(to_py_err(py, e)),
        }
    }

    #[pyo3(signature = (operation, params=None))]
    fn call_async<'py>(&self, py: Python<'py>, operation: String, params: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.core_py(py)?;
        let params = params_from_py(params).map_err(|e| to_py_err(py, e))?;
        future_into_py(py, async move { Ok(Outcome(client.call(&operation, params).await)) })
    }

    /// Opens a stream operation (chat, log tail): the request is sent and
    /// its status checked before this returns.
    #[pyo3(signature = (operation, params=None))]
    fn stream(&self, py: Python<'_>, operation: &str, params: Option<&Bound<'_, PyAny>>) -> PyResult<EventStream> {
        let client = self.core_py(py)?;
        let params = params_from_py(params).map_err(|e| to_py_err(py, e))?;
        match wait(py, client.stream(operation, params))? {
            Ok(s) => Ok(EventStream::new(s)),
            Err(e) => Err(to_py_err(py, e)),
        }
    }

    #[pyo3(signature = (operation, params=None))]
    fn stream_async<'py>(&self, py: Python<'py>, operation: String, params: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.core_py(py)?;
        let params = params_from_py(params).map_err(|e| to_py_err(py, e))?;
        future_into_py(py, async move { Ok(crate::stream::Opened(client.stream(&operation, params).await)) })
    }

    /// A chat stream gathered into one reply:
    /// `{content, finish_reason, conversation_id, chunks}`.
    #[pyo3(signature = (operation, params=None))]
    fn collect<'py>(&self, py: Python<'py>, operation: &str, params: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.core_py(py)?;
        let params = params_from_py(params).map_err(|e| to_py_err(py, e))?;
        let result = wait(py, async move { outcome_json(flowengine::collect_chat(client.stream(operation, params).await?).await) })?;
        Outcome(result).into_pyobject(py)
    }

    #[pyo3(signature = (operation, params=None))]
    fn collect_async<'py>(&self, py: Python<'py>, operation: String, params: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.core_py(py)?;
        let params = params_from_py(params).map_err(|e| to_py_err(py, e))?;
        future_into_py(py, async move {
            let result = async { outcome_json(flowengine::collect_chat(client.stream(&operation, params).await?).await) }.await;
            Ok(Outcome(result))
        })
    }

    /// Packs `path`, uploads it through a signed URL and deploys it; with
    /// `wait`, returns once the function is ready (a failed build raises).
    /// `on_progress(dict)` is called on this thread, between waits; an
    /// exception it raises stops the deploy and propagates. `ignore` adds
    /// gitignore-style patterns to the folder's ignore files.
    #[pyo3(signature = (function_id, path, wait=true, on_progress=None, poll_interval=None, wait_timeout=None, ignore=None))]
    fn deploy_folder<'py>(
        &self,
        py: Python<'py>,
        function_id: String,
        path: PathBuf,
        wait: bool,
        on_progress: Option<Py<PyAny>>,
        poll_interval: Option<f64>,
        wait_timeout: Option<f64>,
        ignore: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.core_py(py)?;
        let mut options = deploy_options(wait, poll_interval, wait_timeout).map_err(|e| to_py_err(py, e))?;
        options.pack.extra_ignores = ignore_patterns(py, ignore)?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<DeployProgress>();
        if on_progress.is_some() {
            let report: ProgressFn = Arc::new(move |p: &DeployProgress| {
                let _ = tx.send(p.clone());
            });
            options.on_progress = Some(report);
        }
        let deploy = async move { outcome_json(client.deploy_folder(&function_id, &path, options).await) };
        let mut deploy = std::pin::pin!(deploy);
        enum Step {
            Done(Result<Value, Error>),
            Progress(DeployProgress),
        }
        loop {
            let step = crate::rt::wait(py, async {
                tokio::select! {
                    biased;
                    Some(p) = rx.recv() => Step::Progress(p),
                    r = &mut deploy => Step::Done(r),
                }
            })?;
            match step {
                Step::Progress(p) => {
                    if let Some(cb) = &on_progress {
                        cb.call1(py, (value_to_py(py, &progress_json(&p))?,))?;
                    }
                }
                Step::Done(r) => {
                    // Progress reported just before the end still reaches the callback.
                    while let Ok(p) = rx.try_recv() {
                        if let Some(cb) = &on_progress {
                            cb.call1(py, (value_to_py(py, &progress_json(&p))?,))?;
                        }
                    }
                    return Outcome(r).into_pyobject(py);
                }
            }
        }
    }

    /// The async deploy: `on_progress(dict)` runs on the event loop's thread
    /// (through `call_soon_threadsafe`).
    #[pyo3(signature = (function_id, path, wait=true, on_progress=None, poll_interval=None, wait_timeout=None, ignore=None))]
    fn deploy_folder_async<'py>(
        &self,
        py: Python<'py>,
        function_id: String,
        path: PathBuf,
        wait: bool,
        on_progress: Option<Py<PyAny>>,
        poll_interval: Option<f64>,
        wait_timeout: Option<f64>,
        ignore: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.core_py(py)?;
        let mut options = deploy_options(wait, poll_interval, wait_timeout).map_err(|e| to_py_err(py, e))?;
        options.pack.extra_ignores = ignore_patterns(py, ignore)?;
        if let Some(cb) = on_progress {
            let event_loop = pyo3_async_runtimes::get_running_loop(py)?.unbind();
            let report: ProgressFn = Arc::new(move |p: &DeployProgress| {
                let value = progress_json(p);
                crate::rt::from_worker(|| {
                    Python::attach(|py| {
                        let sent = value_to_py(py, &value).and_then(|arg| event_loop.call_method1(py, "call_soon_threadsafe", (cb.clone_ref(py), arg)));
                        if let Err(e) = sent {
                            e.print(py);
                        }
                    })
                });
            });
            options.on_progress = Some(report);
        }
        future_into_py(py, async move { Ok(Outcome(outcome_json(client.deploy_folder(&function_id, &path, options).await))) })
    }

    /// `POST /api/v1/functions/upload`: the folder as a multipart upload;
    /// `ignore` adds gitignore-style patterns to the folder's ignore files.
    #[pyo3(signature = (path, name=None, runtime=None, ignore=None))]
    fn upload_folder<'py>(&self, py: Python<'py>, path: PathBuf, name: Option<String>, runtime: Option<String>, ignore: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.core_py(py)?;
        let pack = PackOptions { extra_ignores: ignore_patterns(py, ignore)?, ..PackOptions::default() };
        let result = wait(py, async move { client.upload_folder(&path, name.as_deref(), runtime.as_deref(), &pack).await })?;
        Outcome(result).into_pyobject(py)
    }

    #[pyo3(signature = (path, name=None, runtime=None, ignore=None))]
    fn upload_folder_async<'py>(&self, py: Python<'py>, path: PathBuf, name: Option<String>, runtime: Option<String>, ignore: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.core_py(py)?;
        let pack = PackOptions { extra_ignores: ignore_patterns(py, ignore)?, ..PackOptions::default() };
        future_into_py(py, async move { Ok(Outcome(client.upload_folder(&path, name.as_deref(), runtime.as_deref(), &pack).await)) })
    }

    /// Releases the connection pool (calls in flight keep theirs until they
    /// end). The client stays usable: a later call opens new connections.
    fn close(&self) {
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        if built.pid == std::process::id() {
            built.client = None;
        }
    }
}

/// Every operation the core dispatches: `[(operation_id, group, method), ...]`.
#[pyfunction]
pub fn operations(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let items: Vec<(&str, &str, &str)> = flowengine::dispatch::OPERATIONS.iter().map(|o| (o.id, o.group, o.name)).collect();
    PyList::new(py, items)
}
