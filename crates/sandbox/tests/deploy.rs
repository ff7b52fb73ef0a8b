//! The deploy chain: signed upload URLs, the build to ready or failed, the
//! other ways to ship code, and the gates in front of a deploy.

mod common;

use std::time::Duration;

use common::*;
use flowengine_sandbox::{AccountSpec, FunctionsTier, MainTier, SandboxConfig};
use serde_json::json;

const NODE_APP: &[(&str, &[u8])] = &[("package.json", b"{\"main\":\"index.js\"}"), ("index.js", b"console.log('hi')\n")];

#[tokio::test]
async fn deploy_chain_to_ready() {
    let sb = sandbox().await;
    let api = Api::new(&sb);
    let fid = api.create_function("chain", "nodejs22").await;
    let gs = api.upload(&fid, tarball(NODE_APP)).await;
    assert!(gs.starts_with(&format!("gs://flowengine-source/functions/{}/{fid}/", sb.user_id)), "{gs}");
    assert!(gs.ends_with(".tar.gz"));

    let r = api.post(&format!("/api/v1/functions/{fid}/deploy"), json!({ "sourceTarball": gs })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["success"], true);
    assert_eq!(r.body["function_id"], fid.as_str());
    let dep = r.body["deployment_id"].as_str().unwrap().to_string();

    let f = api.wait_settled(&fid).await;
    assert_eq!(f["status"], "ready", "{f}");
    assert!(f["url"].as_str().unwrap().starts_with("https://chain-"));
    assert_eq!(f["latest_deployment"]["id"], dep.as_str());
    assert_eq!(f["latest_deployment"]["status"], "ready");
    assert_eq!(f["latest_deployment"]["source_tarball"], gs.as_str());
    assert!(f["latest_deployment"]["finished_at"].is_string());

    let logs = api.get(&format!("/api/v1/functions/{fid}/logs")).await;
    let messages: Vec<String> = logs.body["logs"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap().to_string()).collect();
    for needle in ["Step 1/5", "detected a nodejs22 app (package.json)", "Service ready at"] {
        assert!(messages.iter().any(|m| m.contains(needle)), "no {needle:?} in {messages:?}");
    }

    // The source editor round-trips the tarball as a {path: contents} map.
    let src = api.get(&format!("/api/v1/functions/{fid}/source")).await;
    assert_eq!(src.status, 200);
    assert_eq!(src.body["files"]["index.js"], "console.log('hi')\n");
    let put = api
        .put(
            &format!("/api/v1/functions/{fid}/source"),
            json!({ "files": { "package.json": "{}", "index.js": "console.log('edited')\n" } }),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(api.wait_settled(&fid).await["status"], "ready");
    let src = api.get(&format!("/api/v1/functions/{fid}/source")).await;
    assert_eq!(src.body["files"]["index.js"], "console.log('edited')\n");

    // Usage accrues from the two deploys, dollarized.
    let usage = api.get(&format!("/api/v1/functions/usage?function_id={fid}")).await;
    assert_eq!(usage.status, 200, "{}", usage.text);
    assert_eq!(usage.body["total"]["requests"], 200);
    assert!(usage.body["total"]["cost_usd"].as_f64().unwrap() > 0.0);
    sb.shutdown().await;
}

#[tokio::test]
async fn deploy_chain_to_failed() {
    let sb = sandbox().await;
    let api = Api::new(&sb);

    // No package.json for a nodejs runtime.
    let fid = api.create_function("no-entry", "nodejs20").await;
    let gs = api.upload(&fid, tarball(&[("index.js", b"1")])).await;
    let r = api.post(&format!("/api/v1/functions/{fid}/deploy"), json!({ "sourceTarball": gs })).await;
    assert_eq!(r.status, 200);
    let f = api.wait_settled(&fid).await;
    assert_eq!(f["status"], "failed");
    let err = f["latest_deployment"]["error"].as_str().unwrap();
    assert!(err.contains("package.json"), "{err}");
    let logs = api.get(&format!("/api/v1/functions/{fid}/logs")).await;
    assert!(logs.body["logs"].as_array().unwrap().iter().any(|l| l["severity"] == "ERROR" && l["message"].as_str().unwrap().contains("package.json")));

    // Not gzip at all.
    let fid = api.create_function("not-gzip", "python312").await;
    let gs = api.upload(&fid, b"plain text".to_vec()).await;
    api.post(&format!("/api/v1/functions/{fid}/deploy"), json!({ "sourceTarball": gs })).await;
    let f = api.wait_settled(&fid).await;
    assert_eq!(f["status"], "failed");
    assert!(f["latest_deployment"]["error"].as_str().unwrap().contains("gzip"));

    // A path longer than 100 bytes (the ustar limit), named in the error.
    let long = format!("{}/x.py", "d".repeat(100));
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    let mut h = tar::Header::new_gnu();
    h.set_size(1);
    b.append_data(&mut h, &long, &b"x"[..]).unwrap();
    let gz = b.into_inner().unwrap().finish().unwrap();
    let fid = api.create_function("long-path", "python312").await;
    let gs = api.upload(&fid, gz).await;
    api.post(&format!("/api/v1/functions/{fid}/deploy"), json!({ "sourceTarball": gs })).await;
    let f = api.wait_settled(&fid).await;
    assert_eq!(f["status"], "failed");
    assert!(f["latest_deployment"]["error"].as_str().unwrap().contains("100"), "{f}");
    sb.shutdown().await;
}

#[tokio::test]
async fn upload_urls_are_signed_owned_and_checked() {
    let mut config = SandboxConfig::for_tests();
    config.upload_url_ttl = Duration::from_secs(0);
    let sb = sandbox_with(config).await;
    let api = Api::new(&sb);
    let fid = api.create_function("signed", "nodejs22").await;
    let r = api.post(&format!("/api/v1/functions/{fid}/deploy"), json!({})).await;
    let url = r.body["uploadUrl"].as_str().unwrap().to_string();
    let gs = r.body["sourceTarball"].as_str().unwrap().to_string();

    // A tampered signature.
    let bad = url.replace("sig=", "sig=00");
    assert_eq!(api.http.put(&bad).body(tarball(NODE_APP)).send().await.unwrap().status(), 403);
    // An expired URL (its lifetime is 0 s here).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(api.http.put(&url).body(tarball(NODE_APP)).send().await.unwrap().status(), 403);

    // Step 3 before any upload: 400 naming sourceTarball.
    let r = api.post(&format!("/api/v1/functions/{fid}/deploy"), json!({ "sourceTarball": gs })).await;
    assert_error(&r, 400);
    assert_eq!(r.body["field"], "sourceTarball");
    // Outside the caller's prefix: 403.
    let r = api
        .post(&format!("/api/v1/functions/{fid}/deploy"), json!({ "sourceTarball": "gs://flowengine-source/functions/someone-else/x/1.tar.gz" }))
        .await;
    assert_error(&r, 403);
    // A malformed name: 400 from the spec's pattern.
    let r = api.post(&format!("/api/v1/functions/{fid}/deploy"), json!({ "sourceTarball": "s3://x/y.zip" })).await;
    assert_eq!(r.body["field"], "sourceTarball");
    sb.shutdown().await;
}

#[tokio::test]
async fn inflight_cap_answers_429_with_retry_after() {
    let mut config = SandboxConfig::for_tests();
    config.max_inflight_deploys = 1;
    config.build_step_delay = Duration::from_millis(300);
    let sb = sandbox_with(config).await;
    let api = Api::new(&sb);
    let first = api.post("/api/v1/functions/templates/hello-node/fork", json!({})).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["name"], "hello-node");
    let second = api.post("/api/v1/functions/templates/hello-node/fork", json!({})).await;
    assert_error(&second, 429);
    let retry: u64 = second.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    // Once the first build is done, deploys are accepted again (the name is auto-suffixed).
    api.wait_settled(first.body["function_id"].as_str().unwrap()).await;
    let third = api.post("/api/v1/functions/templates/hello-node/fork", json!({})).await;
    assert_eq!(third.status, 201, "{}", third.text);
    assert_eq!(third.body["name"], "hello-node-2");
    sb.shutdown().await;
}

