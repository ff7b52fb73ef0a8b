//! Shared helpers of the sandbox's integration tests: a sandbox on a free
//! port and a small JSON client over reqwest.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use flowengine_sandbox::{AccountSpec, FunctionsTier, MainTier, Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub fn http() -> reqwest::Client {
    // reqwest is built with `rustls-no-provider`: a provider must be installed before any client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client")
}

pub async fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig::for_tests()).await
}

pub async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    flowengine_sandbox::start(config).await.expect("sandbox starts")
}

/// A caller: the sandbox's URL and one key.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Api {
    pub fn new(sb: &Sandbox) -> Api {
        Api { base: sb.url.clone(), key: sb.api_key.clone(), http: http() }
    }
    pub fn with_key(&self, key: &str) -> Api {
        Api { base: self.base.clone(), key: key.to_string(), http: self.http.clone() }
    }
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut rb = self.http.request(method, format!("{}{}", self.base, path)).bearer_auth(&self.key);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, body, text }
    }
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// Creates a function and returns its id.
    pub async fn create_function(&self, name: &str, runtime: &str) -> String {
        let r = self.post("/api/v1/functions", json!({ "name": name, "runtime": runtime })).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().unwrap().to_string()
    }

    /// Steps 1 and 2 of the deploy chain: returns the `sourceTarball` name.
    pub async fn upload(&self, function_id: &str, tarball: Vec<u8>) -> String {
        let r = self.post(&format!("/api/v1/functions/{function_id}/deploy"), json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["expiresIn"], 900);
        let url = r.body["uploadUrl"].as_str().unwrap().to_string();
        // The storage host needs no FlowEngine credentials: no Authorization header here.
        let put = self.http.put(&url).header("content-type", "application/gzip").body(tarball).send().await.unwrap();
        assert_eq!(put.status(), 200);
        r.body["sourceTarball"].as_str().unwrap().to_string()
    }

    /// Polls a function until its status is `ready` or `failed`.
    pub async fn wait_settled(&self, function_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = self.get(&format!("/api/v1/functions/{function_id}")).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let s = r.body["status"].as_str().unwrap_or_default().to_string();
            if s == "ready" || s == "failed" {
                return r.body;
            }
            assert!(Instant::now() < deadline, "function still {s}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A deterministic `.tar.gz` of `files` (ustar), as the core's packer makes.
pub fn tarball(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    for (path, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_path(path).unwrap();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

pub fn account(ft: FunctionsTier, mt: MainTier, card: bool) -> AccountSpec {
    AccountSpec { functions_tier: ft, main_tier: mt, has_card: card, ..AccountSpec::default() }
}

/// Asserts the spec's error body: `success: false`, an `error`, a `message`.
pub fn assert_error(r: &Reply, status: u16) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(r.body["success"], false, "{}", r.text);
    assert!(r.body["error"].is_string(), "{}", r.text);
}
