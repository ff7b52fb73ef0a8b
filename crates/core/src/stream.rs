//! The two kinds of stream the API has, behind one [`EventStream`]:
//! chat replies (SSE of chat chunks, ending at `[DONE]`) and log tails (SSE
//! of log lines that resume after a dropped connection with
//! `Last-Event-ID`). Both honour the idle timeout (the transport's read
//! timeout) and release the connection when closed or dropped.
use crate::chat_chunk::{decode_chat_event, ChatChunk, ChatData, ChunkError};
use crate::error::{Error, ErrorKind};
use crate::sse::{sse_events, SseParser, SseStream};
use crate::transport::{Shape, Transport};
use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use serde::Serialize;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// One item of a stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StreamItem {
    Chunk(ChunkItem),
    Line(String),
}

/// A chat chunk as the narrow waist hands it to every language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChunkItem {
    pub content: String,
    pub finish_reason: Option<String>,
    pub conversation_id: Option<String>,
    pub id: Option<String>,
    pub model: Option<String>,
    /// The chunk's JSON as received, decoded on demand.
    pub raw: crate::raw_json::RawJson,
}

impl From<ChatChunk> for ChunkItem {
    fn from(c: ChatChunk) -> ChunkItem {
        ChunkItem { content: c.content, finish_reason: c.finish_reason, conversation_id: c.conversation_id, id: c.id, model: c.model, raw: c.raw }
    }
}

impl StreamItem {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// A stream of [`StreamItem`]s: `next()` until `None`, or `close()`.
pub struct EventStream {
    inner: Option<BoxStream<'static, Result<StreamItem, Error>>>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").field("open", &self.inner.is_some()).finish()
    }
}

impl EventStream {
    pub fn new(inner: BoxStream<'static, Result<StreamItem, Error>>) -> EventStream {
        EventStream { inner: Some(inner) }
    }

    /// The next item; `None` at the end (or after `close`).
    /// The items still to come, as a plain stream (nothing if closed).
    pub fn into_inner(mut self) -> BoxStream<'static, Result<StreamItem, Error>> {
        self.inner.take().unwrap_or_else(|| futures::stream::empty().boxed())
    }

    pub async fn next(&mut self) -> Option<Result<StreamItem, Error>> {
        let item = self.inner.as_mut()?.next().await;
        if matches!(item, None | Some(Err(_))) {
            // An error ends the stream: the connection is released at once.
            self.inner = None;
        }
        item
    }

    /// Ends the stream and releases its connection.
    pub fn close(&mut self) {
        self.inner = None;
    }

    pub fn is_closed(&self) -> bool {
        self.inner.is_none()
    }
}

impl Stream for EventStream {
    type Item = Result<StreamItem, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(inner) = self.inner.as_mut() else { return Poll::Ready(None) };
        let polled = inner.as_mut().poll_next(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.inner = None;
        }
        polled
    }
}

fn chunk_error(e: ChunkError) -> Error {
    match e {
        ChunkError::Server { message, code } => Error { code, ..Error::new(ErrorKind::Server, message) },
        ChunkError::Decode { reason, snippet } => Error::decode(format!("a chat chunk could not be decoded ({reason}): {snippet}")),
    }
}

type BodyStream = BoxStream<'static, Result<Bytes, reqwest::Error>>;

/// A chat reply from a response body: SSE chunks until `[DONE]`, or the
/// whole reply from an older service version's JSON body.
pub(crate) fn chat_from_response(resp_headers: &http::HeaderMap, body: BodyStream) -> EventStream {
    let is_json = resp_headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        let once = futures::stream::once(async move {
            let bytes: Vec<u8> = body
                .map(|r| r.map_err(|e| Error::from_reqwest(e).in_stream()))
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<Bytes>, Error>>()?
                .concat();
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| Error::decode(format!("the chat reply is not JSON ({e}): {}", crate::error::snippet(&bytes))))?;
            ChatChunk::from_legacy_body(&value).map(|c| StreamItem::Chunk(c.into())).map_err(chunk_error)
        });
        return EventStream::new(once.boxed());
    }
    struct State {
        events: SseStream<BodyStream>,
        finished: bool,
        saw_finish_reason: bool,
    }
    let state = State { events: sse_events(body), finished: false, saw_finish_reason: false };
    let stream = futures::stream::unfold(state, |mut st| async move {
        if st.finished {
            return None;
        }
        loop {
            match st.events.next().await {
                Some(Ok(event)) => match decode_chat_event(event) {
                    Ok(ChatData::Chunk(chunk)) => {
                        st.saw_finish_reason |= chunk.finish_reason.is_some();
                        return Some((Ok(StreamItem::Chunk(chunk.into())), st));
                    }
                    Ok(ChatData::Done) => return None,
                    Ok(ChatData::KeepAlive) => continue,
                    Err(e) => {
                        st.finished = true;
                        return Some((Err(chunk_error(e)), st));
                    }
                },
                Some(Err(e)) => {
                    st.finished = true;
                    return Some((Err(Error::from_reqwest(e).in_stream()), st));
                }
                None if st.saw_finish_reason => return None,
                None => {
                    st.finished = true;
                    return Some((Err(Error::stream("the chat stream ended before its last chunk ([DONE] or a finish_reason)")), st));
                }
            }
        }
    });
    EventStream::new(stream.boxed())
}

