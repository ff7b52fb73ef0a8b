//! The CLI's error: an exit code, a message, hints, and (for `--json`) the
//! core error's fields. Every failure of a command ends up here.
use flowengine::{Error, ErrorKind};
use serde_json::{json, Value};

/// Exit codes (documented in `fe --help` and the README).
pub mod code {
    pub const OK: i32 = 0;
    pub const API: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const NETWORK: i32 = 3;
    pub const AUTH: i32 = 4;
    pub const DEPLOY_FAILED: i32 = 5;
    pub const INTERRUPTED: i32 = 130;
}

#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
    pub hints: Vec<String>,
    /// The flag or argument at fault, when there is one.
    pub flag: Option<String>,
    pub source: Option<Box<Error>>,
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    pub fn new(code: i32, message: impl Into<String>) -> CliError {
        CliError {
            code,
            message: message.into(),
            hints: Vec::new(),
            flag: None,
            source: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(code::USAGE, message)
    }

    pub fn with_flag(mut self, flag: impl Into<String>) -> CliError {
        self.flag = Some(flag.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> CliError {
        self.hints.push(hint.into());
        self
    }

    pub fn no_key() -> CliError {
        CliError::new(code::AUTH, "no API key")
            .hint("run `fe login` to store one in ~/.flowengine/config.json")
            .hint("or pass --api-key, or set FLOWENGINE_API_KEY")
    }

    /// The core's error, with field names turned into this command's flags
    /// (`max_instances` -> `--max-instances`) through `flags`.
    pub fn from_core(e: Error, flags: &[(&str, &str)]) -> CliError {
        let flag = e.field.as_deref().map(|f| flag_for(f, flags));
        let code = match e.kind {
            ErrorKind::InvalidArgument => code::USAGE,
            ErrorKind::Authentication => code::AUTH,
            ErrorKind::Connection | ErrorKind::Timeout | ErrorKind::Stream => code::NETWORK,
            ErrorKind::DeployFailed => code::DEPLOY_FAILED,
            _ => code::API,
        };
        let mut message = e.message.clone();
        if let (Some(field), Some(flag)) = (&e.field, &flag) {
            if field != flag {
                message = message.replace(&format!("`{field}`"), flag);
            }
        }
        let mut err = CliError {
            code,
            message,
            hints: Vec::new(),
            flag: flag.clone(),
            source: None,
        };
        match e.kind {
            ErrorKind::Authentication if e.status == Some(401) => {
                err.message = format!("the API key was rejected (401): {}", e.message);
                err = err.hint(
                    "run `fe login` to store a valid key, or check --api-key / FLOWENGINE_API_KEY",
                );
            }
            ErrorKind::Authentication => {
                err = CliError::no_key();
            }
            ErrorKind::Connection => {
                err = err.hint("check your network connection and --base-url / FLOWENGINE_BASE_URL")
            }
            ErrorKind::InvalidArgument => {
                if let Some(flag) = &flag {
                    if !err.message.contains(flag.as_str()) {
                        err.message = format!("{flag}: {}", err.message);
                    }
                }
            }
            _ => {
                if let Some(status) = e.status {
                    err.message = format!("{} (HTTP {status})", err.message);
                }
                if let Some(flag) = &flag {
                    err.message = format!("{flag}: {}", err.message);
                }
            }
        }
        if let Some(url) = &e.upgrade_url {
            err = err.hint(format!("upgrade or add a payment method: {url}"));
        }
        if let Some(secs) = e.retry_after {
            err = err.hint(format!("retry in {secs} s"));
        }
        if e.kind == ErrorKind::Server && e.message.to_lowercase().contains("credit") {
            err = err.hint("check your balance with `fe whoami`");
        }
        if let Some(id) = &e.request_id {
            err = err.hint(format!("request id: {id}"));
        }
        err.source = Some(Box::new(e));
        err
    }

    /// clap's usage error (a bad flag or value, a missing argument) as a
    /// usage error: its first paragraph is the message, the rest (tip, usage
    /// line, "try --help") are hints, and the argument at fault is the flag.
    pub fn from_clap(e: &clap::Error) -> CliError {
        use clap::error::{ContextKind, ContextValue};
        // Display is clap's text without colors.
        let rendered = e.render().to_string();
        let mut paragraphs = rendered
            .split("\n\n")
            .map(|p| {
                p.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|p| !p.is_empty());
        let first = paragraphs.next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(&first).to_string();
        let mut err = CliError::usage(message);
        for hint in paragraphs {
            err = err.hint(hint);
        }
        let arg = match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(s)) => Some(s.clone()),
            Some(ContextValue::Strings(v)) => v.first().cloned(),
            _ => None,
        };
        // "--cpu <N>" -> "--cpu"; "<FUNCTION>" stays.
        if let Some(flag) = arg.as_deref().and_then(|a| a.split_whitespace().next()) {
            err = err.with_flag(flag);
        }
        err
    }

    /// The error as the JSON document `--json` writes to stderr.
    pub fn to_json(&self) -> Value {
        let mut error = json!({
            "exit_code": self.code,
            "message": self.message,
            "flag": self.flag,
            "hints": self.hints,
        });
        match &self.source {
            Some(e) => {
                error["kind"] = json!(e.kind.as_str());
                error["status"] = json!(e.status);
                error["code"] = json!(e.code);
                error["field"] = json!(e.field);
                error["upgrade_url"] = json!(e.upgrade_url);
                error["retry_after"] = json!(e.retry_after);
                error["request_id"] = json!(e.request_id);
            }
            None => {
                let kind = match self.code {
                    code::USAGE => "usage",
                    code::AUTH => "authentication",
                    code::NETWORK => "connection",
                    code::DEPLOY_FAILED => "deploy_failed",
                    code::INTERRUPTED => "interrupted",
                    _ => "api",
                };
                error["kind"] = json!(kind);
            }
        }
        json!({ "error": error })
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> CliError {
        CliError::from_core(e, GLOBAL_FLAGS)
    }
}

/// Field names of the spec and the flags that set them, for every command.
pub const GLOBAL_FLAGS: &[(&str, &str)] = &[
    ("base_url", "--base-url"),
    ("api_key", "--api-key"),
    ("config_file", "~/.flowengine/config.json"),
];

/// Deploy's flags, by the field of createFunction/updateFunction they set.
pub const DEPLOY_FLAGS: &[(&str, &str)] = &[
    ("name", "--name"),
    ("runtime", "--runtime"),
    ("memory", "--memory"),
    ("cpu", "--cpu"),
    ("max_instances", "--max-instances"),
    ("min_instances", "--min-instances"),
    ("timeout_seconds", "--timeout"),
    ("region", "--region"),
    ("concurrency", "--concurrency"),
    ("cpu_throttling", "--cpu-throttling"),
    ("path", "<PATH>"),
];

pub const USAGE_FLAGS: &[(&str, &str)] = &[
    ("function_id", "--function-id"),
    ("from", "--from"),
    ("to", "--to"),
];
pub const SECRET_FLAGS: &[(&str, &str)] = &[("name", "<NAME>"), ("value", "<VALUE>")];
pub const DOMAIN_FLAGS: &[(&str, &str)] = &[("domain", "<DOMAIN>")];
pub const CHAT_FLAGS: &[(&str, &str)] = &[
    ("message", "<MESSAGE>"),
    ("model", "--model"),
    ("conversation_id", "--conversation"),
];

fn flag_for(field: &str, flags: &[(&str, &str)]) -> String {
    let root = field.split('.').next().unwrap_or(field);
    flags
        .iter()
        .chain(GLOBAL_FLAGS.iter())
        .find(|(f, _)| *f == root)
        .map(|(_, flag)| flag.to_string())
        .unwrap_or_else(|| field.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_exit_codes() {
        let cases = [
            (
                Error::invalid_argument(
                    "max_instances",
                    "`max_instances` must be at most 1000, got 5000",
                ),
                code::USAGE,
            ),
            (Error::new(ErrorKind::Authentication, "no key"), code::AUTH),
            (
                Error::from_response_parts(
                    401,
                    &Default::default(),
                    br#"{"error":"unauthorized"}"#,
                ),
                code::AUTH,
            ),
            (
                Error::from_response_parts(404, &Default::default(), br#"{"error":"not_found"}"#),
                code::API,
            ),
            (
                Error::from_response_parts(500, &Default::default(), b""),
                code::API,
            ),
            (Error::new(ErrorKind::Connection, "refused"), code::NETWORK),
            (Error::new(ErrorKind::Timeout, "slow"), code::NETWORK),
            (
                Error::new(ErrorKind::DeployFailed, "boom"),
                code::DEPLOY_FAILED,
            ),
        ];
        for (e, want) in cases {
            assert_eq!(CliError::from_core(e, DEPLOY_FLAGS).code, want);
        }
    }

    #[test]
    fn fields_become_flags() {
        let e = CliError::from_core(
            Error::invalid_argument(
                "max_instances",
                "`max_instances` must be at most 1000, got 5000",
            ),
            DEPLOY_FLAGS,
        );
        assert_eq!(e.flag.as_deref(), Some("--max-instances"));
        assert_eq!(e.message, "--max-instances must be at most 1000, got 5000");
        let e = CliError::from_core(
            Error::from_response_parts(
                400,
                &Default::default(),
                br#"{"error":"bad_request","message":"memory too big","field":"memory"}"#,
            ),
            DEPLOY_FLAGS,
        );
        assert_eq!((e.code, e.flag.as_deref()), (code::API, Some("--memory")));
        assert!(
            e.message.starts_with("--memory: memory too big"),
            "{}",
            e.message
        );
        assert_eq!(e.to_json()["error"]["status"], 400);
    }
}
