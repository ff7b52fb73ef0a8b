//! The typed Python package (issue 5).
use crate::Api;

pub fn generate(_api: &Api) -> Vec<(String, String)> {
    Vec::new()
}
