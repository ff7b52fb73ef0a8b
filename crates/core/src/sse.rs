//! Incremental Server-Sent Events parser.
//!
//! Implements the WHATWG HTML "event stream" interpretation rules
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>):
//!
//! - line ends are LF, CR or CRLF; a CR that ends one chunk and a LF that
//!   starts the next are one line end;
//! - one leading UTF-8 BOM is stripped from the stream;
//! - lines starting with `:` are comments;
//! - a line without a colon is a field name with an empty value; otherwise
//!   exactly one space after the first colon is removed from the value;
//! - `data` appends to the data buffer (lines joined with `\n`), `event` sets
//!   the event type, `id` sets the last event ID (ignored if it contains NUL;
//!   it persists across events), `retry` sets the reconnection time (ASCII
//!   digits only); other fields are ignored;
//! - an empty line dispatches the event, unless the data buffer is empty, in
//!   which case the data and event type buffers are just reset;
//! - at end of stream an incomplete event (or line) is discarded.
//!
//! Bytes may arrive in chunks of any size, split anywhere (inside a line
//! ending, inside a multi-byte UTF-8 sequence): only complete lines are
//! interpreted. Invalid UTF-8 becomes U+FFFD as the spec's UTF-8 decode
//! prescribes; nothing here panics on any input.
//!
//! Performance: each input byte is scanned once (SWAR search for CR/LF, no
//! re-scan of carried-over bytes), lines that lie within one chunk are
//! interpreted in place, and an event costs one allocation for its data
//! (plus one for its type).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{FusedStream, Stream};

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Buffers grown past this by an unusually large line or event are given back.
const KEEP_CAPACITY: usize = 1 << 20;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The event type: the last `event` field of the block, or `"message"`
    /// (borrowed: most events have no type, and this saves an allocation each).
    pub event: Cow<'static, str>,
    /// The `data` lines of the block joined with `\n` (no trailing newline).
    pub data: String,
    /// The last event ID at dispatch time (it persists across events, as in
    /// the spec's `lastEventId`); `None` when it is the empty string.
    pub id: Option<String>,
    /// The reconnection time (milliseconds) set by a valid `retry` field in
    /// this event's block, if any. [`SseParser::retry`] keeps the latest one,
    /// including from blocks that dispatched no event.
    pub retry: Option<u64>,
}

/// Incremental event-stream parser. Feed it bytes as they arrive.
#[derive(Debug, Clone)]
pub struct SseParser {
    /// Bytes of an incomplete line carried over from earlier chunks (never
    /// contains CR or LF, so it is never scanned again).
    line: Vec<u8>,
    /// The previous chunk ended with CR: a LF opening the next one belongs to it.
    pending_cr: bool,
    /// The next complete line is the first of the stream: strip a BOM.
    at_stream_start: bool,
    /// Data buffer, raw bytes; each `data` line appends its value and `\n`.
    data: Vec<u8>,
    event_type: String,
    /// The spec's "last event ID buffer" (set by `id` fields).
    id_buffer: String,
    /// The spec's "last event ID string" (committed at each dispatch).
    last_event_id: String,
    block_retry: Option<u64>,
    retry: Option<u64>,
    /// A field line was seen since the last dispatch.
    block_dirty: bool,
    /// An `id` field was seen since the last dispatch (otherwise the two id
    /// strings are equal, and comparing them on every event costs a call).
    id_touched: bool,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    pub fn new() -> Self {
        SseParser {
            line: Vec::new(),
            pending_cr: false,
            at_stream_start: true,
            data: Vec::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            block_retry: None,
            retry: None,
            block_dirty: false,
            id_touched: false,
        }
    }

    /// A parser resuming after `id` (e.g. the `Last-Event-ID` sent on a
    /// reconnect): events without their own `id` field report it.
    pub fn with_last_event_id(id: impl Into<String>) -> Self {
        let id = id.into();
        let mut p = Self::new();
        p.id_buffer.clone_from(&id);
        p.last_event_id = id;
        p
    }

