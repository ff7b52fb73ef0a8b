//! The first pass: walk the folder (metadata only), apply the ignore rules,
//! resolve symlinks and check every limit. The plan is the dry run.

use std::collections::HashMap;
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::WalkBuilder;
use serde::Serialize;

use super::error::PackError;
use super::{PackOptions, FEIGNORE_FILENAME, MAX_PATH_BYTES};

/// One file that will be in the archive (or one multipart part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub(crate) path: String,
    pub(crate) size: u64,
    pub(crate) executable: bool,
    pub(crate) source: PathBuf,
    pub(crate) symlink: bool,
    pub(crate) identity: Identity,
}

impl PlannedFile {
    /// Path relative to the folder, `/`-separated, UTF-8, at most 100 bytes:
    /// the entry name in the archive (and the multipart field name).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Size in bytes, as planned. Packing fails if the file no longer has it.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// True when any execute bit is set (always false off Unix).
    pub fn executable(&self) -> bool {
        self.executable
    }

    /// Mode written in the archive: 0o755 for executables, else 0o644.
    pub fn mode(&self) -> u32 {
        if self.executable {
            0o755
        } else {
            0o644
        }
    }

    /// True when the entry is a symlink (inside the folder) whose target's
    /// content is stored under the link's path.
    pub fn is_symlink(&self) -> bool {
        self.symlink
    }

    /// The absolute path whose content is read: the file itself, or the
    /// resolved target of a symlink.
    pub fn source_path(&self) -> &Path {
        &self.source
    }

    /// Opens the file for reading after checking that it is still the file
    /// that was planned (same file, same size). The reader yields exactly
    /// [`size`](Self::size) bytes, or an error (carrying a
    /// [`PackError::Changed`], see [`PackError::from_io`]) if the file shrinks
    /// or grows while it is read.
    pub fn open(&self) -> Result<PlannedFileReader, PackError> {
        let changed = |detail: String| PackError::Changed {
            path: self.path.clone(),
            detail,
        };
        // Check before opening, so that a file replaced by a FIFO does not
        // block `open`; check again on the handle, which is what is read.
        let before = match fs::metadata(&self.source) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(changed("it no longer exists".into()))
            }
            Err(e) => return Err(PackError::io(&self.path, e)),
        };
        self.check_same(&before).map_err(changed)?;
        let file = File::open(&self.source).map_err(|e| PackError::io(&self.path, e))?;
        let meta = file
            .metadata()
            .map_err(|e| PackError::io(&self.path, e))?;
        self.check_same(&meta).map_err(changed)?;
        Ok(PlannedFileReader {
            file,
            path: self.path.clone(),
            expected: self.size,
            remaining: self.size,
            eof_checked: false,
        })
    }

    fn check_same(&self, meta: &Metadata) -> Result<(), String> {
        if !meta.is_file() || Identity::of(meta) != self.identity {
            return Err("it was replaced by another file".into());
        }
        if meta.len() != self.size {
            return Err(format!(
                "it was {} bytes when planned and is now {} bytes",
                self.size,
                meta.len()
            ));
        }
        Ok(())
    }
}

/// Reader of a [`PlannedFile`]: exactly the planned number of bytes, or an
/// error. Errors are `io::Error`s wrapping a [`PackError`] that names the file.
#[derive(Debug)]
pub struct PlannedFileReader {
    file: File,
    path: String,
    expected: u64,
    remaining: u64,
    eof_checked: bool,
}

impl PlannedFileReader {
    /// Bytes still to be read.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    fn changed(&self, detail: String) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            PackError::Changed {
                path: self.path.clone(),
                detail,
            },
        )
    }
}

