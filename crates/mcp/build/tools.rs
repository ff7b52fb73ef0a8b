//! The MCP tools table, from the spec model: one tool per public method of
//! every operation (DESIGN.md's table), named `<group>_<method>` with the
//! group's dots as underscores. Nothing here is written per operation: the
//! four hand-written kinds (chat_send, logs_tail, deploy_folder,
//! upload_folder) are chosen by the spec's `x-sdk-stream`, `x-sdk-also`
//! and `x-sdk-multipart` markers, and take their field schemas from the spec.
use crate::schema::to_json_schema;
use flowengine_codegen::{Api, Location, Operation};
use serde_json::{json, Map, Value};

/// How a tool runs (see `src/tools.rs`).
pub const KINDS: &[&str] = &["call", "chat_send", "logs_tail", "deploy_folder", "upload_folder"];

pub fn tool_name(group: &str, method: &str) -> String {
    format!("{}_{}", group.replace('.', "_"), method)
}

fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() || s.ends_with(['.', '!', '?', ')']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// A parameter's or property's JSON Schema with the description that fits it best.
fn field_schema(api: &Api, schema: &Value, description: &str) -> Value {
    let mut s = to_json_schema(&api.raw, schema);
    if !description.trim().is_empty() {
        if let Value::Object(m) = &mut s {
            m.insert("description".into(), Value::String(description.trim().to_string()));
        }
    }
    s
}

struct Fields {
    properties: Map<String, Value>,
    required: Vec<String>,
    open: bool,
}

impl Fields {
    fn new() -> Fields {
        Fields { properties: Map::new(), required: Vec::new(), open: false }
    }

    fn add(&mut self, op_id: &str, name: &str, schema: Value, required: bool) {
        assert!(
            self.properties.insert(name.to_string(), schema).is_none(),
            "{op_id}: `{name}` is both a parameter and a body field: the tool's arguments cannot tell them apart"
        );
        if required {
            self.required.push(name.to_string());
        }
    }

    fn schema(self) -> Value {
        let mut s = Map::new();
        s.insert("type".into(), json!("object"));
        s.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            s.insert("required".into(), json!(self.required));
        }
        // The core rejects unknown params (naming them), unless the body is open.
        s.insert("additionalProperties".into(), Value::Bool(self.open));
        Value::Object(s)
    }
}

/// Path, query and header params, minus `skip`.
fn add_params(api: &Api, op: &Operation, fields: &mut Fields, skip: &dyn Fn(&flowengine_codegen::Param) -> bool) {
    for p in op.params.iter().filter(|p| !skip(p)) {
        fields.add(&op.id, &p.name, field_schema(api, &p.schema, &p.description), p.required);
    }
}

/// The JSON body's named properties.
fn add_body(api: &Api, op: &Operation, fields: &mut Fields) {
    let required = op.body_required();
    for (name, schema) in op.body_properties() {
        let s = field_schema(api, &schema, "");
        fields.add(&op.id, &name, s, required.contains(&name));
    }
    if let Some(b) = &op.body {
        if !op.multipart {
            fields.open = b.schema.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false));
        }
    }
}

fn body_notes(op: &Operation) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(b) = &op.body {
        if let Some(d) = b.schema.get("description").and_then(Value::as_str) {
            if !op.description.contains(d.trim()) {
                notes.push(sentence(d));
            }
        }
        let one_of: Vec<&str> = b.schema.get("x-require-one-of").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        if !one_of.is_empty() {
            notes.push(format!("Give at least one of: {}.", one_of.join(", ")));
        }
    }
    notes
}

/// The spec's hard-wrapped paragraphs as single lines (blank lines and
/// list items stay).
fn unwrap_lines(text: &str) -> String {
    let mut out = String::new();
    for line in text.trim().lines() {
        let line = line.trim_end();
        let starts_item = line.trim_start().starts_with(['-', '*', '|']) || line.trim_start().starts_with(|c: char| c.is_ascii_digit()) && line.contains(". ");
        if line.trim().is_empty() {
            out.push_str("\n\n");
        } else if out.is_empty() || out.ends_with('\n') {
            out.push_str(line.trim_start());
        } else if starts_item {
            out.push('\n');
            out.push_str(line.trim_start());
        } else {
            out.push(' ');
            out.push_str(line.trim_start());
        }
    }
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out
}

