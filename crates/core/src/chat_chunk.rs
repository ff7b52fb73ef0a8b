//! Decoding of the chat endpoint's stream (`POST /api/v1/chat`).
//!
//! Each SSE `data` payload is either `[DONE]` (end of the reply) or an
//! OpenAI-style `chat.completion.chunk` object:
//! `{"id","model","choices":[{"index","delta":{"content","role"},"finish_reason"}],"conversation_id"?}`.
//! Missing fields are tolerated. An error object inside a chunk
//! (`{"error":{"message",..}}` or `{"error":"<code>","message":".."}`) becomes
//! a [`ChunkError::Server`]; data that is not JSON becomes a
//! [`ChunkError::Decode`] carrying a short snippet. Older service versions
//! answered with one JSON body `{success, response, conversation_id,
//! credits_remaining}`: see [`ChatChunk::from_legacy_body`].

use std::borrow::Cow;

use serde::de::{Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::raw_json::RawJson;
use crate::sse::SseEvent;

/// Longest snippet of undecodable data kept in an error, in characters.
pub const SNIPPET_CHARS: usize = 200;

/// One decoded chunk of a chat reply.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatChunk {
    /// The content delta (may be empty, e.g. on the role or final chunk).
    pub content: String,
    pub finish_reason: Option<String>,
    pub conversation_id: Option<String>,
    pub id: Option<String>,
    pub model: Option<String>,
    /// The chunk's JSON as received, for fields not mapped above (decoded
    /// on demand: [`RawJson::value`]).
    pub raw: RawJson,
}

/// What one `data` payload of the chat stream means.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatData {
    Chunk(ChatChunk),
    /// `[DONE]`: the reply is complete.
    Done,
    /// Empty (whitespace-only) data: nothing to report, keep reading.
    KeepAlive,
}

/// A chunk that is an error, or that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// The server reported an error inside the stream (or legacy body).
    #[error("{message}")]
    Server {
        message: String,
        /// `code` (or OpenAI `type`), or the short `error` string of
        /// `{"error": "<code>", "message": ".."}` bodies.
        code: Option<String>,
    },
    /// The payload is not a chunk; `snippet` is its start (at most
    /// [`SNIPPET_CHARS`] characters).
    #[error("could not decode chat chunk ({reason}): {snippet}")]
    Decode { reason: String, snippet: String },
}

impl ChunkError {
    /// The error carried by a JSON object, if it is an error: a non-null
    /// `error` member, or `"success": false`.
    pub fn from_body(v: &Value) -> Option<ChunkError> {
        let obj = v.as_object()?;
        let top_message = non_empty_str(obj.get("message"));
        match obj.get("error") {
            None | Some(Value::Null) => {}
            Some(Value::Object(e)) => {
                let message = non_empty_str(e.get("message"))
                    .or_else(|| non_empty_str(e.get("error")))
                    .or_else(|| non_empty_str(e.get("detail")))
                    .or(top_message)
                    .map(str::to_owned)
                    .unwrap_or_else(|| Value::Object(e.clone()).to_string());
                let code = scalar_string(e.get("code"))
                    .or_else(|| scalar_string(e.get("type")))
                    .or_else(|| scalar_string(obj.get("code")));
                return Some(ChunkError::Server { message, code });
            }
            Some(Value::String(e)) if !e.is_empty() => {
                return Some(match top_message {
                    Some(m) => ChunkError::Server {
                        message: m.to_owned(),
                        code: Some(e.clone()),
                    },
                    None => ChunkError::Server {
                        message: e.clone(),
                        code: scalar_string(obj.get("code")),
                    },
                });
            }
            Some(Value::Bool(false)) => {}
            Some(other) => {
                return Some(ChunkError::Server {
                    message: top_message
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("error: {other}")),
                    code: scalar_string(obj.get("code")),
                });
            }
        }
        if obj.get("success") == Some(&Value::Bool(false)) {
            return Some(ChunkError::Server {
                message: top_message.unwrap_or("request failed").to_owned(),
                code: scalar_string(obj.get("code")),
            });
        }
        None
    }

    fn decode(reason: impl Into<String>, data: &str) -> ChunkError {
        ChunkError::Decode {
            reason: reason.into(),
            snippet: snippet(data, SNIPPET_CHARS),
        }
    }
}