    /// The last event ID string (updated when an event block is completed by
    /// an empty line, as in the spec). Empty when none was set.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The latest reconnection time in milliseconds sent by a `retry` field.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// Feeds a chunk; returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        self.feed_into(chunk, &mut out);
        out
    }

    /// Feeds a chunk, appending the events it completed to `out`.
    pub fn feed_into(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) {
        self.feed_with(chunk, |e| out.push(e));
    }

    /// Feeds a chunk, calling `emit` for each event it completes, in order.
    pub fn feed_with<F: FnMut(SseEvent)>(&mut self, chunk: &[u8], mut emit: F) {
        let mut rest = chunk;
        if self.pending_cr {
            let Some(&first) = rest.first() else { return };
            self.pending_cr = false;
            if first == b'\n' {
                rest = &rest[1..];
            }
        }
        if !self.line.is_empty() {
            // Finish the line carried over; only the new bytes are scanned.
            let Some(p) = find_eol(rest) else {
                self.line.extend_from_slice(rest);
                return;
            };
            self.line.extend_from_slice(&rest[..p]);
            let mut line = std::mem::take(&mut self.line);
            self.process_line(&line, &mut emit);
            line.clear();
            if line.capacity() > KEEP_CAPACITY {
                line = Vec::new();
            }
            self.line = line;
            rest = self.after_eol(rest, p);
        }
        while let Some(p) = find_eol(rest) {
            self.process_line(&rest[..p], &mut emit);
            rest = self.after_eol(rest, p);
        }
        self.line.extend_from_slice(rest);
    }

    /// Ends the current connection's stream. Per the spec an incomplete event
    /// (and an unterminated last line) is discarded; returns `true` if there
    /// was one. The last event ID and retry time are kept, and the parser is
    /// ready for the bytes of a new connection (its BOM is stripped again).
    pub fn finish(&mut self) -> bool {
        let discarded = !self.line.is_empty() || self.block_dirty;
        self.line.clear();
        self.pending_cr = false;
        self.at_stream_start = true;
        self.data.clear();
        self.event_type.clear();
        self.id_buffer.clone_from(&self.last_event_id);
        self.block_retry = None;
        self.block_dirty = false;
        discarded
    }

    /// Index just past the line end at `rest[p]` (CR, LF or CRLF).
    #[inline]
    fn after_eol<'a>(&mut self, rest: &'a [u8], p: usize) -> &'a [u8] {
        if rest[p] == b'\r' {
            match rest.get(p + 1) {
                Some(b'\n') => &rest[p + 2..],
                Some(_) => &rest[p + 1..],
                None => {
                    self.pending_cr = true;
                    &[]
                }
            }
        } else {
            &rest[p + 1..]
        }
    }

    #[inline]
    fn process_line<F: FnMut(SseEvent)>(&mut self, mut line: &[u8], emit: &mut F) {
        if self.at_stream_start {
            self.at_stream_start = false;
            if let Some(l) = line.strip_prefix(BOM) {
                line = l;
            }
        }
        if line.is_empty() {
            self.dispatch(emit);
            return;
        }
        // Fast path: the overwhelmingly common line.
        if let Some(value) = line.strip_prefix(b"data:") {
            self.push_data(strip_one_space(value));
            return;
        }
        if line[0] == b':' {
            return; // comment
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(c) => (&line[..c], strip_one_space(&line[c + 1..])),
            None => (line, &b""[..]),
        };
        match name {
            b"data" => self.push_data(value),
            b"event" => {
                self.block_dirty = true;
                self.event_type.clear();
                self.event_type.push_str(&String::from_utf8_lossy(value));
            }
            b"id" => {
                self.block_dirty = true;
                if !value.contains(&0) {
                    self.id_touched = true;
                    self.id_buffer.clear();
                    self.id_buffer.push_str(&String::from_utf8_lossy(value));
                }
            }
            b"retry" => {
                self.block_dirty = true;
                if let Some(ms) = parse_retry(value) {
                    self.retry = Some(ms);
                    self.block_retry = Some(ms);
                }
            }
            _ => {}
        }
    }

    #[inline]
    fn push_data(&mut self, value: &[u8]) {
        self.block_dirty = true;
        self.data.reserve(value.len() + 1);
        self.data.extend_from_slice(value);
        self.data.push(b'\n');
    }

    fn dispatch<F: FnMut(SseEvent)>(&mut self, emit: &mut F) {
        self.block_dirty = false;
        if std::mem::take(&mut self.id_touched) && self.last_event_id != self.id_buffer {
            self.last_event_id.clone_from(&self.id_buffer);
        }
        let retry = self.block_retry.take();
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        // The buffer becomes the event's text (no copy; `push_data` reserves
        // what the next event needs, so this costs no extra allocation).
        let mut bytes = std::mem::take(&mut self.data);
        bytes.pop(); // the final LF
        let data = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let event = if self.event_type.is_empty() {
            Cow::Borrowed("message")
        } else {
            Cow::Owned(std::mem::take(&mut self.event_type))
        };
        let id = if self.last_event_id.is_empty() {
            None
        } else {
            Some(self.last_event_id.clone())
        };
        emit(SseEvent {
            event,
            data,
            id,
            retry,
        });
    }
}

