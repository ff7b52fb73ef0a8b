//! The contract, read at start from `openapi/flowengine.yaml` (compiled in):
//! every operation with its parameters, request body and responses. The
//! router and the validator are driven by it, so a spec edit reaches the
//! sandbox without code changes to either.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

pub const SPEC_YAML: &str = include_str!("../../../openapi/flowengine.yaml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub struct Body {
    pub required: bool,
    /// The declared media type (`application/json` or `multipart/form-data`).
    pub media: String,
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The OpenAPI path template, e.g. `/api/v1/functions/{id}` (axum uses the same syntax).
    pub path: String,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    /// status ("200", "default") -> media type -> schema
    pub responses: HashMap<String, HashMap<String, Value>>,
}

impl Operation {
    pub fn declares(&self, status: u16) -> bool {
        self.responses.contains_key(&status.to_string())
    }
}

pub struct Spec {
    pub doc: Value,
    pub operations: Vec<Arc<Operation>>,
    /// Every `pattern` / `x-key-pattern` of the document, compiled once (ECMA
    /// regex semantics through `regress`, as the generated clients use).
    pub regexes: HashMap<String, regress::Regex>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("the spec is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("the spec is malformed: {0}")]
    Malformed(String),
    #[error("pattern {0:?} does not compile: {1}")]
    Pattern(String, String),
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

impl Spec {
    pub fn load() -> Result<Spec, SpecError> {
        Self::parse(SPEC_YAML)
    }

    pub fn parse(yaml: &str) -> Result<Spec, SpecError> {
        let doc: Value = serde_yaml::from_str(yaml)?;
        let mut regexes = HashMap::new();
        collect_patterns(&doc, &mut regexes)?;
        let mut spec = Spec { doc, operations: Vec::new(), regexes };
        spec.operations = spec.read_operations()?;
        Ok(spec)
    }

    /// Follows `$ref`s (local ones, `#/...`) until a concrete schema.
    pub fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.doc.pointer(r.trim_start_matches('#')) {
                    Some(t) => v = t,
                    None => return v,
                },
                None => return v,
            }
        }
        v
    }

    pub fn operation(&self, id: &str) -> Option<&Arc<Operation>> {
        self.operations.iter().find(|o| o.id == id)
    }

    fn read_operations(&self) -> Result<Vec<Arc<Operation>>, SpecError> {
        let paths = self
            .doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| SpecError::Malformed("no paths".into()))?;
        let mut ops = Vec::new();
        for (path, item) in paths {
            let shared = self.read_params(item.get("parameters"))?;
            for m in METHODS {
                let Some(op) = item.get(m) else { continue };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| SpecError::Malformed(format!("{m} {path} has no operationId")))?;
                let mut params = shared.clone();
                for p in self.read_params(op.get("parameters"))? {
                    params.retain(|q| !(q.name == p.name && q.location == p.location));
                    params.push(p);
                }
                let body = match op.get("requestBody").map(|b| self.resolve(b)) {
                    Some(b) => {
                        let content = b.get("content").and_then(Value::as_object);
                        let (media, mt) = content
                            .and_then(|c| c.iter().next())
                            .ok_or_else(|| SpecError::Malformed(format!("{id}: body without content")))?;
                        Some(Body {
                            required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
                            media: media.clone(),
                            schema: mt.get("schema").cloned().unwrap_or(Value::Null),
                        })
                    }
                    None => None,
                };
                let mut responses = HashMap::new();
                if let Some(rs) = op.get("responses").and_then(Value::as_object) {
                    for (status, r) in rs {
                        let r = self.resolve(r);
                        let mut media = HashMap::new();
                        if let Some(c) = r.get("content").and_then(Value::as_object) {
                            for (mt, v) in c {
                                media.insert(mt.clone(), v.get("schema").cloned().unwrap_or(Value::Null));
                            }
                        }
                        responses.insert(status.clone(), media);
                    }
                }
                ops.push(Arc::new(Operation {
                    id: id.to_string(),
                    method: m.to_ascii_uppercase(),
                    path: path.clone(),
                    params,
                    body,
                    responses,
                }));
            }
        }
        Ok(ops)
    }

    fn read_params(&self, list: Option<&Value>) -> Result<Vec<Param>, SpecError> {
        let mut out = Vec::new();
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = self.resolve(p);
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| SpecError::Malformed("parameter without a name".into()))?;
            let location = match p.get("in").and_then(Value::as_str) {
                Some("path") => Location::Path,
                Some("query") => Location::Query,
                Some("header") => Location::Header,
                Some("cookie") => Location::Cookie,
                other => return Err(SpecError::Malformed(format!("parameter {name} in {other:?}"))),
            };
            out.push(Param {
                name: name.to_string(),
                location,
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                schema: p.get("schema").cloned().unwrap_or(Value::Null),
            });
        }
        Ok(out)
    }
}

fn collect_patterns(v: &Value, out: &mut HashMap<String, regress::Regex>) -> Result<(), SpecError> {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "pattern" || k == "x-key-pattern" {
                    if let Some(p) = x.as_str() {
                        if !out.contains_key(p) {
                            let re = regress::Regex::new(p)
                                .map_err(|e| SpecError::Pattern(p.to_string(), e.to_string()))?;
                            out.insert(p.to_string(), re);
                        }
                        continue;
                    }
                }
                collect_patterns(x, out)?;
            }
        }
        Value::Array(a) => {
            for x in a {
                collect_patterns(x, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_all_operations() {
        let s = Spec::load().unwrap();
        assert_eq!(s.operations.len(), 55);
        let op = s.operation("getFunctionLogs").unwrap();
        assert!(op.params.iter().any(|p| p.name == "id" && p.location == Location::Path));
        assert!(op.params.iter().any(|p| p.name == "Last-Event-ID" && p.location == Location::Header));
    }
}
