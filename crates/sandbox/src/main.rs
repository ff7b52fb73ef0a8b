//! `flowengine-sandbox`: a local FlowEngine-compatible server.
//!
//! The first line of standard output is one JSON object,
//! `{"url": ..., "api_key": ..., "user_id": ..., "db": ..., "accounts": [...]}`,
//! so that any test can start it with `--port 0` and read where it listens.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use flowengine_sandbox::{AccountSpec, DbLocation, FunctionsTier, MainTier, SandboxConfig};
use serde_json::json;

#[derive(Parser)]
#[command(name = "flowengine-sandbox", version, about = "A local FlowEngine-compatible server (axum + SQLite)")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: Serve,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve(Serve),
    /// Add an account to a database file and print its key as JSON.
    AddAccount(AddAccount),
}

#[derive(Args, Clone)]
struct Serve {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "FLOWENGINE_SANDBOX_HOST")]
    host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8787, env = "FLOWENGINE_SANDBOX_PORT")]
    port: u16,
    /// The SQLite file that keeps the state across restarts.
    #[arg(long, default_value = "flowengine-sandbox.db", env = "FLOWENGINE_SANDBOX_DB")]
    db: PathBuf,
    /// Keep the state in memory only (gone at exit).
    #[arg(long)]
    memory: bool,
    /// The default account's key (fe_ + 40 hex). Without it a fresh key is
    /// issued on every start and the previous one is revoked.
    #[arg(long, env = "FLOWENGINE_SANDBOX_KEY")]
    key: Option<String>,
    /// Base URL written into upload URLs (default: the request's Host).
    #[arg(long)]
    public_url: Option<String>,
    /// Log tail polling interval in ms (the service: 2000).
    #[arg(long, default_value_t = 2000)]
    log_poll_ms: u64,
    /// Lines a fresh log tail replays before following (0: new lines only).
    #[arg(long, default_value_t = 100)]
    tail_backlog: usize,
    /// Close log tail streams after this many ms (clients resume with Last-Event-ID); 0 = never.
    #[arg(long, default_value_t = 0)]
    tail_max_ms: u64,
    /// Pause between the steps of a simulated build, in ms.
    #[arg(long, default_value_t = 400)]
    build_step_ms: u64,
    /// A custom domain verifies after this many ms.
    #[arg(long, default_value_t = 10_000)]
    domain_verify_ms: u64,
    /// Instances stay `provisioning` this many ms.
    #[arg(long, default_value_t = 3_000)]
    instance_boot_ms: u64,
    /// A manual backup takes this many ms.
    #[arg(long, default_value_t = 3_000)]
    backup_ms: u64,
    /// A WhatsApp session connects this many ms after creation.
    #[arg(long, default_value_t = 20_000)]
    whatsapp_connect_ms: u64,
    /// In-flight deploys per account before 429.
    #[arg(long, default_value_t = 3)]
    max_inflight_deploys: u32,
    /// Check every JSON response against the spec (500 on a mismatch).
    #[arg(long)]
    check_responses: bool,
    /// Also create an account, e.g. `label=free,functions_tier=free,main_tier=free,card=false,credits=0`
    /// (keys: label, functions_tier, main_tier, card, suspended, credits, key). Repeatable.
    #[arg(long = "account", value_name = "SPEC")]
    accounts: Vec<String>,
}

#[derive(Args)]
struct AddAccount {
    /// The database file.
    #[arg(long, default_value = "flowengine-sandbox.db", env = "FLOWENGINE_SANDBOX_DB")]
    db: PathBuf,
    #[arg(long)]
    label: Option<String>,
    /// free, pro or teams.
    #[arg(long, default_value = "free")]
    functions_tier: String,
    /// free, pro or pro_plus.
    #[arg(long, default_value = "free")]
    main_tier: String,
    /// A card on file.
    #[arg(long)]
    card: bool,
    /// over_credit or card_invalid.
    #[arg(long)]
    suspended: Option<String>,
    #[arg(long, default_value_t = 100.0)]
    credits: f64,
    /// Use this key (fe_ + 40 hex) instead of a random one.
    #[arg(long)]
    key: Option<String>,
}

