//! The one tokio runtime (the core's `flowengine::runtime::runtime()`, which
//! re-creates itself in a child after fork) driving both the blocking calls
//! and pyo3-async-runtimes' asyncio bridge.
//!
//! pyo3-async-runtimes' `tokio` module keeps the runtime it is given in a
//! once-cell for the life of the process (`init_with_runtime`), which a
//! forked child cannot use; so the bridge runs on the generic [`CoreRuntime`]
//! below, which asks the core for the runtime on every spawn: the same single
//! runtime in a process, and a fresh one in a child.
use pyo3::prelude::*;
use pyo3_async_runtimes::generic::{ContextExt, Runtime};
use pyo3_async_runtimes::TaskLocals;
use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// How often a blocking call looks at Python's signals (Ctrl-C).
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// Woken every [`SIGNAL_SLICE`] by one ticker thread per process: blocking
/// calls wait on it beside their future, so that looking at signals costs no
/// timer registration per call (registering a timer earlier than the
/// driver's next deadline wakes a runtime thread: a cross-thread wake on
/// every call).
static TICK: Notify = Notify::const_new();
static TICKER_PID: AtomicU32 = AtomicU32::new(0);

fn ensure_ticker() {
    let pid = std::process::id();
    // A child after fork has no ticker thread even though the parent had one.
    if TICKER_PID.swap(pid, Ordering::AcqRel) == pid {
        return;
    }
    let spawned = std::thread::Builder::new().name("flowengine-signals".into()).spawn(|| loop {
        std::thread::sleep(SIGNAL_SLICE);
        TICK.notify_waiters();
    });
    if spawned.is_err() {
        TICKER_PID.store(0, Ordering::Release);
    }
}

pub struct CoreRuntime;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

impl Runtime for CoreRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        flowengine::runtime::runtime().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        // pyo3-async-runtimes delivers every result from here, attached to
        // the interpreter: count it so that exit waits for it.
        flowengine::runtime::runtime().spawn_blocking(move || from_worker(f))
    }
}

/// Worker threads inside Python right now, and whether the interpreter is
/// about to finalize. Atomics, not a mutex: a fork can happen at any moment,
/// and a child must not inherit a lock that nobody will release.
static IN_PYTHON: AtomicUsize = AtomicUsize::new(0);
static EXITING: AtomicBool = AtomicBool::new(false);

/// The longest exit waits for worker threads to leave Python.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// Runs `f` (which attaches to Python) on a runtime thread, unless the
/// interpreter is exiting. Why: CPython terminates a non-Python thread that
/// waits for the GIL once finalization has begun, by forced unwinding, which
/// runs Rust destructors without the GIL (a segfault). A thread that is
/// already inside when [`drain_at_exit`] runs is waited for instead.
pub fn from_worker<F: FnOnce()>(f: F) {
    // SeqCst on both sides: either the drain sees this thread counted, or
    // this thread sees the drain's flag.
    IN_PYTHON.fetch_add(1, Ordering::SeqCst);
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            IN_PYTHON.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let _leave = Leave;
    if EXITING.load(Ordering::SeqCst) {
        // Its Python objects cannot be released any more: leak them.
        std::mem::forget(f);
        return;
    }
    f();
}

/// Registered with `atexit`, which runs before finalization begins: no worker
/// thread enters Python from now on, and those inside finish first (the GIL
/// is released meanwhile so that they can). So an asyncio call made from an
/// atexit handler that runs after this one (registered before `flowengine`
/// was imported) gets no result: use the blocking client there.
#[pyfunction]
pub fn drain_at_exit(py: Python<'_>) {
    py.detach(|| {
        EXITING.store(true, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + EXIT_GRACE;
        while IN_PYTHON.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Registered with `os.register_at_fork(after_in_child=...)`: the child has
/// none of the parent's runtime threads, so none of them is inside Python.
#[pyfunction]
pub fn reset_after_fork() {
    IN_PYTHON.store(0, Ordering::SeqCst);
    EXITING.store(false, Ordering::SeqCst);
}

impl ContextExt for CoreRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS.try_with(|c| c.get().cloned()).unwrap_or_default()
    }
}

/// An asyncio awaitable for a Rust future; cancelling the asyncio future
/// drops the Rust one (which releases its connection).
pub fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::generic::future_into_py::<CoreRuntime, F, T>(py, fut)
}

/// Runs `fut` to completion on the core's runtime from a Python thread: the
/// GIL is released while it runs, and about every [`SIGNAL_SLICE`] Python's
/// signal handlers run (Ctrl-C raises `KeyboardInterrupt` here, and the
/// future is dropped, which cancels the request).
pub fn wait<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "a blocking FlowEngine call cannot run inside the FlowEngine runtime; use the async client",
        ));
    }
    ensure_ticker();
    let runtime = flowengine::runtime::runtime();
    let mut fut = std::pin::pin!(fut);
    loop {
        let polled = py.detach(|| {
            runtime.block_on(async {
                tokio::select! {
                    biased;
                    value = fut.as_mut() => Some(value),
                    _ = TICK.notified() => None,
                }
            })
        });
        match polled {
            Some(value) => return Ok(value),
            None => py.check_signals()?,
        }
    }
}