impl Read for PlannedFileReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            if !self.eof_checked {
                let mut probe = [0u8; 1];
                loop {
                    match self.file.read(&mut probe) {
                        Ok(0) => break,
                        Ok(_) => {
                            return Err(self.changed(format!(
                                "it grew beyond the planned {} bytes while being read",
                                self.expected
                            )))
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            return Err(io::Error::new(e.kind(), PackError::io(&self.path, e)))
                        }
                    }
                }
                self.eof_checked = true;
            }
            return Ok(0);
        }
        let max = (buf.len() as u64).min(self.remaining) as usize;
        let n = loop {
            match self.file.read(&mut buf[..max]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io::Error::new(e.kind(), PackError::io(&self.path, e))),
            }
        };
        if n == 0 {
            return Err(self.changed(format!(
                "it shrank to {} bytes while being read; {} were planned",
                self.expected - self.remaining,
                self.expected
            )));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Which file a planned entry is (device and inode on Unix), so that a file
/// replaced between planning and packing is noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identity {
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
}

impl Identity {
    fn of(meta: &Metadata) -> Identity {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Identity {
                dev: meta.dev(),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            Identity {}
        }
    }
}

fn is_executable(meta: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// An entry of the folder that is left out of the archive although no ignore
/// rule excludes it. Ignored files are not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Path relative to the folder, `/`-separated.
    pub path: String,
    pub reason: SkipReason,
}

/// Why an entry is in [`PackPlan::skipped`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkipReason {
    /// A symlink to a directory inside the folder: that directory's files are
    /// stored under their real paths.
    DirectorySymlink { target: String },
    /// A symlink to a file inside the folder that is ignored (or in `.git`).
    TargetIgnored { target: String },
    /// A socket, FIFO or device.
    SpecialFile,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::DirectorySymlink { target } => write!(
                f,
                "symlink to the directory {target}, whose files are packed under their own paths"
            ),
            SkipReason::TargetIgnored { target } => {
                write!(f, "symlink to {target}, which is ignored")
            }
            SkipReason::SpecialFile => f.write_str("not a regular file (socket, FIFO or device)"),
        }
    }
}

/// The result of [`plan_folder`]: what would be uploaded, checked against the
/// limits. Produce the archive with [`PackPlan::write_tar_gz`] or
/// [`PackPlan::into_stream`].
#[derive(Debug, Clone)]
pub struct PackPlan {
    pub(crate) root: PathBuf,
    pub(crate) files: Vec<PlannedFile>,
    pub(crate) total: u64,
    pub(crate) skipped: Vec<Skipped>,
    pub(crate) compression_level: u32,
}

impl PackPlan {
    /// The folder, canonicalised.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The files, sorted by path bytes: the archive's entries, in order.
    pub fn files(&self) -> &[PlannedFile] {
        &self.files
    }

    /// Number of files.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Sum of the files' sizes (uncompressed).
    pub fn total_bytes(&self) -> u64 {
        self.total
    }

    /// Entries left out without an ignore rule (directory symlinks, symlinks
    /// to ignored files, special files): worth showing as warnings.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }
}

