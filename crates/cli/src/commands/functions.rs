//! `fe list`, `fe show`, `fe logs`, `fe delete`.
use crate::cli::LogsArgs;
use crate::ctx::{s, Ctx};
use crate::error::{code, CliError, Result};
use crate::output::{text, Out, Style};
use crate::prompt;
use flowengine::StreamItem;
use serde_json::{json, Value};
use std::collections::HashSet;

pub async fn list(ctx: &Ctx) -> Result<()> {
    let out = &ctx.out;
    let client = ctx.client()?;
    let list = client.call("listFunctions", json!({})).await?;
    if out.json {
        out.json_doc(&list);
        return Ok(());
    }
    let functions = list["functions"].as_array().cloned().unwrap_or_default();
    if functions.is_empty() {
        out.note("No functions yet: deploy a folder with `fe deploy <path>`.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = functions
        .iter()
        .map(|f| {
            vec![
                text(&f["name"]),
                text(&f["id"]),
                text(&f["runtime"]),
                out.status(&text(&f["status"])),
                text(&f["memory"]),
                text(&f["region"]),
                text(&f["url"]),
            ]
        })
        .collect();
    out.table(
        &["NAME", "ID", "RUNTIME", "STATUS", "MEMORY", "REGION", "URL"],
        &rows,
    );
    Ok(())
}

pub async fn show(ctx: &Ctx, ident: &str) -> Result<()> {
    let out = &ctx.out;
    let client = ctx.client()?;
    let id = ctx.function(&client, ident).await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let f = client.call("getFunction", json!({ "id": id })).await?;
    if out.json {
        out.json_doc(&f);
        return Ok(());
    }
    let mut pairs = vec![
        ("name", out.s(Style::Bold, &text(&f["name"]))),
        ("id", text(&f["id"])),
        ("status", out.status(&text(&f["status"]))),
        ("url", text(&f["url"])),
        ("runtime", text(&f["runtime"])),
        ("region", text(&f["region"])),
        ("memory", text(&f["memory"])),
        ("cpu", text(&f["cpu"])),
        (
            "instances",
            format!(
                "{} to {}",
                text(&f["min_instances"]),
                text(&f["max_instances"])
            ),
        ),
        ("timeout", format!("{} s", text(&f["timeout_seconds"]))),
        ("concurrency", text(&f["concurrency"])),
        ("cpu throttling", text(&f["cpu_throttling"])),
        ("trigger", text(&f["trigger_type"])),
        ("created", text(&f["created_at"])),
        ("updated", text(&f["updated_at"])),
    ];
    if !f["base_image"].is_null() {
        pairs.push(("base image", text(&f["base_image"])));
    }
    let d = &f["latest_deployment"];
    if d.is_object() {
        pairs.push((
            "deployment",
            format!("{} {}", text(&d["id"]), out.status(&text(&d["status"]))),
        ));
        pairs.push(("  started", text(&d["created_at"])));
        pairs.push(("  finished", text(&d["finished_at"])));
        if d["error"].is_string() {
            pairs.push(("  error", out.s(Style::Red, &text(&d["error"]))));
        }
    }
    out.pairs(&pairs);
    Ok(())
}

fn severity(out: &Out, sev: &str) -> String {
    let padded = format!("{sev:<7}");
    match sev {
        "ERROR" | "CRITICAL" | "ALERT" | "EMERGENCY" => out.s(Style::Red, &padded),
        "WARNING" => out.s(Style::Yellow, &padded),
        "DEBUG" => out.s(Style::Dim, &padded),
        _ => padded,
    }
}

fn print_entry(out: &Out, e: &Value) {
    if out.json {
        out.json_line(e);
    } else {
        let sev = e["severity"].as_str().unwrap_or("DEFAULT");
        out.line(&format!(
            "{} {} {}",
            out.s(Style::Dim, s(e, "timestamp")),
            severity(out, sev),
            s(e, "message")
        ));
    }
}

/// What identifies a log entry, listed or tailed.
fn entry_key(e: &Value) -> (String, String, String) {
    (s(e, "timestamp").to_string(), e["severity"].as_str().unwrap_or("DEFAULT").to_string(), s(e, "message").to_string())
}

/// A tailed line (`<timestamp> <severity> <message>`) as a log entry.
fn entry_of_line(line: &str) -> Value {
    let mut parts = line.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(ts), Some(sev), Some(msg))
            if ts.len() >= 10
                && ts.as_bytes()[4] == b'-'
                && sev.chars().all(|c| c.is_ascii_uppercase()) =>
        {
            json!({ "timestamp": ts, "severity": sev, "message": msg })
        }
        _ => json!({ "message": line }),
    }
}