/// Decodes one SSE `data` payload of the chat stream.
pub fn decode_chat_data(data: &str) -> Result<ChatData, ChunkError> {
    decode_chat_text(data.to_owned())
}

/// Whether `text` has a `\uD800`-`\uDFFF` escape (a surrogate, paired or
/// not); a stray `\\u` before such digits only costs the fast path.
fn has_surrogate_escape(text: &str) -> bool {
    // memchr: most chunks have no backslash at all, and a substring search
    // per chunk was a measurable share of decoding them.
    let b = text.as_bytes();
    memchr::memchr_iter(b'\\', b).any(|at| {
        b.get(at + 1) == Some(&b'u')
            && matches!(b.get(at + 2), Some(b'd' | b'D'))
            && matches!(b.get(at + 3), Some(b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F'))
    })
}

/// [`decode_chat_data`] for a payload the caller gives away (it becomes the
/// chunk's `raw` without a copy).
pub fn decode_chat_text(data: String) -> Result<ChatData, ChunkError> {
    let trimmed = data.trim();
    if trimmed == "[DONE]" {
        return Ok(ChatData::Done);
    }
    if trimmed.is_empty() {
        return Ok(ChatData::KeepAlive);
    }
    // (serde derive would also take a JSON array as a struct: objects only.
    // And serde_json does not check surrogate escapes in the strings it
    // skips: text that has any is left to the Value path, which does.)
    let fast = match trimmed.starts_with('{') && !has_surrogate_escape(trimmed) {
        true => serde_json::from_str::<WireChunk<'_>>(trimmed).ok().and_then(WireChunk::into_fields),
        false => None,
    };
    if let Some(fields) = fast {
        return Ok(ChatData::Chunk(fields.with_raw(RawJson::from(data))));
    }
    // Anything the typed fast path does not take (errors, legacy bodies,
    // numbers where text is usual, invalid JSON) is decoded as a Value.
    let v: Value =
        serde_json::from_str(trimmed).map_err(|e| ChunkError::decode(e.to_string(), &data))?;
    if !v.is_object() {
        return Err(ChunkError::decode("expected a JSON object", &data));
    }
    ChatChunk::from_value_with_raw(&v, RawJson::from(data)).map(ChatData::Chunk)
}

/// Decodes one event of the chat stream: like [`decode_chat_data`], except
/// that an `event: error` is always an error (its data may be JSON or text).
pub fn decode_chat_event(event: SseEvent) -> Result<ChatData, ChunkError> {
    if event.event != "error" {
        return decode_chat_text(event.data);
    }
    let v = serde_json::from_str::<Value>(event.data.trim()).ok();
    if let Some(err) = v.as_ref().and_then(ChunkError::from_body) {
        return Err(err);
    }
    let message = match v.as_ref().and_then(|v| non_empty_str(v.get("message"))) {
        Some(m) => m.to_owned(),
        None if event.data.trim().is_empty() => "error event in chat stream".to_owned(),
        None => snippet(event.data.trim(), SNIPPET_CHARS),
    };
    Err(ChunkError::Server {
        message,
        code: None,
    })
}

impl ChatChunk {
    /// A `chat.completion.chunk` object (or an error object).
    pub fn from_value(raw: Value) -> Result<ChatChunk, ChunkError> {
        let text = RawJson::from(&raw);
        ChatChunk::from_value_with_raw(&raw, text)
    }

    fn from_value_with_raw(raw: &Value, text: RawJson) -> Result<ChatChunk, ChunkError> {
        if let Some(err) = ChunkError::from_body(raw) {
            return Err(err);
        }
        let Some(obj) = raw.as_object() else {
            return Err(ChunkError::decode(
                "expected a JSON object",
                &raw.to_string(),
            ));
        };
        // A legacy-shaped body sent as a data frame.
        if !obj.contains_key("choices") && obj.contains_key("response") {
            return ChatChunk::from_legacy_body(raw);
        }
        let choice = first_choice(obj);
        let content = choice
            .and_then(|c| {
                str_at(c, &["delta", "content"])
                    .or_else(|| str_at(c, &["message", "content"]))
                    .or_else(|| c.get("text").and_then(Value::as_str))
            })
            .unwrap_or("")
            .to_owned();
        let finish_reason = choice
            .and_then(|c| non_empty_str(c.get("finish_reason")))
            .map(str::to_owned);
        let conversation_id = conversation_id(obj);
        let id = scalar_string(obj.get("id"));
        let model = scalar_string(obj.get("model"));
        Ok(ChatChunk {
            content,
            finish_reason,
            conversation_id,
            id,
            model,
            raw: text,
        })
    }

    /// The legacy JSON reply `{success, response, conversation_id,
    /// credits_remaining}` as one chunk holding the whole reply. Its
    /// `finish_reason` is `None` unless the body has one; `raw` keeps the
    /// body (e.g. `credits_remaining`).
    pub fn from_legacy_body(body: &Value) -> Result<ChatChunk, ChunkError> {
        if let Some(err) = ChunkError::from_body(body) {
            return Err(err);
        }
        let Some(obj) = body.as_object() else {
            return Err(ChunkError::decode(
                "expected a JSON object",
                &body.to_string(),
            ));
        };
        let content = match obj.get("response") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            Some(other) => other.to_string(),
        };
        Ok(ChatChunk {
            content,
            finish_reason: non_empty_str(obj.get("finish_reason")).map(str::to_owned),
            conversation_id: conversation_id(obj),
            id: scalar_string(obj.get("id")),
            model: scalar_string(obj.get("model")),
            raw: RawJson::from(body),
        })
    }
}

// --- the fast path: a typed, borrowing decode of the usual chunk -------------
//
// serde derive reads only the fields used, borrowing text that has no
// escapes. It declines (None, or a decode error) whatever it cannot map
// exactly as `from_value` would (an error member, `success: false`, a legacy
// body, a number where text is usual, a non-object choice), and those go
// through the Value path, so both paths agree on every input.

#[derive(Deserialize)]
struct WireChunk<'a> {
    #[serde(borrow, default)]
    id: Option<Text<'a>>,
    #[serde(borrow, default)]
    model: Option<Text<'a>>,
    #[serde(borrow, default)]
    conversation_id: Option<Text<'a>>,
    #[serde(borrow, default, rename = "conversationId")]
    conversation_id_camel: Option<Text<'a>>,
    #[serde(borrow, default)]
    choices: Option<Choices<'a>>,
    #[serde(default)]
    error: Option<IgnoredAny>,
    #[serde(default)]
    success: Option<bool>,
    /// Present at all (even `null`): the Value path reads a legacy body.
    #[serde(default, deserialize_with = "present")]
    response: bool,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// A JSON object, and only an object: serde derive would also read an array
/// as a struct (field by field), which the Value path does not.
struct Obj<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        d.deserialize_map(ObjVisitor(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct WireChoice<'a> {
    #[serde(default)]
    index: Option<u64>,
    #[serde(borrow, default)]
    delta: Option<Obj<WireMessage<'a>>>,
    #[serde(borrow, default)]
    message: Option<Obj<WireMessage<'a>>>,
    #[serde(borrow, default)]
    text: Option<Text<'a>>,
    #[serde(borrow, default)]
    finish_reason: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct WireMessage<'a> {
    #[serde(borrow, default)]
    content: Option<Text<'a>>,
}

/// The choice a chunk is read from: the first with `"index": 0`, else the
/// first one, kept while the array is read (no vector per chunk).
struct Choices<'a>(Option<WireChoice<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Choices<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ChoicesVisitor;
        impl<'de> Visitor<'de> for ChoicesVisitor {
            type Value = Choices<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of choices")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Choices<'de>, A::Error> {
                let mut first: Option<WireChoice<'de>> = None;
                let mut zero: Option<WireChoice<'de>> = None;
                while let Some(Obj(choice)) = seq.next_element::<Obj<WireChoice<'de>>>()? {
                    if zero.is_none() && choice.index == Some(0) {
                        zero = Some(choice);
                    } else if first.is_none() {
                        first = Some(choice);
                    }
                }
                Ok(Choices(zero.or(first)))
            }
        }
        d.deserialize_seq(ChoicesVisitor)
    }
}

