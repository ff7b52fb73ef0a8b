//! Running a tool: the client it runs with, and one function per kind.
//! Every failure is a `flowengine::Error` (the server turns it into an
//! `isError` result); nothing here panics on bad input.
use crate::tools::{Kind, ToolSpec};
use flowengine::deploy::DeployProgress;
use flowengine::project;
use flowengine::{Client, Config, DeployOptions, Error, ErrorKind, StreamItem};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A progress message for the client (`notifications/progress`).
pub type Report = Arc<dyn Fn(String) + Send + Sync>;

/// The FlowEngine client the tools share. Configuration comes from the
/// core's resolution (FLOWENGINE_API_KEY, FLOWENGINE_BASE_URL,
/// ~/.flowengine/config.json). While no key is configured, every call
/// resolves it again, so that `fe login` takes effect without a restart.
pub struct Clients {
    config: Config,
    current: Mutex<Option<Client>>,
}

impl Clients {
    pub fn new(config: Config) -> Clients {
        Clients { config, current: Mutex::new(None) }
    }

    /// The client, or the configuration error that prevents one.
    pub fn get(&self) -> Result<Client, Error> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = current.as_ref() {
            if c.config().api_key.is_some() {
                return Ok(c.clone());
            }
        }
        let client = Client::new(self.config.clone())?;
        *current = Some(client.clone());
        Ok(client)
    }
}

/// Runs `tool` with `args` (the `tools/call` arguments).
pub async fn run(clients: &Clients, tool: &ToolSpec, args: Map<String, Value>, report: Option<Report>) -> Result<Value, Error> {
    let client = clients.get()?;
    match tool.kind {
        Kind::Call => {
            let mut params = args;
            for (k, v) in &tool.fixed {
                params.insert(k.clone(), v.clone());
            }
            client.call(&tool.operation, Value::Object(params)).await
        }
        Kind::ChatSend => {
            let stream = client.stream(&tool.operation, Value::Object(args)).await?;
            let reply = flowengine::collect_chat(stream).await?;
            Ok(serde_json::to_value(reply).unwrap_or(Value::Null))
        }
        Kind::LogsTail => logs_tail(&client, tool, args).await,
        Kind::DeployFolder => deploy_folder(&client, args, report).await,
        Kind::UploadFolder => {
            let mut a = Args::new(args);
            let path = folder(&a.string("path")?.unwrap_or_default())?;
            let name = a.string("name")?;
            let runtime = a.string("runtime")?;
            a.finish(&tool.name)?;
            client.upload_folder(&path, name.as_deref(), runtime.as_deref(), &project::pack_options()).await
        }
    }
}

/// Typed access to the arguments, with errors naming the argument.
struct Args {
    map: Map<String, Value>,
}

impl Args {
    fn new(map: Map<String, Value>) -> Args {
        Args { map }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name).filter(|v| !v.is_null())
    }

    fn string(&mut self, name: &str) -> Result<Option<String>, Error> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(Error::invalid_argument(name, format!("`{name}` must be a string, got {other}"))),
        }
    }

    fn boolean(&mut self, name: &str) -> Result<Option<bool>, Error> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(Error::invalid_argument(name, format!("`{name}` must be true or false, got {other}"))),
        }
    }

    fn number(&mut self, name: &str, min: f64, max: f64) -> Result<Option<f64>, Error> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) if n >= min && n <= max => Ok(Some(n)),
                _ => Err(Error::invalid_argument(name, format!("`{name}` must be a number from {min} to {max}, got {v}"))),
            },
        }
    }

    /// Fails on an argument the tool does not take.
    fn finish(self, tool: &str) -> Result<(), Error> {
        match self.map.keys().next() {
            Some(k) => Err(Error::invalid_argument(k.clone(), format!("{tool} has no argument `{k}`"))),
            None => Ok(()),
        }
    }
}