/// How many failed reconnections in a row end a log tail.
pub const MAX_TAIL_RECONNECTS: u32 = 5;

/// A tail connection open at least this long before it ended was healthy:
/// its end does not count towards [`MAX_TAIL_RECONNECTS`].
pub const HEALTHY_TAIL_CONNECTION: Duration = Duration::from_secs(30);

/// Tails a function's logs: `GET {path}?tail=true`, one line per event,
/// reconnecting with `Last-Event-ID` after a dropped connection, without
/// duplicates, giving up after [`MAX_TAIL_RECONNECTS`] failures in a row.
pub(crate) fn log_tail(transport: Transport, url: String, last_event_id: Option<String>) -> EventStream {
    struct State {
        transport: Transport,
        url: String,
        last_id: Option<String>,
        events: Option<SseStream<BodyStream>>,
        /// The id the connection's previous event reported.
        conn_id: Option<String>,
        failures: u32,
        connected_at: Instant,
        done: bool,
    }
    let state = State {
        transport,
        url,
        last_id: last_event_id,
        events: None,
        conn_id: None,
        failures: 0,
        connected_at: Instant::now(),
        done: false,
    };
    let stream = futures::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            if st.events.is_none() {
                if st.failures > 0 {
                    let wait = crate::retry::delay(st.failures - 1, None, rand::random::<f64>()).unwrap_or(Duration::from_secs(1));
                    tokio::time::sleep(wait).await;
                }
                match connect_tail(&st.transport, &st.url, st.last_id.as_deref()).await {
                    Ok(body) => {
                        // A fresh parser (not one resuming at `last_id`): an
                        // event reports an id only once this connection set one.
                        st.events = Some(SseStream::with_parser(body, SseParser::new()));
                        st.conn_id = None;
                        st.connected_at = Instant::now();
                    }
                    Err(e) if is_fatal(&e) || st.failures >= MAX_TAIL_RECONNECTS => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                    Err(_) => {
                        st.failures += 1;
                        continue;
                    }
                }
            }
            let events = st.events.as_mut().expect("connected");
            match events.next().await {
                Some(Ok(event)) => {
                    if event.data.is_empty() {
                        continue;
                    }
                    // The event-stream id persists from block to block: only an
                    // id that changed was this event's own. A line without
                    // one is new (the server sends what follows Last-Event-ID).
                    let own_id = event.id.is_some() && event.id != st.conn_id;
                    st.conn_id.clone_from(&event.id);
                    if let (true, Some(seen), Some(id)) = (own_id, &st.last_id, &event.id) {
                        if is_not_after(id, seen) {
                            continue; // already delivered before a reconnect
                        }
                    }
                    st.failures = 0;
                    if own_id {
                        st.last_id = event.id.clone();
                    }
                    return Some((Ok(StreamItem::Line(event.data)), st));
                }
                Some(Err(_)) | None => {
                    // Dropped, idle past the timeout, or closed by the server:
                    // resume after the last line seen.
                    st.events = None;
                    // A connection that stayed up a while was healthy even if
                    // quiet (a proxy's time limit ends such tails now and
                    // then): it is followed for ever. One that drops at once,
                    // line after line of nothing, counts towards the bound.
                    if st.connected_at.elapsed() >= HEALTHY_TAIL_CONNECTION {
                        st.failures = 0;
                    }
                    st.failures += 1;
                    if st.failures > MAX_TAIL_RECONNECTS {
                        st.done = true;
                        return Some((Err(Error::stream(format!("the log tail dropped {} times in a row; giving up", st.failures))), st));
                    }
                }
            }
        }
    });
    EventStream::new(stream.boxed())
}

/// Ids are compared as numbers when both are numbers (the service's line
/// counters); otherwise only an equal id counts as already seen.
fn is_not_after(id: &str, seen: &str) -> bool {
    match (id.parse::<u64>(), seen.parse::<u64>()) {
        (Ok(a), Ok(b)) => a <= b,
        _ => id == seen,
    }
}

fn is_fatal(e: &Error) -> bool {
    matches!(e.status, Some(s) if (400..500).contains(&s) && s != 408 && s != 429) || e.kind == ErrorKind::InvalidArgument
}

async fn connect_tail(transport: &Transport, url: &str, last_id: Option<&str>) -> Result<BodyStream, Error> {
    let mut req = transport.http.get(url).header(http::header::ACCEPT, "text/event-stream");
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id);
    }
    let req = req.build().map_err(Error::from_reqwest)?;
    let resp = transport.execute(req, Shape::Stream).await.map_err(Error::from_reqwest)?;
    if resp.status().as_u16() >= 400 {
        return Err(Error::from_response(resp).await);
    }
    Ok(resp.bytes_stream().boxed())
}
