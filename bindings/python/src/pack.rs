//! `pack_folder(path, dry_run=False, output=None, ignore=None)` and its
//! asyncio twin `pack_folder_async`: the core's tarball planner and packer
//! (the same options as Node's and Swift's `packFolder`). A dry run lists
//! what would be uploaded (every limit checked); otherwise the gzip'd tarball
//! is written to `output`, or returned as bytes in the summary's `tarball`
//! when no output is given.
//!
//! The core's `pack_folder::pack_folder` does the work (on the blocking pool;
//! `output` is renamed into place only once complete). The sync call waits
//! for it like every other blocking call (GIL released, Ctrl-C honoured
//! every 50 ms), and cancelling the asyncio task cancels the async one:
//! either way the pack stops at its next write.
use crate::convert::value_to_py;
use crate::errors::{invalid_argument, to_py_err};
use crate::rt::{future_into_py, wait};
use flowengine::pack_folder::PackTarget;
use flowengine::tarball::PackOptions;
use flowengine::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use std::path::PathBuf;

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

type Packed = (flowengine::tarball::PackSummary, Option<Vec<u8>>);

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
    let options = PackOptions { extra_ignores: ignore_patterns(py, ignore)?, ..PackOptions::default() };
    // Ctrl-C returns from here with KeyboardInterrupt, dropping the future,
    // which stops the pack.
    let result = wait(py, async move { flowengine::pack_folder::pack_folder(&path, &options, PackTarget::from_options(dry_run, output)).await })?;
    PackOut(result).into_pyobject(py)
}

#[pyfunction]
#[pyo3(signature = (path, dry_run=false, output=None, ignore=None))]
pub fn pack_folder_async<'py>(py: Python<'py>, path: PathBuf, dry_run: bool, output: Option<PathBuf>, ignore: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let options = PackOptions { extra_ignores: ignore_patterns(py, ignore)?, ..PackOptions::default() };
    // A cancelled task drops this future, which stops the pack.
    future_into_py(py, async move { Ok(PackOut(flowengine::pack_folder::pack_folder(&path, &options, PackTarget::from_options(dry_run, output)).await)) })
}