/// The CLI's link folder is the CLI's, never the function's.
/// A local folder from a path argument: `~` expanded, relative to the working directory.
fn folder(raw: &str) -> Result<PathBuf, Error> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Error::invalid_argument("path", "`path` is required: the local folder to send"));
    }
    let path = match raw.strip_prefix("~/").or(if raw == "~" { Some("") } else { None }) {
        Some(rest) => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(rest),
            None => PathBuf::from(raw),
        },
        None => PathBuf::from(raw),
    };
    let path = if path.is_absolute() { path } else { std::env::current_dir().map(|d| d.join(&path)).unwrap_or(path) };
    match std::fs::metadata(&path) {
        Ok(m) if m.is_dir() => Ok(path),
        Ok(_) => Err(Error::invalid_argument("path", format!("{} is not a folder", path.display()))),
        Err(e) => Err(Error::invalid_argument("path", format!("{} cannot be read: {e} (paths are on the machine the MCP server runs on)", path.display()))),
    }
}

/// `functions_logs_tail`: new lines until `max_lines` or `max_seconds`.
async fn logs_tail(client: &Client, tool: &ToolSpec, args: Map<String, Value>) -> Result<Value, Error> {
    let mut a = Args::new(args);
    let max_lines = a.number("max_lines", 1.0, 1000.0)?.map(|n| n as usize).unwrap_or(100);
    let max_seconds = a.number("max_seconds", 0.001, 300.0)?.unwrap_or(15.0);
    // What remains are the operation's params (the function id), checked by the core.
    let mut params = a.map;
    for (k, v) in &tool.fixed {
        params.insert(k.clone(), v.clone());
    }
    let mut stream = client.stream(&tool.operation, Value::Object(params)).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(max_seconds);
    let mut lines = Vec::new();
    let stopped = loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => break "max_seconds",
            Ok(None) => break "ended",
            Ok(Some(Ok(StreamItem::Line(line)))) => {
                lines.push(line);
                if lines.len() >= max_lines {
                    break "max_lines";
                }
            }
            Ok(Some(Ok(StreamItem::Chunk(_)))) => {}
            Ok(Some(Err(e))) if lines.is_empty() => return Err(e),
            Ok(Some(Err(e))) => {
                stream.close();
                return Ok(json!({ "lines": lines, "count": lines.len(), "stopped": "error", "error": e.to_string() }));
            }
        }
    };
    stream.close();
    Ok(json!({ "lines": lines, "count": lines.len(), "stopped": stopped }))
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// `functions_deploy_folder`: find or create the function, then the core's deploy chain.
async fn deploy_folder(client: &Client, args: Map<String, Value>, report: Option<Report>) -> Result<Value, Error> {
    let mut a = Args::new(args);
    let path = folder(&a.string("path")?.unwrap_or_default())?;
    let function_id = a.string("function_id")?;
    let name = a.string("name")?;
    let runtime = a.string("runtime")?;
    let wait = a.boolean("wait")?.unwrap_or(true);
    let wait_seconds = a.number("wait_seconds", 1.0, 3600.0)?.unwrap_or(600.0);
    a.finish("functions_deploy_folder")?;
    let say = |m: String| {
        if let Some(r) = &report {
            r(m);
        }
    };

    // The function: by id, by name (created when missing), by the folder's link, by the folder's name.
    let mut created = false;
    let function = match (&function_id, &name) {
        (Some(id), _) => client.call("getFunction", json!({ "id": id })).await?,
        (None, Some(n)) => find_or_create(client, &path, n, runtime.as_deref(), &mut created).await?,
        (None, None) => {
            let linked = match project::link(&path, &client.config().base_url) {
                Some(link) => match client.call("getFunction", json!({ "id": link.function_id })).await {
                    Ok(f) => Some(f),
                    Err(e) if e.kind == ErrorKind::NotFound => None,
                    Err(e) => return Err(e),
                },
                None => None,
            };
            match linked {
                Some(f) => f,
                None => {
                    let n = project::name_for(&path);
                    find_or_create(client, &path, &n, runtime.as_deref(), &mut created).await?
                }
            }
        }
    };
    let id = text(&function, "id");
    if let Some(r) = &runtime {
        let current = text(&function, "runtime");
        if !created && !current.is_empty() && r != &current {
            return Err(Error::invalid_argument(
                "runtime",
                format!("{} already runs {current} and a function's runtime cannot change: deploy under a new name, or delete it first", text(&function, "name")),
            ));
        }
    }
    if created {
        say(format!("created function {} ({id})", text(&function, "name")));
    }

    // Progress: phases for the result and for the client's progress notifications.
    let phases: Arc<Mutex<Vec<Value>>> = Arc::new(Mutex::new(Vec::new()));
    let on_progress = {
        let phases = phases.clone();
        let report = report.clone();
        let last_upload = Arc::new(Mutex::new((std::time::Instant::now() - Duration::from_secs(10), u64::MAX)));
        Arc::new(move |p: &DeployProgress| {
            let message = match p {
                DeployProgress::Packed { files, bytes, compressed_bytes } => format!("packed {files} files ({bytes} bytes, {compressed_bytes} compressed)"),
                DeployProgress::Uploading { sent, total } => {
                    // At most a few upload notes a second, and the last one once.
                    let mut last = last_upload.lock().unwrap_or_else(|e| e.into_inner());
                    if last.1 == *sent || (sent < total && last.0.elapsed() < Duration::from_millis(500)) {
                        return;
                    }
                    *last = (std::time::Instant::now(), *sent);
                    format!("uploading {sent}/{total} bytes")
                }
                DeployProgress::Triggered { deployment_id } => format!("deploy {deployment_id} triggered"),
                DeployProgress::Building { status } => format!("build status: {status}"),
                DeployProgress::Ready { url } => format!("ready at {}", url.as_deref().unwrap_or("(no URL)")),
            };
            if !matches!(p, DeployProgress::Uploading { .. }) {
                phases.lock().unwrap_or_else(|e| e.into_inner()).push(serde_json::to_value(p).unwrap_or(Value::Null));
            }
            if let Some(r) = &report {
                r(message);
            }
        }) as flowengine::deploy::ProgressFn
    };
    let options = DeployOptions {
        pack: project::pack_options(),
        wait,
        wait_timeout: Duration::from_secs_f64(wait_seconds),
        on_progress: Some(on_progress),
        ..DeployOptions::default()
    };
    let outcome = client.deploy_folder(&id, &path, options).await?;
    let mut result = serde_json::to_value(&outcome).unwrap_or_else(|_| json!({}));
    result["name"] = json!(text(&function, "name"));
    result["runtime"] = json!(text(&function, "runtime"));
    result["created"] = json!(created);
    result["folder"] = json!(path.display().to_string());
    result["progress"] = Value::Array(std::mem::take(&mut *phases.lock().unwrap_or_else(|e| e.into_inner())));
    Ok(result)
}

