//! Starting and stopping a sandbox (the library entry point).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::accounts::{self, AccountSpec, CreatedAccount};
use crate::config::SandboxConfig;
use crate::db::Db;
use crate::error::ApiError;
use crate::spec::{Spec, SpecError};
use crate::state::AppState;
use crate::{build_sim, router};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("cannot open the database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("cannot listen: {0}")]
    Bind(#[from] std::io::Error),
    #[error("cannot build the router: {0}")]
    Router(String),
    #[error("{0}")]
    Api(#[from] ApiError),
}

/// A running sandbox. Dropping it stops the server (in the background);
/// `shutdown().await` stops it and waits.
pub struct Sandbox {
    /// `http://127.0.0.1:PORT`: point any client's base URL here.
    pub url: String,
    /// A key of the default account (teams / pro_plus, card on file, plenty of credits).
    pub api_key: String,
    /// The default account's id.
    pub user_id: String,
    pub addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("url", &self.url).field("user_id", &self.user_id).finish_non_exhaustive()
    }
}

pub async fn start(config: SandboxConfig) -> Result<Sandbox, StartError> {
    let spec = Spec::load()?;
    let db = Db::open(&config.db)?;
    let default_key = config.default_key.clone();
    let (secret, default) = db.call(move |c| {
        let secret = accounts::signing_secret(c)?;
        let default = accounts::ensure_default_account(c, default_key.as_deref())?;
        Ok((secret, default))
    })
    .await?;
    let listener = tokio::net::TcpListener::bind((config.host, config.port)).await?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let state = AppState {
        spec: Arc::new(spec),
        db,
        config: Arc::new(config),
        signing_secret: Arc::new(secret),
        bound_url: Arc::new(url.clone()),
    };
    let app = router::build(state.clone()).map_err(StartError::Router)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("server stopped: {e}");
        }
    });
    let resumed = build_sim::resume(&state).await?;
    if resumed > 0 {
        tracing::info!("resumed {resumed} build(s) left in flight");
    }
    Ok(Sandbox { url, api_key: default.api_key, user_id: default.user_id, addr, state, stop: Some(stop), task: Some(task) })
}

impl Sandbox {
    /// Adds an account; its key is returned once (only its hash is stored).
    pub async fn create_account(&self, spec: AccountSpec) -> Result<CreatedAccount, ApiError> {
        self.state.db.call(move |c| accounts::create_account(c, &spec)).await
    }

    /// Sets an account's suspension (`over_credit`, `card_invalid`) or lifts it (`None`).
    pub async fn set_suspended(&self, user_id: &str, reason: Option<&str>) -> Result<(), ApiError> {
        let (id, reason) = (user_id.to_string(), reason.map(str::to_string));
        self.state
            .db
            .call(move |c| Ok(c.execute("UPDATE accounts SET suspended_reason = ?2 WHERE id = ?1", rusqlite::params![id, reason])?))
            .await
            .map(|_| ())
    }

    /// Stops accepting connections and waits for the server (streams still
    /// open are cut after two seconds).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(2), &mut task).await.is_err() {
                task.abort();
                let _ = task.await;
            }
        }
    }

    /// Waits until the server stops (the binary: until a signal).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Asks the server to stop, without waiting.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
