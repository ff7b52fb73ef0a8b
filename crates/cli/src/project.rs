//! The link between a folder and its function: `.flowengine/project.json`
//! in the folder, written by the first `fe deploy`, so that later deploys
//! redeploy the same function in place. A link is kept per API base URL,
//! so a folder deployed to a staging server and to production has one
//! function on each. The `.flowengine/` folder is never uploaded.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DIR: &str = ".flowengine";
pub const FILE: &str = "project.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Link {
    pub function_id: String,
    pub name: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ProjectFile {
    /// Base URL -> the function this folder deploys to there.
    #[serde(default)]
    pub links: BTreeMap<String, Link>,
}

pub fn path(folder: &Path) -> PathBuf {
    folder.join(DIR).join(FILE)
}

/// The project file; a missing or unreadable one counts as empty.
pub fn read(folder: &Path) -> ProjectFile {
    std::fs::read_to_string(path(folder))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

pub fn link(folder: &Path, base_url: &str) -> Option<Link> {
    read(folder).links.get(base_url).cloned()
}

/// Records the link; returns the file written.
pub fn save(folder: &Path, base_url: &str, link: Link) -> std::io::Result<PathBuf> {
    let mut file = read(folder);
    file.links.insert(base_url.to_string(), link);
    let p = path(folder);
    std::fs::create_dir_all(p.parent().expect("has a parent"))?;
    let text = serde_json::to_string_pretty(&file).expect("serializes") + "\n";
    std::fs::write(&p, text)?;
    Ok(p)
}
