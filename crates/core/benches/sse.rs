//! SSE parse throughput on a ~100 MB chat stream, fed in 16 KiB chunks:
//! our parser (direct and through the stream adapter) vs `eventsource-stream`.
//!
//! `cargo bench -p flowengine --bench sse`

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use eventsource_stream::Eventsource;
use flowengine::chat_chunk::{decode_chat_text, ChatChunk, ChatData};
use flowengine::sse::{sse_events, SseParser};
use futures::StreamExt;

const TARGET_BYTES: usize = 100 << 20;
const CHUNK: usize = 16 << 10;

/// Realistic OpenAI-style chunk lines, with multi-byte UTF-8 in the deltas
/// and the occasional keep-alive comment.
fn chat_stream(target: usize) -> (Bytes, usize) {
    let words = [
        "Hello",
        " there",
        "!",
        " Here",
        " is",
        " héllo",
        " 👋",
        " 世界",
        " the",
        " answer",
        ":",
        "\\n\\n",
        "```rust",
        "\\nfn",
        " main()",
        " {}",
        " ünïcödé",
        " 🦀",
        ".",
        " Done",
    ];
    let mut s = String::with_capacity(target + 4096);
    s.push_str(": connected\n\n");
    let mut events = 0;
    let mut i = 0usize;
    while s.len() < target {
        let w = words[i % words.len()];
        s.push_str("data: {\"id\":\"chatcmpl-9xQ2mB7kTzL4vW1nR8sYcE3aHfJd\",\"object\":\"chat.completion.chunk\",\"created\":1733000000,\"model\":\"regular\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"");
        s.push_str(w);
        s.push_str("\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        events += 1;
        if i % 500 == 499 {
            s.push_str(": keep-alive\n\n");
        }
        i += 1;
    }
    s.push_str("data: [DONE]\n\n");
    events += 1;
    (Bytes::from(s), events)
}

fn chunks(all: &Bytes) -> Vec<Bytes> {
    (0..all.len())
        .step_by(CHUNK)
        .map(|i| all.slice(i..(i + CHUNK).min(all.len())))
        .collect()
}

fn bench(c: &mut Criterion) {
    let (all, events) = chat_stream(TARGET_BYTES);
    let parts = chunks(&all);
    eprintln!(
        "stream: {:.1} MB, {} events, {} chunks of {} KiB",
        all.len() as f64 / 1e6,
        events,
        parts.len(),
        CHUNK >> 10
    );

    let mut g = c.benchmark_group("sse_chat_100MB");
    g.throughput(Throughput::Bytes(all.len() as u64));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(8));

    g.bench_function("flowengine_parser", |b| {
        let mut out = Vec::with_capacity(64);
        b.iter(|| {
            let mut p = SseParser::new();
            let mut n = 0usize;
            for part in &parts {
                p.feed_into(part, &mut out);
                n += out.len();
                out.clear();
            }
            assert_eq!(n, events);
            n
        })
    });

    g.bench_function("flowengine_stream", |b| {
        b.iter_batched(
            || parts.clone(),
            |parts| {
                let s = sse_events(futures::stream::iter(
                    parts.into_iter().map(Ok::<_, Infallible>),
                ));
                let n = futures::executor::block_on(s.fold(0usize, |n, e| {
                    let _ = e.unwrap();
                    async move { n + 1 }
                }));
                assert_eq!(n, events);
                n
            },
            BatchSize::PerIteration,
        )
    });

    g.bench_function("eventsource_stream", |b| {
        b.iter_batched(
            || parts.clone(),
            |parts| {
                let s =
                    futures::stream::iter(parts.into_iter().map(Ok::<_, Infallible>)).eventsource();
                let n = futures::executor::block_on(s.fold(0usize, |n, e| {
                    let _ = e.unwrap();
                    async move { n + 1 }
                }));
                assert_eq!(n, events);
                n
            },
            BatchSize::PerIteration,
        )
    });

    g.finish();
}

/// Decoding chat chunk payloads (what each SSE event of a reply costs after
/// parsing): the typed path every stream takes, against building a
/// `serde_json::Value` per chunk (what it did before).
fn bench_decode(c: &mut Criterion) {
    const N: usize = 100_000;
    let payloads: Vec<String> = (0..N)
        .map(|i| format!("{{\"id\":\"chatcmpl-9xQ2mB7kTzL4vW1nR8sYcE3aHfJd\",\"object\":\"chat.completion.chunk\",\"created\":1733000000,\"model\":\"regular\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"tok{i} é\"}},\"finish_reason\":null}}]}}"))
        .collect();
    let mut g = c.benchmark_group("chat_decode_100k");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    g.bench_function("decode_chat_text", |b| {
        b.iter_batched(
            || payloads.clone(),
            |payloads| {
                let mut n = 0usize;
                for p in payloads {
                    if let Ok(ChatData::Chunk(c)) = decode_chat_text(p) {
                        n += c.content.len();
                    }
                }
                n
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("value_per_chunk", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for p in &payloads {
                if let Ok(ChatData::Chunk(c)) = serde_json::from_str(p).map_err(|_| ()).and_then(|v| ChatChunk::from_value(v).map(ChatData::Chunk).map_err(|_| ())) {
                    n += c.content.len();
                }
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench, bench_decode);
criterion_main!(benches);
