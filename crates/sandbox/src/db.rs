//! SQLite through rusqlite: one connection behind a mutex, used from
//! `spawn_blocking`.
//!
//! Why one connection: every write is serialized by the mutex, so there is no
//! "database is locked" and no lost update (each closure runs alone, read
//! and write together, in a transaction when it writes twice); the sandbox's
//! statements take microseconds, so a pool would buy nothing but contention
//! inside SQLite. The file runs in WAL mode with a busy timeout so that a
//! second process (`flowengine-sandbox add-account` on the same file) can
//! write while a server runs.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::config::DbLocation;
use crate::error::{ApiError, ApiResult};

const SCHEMA: &str = include_str!("schema.sql");
const SCHEMA_VERSION: i64 = 1;

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    pub fn open(loc: &DbLocation) -> rusqlite::Result<Db> {
        let conn = match loc {
            DbLocation::Memory => Connection::open_in_memory()?,
            DbLocation::File(p) => {
                let c = Connection::open(p)?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c
            }
        };
        conn.execute_batch(SCHEMA)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(Db { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn call<F, R>(&self, f: F) -> ApiResult<R>
    where
        F: FnOnce(&mut Connection) -> ApiResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection itself is still sound.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// The same, synchronously (start-up and the CLI, outside a runtime's async context).
    pub fn call_sync<R>(&self, f: impl FnOnce(&mut Connection) -> ApiResult<R>) -> ApiResult<R> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}
