//! OpenAPI 3.0 schemas -> self-contained JSON Schemas (draft 2020-12, the
//! dialect MCP assumes for a tool's `inputSchema`).
//!
//! Used twice: by `build.rs`, which writes the tools table from the spec, and
//! by this crate's unit tests. Only `serde_json`, so that the build script
//! can include it as it is.
//!
//! What changes on the way:
//! - `$ref`s are resolved inline (an MCP client has no `components`); a
//!   description next to a `$ref` wins over the target's;
//! - `nullable: true` becomes `type: [T, "null"]` (and `null` joins an
//!   `enum`); without a `type`, the schema becomes `anyOf: [S, {type: null}]`;
//! - OpenAPI 3.0's boolean `exclusiveMinimum` / `exclusiveMaximum` become
//!   the numeric keywords;
//! - `x-key-pattern` (this spec's stand-in for `propertyNames`) becomes
//!   `propertyNames: {pattern}`;
//! - OpenAPI-only keywords are dropped: `example`, `discriminator`, `xml`,
//!   `externalDocs`, `nullable`, and every `x-` extension.
use serde_json::{json, Map, Value};

/// How deep `$ref`s may nest before the conversion gives up on a branch
/// (a recursive schema): that branch becomes `{}` (any value).
const MAX_DEPTH: usize = 32;

/// Keywords of OpenAPI's Schema Object that JSON Schema does not have.
const OPENAPI_ONLY: &[&str] = &["example", "discriminator", "xml", "externalDocs", "nullable"];

/// Converts `schema`, whose `$ref`s point into `root` (the whole OpenAPI
/// document), into a JSON Schema with no `$ref` left.
pub fn to_json_schema(root: &Value, schema: &Value) -> Value {
    convert(root, schema, &mut Vec::new())
}

/// Follows a local `$ref` (`#/components/schemas/Foo`).
fn lookup<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    root.pointer(reference.strip_prefix('#')?)
}

fn convert(root: &Value, schema: &Value, seen: &mut Vec<String>) -> Value {
    let Value::Object(obj) = schema else {
        // `true` / `false` schemas (or garbage) pass through.
        return schema.clone();
    };
    if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
        if seen.iter().any(|r| r == reference) || seen.len() >= MAX_DEPTH {
            return json!({ "description": format!("(recursive: {})", reference.rsplit('/').next().unwrap_or(reference)) });
        }
        let Some(target) = lookup(root, reference) else {
            return json!({ "description": format!("(unresolved reference {reference})") });
        };
        seen.push(reference.to_string());
        let mut out = convert(root, target, seen);
        seen.pop();
        // OpenAPI 3.0 ignores siblings of `$ref`, but a description (or a
        // default) written next to one is what the author meant for this use.
        if let Value::Object(out_obj) = &mut out {
            for key in ["description", "default", "title"] {
                if let Some(v) = obj.get(key) {
                    out_obj.insert(key.to_string(), v.clone());
                }
            }
        }
        return out;
    }

    let mut out = Map::new();
    for (key, value) in obj {
        if key.starts_with("x-") || OPENAPI_ONLY.contains(&key.as_str()) {
            continue;
        }
        let converted = match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => match value {
                Value::Object(props) => Value::Object(props.iter().map(|(k, v)| (k.clone(), convert(root, v, seen))).collect()),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" | "propertyNames" | "contains" | "if" | "then" | "else" => convert(root, value, seen),
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => match value {
                Value::Array(items) => Value::Array(items.iter().map(|v| convert(root, v, seen)).collect()),
                other => other.clone(),
            },
            // OpenAPI 3.0: a boolean modifying minimum / maximum.
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }

    for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if obj.get(flag) == Some(&Value::Bool(true)) {
            if let Some(limit) = out.remove(bound) {
                out.insert(flag.to_string(), limit);
            }
        }
    }

    if let Some(pattern) = obj.get("x-key-pattern").and_then(Value::as_str) {
        out.entry("propertyNames").or_insert_with(|| json!({ "pattern": pattern }));
    }

    if obj.get("nullable") == Some(&Value::Bool(true)) {
        return nullable(out);
    }
    Value::Object(out)
}

