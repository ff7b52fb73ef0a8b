//! The MCP server: `tools/list` from the generated table, `tools/call`
//! through the core. A failing call is an `isError` result whose text is
//! the typed error (kind, status, message, field, code, upgrade_url,
//! retry_after, request id), never a protocol error or a crash: even a
//! panic inside a tool is caught and reported as a result.
use crate::run::{self, Clients, Report};
use crate::tools;
use flowengine::{Config, Error, ErrorKind};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{json, Map, Value};
use std::sync::Arc;

const INSTRUCTIONS: &str = "Tools for the user's FlowEngine account (https://flowengine.cloud): serverless functions \
(functions_*: create, deploy a local folder with functions_deploy_folder, logs, secrets, custom domains, usage, billing), \
FlowEngine AI chat (chat_send) and conversations (chats_*), hosting instances (instances_*, n8n_instances_*, provision_*), \
WhatsApp sessions and email. Tool names are <group>_<method>. Destructive tools (deletes, updates and replacements that \
overwrite what is there, stopping or restarting an instance) are marked with the destructive hint: confirm with the user first. A failing call returns isError with the API's status, message and, \
when there is one, the offending `field` or an `upgrade_url`.";

/// The server. Cheap to clone.
#[derive(Clone)]
pub struct FlowEngineMcp {
    clients: Arc<Clients>,
}

impl FlowEngineMcp {
    /// A server whose client comes from `config` plus the core's resolution
    /// (FLOWENGINE_API_KEY, FLOWENGINE_BASE_URL, ~/.flowengine/config.json).
    pub fn new(config: Config) -> FlowEngineMcp {
        FlowEngineMcp { clients: Arc::new(Clients::new(config)) }
    }

    /// The default configuration, identified as `flowengine-mcp/<version>`.
    pub fn from_env() -> FlowEngineMcp {
        FlowEngineMcp::new(Config { user_agent: Some(format!("flowengine-mcp/{}", env!("CARGO_PKG_VERSION"))), ..Config::default() })
    }

    /// One line about the configuration, for standard error at start (never the key).
    pub fn describe_config(&self) -> String {
        match self.clients.get() {
            Ok(c) => {
                let key = if c.config().api_key.is_some() { "an API key is configured" } else { "NO API key yet (tools will say so; run `fe login` or set FLOWENGINE_API_KEY)" };
                format!("{} tools for {}; {key}", tools::TOOLS.len(), c.config().base_url)
            }
            Err(e) => format!("{} tools; the configuration has a problem, every tool will report it: {e}", tools::TOOLS.len()),
        }
    }

    /// Runs a tool by name; `None` when there is no such tool.
    pub async fn call(&self, name: &str, args: Map<String, Value>, report: Option<Report>) -> Option<CallToolResult> {
        let tool = tools::find(name)?;
        let clients = self.clients.clone();
        // A task of its own, so that a panic is caught and reported.
        let handle = AbortOnDrop(tokio::spawn(async move { run::run(&clients, tool, args, report).await }));
        let result = match handle.join().await {
            Ok(r) => r,
            Err(e) => Err(Error::new(ErrorKind::Server, format!("flowengine-mcp: the tool {name} failed unexpectedly ({e}); please report this"))),
        };
        Some(match result {
            Ok(value) => success(value),
            Err(e) => failure(&e),
        })
    }
}

/// A task that stops when the call it serves is dropped (a cancelled request).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> Result<T, tokio::task::JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A result: the JSON as text, and as structured content when it is an object.
pub fn success(value: Value) -> CallToolResult {
    let text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string());
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    if value.is_object() {
        result.structured_content = Some(value);
    }
    result
}

/// What to do about an error, for the reader of the result.
fn hint(e: &Error) -> Option<&'static str> {
    match (e.kind, e.status) {
        (ErrorKind::Authentication, None) => Some(
            "This MCP server has no FlowEngine API key. Run `fe login` (it writes ~/.flowengine/config.json), or set FLOWENGINE_API_KEY in the server's environment (the \"env\" of its entry in claude_desktop_config.json); then call the tool again.",
        ),
        (ErrorKind::Authentication, Some(_)) => Some(
            "The API key was refused. Check FLOWENGINE_API_KEY (or run `fe login` again); keys start with fe_ and are case-sensitive.",
        ),
        (ErrorKind::PaymentRequired, _) | (ErrorKind::PermissionDenied, _) if e.upgrade_url.is_some() => {
            Some("The account needs an upgrade or a payment method: see upgrade_url.")
        }
        (ErrorKind::InvalidArgument, _) => Some("Nothing was sent: fix the argument named by `field` and call again."),
        _ => None,
    }
}