/// Walks `root` and checks it against `opts`, reading no file content. The
/// first problem in path order is returned; see the module documentation for
/// the rules.
pub fn plan_folder(root: &Path, opts: &PackOptions) -> Result<PackPlan, PackError> {
    let meta = fs::metadata(root).map_err(|e| PackError::io(root.display().to_string(), e))?;
    if !meta.is_dir() {
        return Err(PackError::NotADirectory {
            path: root.to_path_buf(),
        });
    }
    let root = fs::canonicalize(root).map_err(|e| PackError::io(root.display().to_string(), e))?;
    let extra = build_extra_ignores(&root, &opts.extra_ignores)?;

    let mut builder = WalkBuilder::new(&root);
    builder
        .standard_filters(false)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(FEIGNORE_FILENAME);
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        if entry.file_name() == ".git" {
            return false;
        }
        match &extra {
            Some(gi) => {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !gi.matched(entry.path(), is_dir).is_ignore()
            }
            None => true,
        }
    });

    let mut files: Vec<PlannedFile> = Vec::new();
    let mut links: Vec<(String, PathBuf)> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    // Every per-entry problem, keyed by its path bytes: the first in path
    // order is reported, whatever order the file system lists entries in.
    let mut problems: Vec<(Vec<u8>, PackError)> = Vec::new();

    for item in builder.build() {
        let entry = match item {
            Ok(entry) => entry,
            Err(err) => {
                if let Some(problem) = walk_problem(&root, &err, true) {
                    problems.push(problem);
                }
                continue;
            }
        };
        // Soft errors about ignore files: unparsable patterns are skipped, as
        // git does; an ignore file that cannot be read is an error (its rules
        // might keep secrets out).
        if let Some(err) = entry.error() {
            if let Some(problem) = walk_problem(&root, err, false) {
                problems.push(problem);
            }
        }
        if entry.depth() == 0 {
            continue;
        }
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            continue;
        }
        let rel = match relative_path(&root, entry.path()) {
            Ok(rel) => rel,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if file_type.is_symlink() {
            links.push((rel, entry.into_path()));
            continue;
        }
        if !file_type.is_file() {
            skipped.push(Skipped {
                path: rel,
                reason: SkipReason::SpecialFile,
            });
            continue;
        }
        let meta = match fs::symlink_metadata(entry.path()) {
            Ok(meta) => meta,
            Err(e) => {
                problems.push((rel.clone().into_bytes(), PackError::io(rel, e)));
                continue;
            }
        };
        files.push(PlannedFile {
            path: rel,
            size: meta.len(),
            executable: is_executable(&meta),
            source: entry.into_path(),
            symlink: false,
            identity: Identity::of(&meta),
        });
    }

    resolve_links(&root, links, &mut files, &mut skipped, &mut problems);

    let max_path = opts.max_path_bytes.min(MAX_PATH_BYTES);
    for file in &files {
        if file.path.len() > max_path {
            problems.push((
                file.path.clone().into_bytes(),
                PackError::PathTooLong {
                    path: file.path.clone(),
                    bytes: file.path.len(),
                    limit: max_path,
                },
            ));
        } else if file.size > opts.max_file_bytes {
            problems.push((
                file.path.clone().into_bytes(),
                PackError::FileTooLarge {
                    path: file.path.clone(),
                    size: file.size,
                    limit: opts.max_file_bytes,
                },
            ));
        }
    }
    if let Some((_, err)) = problems.into_iter().min_by(|a, b| a.0.cmp(&b.0)) {
        return Err(err);
    }

    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    skipped.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let total: u64 = files.iter().map(|f| f.size).sum();
    if total > opts.max_total_bytes {
        let mut by_size: Vec<&PlannedFile> = files.iter().collect();
        by_size.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
        return Err(PackError::TotalTooLarge {
            total,
            limit: opts.max_total_bytes,
            files: files.len(),
            largest: by_size
                .iter()
                .take(3)
                .map(|f| (f.path.clone(), f.size))
                .collect(),
        });
    }
    if files.is_empty() {
        return Err(PackError::Empty { root });
    }
    Ok(PackPlan {
        root,
        files,
        total,
        skipped,
        compression_level: opts.compression_level.min(9),
    })
}

