//! Errors of the packer. Every message names the offending file (relative to
//! the folder, `/`-separated) and the limit it breaks.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a folder cannot be packed. `Clone` (I/O errors are shared behind an
/// `Arc`) so that a stream can both yield it and keep it for
/// [`super::PackProgress::error`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum PackError {
    /// The path given is not a directory.
    #[error("{} is not a directory; only a folder can be packed", path.display())]
    NotADirectory { path: PathBuf },

    /// Reading the folder or a file failed. `path` is relative to the folder
    /// when the failure concerns an entry, else the path as given.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: Arc<io::Error>,
    },

    /// A path that is not valid UTF-8 (shown lossily).
    #[error("{path} is not a valid UTF-8 path; paths in the archive must be UTF-8 (rename it, or list it in .feignore to leave it out)")]
    NonUtf8Path { path: String },

    /// A relative path longer than the ustar name field.
    #[error("{path} is {bytes} bytes long; paths in the archive may be at most {limit} bytes (rename it, or list it in .feignore to leave it out)")]
    PathTooLong {
        path: String,
        bytes: usize,
        limit: usize,
    },

    /// A file larger than the per-file limit.
    #[error("{path} is {size} bytes; each file may be at most {} (list it in .feignore to leave it out)", fmt_limit(*limit))]
    FileTooLarge { path: String, size: u64, limit: u64 },

    /// The files together are larger than the total limit. `largest` holds
    /// the (up to three) largest files, biggest first, to help trimming.
    #[error("the folder holds {total} bytes in {files} files; at most {} may be uploaded in all{}", fmt_limit(*limit), fmt_largest(largest))]
    TotalTooLarge {
        total: u64,
        limit: u64,
        files: usize,
        largest: Vec<(String, u64)>,
    },

    /// A symlink that resolves outside the folder.
    #[error("symlink {path} points to {target}, outside the folder; symlinks are never followed out of the folder (list it in .feignore to leave it out)")]
    SymlinkEscapes { path: String, target: String },

    /// A symlink whose target does not exist.
    #[error("symlink {path} points to {target}, which does not exist (list it in .feignore to leave it out)")]
    BrokenSymlink { path: String, target: String },

    /// A file changed (size, or replaced by another file) between planning
    /// and packing. The archive is abandoned rather than written inconsistent.
    #[error("{path} changed while the folder was being packed ({detail}); pack again")]
    Changed { path: String, detail: String },

    /// Nothing to pack: the folder is empty or everything in it is ignored.
    #[error("no files to pack in {}: the folder is empty or everything in it is ignored", root.display())]
    Empty { root: PathBuf },

    /// A pattern of [`super::PackOptions::extra_ignores`] does not parse.
    #[error("invalid ignore pattern {pattern:?}: {message}")]
    InvalidIgnorePattern { pattern: String, message: String },

    /// Writing the archive failed (the destination, or the consumer of the
    /// stream went away).
    #[error("writing the archive failed: {source}")]
    Write {
        #[source]
        source: Arc<io::Error>,
    },
}

impl PackError {
    /// The file (relative to the folder) the error is about, when there is
    /// one: the natural `field` of an invalid-argument error.
    pub fn path(&self) -> Option<&str> {
        match self {
            PackError::Io { path, .. }
            | PackError::NonUtf8Path { path }
            | PackError::PathTooLong { path, .. }
            | PackError::FileTooLarge { path, .. }
            | PackError::SymlinkEscapes { path, .. }
            | PackError::BrokenSymlink { path, .. }
            | PackError::Changed { path, .. } => Some(path),
            PackError::NotADirectory { .. }
            | PackError::TotalTooLarge { .. }
            | PackError::Empty { .. }
            | PackError::InvalidIgnorePattern { .. }
            | PackError::Write { .. } => None,
        }
    }

    /// The limit broken, in bytes, for the three limit errors.
    pub fn limit(&self) -> Option<u64> {
        match self {
            PackError::PathTooLong { limit, .. } => Some(*limit as u64),
            PackError::FileTooLarge { limit, .. } | PackError::TotalTooLarge { limit, .. } => {
                Some(*limit)
            }
            _ => None,
        }
    }

    /// True when the folder (its content, names, links or limits) is at fault
    /// rather than the machine: what a caller maps to "invalid argument".
    pub fn is_invalid_input(&self) -> bool {
        !matches!(self, PackError::Io { .. } | PackError::Write { .. })
    }

    /// Finds a `PackError` carried inside an `io::Error` (the stream yields
    /// packer failures as `io::Error::other(PackError)`).
    pub fn from_io(err: &io::Error) -> Option<&PackError> {
        err.get_ref().and_then(|inner| inner.downcast_ref::<PackError>())
    }

    pub(crate) fn io(path: impl Into<String>, source: io::Error) -> PackError {
        PackError::Io {
            path: path.into(),
            source: Arc::new(source),
        }
    }

    pub(crate) fn write(source: io::Error) -> PackError {
        PackError::Write {
            source: Arc::new(source),
        }
    }
}

/// "26214400 bytes (25 MiB)", "1000 bytes", ...
pub(crate) fn fmt_limit(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    const KIB: u64 = 1024;
    if bytes >= MIB && bytes & (MIB - 1) == 0 {
        format!("{bytes} bytes ({} MiB)", bytes / MIB)
    } else if bytes >= KIB && bytes & (KIB - 1) == 0 {
        format!("{bytes} bytes ({} KiB)", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn fmt_largest(largest: &[(String, u64)]) -> String {
    if largest.is_empty() {
        return String::new();
    }
    let mut s = String::from(" (largest: ");
    for (i, (path, size)) in largest.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{path} {size} bytes");
    }
    s.push(')');
    s
}
