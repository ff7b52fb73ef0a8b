//! # flowengine
//!
//! The Rust SDK for [FlowEngine](https://flowengine.cloud), and the core that
//! the Python, Node and Swift SDKs and the `fe` CLI are built on.
//!
//! - [`Client`] derefs to the client progenitor generates from
//!   `openapi/flowengine.yaml` (`fe.list_functions().await`), and adds the
//!   narrow waist every binding calls: [`Client::call`] and [`Client::stream`].
//! - One [`Error`] type with an [`ErrorKind`] for every failure.
//! - Helpers: [`Client::deploy_folder`], [`Client::upload_folder`],
//!   [`Client::chat_send`], [`Client::tail_logs`], [`Client::chats_iter`],
//!   and [`tarball::plan_folder`] for dry runs.
pub mod chat_chunk;
mod client;
pub mod config;
pub mod deploy;
pub mod dispatch;
pub mod error;
pub mod logging;
pub mod pack_folder;
mod lazy_client;
mod paginate;
pub mod project;
pub mod retry;
pub mod raw_json;
pub mod runtime;
pub mod sse;
pub mod stream;
pub mod tarball;
pub mod transport;

pub use client::{collect_chat, ChatReply, Client};
pub use config::Config;
pub use deploy::{DeployOptions, DeployOutcome, DeployProgress};
pub use error::{Error, ErrorKind};
pub use lazy_client::LazyClient;
pub use raw_json::RawJson;
pub use stream::{EventStream, StreamItem};

/// The client progenitor generates from `openapi/flowengine.yaml` at build time.
#[allow(clippy::all, unused, missing_docs)]
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}
