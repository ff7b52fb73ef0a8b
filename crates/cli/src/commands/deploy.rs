//! `fe deploy [path]`: check the flags and the folder, find or create the
//! function (the folder's link, `--name`, or a name from the folder), apply
//! the settings, then pack + upload + trigger through the core's
//! `deploy_folder` with a progress bar, wait for ready and print the URL.
use crate::cli::DeployArgs;
use crate::ctx::{find, s, Ctx};
use crate::error::{CliError, Result, DEPLOY_FLAGS};
use crate::output::{human_bytes, Style};
use crate::progress::DeployUi;
use crate::validate;
use flowengine::project;
use flowengine::tarball::PackPlan;
use flowengine::{Client, DeployOptions, ErrorKind};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::sync::Arc;

/// The settings flags as createFunction/updateFunction fields.
fn settings(args: &DeployArgs) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("memory", args.memory.clone().map(Value::from));
    put("cpu", args.cpu.map(Value::from));
    put("max_instances", args.max_instances.map(Value::from));
    put("min_instances", args.min_instances.map(Value::from));
    put("timeout_seconds", args.timeout.map(Value::from));
    put("region", args.region.clone().map(Value::from));
    put("concurrency", args.concurrency.map(Value::from));
    if args.cpu_throttling {
        put("cpu_throttling", Some(json!(true)));
    } else if args.no_cpu_throttling {
        put("cpu_throttling", Some(json!(false)));
    }
    m
}

/// --min-instances must not exceed --max-instances (or the function's).
fn check_instances(min: Option<i64>, max: Option<i64>, max_flag_given: bool) -> Result<()> {
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            let of = if max_flag_given {
                format!("--max-instances ({max})")
            } else {
                format!("the function's max_instances ({max}); raise it with --max-instances")
            };
            return Err(
                CliError::usage(format!("--min-instances ({min}) must be at most {of}"))
                    .with_flag("--min-instances"),
            );
        }
    }
    Ok(())
}

async fn plan(path: &Path) -> Result<PackPlan> {
    flowengine::deploy::plan(path, &project::pack_options())
        .await
        .map_err(|e| CliError::from_core(e, DEPLOY_FLAGS))
}

fn dry_run(ctx: &Ctx, path: &Path, plan: &PackPlan) {
    let out = &ctx.out;
    if out.json {
        let files: Vec<Value> = plan
            .files()
            .iter()
            .map(|f| json!({ "path": f.path(), "size": f.size() }))
            .collect();
        let skipped: Vec<Value> = plan
            .skipped()
            .iter()
            .map(|s| json!({ "path": s.path, "reason": s.reason.to_string() }))
            .collect();
        out.json_doc(&json!({ "path": path, "files": files, "file_count": plan.file_count(), "total_bytes": plan.total_bytes(), "skipped": skipped }));
        return;
    }
    let rows: Vec<Vec<String>> = plan
        .files()
        .iter()
        .map(|f| vec![f.size().to_string(), f.path().to_string()])
        .collect();
    out.table(&["BYTES", "PATH"], &rows);
    for sk in plan.skipped() {
        out.warn(&format!("skipped {}: {}", sk.path, sk.reason));
    }
    out.line(&format!(
        "{} files, {} ({} bytes) would be uploaded from {}",
        plan.file_count(),
        human_bytes(plan.total_bytes()),
        plan.total_bytes(),
        path.display()
    ));
}

/// Notes where the tier clamped a setting below what was asked.
fn note_clamps(ctx: &Ctx, asked: &Map<String, Value>, got: &Value) {
    for (field, flag) in [
        ("memory", "--memory"),
        ("max_instances", "--max-instances"),
        ("timeout_seconds", "--timeout"),
        ("min_instances", "--min-instances"),
    ] {
        if let Some(want) = asked.get(field) {
            if !got[field].is_null() && &got[field] != want {
                ctx.out.warn(&format!("{flag} {} was clamped to {} by your tier's caps (see GET /api/v1/functions/limits)", crate::output::text(want), crate::output::text(&got[field])));
            }
        }
    }
}

struct Target {
    function: Value,
    created: bool,
}

