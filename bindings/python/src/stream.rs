//! `_native.EventStream`: a chat or log-tail stream. A task on the runtime
//! reads and decodes ahead ([`read_ahead`]) while Python consumes, and hands
//! items over in batches (the next item and every item already received), so
//! a fast stream costs one GIL release per batch, not per item.
//! `close()` (or dropping the object) releases the connection at once, even
//! while another thread or task waits on `next`.
use crate::convert::value_to_py;
use crate::errors::to_py_err;
use crate::rt::{future_into_py, wait};
use flowengine::stream::ChunkItem;
use flowengine::{Error, StreamItem};
use futures::FutureExt;
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The most items taken in one batch.
const BATCH: usize = 512;

/// One chunk of a chat reply.
#[pyclass(frozen, module = "flowengine._native", eq)]
#[derive(PartialEq)]
pub struct ChatChunk {
    /// The text delta (may be empty).
    #[pyo3(get)]
    content: String,
    /// `stop` on the last content chunk.
    #[pyo3(get)]
    finish_reason: Option<String>,
    /// The conversation this reply belongs to, when the service says.
    #[pyo3(get)]
    conversation_id: Option<String>,
    #[pyo3(get)]
    id: Option<String>,
    #[pyo3(get)]
    model: Option<String>,
    raw: flowengine::RawJson,
}

#[pymethods]
impl ChatChunk {
    /// The chunk as the service sent it (a `chat.completion.chunk` object).
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.raw.value())
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("content", &self.content)?;
        d.set_item("finish_reason", &self.finish_reason)?;
        d.set_item("conversation_id", &self.conversation_id)?;
        d.set_item("id", &self.id)?;
        d.set_item("model", &self.model)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let r = |v: &Option<String>| -> PyResult<String> {
            match v {
                Some(s) => Ok(PyString::new(py, s).repr()?.to_string()),
                None => Ok("None".to_string()),
            }
        };
        Ok(format!(
            "ChatChunk(content={}, finish_reason={}, conversation_id={})",
            PyString::new(py, &self.content).repr()?,
            r(&self.finish_reason)?,
            r(&self.conversation_id)?
        ))
    }
}

impl From<ChunkItem> for ChatChunk {
    fn from(c: ChunkItem) -> ChatChunk {
        ChatChunk { content: c.content, finish_reason: c.finish_reason, conversation_id: c.conversation_id, id: c.id, model: c.model, raw: c.raw }
    }
}

fn item_to_py(py: Python<'_>, item: Result<StreamItem, Error>) -> PyResult<Py<PyAny>> {
    match item {
        Ok(StreamItem::Chunk(c)) => Ok(Py::new(py, ChatChunk::from(c))?.into_any()),
        Ok(StreamItem::Line(line)) => Ok(PyString::new(py, &line).into_any().unbind()),
        Err(e) => Err(to_py_err(py, e)),
    }
}

type Item = Result<StreamItem, Error>;

/// Batches waiting for Python, at most (each of up to [`BATCH`] items).
const BATCHES_AHEAD: usize = 8;

struct State {
    /// Batches from the reader task; `None` once it has ended.
    rx: Option<mpsc::Receiver<Vec<Item>>>,
    /// The batch being handed out (taken as it is, without copying items).
    buf: std::vec::IntoIter<Item>,
}

struct Shared {
    state: tokio::sync::Mutex<State>,
    closed: CancellationToken,
}

/// Reads and decodes the stream on the runtime's threads, ahead of Python
/// (which converts and consumes on its own thread meanwhile): each batch is
/// the next item plus every item already received. Ends when the stream
/// does, when the stream is closed, or when Python drops it, and the
/// connection goes with it.
async fn read_ahead(mut stream: flowengine::EventStream, tx: mpsc::Sender<Vec<Item>>, closed: CancellationToken) {
    loop {
        let first = tokio::select! {
            biased;
            _ = closed.cancelled() => return,
            item = stream.next() => item,
        };
        let Some(first) = first else { return };
        let mut batch = Vec::with_capacity(BATCH.min(64));
        batch.push(first);
        let mut ended = false;
        while batch.len() < BATCH {
            match stream.next().now_or_never() {
                Some(Some(item)) => batch.push(item),
                Some(None) => {
                    ended = true;
                    break;
                }
                None => break,
            }
        }
        let sent = tokio::select! {
            biased;
            _ = closed.cancelled() => return,
            sent = tx.send(batch) => sent,
        };
        if sent.is_err() || ended {
            return;
        }
    }
}

/// Dropping the stream from Python ends the reader task (and releases the
/// connection) even while it waits for data, e.g. on a quiet log tail.
impl Drop for Shared {
    fn drop(&mut self) {
        self.closed.cancel();
    }
}

/// [`read_ahead`], with a panic reported to Python as a stream error rather
/// than passed off as the end of the stream (the reply would look complete).
async fn read_ahead_or_report(stream: flowengine::EventStream, tx: mpsc::Sender<Vec<Item>>, closed: CancellationToken) {
    let report = tx.clone();
    if let Err(panic) = std::panic::AssertUnwindSafe(read_ahead(stream, tx, closed)).catch_unwind().await {
        let what = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_default();
        let _ = report.send(vec![Err(Error::stream(format!("the stream reader stopped unexpectedly: {what}")))]).await;
    }
}