fn parse_account(s: &str) -> Result<AccountSpec, String> {
    let mut spec = AccountSpec::default();
    for kv in s.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = kv.split_once('=').ok_or_else(|| format!("{kv}: expected key=value"))?;
        let (k, v) = (k.trim(), v.trim());
        match k {
            "label" => spec.label = Some(v.to_string()),
            "functions_tier" => spec.functions_tier = FunctionsTier::parse(v).ok_or(format!("functions_tier {v}: free, pro or teams"))?,
            "main_tier" => spec.main_tier = MainTier::parse(v).ok_or(format!("main_tier {v}: free, pro or pro_plus"))?,
            "card" | "has_card" => spec.has_card = v.parse().map_err(|_| format!("card {v}: true or false"))?,
            "suspended" => spec.suspended = (!v.is_empty() && v != "none").then(|| v.to_string()),
            "credits" => spec.credits = v.parse().map_err(|_| format!("credits {v}: a number"))?,
            "key" => spec.key = Some(v.to_string()),
            other => return Err(format!("unknown account key {other}")),
        }
    }
    Ok(spec)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn serve(s: Serve) -> Result<(), Box<dyn std::error::Error>> {
    let specs = s.accounts.iter().map(|a| parse_account(a)).collect::<Result<Vec<_>, _>>()?;
    let db = if s.memory { DbLocation::Memory } else { DbLocation::File(s.db.clone()) };
    let config = SandboxConfig {
        db: db.clone(),
        host: s.host,
        port: s.port,
        public_url: s.public_url,
        default_key: s.key.clone(),
        log_poll_interval: ms(s.log_poll_ms),
        tail_backlog: s.tail_backlog,
        tail_max_duration: (s.tail_max_ms > 0).then(|| ms(s.tail_max_ms)),
        build_step_delay: ms(s.build_step_ms),
        domain_verify_delay: ms(s.domain_verify_ms),
        instance_boot_delay: ms(s.instance_boot_ms),
        backup_delay: ms(s.backup_ms),
        whatsapp_connect_delay: ms(s.whatsapp_connect_ms),
        max_inflight_deploys: s.max_inflight_deploys,
        check_responses: s.check_responses,
        ..SandboxConfig::default()
    };
    let mut sb = flowengine_sandbox::start(config).await?;
    let mut accounts = Vec::new();
    for spec in specs {
        let a = sb.create_account(spec.clone()).await?;
        accounts.push(json!({
            "label": a.label,
            "user_id": a.user_id,
            "api_key": a.api_key,
            "functions_tier": spec.functions_tier.as_str(),
            "main_tier": spec.main_tier.as_str(),
            "has_card": spec.has_card,
        }));
    }
    let db_name = match &db {
        DbLocation::Memory => ":memory:".to_string(),
        DbLocation::File(p) => p.display().to_string(),
    };
    println!("{}", json!({ "url": sb.url, "api_key": sb.api_key, "user_id": sb.user_id, "db": db_name, "accounts": accounts }));
    println!("FlowEngine sandbox listening on {}", sb.url);
    println!("  export FLOWENGINE_BASE_URL={}", sb.url);
    println!("  export FLOWENGINE_API_KEY={}", sb.api_key);
    if s.key.is_none() && !s.memory {
        println!("  (a new key is issued on every start and the previous one revoked; pass --key to keep one)");
    }
    println!("  state: {db_name}; stop with Ctrl-C");

    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await?;
    sb.stop();
    sb.shutdown().await;
    Ok(())
}

fn add_account(a: AddAccount) -> Result<(), Box<dyn std::error::Error>> {
    let spec = AccountSpec {
        label: a.label,
        functions_tier: FunctionsTier::parse(&a.functions_tier).ok_or("functions_tier: free, pro or teams")?,
        main_tier: MainTier::parse(&a.main_tier).ok_or("main_tier: free, pro or pro_plus")?,
        has_card: a.card,
        suspended: a.suspended,
        credits: a.credits,
        key: a.key,
        ..AccountSpec::default()
    };
    let created = flowengine_sandbox::add_account_to_file(&a.db, &spec)?;
    println!("{}", json!({ "user_id": created.user_id, "api_key": created.api_key, "label": created.label }));
    Ok(())
}

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::AddAccount(a)) => add_account(a),
        other => {
            let s = match other {
                Some(Command::Serve(s)) => s,
                _ => cli.serve,
            };
            match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(rt) => rt.block_on(serve(s)),
                Err(e) => Err(e.into()),
            }
        }
    };
    if let Err(e) = result {
        eprintln!("flowengine-sandbox: {e}");
        std::process::exit(1);
    }
}
