//! The core's one error type, handed to Python. `flowengine._errors`
//! registers a factory that builds the idiomatic exception (APIError and its
//! subclasses) from the error's fields; without it, `NativeError` carries
//! them as attributes.
use flowengine::Error;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::sync::OnceLock;

pyo3::create_exception!(_native, NativeError, PyException, "A FlowEngine error (used only before flowengine._errors registers its classes).");

static FACTORY: OnceLock<Py<PyAny>> = OnceLock::new();

/// Registers `factory(kind, message, status, code, field, upgrade_url,
/// retry_after, request_id) -> BaseException`, called for every error.
/// The first registration wins.
#[pyfunction]
pub fn set_error_factory(factory: Py<PyAny>) -> bool {
    FACTORY.set(factory).is_ok()
}

/// The Python exception for a core error (needs the interpreter attached).
pub fn to_py_err(py: Python<'_>, e: Error) -> PyErr {
    let args = (
        e.kind.as_str(),
        e.message.clone(),
        e.status,
        e.code.clone(),
        e.field.clone(),
        e.upgrade_url.clone(),
        e.retry_after,
        e.request_id.clone(),
    );
    if let Some(factory) = FACTORY.get() {
        match factory.call1(py, args) {
            Ok(exc) => return PyErr::from_value(exc.into_bound(py)),
            Err(factory_failed) => return factory_failed,
        }
    }
    let build = || -> PyResult<PyErr> {
        let exc = py.get_type::<NativeError>().call1((e.to_string(),))?;
        let names = ["kind", "message", "status", "code", "field", "upgrade_url", "retry_after", "request_id"];
        let values = args.into_pyobject(py)?;
        let values: &Bound<'_, PyTuple> = &values;
        for (name, value) in names.iter().zip(values.iter()) {
            exc.setattr(*name, value)?;
        }
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|err| err)
}

/// A bad argument found in the binding itself (before the core sees it).
pub fn invalid_argument(field: &str, message: impl Into<String>) -> Error {
    Error::invalid_argument(field, message)
}
