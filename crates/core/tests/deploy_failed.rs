//! A failed build against the in-process sandbox: `deploy_folder` returns a
//! `DeployFailed` error carrying this deployment's build log, and not the
//! lines of the function's earlier builds.
mod common;

use flowengine::{DeployOptions, ErrorKind};
use serde_json::json;
use std::time::Duration;

fn deployment_ids(message: &str) -> Vec<String> {
    message
        .lines()
        .filter_map(|l| l.split("Deployment ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn a_failed_build_reports_its_own_log_only() {
    let (_sandbox, fe) = common::sandbox_and_client().await;
    let function = fe.call("createFunction", json!({"name": "fails-twice", "runtime": "nodejs22"})).await.expect("created");
    let id = function["id"].as_str().expect("id").to_string();
    // A Node function without package.json: the sandbox's build fails.
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("main.py"), "print('not node')\n").unwrap();

    let mut seen = Vec::new();
    for _ in 0..2 {
        let options = DeployOptions { poll_interval: Duration::from_millis(50), ..Default::default() };
        let err = fe.deploy_folder(&id, folder.path(), options).await.expect_err("the build fails");
        assert_eq!(err.kind, ErrorKind::DeployFailed, "{err}");
        assert!(err.message.contains("--- build log (last lines) ---"), "{}", err.message);
        let ids = deployment_ids(&err.message);
        assert!(!ids.is_empty(), "the log names its deployment: {}", err.message);
        assert!(ids.iter().all(|d| d == &ids[0]), "one deployment's lines only: {}", err.message);
        seen.push(ids[0].clone());
    }
    assert_ne!(seen[0], seen[1], "the second failure shows the second build");
}