/// A title without a trailing parenthetical: `Chat with FlowEngine AI (streamed)` -> `Chat with FlowEngine AI`.
fn short_title(summary: &str) -> String {
    let s = summary.trim();
    match (s.ends_with(')'), s.rfind(" (")) {
        (true, Some(i)) => s[..i].to_string(),
        _ => s.to_string(),
    }
}

fn describe(parts: &[String], op: &Operation) -> String {
    let mut text: Vec<String> = parts.iter().map(|p| unwrap_lines(p)).filter(|p| !p.is_empty()).collect();
    text.push(format!("(FlowEngine API: {} {}, operation `{}`.)", op.method, op.path, op.id));
    text.join("\n\n")
}

/// Points at the hand-written helpers that do what the raw operation is a step of.
fn helper_note(op: &Operation) -> Option<String> {
    let helpers: Vec<String> = op.also.iter().filter(|a| a.kind == "helper").map(|a| tool_name(&op.group, &a.method)).collect();
    (!helpers.is_empty()).then(|| format!("To deploy a local folder in one call, use {} instead.", helpers.join(", ")))
}

/// Read-only, destructive and idempotent hints, from the HTTP method and
/// what the spec says the operation does. MCP's `destructiveHint` is true
/// unless a tool only adds, so:
/// - GET is read-only;
/// - DELETE removes, PUT replaces, PATCH overwrites the fields it sets:
///   destructive;
/// - a POST is destructive when its summary or description says it
///   replaces, overwrites or redeploys (`Creates or replaces` a secret, a
///   later call that redeploys a slot), or when it takes an `action` that
///   can stop, restart or redeploy something; otherwise it creates (a
///   function, a backup, a message) and is not.
///
/// PUT and DELETE are idempotent.
fn hints(op: &Operation) -> (bool, bool, bool) {
    let read_only = op.method == "GET";
    let lifecycle = op
        .body_properties()
        .iter()
        .filter(|(name, _)| name == "action")
        .any(|(_, s)| {
            s.get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.iter().any(|v| ["stop", "restart", "redeploy"].iter().any(|a| v == a)))
        });
    let destructive = match op.method.as_str() {
        "GET" => false,
        "DELETE" | "PUT" | "PATCH" => true,
        _ => lifecycle || says_it_overwrites(&op.summary) || says_it_overwrites(&op.description),
    };
    let idempotent = matches!(op.method.as_str(), "GET" | "PUT" | "DELETE");
    (read_only, destructive, idempotent)
}

/// Whether a spec text says the operation replaces what is there: the verbs
/// replace(s), overwrite(s) and redeploy(s), not after "not" ("This does
/// not redeploy"), and not "replacing" ("after replacing the card").
fn says_it_overwrites(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        matches!(w.as_str(), "replace" | "replaces" | "overwrite" | "overwrites" | "redeploy" | "redeploys")
            && (i == 0 || words[i - 1] != "not")
    })
}

#[allow(clippy::too_many_arguments)]
fn tool(name: String, title: &str, description: String, kind: &str, op: &Operation, fixed: Map<String, Value>, input_schema: Value, hints: (bool, bool, bool)) -> Value {
    assert!(KINDS.contains(&kind));
    assert!(
        !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "tool name `{name}` is not a valid MCP tool name"
    );
    json!({
        "name": name,
        "title": title,
        "description": description,
        "kind": kind,
        "operation": op.id,
        "fixed": fixed,
        "input_schema": input_schema,
        "read_only": hints.0,
        "destructive": hints.1,
        "idempotent": hints.2,
    })
}

fn body_field(api: &Api, op_id: &str, field: &str) -> Value {
    let op = api.operation(op_id).unwrap_or_else(|| panic!("the spec has no operation {op_id}"));
    let (_, schema) = op.body_properties().into_iter().find(|(n, _)| n == field).unwrap_or_else(|| panic!("{op_id} has no body field {field}"));
    to_json_schema(&api.raw, &schema)
}

