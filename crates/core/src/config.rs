//! Client configuration and its resolution order, shared by every language:
//! explicit argument > `FLOWENGINE_API_KEY` / `FLOWENGINE_BASE_URL` >
//! `~/.flowengine/config.json` > `https://flowengine.cloud`.
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://flowengine.cloud";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(600);
pub const DEFAULT_MAX_RETRIES: u32 = 2;
pub const ENV_API_KEY: &str = "FLOWENGINE_API_KEY";
pub const ENV_BASE_URL: &str = "FLOWENGINE_BASE_URL";

/// What a user may set. Every field is optional; [`Config::resolve`] fills
/// the rest from the environment, the config file and the defaults.
#[derive(Clone, Default)]
pub struct Config {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    /// Bounds every wait for the next byte: connecting, the response head,
    /// and each gap inside a body or stream. Default 60 s.
    pub timeout: Option<Duration>,
    /// Total limit of an ordinary (non-stream) request. Default 10 minutes.
    pub total_timeout: Option<Duration>,
    /// Retries after the first attempt. Default 2.
    pub max_retries: Option<u32>,
    /// Appended to the User-Agent, e.g. `flowengine-python/0.1.0`.
    pub user_agent: Option<String>,
    /// Config file to read instead of `~/.flowengine/config.json`.
    pub config_file: Option<PathBuf>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key.as_deref().map(redact))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_retries", &self.max_retries)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// The settings a client runs with.