async fn create(
    ctx: &Ctx,
    client: &Client,
    name: &str,
    args: &DeployArgs,
    path: &Path,
) -> Result<Target> {
    let runtime = match &args.runtime {
        Some(r) => r.clone(),
        None => match project::detect_runtime(path) {
            Some(r) => {
                ctx.out
                    .note(&format!("  runtime {r} (detected; set it with --runtime)"));
                r.to_string()
            }
            None => {
                return Err(CliError::usage(format!(
                    "cannot tell the runtime of {}: pass --runtime",
                    path.display()
                ))
                .with_flag("--runtime")
                .hint(format!("one of: {}", validate::RUNTIMES.join(", "))))
            }
        },
    };
    let asked = settings(args);
    let mut body = asked.clone();
    body.insert("name".into(), json!(name));
    body.insert("runtime".into(), json!(runtime));
    let function = client
        .call("createFunction", Value::Object(body))
        .await
        .map_err(|e| CliError::from_core(e, DEPLOY_FLAGS))?;
    ctx.out.done(&format!(
        "Created function {} ({})",
        ctx.out.e(Style::Bold, name),
        s(&function, "id")
    ));
    note_clamps(ctx, &asked, &function);
    Ok(Target {
        function,
        created: true,
    })
}

async fn redeploy(
    ctx: &Ctx,
    client: &Client,
    existing: &Value,
    args: &DeployArgs,
) -> Result<Target> {
    if let Some(r) = &args.runtime {
        if r != s(existing, "runtime") {
            return Err(CliError::usage(format!(
                "--runtime {r}: {} already runs {} and a function's runtime cannot change",
                s(existing, "name"),
                s(existing, "runtime")
            ))
            .with_flag("--runtime")
            .hint("deploy under a new --name, or delete the function first"));
        }
    }
    let asked = settings(args);
    check_instances(
        args.min_instances,
        args.max_instances.or(existing["max_instances"].as_i64()),
        args.max_instances.is_some(),
    )?;
    ctx.out.note(&format!(
        "Redeploying {} ({})",
        ctx.out.e(Style::Bold, s(existing, "name")),
        s(existing, "id")
    ));
    let mut function = existing.clone();
    if !asked.is_empty() {
        let mut body = asked.clone();
        body.insert("id".into(), existing["id"].clone());
        function = client
            .call("updateFunction", Value::Object(body))
            .await
            .map_err(|e| CliError::from_core(e, DEPLOY_FLAGS))?;
        let names: Vec<&str> = asked.keys().map(String::as_str).collect();
        ctx.out.done(&format!("Updated {}", names.join(", ")));
        note_clamps(ctx, &asked, &function);
    }
    Ok(Target {
        function,
        created: false,
    })
}

/// A free name: `base`, else `base-2`, `base-3`, ...
fn free_name(list: &Value, base: &str) -> String {
    let taken = |n: &str| {
        list["functions"]
            .as_array()
            .is_some_and(|a| a.iter().any(|f| f["name"] == n))
    };
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| {
            let suffix = format!("-{i}");
            let mut b = base.to_string();
            b.truncate(63 - suffix.len());
            format!("{}{suffix}", b.trim_end_matches('-'))
        })
        .find(|n| !taken(n))
        .expect("some suffix is free")
}

