//! Small shared helpers: time, ids, random tokens.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use rand::Rng;

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// RFC 3339 with milliseconds and `Z`.
pub fn rfc3339(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => DateTime::<Utc>::UNIX_EPOCH.to_rfc3339_opts(SecondsFormat::Millis, true),
    }
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `n` random lower-case hex characters.
pub fn hex_token(n: usize) -> String {
    let mut bytes = vec![0u8; n.div_ceil(2)];
    rand::rng().fill(&mut bytes[..]);
    let mut s = hex::encode(bytes);
    s.truncate(n);
    s
}

/// `n` random characters of `[a-z0-9]`.
pub fn alnum_token(n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect()
}

/// Optional values from SQLite as JSON (`null` when absent).
pub fn opt<T: Into<serde_json::Value>>(v: Option<T>) -> serde_json::Value {
    v.map(Into::into).unwrap_or(serde_json::Value::Null)
}
