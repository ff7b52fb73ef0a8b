//! One module per generated surface; each returns (repo-relative path, text).
mod node;
mod python;
mod reference;
mod surface;
mod swift;

use crate::Api;

pub fn all(api: &Api) -> Vec<(String, String)> {
    let mut files = Vec::new();
    files.extend(reference::generate(api));
    files.extend(python::generate(api));
    files.extend(node::generate(api));
    files.extend(swift::generate(api));
    files
}
