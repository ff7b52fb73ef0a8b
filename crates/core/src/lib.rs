//! FlowEngine SDK core (placeholder while the modules land).
pub mod sse;
pub mod tarball;
