//! `fe login`, `fe logout`, `fe whoami`.
use crate::ctx::{s, Ctx, KeySource};
use crate::error::{code, CliError, Result};
use crate::output::{text, Style};
use crate::prompt;
use flowengine::config::{default_config_path, redact, ConfigFile, DEFAULT_BASE_URL};
use flowengine::Client;
use serde_json::{json, Value};
use std::path::PathBuf;

fn config_path() -> Result<PathBuf> {
    default_config_path()
        .ok_or_else(|| CliError::usage("cannot find your home directory (set HOME)"))
}

pub async fn login(ctx: &Ctx) -> Result<()> {
    let out = &ctx.out;
    // A key given on the command line; otherwise ask (hidden) or read stdin,
    // even when FLOWENGINE_API_KEY is set: login is about storing a key.
    let key = match (ctx.key_source, &ctx.global.api_key) {
        (KeySource::Flag, Some(k)) => k.clone(),
        _ => {
            if out.stdin_tty && !out.json {
                eprintln!(
                    "Paste an API key from {} (Settings → API Access → Generate).",
                    out.e(Style::Bold, "https://flowengine.cloud/settings")
                );
            }
            prompt::secret("API key (fe_...): ", out.stdin_tty)?
        }
    };
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(CliError::usage("no API key given")
            .hint("paste it at the prompt, pass --api-key, or pipe it: echo \"$KEY\" | fe login"));
    }
    if !key.starts_with("fe_") {
        out.warn("FlowEngine keys start with fe_; checking this one anyway");
    }
    let client = Client::new(ctx.config(Some(key.clone())))?;
    let user = client
        .call("getUser", json!({}))
        .await
        .map_err(rejected_key)?;

    let path = config_path()?;
    let mut file = ConfigFile::read(&path).unwrap_or_default();
    file.api_key = Some(key.clone());
    let base_url = client.config().base_url.clone();
    // The key belongs to this server: remember the server with the key.
    file.base_url = (base_url != DEFAULT_BASE_URL).then(|| base_url.clone());
    file.write(&path)?;

    if out.json {
        out.json_doc(&json!({ "logged_in": true, "user_id": user["user_id"], "email": user["email"], "tier": user["tier"], "credits_remaining": user["credits_remaining"], "base_url": base_url, "config_file": path }));
    } else {
        let who = user["email"]
            .as_str()
            .unwrap_or_else(|| s(&user, "user_id"));
        out.done(&format!(
            "Logged in as {} ({} tier, {} credits)",
            out.e(Style::Bold, who),
            text(&user["tier"]),
            text(&user["credits_remaining"])
        ));
        out.note(&format!(
            "  key {} stored in {} (mode 0600)",
            redact(&key),
            path.display()
        ));
        if ctx.key_source == KeySource::Env && ctx.global.api_key.as_deref() != Some(key.as_str()) {
            out.warn(
                "FLOWENGINE_API_KEY is set in this shell and takes precedence over the stored key",
            );
        }
    }
    Ok(())
}

/// Where keys come from (the reference's wording), for a key the API rejected.
const GET_A_KEY: &str =
    "this key was rejected: create a new one in Settings → API Access → Generate on https://flowengine.cloud/settings (it is shown once: copy it whole)";

/// A 401 while logging in: the key just given is the problem, so the hint
/// says where to get a valid one rather than "run `fe login`".
fn rejected_key(e: flowengine::Error) -> CliError {
    let rejected = e.kind == flowengine::ErrorKind::Authentication && e.status == Some(401);
    let mut err = CliError::from(e);
    if rejected {
        err.hints.retain(|h| !h.contains("fe login"));
        err.hints.insert(0, GET_A_KEY.to_string());
    }
    err
}

pub fn logout(ctx: &Ctx) -> Result<()> {
    let out = &ctx.out;
    let path = config_path()?;
    let mut file = ConfigFile::read(&path).unwrap_or_default();
    let had_key = file.api_key.take().is_some();
    if had_key {
        if file.base_url.is_none() {
            std::fs::remove_file(&path).map_err(|e| {
                CliError::new(code::API, format!("cannot remove {}: {e}", path.display()))
            })?;
        } else {
            file.write(&path)?;
        }
    }
    if out.json {
        out.json_doc(&json!({ "logged_out": had_key, "config_file": path }));
    } else if had_key {
        out.done(&format!(
            "Logged out: the key was removed from {}",
            path.display()
        ));
    } else {
        out.note(&format!("Not logged in: no key in {}", path.display()));
    }
    if ctx.key_source == KeySource::Env {
        out.warn("FLOWENGINE_API_KEY is still set in this shell: unset it to stop using that key");
    }
    Ok(())
}

pub async fn whoami(ctx: &Ctx) -> Result<()> {
    let out = &ctx.out;
    let client = ctx.client()?;
    let user: Value = client.call("getUser", json!({})).await?;
    if out.json {
        out.json_doc(&user);
        return Ok(());
    }
    let key = client.config().api_key.clone().unwrap_or_default();
    let from = match ctx.key_source {
        KeySource::Flag => "--api-key".to_string(),
        KeySource::Env => "FLOWENGINE_API_KEY".to_string(),
        KeySource::ConfigFile => config_path()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    };
    let mut pairs = vec![("user", text(&user["user_id"]))];
    if user["email"].is_string() {
        pairs.push(("email", text(&user["email"])));
    }
    pairs.push(("tier", text(&user["tier"])));
    pairs.push(("credits", text(&user["credits_remaining"])));
    if user["subscription_status"].is_string() {
        pairs.push((
            "subscription",
            out.status(&text(&user["subscription_status"])),
        ));
    }
    pairs.push(("api", client.config().base_url.clone()));
    pairs.push(("key", format!("{} (from {from})", redact(&key))));
    out.pairs(&pairs);
    Ok(())
}
