//! Replays every scenario of tests/scenarios/*.yaml through the narrow waist
//! (`call`, `stream`, the helpers) against an in-process sandbox. The same
//! files drive the Python, Node and Swift-ABI suites.
mod common;

use common::client_for;
use flowengine::{Client, DeployOptions, ErrorKind, StreamItem};
use flowengine_sandbox::{AccountSpec, FunctionsTier, MainTier, SandboxConfig};
use futures::StreamExt;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Vars(HashMap<String, String>);

impl Vars {
    /// Replaces `${name}` in every string of a value.
    fn fill(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => {
                let mut out = s.clone();
                for (k, val) in &self.0 {
                    out = out.replace(&format!("${{{k}}}"), val);
                }
                assert!(!out.contains("${"), "unknown variable in `{s}`");
                Value::String(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.fill(x)).collect()),
            Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), self.fill(x))).collect()),
            other => other.clone(),
        }
    }
}

/// `a.b.0.c`, `list[key=value].field`; `\.` escapes a dot in a key.
fn pick<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    let escaped = path.replace("\\.", "\u{0}");
    for raw in escaped.split('.') {
        let part = raw.replace('\u{0}', ".");
        if let (Some(open), true) = (part.find('['), part.ends_with(']')) {
            let (name, filter) = (&part[..open], &part[open + 1..part.len() - 1]);
            let (k, want) = filter.split_once('=').expect("key=value filter");
            cur = cur.get(name)?.as_array()?.iter().find(|item| match item.get(k) {
                Some(Value::String(s)) => s == want,
                // A number or boolean is matched by its JSON text (`[index=0]`).
                #[allow(clippy::cmp_owned)]
                Some(other) => other.to_string() == want,
                None => false,
            })?;
        } else if let Ok(i) = part.parse::<usize>() {
            cur = cur.get(i)?;
        } else {
            cur = cur.get(part.as_str())?;
        }
    }
    Some(cur)
}

/// `expected` is a subset of `actual`.
fn assert_subset(actual: &Value, expected: &Value, at: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (k, ev) in e {
                // The typed layer drops absent optional fields: null matches absent.
                if ev.is_null() && a.get(k).is_none_or(Value::is_null) {
                    continue;
                }
                let av = a.get(k).unwrap_or_else(|| panic!("{at}: missing `{k}` in {actual}"));
                assert_subset(av, ev, &format!("{at}.{k}"));
            }
        }
        (Value::Number(a), Value::Number(e)) => assert_eq!(a.as_f64(), e.as_f64(), "{at}"),
        _ => assert_eq!(actual, expected, "{at}"),
    }
}

fn account_spec(v: &Value) -> AccountSpec {
    let mut spec = AccountSpec::default();
    if let Some(t) = v["functions_tier"].as_str() {
        spec.functions_tier = match t {
            "free" => FunctionsTier::Free,
            "pro" => FunctionsTier::Pro,
            "teams" => FunctionsTier::Teams,
            other => panic!("functions_tier {other}"),
        };
    }
    if let Some(t) = v["main_tier"].as_str() {
        spec.main_tier = match t {
            "free" => MainTier::Free,
            "pro" => MainTier::Pro,
            "pro_plus" => MainTier::ProPlus,
            other => panic!("main_tier {other}"),
        };
    }
    if let Some(b) = v["has_card"].as_bool() {
        spec.has_card = b;
    }
    if let Some(s) = v["suspended"].as_str() {
        spec.suspended = Some(s.to_string());
    }
    if let Some(c) = v["credits"].as_f64() {
        spec.credits = c;
    }
    if let Some(senders) = v["email_senders"].as_array() {
        spec.email_senders = senders.iter().map(|s| (s[0].as_str().unwrap().to_string(), s[1].as_i64().unwrap())).collect();
    }
    spec
}


type StepResult = Result<Value, flowengine::Error>;