impl Shared {
    /// Waits for the next batch (unless items are buffered).
    async fn fill(&self) {
        let mut st = self.state.lock().await;
        if st.buf.len() > 0 {
            return;
        }
        let next = match st.rx.as_mut() {
            None => return,
            Some(rx) => tokio::select! {
                biased;
                _ = self.closed.cancelled() => None,
                batch = rx.recv() => Some(batch),
            },
        };
        match next {
            None | Some(None) => st.rx = None,
            Some(Some(batch)) => st.buf = batch.into_iter(),
        }
    }

    /// A buffered item, without waiting: `Ok(Some)` an item, `Ok(None)` the
    /// end, `Err(())` nothing yet (or the state is busy).
    fn try_pop(&self) -> Result<Option<Item>, ()> {
        if self.closed.is_cancelled() {
            return Ok(None);
        }
        let mut st = self.state.try_lock().map_err(|_| ())?;
        if let Some(item) = st.buf.next() {
            return Ok(Some(item));
        }
        let Some(rx) = st.rx.as_mut() else { return Ok(None) };
        match rx.try_recv() {
            Ok(batch) => {
                st.buf = batch.into_iter();
                Ok(st.buf.next())
            }
            Err(mpsc::error::TryRecvError::Empty) => Err(()),
            Err(mpsc::error::TryRecvError::Disconnected) => {
                st.rx = None;
                Ok(None)
            }
        }
    }
}

#[pyclass(frozen, module = "flowengine._native")]
pub struct EventStream {
    shared: Arc<Shared>,
}

impl EventStream {
    pub fn new(s: flowengine::EventStream) -> EventStream {
        let (tx, rx) = mpsc::channel(BATCHES_AHEAD);
        let closed = CancellationToken::new();
        flowengine::runtime::runtime().spawn(read_ahead_or_report(s, tx, closed.clone()));
        EventStream { shared: Arc::new(Shared { state: tokio::sync::Mutex::new(State { rx: Some(rx), buf: Vec::new().into_iter() }), closed }) }
    }

    fn next_blocking(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        loop {
            match self.shared.try_pop() {
                Ok(None) => return Ok(None),
                Ok(Some(item)) => return item_to_py(py, item).map(Some),
                Err(()) => {
                    let shared = self.shared.clone();
                    wait(py, async move { shared.fill().await })?;
                    if self.shared.closed.is_cancelled() {
                        return Ok(None);
                    }
                }
            }
        }
    }

    fn next_awaitable<'py>(&self, py: Python<'py>, stop: bool) -> PyResult<Bound<'py, PyAny>> {
        match self.shared.try_pop() {
            Ok(item) => {
                let value = match item {
                    Some(item) => Ok(item_to_py(py, item)?),
                    None if stop => Err(PyStopAsyncIteration::new_err(())),
                    None => Ok(py.None()),
                };
                Ok(Bound::new(py, Ready { value: Some(value) })?.into_any())
            }
            Err(()) => {
                let shared = self.shared.clone();
                future_into_py(py, async move {
                    loop {
                        shared.fill().await;
                        if shared.closed.is_cancelled() {
                            return Ok(Next { item: None, stop });
                        }
                        let mut st = shared.state.lock().await;
                        if let Some(item) = st.buf.next() {
                            return Ok(Next { item: Some(item), stop });
                        }
                        if st.rx.is_none() {
                            return Ok(Next { item: None, stop });
                        }
                    }
                })
            }
        }
    }
}

#[pymethods]
impl EventStream {
    /// The next item, or None at the end (blocking; Ctrl-C honoured).
    fn next(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.next_blocking(py)
    }

    /// An awaitable of the next item, or None at the end.
    fn next_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.next_awaitable(py, false)
    }

    /// Ends the stream and releases its connection.
    fn close(&self) {
        self.shared.closed.cancel();
        if let Ok(mut st) = self.shared.state.try_lock() {
            st.rx = None;
            st.buf = Vec::new().into_iter();
        }
    }

    #[getter]
    fn closed(&self) -> bool {
        self.shared.closed.is_cancelled()
            || self.shared.state.try_lock().map(|st| st.rx.is_none() && st.buf.len() == 0).unwrap_or(false)
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.next_blocking(py)
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.next_awaitable(py, true)
    }
}

/// An awaitable that is already resolved (an item that was buffered).
#[pyclass(module = "flowengine._native")]
struct Ready {
    value: Option<PyResult<Py<PyAny>>>,
}

#[pymethods]
impl Ready {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&mut self) -> PyResult<Py<PyAny>> {
        match self.value.take() {
            Some(Ok(v)) => Err(PyStopIteration::new_err((v,))),
            Some(Err(e)) => Err(e),
            None => Err(PyStopIteration::new_err(())),
        }
    }

    fn send(&mut self, _value: Py<PyAny>) -> PyResult<Py<PyAny>> {
        self.__next__()
    }
}

/// The next item for the async paths, converted once attached.
struct Next {
    item: Option<Result<StreamItem, Error>>,
    stop: bool,
}

impl<'py> IntoPyObject<'py> for Next {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        match self.item {
            Some(item) => Ok(item_to_py(py, item)?.into_bound(py)),
            None if self.stop => Err(PyStopAsyncIteration::new_err(())),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

/// A stream opened by the async path.
pub struct Opened(pub Result<flowengine::EventStream, Error>);

impl<'py> IntoPyObject<'py> for Opened {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        match self.0 {
            Ok(s) => Ok(Bound::new(py, EventStream::new(s))?.into_any()),
            Err(e) => Err(to_py_err(py, e)),
        }
    }
}
