//! What the integration tests against an in-process sandbox share.
#![allow(dead_code)] // each test binary uses part of it
use flowengine::{Client, Config};
use flowengine_sandbox::{Sandbox, SandboxConfig};

/// A client for `url` with `key`: no retries, no config file.
pub fn client_for(url: &str, key: &str) -> Client {
    Client::new(Config {
        api_key: Some(key.to_string()),
        base_url: Some(url.to_string()),
        max_retries: Some(0),
        config_file: Some("/nonexistent/config.json".into()),
        ..Default::default()
    })
    .unwrap()
}

/// A fresh in-memory sandbox and a client with its default account's key.
pub async fn sandbox_and_client() -> (Sandbox, Client) {
    let sandbox = flowengine_sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox starts");
    let client = client_for(&sandbox.url, &sandbox.api_key);
    (sandbox, client)
}
