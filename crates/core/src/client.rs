//! `flowengine::Client`: progenitor's typed client (through `Deref`) plus
//! the narrow waist (`call`, `stream`) and the helpers every language uses.
use crate::config::{Config, Resolved};
use crate::dispatch;
use crate::error::{Error, ErrorKind};
use crate::generated;
use crate::stream::{self, EventStream, StreamItem};
use crate::transport::Transport;
use futures::stream::{BoxStream, StreamExt};
use serde_json::{json, Value};
use std::sync::Arc;

/// A FlowEngine client. Cheap to clone; clones share one connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), flowengine::Error> {
/// let fe = flowengine::Client::new(flowengine::Config::default())?;
/// // Typed, generated from the spec:
/// let functions = fe.list_functions().await?.into_inner();
/// // The narrow waist every binding uses:
/// let user = fe.call("getUser", serde_json::json!({})).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    api: generated::Client,
    config: Resolved,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).finish()
    }
}

impl std::ops::Deref for Client {
    type Target = generated::Client;
    fn deref(&self) -> &generated::Client {
        &self.inner.api
    }
}

impl Client {
    /// Builds a client; settings not given come from the environment, the
    /// config file, then the defaults (see [`Config::resolve`]).
    pub fn new(config: Config) -> Result<Client, Error> {
        crate::logging::init_from_env();
        let resolved = config.resolve()?;
        let transport = Transport::new(&resolved)?;
        let api = generated::Client::new_with_client(&resolved.base_url, transport.http.clone(), transport);
        Ok(Client { inner: Arc::new(Inner { api, config: resolved }) })
    }

    /// A client configured from the environment and the config file only.
    pub fn from_env() -> Result<Client, Error> {
        Client::new(Config::default())
    }

    /// The generated client (also reachable through `Deref`).
    pub fn api(&self) -> &generated::Client {
        &self.inner.api
    }

    pub fn config(&self) -> &Resolved {
        &self.inner.config
    }

    pub(crate) fn transport(&self) -> &Transport {
        use progenitor_client::ClientInfo;
        self.inner.api.inner()
    }

