//! The typed Node package (issue 6).
use crate::Api;

pub fn generate(_api: &Api) -> Vec<(String, String)> {
    Vec::new()
}