#[tokio::test]
async fn other_ways_to_ship_code() {
    let sb = sandbox().await;
    let api = Api::new(&sb);

    // Templates: a real file set per slug; unknown slugs are 404.
    for slug in ["hello-node", "openai-chat", "python-flask"] {
        let r = api.post(&format!("/api/v1/functions/templates/{slug}/fork"), json!({ "name": format!("t-{slug}") })).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let f = api.wait_settled(r.body["function_id"].as_str().unwrap()).await;
        assert_eq!(f["status"], "ready", "{slug}: {f}");
    }
    assert_error(&api.post("/api/v1/functions/templates/nope/fork", json!({})).await, 404);
    // A template forked under an existing name: 409.
    let r = api.post("/api/v1/functions/templates/hello-node/fork", json!({ "name": "t-hello-node" })).await;
    assert_error(&r, 409);

    // GitHub: no network here; a placeholder is built and the logs say so.
    let r = api.post("/api/v1/functions/github", json!({ "repo": "https://github.com/acme/My_Repo#dev", "runtime": "python311" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["name"], "my-repo");
    let fid = r.body["function_id"].as_str().unwrap().to_string();
    assert_eq!(api.wait_settled(&fid).await["status"], "ready");
    let logs = api.get(&format!("/api/v1/functions/{fid}/logs")).await;
    assert!(logs.text.contains("no network access"), "{}", logs.text);
    let r = api.post("/api/v1/functions/github", json!({ "repo": "not a repo" })).await;
    assert_error(&r, 400);
    assert_eq!(r.body["field"], "repo");

    // Multipart folder upload: field name = relative path.
    let form = reqwest::multipart::Form::new()
        .text("name", "from-folder")
        .text("runtime", "php82")
        .part("index.php", reqwest::multipart::Part::bytes(b"<?php echo 1;".to_vec()).file_name("index.php"))
        .part("lib/util.php", reqwest::multipart::Part::bytes(b"<?php".to_vec()).file_name("util.php"));
    let resp = api.http.post(format!("{}/api/v1/functions/upload", api.base)).bearer_auth(&api.key).multipart(form).send().await.unwrap();
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    let fid = body["function_id"].as_str().unwrap().to_string();
    assert_eq!(api.wait_settled(&fid).await["status"], "ready");
    let src = api.get(&format!("/api/v1/functions/{fid}/source")).await;
    assert_eq!(src.body["files"]["lib/util.php"], "<?php");

    // A path over 100 bytes is refused before anything is stored, naming the file.
    let long = "p".repeat(101);
    let form = reqwest::multipart::Form::new().part(long.clone(), reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x"));
    let resp = api.http.post(format!("{}/api/v1/functions/upload", api.base)).bearer_auth(&api.key).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["field"], long.as_str());

    // A binary file in the deployed tarball: the source editor refuses it with 400.
    let fid = api.create_function("binary", "nodejs22").await;
    let gs = api.upload(&fid, tarball(&[("package.json", b"{}"), ("logo.png", b"\x89PNG\r\n\x1a\n\0\0")])).await;
    api.post(&format!("/api/v1/functions/{fid}/deploy"), json!({ "sourceTarball": gs })).await;
    api.wait_settled(&fid).await;
    let src = api.get(&format!("/api/v1/functions/{fid}/source")).await;
    assert_error(&src, 400);
    assert_eq!(src.body["field"], "files.logo.png");
    sb.shutdown().await;
}

#[tokio::test]
async fn gates_402_403_409() {
    let sb = sandbox().await;
    let api = Api::new(&sb);

    // 409 on a duplicate name; the name is free again after a soft delete.
    let fid = api.create_function("dup", "nodejs22").await;
    let r = api.post("/api/v1/functions", json!({ "name": "dup", "runtime": "go122" })).await;
    assert_error(&r, 409);
    assert_eq!(r.body["code"], "name_taken");
    assert_eq!(api.delete(&format!("/api/v1/functions/{fid}")).await.status, 200);
    assert_error(&api.get(&format!("/api/v1/functions/{fid}")).await, 404);
    assert!(!api.get("/api/v1/functions").await.text.contains(&fid));
    api.create_function("dup", "nodejs22").await;

    // 403 for Slack below Teams, with upgrade_url.
    let free = sb.create_account(account(FunctionsTier::Free, MainTier::Free, false)).await.unwrap();
    let free_api = api.with_key(&free.api_key);
    let r = free_api.post("/api/v1/functions", json!({ "name": "bot", "runtime": "nodejs22", "trigger_type": "slack" })).await;
    assert_error(&r, 403);
    assert!(r.body["upgrade_url"].is_string());
    assert_eq!(r.body["upgrade_required"], true);
    // The default account (Teams) may.
    let r = api.post("/api/v1/functions", json!({ "name": "bot", "runtime": "nodejs22", "trigger_type": "slack" })).await;
    assert_eq!(r.status, 201);

    // 402: a paid Functions tier without a card cannot deploy (step 1 nor a fork).
    let pro = sb.create_account(account(FunctionsTier::Pro, MainTier::Pro, false)).await.unwrap();
    let pro_api = api.with_key(&pro.api_key);
    let pfid = pro_api.create_function("paid", "nodejs22").await;
    assert_error(&pro_api.post(&format!("/api/v1/functions/{pfid}/deploy"), json!({})).await, 402);
    assert_error(&pro_api.post("/api/v1/functions/templates/hello-node/fork", json!({})).await, 402);
    // A free tier without a card may deploy.
    let r = free_api.post("/api/v1/functions/templates/hello-node/fork", json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // verify-card without a card: 402.
    assert_error(&pro_api.post("/api/v1/functions/billing/verify-card", json!({})).await, 402);

    // 403 for a suspended account, with upgrade_url; verify-card lifts it.
    let suspended = sb
        .create_account(AccountSpec {
            functions_tier: FunctionsTier::Pro,
            has_card: true,
            suspended: Some("card_invalid".into()),
            ..AccountSpec::default()
        })
        .await
        .unwrap();
    let s_api = api.with_key(&suspended.api_key);
    let r = s_api.post("/api/v1/functions", json!({ "name": "x", "runtime": "nodejs22" })).await;
    assert_error(&r, 403);
    assert!(r.body["upgrade_url"].is_string());
    assert_eq!(s_api.get("/api/v1/functions/billing").await.body["suspended_reason"], "card_invalid");
    let v = s_api.post("/api/v1/functions/billing/verify-card", json!({})).await;
    assert_eq!(v.status, 200);
    assert_eq!(v.body["verified"], true);
    assert_eq!(s_api.post("/api/v1/functions", json!({ "name": "x", "runtime": "nodejs22" })).await.status, 201);
    sb.shutdown().await;
}

#[tokio::test]
async fn tier_clamping_and_limits() {
    let sb = sandbox().await;
    let api = Api::new(&sb);
    let free = api.with_key(&sb.create_account(account(FunctionsTier::Free, MainTier::Free, false)).await.unwrap().api_key);

    let lim = free.get("/api/v1/functions/limits").await;
    assert_eq!(lim.body["functions_tier"], "free");
    assert_eq!(lim.body["limits"], json!({ "memory": "512Mi", "max_instances": 10, "timeout_seconds": 300 }));
    assert_eq!(lim.body["all_limits"]["pro"], json!({ "memory": "8Gi", "max_instances": 100, "timeout_seconds": 3600 }));
    assert_eq!(lim.body["all_limits"]["teams"]["memory"], "32Gi");

    let r = free
        .post(
            "/api/v1/functions",
            json!({ "name": "big", "runtime": "nodejs22", "memory": "8Gi", "max_instances": 500, "min_instances": 50, "timeout_seconds": 3600 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["memory"], "512Mi");
    assert_eq!(r.body["max_instances"], 10);
    assert_eq!(r.body["min_instances"], 10);
    assert_eq!(r.body["timeout_seconds"], 300);
    let id = r.body["id"].as_str().unwrap();
    let u = free.patch(&format!("/api/v1/functions/{id}"), json!({ "memory": "2Gi", "max_instances": 5, "unknown": 1 })).await;
    assert_eq!(u.status, 200);
    assert_eq!(u.body["memory"], "512Mi");
    assert_eq!(u.body["max_instances"], 5);
    assert_eq!(u.body["min_instances"], 5);

    let pro = api.with_key(&sb.create_account(account(FunctionsTier::Pro, MainTier::Pro, true)).await.unwrap().api_key);
    let r = pro.post("/api/v1/functions", json!({ "name": "big", "runtime": "nodejs22", "memory": "16Gi", "max_instances": 500 })).await;
    assert_eq!(r.body["memory"], "8Gi");
    assert_eq!(r.body["max_instances"], 100);
    let r = api.post("/api/v1/functions", json!({ "name": "big", "runtime": "nodejs22", "memory": "32Gi" })).await;
    assert_eq!(r.body["memory"], "32Gi");
    sb.shutdown().await;
}
