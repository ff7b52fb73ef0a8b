//! Placeholder: the pyo3 native module arrives with issue 5.
