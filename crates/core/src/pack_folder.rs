//! `pack_folder` as every binding offers it (Python `pack_folder`, Node and
//! Swift `packFolder`): a dry run that checks and lists, or the archive into
//! a file or into memory. Written once here so that each language gets the
//! same errors and the same guarantees:
//!
//! - the pack runs on the runtime's blocking pool, and dropping the future
//!   (Ctrl-C in Python, an aborted signal in Node, a cancelled Swift task)
//!   stops it at its next write;
//! - a file is written to a temporary file beside it and renamed into place
//!   only once complete, so an error or an interruption never leaves a
//!   half-written `output` (the temporary file is removed).
use crate::deploy::pack_error;
use crate::error::Error;
use crate::tarball::{self, PackOptions, PackSummary};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Where a pack goes.
#[derive(Debug, Clone)]
pub enum PackTarget {
    /// Only check and list what would be uploaded.
    DryRun,
    /// Write the .tar.gz to this file.
    File(PathBuf),
    /// Return the .tar.gz bytes.
    Memory,
}

impl PackTarget {
    /// The bindings' options: `dry_run` wins; otherwise `output`, else memory.
    pub fn from_options(dry_run: bool, output: Option<PathBuf>) -> PackTarget {
        match (dry_run, output) {
            (true, _) => PackTarget::DryRun,
            (false, Some(out)) => PackTarget::File(out),
            (false, None) => PackTarget::Memory,
        }
    }
}

/// Packs `root` into `target`; the bytes come back for [`PackTarget::Memory`].
pub async fn pack_folder(root: &Path, options: &PackOptions, target: PackTarget) -> Result<(PackSummary, Option<Vec<u8>>), Error> {
    let (root, options) = (root.to_path_buf(), options.clone());
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = cancelled.clone();
    let handle = crate::runtime::runtime().spawn_blocking(move || pack_blocking(&root, &options, &target, &flag));
    // Dropped before the pack finished: it stops at its next write.
    let _stop = StopOnDrop(cancelled);
    handle.await.map_err(|e| Error::invalid_argument("path", format!("packing stopped: {e}")))?
}

struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

fn interrupted() -> Error {
    Error::invalid_argument("path", "packing was interrupted")
}

fn pack_blocking(root: &Path, options: &PackOptions, target: &PackTarget, cancelled: &Arc<AtomicBool>) -> Result<(PackSummary, Option<Vec<u8>>), Error> {
    let plan = tarball::plan_folder(root, options).map_err(pack_error)?;
    let mut summary = plan.summary();
    let mut write = |out: &mut dyn Write| -> Result<(), Error> {
        if cancelled.load(Ordering::Acquire) {
            return Err(interrupted());
        }
        let written = plan.write_tar_gz(Cancellable { inner: out, cancelled });
        if cancelled.load(Ordering::Acquire) {
            return Err(interrupted());
        }
        summary.compressed_bytes = Some(written.map_err(pack_error)?);
        Ok(())
    };
    match target {
        PackTarget::DryRun => {}
        PackTarget::Memory => {
            let mut bytes = Vec::new();
            write(&mut bytes)?;
            return Ok((summary, Some(bytes)));
        }
        PackTarget::File(out) => {
            let (mut partial, file) = partial_for(out)?;
            let mut buffered = std::io::BufWriter::new(file);
            write(&mut buffered)?;
            let file = buffered.into_inner().map_err(|e| cannot_write(out, e.error()))?;
            file.sync_all().map_err(|e| cannot_write(out, e))?;
            drop(file);
            std::fs::rename(&partial.path, out).map_err(|e| cannot_write(out, e))?;
            partial.kept = true;
        }
    }
    Ok((summary, None))
}

/// A writer that fails once the pack was cancelled.
struct Cancellable<'a, W: ?Sized> {
    inner: &'a mut W,
    cancelled: &'a AtomicBool,
}

impl<W: Write + ?Sized> Write for Cancellable<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.cancelled.load(Ordering::Acquire) {
            return Err(std::io::Error::other("packing was interrupted"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The temporary file an archive is written to before it becomes `output`;
/// removed when dropped unless it was renamed.
struct Partial {
    path: PathBuf,
    kept: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

static PARTIALS: AtomicU64 = AtomicU64::new(0);

fn cannot_write(out: &Path, e: impl std::fmt::Display) -> Error {
    Error::invalid_argument("output", format!("cannot write {}: {e}", out.display()))
}

/// A fresh temporary file in `out`'s directory (so that the final rename
/// stays on one file system).
fn partial_for(out: &Path) -> Result<(Partial, std::fs::File), Error> {
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out.file_name().ok_or_else(|| cannot_write(out, "not a file name"))?.to_string_lossy().into_owned();
    loop {
        let n = PARTIALS.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{name}.{}-{n}.partial", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((Partial { path, kept: false }, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(cannot_write(out, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello")
    }

    #[tokio::test]
    async fn each_target_gives_the_same_archive() {
        let opts = PackOptions::default();
        let (dry, none) = pack_folder(&hello(), &opts, PackTarget::DryRun).await.unwrap();
        assert!(none.is_none() && dry.compressed_bytes.is_none() && dry.file_count > 0);
        let (mem, bytes) = pack_folder(&hello(), &opts, PackTarget::Memory).await.unwrap();
        let bytes = bytes.unwrap();
        assert_eq!(mem.compressed_bytes, Some(bytes.len() as u64));
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("hello.tar.gz");
        let (file, none) = pack_folder(&hello(), &opts, PackTarget::File(out.clone())).await.unwrap();
        assert!(none.is_none() && file.compressed_bytes == mem.compressed_bytes);
        assert_eq!(std::fs::read(&out).unwrap(), bytes);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[tokio::test]
    async fn a_failed_pack_leaves_no_output_and_names_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.tar.gz");
        let opts = PackOptions { extra_ignores: vec!["{unclosed".into()], ..PackOptions::default() };
        let err = pack_folder(&hello(), &opts, PackTarget::File(out.clone())).await.unwrap_err();
        assert_eq!(err.field.as_deref(), Some("ignore"), "{err}");
        let err = pack_folder(&hello(), &PackOptions::default(), PackTarget::File(dir.path().join("missing/out.tar.gz"))).await.unwrap_err();
        assert_eq!(err.field.as_deref(), Some("output"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left behind");
    }

    #[test]
    fn a_cancelled_pack_stops_and_removes_its_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.tar.gz");
        let cancelled = Arc::new(AtomicBool::new(true));
        let err = pack_blocking(&hello(), &PackOptions::default(), &PackTarget::File(out), &cancelled).unwrap_err();
        assert!(err.message.contains("interrupted"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
