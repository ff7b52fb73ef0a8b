//! The typed Swift surface (issue 7).
use crate::Api;

pub fn generate(_api: &Api) -> Vec<(String, String)> {
    Vec::new()
}
