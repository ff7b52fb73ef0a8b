//! Load benchmark (not a timed test): 10,000 mixed requests at 64 in flight
//! against a sandbox, then a check that the state matches what was written.
//!
//!   cargo run --release -p flowengine-sandbox --example load [-- --requests N --concurrency C --file PATH]
//!
//! Without `--file` the sandbox keeps its state in memory; with it, in a
//! SQLite file (WAL). Prints requests/s and exits non-zero on any error or
//! state mismatch.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flowengine_sandbox::{DbLocation, SandboxConfig};
use futures::StreamExt;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Op {
    CreateFunction,
    SetSecret,
    CreateChat,
    Chat,
    ListFunctions,
    GetFunction,
    PatchFunction,
    User,
    Limits,
    SendEmail,
}

const MIX: [Op; 20] = [
    Op::CreateFunction,
    Op::SetSecret,
    Op::SetSecret,
    Op::SetSecret,
    Op::CreateChat,
    Op::Chat,
    Op::Chat,
    Op::ListFunctions,
    Op::GetFunction,
    Op::GetFunction,
    Op::GetFunction,
    Op::PatchFunction,
    Op::User,
    Op::User,
    Op::Limits,
    Op::SendEmail,
    Op::GetFunction,
    Op::ListFunctions,
    Op::SetSecret,
    Op::CreateChat,
];

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() {
    let requests: usize = arg("--requests").and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let concurrency: usize = arg("--concurrency").and_then(|v| v.parse().ok()).unwrap_or(64);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = match arg("--file") {
        Some(p) => {
            let _ = std::fs::remove_file(&p);
            DbLocation::File(p.into())
        }
        None => DbLocation::Memory,
    };
    let sb = flowengine_sandbox::start(SandboxConfig { db, build_step_delay: Duration::from_millis(5), ..SandboxConfig::default() })
        .await
        .expect("sandbox");
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");
    let base = sb.url.clone();
    let key = sb.api_key.clone();

    // Fixtures: 16 functions whose secrets the run writes.
    let mut shared = Vec::new();
    for i in 0..16 {
        let r: Value = http
            .post(format!("{base}/api/v1/functions"))
            .bearer_auth(&key)
            .json(&json!({ "name": format!("shared-{i}"), "runtime": "nodejs22" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        shared.push(r["id"].as_str().unwrap().to_string());
    }
    let credits_before = http.get(format!("{base}/api/v1/credits")).bearer_auth(&key).send().await.unwrap().json::<Value>().await.unwrap()
        ["credits_remaining"]
        .as_f64()
        .unwrap();

    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let results: Vec<(Op, usize)> = futures::stream::iter(0..requests)
        .map(|i| {
            let (http, base, key, shared, errors) = (http.clone(), base.clone(), key.clone(), shared.clone(), errors.clone());
            async move {
                let op = MIX[i % MIX.len()];
                let f = &shared[i % shared.len()];
                let rb = match op {
                    Op::CreateFunction => http.post(format!("{base}/api/v1/functions")).json(&json!({ "name": format!("load-{i}"), "runtime": "go122", "memory": "1Gi" })),
                    Op::SetSecret => http.post(format!("{base}/api/v1/functions/{f}/secrets")).json(&json!({ "name": format!("K_{i}"), "value": "v" })),
                    Op::CreateChat => http.post(format!("{base}/api/v1/chats")).json(&json!({ "title": format!("chat {i}") })),
                    Op::Chat => http.post(format!("{base}/api/v1/chat")).json(&json!({ "message": format!("hello {i}"), "model": "regular" })),
                    Op::ListFunctions => http.get(format!("{base}/api/v1/functions")),
                    Op::GetFunction => http.get(format!("{base}/api/v1/functions/{f}")),
                    Op::PatchFunction => http.patch(format!("{base}/api/v1/functions/{f}")).json(&json!({ "concurrency": 10 + (i % 90) })),
                    Op::User => http.get(format!("{base}/api/v1/user")),
                    Op::Limits => http.get(format!("{base}/api/v1/functions/limits")),
                    Op::SendEmail => http.post(format!("{base}/api/v1/email/send")).json(&json!({ "to": "x@example.com", "subject": "s", "text": "t" })),
                };
                let ok = match rb.bearer_auth(&key).send().await {
                    Ok(resp) => {
                        let good = resp.status().is_success() || (matches!(op, Op::SendEmail) && resp.status() == 409);
                        let body = resp.bytes().await.map(|b| b.len()).unwrap_or(0);
                        good && body > 0
                    }
                    Err(_) => false,
                };
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                (op, i)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let errors = errors.load(Ordering::Relaxed);

    // What was written must be what is there.
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut secrets_per_fn: HashMap<String, usize> = HashMap::new();
    for (op, i) in &results {
        *counts.entry(format!("{op:?}")).or_default() += 1;
        if let Op::SetSecret = op {
            *secrets_per_fn.entry(shared[i % shared.len()].clone()).or_default() += 1;
        }
    }
    let get = |path: String| {
        let (http, key) = (http.clone(), key.clone());
        async move { http.get(path).bearer_auth(&key).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let mut mismatches = Vec::new();
    let functions = get(format!("{base}/api/v1/functions")).await["functions"].as_array().unwrap().len();
    if functions != counts["CreateFunction"] + shared.len() {
        mismatches.push(format!("functions: {functions} listed, {} created", counts["CreateFunction"] + shared.len()));
    }
    for (f, n) in &secrets_per_fn {
        let listed = get(format!("{base}/api/v1/functions/{f}/secrets")).await["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["source"] == "override")
            .count();
        if listed != *n {
            mismatches.push(format!("secrets of {f}: {listed} listed, {n} set"));
        }
    }
    let chats = get(format!("{base}/api/v1/chats?limit=1")).await["total"].as_u64().unwrap() as usize;
    if chats != counts["CreateChat"] + counts["Chat"] {
        mismatches.push(format!("chats: {chats}, expected {}", counts["CreateChat"] + counts["Chat"]));
    }
    let credits_after = get(format!("{base}/api/v1/credits")).await["credits_remaining"].as_f64().unwrap();
    if credits_before - credits_after != counts["Chat"] as f64 {
        mismatches.push(format!("credits spent: {}, expected {}", credits_before - credits_after, counts["Chat"]));
    }
    sb.shutdown().await;

    let rps = requests as f64 / elapsed.as_secs_f64();
    println!(
        "load: {requests} requests ({} kinds) at {concurrency} in flight in {:.2} s: {rps:.0} requests/s, {errors} errors, {} state mismatches",
        counts.len(),
        elapsed.as_secs_f64(),
        mismatches.len()
    );
    for m in &mismatches {
        println!("  mismatch: {m}");
    }
    if errors > 0 || !mismatches.is_empty() {
        std::process::exit(1);
    }
}
