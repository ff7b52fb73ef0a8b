//! Peak memory of pack + upload + deploy (a benchmark, run by `make bench`,
//! not a test): generates the 100 MB / 1,000-file bench tree, deploys it to
//! the sandbox at FLOWENGINE_BASE_URL (a separate process, so that its
//! memory is not counted), and prints this process's peak RSS (VmHWM).
//! Target: <= 64 MB.
#[path = "../benches/support/tree.rs"]
mod tree;

use flowengine::{Client, Config, DeployOptions};
use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), flowengine::Error> {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = tree::generate_tree(dir.path());
    // Large test files are not a function: give the tree an entry file.
    std::fs::write(dir.path().join("package.json"), r#"{"name":"bench","main":"index.js"}"#).expect("write");
    let fe = Client::new(Config { max_retries: Some(0), ..Default::default() })?;
    let f = fe.call("createFunction", serde_json::json!({ "name": format!("bench-{}", std::process::id()), "runtime": "nodejs22" })).await?;
    let id = f["id"].as_str().unwrap_or_default().to_string();
    let rss_before = vm_hwm_kb();
    let start = Instant::now();
    let out = fe.deploy_folder(&id, dir.path(), DeployOptions { wait: true, poll_interval: std::time::Duration::from_millis(100), ..Default::default() }).await?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "pack+upload+deploy: {} files, {:.1} MB -> {:.1} MB gzip'd in {secs:.2} s ({}); peak RSS {:.1} MB (before the deploy: {:.1} MB; target <= 64 MB)",
        out.files,
        bytes as f64 / 1e6,
        out.compressed_bytes as f64 / 1e6,
        out.status,
        vm_hwm_kb() as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
    Ok(())
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}
