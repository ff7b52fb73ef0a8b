//! A local FlowEngine-compatible server: every operation of
//! `openapi/flowengine.yaml`, validated against the spec itself, with state
//! in SQLite, signed-URL uploads served by itself, simulated builds, and SSE
//! chat and log tail. For demos, development and every test suite.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sb = flowengine_sandbox::start(flowengine_sandbox::SandboxConfig::for_tests()).await?;
//! println!("{} {}", sb.url, sb.api_key);
//! sb.shutdown().await;
//! # Ok(()) }
//! ```

mod accounts;
mod auth;
mod build_sim;
mod config;
mod db;
mod deploy_chain;
mod error;
mod hosting;
mod qr;
mod request;
mod respcheck;
mod router;
mod routes;
mod server;
mod spec;
mod state;
mod tarball;
mod templates;
mod tiers;
mod util;
mod validate;

pub use accounts::{AccountSpec, CreatedAccount};
pub use config::{DbLocation, SandboxConfig};
pub use error::ApiError;
pub use server::{start, Sandbox, StartError};
pub use tiers::{FunctionsTier, MainTier};

/// Adds an account to a database file without a running server (the
/// `add-account` subcommand).
pub fn add_account_to_file(path: &std::path::Path, spec: &AccountSpec) -> Result<CreatedAccount, StartError> {
    let db = db::Db::open(&DbLocation::File(path.to_path_buf()))?;
    Ok(db.call_sync(|c| accounts::create_account(c, spec))?)
}

/// The spec the sandbox serves (compiled in).
pub const SPEC_YAML: &str = spec::SPEC_YAML;
