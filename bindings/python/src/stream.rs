//! `_native.EventStream`: a chat or log-tail stream. Items are fetched in
//! batches: each wait takes the next item and then every item already
//! received, so a fast stream costs one GIL release per batch, not per item.
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
use std::collections::VecDeque;
use std::sync::Arc;
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
    raw: serde_json::Value,
}

#[pymethods]
impl ChatChunk {
    /// The chunk as the service sent it (a `chat.completion.chunk` object).
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.raw)
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

struct State {
    stream: Option<flowengine::EventStream>,
    buf: VecDeque<Result<StreamItem, Error>>,
}

struct Shared {
    state: tokio::sync::Mutex<State>,
    closed: CancellationToken,
}

impl Shared {
    /// Waits for the next item (unless some are buffered), then buffers every
    /// item that is already there.
    async fn fill(&self) {
        let mut st = self.state.lock().await;
        if !st.buf.is_empty() {
            return;
        }
        let next = match st.stream.as_mut() {
            None => return,
            Some(s) => tokio::select! {
                biased;
                _ = self.closed.cancelled() => None,
                item = s.next() => Some(item),
            },
        };
        match next {
            None | Some(None) => {
                st.stream = None;
                return;
            }
            Some(Some(item)) => st.buf.push_back(item),
        }
        while st.buf.len() < BATCH {
            let Some(s) = st.stream.as_mut() else { break };
            match s.next().now_or_never() {
                Some(Some(item)) => st.buf.push_back(item),
                Some(None) => st.stream = None,
                None => break,
            }
        }
    }

    /// A buffered item, without waiting: `Ok(Some)` an item, `Ok(None)` the
    /// end, `Err(())` nothing yet (or the state is busy).
    fn try_pop(&self) -> Result<Option<Result<StreamItem, Error>>, ()> {
        if self.closed.is_cancelled() {
            return Ok(None);
        }
        let mut st = self.state.try_lock().map_err(|_| ())?;
        match st.buf.pop_front() {
            Some(item) => Ok(Some(item)),
            None if st.stream.is_none() => Ok(None),
            None => Err(()),
        }
    }
}

#[pyclass(frozen, module = "flowengine._native")]
pub struct EventStream {
    shared: Arc<Shared>,
}

impl EventStream {
    pub fn new(s: flowengine::EventStream) -> EventStream {
        EventStream {
            shared: Arc::new(Shared { state: tokio::sync::Mutex::new(State { stream: Some(s), buf: VecDeque::new() }), closed: CancellationToken::new() }),
        }
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
                        if let Some(item) = st.buf.pop_front() {
                            return Ok(Next { item: Some(item), stop });
                        }
                        if st.stream.is_none() {
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
            st.stream = None;
            st.buf.clear();
        }
    }

    #[getter]
    fn closed(&self) -> bool {
        self.shared.closed.is_cancelled()
            || self.shared.state.try_lock().map(|st| st.stream.is_none() && st.buf.is_empty()).unwrap_or(false)
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
