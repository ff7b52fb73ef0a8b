//! `fe domain add|status|rm`: a custom domain and the DNS records it needs.
use crate::cli::DomainCommand;
use crate::ctx::{s, Ctx};
use crate::error::{CliError, Result, DOMAIN_FLAGS};
use crate::output::{text, Out, Style};
use serde_json::{json, Value};

pub async fn run(ctx: &Ctx, cmd: DomainCommand) -> Result<()> {
    let out = &ctx.out;
    let client = ctx.client()?;
    match cmd {
        DomainCommand::Add { function, domain } => {
            let f = ctx.function(&client, &function).await?;
            let m = client
                .call(
                    "addFunctionDomain",
                    json!({ "id": f["id"], "domain": domain }),
                )
                .await
                .map_err(|e| CliError::from_core(e, DOMAIN_FLAGS))?;
            if out.json {
                out.json_doc(&m);
                return Ok(());
            }
            out.done(&format!(
                "Mapped {} to {} ({})",
                out.e(Style::Bold, s(&m, "domain")),
                s(&f, "name"),
                out.status(s(&m, "status"))
            ));
            out.note("Add these DNS records at your registrar:");
            records(out, &m);
            out.note(&format!(
                "Then check with: fe domain status {}",
                s(&f, "name")
            ));
        }
        DomainCommand::Status { function } => {
            let f = ctx.function(&client, &function).await?;
            let m = client
                .call("getFunctionDomain", json!({ "id": f["id"] }))
                .await?;
            if out.json {
                out.json_doc(&m);
                return Ok(());
            }
            out.pairs(&[
                ("domain", text(&m["domain"])),
                ("status", out.status(s(&m, "status"))),
            ]);
            if s(&m, "status") != "verified" {
                out.note("DNS records to add at your registrar:");
            }
            records(out, &m);
        }
        DomainCommand::Rm { function } => {
            let f = ctx.function(&client, &function).await?;
            let r = client
                .call("removeFunctionDomain", json!({ "id": f["id"] }))
                .await?;
            if out.json {
                out.json_doc(&r);
            } else {
                out.done(&format!("Removed the domain mapping of {}", s(&f, "name")));
            }
        }
    }
    Ok(())
}

fn records(out: &Out, m: &Value) {
    let rows: Vec<Vec<String>> = m["records"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| vec![text(&r["type"]), text(&r["name"]), text(&r["rrdata"])])
                .collect()
        })
        .unwrap_or_default();
    out.table(&["TYPE", "NAME", "VALUE"], &rows);
}
