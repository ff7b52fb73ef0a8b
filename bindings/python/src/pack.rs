//! `pack_folder(path, dry_run=True, output=None, extra_ignores=None)`: the
//! core's tarball planner and packer. A dry run lists what would be
//! uploaded (every limit checked); otherwise the gzip'd tarball is written to
//! `output`, or returned as bytes in the summary's `data` when no output is given.
use crate::convert::value_to_py;
use crate::errors::to_py_err;
use flowengine::tarball::{self, PackError, PackOptions};
use flowengine::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::PathBuf;

fn pack_error(e: PackError) -> Error {
    let field = e.path().map(str::to_string).unwrap_or_else(|| "path".to_string());
    Error::invalid_argument(field, e.to_string())
}

#[pyfunction]
#[pyo3(signature = (path, dry_run=true, output=None, extra_ignores=None))]
pub fn pack_folder<'py>(py: Python<'py>, path: PathBuf, dry_run: bool, output: Option<PathBuf>, extra_ignores: Option<Vec<String>>) -> PyResult<Bound<'py, PyAny>> {
    let options = PackOptions { extra_ignores: extra_ignores.unwrap_or_default(), ..PackOptions::default() };
    let result = py.detach(move || -> Result<(tarball::PackSummary, Option<Vec<u8>>), Error> {
        if dry_run {
            return Ok((tarball::plan_folder(&path, &options).map_err(pack_error)?.summary(), None));
        }
        match output {
            Some(out) => {
                let file = std::fs::File::create(&out).map_err(|e| Error::invalid_argument("output", format!("cannot write {}: {e}", out.display())))?;
                let summary = tarball::pack_folder(&path, &options, std::io::BufWriter::new(file)).map_err(pack_error)?;
                Ok((summary, None))
            }
            None => {
                let (bytes, summary) = tarball::pack_folder_to_vec(&path, &options).map_err(pack_error)?;
                Ok((summary, Some(bytes)))
            }
        }
    });
    let (summary, data) = result.map_err(|e| to_py_err(py, e))?;
    let value = serde_json::to_value(&summary).map_err(|e| to_py_err(py, Error::decode(e.to_string())))?;
    let dict = value_to_py(py, &value)?;
    if let Some(bytes) = data {
        dict.cast::<PyDict>()?.set_item("data", PyBytes::new(py, &bytes))?;
    }
    Ok(dict)
}