async fn find_or_create(client: &Client, path: &Path, name: &str, runtime: Option<&str>, created: &mut bool) -> Result<Value, Error> {
    let list = client.call("listFunctions", json!({})).await?;
    if let Some(f) = list["functions"].as_array().into_iter().flatten().find(|f| f["name"] == name) {
        return Ok(f.clone());
    }
    let runtime = match runtime {
        Some(r) => r.to_string(),
        None => project::detect_runtime(path)
            .ok_or_else(|| Error::invalid_argument("runtime", format!("cannot tell the runtime of {}: pass `runtime`", path.display())))?
            .to_string(),
    };
    let f = client.call("createFunction", json!({ "name": name, "runtime": runtime })).await?;
    *created = true;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_must_exist() {
        assert_eq!(folder("").unwrap_err().field.as_deref(), Some("path"));
        assert_eq!(folder("/definitely/not/here").unwrap_err().field.as_deref(), Some("path"));
        let d = tempfile::tempdir().unwrap();
        assert_eq!(folder(d.path().to_str().unwrap()).unwrap(), d.path());
        let f = d.path().join("file");
        std::fs::write(&f, "x").unwrap();
        assert!(folder(f.to_str().unwrap()).unwrap_err().message.contains("not a folder"));
    }

    #[test]
    fn unknown_arguments_are_named() {
        let mut a = Args::new(serde_json::from_value(json!({ "path": "/tmp", "bogus": 1 })).unwrap());
        assert_eq!(a.string("path").unwrap().as_deref(), Some("/tmp"));
        assert_eq!(a.finish("t").unwrap_err().field.as_deref(), Some("bogus"));
        let mut a = Args::new(serde_json::from_value(json!({ "wait": "yes", "n": 5000 })).unwrap());
        assert_eq!(a.boolean("wait").unwrap_err().field.as_deref(), Some("wait"));
        assert_eq!(a.number("n", 1.0, 10.0).unwrap_err().field.as_deref(), Some("n"));
    }
}
