//! [`RawJson`]: a JSON document kept as the text that arrived, decoded only
//! when asked. Chat streams carry one small object per token; building a
//! `serde_json::Value` for each (a map, a vector, a dozen allocations) cost
//! more than everything else on the path, while almost nobody reads it.
use serde::{Serialize, Serializer};
use serde_json::Value;

/// JSON text as received (a chat chunk's `data`), decoded on demand.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawJson(String);

impl RawJson {
    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The decoded document (`Null` for empty text; the text was checked to
    /// be JSON when the chunk was decoded).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl From<String> for RawJson {
    fn from(text: String) -> RawJson {
        RawJson(text)
    }
}

impl From<&Value> for RawJson {
    fn from(v: &Value) -> RawJson {
        RawJson(v.to_string())
    }
}

impl std::fmt::Debug for RawJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Serializes as the decoded document (not as a string), for any serializer.
impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_on_demand_and_serializes_as_json() {
        let raw = RawJson::from(r#"{"a":[1,"é"]}"#.to_owned());
        assert_eq!(raw.value(), json!({"a": [1, "é"]}));
        assert_eq!(serde_json::to_value(&raw).unwrap(), json!({"a": [1, "é"]}));
        assert_eq!(raw.as_str(), r#"{"a":[1,"é"]}"#);
        assert_eq!(RawJson::default().value(), Value::Null);
        assert_eq!(RawJson::from(&json!({"b": true})).value(), json!({"b": true}));
    }
}