pub async fn logs(ctx: &Ctx, args: LogsArgs) -> Result<()> {
    let out = &ctx.out;
    let client = ctx.client()?;
    let f = ctx.function(&client, &args.function).await?;
    let id = s(&f, "id").to_string();
    let logs = client.call("getFunctionLogs", json!({ "id": id })).await?;
    let entries = logs["logs"].as_array().cloned().unwrap_or_default();
    let skip = args
        .lines
        .map_or(0, |n| entries.len().saturating_sub(n as usize));
    if entries.is_empty() && !args.follow {
        out.note(&format!("No logs yet for {}.", s(&f, "name")));
    }
    for e in &entries[skip..] {
        print_entry(out, e);
    }
    if !args.follow {
        return Ok(());
    }
    out.note(&out.e(
        Style::Dim,
        &format!("-- following {} (Ctrl-C to stop) --", s(&f, "name")),
    ));
    // A fresh tail may begin by replaying recent lines (the sandbox replays
    // its last 100): those already listed above are not printed again, until
    // the first line that is new. Only lines no newer than the newest listed
    // one can be replays (RFC 3339 timestamps of one format sort as text).
    let newest = entries.iter().map(|e| s(e, "timestamp").to_string()).max().unwrap_or_default();
    let mut listed: Option<HashSet<(String, String, String)>> = Some(entries.iter().map(entry_key).collect());
    let mut tail = client.tail_logs(&id).await?;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => {
                tail.close();
                return Ok(()); // Ctrl-C is how --follow ends: a success.
            }
            item = tail.next() => match item {
                Some(Ok(StreamItem::Line(line))) => {
                    let entry = entry_of_line(&line);
                    let key = entry_key(&entry);
                    if key.0 <= newest && listed.as_ref().is_some_and(|seen| seen.contains(&key)) {
                        continue;
                    }
                    listed = None;
                    print_entry(out, &entry);
                }
                Some(Ok(StreamItem::Chunk(_))) => {}
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            }
        }
    }
}

pub async fn delete(ctx: &Ctx, ident: &str, yes: bool) -> Result<()> {
    let out = &ctx.out;
    let client = ctx.client()?;
    let f = ctx.function(&client, ident).await?;
    let (id, name) = (s(&f, "id").to_string(), s(&f, "name").to_string());
    if !yes {
        if !(out.stdin_tty && out.stderr_tty) {
            return Err(CliError::usage(format!(
                "refusing to delete {name} without confirmation: not on a terminal"
            ))
            .with_flag("--yes")
            .hint(format!("pass --yes: fe delete {ident} --yes")));
        }
        if !prompt::confirm(&format!(
            "Delete function {} ({id})? It stops serving traffic; this cannot be undone.",
            out.e(Style::Bold, &name)
        )) {
            return Err(CliError::new(
                code::API,
                "not deleted: cancelled at the prompt",
            ));
        }
    }
    let resp = client.call("deleteFunction", json!({ "id": id })).await?;
    if out.json {
        out.json_doc(&resp);
    } else {
        out.done(&format!("Deleted {name} ({id})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tailed_lines_become_entries() {
        let e = entry_of_line("2026-05-01T12:05:01Z INFO Listening on port 8080");
        assert_eq!(
            e,
            json!({ "timestamp": "2026-05-01T12:05:01Z", "severity": "INFO", "message": "Listening on port 8080" })
        );
        assert_eq!(
            entry_of_line("plain text"),
            json!({ "message": "plain text" })
        );
    }
}
