//! The tarball packer every language's SDK uses: a function's source folder
//! becomes a gzip'd ustar archive, checked against the service's limits before
//! a single byte is produced, deterministic, and streamed with bounded memory.
//!
//! Two steps:
//!
//! 1. [`plan_folder`] walks the folder once (metadata only), applies the
//!    ignore rules, resolves symlinks and checks every limit. The resulting
//!    [`PackPlan`] is the dry run: [`PackPlan::files`] lists exactly what would
//!    be uploaded, with sizes. Nothing is read or written yet.
//! 2. [`PackPlan::write_tar_gz`] (any `std::io::Write`) or
//!    [`PackPlan::into_stream`] (an async `Stream` of `Bytes` for an HTTP body)
//!    produce the archive. [`pack_folder`] and [`pack_folder_to_vec`] do both.
//!
//! The multipart folder upload (`POST /api/v1/functions/upload`) uses the same
//! plan: each [`PlannedFile`] can be opened ([`PlannedFile::open`]) or streamed
//! ([`PlannedFile::stream`]) as one part, with the same limits already checked.
//!
//! # What goes in
//!
//! * Ignore rules: `.gitignore` and `.feignore` files anywhere in the folder
//!   (same syntax, nested files and `!negation` included; `.feignore` wins
//!   over `.gitignore`), honoured whether or not the folder is in a git
//!   repository, plus [`PackOptions::extra_ignores`]. Ignore files *above* the
//!   folder, the user's global git excludes, `.git/info/exclude` and `.ignore`
//!   files are not read: the archive depends on the folder's content only.
//! * Hidden files are included (the ignore files decide), except `.git`
//!   (directory or file, at any depth), which is always left out.
//! * Only regular files are stored, no directory entries: every file's
//!   parent directories are implied by its path (every extractor creates
//!   them), and this is exactly what the multipart upload can express too.
//!   Empty directories are therefore not uploaded.
//! * Sockets, FIFOs and devices are skipped and reported in
//!   [`PackPlan::skipped`] (opening a FIFO would block forever).
//!
//! # Symlinks
//!
//! Symlinks are never followed out of the folder, and never stored as links:
//!
//! * a symlink to a regular file inside the folder is stored as a regular
//!   file under the link's path, with the target's content and mode (so the
//!   tarball and the multipart upload agree, and the server never has to
//!   trust a link);
//! * a symlink that resolves outside the folder is an error
//!   ([`PackError::SymlinkEscapes`]) naming the link, and a dangling one is an
//!   error ([`PackError::BrokenSymlink`]): silently dropping them would lose
//!   data that the function may need. Listing the link in `.feignore` leaves
//!   it out;
//! * a symlink to a directory inside the folder is skipped and reported in
//!   [`PackPlan::skipped`]: the directory's files are already in the archive
//!   under their real paths, and following it could loop;
//! * a symlink to a file inside the folder that is itself ignored (or inside
//!   `.git`) is skipped and reported: following it would upload content the
//!   ignore files keep out.
//!
//! # Limits (checked before any byte is produced)
//!
//! * [`MAX_FILE_BYTES`] = 25 MiB = 26 214 400 bytes a file;
//! * [`MAX_TOTAL_BYTES`] = 100 MiB = 104 857 600 bytes in all (file contents,
//!   before compression);
//! * [`MAX_PATH_BYTES`] = 100 bytes a path (relative, `/`-separated, UTF-8):
//!   the ustar `name` field. Neither the ustar `prefix` field nor GNU long
//!   names are used, because the server's limit is 100 bytes.
//!
//! The reference says "25 MB" and "100 MB"; we read them as MiB, the usual
//! reading of such limits in server code. Every limit can be changed in
//! [`PackOptions`]. When several entries break a rule, the error names the
//! first one in path order, so the error is deterministic too.
//!
//! # Determinism
//!
//! Entries are sorted by path bytes; every header has mtime [`ENTRY_MTIME`]
//! (1980-01-01T00:00:00Z), uid/gid 0, empty user and group names, mode 0o644
//! (0o755 when any execute bit is set); the gzip header has mtime 0, no file
//! name and OS byte 255 ("unknown"). The same folder content therefore gives
//! the same bytes, whatever the mtimes, owners or platform (given the same
//! compression level and deflate backend).
//!
//! A file that changes size (or is replaced) between planning and packing
//! makes packing fail with [`PackError::Changed`]; the packer never emits a
//! truncated or padded entry.

mod error;
mod plan;
mod stream;
mod write;

#[cfg(test)]
mod tests;

pub use error::PackError;
pub use plan::{plan_folder, PackPlan, PlannedFile, PlannedFileReader, SkipReason, Skipped};
pub use stream::{PackProgress, PackStream};
pub use write::{pack_folder, pack_folder_to_vec, PackSummary, Progress, SummaryFile};

/// Largest file accepted: 25 MiB (26 214 400 bytes).
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// Largest total of file contents accepted: 100 MiB (104 857 600 bytes).
pub const MAX_TOTAL_BYTES: u64 = 100 * 1024 * 1024;
/// Longest relative path accepted, in bytes: the ustar `name` field.
pub const MAX_PATH_BYTES: usize = 100;
/// Name of the FlowEngine ignore file, read like `.gitignore` in every directory.
pub const FEIGNORE_FILENAME: &str = ".feignore";
/// Modification time written in every entry: 1980-01-01T00:00:00Z.
pub const ENTRY_MTIME: u64 = 315_532_800;
/// Default gzip level: 6, the level of `gzip` and `tar czf`. The workspace
/// builds flate2 with its `zlib-rs` backend, which packs at level 6 in
/// ~0.6x the time of `tar czf` (benches/pack.rs); with the default
/// miniz_oxide backend level 6 was about as slow as `tar czf`.
pub const DEFAULT_COMPRESSION_LEVEL: u32 = 6;
/// Default size of the chunks yielded by [`PackPlan::into_stream`]: 64 KiB.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// Options of [`plan_folder`] and [`pack_folder`]. `PackOptions::default()`
/// gives the service's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackOptions {
    /// More gitignore-style patterns, relative to the folder, applied on top of
    /// the ignore files (an ignore file cannot re-include what they exclude).
    pub extra_ignores: Vec<String>,
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Largest total of file contents accepted, in bytes.
    pub max_total_bytes: u64,
    /// Longest relative path accepted, in bytes. Values above 100 are capped
    /// at 100: longer names do not fit the ustar header this packer writes.
    pub max_path_bytes: usize,
    /// gzip level, 0 (store) to 9 (best); default [`DEFAULT_COMPRESSION_LEVEL`].
    /// The level (and the deflate backend flate2 is built with) decide the
    /// exact compressed bytes; values above 9 count as 9.
    pub compression_level: u32,
}

impl Default for PackOptions {
    fn default() -> Self {
        PackOptions {
            extra_ignores: Vec::new(),
            max_file_bytes: MAX_FILE_BYTES,
            max_total_bytes: MAX_TOTAL_BYTES,
            max_path_bytes: MAX_PATH_BYTES,
            compression_level: DEFAULT_COMPRESSION_LEVEL,
        }
    }
}
