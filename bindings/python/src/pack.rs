//! `pack_folder(path, dry_run=False, output=None, ignore=None)` and its
//! asyncio twin `pack_folder_async`: the core's tarball planner and packer
//! (the same options as Node's and Swift's `packFolder`). A dry run lists
//! what would be uploaded (every limit checked); otherwise the gzip'd tarball
//! is written to `output`, or returned as bytes in the summary's `tarball`
//! when no output is given.
//!
//! The pack runs on the runtime's blocking pool. The sync call waits for it
//! like every other blocking call (GIL released, Ctrl-C honoured every
//! 50 ms), and cancelling the asyncio task cancels the async one. Either way
//! an interrupted pack stops at its next write and writes nothing: the
//! archive goes to a temporary file beside `output`, which is renamed onto
//! `output` only once complete (and removed on error or interruption), so
//! `output` is never left half-written. The core itself only writes into the
//! `io::Write` it is given; creating, renaming and removing files is ours.
use crate::convert::value_to_py;
use crate::errors::{invalid_argument, to_py_err};
use crate::rt::{future_into_py, wait};
use flowengine::tarball::{self, PackError, PackOptions};
use flowengine::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

fn pack_error(e: PackError) -> Error {
    let field = match &e {
        PackError::InvalidIgnorePattern { .. } => "ignore".to_string(),
        PackError::Write { .. } => "output".to_string(),
        _ => e.path().map(str::to_string).unwrap_or_else(|| "path".to_string()),
    };
    Error::invalid_argument(field, e.to_string())
}

/// The `ignore` argument of the folder helpers: more gitignore-style
/// patterns, as any iterable of str (a lone str is refused: iterating it
/// would give one pattern per character).
pub fn ignore_patterns(py: Python<'_>, ignore: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(obj) = ignore else { return Ok(Vec::new()) };
    if obj.is_none() {
        return Ok(Vec::new());
    }
    let refuse = || to_py_err(py, invalid_argument("ignore", "`ignore` must be a list of gitignore-style patterns (str), not a single str"));
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(refuse());
    }
    let not_a_list = |_| to_py_err(py, invalid_argument("ignore", "`ignore` must be a list of gitignore-style patterns (str)"));
    let mut patterns = Vec::new();
    for item in obj.try_iter().map_err(not_a_list)? {
        let item = item?;
        match item.cast::<PyString>() {
            Ok(s) => patterns.push(s.to_cow().map_err(|e| to_py_err(py, invalid_argument("ignore", format!("an `ignore` pattern is not valid text: {e}"))))?.into_owned()),
            Err(_) => return Err(to_py_err(py, invalid_argument("ignore", "`ignore` must be a list of gitignore-style patterns (str)"))),
        }
    }
    Ok(patterns)
}

/// Set when the caller stopped waiting (Ctrl-C, a cancelled task): the pack
/// stops at its next write.
struct Cancel(Arc<AtomicBool>);

impl Drop for Cancel {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// A writer that fails once the pack was cancelled.
struct Cancellable<W> {
    inner: W,
    cancelled: Arc<AtomicBool>,
}

impl<W: Write> Write for Cancellable<W> {
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

/// Creates a fresh temporary file in `out`'s directory (so that the final
/// rename stays on one file system).
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

/// What a pack produced: the summary, and the archive when packed to memory.
type Packed = (tarball::PackSummary, Option<Vec<u8>>);

fn run(path: &Path, dry_run: bool, output: Option<&Path>, options: &PackOptions, cancelled: &Arc<AtomicBool>) -> Result<Packed, Error> {
    let interrupted = || Error::invalid_argument("path", "packing was interrupted");
    let plan = tarball::plan_folder(path, options).map_err(pack_error)?;
    let mut summary = plan.summary();
    if dry_run {
        return Ok((summary, None));
    }
    if cancelled.load(Ordering::Acquire) {
        return Err(interrupted());
    }
    match output {
        Some(out) => {
            let (mut partial, file) = partial_for(out)?;
            let mut writer = Cancellable { inner: std::io::BufWriter::new(file), cancelled: cancelled.clone() };
            let written = plan.write_tar_gz(&mut writer);
            if cancelled.load(Ordering::Acquire) {
                return Err(interrupted());
            }
            summary.compressed_bytes = Some(written.map_err(pack_error)?);
            let file = writer.inner.into_inner().map_err(|e| cannot_write(out, e.error()))?;
            file.sync_all().map_err(|e| cannot_write(out, e))?;
            drop(file);
            std::fs::rename(&partial.path, out).map_err(|e| cannot_write(out, e))?;
            partial.kept = true;
            Ok((summary, None))
        }
        None => {
            let mut writer = Cancellable { inner: Vec::new(), cancelled: cancelled.clone() };
            let written = plan.write_tar_gz(&mut writer);
            if cancelled.load(Ordering::Acquire) {
                return Err(interrupted());
            }
            summary.compressed_bytes = Some(written.map_err(pack_error)?);
            Ok((summary, Some(writer.inner)))
        }
    }
}

/// Starts the pack on the runtime's blocking pool; the [`Cancel`] stops it
/// when dropped before it finished.
fn spawn(path: PathBuf, dry_run: bool, output: Option<PathBuf>, ignore: Vec<String>) -> (Cancel, tokio::task::JoinHandle<Result<Packed, Error>>) {
    let options = PackOptions { extra_ignores: ignore, ..PackOptions::default() };
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = cancelled.clone();
    let handle = flowengine::runtime::runtime().spawn_blocking(move || run(&path, dry_run, output.as_deref(), &options, &flag));
    (Cancel(cancelled), handle)
}

fn joined(r: Result<Result<Packed, Error>, tokio::task::JoinError>) -> Result<Packed, Error> {
    r.unwrap_or_else(|e| Err(Error::invalid_argument("path", format!("packing stopped: {e}"))))
}

/// The summary as a dict, with the archive as `tarball` when packed to memory.
struct PackOut(Result<Packed, Error>);

impl<'py> IntoPyObject<'py> for PackOut {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        let (summary, tarball) = self.0.map_err(|e| to_py_err(py, e))?;
        let value = serde_json::to_value(&summary).map_err(|e| to_py_err(py, Error::decode(e.to_string())))?;
        let dict = value_to_py(py, &value)?;
        if let Some(bytes) = tarball {
            dict.cast::<PyDict>()?.set_item("tarball", PyBytes::new(py, &bytes))?;
        }
        Ok(dict)
    }
}

#[pyfunction]
#[pyo3(signature = (path, dry_run=false, output=None, ignore=None))]
pub fn pack_folder<'py>(py: Python<'py>, path: PathBuf, dry_run: bool, output: Option<PathBuf>, ignore: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let ignore = ignore_patterns(py, ignore)?;
    let (cancel, handle) = spawn(path, dry_run, output, ignore);
    // Ctrl-C returns from here with KeyboardInterrupt; dropping `cancel`
    // then stops the pack in the background.
    let result = wait(py, handle)?;
    drop(cancel);
    PackOut(joined(result)).into_pyobject(py)
}

#[pyfunction]
#[pyo3(signature = (path, dry_run=false, output=None, ignore=None))]
pub fn pack_folder_async<'py>(py: Python<'py>, path: PathBuf, dry_run: bool, output: Option<PathBuf>, ignore: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let ignore = ignore_patterns(py, ignore)?;
    let (cancel, handle) = spawn(path, dry_run, output, ignore);
    // A cancelled task drops this future, and `cancel` with it.
    future_into_py(py, async move {
        let result = handle.await;
        drop(cancel);
        Ok(PackOut(joined(result)))
    })
}
