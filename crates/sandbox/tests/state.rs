//! State: restarts on the same file, concurrent writers, and the
//! account-level resources (chats, secrets, domains, hosting, WhatsApp, email).

mod common;

use std::time::Duration;

use base64::Engine;
use common::*;
use flowengine_sandbox::{AccountSpec, DbLocation, FunctionsTier, MainTier, SandboxConfig};
use serde_json::{json, Value};

#[tokio::test]
async fn restart_on_the_same_file_keeps_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.db");
    let key = format!("fe_{}", "ab".repeat(20));
    let config = || SandboxConfig { db: DbLocation::File(path.clone()), ..SandboxConfig::for_tests() };

    let sb = sandbox_with(config()).await;
    let first_default_key = sb.api_key.clone();
    let other = sb.create_account(AccountSpec { key: Some(key.clone()), ..AccountSpec::default() }).await.unwrap();
    let api = Api::new(&sb).with_key(&other.api_key);
    let fid = api.create_function("kept", "python312").await;
    let r = api.post("/api/v1/functions/templates/python-flask/fork", json!({ "name": "kept-app" })).await;
    let app = r.body["function_id"].as_str().unwrap().to_string();
    api.wait_settled(&app).await;
    api.post(&format!("/api/v1/functions/{fid}/secrets"), json!({ "name": "TOKEN", "value": "s" })).await;
    let chat = api.post("/api/v1/chats", json!({ "title": "remember me" })).await.body["chat"]["id"].as_str().unwrap().to_string();
    let sess = api.post("/api/v1/whatsapp/sessions", json!({ "display_name": "x", "billing_cycle": "monthly" })).await;
    assert_eq!(sess.status, 402, "a free account has no card");
    sb.shutdown().await;

    let sb = sandbox_with(config()).await;
    let api = Api::new(&sb).with_key(&key);
    assert_eq!(api.get(&format!("/api/v1/functions/{fid}")).await.body["name"], "kept");
    assert_eq!(api.get(&format!("/api/v1/functions/{app}")).await.body["status"], "ready");
    assert_eq!(api.get(&format!("/api/v1/functions/{app}/source")).await.status, 200);
    assert_eq!(api.get(&format!("/api/v1/functions/{fid}/secrets")).await.body["secrets"][0]["name"], "TOKEN");
    assert_eq!(api.get(&format!("/api/v1/chats/{chat}")).await.body["chat"]["title"], "remember me");
    // The default account got a fresh key; the old one is revoked (one active key per account).
    assert_ne!(sb.api_key, first_default_key);
    assert_error(&Api::new(&sb).with_key(&first_default_key).get("/api/v1/user").await, 401);
    assert_eq!(Api::new(&sb).get("/api/v1/user").await.status, 200);
    sb.shutdown().await;

    // A fixed default key survives restarts.
    let fixed = format!("fe_{}", "cd".repeat(20));
    let sb = sandbox_with(SandboxConfig { default_key: Some(fixed.clone()), ..config() }).await;
    assert_eq!(sb.api_key, fixed);
    sb.shutdown().await;
    let sb = sandbox_with(SandboxConfig { default_key: Some(fixed.clone()), ..config() }).await;
    assert_eq!(Api::new(&sb).get("/api/v1/user").await.status, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn concurrent_writes_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox_with(SandboxConfig { db: DbLocation::File(dir.path().join("c.db")), ..SandboxConfig::for_tests() }).await;
    let api = Api::new(&sb);
    let fid = api.create_function("shared", "nodejs22").await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let api = api.clone();
        let fid = fid.clone();
        tasks.push(tokio::spawn(async move {
            let a = api.post("/api/v1/functions", json!({ "name": format!("fn-{i}"), "runtime": "go122" })).await;
            let b = api.post(&format!("/api/v1/functions/{fid}/secrets"), json!({ "name": format!("S_{i}"), "value": "v" })).await;
            let c = api.post("/api/v1/chats", json!({ "title": format!("c{i}") })).await;
            (a.status.as_u16(), b.status.as_u16(), c.status.as_u16())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), (201, 200, 201));
    }
    assert_eq!(api.get("/api/v1/functions").await.body["functions"].as_array().unwrap().len(), 201);
    let secrets = api.get(&format!("/api/v1/functions/{fid}/secrets")).await.body;
    assert_eq!(secrets["secrets"].as_array().unwrap().iter().filter(|s| s["source"] == "override").count(), 200);
    assert_eq!(api.get("/api/v1/chats?limit=1").await.body["total"], 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn auth_validation_and_unknown_routes() {
    let sb = sandbox().await;
    let api = Api::new(&sb);
    assert_error(&api.with_key("").get("/api/v1/user").await, 401);
    assert_error(&api.with_key(&format!("fe_{}", "0".repeat(40))).get("/api/v1/functions").await, 401);
    let r = api.http.get(format!("{}/api/v1/user", api.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // Unknown routes: an HTML page, as the service answers.
    let r = api.http.get(format!("{}/api/v2/nothing", api.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));

    // 400 names the parameter: body fields, nested map keys, query parameters.
    let r = api.post("/api/v1/functions", json!({ "name": "ok", "runtime": "nodejs22", "memory": "64Gi" })).await;
    assert_error(&r, 400);
    assert_eq!(r.body["field"], "memory");
    let r = api.post("/api/v1/functions", json!({ "name": "Bad Name", "runtime": "nodejs22" })).await;
    assert_eq!(r.body["field"], "name");
    let r = api.post("/api/v1/functions", json!({ "runtime": "nodejs22" })).await;
    assert_eq!(r.body["field"], "name");
    let r = api.post("/api/website/provision-instance", json!({ "instanceId": "x", "dockerImage": "nginx", "envVars": { "BAD-KEY": "v" } })).await;
    assert_eq!(r.body["field"], "envVars.BAD-KEY");
    let r = api.post("/api/website/provision-instance", json!({ "instanceId": "x" })).await;
    assert_eq!(r.body["field"], "dockerImage");
    let r = api.get("/api/v1/chats?limit=101").await;
    assert_eq!(r.body["field"], "limit");
    let r = api.get("/api/v1/chats?limit=abc").await;
    assert_eq!(r.body["field"], "limit");
    let r = api.send(reqwest::Method::DELETE, "/api/v1/functions/x/secrets?name=lower", None).await;
    assert_eq!(r.body["field"], "name");
    let r = api.http.post(format!("{}/api/v1/chats", api.base)).bearer_auth(&api.key).body("{not json").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = api.post("/api/v1/email/send", json!({ "to": "a@b.co", "subject": "s" })).await;
    assert_eq!(r.body["field"], "html");
    sb.shutdown().await;
}

#[tokio::test]
async fn chats_secrets_and_domains() {
    let sb = sandbox().await;
    let api = Api::new(&sb);
    for i in 0..7 {
        api.post("/api/v1/chats", json!({ "title": format!("chat {i}") })).await;
    }
    let page = api.get("/api/v1/chats?limit=3&offset=3").await.body;
    assert_eq!(page["total"], 7);
    assert_eq!(page["limit"], 3);
    assert_eq!(page["offset"], 3);
    assert_eq!(page["chats"].as_array().unwrap().len(), 3);
    let id = page["chats"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(api.delete(&format!("/api/v1/chats/{id}")).await.status, 200);
    assert_error(&api.get(&format!("/api/v1/chats/{id}")).await, 404);

    let fid = api.create_function("with-secrets", "nodejs22").await;
    let s = api.post(&format!("/api/v1/functions/{fid}/secrets"), json!({ "name": "DATABASE_URL", "value": "override" })).await;
    assert_eq!(s.body, json!({ "name": "DATABASE_URL", "source": "override", "scope": "function", "updated_at": s.body["updated_at"] }));
    let list = api.get(&format!("/api/v1/functions/{fid}/secrets")).await.body;
    assert!(list["secrets"][0].get("value").is_none(), "values are never returned");
    assert_eq!(list["secrets"].as_array().unwrap().len(), 1, "the override hides the workspace secret of the same name");
    api.send(reqwest::Method::DELETE, &format!("/api/v1/functions/{fid}/secrets?name=DATABASE_URL"), None).await;
    let list = api.get(&format!("/api/v1/functions/{fid}/secrets")).await.body;
    assert_eq!(list["secrets"][0]["source"], "workspace", "the workspace secret stays bound");

    assert_error(&api.get(&format!("/api/v1/functions/{fid}/domain")).await, 404);
    let d = api.post(&format!("/api/v1/functions/{fid}/domain"), json!({ "domain": "api.example.com" })).await;
    assert_eq!(d.body["status"], "pending");
    assert_eq!(d.body["records"][0]["type"], "CNAME");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(api.get(&format!("/api/v1/functions/{fid}/domain")).await.body["status"], "verified");
    let other = api.create_function("other", "nodejs22").await;
    assert_error(&api.post(&format!("/api/v1/functions/{other}/domain"), json!({ "domain": "api.example.com" })).await, 409);
    assert_eq!(api.delete(&format!("/api/v1/functions/{fid}/domain")).await.status, 200);
    assert_error(&api.get(&format!("/api/v1/functions/{fid}/domain")).await, 404);

    let b = api.put("/api/v1/functions/billing", json!({ "overage_action": "auto_upgrade", "topup_amount_usd": 50 })).await;
    assert_eq!(b.body["overage_action"], "auto_upgrade");
    assert_eq!(b.body["topup_amount_usd"], 50.0);
    assert_eq!(b.body["auto_topup_enabled"], false);
    sb.shutdown().await;
}

#[tokio::test]
async fn hosting_n8n_and_provisioning() {
    let sb = sandbox().await;
    let api = Api::new(&sb);
    let nocard = api.with_key(&sb.create_account(account(FunctionsTier::Free, MainTier::Free, false)).await.unwrap().api_key);
    let body = json!({ "instance_name": "My n8n", "storage_gb": 10, "billing_cycle": "monthly" });
    assert_error(&nocard.post("/api/v1/n8n/instances", body.clone()).await, 402);

    let r = api.post("/api/v1/n8n/instances", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["instance"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["instance"]["status"], "provisioning");
    assert!(r.body["instance"]["stripe_subscription_id"].as_str().unwrap().starts_with("sub_"));
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(api.get(&format!("/api/v1/n8n/instances/{id}")).await.body["instance"]["status"], "running");
    let m = api.post(&format!("/api/v1/n8n/instances/{id}/manage"), json!({ "action": "stop" })).await;
    assert_eq!(m.body["status"], "stopped");
    assert_error(&api.post(&format!("/api/v1/n8n/instances/{id}/manage"), json!({ "action": "redeploy" })).await, 400);
    let logs = api.get(&format!("/api/v1/n8n/instances/{id}/logs?lines=2")).await.body;
    assert_eq!(logs["logs"].as_str().unwrap().lines().count(), 2);
    assert_eq!(api.get(&format!("/api/mcp/instances/{id}/status")).await.body["status"], "stopped");
    assert_eq!(api.delete(&format!("/api/v1/n8n/instances/{id}")).await.status, 200);
    assert_error(&api.get(&format!("/api/v1/n8n/instances/{id}")).await, 404);

    // Empty slots of 10, 10, 30, 30 and 50 GB come with the default account.
    let all = api.get("/api/mcp/instances").await.body["instances"].as_array().unwrap().clone();
    let slot = |gb: i64| all.iter().find(|i| i["service_type"] == "empty" && i["storage_limit_gb"] == gb).unwrap()["id"].as_str().unwrap().to_string();
    let small = slot(10);
    let r = api.post("/api/openclaw/provision-instance", json!({ "instanceId": small })).await;
    assert_error(&r, 400);
    assert_eq!(r.body["field"], "instanceId");
    let big = slot(30);
    let r = api.post("/api/openclaw/provision-instance", json!({ "instanceId": big })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["instance"]["service_type"], "openclaw");
    assert_error(&api.post("/api/n8n/provision-instance", json!({ "instanceId": big })).await, 409);
    assert_error(&api.post("/api/n8n/provision-instance", json!({ "instanceId": "missing" })).await, 404);

    let site = slot(50);
    let r = api
        .post("/api/website/provision-instance", json!({ "instanceId": site, "dockerImage": "nginx:latest", "port": 80, "envVars": { "A": "1" } }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["instance"]["config"]["dockerImage"], "nginx:latest");
    let c = api.patch(&format!("/api/mcp/instances/{site}/config"), json!({ "githubRepo": "acme/site", "port": 3000 })).await;
    assert_eq!(c.body["instance"]["config"]["port"], 3000);
    let m = api.post(&format!("/api/mcp/instances/{site}/manage"), json!({ "action": "redeploy" })).await;
    assert_eq!(m.body["status"], "provisioning");
    let deps = api.get(&format!("/api/mcp/instances/{site}/deployments")).await.body["deployments"].as_array().unwrap().clone();
    assert_eq!(deps.len(), 2);
    assert_eq!(deps[0]["status"], "in_progress");
    let d = api.patch(&format!("/api/mcp/instances/{site}/domain"), json!({ "domain": "myapp.example.com" })).await;
    assert_eq!(d.body["instance"]["instance_url"], "https://myapp.example.com");
    let b = api.post(&format!("/api/mcp/instances/{site}/backups"), json!({})).await;
    assert_eq!(b.status, 201);
    assert_eq!(b.body["backup"]["status"], "in_progress");
    assert_error(&api.post(&format!("/api/mcp/instances/{site}/backups"), json!({})).await, 409);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let list = api.get(&format!("/api/mcp/instances/{site}/backups")).await.body;
    assert_eq!(list["backups"][0]["status"], "completed");
    assert!(list["backups"][0]["fileSizeBytes"].as_i64().unwrap() > 0);
    let logs = api.get(&format!("/api/mcp/instances/{site}/logs")).await.body["logs"].as_str().unwrap().to_string();
    assert!(logs.contains("nginx:latest"));
    assert_error(&api.get(&format!("/api/mcp/instances/{site}/logs?lines=1001")).await, 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn whatsapp_and_email() {
    let sb = sandbox().await;
    let api = Api::new(&sb);
    let r = api
        .post("/api/v1/whatsapp/sessions", json!({ "display_name": "Shop", "billing_cycle": "annual", "webhook_url": "https://n8n.example.com/webhook/abc" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let name = r.body["instance_name"].as_str().unwrap().to_string();
    assert_eq!(r.body["status"], "pending_scan");
    let png = r.body["qr_code"]["base64"].as_str().unwrap().strip_prefix("data:image/png;base64,").unwrap();
    let png = base64::engine::general_purpose::STANDARD.decode(png).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let r = api.put(&format!("/api/v1/whatsapp/sessions/{name}/webhook"), json!({ "webhook_url": "ftp://nope" })).await;
    assert_eq!(r.body["field"], "webhook_url");
    let r = api.put(&format!("/api/v1/whatsapp/sessions/{name}/webhook"), json!({ "webhook_url": "http://[bad" })).await;
    assert_eq!(r.body["field"], "webhook_url");
    let r = api.put(&format!("/api/v1/whatsapp/sessions/{name}/webhook"), json!({ "webhook_url": "http://hooks.local/x" })).await;
    assert_eq!(r.body["webhook_url"], "http://hooks.local/x");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let s = api.get(&format!("/api/v1/whatsapp/sessions/{name}")).await.body;
    assert_eq!(s["status"], "connected");
    assert_eq!(s["qr_code"], Value::Null);
    assert_eq!(api.get("/api/v1/whatsapp/sessions").await.body["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(api.delete(&format!("/api/v1/whatsapp/sessions/{name}")).await.status, 200);
    assert_error(&api.get(&format!("/api/v1/whatsapp/sessions/{name}")).await, 404);

    let mail = api.with_key(
        &sb.create_account(AccountSpec {
            email_senders: vec![("a@example.com".into(), 2), ("b@example.com".into(), 1)],
            ..AccountSpec::default()
        })
        .await
        .unwrap()
        .api_key,
    );
    let send = |from: Option<&str>| {
        let mut b = json!({ "to": "lead@example.com", "subject": "Hi", "text": "Hello" });
        if let Some(f) = from {
            b["from_email"] = json!(f);
        }
        b
    };
    let r = mail.post("/api/v1/email/send", send(None)).await;
    assert_eq!(r.body["sent_from"], "a@example.com", "the sender with the most quota left");
    assert_eq!(r.body["remaining_today"], 1);
    assert_error(&mail.post("/api/v1/email/send", send(Some("c@example.com"))).await, 404);
    assert_eq!(mail.post("/api/v1/email/send", send(Some("b@example.com"))).await.body["sent_from"], "b@example.com");
    let r = mail.post("/api/v1/email/send", send(Some("b@example.com"))).await;
    assert_error(&r, 409);
    assert_eq!(r.body["code"], "no_eligible_sender");
    mail.post("/api/v1/email/send", send(None)).await;
    let r = mail.post("/api/v1/email/send", send(None)).await;
    assert_eq!(r.body["code"], "no_eligible_sender");
    let senders = mail.get("/api/v1/email/senders").await.body;
    assert_eq!(senders["senders"][0], json!({ "email": "a@example.com", "sent_today": 2, "daily_quota": 2, "remaining_today": 0 }));
    sb.shutdown().await;
}

/// Polls `path` until the JSON at `pointer` is `want`; returns the last body.
async fn wait_for(api: &Api, path: &str, pointer: &str, want: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let r = api.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        if r.body.pointer(pointer).and_then(Value::as_str) == Some(want) {
            return r.body;
        }
        assert!(std::time::Instant::now() < deadline, "{path}: {pointer} still {:?}, not {want}", r.body.pointer(pointer));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `v` without the given top-level fields (the ones that move with time).
fn without(v: &Value, fields: &[&str]) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for f in fields {
            o.remove(*f);
        }
    }
    v
}

/// Every kind of state an account with a card on file can hold survives a
/// restart on the same file: n8n instances (billing API) and hosting slots
/// provisioned with n8n or a website (config, domain, deployments, backups,
/// logs), WhatsApp sessions, chats with their messages, secrets, domains,
/// credits, billing settings, and the key itself. Transitions that were in
/// flight at shutdown (an instance booting, a session waiting for its scan, a
/// domain verifying) carry on after the restart.
#[tokio::test]
async fn restart_keeps_instances_sessions_and_account_resources() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.db");
    // Long enough that whatever is created just before the shutdown is still in flight across it.
    let config = || SandboxConfig {
        db: DbLocation::File(path.clone()),
        instance_boot_delay: Duration::from_millis(1000),
        whatsapp_connect_delay: Duration::from_millis(1000),
        domain_verify_delay: Duration::from_millis(1000),
        ..SandboxConfig::for_tests()
    };
    let key = format!("fe_{}", "ef".repeat(20));
    let (slot_n8n, slot_site) = ("persist-slot-n8n".to_string(), "persist-slot-site".to_string());

    let sb = sandbox_with(config()).await;
    let created = sb
        .create_account(AccountSpec {
            key: Some(key.clone()),
            email: Some("carded@example.com".into()),
            functions_tier: FunctionsTier::Pro,
            main_tier: MainTier::Pro,
            has_card: true,
            credits: 50.0,
            empty_slots: vec![10],
            fixed_slots: vec![(slot_n8n.clone(), 30), (slot_site.clone(), 50)],
            email_senders: vec![("me@example.com".into(), 5)],
            workspace_secrets: vec![("API_BASE".into(), "https://api.example.com".into())],
            ..AccountSpec::default()
        })
        .await
        .unwrap();
    let api = Api::new(&sb).with_key(&key);

    // n8n instances bought through the billing API: one to keep running, one stopped.
    let n8n_body = |name: &str, gb: i64, cycle: &str| json!({ "instance_name": name, "storage_gb": gb, "billing_cycle": cycle });
    let r = api.post("/api/v1/n8n/instances", n8n_body("Kept n8n", 30, "annual")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let n8n_running = r.body["instance"]["id"].as_str().unwrap().to_string();
    let r = api.post("/api/v1/n8n/instances", n8n_body("Stopped n8n", 10, "monthly")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let n8n_stopped = r.body["instance"]["id"].as_str().unwrap().to_string();
    let m = api.post(&format!("/api/v1/n8n/instances/{n8n_stopped}/manage"), json!({ "action": "stop" })).await;
    assert_eq!(m.body["status"], "stopped", "{}", m.text);

    // Hosting slots: n8n onto one, a website onto the other (config, domain, a backup).
    let r = api.post("/api/n8n/provision-instance", json!({ "instanceId": slot_n8n })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api
        .post(
            "/api/website/provision-instance",
            json!({ "instanceId": slot_site, "dockerImage": "nginx:1.27", "port": 8080, "envVars": { "MODE": "prod" } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api.patch(&format!("/api/mcp/instances/{slot_site}/config"), json!({ "githubRepo": "acme/site" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api.patch(&format!("/api/mcp/instances/{slot_site}/domain"), json!({ "domain": "site.example.com" })).await;
    assert_eq!(r.body["instance"]["instance_url"], "https://site.example.com", "{}", r.text);

    // A WhatsApp session, a function with a secret and a domain, a chat with messages, an email, billing settings.
    let r = api
        .post("/api/v1/whatsapp/sessions", json!({ "display_name": "Kept shop", "billing_cycle": "annual", "webhook_url": "https://hooks.example.com/wa" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let wa_settled = r.body["instance_name"].as_str().unwrap().to_string();
    let wa_token = r.body["session_token"].as_str().unwrap().to_string();
    let fid = api.create_function("kept-fn", "nodejs22").await;
    let r = api.post(&format!("/api/v1/functions/{fid}/secrets"), json!({ "name": "TOKEN", "value": "s3cret" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api.post(&format!("/api/v1/functions/{fid}/domain"), json!({ "domain": "fn.example.com" })).await;
    assert_eq!(r.body["status"], "pending", "{}", r.text);
    let chat = api.post("/api/v1/chats", json!({ "title": "kept chat" })).await.body["chat"]["id"].as_str().unwrap().to_string();
    let r = api.post("/api/v1/chat", json!({ "message": "Build me a workflow", "model": "regular", "conversation_id": chat })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api.post("/api/v1/email/send", json!({ "to": "lead@example.com", "subject": "Hi", "text": "Hello" })).await;
    assert_eq!(r.body["remaining_today"], 4, "{}", r.text);
    let r = api.put("/api/v1/functions/billing", json!({ "overage_action": "auto_upgrade", "topup_amount_usd": 40 })).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Let all of that settle, then back up the website (a backup needs a deployed slot).
    wait_for(&api, &format!("/api/v1/n8n/instances/{n8n_running}"), "/instance/status", "running").await;
    wait_for(&api, &format!("/api/v1/n8n/instances/{slot_n8n}"), "/instance/status", "running").await;
    wait_for(&api, &format!("/api/mcp/instances/{slot_site}/deployments"), "/deployments/0/status", "finished").await;
    wait_for(&api, &format!("/api/v1/whatsapp/sessions/{wa_settled}"), "/status", "connected").await;
    wait_for(&api, &format!("/api/v1/functions/{fid}/domain"), "/status", "verified").await;
    let r = api.post(&format!("/api/mcp/instances/{slot_site}/backups"), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    wait_for(&api, &format!("/api/mcp/instances/{slot_site}/backups"), "/backups/0/status", "completed").await;

    // In flight at shutdown: an n8n instance booting, a session waiting for its scan, a domain verifying.
    let r = api.post("/api/v1/n8n/instances", n8n_body("Booting n8n", 50, "monthly")).await;
    assert_eq!(r.body["instance"]["status"], "provisioning", "{}", r.text);
    let n8n_booting = r.body["instance"].clone();
    let booting_id = n8n_booting["id"].as_str().unwrap().to_string();
    let r = api.post("/api/v1/whatsapp/sessions", json!({ "display_name": "Pending shop", "billing_cycle": "monthly" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let wa_pending = r.body["instance_name"].as_str().unwrap().to_string();
    let wa_pending_before = api.get(&format!("/api/v1/whatsapp/sessions/{wa_pending}")).await.body;
    assert_eq!(wa_pending_before["status"], "pending_scan");
    let fid2 = api.create_function("verifying-fn", "python312").await;
    let r = api.post(&format!("/api/v1/functions/{fid2}/domain"), json!({ "domain": "late.example.com" })).await;
    assert_eq!(r.body["status"], "pending", "{}", r.text);

    // Everything a second start must answer the same.
    let settled_paths = [
        "/api/v1/user".to_string(),
        "/api/v1/credits".to_string(),
        "/api/v1/functions/limits".to_string(),
        "/api/v1/functions/billing".to_string(),
        "/api/v1/email/senders".to_string(),
        format!("/api/v1/functions/{fid}"),
        format!("/api/v1/functions/{fid}/secrets"),
        format!("/api/v1/functions/{fid}/domain"),
        format!("/api/v1/functions/{fid2}"),
        format!("/api/v1/chats/{chat}"),
        "/api/v1/chats".to_string(),
        format!("/api/v1/n8n/instances/{n8n_running}"),
        format!("/api/v1/n8n/instances/{n8n_stopped}"),
        format!("/api/v1/n8n/instances/{n8n_running}/logs"),
        format!("/api/v1/n8n/instances/{n8n_stopped}/logs"),
        format!("/api/mcp/instances/{slot_n8n}/status"),
        format!("/api/mcp/instances/{slot_n8n}/deployments"),
        format!("/api/mcp/instances/{slot_site}/deployments"),
        format!("/api/mcp/instances/{slot_site}/backups"),
        format!("/api/mcp/instances/{slot_site}/logs"),
        format!("/api/v1/whatsapp/sessions/{wa_settled}"),
    ];
    let mut before = Vec::new();
    for p in &settled_paths {
        let r = api.get(p).await;
        assert_eq!(r.status, 200, "{p}: {}", r.text);
        before.push(r.body);
    }
    // Spot checks of the snapshot itself, so that "the same after" means something.
    assert_eq!(before[0]["user_id"], created.user_id.as_str());
    assert_eq!(before[1]["credits_remaining"], 49.0, "one chat message cost a credit");
    assert_eq!(before[2]["functions_tier"], "pro");
    assert_eq!(before[3]["overage_action"], "auto_upgrade");
    assert_eq!(before[6]["secrets"].as_array().unwrap().len(), 2, "the override and the workspace secret");
    assert_eq!(before[9]["chat"]["message_count"], 2);
    assert_eq!(before[12]["instance"]["status"], "stopped");
    assert_eq!(before[20]["session_token"], wa_token.as_str());
    let list = |v: &Value, key: &str| v[key].as_array().unwrap().clone();
    let hosting_before = list(&api.get("/api/mcp/instances").await.body, "instances");
    assert_eq!(hosting_before.len(), 6, "3 slots and 3 n8n instances");
    let n8n_before = list(&api.get("/api/v1/n8n/instances").await.body, "instances");
    let sessions_before = list(&api.get("/api/v1/whatsapp/sessions").await.body, "sessions");
    assert_eq!(sessions_before.len(), 2);
    sb.shutdown().await;

    // While it is down, `add-account` writes another account with a card to the file.
    let offline_key = format!("fe_{}", "12".repeat(20));
    flowengine_sandbox::add_account_to_file(&path, &AccountSpec { key: Some(offline_key.clone()), has_card: true, ..AccountSpec::default() })
        .unwrap();

    let sb = sandbox_with(config()).await;
    let api = Api::new(&sb).with_key(&key);
    // The key still works, and every settled answer is the same.
    let me = api.get("/api/v1/user").await;
    assert_eq!(me.status, 200, "the key survives a restart: {}", me.text);
    for (p, b) in settled_paths.iter().zip(&before) {
        let r = api.get(p).await;
        assert_eq!(r.status, 200, "{p} after the restart: {}", r.text);
        // Only the moment of the answer itself may differ.
        let clock = ["synced_at", "refreshed_at"];
        assert_eq!(without(&r.body, &clock), without(b, &clock), "{p} after the restart");
    }

    // Lists: the same instances and sessions in the same order; only the in-flight ones may have moved on.
    let moving = ["status", "phone_number", "qr_code"];
    let strip = |items: Vec<Value>| items.iter().map(|i| without(i, &moving)).collect::<Vec<_>>();
    let hosting_after = list(&api.get("/api/mcp/instances").await.body, "instances");
    assert_eq!(strip(hosting_after.clone()), strip(hosting_before.clone()));
    for (a, b) in hosting_after.iter().zip(&hosting_before) {
        if a["id"] != booting_id.as_str() {
            assert_eq!(a, b, "hosting instance {} after the restart", b["id"]);
        }
    }
    let empty: Vec<_> = hosting_after.iter().filter(|i| i["service_type"] == "empty").collect();
    assert_eq!(empty.len(), 1, "the unused slot is still empty");
    let kinds = |id: &str| hosting_after.iter().find(|i| i["id"] == id).unwrap()["service_type"].clone();
    assert_eq!(kinds(&slot_n8n), "n8n");
    assert_eq!(kinds(&slot_site), "website");
    let site = hosting_after.iter().find(|i| i["id"] == slot_site.as_str()).unwrap();
    assert_eq!(site["config"], json!({ "dockerImage": "nginx:1.27", "port": 8080, "envVars": { "MODE": "prod" }, "githubRepo": "acme/site" }));
    assert_eq!(site["domain"], "site.example.com");
    let n8n_after = list(&api.get("/api/v1/n8n/instances").await.body, "instances");
    assert_eq!(strip(n8n_after), strip(n8n_before));
    let sessions_after = list(&api.get("/api/v1/whatsapp/sessions").await.body, "sessions");
    assert_eq!(strip(sessions_after), strip(sessions_before));

    // What was in flight carries on from where it was.
    let r = api.get(&format!("/api/v1/n8n/instances/{booting_id}")).await.body;
    assert_eq!(without(&r["instance"], &["status"]), without(&n8n_booting, &["status"]));
    wait_for(&api, &format!("/api/v1/n8n/instances/{booting_id}"), "/instance/status", "running").await;
    let r = api.get(&format!("/api/v1/whatsapp/sessions/{wa_pending}")).await.body;
    assert_eq!(without(&r, &moving), without(&wa_pending_before, &moving));
    if r["status"] == "pending_scan" {
        assert_eq!(r["qr_code"], wa_pending_before["qr_code"], "the same QR code to scan");
    }
    let r = wait_for(&api, &format!("/api/v1/whatsapp/sessions/{wa_pending}"), "/status", "connected").await;
    assert!(r["phone_number"].is_string());
    wait_for(&api, &format!("/api/v1/functions/{fid2}/domain"), "/status", "verified").await;

    // The card on file is still there: buying more works; the old resources are still usable.
    assert_eq!(api.post("/api/v1/n8n/instances", n8n_body("After restart", 10, "monthly")).await.status, 201);
    let m = api.post(&format!("/api/v1/n8n/instances/{n8n_stopped}/manage"), json!({ "action": "start" })).await;
    assert_eq!(m.body["status"], "running", "{}", m.text);
    assert_error(&api.post(&format!("/api/v1/functions/{fid2}/domain"), json!({ "domain": "fn.example.com" })).await, 409);
    let r = api.put(&format!("/api/v1/whatsapp/sessions/{wa_settled}/webhook"), json!({ "webhook_url": "https://hooks.example.com/v2" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api.post("/api/v1/email/send", json!({ "to": "lead@example.com", "subject": "Again", "text": "Hello" })).await;
    assert_eq!(r.body["remaining_today"], 3, "the day's count survived: {}", r.text);

    // The account written while the server was down works, card and all.
    let offline = api.with_key(&offline_key);
    assert_eq!(offline.get("/api/v1/user").await.status, 200);
    let r = offline.post("/api/v1/whatsapp/sessions", json!({ "display_name": "Offline", "billing_cycle": "monthly" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    sb.shutdown().await;
}
