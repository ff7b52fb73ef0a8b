//! What every handler sees.

use std::sync::Arc;

use crate::config::SandboxConfig;
use crate::db::Db;
use crate::spec::Spec;

#[derive(Clone)]
pub struct AppState {
    pub spec: Arc<Spec>,
    pub db: Db,
    pub config: Arc<SandboxConfig>,
    /// HMAC key of the upload URLs.
    pub signing_secret: Arc<Vec<u8>>,
    /// `http://host:port` as bound.
    pub bound_url: Arc<String>,
}
