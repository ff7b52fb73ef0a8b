//! The narrow waist: `call(operation_id, params)` for every operation of the
//! spec. The table and the match are generated at build time
//! (build/dispatch.rs); this file holds the few pieces they share: the table's
//! types, parameter decoding into progenitor's types (so a wrong parameter is
//! an `invalid_argument` naming it, identically for every language), and the
//! checks typify does not make.
use crate::error::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

#[derive(Debug)]
pub struct ParamMeta {
    /// The wire name, which is also the key in `call()` params.
    pub name: &'static str,
    pub location: Location,
    pub required: bool,
}

#[derive(Debug)]
pub struct BodyMeta {
    /// The body's named properties; params other than path/query/header go here.
    pub fields: &'static [&'static str],
    /// The body accepts other keys too (`additionalProperties`).
    pub open: bool,
    /// `x-require-one-of`: at least one of these must be given.
    pub require_one_of: &'static [&'static str],
}

#[derive(Debug)]
pub struct StreamMeta {
    /// `chat_chunks` or `log_lines`.
    pub items: &'static str,
    /// Params (name, JSON value) that switch a JSON operation into its stream mode.
    pub when: &'static [(&'static str, &'static str)],
}

/// A constraint of the spec that progenitor's types do not enforce.
#[derive(Debug)]
pub struct Check {
    pub field: &'static str,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub max_properties: Option<u64>,
    pub key_pattern: Option<&'static str>,
}

/// One operation of the spec.
#[derive(Debug)]
pub struct OperationMeta {
    /// The spec's `operationId`, e.g. `listFunctions`: the name `call()` takes.
    pub id: &'static str,
    /// progenitor's method name, e.g. `list_functions`.
    pub rust_name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    /// Public group and method, e.g. `functions.secrets` / `set`.
    pub group: &'static str,
    pub name: &'static str,
    pub params: &'static [ParamMeta],
    pub body: Option<BodyMeta>,
    pub stream: Option<StreamMeta>,
    pub multipart: bool,
    pub checks: &'static [Check],
}

include!(concat!(env!("OUT_DIR"), "/dispatch.rs"));

/// The operation with this id (`listFunctions`) or public name (`functions.list`).
pub fn operation(name: &str) -> Option<&'static OperationMeta> {
    OPERATIONS.iter().find(|o| o.id == name || (name.len() == o.group.len() + 1 + o.name.len() && name.starts_with(o.group) && name[o.group.len()..].starts_with('.') && name.ends_with(o.name)))
}

/// Whether progenitor's method `rust_name` answers a stream (then no total timeout applies).
pub fn is_stream_operation(rust_name: &str) -> bool {
    OPERATIONS.iter().any(|o| o.rust_name == rust_name && o.stream.as_ref().is_some_and(|s| s.when.is_empty()))
}

impl OperationMeta {
    /// Whether these params ask for the stream mode of the operation.
    pub fn wants_stream(&self, params: &Map<String, Value>) -> bool {
        match &self.stream {
            Some(s) if s.when.is_empty() => true,
            Some(s) => s.when.iter().all(|(k, v)| params.get(*k).map(|x| x.to_string()) == Some((*v).to_string())),
            None => false,
        }
    }
}

/// Params of one call, consumed as the generated arm takes them.
pub struct Params {
    meta: &'static OperationMeta,
    map: Map<String, Value>,
}

fn decode<T: DeserializeOwned>(field: &str, value: Value) -> Result<T, Error> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." || path.is_empty() { field.to_string() } else { format!("{field}.{path}") };
        Error::invalid_argument(at.clone(), format!("`{at}` is invalid: {}", e.into_inner()))
    })
}

impl Params {
    /// Validates the checks typify does not make, then hands params out.
    pub fn new(meta: &'static OperationMeta, params: Value) -> Result<Params, Error> {
        let map = match params {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => return Err(Error::invalid_argument("params", format!("params must be an object, got {}", kind_of(&other)))),
        };
        let known = |k: &str| meta.params.iter().any(|p| p.name == k) || meta.body.as_ref().is_some_and(|b| b.open || b.fields.contains(&k));
        if let Some(unknown) = map.keys().find(|k| !known(k)) {
            let mut names: Vec<&str> = meta.params.iter().map(|p| p.name).collect();
            if let Some(b) = &meta.body {
                names.extend(b.fields.iter());
            }
            return Err(Error::invalid_argument(unknown.clone(), format!("{} has no parameter `{unknown}` (it takes: {})", meta.id, names.join(", "))));
        }
        for check in meta.checks {
            if let Some(v) = map.get(check.field) {
                apply(check, v)?;
            }
        }
        if let Some(body) = &meta.body {
            if !body.require_one_of.is_empty() && !body.require_one_of.iter().any(|k| map.get(*k).is_some_and(|v| !v.is_null())) {
                let names = body.require_one_of.join(" or ");
                return Err(Error::invalid_argument(body.require_one_of[0], format!("{} needs {names}", meta.id)));
            }
        }
        Ok(Params { meta, map })
    }

    pub fn take_required<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, Error> {
        match self.map.remove(name) {
            Some(v) if !v.is_null() => decode(name, stringly(self.meta, name, v)),
            _ => Err(Error::invalid_argument(name, format!("{} needs `{name}`", self.meta.id))),
        }
    }