#[derive(Clone)]
pub struct Resolved {
    pub api_key: Option<String>,
    pub base_url: String,
    pub timeout: Duration,
    pub total_timeout: Duration,
    pub max_retries: u32,
    pub user_agent: String,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("api_key", &self.api_key.as_deref().map(redact))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_retries", &self.max_retries)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// The shape of `~/.flowengine/config.json` (the CLI writes it, mode 0600).
#[derive(Default, Clone, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

impl std::fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigFile")
            .field("api_key", &self.api_key.as_deref().map(redact))
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// `fe_1234…` -> `fe_1…(redacted)`: enough to tell keys apart, never enough to use one.
pub fn redact(key: &str) -> String {
    let head: String = key.chars().take(4).collect();
    format!("{head}…(redacted)")
}

pub fn default_config_path() -> Option<PathBuf> {
    dirs::home_dir().map(|h| h.join(".flowengine").join("config.json"))
}

impl ConfigFile {
    /// Reads the file; a missing file is an empty config, a malformed one an error.
    pub fn read(path: &Path) -> Result<ConfigFile, Error> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                Error::invalid_argument("config_file", format!("{} is not valid JSON: {e}", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
            Err(e) => Err(Error::invalid_argument("config_file", format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Writes the file with mode 0600 (the key grants full account access).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let io = |e: std::io::Error| Error::invalid_argument("config_file", format!("cannot write {}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(self).expect("config serializes");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)
    }
}

impl Config {
    /// Applies the resolution order with the process environment.
    pub fn resolve(&self) -> Result<Resolved, Error> {
        self.resolve_with(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// The resolution order with an injectable environment (for tests).
    pub fn resolve_with(&self, env: impl Fn(&str) -> Option<String>) -> Result<Resolved, Error> {
        let file_path = self.config_file.clone().or_else(default_config_path);
        let needs_file = (self.api_key.is_none() && env(ENV_API_KEY).is_none())
            || (self.base_url.is_none() && env(ENV_BASE_URL).is_none());
        let file = match (&file_path, needs_file) {
            (Some(path), true) => ConfigFile::read(path)?,
            _ => ConfigFile::default(),
        };
        let api_key = self.api_key.clone().or_else(|| env(ENV_API_KEY)).or(file.api_key);
        if let Some(key) = &api_key {
            validate_key(key)?;
        }
        let base_url = self
            .base_url
            .clone()
            .or_else(|| env(ENV_BASE_URL))
            .or(file.base_url)
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let base_url = normalize_base_url(&base_url)?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(Error::invalid_argument("timeout", "timeout must be greater than zero"));
        }
        let total_timeout = self.total_timeout.unwrap_or(DEFAULT_TOTAL_TIMEOUT);
        if total_timeout.is_zero() {
            return Err(Error::invalid_argument("total_timeout", "total_timeout must be greater than zero"));
        }
        let max_retries = self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
        if max_retries > 10 {
            return Err(Error::invalid_argument("max_retries", format!("max_retries must be at most 10, got {max_retries}")));
        }
        let mut user_agent = format!("flowengine-rust/{}", env!("CARGO_PKG_VERSION"));
        if let Some(extra) = &self.user_agent {
            user_agent = format!("{extra} {user_agent}");
        }
        Ok(Resolved { api_key, base_url, timeout, total_timeout, max_retries, user_agent })
    }
}

/// A key must be printable ASCII without spaces (it travels in a header).
/// The `fe_` prefix is not enforced: the server is the judge of keys.
fn validate_key(key: &str) -> Result<(), Error> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid_argument("api_key", "the API key must be non-empty printable ASCII without spaces"));
    }
    Ok(())
}

/// Keeps a path prefix (`https://host/prefix`) and drops a trailing slash so
/// that `{base}{path}` joins cleanly.
fn normalize_base_url(raw: &str) -> Result<String, Error> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| Error::invalid_argument("base_url", format!("`{raw}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::invalid_argument("base_url", format!("`{raw}` must be an http or https URL with a host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_argument("base_url", format!("`{raw}` must not have a query or fragment")));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    fn with_file(contents: &str) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, contents).unwrap();
        (dir, Config { config_file: Some(path), ..Default::default() })
    }

    #[test]
    fn explicit_beats_env_beats_file_beats_default() {
        let (_d, mut cfg) = with_file(r#"{"api_key":"fe_file","base_url":"http://file.test"}"#);
        let r = cfg.resolve_with(env_of(&[])).unwrap();
        assert_eq!((r.api_key.as_deref(), r.base_url.as_str()), (Some("fe_file"), "http://file.test"));
        let r = cfg.resolve_with(env_of(&[(ENV_API_KEY, "fe_env"), (ENV_BASE_URL, "http://env.test")])).unwrap();
        assert_eq!((r.api_key.as_deref(), r.base_url.as_str()), (Some("fe_env"), "http://env.test"));
        cfg.api_key = Some("fe_arg".into());
        cfg.base_url = Some("http://arg.test/".into());
        let r = cfg.resolve_with(env_of(&[(ENV_API_KEY, "fe_env"), (ENV_BASE_URL, "http://env.test")])).unwrap();
        assert_eq!((r.api_key.as_deref(), r.base_url.as_str()), (Some("fe_arg"), "http://arg.test"));
        let (_d, cfg) = with_file("{}");
        let r = cfg.resolve_with(env_of(&[])).unwrap();
        assert_eq!((r.api_key, r.base_url.as_str()), (None, DEFAULT_BASE_URL));
    }

    #[test]
    fn base_url_keeps_its_path_prefix() {
        let cfg = Config { base_url: Some("https://proxy.test/flowengine/".into()), config_file: Some("/nonexistent".into()), ..Default::default() };
        assert_eq!(cfg.resolve_with(env_of(&[])).unwrap().base_url, "https://proxy.test/flowengine");
    }

    #[test]
    fn bad_values_are_invalid_arguments_naming_the_field() {
        let none = Some(PathBuf::from("/nonexistent"));
        for (cfg, field) in [
            (Config { base_url: Some("ftp://x".into()), config_file: none.clone(), ..Default::default() }, "base_url"),
            (Config { base_url: Some("not a url".into()), config_file: none.clone(), ..Default::default() }, "base_url"),
            (Config { api_key: Some("fe_ bad".into()), config_file: none.clone(), ..Default::default() }, "api_key"),
            (Config { timeout: Some(Duration::ZERO), config_file: none.clone(), ..Default::default() }, "timeout"),
            (Config { max_retries: Some(99), config_file: none.clone(), ..Default::default() }, "max_retries"),
        ] {
            let err = cfg.resolve_with(env_of(&[])).unwrap_err();
            assert_eq!(err.kind, crate::ErrorKind::InvalidArgument);
            assert_eq!(err.field.as_deref(), Some(field));
        }
        let (_d, cfg) = with_file("{not json");
        assert_eq!(cfg.resolve_with(env_of(&[])).unwrap_err().field.as_deref(), Some("config_file"));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let cfg = Config { api_key: Some("fe_0123456789abcdef0123456789abcdef01234567".into()), ..Default::default() };
        let text = format!("{cfg:?}");
        assert!(!text.contains("0123456789abcdef"), "{text}");
        let r = Config { config_file: Some("/nonexistent".into()), ..cfg }.resolve_with(env_of(&[])).unwrap();
        assert!(!format!("{r:?}").contains("0123456789abcdef"));
        let file = ConfigFile { api_key: Some("fe_0123456789abcdef0123456789abcdef01234567".into()), base_url: None };
        assert!(!format!("{file:?}").contains("0123456789abcdef"), "{file:?}");
    }

    #[cfg(unix)]
    #[test]
    fn config_file_is_written_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.json");
        ConfigFile { api_key: Some("fe_x".into()), base_url: None }.write(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(ConfigFile::read(&path).unwrap().api_key.as_deref(), Some("fe_x"));
    }
}
