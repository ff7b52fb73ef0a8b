//! `openapi/flowengine.yaml` read into plain structs: one [`Operation`] per
//! method + path, with its public name, parameters, body and responses.
//! The spec is read as JSON values (not openapiv3 types) so that the `x-`
//! extensions, which carry the public names, stay at hand.
use serde_json::{Map, Value};
use std::path::Path;

pub const HTTP_METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The whole API.
#[derive(Debug, Clone)]
pub struct Api {
    pub raw: Value,
    pub operations: Vec<Operation>,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone)]
pub struct Param {
    /// The wire name, e.g. `instanceId` or `Last-Event-ID`: also its key in `call()` params.
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub description: String,
    /// The schema with `$ref`s resolved one level.
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub struct Body {
    pub media_type: String,
    pub required: bool,
    /// The component name of the body schema, e.g. `CreateFunctionRequest`.
    pub schema_name: Option<String>,
    /// The resolved body schema.
    pub schema: Value,
}

/// `x-sdk-stream`: which items the stream yields and, for a mode of a JSON
/// operation, which params switch it on.
#[derive(Debug, Clone)]
pub struct Stream {
    pub items: String,
    pub when: Map<String, Value>,
}

/// `x-sdk-also`: another public method served by the same operation.
#[derive(Debug, Clone)]
pub struct Also {
    pub method: String,
    pub kind: String,
    pub params: Map<String, Value>,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub method: String,
    pub path: String,
    pub tags: Vec<String>,
    pub summary: String,
    pub description: String,
    pub group: String,
    pub name: String,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub success_status: u16,
    /// Media types of the success response.
    pub success_media: Vec<String>,
    /// Component name of the success JSON schema, if any.
    pub success_schema: Option<String>,
    pub error_statuses: Vec<u16>,
    pub stream: Option<Stream>,
    pub paginate: Option<Map<String, Value>>,
    pub multipart: bool,
    pub also: Vec<Also>,
    pub raw: Value,
}

impl Operation {
    /// `true` when the operation always answers an event stream (chat).
    pub fn is_stream_only(&self) -> bool {
        self.stream.as_ref().is_some_and(|s| s.when.is_empty())
    }
    /// Body properties, when the body is an object with named properties.
    pub fn body_properties(&self) -> Vec<(String, Value)> {
        self.body
            .as_ref()
            .and_then(|b| b.schema.get("properties"))
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }
    pub fn body_required(&self) -> Vec<String> {
        self.body
            .as_ref()
            .and_then(|b| b.schema.get("required"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
            .unwrap_or_default()
    }
}

impl Api {
    pub fn load(path: &Path) -> Result<Api, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Api::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Api, String> {
        let raw: Value = serde_yaml::from_str(text).map_err(|e| format!("spec is not YAML: {e}"))?;
        let mut operations = Vec::new();
        let paths = raw["paths"].as_object().ok_or("spec has no paths")?;
        for (path, item) in paths {
            let shared_params = item.get("parameters").cloned().unwrap_or(Value::Array(vec![]));
            for method in HTTP_METHODS {
                let Some(op) = item.get(method) else { continue };
                operations.push(read_operation(&raw, path, method, op, &shared_params)?);
            }
        }
        Ok(Api { raw, operations })
    }

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// A component schema by name.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.raw["components"]["schemas"].get(name)
    }

    /// Follows a `$ref` (one or more levels) to the schema it names.
    pub fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        resolve(&self.raw, schema)
    }
}

pub fn resolve<'a>(raw: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => schema = pointer(raw, r).unwrap_or(&Value::Null),
            None => break,
        }
    }
    schema
}

/// The component name a `$ref` points at (`#/components/schemas/Foo` -> `Foo`).
pub fn ref_name(schema: &Value) -> Option<String> {
    schema.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()).map(String::from)
}

fn pointer<'a>(raw: &'a Value, reference: &str) -> Option<&'a Value> {
    raw.pointer(reference.strip_prefix('#')?)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn read_operation(raw: &Value, path: &str, method: &str, op: &Value, shared: &Value) -> Result<Operation, String> {
    let id = op.get("operationId").and_then(Value::as_str).ok_or(format!("{method} {path}: no operationId"))?;
    let mut params = Vec::new();
    let own = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
    for p in shared.as_array().into_iter().flatten().chain(own.iter()) {
        let p = resolve(raw, p);
        let location = match p["in"].as_str() {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            other => return Err(format!("{id}: unsupported parameter location {other:?}")),
        };
        params.push(Param {
            name: text(p, "name"),
            location,
            required: p["required"].as_bool().unwrap_or(false),
            description: text(p, "description"),
            schema: resolve(raw, &p["schema"]).clone(),
        });
    }
    let body = op.get("requestBody").map(|rb| {
        let rb = resolve(raw, rb);
        let (media_type, media) = rb["content"].as_object().and_then(|c| c.iter().next()).map(|(k, v)| (k.clone(), v.clone())).unwrap_or_default();
        Body {
            media_type,
            required: rb["required"].as_bool().unwrap_or(false),
            schema_name: ref_name(&media["schema"]),
            schema: resolve(raw, &media["schema"]).clone(),
        }
    });
    let responses = op["responses"].as_object().ok_or(format!("{id}: no responses"))?;
    let mut success_status = 0;
    let mut success_media = Vec::new();
    let mut success_schema = None;
    let mut error_statuses = Vec::new();
    for (code, resp) in responses {
        let status: u16 = code.parse().map_err(|_| format!("{id}: response code {code} is not a number"))?;
        let resp = resolve(raw, resp);
        if (200..300).contains(&status) {
            success_status = status;
            if let Some(content) = resp["content"].as_object() {
                success_media = content.keys().cloned().collect();
                success_schema = content.get("application/json").and_then(|m| ref_name(&m["schema"]));
            }
        } else {
            error_statuses.push(status);
        }
    }
    let stream = op.get("x-sdk-stream").map(|s| Stream {
        items: text(s, "items"),
        when: s.get("when").and_then(Value::as_object).cloned().unwrap_or_default(),
    });
    let also = op
        .get("x-sdk-also")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| Also {
                    method: text(x, "method"),
                    kind: text(x, "kind"),
                    params: x.get("params").and_then(Value::as_object).cloned().unwrap_or_default(),
                    description: text(x, "description"),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Operation {
        id: id.to_string(),
        method: method.to_uppercase(),
        path: path.to_string(),
        tags: op["tags"].as_array().map(|t| t.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default(),
        summary: text(op, "summary"),
        description: text(op, "description"),
        group: text(op, "x-sdk-group"),
        name: text(op, "x-sdk-method"),
        params,
        body,
        success_status,
        success_media,
        success_schema,
        error_statuses,
        stream,
        paginate: op.get("x-sdk-paginate").and_then(Value::as_object).cloned(),
        multipart: op.get("x-sdk-multipart").and_then(Value::as_bool).unwrap_or(false),
        also,
        raw: op.clone(),
    })
}
