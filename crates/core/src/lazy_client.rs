//! A [`Client`] for the bindings, built off the caller's thread: building
//! one loads the system's root certificates (tens of milliseconds), which
//! must not block a JavaScript event loop or a Swift main actor. So a
//! binding's constructor only resolves and checks the config (its errors
//! throw at once), and the build starts on the shared runtime's blocking
//! pool, awaited by the first call that needs it.
use crate::{runtime, Client, Config, Error, ErrorKind};
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::OnceCell;

#[derive(Clone)]
pub struct LazyClient(Arc<(Config, OnceCell<Client>)>);

impl LazyClient {
    /// Starts building the client for `config` in the background.
    pub fn start(config: Config) -> LazyClient {
        let lazy = LazyClient(Arc::new((config, OnceCell::new())));
        let warm = lazy.clone();
        runtime::runtime().spawn(async move {
            // A failure is kept for nobody: the first call builds again and reports it.
            let _ = AssertUnwindSafe(warm.get()).catch_unwind().await;
        });
        lazy
    }

    /// The client, once built (the first caller waits for the build).
    pub async fn get(&self) -> Result<Client, Error> {
        let (config, cell) = &*self.0;
        cell.get_or_try_init(|| async {
            let config = config.clone();
            tokio::task::spawn_blocking(move || Client::new(config))
                .await
                .map_err(|e| Error::new(ErrorKind::Connection, format!("the client could not be built: {e}")))?
        })
        .await
        .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_built_once_and_shared() {
        let cfg = Config {
            api_key: Some(format!("fe_{}", "a".repeat(40))),
            base_url: Some("http://127.0.0.1:9".into()),
            config_file: Some("/nonexistent".into()),
            ..Config::default()
        };
        let lazy = LazyClient::start(cfg);
        let (a, b) = runtime::runtime().block_on(async { (lazy.get().await.unwrap(), lazy.clone().get().await.unwrap()) });
        assert_eq!(a.config().base_url, "http://127.0.0.1:9");
        assert_eq!(a.config().base_url, b.config().base_url);
    }

    #[test]
    fn a_config_the_build_rejects_is_the_first_call_s_error() {
        let cfg = Config {
            api_key: Some("fe_ secret-value".into()),
            config_file: Some("/nonexistent".into()),
            ..Config::default()
        };
        let lazy = LazyClient::start(cfg);
        let err = runtime::runtime().block_on(lazy.get()).unwrap_err();
        assert_eq!((err.kind, err.field.as_deref()), (ErrorKind::InvalidArgument, Some("api_key")));
        assert!(!format!("{err} {err:?}").contains("secret-value"), "{err:?}");
    }
}