async fn run_helper(client: &Client, name: &str, p: &Value) -> StepResult {
    match name {
        "deploy_folder" => {
            let options = DeployOptions { wait: p["wait"].as_bool().unwrap_or(true), poll_interval: std::time::Duration::from_millis(50), ..Default::default() };
            let path = root().join(p["path"].as_str().unwrap());
            client.deploy_folder(p["id"].as_str().unwrap(), &path, options).await.map(|o| serde_json::to_value(o).unwrap())
        }
        "upload_folder" => {
            let path = root().join(p["path"].as_str().unwrap());
            client.upload_folder(&path, p["name"].as_str(), p["runtime"].as_str(), &Default::default()).await
        }
        "chat_send" => client
            .chat_send(p["message"].as_str().unwrap(), p["model"].as_str().unwrap(), p["conversation_id"].as_str())
            .await
            .map(|r| serde_json::to_value(r).unwrap()),
        "chats_iter" => {
            let items: Vec<_> = client.chats_iter(p["page_size"].as_u64().unwrap_or(50) as u32).collect().await;
            let items: Result<Vec<Value>, _> = items.into_iter().collect();
            items.map(|i| json!({ "count": i.len() }))
        }
        other => panic!("unknown helper {other}"),
    }
}

/// A stream step's items, summarized for `expect`.
async fn run_stream(client: &Client, op: &str, p: Value, take: usize) -> StepResult {
    let mut s = client.stream(op, p).await?;
    let (mut content, mut finish, mut conversation, mut n, mut lines) = (String::new(), Value::Null, Value::Null, 0usize, Vec::new());
    while n < take {
        match s.next().await {
            Some(Ok(StreamItem::Chunk(c))) => {
                content.push_str(&c.content);
                if let Some(f) = c.finish_reason {
                    finish = json!(f);
                }
                if let Some(id) = c.conversation_id {
                    conversation = json!(id);
                }
            }
            Some(Ok(StreamItem::Line(l))) => lines.push(l),
            Some(Err(e)) => return Err(e),
            None => break,
        }
        n += 1;
    }
    s.close();
    Ok(json!({ "items": n, "content": content, "finish_reason": finish, "conversation_id": conversation, "lines": lines }))
}

fn check_stream_expect(result: &Value, expect: &Map<String, Value>, at: &str) {
    for (k, v) in expect {
        match k.as_str() {
            "min_items" => assert!(result["items"].as_u64().unwrap() >= v.as_u64().unwrap(), "{at}: {result}"),
            "content_contains" => assert!(result["content"].as_str().unwrap().contains(v.as_str().unwrap()), "{at}: {result}"),
            other => assert_eq!(&result[other], v, "{at}: `{other}` in {result}"),
        }
    }
}

