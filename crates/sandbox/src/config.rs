//! Everything a sandbox can be told at start: where its state lives, where it
//! listens, and the timings of its simulated background work.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

/// Where the SQLite state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// A private in-memory database: gone when the sandbox stops (tests).
    Memory,
    /// A database file: a restart on the same file keeps every account,
    /// function, deployment, chat, instance and session.
    File(PathBuf),
}

/// How a sandbox starts. `Default` gives a sandbox on a free loopback port
/// with an in-memory database and the reference's timings.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub db: DbLocation,
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// The base URL written into upload URLs. `None`: the request's `Host`
    /// header, else the bound address.
    pub public_url: Option<String>,
    /// The default account's key. `None`: a fresh key is issued on every
    /// start (keys are stored hashed, so an old one cannot be printed again;
    /// issuing one revokes the previous key, one active key per account).
    pub default_key: Option<String>,
    /// Log tail: how often the database is polled for new lines (2 s, as the reference says).
    pub log_poll_interval: Duration,
    /// Log tail: how many of the latest lines a fresh tail (no `Last-Event-ID`)
    /// replays before following (like `tail -f`); 0 sends new lines only.
    pub tail_backlog: usize,
    /// Log tail: a `: keepalive` comment is sent after this much silence.
    pub tail_keepalive: Duration,
    /// Log tail: close the stream after this long (clients resume with
    /// `Last-Event-ID`). `None`: never (as the service). Fuzzers set it low.
    pub tail_max_duration: Option<Duration>,
    /// The pause between two steps of a simulated build.
    pub build_step_delay: Duration,
    /// A custom domain turns from `pending` to `verified` after this long.
    pub domain_verify_delay: Duration,
    /// Hosting and n8n instances stay `provisioning` this long.
    pub instance_boot_delay: Duration,
    /// A manual backup stays `in_progress` this long.
    pub backup_delay: Duration,
    /// A WhatsApp session turns from `pending_scan` to `connected` after this long.
    pub whatsapp_connect_delay: Duration,
    /// Deploys in `creating`/`building` per account before 429.
    pub max_inflight_deploys: u32,
    /// Lifetime of a signed upload URL (`expiresIn`).
    pub upload_url_ttl: Duration,
    /// Validate every JSON response against the spec and answer 500 on a
    /// mismatch (tests turn this on to catch the sandbox drifting).
    pub check_responses: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            db: DbLocation::Memory,
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            public_url: None,
            default_key: None,
            log_poll_interval: Duration::from_secs(2),
            tail_backlog: 100,
            tail_keepalive: Duration::from_secs(15),
            tail_max_duration: None,
            build_step_delay: Duration::from_millis(400),
            domain_verify_delay: Duration::from_secs(10),
            instance_boot_delay: Duration::from_secs(3),
            backup_delay: Duration::from_secs(3),
            whatsapp_connect_delay: Duration::from_secs(20),
            max_inflight_deploys: 3,
            upload_url_ttl: Duration::from_secs(900),
            check_responses: false,
        }
    }
}

impl SandboxConfig {
    /// Fast timings for tests: everything background happens within tens of milliseconds.
    pub fn for_tests() -> Self {
        SandboxConfig {
            log_poll_interval: Duration::from_millis(50),
            tail_keepalive: Duration::from_secs(5),
            build_step_delay: Duration::from_millis(30),
            domain_verify_delay: Duration::from_millis(200),
            instance_boot_delay: Duration::from_millis(100),
            backup_delay: Duration::from_millis(100),
            whatsapp_connect_delay: Duration::from_millis(200),
            check_responses: true,
            ..Default::default()
        }
    }
}