/// Lets `null` through a converted schema.
fn nullable(mut out: Map<String, Value>) -> Value {
    let null = Value::String("null".into());
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            if t != "null" {
                let t = std::mem::take(t);
                out.insert("type".into(), json!([t, "null"]));
            }
        }
        Some(Value::Array(types)) => {
            if !types.contains(&null) {
                types.push(null);
            }
        }
        _ => {
            // No type to widen (an allOf / oneOf, or an untyped schema):
            // wrap, keeping the description outside for readers.
            let description = out.remove("description");
            let mut wrapped = Map::new();
            if let Some(d) = description {
                wrapped.insert("description".into(), d);
            }
            wrapped.insert("anyOf".into(), json!([Value::Object(out), { "type": "null" }]));
            return Value::Object(wrapped);
        }
    }
    if let Some(Value::Array(values)) = out.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> Value {
        json!({
            "components": { "schemas": {
                "Name": { "type": "string", "pattern": "^[a-z]+$", "example": "abc", "description": "A name." },
                "Base": { "type": "string", "nullable": true, "maxLength": 5 },
                "Runtime": { "type": "string", "enum": ["a", "b"], "nullable": true },
                "Env": { "type": "object", "maxProperties": 2, "x-key-pattern": "^[A-Z]+$", "additionalProperties": { "type": "string" } },
                "Node": { "type": "object", "properties": { "child": { "$ref": "#/components/schemas/Node" } } },
                "Wrapper": { "type": "object", "properties": { "name": { "$ref": "#/components/schemas/Name" } }, "x-observed": true }
            }}
        })
    }

    #[test]
    fn refs_are_resolved_inline_and_examples_dropped() {
        let out = to_json_schema(&root(), &json!({ "$ref": "#/components/schemas/Wrapper" }));
        assert_eq!(out, json!({ "type": "object", "properties": { "name": { "type": "string", "pattern": "^[a-z]+$", "description": "A name." } } }));
        assert!(!out.to_string().contains("$ref"));
    }

    #[test]
    fn a_description_next_to_a_ref_wins() {
        let out = to_json_schema(&root(), &json!({ "$ref": "#/components/schemas/Name", "description": "Here, the function's name." }));
        assert_eq!(out["description"], "Here, the function's name.");
        assert_eq!(out["pattern"], "^[a-z]+$");
    }

    #[test]
    fn nullable_widens_the_type_and_the_enum() {
        let r = root();
        assert_eq!(to_json_schema(&r, &json!({ "$ref": "#/components/schemas/Base" })), json!({ "type": ["string", "null"], "maxLength": 5 }));
        assert_eq!(to_json_schema(&r, &json!({ "$ref": "#/components/schemas/Runtime" })), json!({ "type": ["string", "null"], "enum": ["a", "b", null] }));
        // Without a type: anyOf with null, the description outside.
        let out = to_json_schema(&r, &json!({ "nullable": true, "description": "d", "allOf": [{ "$ref": "#/components/schemas/Name" }] }));
        assert_eq!(out["description"], "d");
        assert_eq!(out["anyOf"][1], json!({ "type": "null" }));
        assert_eq!(out["anyOf"][0]["allOf"][0]["pattern"], "^[a-z]+$");
        // nullable: false is only dropped.
        assert_eq!(to_json_schema(&r, &json!({ "type": "integer", "nullable": false })), json!({ "type": "integer" }));
    }

    #[test]
    fn openapi_3_0_exclusive_bounds_become_numbers() {
        let out = to_json_schema(&root(), &json!({ "type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": false }));
        assert_eq!(out, json!({ "type": "number", "exclusiveMinimum": 0, "maximum": 10 }));
    }

    #[test]
    fn key_patterns_become_property_names_and_extensions_go() {
        let out = to_json_schema(&root(), &json!({ "$ref": "#/components/schemas/Env" }));
        assert_eq!(
            out,
            json!({ "type": "object", "maxProperties": 2, "propertyNames": { "pattern": "^[A-Z]+$" }, "additionalProperties": { "type": "string" } })
        );
    }

    #[test]
    fn nested_keywords_are_converted_too() {
        let out = to_json_schema(
            &root(),
            &json!({ "type": "array", "items": { "oneOf": [{ "$ref": "#/components/schemas/Base" }, { "type": "integer", "x-uc": 1 }] } }),
        );
        assert_eq!(out, json!({ "type": "array", "items": { "oneOf": [{ "type": ["string", "null"], "maxLength": 5 }, { "type": "integer" }] } }));
    }

    #[test]
    fn recursion_stops() {
        let out = to_json_schema(&root(), &json!({ "$ref": "#/components/schemas/Node" }));
        assert_eq!(out["properties"]["child"]["description"], "(recursive: Node)");
        let out = to_json_schema(&root(), &json!({ "$ref": "#/components/schemas/Missing" }));
        assert!(out["description"].as_str().unwrap().contains("unresolved"));
    }
}