fn with_description(mut schema: Value, description: &str) -> Value {
    schema["description"] = Value::String(description.to_string());
    schema
}

/// `functions_deploy_folder`: the core's deploy chain on a local folder.
fn deploy_folder_schema(api: &Api, op: &Operation) -> Value {
    let mut f = Fields::new();
    f.add(&op.id, "path", json!({
        "type": "string",
        "minLength": 1,
        "description": "The folder to deploy, on the machine this server runs on: an absolute path, or relative to the server's working directory (`~` is expanded). .gitignore and .feignore are honoured; limits: 25 MB a file, 100 MB in all."
    }), true);
    let id = op.params.iter().find(|p| p.location == Location::Path).expect("the deploy operation has a path parameter");
    f.add(&op.id, "function_id", with_description(to_json_schema(&api.raw, &id.schema),
        "Redeploy this function (its id). Without it, the function called `name` is redeployed, or created when there is none."), false);
    f.add(&op.id, "name", with_description(body_field(api, "createFunction", "name"),
        "The function's name: an existing function of that name is redeployed, otherwise one is created. Defaults to the folder's `fe deploy` link, then to the folder's name. 1-63 characters: a lowercase letter, then lowercase letters, digits and hyphens."), false);
    f.add(&op.id, "runtime", with_description(body_field(api, "createFunction", "runtime"),
        "The runtime of a function that has to be created; detected from the folder when omitted (package.json: nodejs22, requirements.txt / main.py / pyproject.toml: python312, go.mod: go122, pom.xml: java17, Gemfile: ruby32, composer.json / index.php: php82). A redeploy keeps the function's runtime."), false);
    f.add(&op.id, "wait", json!({ "type": "boolean", "default": true, "description": "Wait until the build is ready (a failed build is an error with the build log's last lines)." }), false);
    f.add(&op.id, "wait_seconds", json!({ "type": "integer", "minimum": 1, "maximum": 3600, "default": 600, "description": "How long to wait for the build at most." }), false);
    f.schema()
}

/// `functions_upload_folder`: the multipart operation, from a local folder.
fn upload_folder_schema(api: &Api, op: &Operation) -> Value {
    let mut f = Fields::new();
    f.add(&op.id, "path", json!({
        "type": "string",
        "minLength": 1,
        "description": "The folder to upload, on the machine this server runs on (absolute, or relative to the server's working directory; `~` is expanded). Each file becomes one part named by its relative path; .gitignore and .feignore are honoured."
    }), true);
    add_body(api, op, &mut f);
    f.open = false;
    f.schema()
}

/// `functions_logs_tail`: the stream mode, bounded.
fn logs_tail_schema(api: &Api, op: &Operation) -> Value {
    let mut f = Fields::new();
    add_params(api, op, &mut f, &|p| p.location != Location::Path);
    f.add(&op.id, "max_lines", json!({ "type": "integer", "minimum": 1, "maximum": 1000, "default": 100, "description": "Stop after this many lines." }), false);
    f.add(&op.id, "max_seconds", json!({ "type": "number", "exclusiveMinimum": 0, "maximum": 300, "default": 15, "description": "Stop after this many seconds, with the lines seen so far (new lines only: older ones come from functions_logs_list)." }), false);
    f.schema()
}

