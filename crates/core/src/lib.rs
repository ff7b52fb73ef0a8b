//! FlowEngine SDK core.
pub mod config;
pub mod dispatch;
pub mod error;
pub mod retry;
pub mod sse;
pub mod tarball;
pub mod transport;

pub use error::{Error, ErrorKind};

/// The client progenitor generates from `openapi/flowengine.yaml` at build time.
#[allow(clippy::all, unused)]
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}
