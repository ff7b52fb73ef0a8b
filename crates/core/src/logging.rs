//! `FLOWENGINE_LOG`: the SDK's logging switch, the same in every language
//! (the bindings and `fe` build their clients through [`crate::Client::new`],
//! which reads it once per process).
//!
//! `FLOWENGINE_LOG=debug` prints each request (method, URL without its query,
//! attempt, headers with the key redacted) and each response (status,
//! request id, time) to stderr through `tracing`. A bare level (`trace`,
//! `debug`, `info`, `warn`, `error`) applies to the SDK's own events; any
//! other value is a `tracing` filter (`flowengine=debug,hyper=trace`). A
//! program that installed its own `tracing` subscriber keeps it: the variable
//! then changes nothing, and the SDK's events go to that subscriber.
use std::sync::Once;
use tracing_subscriber::EnvFilter;

/// The environment variable read by [`init_from_env`].
pub const ENV: &str = "FLOWENGINE_LOG";

static INIT: Once = Once::new();

/// Installs a stderr subscriber when `FLOWENGINE_LOG` is set (once per process).
pub fn init_from_env() {
    INIT.call_once(|| {
        let Ok(value) = std::env::var(ENV) else { return };
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let filter = match filter(value) {
            Ok(f) => f,
            Err(e) => {
                // Said once, on stderr: a typo in a debugging switch must not fail the program.
                eprintln!("flowengine: {ENV}={value:?} is not a level or a tracing filter ({e}); logging stays off");
                return;
            }
        };
        // try_init: a subscriber the program installed itself wins.
        use std::io::IsTerminal;
        let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
    });
}

fn filter(value: &str) -> Result<EnvFilter, tracing_subscriber::filter::ParseError> {
    let lower = value.to_ascii_lowercase();
    match lower.as_str() {
        "trace" | "debug" | "info" | "warn" | "error" | "off" => EnvFilter::try_new(format!("flowengine={lower}")),
        _ => EnvFilter::try_new(value),
    }
}

#[cfg(test)]
mod tests {
    use super::filter;

    #[test]
    fn a_level_applies_to_the_sdk_and_a_filter_is_taken_as_written() {
        assert_eq!(filter("DEBUG").unwrap().to_string(), "flowengine=debug");
        assert_eq!(filter("flowengine=trace,hyper=debug").unwrap().to_string().split(',').count(), 2);
        assert!(filter("flowengine=loud").is_err());
    }
}
