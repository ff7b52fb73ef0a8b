//! The tour: starts a sandbox in this process (no account, no network),
//! then deploys examples/hello, streams a chat reply and tails the logs
//! with the same code the standalone examples run against the real service.
//!
//! `make demo-rust` (or `cargo run -p flowengine --example tour`); `make test` runs it too.
#[path = "deploy_folder.rs"]
mod deploy_folder;
#[path = "stream_chat.rs"]
mod stream_chat;
#[path = "tail_logs.rs"]
mod tail_logs;

use flowengine::{Client, Config, Error};
use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let sandbox = flowengine_sandbox::start(flowengine_sandbox::SandboxConfig::for_tests())
        .await
        .map_err(|e| Error::new(flowengine::ErrorKind::Connection, format!("the sandbox did not start: {e}")))?;
    println!("sandbox running at {} (an in-process FlowEngine-compatible server)\n", sandbox.url);
    let fe = Client::new(Config { api_key: Some(sandbox.api_key.clone()), base_url: Some(sandbox.url.clone()), ..Default::default() })?;

    let user = fe.call("getUser", serde_json::json!({})).await?;
    println!("1. account: tier {}, {} credits\n", user["tier"], user["credits_remaining"]);

    println!("2. deploy examples/hello");
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello");
    let id = deploy_folder::run(&fe, &folder, "hello").await?;

    println!("\n3. stream a chat reply");
    stream_chat::run(&fe, "Create a calculator workflow").await?;

    println!("\n4. tail the function's logs (first 5 lines)");
    tail_logs::run(&fe, &id, 5).await?;

    let usage = fe.call("getFunctionsUsage", serde_json::json!({})).await?;
    println!("\n5. usage this month: {} requests, ${}", usage["total"]["requests"], usage["total"]["cost_usd"]);
    println!("\ntour complete");
    Ok(())
}
