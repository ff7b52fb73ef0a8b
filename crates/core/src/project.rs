//! A local folder as a function's project, shared by `fe deploy` and the MCP
//! server's folder deploy: the link between a folder and its function, the
//! name a new function takes from its folder, and the runtime its files
//! suggest.
//!
//! The link is `.flowengine/project.json` in the folder, written by the
//! first deploy, so that later deploys redeploy the same function in place.
//! A link is kept per API base URL, so a folder deployed to a staging server
//! and to production has one function on each. The `.flowengine/` folder is
//! never uploaded ([`pack_options`]), and is added to the folder's
//! `.gitignore` when it has one ([`add_to_gitignore`]).
use crate::tarball::PackOptions;
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

/// Where a folder's project file lives.
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

/// The function this folder is linked to on `base_url`, if any.
pub fn link(folder: &Path, base_url: &str) -> Option<Link> {
    read(folder).links.get(base_url).cloned()
}

/// Records the link (keeping the links to other base URLs); returns the file written.
pub fn save(folder: &Path, base_url: &str, link: Link) -> std::io::Result<PathBuf> {
    let mut file = read(folder);
    file.links.insert(base_url.to_string(), link);
    let p = path(folder);
    std::fs::create_dir_all(folder.join(DIR))?;
    let text = serde_json::to_string_pretty(&file).map_err(std::io::Error::other)? + "\n";
    std::fs::write(&p, text)?;
    // The link is this machine's and this account's, not the project's. A
    // .gitignore that cannot be read or written leaves the link in place.
    let _ = add_to_gitignore(folder);
    Ok(p)
}

/// Appends `.flowengine/` to the folder's `.gitignore` (as vercel does for
/// `.vercel`) when the file exists and neither ignores the link file already
/// nor mentions `.flowengine` at all (a `!.flowengine/` is the user's
/// choice). No `.gitignore` is created. Returns whether the line was added.
pub fn add_to_gitignore(folder: &Path) -> std::io::Result<bool> {
    use std::io::Write;
    let gitignore = folder.join(".gitignore");
    let text = match std::fs::read_to_string(&gitignore) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if text.lines().any(|l| l.contains(DIR)) {
        return Ok(false);
    }
    let mut rules = ignore::gitignore::GitignoreBuilder::new(folder);
    for line in text.lines() {
        let _ = rules.add_line(None, line);
    }
    if let Ok(rules) = rules.build() {
        if rules
            .matched_path_or_any_parents(Path::new(DIR).join(FILE), false)
            .is_ignore()
        {
            return Ok(false);
        }
    }
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut add = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        add.push_str(eol);
    }
    add.push_str(&format!("{DIR}/{eol}"));
    std::fs::OpenOptions::new()
        .append(true)
        .open(&gitignore)?
        .write_all(add.as_bytes())?;
    Ok(true)
}

/// The packer's options for a project folder: the link file is the
/// deployer's, not the function's.
pub fn pack_options() -> PackOptions {
    PackOptions {
        extra_ignores: vec![format!("/{DIR}/")],
        ..PackOptions::default()
    }
}

/// A function name made from a folder's name: lowercase, `-` for anything
/// else, a letter first (`fn-` is put before a leading digit), at most 63
/// characters; `my-function` when nothing usable is left.
pub fn name_from_folder(folder_name: &str) -> String {
    let mut out = String::new();
    for c in folder_name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    let mut name = if trimmed.starts_with(|c: char| c.is_ascii_lowercase()) {
        trimmed.to_string()
    } else {
        format!("fn-{trimmed}")
    };
    name.truncate(63);
    let name = name.trim_end_matches('-').to_string();
    if name == "fn" || name.is_empty() {
        "my-function".to_string()
    } else {
        name
    }
}

