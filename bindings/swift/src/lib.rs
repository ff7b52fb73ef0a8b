//! Placeholder: the uniffi crate arrives with issue 7.