    pub(crate) fn require_key(&self) -> Result<(), Error> {
        if self.transport().has_key() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Authentication,
            "no API key: pass api_key, set FLOWENGINE_API_KEY, or run `fe login` (it writes ~/.flowengine/config.json)",
        ))
    }

    /// Any non-stream operation of the spec, by `operationId` (`listFunctions`)
    /// or public name (`functions.list`), with params keyed by their wire
    /// names (path, query and header params, and the body's fields).
    ///
    /// A multipart operation (the folder upload) takes `path` (the folder),
    /// its form fields (`name`, `runtime`) and `ignore` (extra patterns), and
    /// is sent by [`Client::upload_folder`].
    pub async fn call(&self, operation: &str, params: Value) -> Result<Value, Error> {
        self.require_key()?;
        if dispatch::operation(operation).is_some_and(|meta| meta.multipart) {
            return self.call_upload(params).await;
        }
        self.scrub(dispatch::call(&self.inner.api, operation, params).await)
    }

    async fn call_upload(&self, params: Value) -> Result<Value, Error> {
        let mut p = match params {
            Value::Object(m) => m,
            other => return Err(Error::invalid_argument("params", format!("params must be an object, got {other}"))),
        };
        let text = |p: &mut serde_json::Map<String, Value>, key: &str| -> Result<Option<String>, Error> {
            match p.remove(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(other) => Err(Error::invalid_argument(key, format!("`{key}` must be a string, got {other}"))),
            }
        };
        let path = text(&mut p, "path")?.ok_or_else(|| Error::invalid_argument("path", "`path` (the folder to upload) is required"))?;
        let name = text(&mut p, "name")?;
        let runtime = text(&mut p, "runtime")?;
        let mut pack = crate::tarball::PackOptions::default();
        match p.remove("ignore") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::String(s) => pack.extra_ignores.push(s),
                        other => return Err(Error::invalid_argument("ignore", format!("`ignore` must be a list of patterns, got {other}"))),
                    }
                }
            }
            Some(other) => return Err(Error::invalid_argument("ignore", format!("`ignore` must be a list of patterns, got {other}"))),
        }
        if let Some(unknown) = p.keys().next() {
            return Err(Error::invalid_argument(unknown.as_str(), format!("the folder upload has no parameter `{unknown}` (it takes: path, name, runtime, ignore)")));
        }
        self.upload_folder(std::path::Path::new(&path), name.as_deref(), runtime.as_deref(), &pack).await
    }

    /// Keeps the API key out of an error's text, however the server
    /// answered (see [`Error::without_secret`]).
    pub(crate) fn scrub<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        result.map_err(|e| e.without_secret(self.inner.config.api_key.as_deref()))
    }

    /// A stream operation: `chat` (chunks) or `getFunctionLogs` with
    /// `tail: true` (lines; `tail` is implied).
    pub async fn stream(&self, operation: &str, params: Value) -> Result<EventStream, Error> {
        let key = self.inner.config.api_key.clone();
        let stream = self.scrub(self.open_stream(operation, params).await)?;
        // Errors inside the stream too (a reconnection's answer, say).
        Ok(EventStream::new(stream.into_inner().map(move |item| item.map_err(|e| e.without_secret(key.as_deref()))).boxed()))
    }

    async fn open_stream(&self, operation: &str, params: Value) -> Result<EventStream, Error> {
        self.require_key()?;
        let meta = dispatch::operation(operation)
            .ok_or_else(|| Error::invalid_argument("operation", format!("unknown operation `{operation}`")))?;
        let Some(stream_meta) = &meta.stream else {
            return Err(Error::invalid_argument("operation", format!("{} is not a stream: use call()", meta.id)));
        };
        let mut params = match params {
            Value::Object(m) => m,
            Value::Null => Default::default(),
            other => return Err(Error::invalid_argument("params", format!("params must be an object, got {other}"))),
        };
        for (k, v) in stream_meta.when {
            params.insert((*k).to_string(), serde_json::from_str(v).unwrap_or(Value::Null));
        }
        let p = dispatch::Params::new(meta, Value::Object(params))?;
        let mut request = dispatch::stream_request_generated(&self.inner.api, meta, p)?;
        let transport = self.transport();
        let mut url = reqwest::Url::parse(&format!("{}{}", transport.base_url, request.path))
            .map_err(|e| Error::invalid_argument("base_url", format!("cannot build the URL of {}: {e}", meta.id)))?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(request.query.iter());
        }
        match stream_meta.items {
            // The log tail reconnects by itself, resuming with Last-Event-ID.
            "log_lines" if meta.method.eq_ignore_ascii_case("get") && request.body.is_none() => {
                let last = request.take_header("Last-Event-ID");
                Ok(stream::log_tail(transport.clone(), url.to_string(), last))
            }
            "chat_chunks" => {
                let method = http::Method::from_bytes(meta.method.to_ascii_uppercase().as_bytes())
                    .map_err(|e| Error::invalid_argument("operation", format!("{}: bad method in the spec: {e}", meta.id)))?;
                let mut builder = transport.http.request(method, url).header(http::header::ACCEPT, "text/event-stream");
                for (name, value) in &request.headers {
                    builder = builder.header(name.as_str(), value.as_str());
                }
                if let Some(body) = &request.body {
                    builder = builder.json(body);
                }
                let req = builder.build().map_err(Error::from_reqwest)?;
                let resp = transport.execute(req, crate::transport::Shape::Stream).await.map_err(Error::from_reqwest)?;
                if resp.status().as_u16() >= 400 {
                    return Err(Error::from_response(resp).await);
                }
                let headers = resp.headers().clone();
                Ok(stream::chat_from_response(&headers, resp.bytes_stream().boxed()))
            }
            other => Err(Error::invalid_argument("operation", format!("{}: no stream reader for `{other}` items with {} (chat_chunks; log_lines over GET)", meta.id, meta.method))),
        }
    }

    /// Streams a chat reply: `message`, `model` (`regular` or `boost`),
    /// optional `conversation_id`.
    pub async fn chat_stream(&self, message: &str, model: &str, conversation_id: Option<&str>) -> Result<EventStream, Error> {
        let mut params = json!({ "message": message, "model": model });
        if let Some(c) = conversation_id {
            params["conversation_id"] = json!(c);
        }
        self.stream("chat", params).await
    }

    /// The whole chat reply, collected from the stream.
    pub async fn chat_send(&self, message: &str, model: &str, conversation_id: Option<&str>) -> Result<ChatReply, Error> {
        collect_chat(self.chat_stream(message, model, conversation_id).await?).await
    }

    /// Tails a function's logs (one item per line; resumes after drops).
    pub async fn tail_logs(&self, function_id: &str) -> Result<EventStream, Error> {
        self.stream("getFunctionLogs", json!({ "id": function_id })).await
    }

    /// Every conversation, fetching pages of `page_size` by offset as needed.
    pub fn chats_iter(&self, page_size: u32) -> BoxStream<'static, Result<Value, Error>> {
        crate::paginate::chats(self.clone(), page_size)
    }
}

/// A chat reply gathered from its stream.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ChatReply {
    pub content: String,
    pub finish_reason: Option<String>,
    pub conversation_id: Option<String>,
    pub chunks: usize,
}

pub async fn collect_chat(mut s: EventStream) -> Result<ChatReply, Error> {
    let mut reply = ChatReply::default();
    while let Some(item) = s.next().await {
        if let StreamItem::Chunk(c) = item? {
            reply.content.push_str(&c.content);
            reply.chunks += 1;
            if c.finish_reason.is_some() {
                reply.finish_reason = c.finish_reason;
            }
            if c.conversation_id.is_some() {
                reply.conversation_id = c.conversation_id;
            }
        }
    }
    Ok(reply)
}

/// Percent-encodes one path segment.
pub(crate) fn url_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}
