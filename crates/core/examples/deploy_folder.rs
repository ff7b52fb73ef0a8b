//! Deploy a folder: create a function (or reuse one by name), then pack,
//! upload and deploy the folder, waiting until it is ready.
//!
//! `cargo run -p flowengine --example deploy_folder -- examples/hello hello`
//! (against the account of FLOWENGINE_API_KEY / ~/.flowengine/config.json).
use flowengine::{Client, DeployOptions, DeployProgress, Error};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

pub async fn run(fe: &Client, folder: &Path, name: &str) -> Result<String, Error> {
    let existing = fe.call("listFunctions", json!({})).await?;
    let id = match existing["functions"].as_array().and_then(|f| f.iter().find(|f| f["name"] == name)) {
        Some(f) => f["id"].as_str().unwrap_or_default().to_string(),
        None => fe.call("createFunction", json!({ "name": name, "runtime": "nodejs22" })).await?["id"].as_str().unwrap_or_default().to_string(),
    };
    let on_progress = Arc::new(|p: &DeployProgress| match p {
        DeployProgress::Packed { files, bytes, compressed_bytes } => println!("  packed {files} files, {bytes} bytes ({compressed_bytes} gzip'd)"),
        DeployProgress::Uploading { sent, total } if sent == total => println!("  uploaded {total} bytes"),
        DeployProgress::Triggered { deployment_id } => println!("  build started ({deployment_id})"),
        DeployProgress::Building { status } => println!("  status: {status}"),
        DeployProgress::Ready { url } => println!("  ready at {}", url.as_deref().unwrap_or("?")),
        _ => {}
    });
    let outcome = fe.deploy_folder(&id, folder, DeployOptions { on_progress: Some(on_progress), ..Default::default() }).await?;
    println!("deployed {name} ({}) -> {}", outcome.function_id, outcome.url.as_deref().unwrap_or("(no url)"));
    Ok(id)
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let folder = args.next().unwrap_or_else(|| "examples/hello".into());
    let name = args.next().unwrap_or_else(|| "hello".into());
    run(&Client::from_env()?, Path::new(&folder), &name).await.map(|_| ())
}
