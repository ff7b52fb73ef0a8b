//! `fe usage [--function-id] [--from] [--to]`.
use crate::cli::UsageArgs;
use crate::ctx::Ctx;
use crate::error::{CliError, Result, USAGE_FLAGS};
use crate::output::text;
use serde_json::{json, Value};

fn num(v: &Value, digits: usize) -> String {
    match v.as_f64() {
        Some(n) => format!("{n:.digits$}"),
        None => text(v),
    }
}

pub async fn run(ctx: &Ctx, args: UsageArgs) -> Result<()> {
    let out = &ctx.out;
    if let (Some(from), Some(to)) = (&args.from, &args.to) {
        if from.len() == 10 && to.len() == 10 && from > to {
            return Err(
                CliError::usage(format!("--from ({from}) is after --to ({to})"))
                    .with_flag("--from"),
            );
        }
    }
    let client = ctx.client()?;
    let mut params = json!({});
    if let Some(ident) = &args.function_id {
        params["function_id"] = ctx.function(&client, ident).await?["id"].clone();
    }
    if let Some(from) = &args.from {
        params["from"] = json!(from);
    }
    if let Some(to) = &args.to {
        params["to"] = json!(to);
    }
    let usage = client
        .call("getFunctionsUsage", params)
        .await
        .map_err(|e| CliError::from_core(e, USAGE_FLAGS))?;
    if out.json {
        out.json_doc(&usage);
        return Ok(());
    }
    out.note(&format!(
        "Usage from {} to {}",
        text(&usage["from"]),
        text(&usage["to"])
    ));
    let row = |name: String, id: String, u: &Value| {
        vec![
            name,
            id,
            num(&u["vcpu_seconds"], 1),
            num(&u["gib_seconds"], 1),
            text(&u["requests"]),
            format!("${}", num(&u["cost_usd"], 2)),
        ]
    };
    let mut rows: Vec<Vec<String>> = usage["functions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|u| row(text(&u["name"]), text(&u["function_id"]), u))
                .collect()
        })
        .unwrap_or_default();
    rows.push(row("TOTAL".into(), String::new(), &usage["total"]));
    out.table(
        &[
            "FUNCTION",
            "ID",
            "VCPU-SECONDS",
            "GIB-SECONDS",
            "REQUESTS",
            "COST",
        ],
        &rows,
    );
    Ok(())
}
