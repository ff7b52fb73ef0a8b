//! Source tarballs: gzip'd ustar, packed deterministically (sorted entries,
//! mtime 0) and read back with the reference's limits: 25 MiB a file,
//! 100 MiB in all, paths of at most 100 bytes (the ustar name field).

use std::io::Read;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

pub const MAX_FILE: u64 = 25 * 1024 * 1024;
pub const MAX_TOTAL: u64 = 100 * 1024 * 1024;
pub const MAX_PATH: usize = 100;

/// Why a set of files or a tarball is refused; `path` names the offending file.
#[derive(Debug, Clone, PartialEq)]
pub struct TarError {
    pub path: Option<String>,
    pub message: String,
}

fn err(path: Option<&str>, message: impl Into<String>) -> TarError {
    TarError { path: path.map(str::to_string), message: message.into() }
}

/// A relative path a tarball may hold: non-empty, at most 100 bytes, no
/// absolute path, no `..`, no backslash or control character.
pub fn check_path(p: &str) -> Result<(), TarError> {
    if p.is_empty() {
        return Err(err(Some(p), "a file path is empty"));
    }
    if p.len() > MAX_PATH {
        return Err(err(Some(p), format!("{p}: the path is {} bytes, more than {MAX_PATH}", p.len())));
    }
    if p.starts_with('/') || p.split('/').any(|c| c == "..") {
        return Err(err(Some(p), format!("{p}: the path must be relative and stay inside the folder")));
    }
    if p.chars().any(|c| c.is_control() || c == '\\') || p.ends_with('/') || p.split('/').any(str::is_empty) {
        return Err(err(Some(p), format!("{p}: not a valid file path")));
    }
    Ok(())
}

/// The size limits over a set of files.
pub fn check_files<'a>(files: impl IntoIterator<Item = (&'a str, u64)>) -> Result<(), TarError> {
    let mut total = 0u64;
    for (p, size) in files {
        check_path(p)?;
        if size > MAX_FILE {
            return Err(err(Some(p), format!("{p}: {size} bytes, more than the 25 MB a file")));
        }
        total += size;
        if total > MAX_TOTAL {
            return Err(err(Some(p), "the files add up to more than 100 MB"));
        }
    }
    Ok(())
}

/// Packs files (already checked) into a deterministic `.tar.gz`.
pub fn pack(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, TarError> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (path, data) in sorted {
        let mut h = tar::Header::new_ustar();
        h.set_path(path).map_err(|e| err(Some(path), format!("{path}: {e}")))?;
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        builder.append(&h, data.as_slice()).map_err(|e| err(Some(path), e.to_string()))?;
    }
    let gz = builder.into_inner().map_err(|e| err(None, e.to_string()))?;
    gz.finish().map_err(|e| err(None, e.to_string()))
}

/// One regular file of a tarball.
#[derive(Debug, Clone)]
pub struct TarFile {
    pub path: String,
    pub data: Vec<u8>,
}

/// Reads a `.tar.gz` with the limits; `./` prefixes are dropped and
/// directories skipped. `strip_top` drops the first path component (GitHub
/// tarballs have one top-level directory).
pub fn unpack(bytes: &[u8], strip_top: bool) -> Result<Vec<TarFile>, TarError> {
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Err(err(None, "the source is not gzip data"));
    }
    let mut archive = tar::Archive::new(GzDecoder::new(bytes));
    let entries = archive.entries().map_err(|e| err(None, format!("not a tar archive: {e}")))?;
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut any = false;
    for entry in entries {
        let mut entry = entry.map_err(|e| err(None, format!("corrupt tar archive: {e}")))?;
        any = true;
        let header = entry.header();
        if header.as_ustar().is_none() && header.as_gnu().is_none() {
            return Err(err(None, "the archive is not in ustar format"));
        }
        let raw_path = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| err(None, "a path in the archive is not UTF-8"))?;
        let kind = header.entry_type();
        let mut path = raw_path.trim_start_matches("./").to_string();
        if strip_top {
            path = match path.split_once('/') {
                Some((_, rest)) => rest.to_string(),
                None => String::new(),
            };
        }
        if kind.is_dir() || path.is_empty() || kind.is_pax_global_extensions() {
            continue;
        }
        if !kind.is_file() {
            // Links and devices are not deployable source; skip them as Cloud Build's unpacker would.
            continue;
        }
        check_path(&path)?;
        let size = header.size().map_err(|e| err(Some(&path), e.to_string()))?;
        if size > MAX_FILE {
            return Err(err(Some(&path), format!("{path}: {size} bytes, more than the 25 MB a file")));
        }
        total += size;
        if total > MAX_TOTAL {
            return Err(err(Some(&path), "the archive holds more than 100 MB"));
        }
        let mut data = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(MAX_FILE + 1)
            .read_to_end(&mut data)
            .map_err(|e| err(Some(&path), format!("{path}: corrupt data: {e}")))?;
        out.push(TarFile { path, data });
    }
    if !any {
        return Err(err(None, "the archive is empty"));
    }
    Ok(out)
}

/// The file a runtime's buildpack starts from; `None` when the files lack it.
pub fn entry_file<'a>(runtime: &str, paths: impl IntoIterator<Item = &'a str> + Clone) -> Result<&'static str, String> {
    let candidates: &[&'static str] = match runtime {
        r if r.starts_with("nodejs") => &["package.json"],
        r if r.starts_with("python") => &["requirements.txt", "main.py"],
        r if r.starts_with("go") => &["go.mod"],
        r if r.starts_with("java") => &["pom.xml"],
        r if r.starts_with("ruby") => &["Gemfile"],
        r if r.starts_with("php") => &["composer.json", "index.php"],
        _ => &[],
    };
    for c in candidates {
        if paths.clone().into_iter().any(|p| p == *c) {
            return Ok(c);
        }
    }
    Err(format!("no {} at the top of the source: the {runtime} buildpack cannot detect the app", candidates.join(" or ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_limits() {
        let files = vec![("b.js".to_string(), b"2".to_vec()), ("package.json".to_string(), b"{}".to_vec())];
        let gz = pack(&files).unwrap();
        assert_eq!(gz, pack(&files).unwrap());
        let back = unpack(&gz, false).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].path, "b.js");
        assert!(unpack(b"not gzip", false).is_err());
        assert!(check_path(&"a".repeat(101)).is_err());
        assert!(check_path("../x").is_err());
        assert!(check_path("/x").is_err());
        assert!(check_path("a//b").is_err());
        assert!(check_path("src/index.js").is_ok());
        assert_eq!(entry_file("python312", ["main.py"]), Ok("main.py"));
        assert!(entry_file("nodejs22", ["index.js"]).is_err());
    }
}
