//! `fe env list|set|unset`: a function's secret overrides. Values are
//! sent, never printed: not in messages, not in --json output.
use crate::cli::EnvCommand;
use crate::ctx::{s, Ctx};
use crate::error::{CliError, Result, SECRET_FLAGS};
use crate::output::{text, Style};
use crate::{prompt, validate};
use serde_json::{json, Value};

pub async fn run(ctx: &Ctx, cmd: EnvCommand) -> Result<()> {
    match cmd {
        EnvCommand::List { function } => list(ctx, &function).await,
        EnvCommand::Set { function, pairs } => set(ctx, &function, &pairs).await,
        EnvCommand::Unset { function, names } => unset(ctx, &function, &names).await,
    }
}

async fn list(ctx: &Ctx, ident: &str) -> Result<()> {
    let out = &ctx.out;
    let client = ctx.client()?;
    let f = ctx.function(&client, ident).await?;
    let list = client
        .call("listFunctionSecrets", json!({ "id": f["id"] }))
        .await?;
    if out.json {
        out.json_doc(&list);
        return Ok(());
    }
    let secrets = list["secrets"].as_array().cloned().unwrap_or_default();
    if secrets.is_empty() {
        out.note(&format!(
            "No secrets bound to {}. Add one with `fe env set {} NAME=VALUE`.",
            s(&f, "name"),
            s(&f, "name")
        ));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = secrets
        .iter()
        .map(|b| {
            vec![
                text(&b["name"]),
                text(&b["source"]),
                text(&b["scope"]),
                text(&b["updated_at"]),
            ]
        })
        .collect();
    out.table(&["NAME", "SOURCE", "SCOPE", "UPDATED"], &rows);
    Ok(())
}

/// `NAME=VALUE`, or `NAME` alone (the value is then asked for).
fn split_pair(pair: &str) -> Result<(String, Option<String>)> {
    let (name, value) = match pair.split_once('=') {
        Some((n, v)) => (n, Some(v.to_string())),
        None => (pair, None),
    };
    let name = validate::secret_name(name).map_err(|msg| {
        // Without `=`, what was typed may be a value (`NAME VALUE` for
        // `NAME=VALUE`): it is never repeated.
        let shown = match value {
            Some(_) => format!("invalid secret name `{name}`"),
            None => "an argument is neither NAME nor NAME=VALUE (it is not repeated here, in case it is a value)".to_string(),
        };
        CliError::usage(format!("{shown}: {msg}")).with_flag("<NAME>")
    })?;
    if value.as_deref() == Some("") {
        return Err(CliError::usage(format!("{name}: the value is empty"))
            .with_flag("<VALUE>")
            .hint(format!(
                "to remove a secret: fe env unset <function> {name}"
            )));
    }
    if let Some(v) = &value {
        validate::secret_value(v).map_err(|msg| CliError::usage(format!("{name}: the value {msg}")).with_flag("<VALUE>"))?;
    }
    Ok((name, value))
}

async fn set(ctx: &Ctx, ident: &str, pairs: &[String]) -> Result<()> {
    let out = &ctx.out;
    // Every name and value is checked before anything is sent.
    let parsed: Vec<(String, Option<String>)> =
        pairs.iter().map(|p| split_pair(p)).collect::<Result<_>>()?;
    let client = ctx.client()?;
    let f = ctx.function(&client, ident).await?;
    let mut values = Vec::new();
    for (name, value) in parsed {
        let value = match value {
            Some(v) => v,
            None => {
                let v = prompt::secret(&format!("Value of {name} (hidden): "), out.stdin_tty)?;
                if v.is_empty() {
                    return Err(
                        CliError::usage(format!("{name}: no value given")).with_flag("<VALUE>")
                    );
                }
                validate::secret_value(&v).map_err(|msg| CliError::usage(format!("{name}: the value {msg}")).with_flag("<VALUE>"))?;
                v
            }
        };
        values.push((name, value));
    }
    let mut bindings: Vec<Value> = Vec::new();
    for (name, value) in values {
        let binding = client
            .call(
                "setFunctionSecret",
                json!({ "id": f["id"], "name": name, "value": value }),
            )
            .await
            .map_err(|e| CliError::from_core(e, SECRET_FLAGS))?;
        out.done(&format!(
            "Set {} on {}",
            out.e(Style::Bold, &name),
            s(&f, "name")
        ));
        bindings.push(binding);
    }
    if out.json {
        out.json_doc(&json!({ "secrets": bindings }));
    } else {
        out.note(&format!("  redeploy to pick it up: fe deploy (in the function's folder), or fe deploy <path> --name {}", s(&f, "name")));
    }
    Ok(())
}

async fn unset(ctx: &Ctx, ident: &str, names: &[String]) -> Result<()> {
    let out = &ctx.out;
    let client = ctx.client()?;
    let f = ctx.function(&client, ident).await?;
    // Only a function's own overrides can be removed: say so for the rest
    // rather than report a removal that did not happen.
    let list = client.call("listFunctionSecrets", json!({ "id": f["id"] })).await?;
    let source_of = |name: &str| {
        list["secrets"].as_array().into_iter().flatten().find(|b| b["name"] == name).map(|b| text(&b["source"]))
    };
    let mut removed = Vec::new();
    let mut not_set = Vec::new();
    for name in names {
        match source_of(name).as_deref() {
            Some("override") => {}
            Some(source) => {
                out.warn(&format!("{name} is not an override of {} (it comes from the {source}): nothing removed", s(&f, "name")));
                not_set.push(name.clone());
                continue;
            }
            None => {
                out.warn(&format!("{} has no secret named {name}: nothing removed", s(&f, "name")));
                not_set.push(name.clone());
                continue;
            }
        }
        client
            .call(
                "deleteFunctionSecret",
                json!({ "id": f["id"], "name": name }),
            )
            .await
            .map_err(|e| CliError::from_core(e, SECRET_FLAGS))?;
        out.done(&format!(
            "Removed {} from {}",
            out.e(Style::Bold, name),
            s(&f, "name")
        ));
        removed.push(name.clone());
    }
    if out.json {
        out.json_doc(&json!({ "removed": removed, "not_removed": not_set }));
    }
    Ok(())
}
