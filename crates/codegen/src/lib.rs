//! The spec model every generator shares: the core's dispatch table (at its
//! build time), and each language's typed surface (`make codegen`).
pub mod generators;
pub mod model;

pub use model::{Api, Body, Location, Operation, Param, Stream, Also};