/// A JSON string, borrowed unless it had escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

/// A non-empty text, owned.
fn non_empty(t: Option<Text<'_>>) -> Option<String> {
    t.filter(|t| !t.0.is_empty()).map(|t| t.0.into_owned())
}

/// A chunk's fields before its raw text is attached.
struct Fields {
    content: String,
    finish_reason: Option<String>,
    conversation_id: Option<String>,
    id: Option<String>,
    model: Option<String>,
}

impl Fields {
    fn with_raw(self, raw: RawJson) -> ChatChunk {
        let Fields { content, finish_reason, conversation_id, id, model } = self;
        ChatChunk { content, finish_reason, conversation_id, id, model, raw }
    }
}

impl WireChunk<'_> {
    /// The chunk's fields, or None when the Value path must decide.
    fn into_fields(self) -> Option<Fields> {
        if self.error.is_some() || self.success == Some(false) || (self.choices.is_none() && self.response) {
            return None;
        }
        let (content, finish_reason) = match self.choices.and_then(|c| c.0) {
            None => (String::new(), None),
            Some(c) => {
                let content = c
                    .delta
                    .and_then(|m| m.0.content)
                    .or_else(|| c.message.and_then(|m| m.0.content))
                    .or(c.text)
                    .map(|t| t.0.into_owned())
                    .unwrap_or_default();
                (content, non_empty(c.finish_reason))
            }
        };
        Some(Fields {
            content,
            finish_reason,
            conversation_id: non_empty(self.conversation_id).or_else(|| non_empty(self.conversation_id_camel)),
            id: non_empty(self.id),
            model: non_empty(self.model),
        })
    }
}