    pub fn take_optional<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, Error> {
        match self.map.remove(name) {
            Some(v) if !v.is_null() => decode(name, stringly(self.meta, name, v)).map(Some),
            _ => Ok(None),
        }
    }

    /// Everything left is the body.
    pub fn take_body<T: DeserializeOwned>(&mut self) -> Result<T, Error> {
        let body = std::mem::take(&mut self.map);
        serde_path_to_error::deserialize::<_, T>(Value::Object(body)).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            // A missing required field is reported at the root: name it.
            let field = if path == "." {
                message.split('`').nth(1).unwrap_or("body").to_string()
            } else {
                path
            };
            Error::invalid_argument(field.clone(), format!("`{field}` is invalid: {message}"))
        })
    }
}

/// Path parameters are strings on the wire; accept a number for an id too.
fn stringly(meta: &OperationMeta, name: &str, v: Value) -> Value {
    let is_path = meta.params.iter().any(|p| p.name == name && p.location == Location::Path);
    match v {
        Value::Number(n) if is_path => Value::String(n.to_string()),
        other => other,
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn apply(check: &Check, v: &Value) -> Result<(), Error> {
    let field = check.field;
    if let Some(n) = v.as_f64() {
        if let Some(min) = check.minimum {
            if n < min {
                return Err(Error::invalid_argument(field, format!("`{field}` must be at least {min}, got {n}")));
            }
        }
        if let Some(max) = check.maximum {
            if n > max {
                return Err(Error::invalid_argument(field, format!("`{field}` must be at most {max}, got {n}")));
            }
        }
    }
    if let Some(obj) = v.as_object() {
        if let Some(max) = check.max_properties {
            if obj.len() as u64 > max {
                return Err(Error::invalid_argument(field, format!("`{field}` may have at most {max} entries, got {}", obj.len())));
            }
        }
        if let Some(pattern) = check.key_pattern {
            let re = regress::Regex::new(pattern).map_err(|e| Error::invalid_argument(field, format!("bad key pattern in the spec: {e}")))?;
            if let Some(bad) = obj.keys().find(|k| re.find(k).is_none()) {
                return Err(Error::invalid_argument(format!("{field}.{bad}"), format!("`{bad}` is not a valid key of `{field}` (keys must match {pattern})")));
            }
        }
    }
    Ok(())
}

/// A generated call's result as JSON.
pub(crate) async fn to_json<T: serde::Serialize>(
    result: Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<crate::generated::types::Error>>,
) -> Result<Value, Error> {
    let value = match result {
        Ok(v) => v.into_inner(),
        Err(e) => return Err(Error::from_progenitor(e).await),
    };
    serde_json::to_value(value).map_err(|e| Error::decode(format!("cannot re-encode the response: {e}")))
}

/// `call(operation_id, params) -> JSON`: any non-stream operation of the spec.
pub async fn call(client: &crate::generated::Client, operation_id: &str, params: Value) -> Result<Value, Error> {
    let meta = operation(operation_id)
        .ok_or_else(|| Error::invalid_argument("operation", format!("unknown operation `{operation_id}`")))?;
    if let Value::Object(m) = &params {
        if meta.wants_stream(m) {
            return Err(Error::invalid_argument("operation", format!("{} answers a stream: use stream()", meta.id)));
        }
    } else if meta.stream.as_ref().is_some_and(|s| s.when.is_empty()) {
        return Err(Error::invalid_argument("operation", format!("{} answers a stream: use stream()", meta.id)));
    }
    let params = Params::new(meta, params)?;
    dispatch_generated(client, meta, params).await
}

/// A stream operation's request, built from its checked params: the path with
/// its params filled in, the query and header params, and the JSON body.
#[derive(Debug)]
pub struct StreamRequest {
    pub meta: &'static OperationMeta,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl StreamRequest {
    pub(crate) fn new(meta: &'static OperationMeta) -> StreamRequest {
        StreamRequest { meta, path: meta.path.to_string(), query: Vec::new(), headers: Vec::new(), body: None }
    }

    /// Puts a checked param where the spec says it goes.
    pub(crate) fn set<T: Serialize>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        let text = match serde_json::to_value(value).map_err(|e| Error::invalid_argument(name, format!("`{name}`: {e}")))? {
            Value::String(s) => s,
            other => other.to_string(),
        };
        match self.meta.params.iter().find(|p| p.name == name).map(|p| p.location) {
            Some(Location::Path) => self.path = self.path.replace(&format!("{{{name}}}"), &crate::client::url_segment(&text)),
            Some(Location::Query) => self.query.push((name.to_string(), text)),
            Some(Location::Header) => self.headers.push((name.to_string(), text)),
            None => return Err(Error::invalid_argument(name, format!("{} has no parameter `{name}`", self.meta.id))),
        }
        Ok(())
    }

    pub(crate) fn set_body<T: Serialize>(&mut self, body: &T) -> Result<(), Error> {
        self.body = Some(serde_json::to_value(body).map_err(|e| Error::invalid_argument("body", format!("the body: {e}")))?);
        Ok(())
    }

    /// Removes a header param (case-insensitively), e.g. `Last-Event-ID`.
    pub fn take_header(&mut self, name: &str) -> Option<String> {
        let at = self.headers.iter().position(|(k, _)| k.eq_ignore_ascii_case(name))?;
        Some(self.headers.remove(at).1)
    }
}
