//! Placeholder: the dispatch table is generated here (next step).
use serde_json::Value;
pub fn generate(_adapted: &Value, _raw: &Value) -> String { String::new() }