pub fn generate(api: &Api) -> Value {
    let mut tools = Vec::new();
    for op in &api.operations {
        assert!(!op.group.is_empty() && !op.name.is_empty(), "{}: x-sdk-group / x-sdk-method missing", op.id);
        let summary = sentence(&op.summary);
        let h = hints(op);
        if op.multipart {
            let mut parts = vec![summary.clone(), op.description.clone()];
            parts.push("This tool reads the files from a local folder and sends them for you.".into());
            tools.push(tool(tool_name(&op.group, &op.name), &op.summary, describe(&parts, op), "upload_folder", op, Map::new(), upload_folder_schema(api, op), h));
            assert!(op.also.is_empty(), "{}: x-sdk-also on a multipart operation", op.id);
            continue;
        }
        let stream_only = op.is_stream_only();
        if !stream_only {
            // The operation itself, without its stream mode's switches.
            let when: Vec<&String> = op.stream.iter().flat_map(|s| s.when.keys()).collect();
            let mut f = Fields::new();
            add_params(api, op, &mut f, &|p| when.contains(&&p.name) || (op.stream.is_some() && p.location == Location::Header));
            add_body(api, op, &mut f);
            let mut parts = vec![summary.clone(), op.description.clone()];
            parts.extend(body_notes(op));
            if op.stream.is_some() {
                parts.push(format!("For the stream of new entries use {}.", op.also.iter().filter(|a| a.kind == "stream").map(|a| tool_name(&op.group, &a.method)).collect::<Vec<_>>().join(", ")));
            }
            parts.extend(helper_note(op));
            tools.push(tool(tool_name(&op.group, &op.name), &op.summary, describe(&parts, op), "call", op, Map::new(), f.schema(), h));
        }
        for also in &op.also {
            let name = tool_name(&op.group, &also.method);
            let text = sentence(&also.description);
            let title = also.description.split([':', ';', '.']).next().unwrap_or(&also.method).trim().to_string();
            match also.kind.as_str() {
                "call" => {
                    // Fixed params are merged in; the rest of the body is not offered.
                    let mut f = Fields::new();
                    add_params(api, op, &mut f, &|p| also.params.contains_key(&p.name) || (op.stream.is_some() && p.location == Location::Header));
                    let mut parts = vec![text, sentence(&op.summary)];
                    parts.extend(helper_note(op));
                    tools.push(tool(name, &title, describe(&parts, op), "call", op, also.params.clone(), f.schema(), h));
                }
                "collect" => {
                    assert!(stream_only, "{}: `collect` is for an operation that always streams", op.id);
                    let mut f = Fields::new();
                    add_params(api, op, &mut f, &|_| false);
                    add_body(api, op, &mut f);
                    // The operation's description is about the wire (SSE framing): the collected reply hides it.
                    let parts = vec![sentence(&short_title(&op.summary)), text, "A failing request (a tier gate, no credits left) comes back as an error result before any reply.".to_string()];
                    let kind = match op.stream.as_ref().map(|s| s.items.as_str()) {
                        Some("chat_chunks") => "chat_send",
                        other => panic!("{}: no MCP tool collects a stream of {other:?}", op.id),
                    };
                    tools.push(tool(name, &short_title(&op.summary), describe(&parts, op), kind, op, Map::new(), f.schema(), (false, false, false)));
                }
                "stream" => {
                    let kind = match op.stream.as_ref().map(|s| s.items.as_str()) {
                        Some("log_lines") => "logs_tail",
                        other => panic!("{}: no MCP tool bounds a stream of {other:?}", op.id),
                    };
                    let parts = vec![text, "Returns when `max_lines` lines arrived or after `max_seconds`, whichever comes first.".to_string()];
                    tools.push(tool(name, &title, describe(&parts, op), kind, op, also.params.clone(), logs_tail_schema(api, op), (true, false, false)));
                }
                "helper" => match also.method.as_str() {
                    "deploy_folder" => {
                        let parts = vec![
                            text,
                            "Creates the function first when there is none (by `name`), so one call takes a folder to a live URL. Returns the function id, deployment id, status and URL.".to_string(),
                        ];
                        tools.push(tool(name, "Deploy a local folder", describe(&parts, op), "deploy_folder", op, Map::new(), deploy_folder_schema(api, op), (false, false, false)));
                    }
                    other => panic!("{}: the helper `{other}` has no MCP tool yet (build/tools.rs)", op.id),
                },
                other => panic!("{}: unknown x-sdk-also kind `{other}`", op.id),
            }
        }
    }
    tools.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    if let Some(w) = tools.windows(2).find(|w| w[0]["name"] == w[1]["name"]) {
        panic!("two tools are named {}", w[0]["name"]);
    }
    Value::Array(tools)
}
