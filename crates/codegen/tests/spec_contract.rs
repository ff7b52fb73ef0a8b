//! The contract's own checks: every documented operation is in the spec, and
//! every operation carries what the generators and the sandbox rely on.
use flowengine_codegen::Api;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn api() -> Api {
    Api::load(&root().join("openapi/flowengine.yaml")).expect("spec loads")
}

fn data_lines(name: &str) -> Vec<String> {
    std::fs::read_to_string(root().join("tests").join(name))
        .expect("data file")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn every_documented_operation_is_in_the_spec() {
    let api = api();
    let in_spec: HashSet<String> = api.operations.iter().map(|o| format!("{} {}", o.method, o.path)).collect();
    let documented = data_lines("documented-operations.txt");
    let missing: Vec<&String> = documented.iter().filter(|d| !in_spec.contains(*d)).collect();
    assert!(missing.is_empty(), "documented but missing from the spec: {missing:?}");
    let extra: Vec<&String> = in_spec.iter().filter(|s| !documented.contains(s)).collect();
    assert!(extra.is_empty(), "in the spec but not in tests/documented-operations.txt: {extra:?}");
    println!("{}/{} documented operations", documented.len() - missing.len(), documented.len());
}

#[test]
fn every_operation_is_complete() {
    let api = api();
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    let mut examples = 0;
    for op in &api.operations {
        let at = format!("{} {} ({})", op.method, op.path, op.id);
        if !ids.insert(op.id.clone()) {
            problems.push(format!("{at}: duplicate operationId"));
        }
        for (what, value) in [("summary", &op.summary), ("description", &op.description), ("x-sdk-group", &op.group), ("x-sdk-method", &op.name)] {
            if value.trim().is_empty() {
                problems.push(format!("{at}: no {what}"));
            }
        }
        if op.tags.is_empty() {
            problems.push(format!("{at}: no tag"));
        }
        for p in &op.params {
            if p.schema.get("type").is_none() && p.schema.get("enum").is_none() {
                problems.push(format!("{at}: parameter {} has no typed schema", p.name));
            }
            if p.description.trim().is_empty() {
                problems.push(format!("{at}: parameter {} has no description", p.name));
            }
        }
        if let Some(body) = &op.body {
            if body.schema_name.is_none() {
                problems.push(format!("{at}: request body is not a named component"));
            }
            let media = &op.raw["requestBody"]["content"][&body.media_type];
            if media.get("example").is_none() && media.get("examples").is_none() {
                problems.push(format!("{at}: request body has no example"));
            } else {
                examples += 1;
            }
        }
        let success = &op.raw["responses"][op.success_status.to_string()];
        if op.success_status == 0 {
            problems.push(format!("{at}: no success response"));
        }
        for (media_type, media) in success["content"].as_object().into_iter().flatten() {
            if media["schema"].get("$ref").is_none() {
                problems.push(format!("{at}: {media_type} success schema is not a named component"));
            }
            if media.get("example").is_none() && media.get("examples").is_none() {
                problems.push(format!("{at}: {media_type} success response has no example"));
            } else {
                examples += 1;
            }
        }
        if !op.error_statuses.contains(&401) {
            problems.push(format!("{at}: no 401 response"));
        }
        for status in &op.error_statuses {
            let resp = api.resolve(&op.raw["responses"][status.to_string()]);
            let schema = &resp["content"]["application/json"]["schema"];
            if schema.get("$ref").and_then(Value::as_str) != Some("#/components/schemas/Error") {
                problems.push(format!("{at}: {status} does not carry the shared Error body"));
            }
        }
        let secured = op.raw.get("security").or(api.raw.get("security"));
        if secured.and_then(|s| s.as_array()).is_none_or(|s| s.is_empty()) {
            problems.push(format!("{at}: no bearer security"));
        }
        let success_types = success["content"].as_object().map_or(0, |c| c.len());
        if success_types > 1 && op.stream.is_none() {
            problems.push(format!("{at}: {success_types} success media types without x-sdk-stream (progenitor allows one)"));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    let schemas = api.raw["components"]["schemas"].as_object().map_or(0, |s| s.len());
    println!("{} operations complete; {} schemas; {} examples", api.operations.len(), schemas, examples);
}

#[test]
fn every_public_name_of_the_design_is_served_once() {
    let api = api();
    let mut served = BTreeSet::new();
    let mut problems = Vec::new();
    for op in &api.operations {
        let mut names = vec![op.name.clone()];
        names.extend(op.also.iter().map(|a| a.method.clone()));
        for name in names {
            if !served.insert(format!("{}.{}", op.group, name)) {
                problems.push(format!("{}.{} is served twice", op.group, name));
            }
        }
    }
    let mut expected = BTreeSet::new();
    for line in data_lines("public-names.txt") {
        let (group, methods) = line.split_once(':').expect("group: methods");
        for m in methods.split_whitespace() {
            expected.insert(format!("{}.{}", group.trim(), m));
        }
    }
    for name in expected.difference(&served) {
        problems.push(format!("{name} is in DESIGN.md's table but no operation serves it"));
    }
    for name in served.difference(&expected) {
        problems.push(format!("{name} is served but not in tests/public-names.txt"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!("{} public methods", served.len());
}

#[test]
fn constraints_of_the_reference_are_in_the_schemas() {
    let api = api();
    let s = |name: &str| api.schema(name).unwrap_or_else(|| panic!("schema {name}")).clone();
    assert_eq!(s("FunctionName")["pattern"], "^[a-z][a-z0-9-]{0,62}$");
    assert_eq!(s("SecretName")["pattern"], "^[A-Z][A-Z0-9_]{0,62}$");
    assert_eq!(s("Runtime")["enum"].as_array().unwrap().len(), 8);
    assert_eq!(s("Cpu")["enum"], serde_json::json!([1, 2, 4, 8]));
    assert_eq!((s("MaxInstances")["minimum"].clone(), s("MaxInstances")["maximum"].clone()), (1.into(), 1000.into()));
    assert_eq!(s("MinInstances")["minimum"], 0);
    assert_eq!((s("TimeoutSeconds")["minimum"].clone(), s("TimeoutSeconds")["maximum"].clone()), (1.into(), 3600.into()));
    assert_eq!((s("Concurrency")["minimum"].clone(), s("Concurrency")["maximum"].clone()), (1.into(), 1000.into()));
    assert_eq!(s("TriggerType")["enum"], serde_json::json!(["webhook", "slack", "cron"]));
    assert_eq!(s("StorageGb")["enum"], serde_json::json!([10, 30, 50]));
    assert_eq!(s("BillingCycle")["enum"], serde_json::json!(["monthly", "annual"]));
    assert_eq!(s("ChatModel")["enum"], serde_json::json!(["regular", "boost"]));
    assert_eq!(s("OverageAction")["enum"], serde_json::json!(["stop", "auto_upgrade"]));
    assert_eq!(s("EnvVars")["maxProperties"], 20);
    assert_eq!(s("EnvVars")["additionalProperties"]["maxLength"], 500);
    assert_eq!(s("CreateChatRequest")["properties"]["title"]["maxLength"], 200);
    assert_eq!(s("ManageN8nRequest")["properties"]["action"]["enum"], serde_json::json!(["start", "stop", "restart"]));
    assert_eq!(s("ManageInstanceRequest")["properties"]["action"]["enum"], serde_json::json!(["start", "stop", "restart", "redeploy"]));
    let chats = api.operation("listChats").unwrap();
    let limit = chats.params.iter().find(|p| p.name == "limit").unwrap();
    assert_eq!(limit.schema["maximum"], 100);
    let offset = chats.params.iter().find(|p| p.name == "offset").unwrap();
    assert_eq!(offset.schema["minimum"], 0);
    let lines = api.operation("getInstanceLogs").unwrap().params.iter().find(|p| p.name == "lines").unwrap().clone();
    assert_eq!((lines.schema["maximum"].clone(), lines.schema["default"].clone()), (1000.into(), 200.into()));
}

/// The memory pattern encodes 256Mi..32Gi; check it, with the ECMA regex
/// engine the generated clients use, against values on both sides.
#[test]
fn memory_pattern_accepts_exactly_256mi_to_32gi() {
    let api = api();
    let pattern = api.schema("Memory").unwrap()["pattern"].as_str().unwrap().to_string();
    let re = regress::Regex::new(&pattern).expect("pattern compiles");
    for ok in ["256Mi", "512Mi", "768Mi", "1024Mi", "32768Mi", "1Gi", "8Gi", "32Gi"] {
        assert!(re.find(ok).is_some(), "{ok} should be accepted");
    }
    for bad in ["255Mi", "32769Mi", "0Gi", "33Gi", "1G", "1gi", "", "64Gi", "100000Mi", "0256Mi"] {
        assert!(re.find(bad).is_none(), "{bad} should be rejected");
    }
}
