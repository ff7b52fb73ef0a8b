//! Tiers and their caps (served by `GET /api/v1/functions/limits` and
//! enforced by clamping on create and update).

use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionsTier {
    Free,
    Pro,
    Teams,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MainTier {
    Free,
    Pro,
    ProPlus,
}

impl FunctionsTier {
    pub const ALL: [FunctionsTier; 3] = [FunctionsTier::Free, FunctionsTier::Pro, FunctionsTier::Teams];
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionsTier::Free => "free",
            FunctionsTier::Pro => "pro",
            FunctionsTier::Teams => "teams",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
    pub fn caps(self) -> Caps {
        match self {
            FunctionsTier::Free => Caps { memory_mi: 512, max_instances: 10, timeout_seconds: 300 },
            FunctionsTier::Pro => Caps { memory_mi: 8 * 1024, max_instances: 100, timeout_seconds: 3600 },
            FunctionsTier::Teams => Caps { memory_mi: 32 * 1024, max_instances: 100, timeout_seconds: 3600 },
        }
    }
    pub fn is_paid(self) -> bool {
        self != FunctionsTier::Free
    }
}

impl MainTier {
    pub const ALL: [MainTier; 3] = [MainTier::Free, MainTier::Pro, MainTier::ProPlus];
    pub fn as_str(self) -> &'static str {
        match self {
            MainTier::Free => "free",
            MainTier::Pro => "pro",
            MainTier::ProPlus => "pro_plus",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub memory_mi: u32,
    pub max_instances: i64,
    pub timeout_seconds: i64,
}

impl Caps {
    pub fn to_json(self) -> Value {
        json!({
            "memory": format_memory(self.memory_mi),
            "max_instances": self.max_instances,
            "timeout_seconds": self.timeout_seconds,
        })
    }
}

/// `512Mi` / `1Gi` -> MiB. The spec's pattern has already checked the form.
pub fn parse_memory(s: &str) -> Option<u32> {
    if let Some(n) = s.strip_suffix("Gi") {
        n.parse::<u32>().ok().map(|g| g * 1024)
    } else {
        s.strip_suffix("Mi").and_then(|n| n.parse::<u32>().ok())
    }
}

#[allow(clippy::manual_is_multiple_of)] // is_multiple_of needs Rust 1.87; the workspace says 1.85
pub fn format_memory(mi: u32) -> String {
    if mi % 1024 == 0 {
        format!("{}Gi", mi / 1024)
    } else {
        format!("{mi}Mi")
    }
}

/// The memory to store: the requested value, or the cap when it is above it.
pub fn clamp_memory(requested: &str, caps: Caps) -> String {
    match parse_memory(requested) {
        Some(mi) if mi <= caps.memory_mi => requested.to_string(),
        _ => format_memory(caps.memory_mi),
    }
}

pub fn all_limits() -> Value {
    let mut m = serde_json::Map::new();
    for t in FunctionsTier::ALL {
        m.insert(t.as_str().into(), t.caps().to_json());
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps() {
        let free = FunctionsTier::Free.caps();
        assert_eq!(clamp_memory("1Gi", free), "512Mi");
        assert_eq!(clamp_memory("256Mi", free), "256Mi");
        assert_eq!(clamp_memory("32Gi", FunctionsTier::Pro.caps()), "8Gi");
        assert_eq!(clamp_memory("32Gi", FunctionsTier::Teams.caps()), "32Gi");
    }
}
