//! [`RawJson`]: a JSON document kept as the text that arrived, decoded only
//! when asked. Chat streams carry one small object per token; building a
//! `serde_json::Value` for each (a map, a vector, a dozen allocations) cost
//! more than everything else on the path, while almost nobody reads it.
use serde::{Serialize, Serializer};
use serde_json::Value;

/// JSON text as received (a chat chunk's `data`), decoded on demand.
/// Two are equal when their documents are (spacing and key order aside).
#[derive(Clone, Default)]
pub struct RawJson(String);

impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.0 == other.0 || self.value() == other.value()
    }
}

impl RawJson {
    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The decoded document (`Null` for empty text; a chunk's text was
    /// checked to be JSON when the chunk was decoded).
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
        assert_eq!(RawJson::from(r#"{"a": 1, "b": 2}"#.to_owned()), RawJson::from(r#"{"b":2,"a":1}"#.to_owned()));
        assert_ne!(RawJson::from(r#"{"a":1}"#.to_owned()), RawJson::from(r#"{"a":2}"#.to_owned()));
    }
}