async fn run_file(path: &Path, sandbox: &flowengine_sandbox::Sandbox) -> usize {
    let doc: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut steps_run = 0;
    for scenario in doc["scenarios"].as_array().expect("scenarios") {
        let name = scenario["name"].as_str().unwrap();
        let key = match scenario.get("account") {
            Some(a) => sandbox.create_account(account_spec(a)).await.expect("account").api_key,
            None => sandbox.api_key.clone(),
        };
        let client = client_for(&sandbox.url, &key);
        let bad = client_for(&sandbox.url, "fe_0000000000000000000000000000000000000000");
        let mut vars = Vars(HashMap::new());
        vars.0.insert("run".into(), format!("{:08x}", rand::random::<u32>()));
        vars.0.insert("long_title".into(), "t".repeat(201));
        // Empty hosting slots of the account, for provisioning scenarios.
        let instances = client.call("listInstances", json!({})).await.expect("listInstances");
        for size in [10, 30] {
            let slot = instances["instances"].as_array().unwrap().iter().find(|i| i["storage_limit_gb"] == size && i["service_type"] == "empty");
            if let Some(slot) = slot {
                vars.0.insert(format!("slot{size}"), slot["id"].as_str().unwrap().to_string());
            }
        }
        for (i, step) in scenario["steps"].as_array().unwrap().iter().enumerate() {
            let at = format!("{} / {name} / step {}", path.file_name().unwrap().to_string_lossy(), i + 1);
            if let Some(ms) = step["wait_ms"].as_u64() {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            let who = if step["key"] == "invalid" { &bad } else { &client };
            let params = vars.fill(&step["params"]);
            let is_stream = step.get("stream").is_some();
            let result = if let Some(op) = step["op"].as_str() {
                who.call(op, params).await
            } else if let Some(op) = step["stream"].as_str() {
                run_stream(who, op, params, step["take"].as_u64().unwrap_or(1000) as usize).await
            } else if let Some(h) = step["helper"].as_str() {
                run_helper(who, h, &params).await
            } else {
                panic!("{at}: a step needs op, stream or helper")
            };
            steps_run += 1;
            match (result, step.get("error")) {
                (Ok(body), None) => {
                    if let Some(expect) = step.get("expect") {
                        let expect = vars.fill(expect);
                        if is_stream {
                            check_stream_expect(&body, expect.as_object().unwrap(), &at);
                        } else {
                            assert_subset(&body, &expect, &at);
                        }
                    }
                    for (var, path) in step["save"].as_object().into_iter().flatten() {
                        let path = vars.fill(path);
                        let v = pick(&body, path.as_str().unwrap()).unwrap_or_else(|| panic!("{at}: nothing at `{path}` in {body}"));
                        let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                        vars.0.insert(var.clone(), text);
                    }
                }
                (Ok(body), Some(e)) => panic!("{at}: expected error {e}, got {body}"),
                (Err(err), None) => panic!("{at}: unexpected error: {err}"),
                (Err(err), Some(e)) => {
                    let e = vars.fill(e);
                    let kind = serde_json::to_value(err.kind).unwrap();
                    assert_eq!(&kind, &e["kind"], "{at}: {err}");
                    if let Some(status) = e.get("status") {
                        assert_eq!(err.status.map(|s| json!(s)).as_ref(), Some(status), "{at}: {err}");
                    }
                    if let Some(field) = e.get("field") {
                        assert_eq!(err.field.as_deref(), field.as_str(), "{at}: {err}");
                    }
                    if let Some(code) = e.get("code") {
                        assert_eq!(err.code.as_deref(), code.as_str(), "{at}: {err}");
                    }
                    if e.get("upgrade_url").is_some() {
                        assert!(err.upgrade_url.is_some(), "{at}: no upgrade_url in {err}");
                    }
                    assert_ne!(err.kind, ErrorKind::Decode, "{at}: {err}");
                }
            }
        }
    }
    steps_run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_passes_through_the_narrow_waist() {
    let sandbox = flowengine_sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox starts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut total = 0;
    for f in &files {
        total += run_file(f, &sandbox).await;
    }
    println!("{} scenario files, {total} steps passed", files.len());
}

/// The helpers whose every request is one operation: an error status they
/// meet is that operation's. (`deploy_folder` also polls `getFunction` and
/// PUTs to the storage host, so its statuses are not attributed.)
const HELPER_OPERATION: &[(&str, &str)] = &[("upload_folder", "uploadFunctionFolder"), ("chat_send", "chat"), ("chats_iter", "listChats")];

/// The (operationId, status) error responses the spec declares, and the
/// operations that take a path parameter (an id).
fn declared_errors() -> (std::collections::BTreeSet<(String, u64)>, std::collections::BTreeSet<String>) {
    let spec: Value = serde_yaml::from_str(&std::fs::read_to_string(root().join("openapi/flowengine.yaml")).unwrap()).unwrap();
    let resolve = |p: &Value| -> Value {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.strip_prefix("#/components/parameters/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
                spec["components"]["parameters"][name].clone()
            }
            None => p.clone(),
        }
    };
    let (mut declared, mut with_id) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
    for item in spec["paths"].as_object().unwrap().values() {
        let shared = item["parameters"].as_array().cloned().unwrap_or_default();
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let id = op["operationId"].as_str().unwrap().to_string();
            for status in op["responses"].as_object().unwrap().keys() {
                if let Ok(s) = status.parse::<u64>() {
                    if s >= 400 {
                        declared.insert((id.clone(), s));
                    }
                }
            }
            let params = shared.iter().chain(op["parameters"].as_array().into_iter().flatten());
            if params.map(&resolve).any(|p| p["in"] == "path") {
                with_id.insert(id);
            }
        }
    }
    (declared, with_id)
}

/// The declared error responses the scenarios reach: the number below may
/// only grow (raise it when a scenario adds one).
const EXERCISED_FLOOR: usize = 130;