/// [`name_from_folder`] for a folder on disk (its real name: `.` works).
pub fn name_for(folder: &Path) -> String {
    let real = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
    name_from_folder(&real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
}

/// The runtime a folder looks like, from the files each buildpack detects.
pub fn detect_runtime(folder: &Path) -> Option<&'static str> {
    let has = |f: &str| folder.join(f).is_file();
    if has("package.json") {
        Some("nodejs22")
    } else if has("requirements.txt") || has("main.py") || has("pyproject.toml") {
        Some("python312")
    } else if has("go.mod") {
        Some("go122")
    } else if has("pom.xml") {
        Some("java17")
    } else if has("Gemfile") {
        Some("ruby32")
    } else if has("composer.json") || has("index.php") {
        Some("php82")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_name(n: &str) -> bool {
        let mut chars = n.chars();
        n.len() <= 63
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }

    #[test]
    fn folder_names_become_valid_function_names() {
        assert_eq!(name_from_folder("hello"), "hello");
        assert_eq!(name_from_folder("My Scraper_v2"), "my-scraper-v2");
        assert_eq!(name_from_folder("My_Cool App!"), "my-cool-app");
        assert_eq!(name_from_folder("2fa"), "fn-2fa");
        assert_eq!(name_from_folder("..."), "my-function");
        assert_eq!(name_from_folder(""), "my-function");
        let long = name_from_folder(&"a".repeat(80));
        assert_eq!(long.len(), 63);
        for n in ["hello", "2fa", "...", &"x-".repeat(50), "Émile's app", &"a".repeat(80)] {
            assert!(valid_name(&name_from_folder(n)), "{n:?} -> {:?}", name_from_folder(n));
        }
    }

    #[test]
    fn a_folder_on_disk_is_named_by_its_real_name() {
        let d = tempfile::tempdir().unwrap();
        let app = d.path().join("My App");
        std::fs::create_dir(&app).unwrap();
        assert_eq!(name_for(&app), "my-app");
        assert_eq!(name_for(&app.join("..").join("My App").join(".")), "my-app");
    }

    #[test]
    fn runtimes_from_folders() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(detect_runtime(d.path()), None);
        std::fs::write(d.path().join("go.mod"), "").unwrap();
        assert_eq!(detect_runtime(d.path()), Some("go122"));
        std::fs::write(d.path().join("requirements.txt"), "").unwrap();
        assert_eq!(detect_runtime(d.path()), Some("python312"));
        std::fs::write(d.path().join("package.json"), "{}").unwrap();
        assert_eq!(detect_runtime(d.path()), Some("nodejs22"));
    }

    #[test]
    fn links_are_kept_per_base_url() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(link(d.path(), "http://a"), None);
        let a = Link { function_id: "1".into(), name: "one".into() };
        let b = Link { function_id: "2".into(), name: "two".into() };
        assert_eq!(save(d.path(), "http://a", a.clone()).unwrap(), path(d.path()));
        save(d.path(), "http://b", b.clone()).unwrap();
        assert_eq!(link(d.path(), "http://a"), Some(a));
        assert_eq!(link(d.path(), "http://b"), Some(b));
        std::fs::write(path(d.path()), "not json").unwrap();
        assert_eq!(link(d.path(), "http://a"), None);
    }

    #[test]
    fn saving_a_link_adds_the_folder_to_an_existing_gitignore() {
        let link = || Link {
            function_id: "1".into(),
            name: "one".into(),
        };
        let read = |d: &Path| std::fs::read_to_string(d.join(".gitignore")).unwrap();

        // No .gitignore: none is created.
        let d = tempfile::tempdir().unwrap();
        save(d.path(), "http://a", link()).unwrap();
        assert!(!d.path().join(".gitignore").exists());

        // One without the line (and without a final newline) gets it, once.
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".gitignore"), "node_modules/").unwrap();
        save(d.path(), "http://a", link()).unwrap();
        assert_eq!(read(d.path()), "node_modules/\n.flowengine/\n");
        save(d.path(), "http://b", link()).unwrap();
        assert_eq!(read(d.path()), "node_modules/\n.flowengine/\n");

        // CRLF files get a CRLF line.
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".gitignore"), "dist\r\n").unwrap();
        save(d.path(), "http://a", link()).unwrap();
        assert_eq!(read(d.path()), "dist\r\n.flowengine/\r\n");

        // Already ignored (by any rule), or un-ignored on purpose: left alone.
        for existing in [
            "/.flowengine\n",
            ".*\n",
            "!.flowengine/\n",
            "# keep .flowengine\n",
        ] {
            let d = tempfile::tempdir().unwrap();
            std::fs::write(d.path().join(".gitignore"), existing).unwrap();
            save(d.path(), "http://a", link()).unwrap();
            assert_eq!(read(d.path()), existing);
        }
    }

    #[test]
    fn the_link_file_is_never_packed() {
        assert_eq!(pack_options().extra_ignores, vec!["/.flowengine/".to_string()]);
    }
}