#[inline]
fn strip_one_space(v: &[u8]) -> &[u8] {
    match v.first() {
        Some(b' ') => &v[1..],
        _ => v,
    }
}

/// `retry` value: ASCII digits only (at least one); saturates on overflow.
fn parse_retry(v: &[u8]) -> Option<u64> {
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// Position of the first CR or LF, scanning 16 bytes per step (SWAR).
#[inline]
fn find_eol(h: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const LF: u64 = LO * b'\n' as u64;
    const CR: u64 = LO * b'\r' as u64;
    // Non-zero iff `x` has a CR or LF byte; its lowest set bit marks the
    // first one (false positives only occur above a true match).
    #[inline(always)]
    fn mask(x: u64) -> u64 {
        let a = x ^ LF;
        let b = x ^ CR;
        ((a.wrapping_sub(LO) & !a) | (b.wrapping_sub(LO) & !b)) & HI
    }
    #[inline(always)]
    fn word(h: &[u8], i: usize) -> u64 {
        u64::from_le_bytes(h[i..i + 8].try_into().unwrap())
    }
    let mut i = 0;
    while i + 16 <= h.len() {
        let m0 = mask(word(h, i));
        let m1 = mask(word(h, i + 8));
        if (m0 | m1) != 0 {
            return Some(if m0 != 0 {
                i + (m0.trailing_zeros() / 8) as usize
            } else {
                i + 8 + (m1.trailing_zeros() / 8) as usize
            });
        }
        i += 16;
    }
    if i + 8 <= h.len() {
        let m = mask(word(h, i));
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    h[i..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map(|p| p + i)
}

/// Adapts a byte stream (e.g. a response body) into a stream of events.
/// Transport errors are passed through; the stream ends when the input
/// ends (an incomplete final event is discarded).
pub fn sse_events<S, B, E>(stream: S) -> SseStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
{
    SseStream::with_parser(stream, SseParser::new())
}

/// Stream of [`SseEvent`]s over a byte stream; see [`sse_events`].
pub struct SseStream<S> {
    inner: Pin<Box<S>>,
    parser: SseParser,
    queue: VecDeque<SseEvent>,
    done: bool,
}

impl<S> SseStream<S> {
    /// Continues with an existing parser (e.g. after a reconnect: its last
    /// event ID and retry time carry over). Its per-connection state is
    /// reset as by [`SseParser::finish`].
    pub fn with_parser(stream: S, mut parser: SseParser) -> Self {
        parser.finish();
        SseStream {
            inner: Box::pin(stream),
            parser,
            queue: VecDeque::new(),
            done: false,
        }
    }

    /// The last event ID seen so far (for `Last-Event-ID` on a reconnect).
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The latest `retry` time in milliseconds, if the server sent one.
    pub fn retry(&self) -> Option<u64> {
        self.parser.retry()
    }

    pub fn parser(&self) -> &SseParser {
        &self.parser
    }

    /// The parser, to resume on a new connection with [`SseStream::with_parser`].
    pub fn into_parser(self) -> SseParser {
        self.parser
    }
}

impl<S> std::fmt::Debug for SseStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseStream")
            .field("parser", &self.parser)
            .field("queued", &self.queue.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<S, B, E> Stream for SseStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
{
    type Item = Result<SseEvent, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(ev) = this.queue.pop_front() {
                return Poll::Ready(Some(Ok(ev)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => {
                    let queue = &mut this.queue;
                    this.parser
                        .feed_with(chunk.as_ref(), |e| queue.push_back(e));
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    this.parser.finish();
                    this.done = true;
                }
            }
        }
    }
}

impl<S, B, E> FusedStream for SseStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
{
    fn is_terminated(&self) -> bool {
        self.done && self.queue.is_empty()
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str, id: Option<&str>, retry: Option<u64>) -> SseEvent {
        SseEvent {
            event: event.to_owned().into(),
            data: data.into(),
            id: id.map(Into::into),
            retry,
        }
    }
    fn msg(data: &str) -> SseEvent {
        ev("message", data, None, None)
    }
    fn parse(input: &[u8]) -> Vec<SseEvent> {
        SseParser::new().feed(input)
    }
    fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.feed_into(c, &mut out);
        }
        out
    }
    fn parse_bytewise(input: &[u8]) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for b in input {
            p.feed_into(std::slice::from_ref(b), &mut out);
        }
        out
    }
    /// Deterministic pseudo-random splits (xorshift).
    fn parse_random_splits(input: &[u8], seed: u64, max: usize) -> Vec<SseEvent> {
        let mut s = seed | 1;
        let mut p = SseParser::new();
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let n = (s as usize % max).min(input.len() - i); // may be 0: empty chunks too
            p.feed_into(&input[i..i + n], &mut out);
            i += n;
        }
        out
    }

    // ---- line endings ----

    #[test]
    fn lf_cr_and_crlf_all_end_lines() {
        let want = vec![msg("a\nb"), msg("c")];
        assert_eq!(parse(b"data: a\ndata: b\n\ndata: c\n\n"), want);
        assert_eq!(parse(b"data: a\rdata: b\r\rdata: c\r\r"), want);
        assert_eq!(parse(b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n"), want);
        assert_eq!(parse(b"data: a\rdata: b\r\n\ndata: c\n\r\n"), want);
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_end() {
        // Were CR and LF counted as two line ends, "a" would be dispatched alone.
        assert_eq!(
            parse_chunks(&[b"data: a\r", b"\ndata: b\r\n\r\n"]),
            vec![msg("a\nb")]
        );
        assert_eq!(parse_chunks(&[b"data: a\r\n\r", b"\n"]), vec![msg("a")]);
        // Empty chunks in between do not forget the pending CR.
        assert_eq!(
            parse_chunks(&[b"data: a\r", b"", b"", b"\ndata: b\r\n\r\n"]),
            vec![msg("a\nb")]
        );
    }

    #[test]
    fn cr_at_chunk_end_then_other_byte() {
        assert_eq!(
            parse_chunks(&[b"data: a\r", b"data: b\r", b"\r"]),
            vec![msg("a\nb")]
        );
    }

    #[test]
    fn lone_cr_dispatches_without_waiting_for_next_chunk() {
        let mut p = SseParser::new();
        assert_eq!(p.feed(b"data: a\r\r"), vec![msg("a")]);
        // A following LF is the second CR's pair, not another (empty) line.
        assert_eq!(p.feed(b"\ndata: b\n\n"), vec![msg("b")]);
    }

    #[test]
    fn lf_cr_is_two_line_ends() {
        // LF then CR: two line ends, i.e. an empty line: dispatch.
        assert_eq!(parse(b"data: a\n\rdata: b\n\n"), vec![msg("a"), msg("b")]);
    }

    // ---- BOM ----

    #[test]
    fn leading_bom_is_stripped() {
        assert_eq!(parse(b"\xEF\xBB\xBFdata: a\n\n"), vec![msg("a")]);
        assert_eq!(parse_bytewise(b"\xEF\xBB\xBFdata: a\n\n"), vec![msg("a")]);
        assert_eq!(
            parse_chunks(&[b"\xEF", b"\xBB", b"\xBFdat", b"a: a\n\n"]),
            vec![msg("a")]
        );
    }

    #[test]
    fn bom_stripped_only_once() {
        // The second BOM becomes part of the field name "\u{FEFF}data": ignored.
        assert_eq!(parse(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n"), vec![]);
        // Not at the start of the stream: not stripped either.
        assert_eq!(parse(b"data: x\n\n\xEF\xBB\xBFdata: a\n\n"), vec![msg("x")]);
        // In a value it is kept.
        assert_eq!(parse(b"data: \xEF\xBB\xBFa\n\n"), vec![msg("\u{FEFF}a")]);
    }

    #[test]
    fn bom_followed_by_empty_line() {
        assert_eq!(parse(b"\xEF\xBB\xBF\ndata: a\n\n"), vec![msg("a")]);
    }

    // ---- comments and fields ----

    #[test]
    fn comments_are_ignored() {
        assert_eq!(
            parse(b":\n: keep-alive\ndata: a\n:data: b\n\n:only comments\n\n"),
            vec![msg("a")]
        );
    }

    #[test]
    fn comment_only_block_dispatches_nothing() {
        assert_eq!(parse(b": ping\n\n: ping\n\n"), vec![]);
    }

    #[test]
    fn multi_line_data_joined_with_lf() {
        assert_eq!(
            parse(b"data: YHOO\ndata: +2\ndata: 10\n\n"),
            vec![msg("YHOO\n+2\n10")]
        );
    }

    #[test]
    fn exactly_one_leading_space_removed() {
        assert_eq!(
            parse(b"data:test\n\ndata: test\n\ndata:  test\n\ndata:test \n\n"),
            vec![msg("test"), msg("test"), msg(" test"), msg("test ")]
        );
        assert_eq!(
            parse(b"event:  x\ndata: a\n\n"),
            vec![ev(" x", "a", None, None)]
        );
    }

    #[test]
    fn value_keeps_later_colons() {
        assert_eq!(parse(b"data: a: b:c\n\n"), vec![msg("a: b:c")]);
        assert_eq!(parse(b"data::\n\n"), vec![msg(":")]);
    }

    #[test]
    fn field_without_colon_has_empty_value() {
        // Spec example: "data" alone is an empty data line.
        assert_eq!(
            parse(b"data\n\ndata\ndata\n\ndata:"),
            vec![msg(""), msg("\n")]
        );
        // "event" alone sets an empty type: the default applies.
        assert_eq!(parse(b"event: x\nevent\ndata: a\n\n"), vec![msg("a")]);
    }

    #[test]
    fn empty_data_value_still_dispatches() {
        assert_eq!(parse(b"data:\n\n"), vec![msg("")]);
        assert_eq!(parse(b"data: \n\n"), vec![msg("")]);
        assert_eq!(parse(b"data:\r\n\r\n"), vec![msg("")]);
    }

    #[test]
    fn unknown_and_case_different_fields_are_ignored() {
        assert_eq!(
            parse(b"Data: no\nDATA: no\nfoo: bar\ndata : no\n data: no\ndata: yes\n\n"),
            vec![msg("yes")]
        );
    }

    #[test]
    fn event_type_set_and_reset() {
        assert_eq!(
            parse(b"event: add\ndata: 1\n\ndata: 2\n\nevent: a\nevent: b\ndata: 3\n\n"),
            vec![
                ev("add", "1", None, None),
                msg("2"),
                ev("b", "3", None, None)
            ]
        );
    }

    #[test]
    fn empty_block_resets_event_type_and_dispatches_nothing() {
        assert_eq!(parse(b"event: x\n\ndata: a\n\n"), vec![msg("a")]);
        assert_eq!(parse(b"\n\n\n"), vec![]);
    }

    // ---- id ----

    #[test]
    fn id_persists_across_events() {
        let mut p = SseParser::new();
        let got = p.feed(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n");
        assert_eq!(
            got,
            vec![
                ev("message", "a", Some("1"), None),
                ev("message", "b", Some("1"), None),
                ev("message", "c", Some("2"), None),
            ]
        );
        assert_eq!(p.last_event_id(), "2");
    }

    #[test]
    fn empty_id_resets() {
        // Spec example.
        let mut p = SseParser::new();
        let got = p.feed(
            b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
        );
        assert_eq!(
            got,
            vec![
                ev("message", "first event", Some("1"), None),
                ev("message", "second event", None, None),
            ]
        );
        assert_eq!(p.last_event_id(), "");
        assert!(p.finish(), "third event is incomplete and discarded");
    }

    #[test]
    fn id_with_nul_is_ignored() {
        let mut p = SseParser::new();
        let got = p.feed(b"id: 7\n\nid: 8\0x\ndata: a\n\n");
        assert_eq!(got, vec![ev("message", "a", Some("7"), None)]);
        assert_eq!(p.last_event_id(), "7");
    }

    #[test]
    fn id_committed_by_empty_line_even_without_data() {
        let mut p = SseParser::new();
        assert_eq!(p.feed(b"id: 5\n\n"), vec![]);
        assert_eq!(p.last_event_id(), "5");
        // ...but not by a block that never ends.
        p.feed(b"id: 6\n");
        assert_eq!(p.last_event_id(), "5");
        assert!(p.finish());
        assert_eq!(p.last_event_id(), "5");
        // After the reconnect, events report the committed id.
        assert_eq!(
            p.feed(b"data: x\n\n"),
            vec![ev("message", "x", Some("5"), None)]
        );
    }

    #[test]
    fn with_last_event_id_resumes() {
        let mut p = SseParser::with_last_event_id("41");
        assert_eq!(
            p.feed(b"data: a\n\nid: 42\ndata: b\n\n"),
            vec![
                ev("message", "a", Some("41"), None),
                ev("message", "b", Some("42"), None)
            ]
        );
    }

    #[test]
    fn id_invalid_utf8_is_replaced() {
        let mut p = SseParser::new();
        p.feed(b"id: a\xFFb\n\n");
        assert_eq!(p.last_event_id(), "a\u{FFFD}b");
    }

    // ---- retry ----

    #[test]
    fn retry_digits_only() {
        let mut p = SseParser::new();
        assert_eq!(p.retry(), None);
        let got = p.feed(b"retry: 1500\ndata: a\n\ndata: b\n\n");
        assert_eq!(got, vec![ev("message", "a", None, Some(1500)), msg("b")]);
        assert_eq!(p.retry(), Some(1500));
        for bad in [
            &b"retry: 10a\n\n"[..],
            b"retry: -1\n\n",
            b"retry: +1\n\n",
            b"retry: 1.5\n\n",
            b"retry:\n\n",
            b"retry\n\n",
            b"retry: 12 \n\n",
            b"retry:  12\n\n",
            b"retry: \xD9\xA1\n\n", // Arabic-Indic digit one: not ASCII
        ] {
            p.feed(bad);
            assert_eq!(p.retry(), Some(1500), "{:?}", String::from_utf8_lossy(bad));
        }
        // A retry-only block dispatches nothing but applies.
        assert_eq!(p.feed(b"retry:0\n\n"), vec![]);
        assert_eq!(p.retry(), Some(0));
    }

    #[test]
    fn retry_overflow_saturates() {
        let mut p = SseParser::new();
        p.feed(b"retry: 99999999999999999999999999\n\n");
        assert_eq!(p.retry(), Some(u64::MAX));
    }

    // ---- end of stream ----

    #[test]
    fn incomplete_event_at_eof_is_discarded() {
        let mut p = SseParser::new();
        assert_eq!(p.feed(b"data: a\n\ndata: b\n"), vec![msg("a")]);
        assert!(p.finish());
        let mut p = SseParser::new();
        assert_eq!(p.feed(b"data: a\n\ndata: b"), vec![msg("a")]);
        assert!(p.finish());
        let mut p = SseParser::new();
        assert_eq!(p.feed(b"data: a\n\n"), vec![msg("a")]);
        assert!(!p.finish());
        // An unterminated line is not interpreted: it is not an empty line.
        let mut p = SseParser::new();
        assert_eq!(p.feed(b"data: a\n"), vec![]);
        assert!(p.finish());
    }

    #[test]
    fn finish_resets_for_a_new_connection() {
        let mut p = SseParser::new();
        p.feed(b"retry: 300\nid: 9\ndata: a\n\nevent: half\ndata: par");
        assert!(p.finish());
        // New connection: BOM stripped again, half event gone.
        assert_eq!(
            p.feed(b"\xEF\xBB\xBFdata: b\n\n"),
            vec![ev("message", "b", Some("9"), None)]
        );
        assert_eq!(p.retry(), Some(300));
    }

    // ---- UTF-8 ----

    #[test]
    fn invalid_utf8_becomes_replacement_chars() {
        assert_eq!(parse(b"data: a\xFFb\n\n"), vec![msg("a\u{FFFD}b")]);
        // Truncated sequence at line end.
        assert_eq!(
            parse(b"data: \xE4\xB8\ndata: x\n\n"),
            vec![msg("\u{FFFD}\nx")]
        );
        // Same split byte by byte.
        assert_eq!(
            parse_bytewise(b"data: \xE4\xB8\ndata: x\n\n"),
            vec![msg("\u{FFFD}\nx")]
        );
        assert_eq!(
            parse(b"event: \xC3\ndata: x\n\n"),
            vec![ev("\u{FFFD}", "x", None, None)]
        );
        // Overlong / surrogate encodings never panic.
        let got = parse(b"data: \xC0\x80\xED\xA0\x80\xF4\x90\x80\x80\n\n");
        assert_eq!(got.len(), 1);
        assert!(got[0].data.chars().all(|c| c == '\u{FFFD}'));
    }

    #[test]
    fn multibyte_utf8_split_anywhere() {
        let input = "data: héllo 👋 世界\n\n".as_bytes();
        let want = vec![msg("héllo 👋 世界")];
        assert_eq!(parse_bytewise(input), want);
        for cut in 0..input.len() {
            assert_eq!(
                parse_chunks(&[&input[..cut], &input[cut..]]),
                want,
                "cut {cut}"
            );
        }
    }

    fn chat_stream(n: usize, eol: &str) -> (Vec<u8>, Vec<String>) {
        let words = [
            "héllo",
            " 👋",
            " 世界",
            " the",
            " quick",
            "\\n",
            " ünïcödé",
            " 🦀🦀",
            "",
            " ok",
        ];
        let mut s = String::new();
        let mut want = Vec::new();
        s.push_str(&format!(": keep-alive{eol}{eol}"));
        for i in 0..n {
            let w = words[i % words.len()];
            let finish = if i + 1 == n { "\"stop\"" } else { "null" };
            let data = format!(
                "{{\"id\":\"chatcmpl-{i}\",\"object\":\"chat.completion.chunk\",\"created\":1733000000,\"model\":\"regular\",\"conversation_id\":\"c1\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{w}\"}},\"finish_reason\":{finish}}}]}}"
            );
            s.push_str(&format!("data: {data}{eol}{eol}"));
            want.push(data);
            if i % 7 == 3 {
                s.push_str(&format!(": ping{eol}"));
            }
        }
        s.push_str(&format!("data: [DONE]{eol}{eol}"));
        want.push("[DONE]".into());
        (s.into_bytes(), want)
    }

    #[test]
    fn realistic_chat_stream_any_chunking_equals_whole() {
        for eol in ["\n", "\r\n", "\r"] {
            let (input, want) = chat_stream(200, eol);
            let whole = parse(&input);
            let datas: Vec<_> = whole.iter().map(|e| e.data.clone()).collect();
            assert_eq!(datas, want);
            assert!(whole.iter().all(|e| e.event == "message" && e.id.is_none()));
            assert_eq!(parse_bytewise(&input), whole, "eol {eol:?}");
            for seed in 1..20 {
                assert_eq!(parse_random_splits(&input, seed, 40), whole, "seed {seed}");
                assert_eq!(
                    parse_random_splits(&input, seed, 3000),
                    whole,
                    "seed {seed}"
                );
            }
        }
    }

    #[test]
    fn agrees_with_eventsource_stream_on_lf_streams() {
        use eventsource_stream::Eventsource;
        use futures::StreamExt;
        let (input, _) = chat_stream(300, "\n");
        let mut extra = input.clone();
        extra.extend_from_slice(
            b"event: log\nid: 3\ndata: a\ndata:b\n\nretry: 20\ndata\n\n:c\nid\ndata:  x\n\n",
        );
        let chunks: Vec<Result<Vec<u8>, std::convert::Infallible>> =
            extra.chunks(97).map(|c| Ok(c.to_vec())).collect();
        let theirs: Vec<_> = futures::executor::block_on(
            futures::stream::iter(chunks)
                .eventsource()
                .collect::<Vec<_>>(),
        );
        let theirs: Vec<SseEvent> = theirs
            .into_iter()
            .map(|e| {
                let e = e.unwrap();
                SseEvent {
                    event: e.event.into(),
                    data: e.data,
                    id: (!e.id.is_empty()).then_some(e.id),
                    retry: e.retry.map(|d| d.as_millis() as u64),
                }
            })
            .collect();
        assert_eq!(parse(&extra), theirs);
    }

    // ---- scanner ----

    #[test]
    fn find_eol_matches_naive() {
        let naive = |h: &[u8]| h.iter().position(|&c| c == b'\n' || c == b'\r');
        let mut buf = vec![b'x'; 64];
        assert_eq!(find_eol(&buf), None);
        assert_eq!(find_eol(&[]), None);
        for len in 0..64 {
            for pos in 0..len {
                for (t, other) in [(b'\n', b'\r'), (b'\r', b'\n')] {
                    buf.iter_mut().for_each(|b| *b = b'a');
                    // Bytes that trip naive SWAR variants: 0x0B, 0x0C, 0x8A, 0x8D, 0x00.
                    for (k, b) in buf.iter_mut().enumerate().take(pos) {
                        *b = [0x0B, 0x0C, 0x8A, 0x8D, 0x00, 0x09, 0xFF, 0x0E][k % 8];
                    }
                    buf[pos] = t;
                    if pos + 1 < len {
                        buf[pos + 1] = other;
                    }
                    assert_eq!(find_eol(&buf[..len]), Some(pos));
                    assert_eq!(find_eol(&buf[..len]), naive(&buf[..len]));
                }
            }
        }
    }

    // ---- stream adapter ----

    #[test]
    fn stream_adapter_yields_events_and_errors() {
        use futures::StreamExt;
        let chunks: Vec<Result<bytes::Bytes, &str>> = vec![
            Ok(bytes::Bytes::from_static(b"data: a\r")),
            Ok(bytes::Bytes::from_static(b"\n\r\ndata: \xF0\x9F")),
            Err("boom"),
            Ok(bytes::Bytes::from_static(
                b"\x91\x8B\n\nid: 1\ndata: c\n\ndata: lost",
            )),
        ];
        let mut s = sse_events(futures::stream::iter(chunks));
        let got: Vec<_> = futures::executor::block_on(async {
            let mut v = Vec::new();
            while let Some(x) = s.next().await {
                v.push(x);
            }
            v
        });
        assert_eq!(
            got,
            vec![
                Ok(msg("a")),
                Err("boom"),
                Ok(msg("👋")),
                Ok(ev("message", "c", Some("1"), None)),
            ]
        );
        assert!(s.is_terminated());
        assert_eq!(s.last_event_id(), "1");
        // Resume on a "new connection".
        let parser = s.into_parser();
        let more: Vec<Result<&[u8], ()>> = vec![Ok(b"data: d\n\n")];
        let got: Vec<_> = futures::executor::block_on(
            SseStream::with_parser(futures::stream::iter(more), parser).collect::<Vec<_>>(),
        );
        assert_eq!(got, vec![Ok(ev("message", "d", Some("1"), None))]);
    }

    #[test]
    fn stream_adapter_pending_is_propagated() {
        use futures::StreamExt;
        let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Vec<u8>, ()>>();
        let mut s = sse_events(rx);
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(s.poll_next_unpin(&mut cx).is_pending());
        tx.unbounded_send(Ok(b"data: x\n".to_vec())).unwrap();
        assert!(s.poll_next_unpin(&mut cx).is_pending());
        tx.unbounded_send(Ok(b"\n".to_vec())).unwrap();
        assert_eq!(s.poll_next_unpin(&mut cx), Poll::Ready(Some(Ok(msg("x")))));
        drop(tx);
        assert_eq!(s.poll_next_unpin(&mut cx), Poll::Ready(None));
        assert_eq!(s.poll_next_unpin(&mut cx), Poll::Ready(None));
    }
}