/// An `isError` result carrying the typed error.
pub fn failure(e: &Error) -> CallToolResult {
    let mut error = serde_json::to_value(e).unwrap_or_else(|_| json!({ "message": e.message }));
    // Only the fields that apply.
    if let Value::Object(m) = &mut error {
        m.retain(|_, v| !v.is_null());
    }
    if let Some(h) = hint(e) {
        error["hint"] = json!(h);
    }
    let mut text = format!("FlowEngine error: {e}");
    if let Some(h) = hint(e) {
        text.push('\n');
        text.push_str(h);
    }
    text.push_str("\n\n");
    text.push_str(&serde_json::to_string_pretty(&json!({ "error": error })).unwrap_or_default());
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(json!({ "error": error }));
    result
}

impl ServerHandler for FlowEngineMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("flowengine-mcp", env!("CARGO_PKG_VERSION"))
                    .with_title("FlowEngine")
                    .with_description("Manage a FlowEngine account: functions, deploys, logs, AI chat, hosting, WhatsApp and email."),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(&self, _request: Option<PaginatedRequestParams>, _context: RequestContext<RoleServer>) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(tools::list()))
    }

    async fn call_tool(&self, request: CallToolRequestParams, context: RequestContext<RoleServer>) -> Result<CallToolResponse, McpError> {
        let name = request.name.to_string();
        if tools::find(&name).is_none() {
            return Err(McpError::invalid_params(format!("unknown tool `{name}` (tools/list names every tool)"), None));
        }
        let args = request.arguments.unwrap_or_default();

        // Progress notes (a deploy's phases) go to the client when it asked for
        // them, in order, and all before the result.
        let mut forwarder = None;
        let report: Option<Report> = context.meta.get_progress_token().map(|token| {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
            let peer = context.peer.clone();
            forwarder = Some(tokio::spawn(async move {
                let mut n = 0.0;
                while let Some(message) = rx.recv().await {
                    n += 1.0;
                    let _ = peer.notify_progress(ProgressNotificationParam::new(token.clone(), n).with_message(message)).await;
                }
            }));
            Arc::new(move |m: String| {
                let _ = tx.send(m);
            }) as Report
        });

        let ct = context.ct.clone();
        let result = tokio::select! {
            r = self.call(&name, args, report) => r.expect("the tool exists"),
            _ = ct.cancelled() => failure(&Error::new(ErrorKind::Connection, format!("{name} was cancelled by the client"))),
        };
        // The tool is done and its senders dropped: let the last notes out first.
        if let Some(f) = forwarder {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), f).await;
        }
        Ok(result.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: &CallToolResult) -> String {
        serde_json::to_value(&r.content[0]).unwrap()["text"].as_str().unwrap().to_string()
    }

    #[test]
    fn errors_are_results_with_the_typed_fields_and_no_nulls() {
        let e = Error::from_response_parts(400, &Default::default(), br#"{"error":"bad_request","message":"memory too big","field":"memory"}"#);
        let r = failure(&e);
        assert_eq!(r.is_error, Some(true));
        let t = text(&r);
        assert!(t.starts_with("FlowEngine error: bad_request (400): memory too big [field: memory]"), "{t}");
        let err = &r.structured_content.as_ref().unwrap()["error"];
        assert_eq!((err["status"].as_u64(), err["field"].as_str(), err["kind"].as_str()), (Some(400), Some("memory"), Some("bad_request")));
        assert!(err.get("upgrade_url").is_none() && err.get("retry_after").is_none(), "{err}");

        let e = Error::from_response_parts(403, &Default::default(), br#"{"error":"Boost mode unavailable","upgrade_url":"https://flowengine.cloud/#pricing"}"#);
        let r = failure(&e);
        assert!(text(&r).contains("[upgrade: https://flowengine.cloud/#pricing]"));
        assert_eq!(r.structured_content.unwrap()["error"]["upgrade_url"], "https://flowengine.cloud/#pricing");
    }

    #[test]
    fn a_missing_key_points_at_fe_login() {
        let e = Error::new(ErrorKind::Authentication, "no API key");
        let t = text(&failure(&e));
        assert!(t.contains("fe login") && t.contains("FLOWENGINE_API_KEY"), "{t}");
    }

    #[test]
    fn results_are_text_and_structured_objects() {
        let r = success(json!({ "functions": [] }));
        assert_eq!(r.is_error, Some(false));
        assert_eq!(serde_json::from_str::<Value>(&text(&r)).unwrap(), json!({ "functions": [] }));
        assert_eq!(r.structured_content, Some(json!({ "functions": [] })));
        // structuredContent must be an object: an array stays text only.
        assert_eq!(success(json!([1, 2])).structured_content, None);
    }

    #[tokio::test]
    async fn tools_answer_without_a_key_and_unknown_tools_are_none() {
        let dir = tempfile::tempdir().unwrap();
        let server = FlowEngineMcp::new(Config {
            config_file: Some(dir.path().join("config.json")),
            base_url: Some("http://127.0.0.1:9".into()),
            ..Config::default()
        });
        if std::env::var_os("FLOWENGINE_API_KEY").is_none() {
            let r = server.call("functions_list", Map::new(), None).await.unwrap();
            assert_eq!(r.is_error, Some(true));
            assert!(text(&r).contains("fe login"));
        }
        assert!(server.call("no_such_tool", Map::new(), None).await.is_none());
    }
}
