//! # flowengine-mcp
//!
//! An MCP server (stdio) that lets Claude and other MCP clients manage a
//! FlowEngine account. Its tools are generated from `openapi/flowengine.yaml`
//! at build time (one per public method, `<group>_<method>`, with JSON
//! Schemas converted from the spec) and run through the core's
//! `Client::call`, plus four that need more than one request: `chat_send`,
//! `functions_logs_tail`, `functions_deploy_folder` and
//! `functions_upload_folder`.
// `flowengine::Error` is the core's one error type, large by design (every field a
// binding maps); it is returned, not boxed, as the core does.
#![allow(clippy::result_large_err)]

pub mod run;
pub mod schema;
pub mod server;
pub mod tools;

pub use server::FlowEngineMcp;

/// Serves MCP on standard input and output until the client closes them.
pub async fn serve_stdio(server: FlowEngineMcp) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use rmcp::ServiceExt;
    let running = server.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
