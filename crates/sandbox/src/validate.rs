//! A validator for the subset of OpenAPI 3.0 schema keywords the contract
//! uses (type, nullable, enum, pattern, min/maxLength, minimum/maximum,
//! min/maxProperties, min/maxItems, required, properties,
//! additionalProperties, items, allOf/oneOf/anyOf) plus the document's own
//! `x-key-pattern` and `x-require-one-of`.
//!
//! Hand-written on purpose: the JSON-Schema crates validate draft 2019+/2020
//! semantics (where `nullable` and our `x-` keywords do not exist) and would
//! report JSON pointers, while the API's 400 must name the offending
//! parameter in `field` (`memory`, `envVars.FOO`). Patterns use `regress`
//! (ECMA-262), as the generated clients do.

use serde_json::Value;

use crate::spec::Spec;

/// The first rule a value breaks: `field` names where (dotted path).
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

fn violation(field: &str, message: impl Into<String>) -> Violation {
    Violation { field: if field.is_empty() { "body".into() } else { field.to_string() }, message: message.into() }
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

fn describe(field: &str) -> String {
    if field.is_empty() {
        "body".to_string()
    } else {
        field.to_string()
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.is_finite() && f.fract() == 0.0),
        _ => false,
    }
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

impl Spec {
    /// Checks `v` against `schema`; `field` is the dotted path of `v` ("" for a whole body).
    pub fn check(&self, schema: &Value, v: &Value, field: &str) -> Result<(), Violation> {
        let s = self.resolve(schema);
        let Some(obj) = s.as_object() else { return Ok(()) };

        if v.is_null() {
            if obj.get("nullable").and_then(Value::as_bool).unwrap_or(false) {
                return Ok(());
            }
            if obj.contains_key("type") || obj.contains_key("enum") {
                return Err(violation(field, format!("{} must not be null", describe(field))));
            }
            // No type of its own (e.g. an allOf wrapper): null must satisfy the parts.
            for part in obj.get("allOf").and_then(Value::as_array).into_iter().flatten() {
                self.check(part, v, field)?;
            }
            return Ok(());
        }

        for part in obj.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.check(part, v, field)?;
        }
        if let Some(alts) = obj.get("oneOf").and_then(Value::as_array) {
            let ok = alts.iter().filter(|a| self.check(a, v, field).is_ok()).count();
            if ok != 1 {
                return Err(violation(field, format!("{} must match exactly one of its schemas ({ok} matched)", describe(field))));
            }
        }
        if let Some(alts) = obj.get("anyOf").and_then(Value::as_array) {
            if !alts.iter().any(|a| self.check(a, v, field).is_ok()) {
                return Err(violation(field, format!("{} matches none of its schemas", describe(field))));
            }
        }

        if let Some(t) = obj.get("type").and_then(Value::as_str) {
            let ok = match t {
                "string" => v.is_string(),
                "integer" => is_integer(v),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                "object" => v.is_object(),
                "array" => v.is_array(),
                _ => true,
            };
            if !ok {
                return Err(violation(field, format!("{} must be {} {t}, not {}", describe(field), article(t), type_name(v))));
            }
        }

        if let Some(e) = obj.get("enum").and_then(Value::as_array) {
            if !e.iter().any(|x| json_eq(x, v)) {
                let allowed: Vec<String> = e.iter().map(|x| x.to_string()).collect();
                return Err(violation(field, format!("{} must be one of {}", describe(field), allowed.join(", "))));
            }
        }

        match v {
            Value::String(st) => self.check_string(obj, st, field)?,
            Value::Number(n) => check_number(obj, n.as_f64().unwrap_or(f64::NAN), field)?,
            Value::Object(m) => self.check_object(obj, m, field)?,
            Value::Array(a) => {
                let len = a.len() as u64;
                if let Some(min) = obj.get("minItems").and_then(Value::as_u64) {
                    if len < min {
                        return Err(violation(field, format!("{} needs at least {min} items", describe(field))));
                    }
                }
                if let Some(max) = obj.get("maxItems").and_then(Value::as_u64) {
                    if len > max {
                        return Err(violation(field, format!("{} takes at most {max} items", describe(field))));
                    }
                }
                if let Some(items) = obj.get("items") {
                    for (i, x) in a.iter().enumerate() {
                        self.check(items, x, &format!("{}[{i}]", describe(field)))?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn check_string(&self, obj: &serde_json::Map<String, Value>, st: &str, field: &str) -> Result<(), Violation> {
        // JSON Schema counts characters (code points), not bytes.
        let len = st.chars().count() as u64;
        if let Some(min) = obj.get("minLength").and_then(Value::as_u64) {
            if len < min {
                return Err(violation(field, format!("{} must be at least {min} characters", describe(field))));
            }
        }
        if let Some(max) = obj.get("maxLength").and_then(Value::as_u64) {
            if len > max {
                return Err(violation(field, format!("{} must be at most {max} characters", describe(field))));
            }
        }
        if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
            if !self.matches(p, st) {
                // The schema's description says the rule in words; the pattern is the fallback.
                let rule = match obj.get("description").and_then(Value::as_str) {
                    Some(d) => d.trim_end_matches('.').to_string(),
                    None => format!("it must match {p}"),
                };
                return Err(violation(field, format!("{} is not valid: {rule}", describe(field))));
            }
        }
        Ok(())
    }

    fn check_object(&self, obj: &serde_json::Map<String, Value>, m: &serde_json::Map<String, Value>, field: &str) -> Result<(), Violation> {
        for r in obj.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = r.as_str() {
                if !m.contains_key(name) {
                    return Err(violation(&join(field, name), format!("{} is required", join(field, name))));
                }
            }
        }
        if let Some(group) = obj.get("x-require-one-of").and_then(Value::as_array) {
            let names: Vec<&str> = group.iter().filter_map(Value::as_str).collect();
            if !names.iter().any(|n| m.get(*n).is_some_and(|v| !v.is_null())) {
                let first = names.first().copied().unwrap_or("body");
                return Err(violation(&join(field, first), format!("one of {} is required", names.join(", "))));
            }
        }
        let n = m.len() as u64;
        if let Some(max) = obj.get("maxProperties").and_then(Value::as_u64) {
            if n > max {
                return Err(violation(field, format!("{} takes at most {max} entries", describe(field))));
            }
        }
        if let Some(min) = obj.get("minProperties").and_then(Value::as_u64) {
            if n < min {
                return Err(violation(field, format!("{} needs at least {min} entries", describe(field))));
            }
        }
        let props = obj.get("properties").and_then(Value::as_object);
        let key_pattern = obj.get("x-key-pattern").and_then(Value::as_str);
        let additional = obj.get("additionalProperties");
        for (k, x) in m {
            let path = join(field, k);
            if let Some(ps) = props.and_then(|p| p.get(k)) {
                self.check(ps, x, &path)?;
                continue;
            }
            if let Some(p) = key_pattern {
                if !self.matches(p, k) {
                    return Err(violation(&path, format!("{path}: the name must match {p}")));
                }
            }
            match additional {
                Some(Value::Bool(false)) => return Err(violation(&path, format!("{path} is not allowed"))),
                Some(a @ Value::Object(_)) => self.check(a, x, &path)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn matches(&self, pattern: &str, s: &str) -> bool {
        match self.regexes.get(pattern) {
            Some(re) => re.find(s).is_some(),
            // Every pattern of the document is compiled at load; a missing one is a bug, not bad input.
            None => regress::Regex::new(pattern).map(|re| re.find(s).is_some()).unwrap_or(true),
        }
    }

    /// Turns a query/path/header string into the JSON value its schema asks for.
    pub fn coerce(&self, schema: &Value, raw: &str, field: &str) -> Result<Value, Violation> {
        let s = self.resolve(schema);
        match s.get("type").and_then(Value::as_str) {
            Some("integer") => {
                if let Ok(i) = raw.parse::<i64>() {
                    return Ok(Value::from(i));
                }
                // Beyond i64 (or written `1.0`): kept as a JSON number, which is still an
                // integer for the schema; handlers saturate it.
                match raw.parse::<f64>() {
                    Ok(f) if f.is_finite() && f.fract() == 0.0 => {
                        Ok(serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null))
                    }
                    _ => Err(violation(field, format!("{field} must be an integer"))),
                }
            }
            Some("number") => match raw.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
                _ => Err(violation(field, format!("{field} must be a number"))),
            },
            Some("boolean") => match raw {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(violation(field, format!("{field} must be true or false"))),
            },
            _ => Ok(Value::String(raw.to_string())),
        }
    }
}

fn article(t: &str) -> &'static str {
    if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn check_number(obj: &serde_json::Map<String, Value>, f: f64, field: &str) -> Result<(), Violation> {
    if let Some(min) = obj.get("minimum").and_then(Value::as_f64) {
        let excl = obj.get("exclusiveMinimum").and_then(Value::as_bool).unwrap_or(false);
        if f < min || (excl && f == min) {
            return Err(violation(field, format!("{} must be at least {min}", describe(field))));
        }
    }
    if let Some(max) = obj.get("maximum").and_then(Value::as_f64) {
        let excl = obj.get("exclusiveMaximum").and_then(Value::as_bool).unwrap_or(false);
        if f > max || (excl && f == max) {
            return Err(violation(field, format!("{} must be at most {max}", describe(field))));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Spec {
        Spec::load().unwrap()
    }

    fn body_schema(s: &Spec, op: &str) -> Value {
        s.operation(op).unwrap().body.as_ref().unwrap().schema.clone()
    }

    #[test]
    fn create_function_rules() {
        let s = spec();
        let sc = body_schema(&s, "createFunction");
        assert!(s.check(&sc, &json!({"name":"my-fn","runtime":"nodejs22"}), "").is_ok());
        let e = s.check(&sc, &json!({"name":"my-fn"}), "").unwrap_err();
        assert_eq!(e.field, "runtime");
        let e = s.check(&sc, &json!({"name":"my-fn","runtime":"nodejs22","memory":"64Gi"}), "").unwrap_err();
        assert_eq!(e.field, "memory");
        let e = s.check(&sc, &json!({"name":"My","runtime":"nodejs22"}), "").unwrap_err();
        assert_eq!(e.field, "name");
        let e = s.check(&sc, &json!({"name":"a","runtime":"nodejs22","cpu":3}), "").unwrap_err();
        assert_eq!(e.field, "cpu");
        assert!(s.check(&sc, &json!({"name":"a","runtime":"nodejs22","cpu":2.0,"base_image":null,"trigger_config":null}), "").is_ok());
        let e = s.check(&sc, &json!({"name":"a","runtime":"nodejs22","max_instances":null}), "").unwrap_err();
        assert_eq!(e.field, "max_instances");
        let e = s.check(&sc, &json!([1]), "").unwrap_err();
        assert_eq!(e.field, "body");
    }

    #[test]
    fn extensions() {
        let s = spec();
        let sc = body_schema(&s, "provisionWebsite");
        let e = s.check(&sc, &json!({"instanceId":"x"}), "").unwrap_err();
        assert_eq!(e.field, "dockerImage");
        assert!(s.check(&sc, &json!({"instanceId":"x","githubRepo":"a/b"}), "").is_ok());
        let e = s.check(&sc, &json!({"instanceId":"x","dockerImage":"nginx","envVars":{"BAD-KEY":"v"}}), "").unwrap_err();
        assert_eq!(e.field, "envVars.BAD-KEY");
        let e = s.check(&sc, &json!({"instanceId":"x","dockerImage":"nginx","envVars":{"K":"v".repeat(501)}}), "").unwrap_err();
        assert_eq!(e.field, "envVars.K");
        let many: serde_json::Map<String, Value> = (0..21).map(|i| (format!("K{i}"), json!("v"))).collect();
        let e = s.check(&sc, &json!({"instanceId":"x","dockerImage":"nginx","envVars":many}), "").unwrap_err();
        assert_eq!(e.field, "envVars");
    }

    #[test]
    fn coercion() {
        let s = spec();
        let lines = &s.operation("getInstanceLogs").unwrap().params.iter().find(|p| p.name == "lines").unwrap().schema;
        assert_eq!(s.coerce(lines, "12", "lines").unwrap(), json!(12));
        assert!(s.coerce(lines, "1.5", "lines").is_err());
        assert!(s.check(lines, &json!(1001), "lines").is_err());
    }
}
