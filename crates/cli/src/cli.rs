//! The command line's shape (clap derive): global flags, commands, and the
//! value parsers that check every deploy option against the spec's
//! constraints before anything is sent.
use crate::validate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The exit codes, shown at the end of `fe --help` (and in the README).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success
  1    API error: the server refused the request (400, 402, 403, 404, 409, 429, 5xx)
  2    usage error: a bad flag or argument, caught before anything was sent
  3    network error: connection failed, timed out, or a stream dropped
  4    authentication: no API key (run `fe login`), or the key was rejected (401)
  5    deploy failed: the build failed (its log is printed)
  130  interrupted (Ctrl-C)

Environment:
  FLOWENGINE_API_KEY    API key (overrides the key stored by `fe login`)
  FLOWENGINE_BASE_URL   API base URL (default https://flowengine.cloud)
  NO_COLOR              disable colors";

#[derive(Parser, Debug)]
#[command(
    name = "fe",
    version,
    about = "FlowEngine command line: deploy functions, tail logs, manage secrets and domains, chat.",
    long_about = None,
    after_help = EXIT_CODES_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// API base URL [default: the one `fe login` stored, else https://flowengine.cloud]
    #[arg(
        long,
        global = true,
        env = "FLOWENGINE_BASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub base_url: Option<String>,
    /// API key (fe_...) [default: the key `fe login` stored in ~/.flowengine/config.json]
    #[arg(
        long,
        global = true,
        env = "FLOWENGINE_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// Machine-readable output: one JSON document on stdout (NDJSON for streams); errors as JSON on stderr
    #[arg(long, global = true)]
    pub json: bool,
    /// Print results only: no progress bars, notes or hints
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Store an API key in ~/.flowengine/config.json (checked with the API first)
    #[command(
        long_about = "Store an API key in ~/.flowengine/config.json (mode 0600), after checking it with GET /api/v1/user.\n\n\
        On a terminal the key is asked for without echo. In scripts pass --api-key, or pipe it on stdin:\n  \
        echo \"$KEY\" | fe login"
    )]
    Login,
    /// Forget the stored API key
    Logout,
    /// Show the account behind the API key: tier and credits
    Whoami,
    /// Pack a folder, upload it and deploy it (creates the function on the first deploy)
    Deploy(DeployArgs),
    /// List your functions
    #[command(visible_alias = "ls")]
    List,
    /// Show a function's settings and latest deployment
    #[command(visible_alias = "info")]
    Show {
        /// Function id or name
        function: String,
    },
    /// Show a function's recent logs (last 500 entries), or follow them
    Logs(LogsArgs),
    /// Manage a function's secrets (values are never printed)
    #[command(subcommand)]
    Env(EnvCommand),
    /// Map a custom domain to a function
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Usage and cost: vCPU-seconds, GiB-seconds, requests (month to date by default)
    Usage(UsageArgs),
    /// Delete a function (asks first on a terminal; --yes in scripts)
    #[command(visible_alias = "rm")]
    Delete {
        /// Function id or name
        function: String,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(long, short)]
        yes: bool,
    },
    /// Chat with FlowEngine AI; the reply is streamed as it is written
    Chat(ChatArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug, Clone, Default)]