/// Symlinks are resolved after the walk, against the files the walk kept: a
/// link is stored as its target's content only if that target is itself a
/// packed file, so a link can neither leave the folder nor smuggle in an
/// ignored file.
fn resolve_links(
    root: &Path,
    links: Vec<(String, PathBuf)>,
    files: &mut Vec<PlannedFile>,
    skipped: &mut Vec<Skipped>,
    problems: &mut Vec<(Vec<u8>, PackError)>,
) {
    if links.is_empty() {
        return;
    }
    let index: HashMap<PathBuf, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.source.clone(), i))
        .collect();
    let mut resolved = Vec::new();
    for (rel, link) in links {
        let key = rel.clone().into_bytes();
        let target = match fs::read_link(&link) {
            Ok(t) => t.display().to_string(),
            Err(e) => {
                problems.push((key, PackError::io(rel, e)));
                continue;
            }
        };
        let real = match fs::canonicalize(&link) {
            Ok(real) => real,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                problems.push((key, PackError::BrokenSymlink { path: rel, target }));
                continue;
            }
            Err(e) => {
                problems.push((key, PackError::io(rel, e)));
                continue;
            }
        };
        let Ok(inside) = real.strip_prefix(root) else {
            problems.push((key, PackError::SymlinkEscapes { path: rel, target }));
            continue;
        };
        let inside = inside.to_string_lossy().replace('\\', "/");
        if let Some(&i) = index.get(&real) {
            let mut file = files[i].clone();
            file.path = rel;
            file.symlink = true;
            resolved.push(file);
            continue;
        }
        let reason = match fs::metadata(&real) {
            Ok(meta) if meta.is_dir() => SkipReason::DirectorySymlink {
                target: if inside.is_empty() { ".".into() } else { inside },
            },
            Ok(meta) if meta.is_file() => SkipReason::TargetIgnored { target: inside },
            Ok(_) => SkipReason::SpecialFile,
            Err(e) => {
                problems.push((key, PackError::io(rel, e)));
                continue;
            }
        };
        skipped.push(Skipped { path: rel, reason });
    }
    files.extend(resolved);
}

/// The path of `path` relative to `root`, `/`-separated; non-UTF-8 paths are
/// a problem keyed by their raw bytes.
fn relative_path(root: &Path, path: &Path) -> Result<String, (Vec<u8>, PackError)> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    for component in rel.components() {
        let Component::Normal(name) = component else {
            continue;
        };
        match name.to_str() {
            Some(name) => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(name);
            }
            None => {
                let lossy = rel.to_string_lossy().replace('\\', "/");
                return Err((
                    rel.as_os_str().as_encoded_bytes().to_vec(),
                    PackError::NonUtf8Path { path: lossy },
                ));
            }
        }
    }
    Ok(out)
}

/// Turns a walk error into a problem. `hard` errors always count; soft ones
/// (partial failures reading an ignore file) only when they involve I/O.
fn walk_problem(root: &Path, err: &ignore::Error, hard: bool) -> Option<(Vec<u8>, PackError)> {
    let found = find_io(err, None);
    let (path, source) = match found {
        Some((path, io_err)) => (path, io::Error::new(io_err.kind(), io_err.to_string())),
        None if hard => (find_path(err), io::Error::other(err.to_string())),
        None => return None,
    };
    let shown = match path {
        Some(p) => match p.strip_prefix(root) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().replace('\\', "/"),
            _ => p.display().to_string(),
        },
        None => root.display().to_string(),
    };
    Some((shown.clone().into_bytes(), PackError::io(shown, source)))
}

fn find_io<'a>(
    err: &'a ignore::Error,
    path: Option<&'a Path>,
) -> Option<(Option<&'a Path>, &'a io::Error)> {
    match err {
        ignore::Error::Io(e) => Some((path, e)),
        ignore::Error::WithPath { path, err } => find_io(err, Some(path)),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            find_io(err, path)
        }
        ignore::Error::Partial(errs) => errs.iter().find_map(|e| find_io(e, path)),
        _ => None,
    }
}

fn find_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            find_path(err)
        }
        ignore::Error::Partial(errs) => errs.iter().find_map(find_path),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn build_extra_ignores(root: &Path, patterns: &[String]) -> Result<Option<Gitignore>, PackError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GitignoreBuilder::new(root);
    for pattern in patterns {
        builder
            .add_line(None, pattern)
            .map_err(|e| PackError::InvalidIgnorePattern {
                pattern: pattern.clone(),
                message: e.to_string(),
            })?;
    }
    let gi = builder.build().map_err(|e| PackError::InvalidIgnorePattern {
        pattern: patterns.join("\n"),
        message: e.to_string(),
    })?;
    Ok(Some(gi))
}
