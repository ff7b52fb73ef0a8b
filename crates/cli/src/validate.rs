//! Flag checks made before anything is sent. They reuse the spec's own
//! constraints: patterns through the types the core generates from
//! `openapi/flowengine.yaml` (`Memory`, `FunctionName`, `Region`, ...), and
//! integer ranges from the core's dispatch table (the same checks `call()`
//! makes). clap turns an `Err` into "invalid value 'x' for '--flag <N>': ..."
//! with exit code 2.
use flowengine::generated::types;
use std::str::FromStr;

/// The runtimes of the reference (`Runtime` in the spec); a unit test checks
/// each against the generated type.
pub const RUNTIMES: [&str; 8] = [
    "nodejs20",
    "nodejs22",
    "python311",
    "python312",
    "go122",
    "java17",
    "ruby32",
    "php82",
];

/// The spec's range for an integer field of `createFunction`.
pub fn spec_range(field: &str) -> (i64, i64) {
    flowengine::dispatch::operation("createFunction")
        .and_then(|op| op.checks.iter().find(|c| c.field == field))
        .map(|c| {
            (
                c.minimum.unwrap_or(i64::MIN as f64) as i64,
                c.maximum.unwrap_or(i64::MAX as f64) as i64,
            )
        })
        .unwrap_or((i64::MIN, i64::MAX))
}

fn int_in(field: &str, s: &str, hint: &str) -> Result<i64, String> {
    let (min, max) = spec_range(field);
    let range = format!("must be a whole number from {min} to {max}{hint}");
    let n: i64 = s.trim().parse().map_err(|_| range.clone())?;
    if n < min || n > max {
        return Err(range);
    }
    Ok(n)
}

pub fn max_instances(s: &str) -> Result<i64, String> {
    int_in("max_instances", s, " (tier caps: free 10, paid 100)")
}

pub fn min_instances(s: &str) -> Result<i64, String> {
    int_in("min_instances", s, ", and at most --max-instances")
}

pub fn timeout(s: &str) -> Result<i64, String> {
    int_in("timeout_seconds", s, " seconds (tier caps apply)")
}

pub fn concurrency(s: &str) -> Result<i64, String> {
    int_in("concurrency", s, "")
}

pub fn cpu(s: &str) -> Result<i64, String> {
    let msg = "must be 1, 2, 4 or 8 (vCPUs)";
    let n: i64 = s.trim().parse().map_err(|_| msg.to_string())?;
    types::Cpu::try_from(n).map_err(|_| msg.to_string())?;
    Ok(n)
}

pub fn memory(s: &str) -> Result<String, String> {
    types::Memory::from_str(s)
        .map(|_| s.to_string())
        .map_err(|_| "must be from 256Mi to 32Gi, written like 512Mi or 1Gi (tier caps: free 512Mi, pro 8Gi, teams 32Gi)".to_string())
}

pub fn name(s: &str) -> Result<String, String> {
    types::FunctionName::from_str(s)
        .map(|_| s.to_string())
        .map_err(|_| "must be 1-63 characters: a lowercase letter first, then lowercase letters, digits or '-'".to_string())
}

pub fn region(s: &str) -> Result<String, String> {
    types::Region::from_str(s)
        .map(|_| s.to_string())
        .map_err(|_| "must be a GCP region id such as us-central1".to_string())
}

pub fn date(s: &str) -> Result<String, String> {
    types::IsoDateOrTime::from_str(s)
        .map(|_| s.to_string())
        .map_err(|_| {
            "must be a date (2026-05-01) or an RFC 3339 timestamp (2026-05-01T00:00:00Z)"
                .to_string()
        })
}

pub fn secret_name(s: &str) -> Result<String, String> {
    types::SecretName::from_str(s)
        .map(|_| s.to_string())
        .map_err(|_| "secret names must match [A-Z][A-Z0-9_]{0,62}: an upper-case letter first, then upper-case letters, digits or '_'".to_string())
}

/// A secret's value, by the spec's rule (1..65536 characters); the message
/// never quotes it.
pub fn secret_value(value: &str) -> Result<(), String> {
    let request = serde_json::json!({ "name": "CHECK", "value": value });
    match serde_json::from_value::<types::SetSecretRequest>(request) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("must be 1 to 65536 characters long (it has {})", value.chars().count())),
    }
}

pub fn domain(s: &str) -> Result<String, String> {
    let ok = s.len() <= 253
        && serde_json::from_value::<types::DomainRequest>(serde_json::json!({ "domain": s }))
            .is_ok();
    if ok {
        Ok(s.to_string())
    } else {
        Err("must be a host name such as api.example.com".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_are_the_specs() {
        for r in RUNTIMES {
            assert!(types::Runtime::from_str(r).is_ok(), "{r}");
        }
        assert!(types::Runtime::from_str("cobol").is_err());
    }

    #[test]
    fn ranges_come_from_the_spec() {
        assert_eq!(spec_range("max_instances"), (1, 1000));
        assert_eq!(spec_range("min_instances"), (0, 1000));
        assert_eq!(spec_range("timeout_seconds"), (1, 3600));
        assert_eq!(spec_range("concurrency"), (1, 1000));
        assert!(
            max_instances("0").is_err()
                && max_instances("1001").is_err()
                && max_instances("x").is_err()
        );
        assert_eq!(max_instances("1000"), Ok(1000));
        assert!(timeout("3601").is_err());
        assert_eq!(min_instances("0"), Ok(0));
    }

    #[test]
    fn patterns_come_from_the_spec() {
        assert!(memory("256Mi").is_ok() && memory("32Gi").is_ok() && memory("1Gi").is_ok());
        assert!(memory("255Mi").is_err() && memory("33Gi").is_err() && memory("1G").is_err());
        assert!(cpu("4").is_ok() && cpu("3").is_err());
        assert!(
            name("lead-scraper").is_ok()
                && name("Lead").is_err()
                && name("1x").is_err()
                && name(&"a".repeat(64)).is_err()
        );
        assert!(region("us-central1").is_ok() && region("moon").is_err());
        assert!(
            date("2026-05-01").is_ok() && date("2026-13-01").is_err() && date("yesterday").is_err()
        );
        assert!(secret_name("OPENAI_API_KEY").is_ok() && secret_name("lower").is_err());
        assert!(
            domain("api.example.com").is_ok()
                && domain("not a domain").is_err()
                && domain("localhost").is_err()
        );
    }
}