#[command(
    after_help = "The first deploy of a folder creates the function and links the folder to it in \
    .flowengine/project.json; later deploys redeploy it in place. --name picks (or creates) a function by name instead.\n\n\
    Example:\n  fe deploy ./scraper --name lead-scraper --runtime nodejs22 --memory 1Gi"
)]
pub struct DeployArgs {
    /// The function's folder
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Function name: 1-63 chars, a lowercase letter first, then a-z, 0-9 and '-' [default: the linked function, else the folder's name]
    #[arg(long, value_parser = validate::name)]
    pub name: Option<String>,
    /// Runtime [default: detected from the folder]
    #[arg(long, value_parser = validate::RUNTIMES)]
    pub runtime: Option<String>,
    /// Memory per instance, 256Mi to 32Gi (caps: free 512Mi, pro 8Gi, teams 32Gi)
    #[arg(long, value_name = "SIZE", value_parser = validate::memory)]
    pub memory: Option<String>,
    /// vCPUs per instance: 1, 2, 4 or 8
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = validate::cpu)]
    pub cpu: Option<i64>,
    /// Most instances, 1-1000 (caps: free 10, paid 100)
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = validate::max_instances)]
    pub max_instances: Option<i64>,
    /// Instances kept warm, 0 to --max-instances
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = validate::min_instances)]
    pub min_instances: Option<i64>,
    /// Request timeout in seconds, 1-3600
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true, value_parser = validate::timeout)]
    pub timeout: Option<i64>,
    /// GCP region, e.g. us-central1 [default: us-central1]
    #[arg(long, value_name = "ID", value_parser = validate::region)]
    pub region: Option<String>,
    /// Concurrent requests per instance, 1-1000
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = validate::concurrency)]
    pub concurrency: Option<i64>,
    /// Throttle CPU between requests
    #[arg(long, overrides_with = "no_cpu_throttling")]
    pub cpu_throttling: bool,
    /// Keep CPU allocated between requests
    #[arg(long, overrides_with = "cpu_throttling")]
    pub no_cpu_throttling: bool,
    /// List the files that would be uploaded and their total size; send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Return once the build has started instead of waiting until the function is ready
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Args, Debug, Clone)]
pub struct LogsArgs {
    /// Function id or name
    pub function: String,
    /// Keep streaming new lines until Ctrl-C
    #[arg(long, short)]
    pub follow: bool,
    /// Only the last N entries (at most 500 are kept)
    #[arg(long, short = 'n', value_name = "N", value_parser = clap::value_parser!(u32).range(1..=500))]
    pub lines: Option<u32>,
}

#[derive(Subcommand, Debug)]
pub enum EnvCommand {
    /// List the secrets bound to a function (names only)
    #[command(visible_alias = "ls")]
    List {
        /// Function id or name
        function: String,
    },
    /// Set secrets: NAME=VALUE, or NAME alone to read the value from the terminal (hidden) or stdin
    Set {
        /// Function id or name
        function: String,
        /// NAME=VALUE or NAME; names match [A-Z][A-Z0-9_]{0,62}
        #[arg(required = true, value_name = "NAME[=VALUE]")]
        pairs: Vec<String>,
    },
    /// Remove a function's override of a secret (workspace secrets stay bound)
    #[command(visible_alias = "rm")]
    Unset {
        /// Function id or name
        function: String,
        /// Secret names
        #[arg(required = true, value_name = "NAME", value_parser = validate::secret_name)]
        names: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DomainCommand {
    /// Map a domain to a function and print the DNS records to add at your registrar
    Add {
        /// Function id or name
        function: String,
        /// Host name, e.g. api.example.com
        #[arg(value_parser = validate::domain)]
        domain: String,
    },
    /// Show the mapping's live status and its DNS records
    #[command(visible_alias = "get")]
    Status {
        /// Function id or name
        function: String,
    },
    /// Remove the domain mapping
    #[command(visible_alias = "remove")]
    Rm {
        /// Function id or name
        function: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct UsageArgs {
    /// Only this function (id or name)
    #[arg(long, value_name = "ID")]
    pub function_id: Option<String>,
    /// Start of the period: a date (2026-05-01) or RFC 3339 timestamp [default: the 1st of this month]
    #[arg(long, value_name = "DATE", value_parser = validate::date)]
    pub from: Option<String>,
    /// End of the period: a date (2026-05-28) or RFC 3339 timestamp [default: now]
    #[arg(long, value_name = "DATE", value_parser = validate::date)]
    pub to: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Model {
    /// Every tier
    #[default]
    Regular,
    /// Pro and Max plans
    Boost,
}

impl Model {
    pub fn as_str(self) -> &'static str {
        match self {
            Model::Regular => "regular",
            Model::Boost => "boost",
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct ChatArgs {
    /// Your message ("-" or nothing: read it from stdin)
    pub message: Option<String>,
    /// Model
    #[arg(long, short, value_enum, default_value_t = Model::Regular)]
    pub model: Model,
    /// Continue this conversation (its id is printed after each reply)
    #[arg(long, short, value_name = "ID")]
    pub conversation: Option<String>,
}
