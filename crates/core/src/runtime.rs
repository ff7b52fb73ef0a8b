//! The one tokio runtime the bindings run the core on (Python, Node and
//! Swift callers have no runtime of their own). It is created on first use
//! and re-created in a child process after `fork()`: a forked child inherits
//! the runtime's memory but not its threads, so the parent's runtime would
//! hang there.
use std::sync::{Arc, Mutex};

struct Owned {
    pid: u32,
    runtime: Arc<tokio::runtime::Runtime>,
}

static RUNTIME: Mutex<Option<Owned>> = Mutex::new(None);

/// The shared multi-threaded runtime for this process.
pub fn runtime() -> Arc<tokio::runtime::Runtime> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(owned) = slot.as_ref() {
        if owned.pid == pid {
            return owned.runtime.clone();
        }
        // After fork: the parent's runtime has no threads here. Leak it
        // (dropping it would try to join threads that do not exist).
        if let Some(old) = slot.take() {
            std::mem::forget(old.runtime);
        }
    }
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("flowengine")
            .enable_all()
            .build()
            .expect("the tokio runtime starts"),
    );
    *slot = Some(Owned { pid, runtime: runtime.clone() });
    runtime
}