pub async fn run(ctx: &Ctx, args: DeployArgs) -> Result<()> {
    let out = &ctx.out;
    let path = args.path.clone();
    // 1. Everything local first: flags (clap did the ranges), the folder and its limits.
    check_instances(args.min_instances, args.max_instances, true)?;
    if !path.is_dir() {
        return Err(
            CliError::usage(format!("{} is not a folder", path.display())).with_flag("<PATH>"),
        );
    }
    let plan = plan(&path).await?;
    if args.dry_run {
        dry_run(ctx, &path, &plan);
        return Ok(());
    }
    if plan.file_count() == 0 {
        return Err(CliError::usage(format!(
            "{} has no files to deploy (after .gitignore and .feignore)",
            path.display()
        ))
        .with_flag("<PATH>"));
    }
    for sk in plan.skipped() {
        out.warn(&format!("skipped {}: {}", sk.path, sk.reason));
    }

    // 2. Which function: --name, else the folder's link, else a new one named after the folder.
    let client = ctx.client()?;
    let base_url = client.config().base_url.clone();
    let list = client.call("listFunctions", json!({})).await?;
    let link = project::link(&path, &base_url);
    let target = if let Some(name) = &args.name {
        match find(&list, name).filter(|f| f["name"] == name.as_str()) {
            Some(f) => redeploy(ctx, &client, f, &args).await?,
            None => create(ctx, &client, name, &args, &path).await?,
        }
    } else if let Some(link) = &link {
        match find(&list, &link.function_id).filter(|f| f["id"] == link.function_id.as_str()) {
            Some(f) => redeploy(ctx, &client, f, &args).await?,
            None => {
                out.warn(&format!(
                    "the linked function {} ({}) no longer exists: creating it again",
                    link.name, link.function_id
                ));
                let name = free_name(&list, &link.name);
                create(ctx, &client, &name, &args, &path).await?
            }
        }
    } else {
        let name = free_name(&list, &project::name_for(&path));
        create(ctx, &client, &name, &args, &path).await?
    };
    let id = s(&target.function, "id").to_string();
    let name = s(&target.function, "name").to_string();
    let new_link = project::Link {
        function_id: id.clone(),
        name: name.clone(),
    };
    if link.as_ref() != Some(&new_link) {
        match project::save(&path, &base_url, new_link) {
            Ok(file) => out.note(&format!(
                "  linked {} to {name} in {}",
                path.display(),
                file.display()
            )),
            Err(e) => out.warn(&format!(
                "could not write the project link in {}: {e}",
                path.display()
            )),
        }
    }

    // 3. Pack, upload, trigger, wait.
    let ui = DeployUi::new(out);
    let ui2 = ui.clone();
    let options = DeployOptions {
        pack: project::pack_options(),
        wait: !args.no_wait,
        on_progress: Some(Arc::new(move |p| ui2.on(p))),
        ..DeployOptions::default()
    };
    let result = client.deploy_folder(&id, &path, options).await;
    ui.finish();
    let outcome = match result {
        Ok(o) => o,
        Err(e) if e.kind == ErrorKind::DeployFailed => {
            let mut err = CliError::from_core(e, DEPLOY_FLAGS);
            err = err.hint(format!("full logs: fe logs {name}"));
            return Err(err);
        }
        Err(e) => return Err(CliError::from_core(e, DEPLOY_FLAGS)),
    };
    if out.json {
        let mut doc = serde_json::to_value(&outcome).unwrap_or_default();
        doc["name"] = json!(name);
        doc["created"] = json!(target.created);
        out.json_doc(&doc);
        return Ok(());
    }
    let f = &target.function;
    if args.no_wait {
        out.done(&format!(
            "Build started for {name} (deployment {}); follow it with `fe show {name}`",
            outcome.deployment_id
        ));
    } else {
        out.done(&format!(
            "Deployed {} ({}, {}, {})",
            out.e(Style::Bold, &name),
            s(f, "runtime"),
            s(f, "region"),
            s(f, "memory")
        ));
    }
    if let Some(url) = &outcome.url {
        out.line(&out.s(Style::Cyan, url));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_names_get_a_suffix() {
        let list = json!({ "functions": [{ "name": "hello" }, { "name": "hello-2" }] });
        assert_eq!(free_name(&list, "hello"), "hello-3");
        assert_eq!(free_name(&list, "other"), "other");
        let long = "a".repeat(63);
        let list = json!({ "functions": [{ "name": long }] });
        let n = free_name(&list, &long);
        assert!(n.len() <= 63 && n.ends_with("-2"), "{n}");
    }

    #[test]
    fn min_above_max_is_a_usage_error() {
        assert_eq!(
            check_instances(Some(5), Some(2), true).unwrap_err().code,
            crate::error::code::USAGE
        );
        assert!(check_instances(Some(2), Some(2), true).is_ok());
        assert!(check_instances(Some(2), None, true).is_ok());
    }
}