/// The choice with `"index": 0`, else the first one.
fn first_choice(obj: &Map<String, Value>) -> Option<&Map<String, Value>> {
    let choices = obj.get("choices")?.as_array()?;
    choices
        .iter()
        .filter_map(Value::as_object)
        .find(|c| c.get("index").and_then(Value::as_u64) == Some(0))
        .or_else(|| choices.iter().find_map(Value::as_object))
}

fn conversation_id(obj: &Map<String, Value>) -> Option<String> {
    scalar_string(obj.get("conversation_id")).or_else(|| scalar_string(obj.get("conversationId")))
}

fn str_at<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let (last, init) = path.split_last()?;
    let mut cur = obj;
    for k in init {
        cur = cur.get(*k)?.as_object()?;
    }
    cur.get(*last)?.as_str()
}

fn non_empty_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A non-empty string, or a number rendered as text.
fn scalar_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// At most `max` characters of `s` (cut on a char boundary), with `…` when cut.
pub(crate) fn snippet(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((cut, _)) => {
            let mut out = String::with_capacity(cut + 3);
            out.push_str(&s[..cut]);
            out.push('…');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sse::SseParser;
    use serde_json::json;

    fn chunk(data: &str) -> ChatChunk {
        match decode_chat_data(data) {
            Ok(ChatData::Chunk(c)) => c,
            other => panic!("not a chunk: {other:?}"),
        }
    }

    #[test]
    fn done_marker() {
        assert_eq!(decode_chat_data("[DONE]"), Ok(ChatData::Done));
        assert_eq!(decode_chat_data(" [DONE] "), Ok(ChatData::Done));
        assert!(decode_chat_data("[DONE]x").is_err());
    }

    #[test]
    fn empty_data_is_keepalive() {
        assert_eq!(decode_chat_data(""), Ok(ChatData::KeepAlive));
        assert_eq!(decode_chat_data(" \n"), Ok(ChatData::KeepAlive));
    }

    #[test]
    fn openai_chunk_fields() {
        let data = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"regular","conversation_id":"conv_9","choices":[{"index":0,"delta":{"role":"assistant","content":"héllo 👋"},"finish_reason":null}]}"#;
        let c = chunk(data);
        assert_eq!(c.content, "héllo 👋");
        assert_eq!(c.finish_reason, None);
        assert_eq!(c.conversation_id.as_deref(), Some("conv_9"));
        assert_eq!(c.id.as_deref(), Some("chatcmpl-1"));
        assert_eq!(c.model.as_deref(), Some("regular"));
        assert_eq!(c.raw.value()["choices"][0]["delta"]["role"], "assistant");
    }

    /// The typed fast path and the Value path agree on every input,
    /// including the ones the fast path declines.
    #[test]
    fn fast_path_agrees_with_the_value_path() {
        let cases = [
            r#"{"id":"a","model":"m","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}"#,
            r#"{"id":"a\u00e9","choices":[{"delta":{"content":"line\nnext \"q\" \ud83d\udc4b"}}]}"#,
            r#"{"id":7,"model":1.5,"conversation_id":12,"choices":[{"delta":{"content":"n"}}]}"#,
            r#"{"id":"","model":"","conversation_id":"","conversationId":"camel","choices":[]}"#,
            r#"{"conversation_id":null,"conversationId":"c2","choices":null}"#,
            r#"{"choices":[{"index":2,"delta":{"content":"two"}},{"index":0,"delta":{"content":"zero"}}]}"#,
            r#"{"choices":[{"index":3,"delta":{"content":"three"}},{"index":4,"delta":{"content":"four"}}]}"#,
            r#"{"choices":[{"index":-1,"delta":{"content":"neg"}},{"index":0.0,"delta":{"content":"f"}}]}"#,
            r#"{"choices":[{"delta":{"content":""},"message":{"content":"m"}}]}"#,
            r#"{"choices":[{"delta":{"content":null},"message":{"content":"m"},"text":"t"}]}"#,
            r#"{"choices":[{"delta":null,"message":null,"text":"t"}]}"#,
            r#"{"choices":[{"delta":{"content":5},"text":"t"}]}"#,
            r#"{"choices":[{"delta":"text","text":"t"}]}"#,
            r#"{"choices":[1,{"index":0,"delta":{"content":"after a number"}}]}"#,
            r#"{"choices":[{"finish_reason":""}]}"#,
            r#"{"choices":[{"finish_reason":"length","delta":{}}]}"#,
            r#"{"choices":{"index":0}}"#,
            r#"{"id":"a","id":"b","choices":[]}"#,
            r#"{"error":false,"choices":[{"delta":{"content":"ok"}}]}"#,
            r#"{"success":true,"choices":[{"delta":{"content":"ok"}}]}"#,
            r#"{"success":"no","choices":[]}"#,
            r#"{"response":"legacy","choices":[{"delta":{"content":"c"}}]}"#,
            r#"{"response":"legacy","conversation_id":"c"}"#,
            r#"{"success":false,"message":"m"}"#,
            r#"{"error":{"message":"e"}}"#,
            r#"{}"#,
            r#"[]"#,
            r#"[null]"#,
            r#"{"choices":[]} trailing"#,
            r#"{"choices":[{"delta":["hi"]}]}"#,
            r#"{"choices":[[null,{"content":"x"}]]}"#,
            r#"{"choices":[[],{"delta":{"content":"b"}}]}"#,
            r#"{"choices":[[0],{"index":0,"delta":{"content":"b"}}]}"#,
            r#"{"choices":[{"message":["m"],"text":"t"}]}"#,
            r#"{"response":null,"finish_reason":"stop"}"#,
            r#"{"object":"\ud800","choices":[{"delta":{"content":"a"}}]}"#,
            r#"{"choices":[{"delta":{"content":"pair \ud83d\udc4b"}}]}"#,
        ];
        for data in cases {
            let fast = decode_chat_data(data);
            let slow = match serde_json::from_str::<Value>(data) {
                Ok(v) if v.is_object() => ChatChunk::from_value(v).map(ChatData::Chunk),
                _ => Err(ChunkError::decode("", data)),
            };
            match (fast, slow) {
                (Ok(ChatData::Chunk(f)), Ok(ChatData::Chunk(s))) => {
                    assert_eq!(f.raw.value(), s.raw.value(), "{data}");
                    assert_eq!(ChatChunk { raw: RawJson::default(), ..f }, ChatChunk { raw: RawJson::default(), ..s }, "{data}");
                }
                (Err(ChunkError::Decode { .. }), Err(ChunkError::Decode { .. })) => {}
                (f, s) => assert_eq!(f, s, "{data}"),
            }
        }
    }

    #[test]
    fn final_chunk_has_finish_reason_and_empty_content() {
        let c = chunk(r#"{"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#);
        assert_eq!(c.content, "");
        assert_eq!(c.finish_reason.as_deref(), Some("stop"));
        assert_eq!(c.conversation_id, None);
    }

    #[test]
    fn missing_fields_are_tolerated() {
        let c = chunk("{}");
        assert_eq!(
            c,
            ChatChunk {
                raw: RawJson::from("{}".to_owned()),
                ..Default::default()
            }
        );
        let c = chunk(r#"{"choices":[]}"#);
        assert_eq!(c.content, "");
        let c = chunk(r#"{"choices":[{"delta":{"content":null}}]}"#);
        assert_eq!(c.content, "");
        let c = chunk(
            r#"{"choices":[{"index":1,"delta":{"content":"b"}},{"index":0,"delta":{"content":"a"}}]}"#,
        );
        assert_eq!(c.content, "a", "choice index 0 is preferred");
        let c = chunk(r#"{"choices":[{"delta":{"content":"z"}}], "conversationId": 42}"#);
        assert_eq!(c.content, "z");
        assert_eq!(c.conversation_id.as_deref(), Some("42"));
    }

    #[test]
    fn error_object_in_chunk() {
        assert_eq!(
            decode_chat_data(
                r#"{"error":{"message":"out of credits","code":"insufficient_credits","type":"billing"}}"#
            ),
            Err(ChunkError::Server {
                message: "out of credits".into(),
                code: Some("insufficient_credits".into())
            })
        );
        assert_eq!(
            decode_chat_data(
                r#"{"error":{"message":"slow down","type":"rate_limit","code":null}}"#
            ),
            Err(ChunkError::Server {
                message: "slow down".into(),
                code: Some("rate_limit".into())
            })
        );
        assert_eq!(
            decode_chat_data(
                r#"{"success":false,"error":"Payment Required","message":"Not enough credits"}"#
            ),
            Err(ChunkError::Server {
                message: "Not enough credits".into(),
                code: Some("Payment Required".into())
            })
        );
        assert_eq!(
            decode_chat_data(r#"{"error":"Too many requests"}"#),
            Err(ChunkError::Server {
                message: "Too many requests".into(),
                code: None
            })
        );
        assert_eq!(
            decode_chat_data(r#"{"error":{"code":500}}"#),
            Err(ChunkError::Server {
                message: r#"{"code":500}"#.into(),
                code: Some("500".into())
            })
        );
        assert_eq!(
            decode_chat_data(r#"{"success":false}"#),
            Err(ChunkError::Server {
                message: "request failed".into(),
                code: None
            })
        );
        // A null error is no error.
        assert_eq!(
            chunk(r#"{"error":null,"choices":[{"delta":{"content":"k"}}]}"#).content,
            "k"
        );
        let e = decode_chat_data(r#"{"error":{"message":"boom"}}"#).unwrap_err();
        assert_eq!(e.to_string(), "boom");
    }

    #[test]
    fn non_json_is_a_decode_error_with_snippet() {
        let e = decode_chat_data("<html>502 Bad Gateway</html>").unwrap_err();
        match &e {
            ChunkError::Decode { snippet, .. } => {
                assert_eq!(snippet, "<html>502 Bad Gateway</html>")
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("502 Bad Gateway"));
        assert!(matches!(
            decode_chat_data("[1,2]"),
            Err(ChunkError::Decode { .. })
        ));
        assert!(matches!(
            decode_chat_data("\"text\""),
            Err(ChunkError::Decode { .. })
        ));
        assert!(matches!(
            decode_chat_data(r#"{"choices":"#),
            Err(ChunkError::Decode { .. })
        ));
    }

    #[test]
    fn snippet_is_bounded_and_char_safe() {
        let long = "é".repeat(150) + &"👋".repeat(150);
        let e = decode_chat_data(&long).unwrap_err();
        let ChunkError::Decode { snippet, .. } = e else {
            panic!()
        };
        assert_eq!(snippet.chars().count(), SNIPPET_CHARS + 1);
        assert!(snippet.ends_with("👋…"));
        assert!(snippet.starts_with("éé"));
        assert_eq!(super::snippet("abc", 3), "abc");
        assert_eq!(super::snippet("abcd", 3), "abc…");
        assert_eq!(super::snippet("", 3), "");
    }

    #[test]
    fn legacy_body() {
        let body = json!({"success": true, "response": "Bonjour 世界", "conversation_id": "c-7", "credits_remaining": 41});
        let c = ChatChunk::from_legacy_body(&body).unwrap();
        assert_eq!(c.content, "Bonjour 世界");
        assert_eq!(c.conversation_id.as_deref(), Some("c-7"));
        assert_eq!(c.finish_reason, None);
        assert_eq!(c.raw.value()["credits_remaining"], 41);
        // Missing fields.
        let c = ChatChunk::from_legacy_body(&json!({"success": true})).unwrap();
        assert_eq!(c.content, "");
        // Failure shape.
        assert_eq!(
            ChatChunk::from_legacy_body(
                &json!({"success": false, "error": "insufficient_credits", "message": "Out of credits"})
            ),
            Err(ChunkError::Server {
                message: "Out of credits".into(),
                code: Some("insufficient_credits".into())
            })
        );
        assert!(matches!(
            ChatChunk::from_legacy_body(&json!("hi")),
            Err(ChunkError::Decode { .. })
        ));
        // The same shape arriving as a data frame.
        let c = chunk(r#"{"success":true,"response":"hi","conversation_id":"c"}"#);
        assert_eq!(
            (c.content.as_str(), c.conversation_id.as_deref()),
            ("hi", Some("c"))
        );
    }

    #[test]
    fn error_event_type() {
        let ev = |data: &str| SseEvent {
            event: "error".into(),
            data: data.into(),
            id: None,
            retry: None,
        };
        assert_eq!(
            decode_chat_event(ev(r#"{"message":"model overloaded"}"#)),
            Err(ChunkError::Server {
                message: "model overloaded".into(),
                code: None
            })
        );
        assert_eq!(
            decode_chat_event(ev(r#"{"error":{"message":"x","code":"y"}}"#)),
            Err(ChunkError::Server {
                message: "x".into(),
                code: Some("y".into())
            })
        );
        assert_eq!(
            decode_chat_event(ev("plain text failure")),
            Err(ChunkError::Server {
                message: "plain text failure".into(),
                code: None
            })
        );
        let mut ok = ev("[DONE]");
        ok.event = "message".into();
        assert_eq!(decode_chat_event(ok), Ok(ChatData::Done));
    }

    #[test]
    fn whole_chat_stream_byte_by_byte() {
        let mut body = String::from(": connected\n\n");
        let words = ["hé", "llo", " 👋", " 世", "界"];
        for (i, w) in words.iter().enumerate() {
            let role = if i == 0 { r#""role":"assistant","# } else { "" };
            body.push_str(&format!(
                "data: {{\"id\":\"c1\",\"model\":\"regular\",\"choices\":[{{\"index\":0,\"delta\":{{{role}\"content\":\"{w}\"}},\"finish_reason\":null}}]}}\r\n\r\n"
            ));
        }
        body.push_str("data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"conversation_id\":\"conv-1\"}\r\n\r\n");
        body.push_str("data: [DONE]\r\n\r\n");
        let run = |feed: &mut dyn FnMut(&mut SseParser, &mut Vec<SseEvent>)| {
            let mut p = SseParser::new();
            let mut events = Vec::new();
            feed(&mut p, &mut events);
            let mut text = String::new();
            let mut finish = None;
            let mut conv = None;
            let mut done = false;
            for e in &events {
                match decode_chat_event(e.clone()).unwrap() {
                    ChatData::Chunk(c) => {
                        assert!(!done, "chunk after [DONE]");
                        text.push_str(&c.content);
                        finish = c.finish_reason.or(finish);
                        conv = c.conversation_id.or(conv);
                    }
                    ChatData::Done => done = true,
                    ChatData::KeepAlive => {}
                }
            }
            (text, finish, conv, done)
        };
        let bytes = body.as_bytes();
        let whole = run(&mut |p, out| p.feed_into(bytes, out));
        let bytewise = run(&mut |p, out| {
            for b in bytes {
                p.feed_into(std::slice::from_ref(b), out)
            }
        });
        assert_eq!(
            whole,
            (
                "héllo 👋 世界".to_owned(),
                Some("stop".to_owned()),
                Some("conv-1".to_owned()),
                true
            )
        );
        assert_eq!(bytewise, whole);
    }
}
