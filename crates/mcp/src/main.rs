//! `flowengine-mcp`: the FlowEngine MCP server, over stdio.
//!
//! Configuration: FLOWENGINE_API_KEY, FLOWENGINE_BASE_URL, then
//! ~/.flowengine/config.json (written by `fe login`). Standard output is
//! the MCP channel; notes go to standard error.
use flowengine_mcp::{serve_stdio, tools, FlowEngineMcp};
use std::process::ExitCode;

const HELP: &str = "flowengine-mcp: the FlowEngine MCP server (stdio).

Usage: flowengine-mcp              serve MCP on standard input/output
       flowengine-mcp --list-tools print the tools (name, hints, JSON Schema) as JSON
       flowengine-mcp --version

Configuration: FLOWENGINE_API_KEY and FLOWENGINE_BASE_URL, else
~/.flowengine/config.json (written by `fe login`), else https://flowengine.cloud.
Add it to Claude Desktop's claude_desktop_config.json:

  { \"mcpServers\": { \"flowengine\": { \"command\": \"flowengine-mcp\",
      \"env\": { \"FLOWENGINE_API_KEY\": \"fe_...\" } } } }
";

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("--version" | "-V") => {
            println!("flowengine-mcp {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some("--help" | "-h") => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Some("--list-tools") => {
            let list = serde_json::to_string_pretty(&tools::list()).expect("tools serialize");
            println!("{list}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("flowengine-mcp: unknown argument `{other}`\n\n{HELP}");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("flowengine-mcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let server = FlowEngineMcp::from_env();
        eprintln!("flowengine-mcp {}: {}", env!("CARGO_PKG_VERSION"), server.describe_config());
        match serve_stdio(server).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("flowengine-mcp: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