/// Required responses (an operation's 401, or 404 for an id) that no scenario
/// can assert yet, and why. A gap that a scenario comes to exercise fails the
/// test until it is taken off this list.
const KNOWN_GAPS: &[(&str, u64, &str)] = &[];

/// Every operation of the spec appears in at least one scenario; every
/// operation is refused a wrong key (401), and every operation that takes an
/// id and declares 404 is asked for one that does not exist; every (operation,
/// status) a scenario expects is one the spec declares, and the number of
/// declared error responses exercised does not drop.
#[test]
fn scenarios_cover_every_operation() {
    use std::collections::{BTreeMap, BTreeSet, HashSet};
    let mut used = HashSet::new();
    let mut statuses = BTreeSet::new();
    let mut exercised: BTreeSet<(String, u64)> = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("tests/scenarios")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let doc: Value = serde_yaml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        for s in doc["scenarios"].as_array().unwrap() {
            for step in s["steps"].as_array().unwrap() {
                let mut op = None;
                for k in ["op", "stream"] {
                    if let Some(o) = step[k].as_str() {
                        used.insert(o.to_string());
                        op = Some(o.to_string());
                    }
                }
                if step["helper"] == "upload_folder" {
                    used.insert("uploadFunctionFolder".to_string());
                }
                if let Some(h) = step["helper"].as_str() {
                    op = HELPER_OPERATION.iter().find(|(name, _)| *name == h).map(|(_, o)| o.to_string());
                }
                if let Some(status) = step["error"]["status"].as_u64() {
                    statuses.insert(status);
                    if let Some(op) = op {
                        exercised.insert((op, status));
                    }
                }
            }
        }
    }
    let missing: Vec<&str> = flowengine::dispatch::OPERATIONS.iter().map(|o| o.id).filter(|id| !used.contains(*id)).collect();
    assert!(missing.is_empty(), "operations without a scenario: {missing:?}");
    // Every error status the reference documents is met in some scenario.
    let documented = [400, 401, 402, 403, 404, 409, 429, 500];
    let unmet: Vec<u64> = documented.into_iter().filter(|s| !statuses.contains(s)).collect();
    assert!(unmet.is_empty(), "documented error statuses without a scenario: {unmet:?}");

    let (declared, with_id) = declared_errors();
    let undeclared: Vec<_> = exercised.difference(&declared).collect();
    assert!(undeclared.is_empty(), "scenarios expect error statuses their operation does not declare: {undeclared:?}");
    let gap = |op: &str, s: u64| KNOWN_GAPS.iter().any(|(o, g, _)| *o == op && *g == s);
    let closed: Vec<_> = KNOWN_GAPS.iter().filter(|(op, s, _)| exercised.contains(&(op.to_string(), *s))).collect();
    assert!(closed.is_empty(), "known gaps that scenarios now exercise (take them off KNOWN_GAPS): {closed:?}");
    let unmet = |status: u64, applies: &dyn Fn(&str) -> bool| -> Vec<&String> {
        declared
            .iter()
            .filter(|(op, s)| *s == status && applies(op) && !exercised.contains(&(op.clone(), status)) && !gap(op, status))
            .map(|(op, _)| op)
            .collect()
    };
    let no_401 = unmet(401, &|_| true);
    assert!(no_401.is_empty(), "operations never sent a wrong key (401): {no_401:?}");
    let no_404 = unmet(404, &|op| with_id.contains(op));
    assert!(no_404.is_empty(), "operations that take an id never asked for a missing one (404): {no_404:?}");

    let mut by_status: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    for (op, s) in &declared {
        let e = by_status.entry(*s).or_default();
        e.1 += 1;
        if exercised.contains(&(op.clone(), *s)) {
            e.0 += 1;
        }
    }
    let breakdown: Vec<String> = by_status.iter().map(|(s, (n, m))| format!("{s}: {n}/{m}")).collect();
    println!(
        "{} operations and {} error statuses covered by scenarios; {} of {} declared error responses exercised ({})",
        used.len(),
        statuses.len(),
        exercised.len(),
        declared.len(),
        breakdown.join(", ")
    );
    assert!(
        exercised.len() >= EXERCISED_FLOOR,
        "{} declared error responses exercised, fewer than the {EXERCISED_FLOOR} reached before",
        exercised.len()
    );
}
