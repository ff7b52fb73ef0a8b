//! The archive (or one file) as an async stream of `Bytes`, for an HTTP body.
//!
//! The packer runs on a blocking thread (`tokio::task::spawn_blocking`, or a
//! plain thread when no Tokio runtime is running) and hands chunks to the
//! stream through a bounded channel. At most `CHANNEL_CHUNKS` chunks wait in
//! the channel, one is being filled and one is held by the consumer, so memory
//! stays at a few chunks plus the deflate state whatever the folder size. When
//! the consumer stops reading, the packer blocks; when it drops the stream,
//! the packer stops at its next write.

use std::fmt;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::Stream;
use tokio::sync::mpsc;

use super::error::PackError;
use super::plan::{PackPlan, PlannedFile};
use super::write::{write_archive, Progress, COPY_BUFFER};
use super::DEFAULT_CHUNK_SIZE;

/// Chunks that may wait in the channel between the packer and the consumer.
const CHANNEL_CHUNKS: usize = 4;

enum Msg {
    Data(Bytes),
    Failed(PackError),
    Done,
}

#[derive(Default)]
struct Shared {
    files_done: AtomicUsize,
    source_bytes: AtomicU64,
    output_bytes: AtomicU64,
    finished: AtomicBool,
    error: Mutex<Option<PackError>>,
}

/// A live view of a [`PackStream`]'s progress, cheap to clone and to share
/// with another thread (or across FFI, to be polled).
#[derive(Clone)]
pub struct PackProgress {
    shared: Arc<Shared>,
    files_total: usize,
    source_total: u64,
}

impl PackProgress {
    fn new(files_total: usize, source_total: u64) -> Self {
        PackProgress {
            shared: Arc::new(Shared::default()),
            files_total,
            source_total,
        }
    }

    /// Everything at once.
    pub fn snapshot(&self) -> Progress {
        Progress {
            files_done: self.shared.files_done.load(Ordering::Relaxed),
            files_total: self.files_total,
            source_bytes: self.shared.source_bytes.load(Ordering::Relaxed),
            source_total: self.source_total,
            output_bytes: self.shared.output_bytes.load(Ordering::Relaxed),
        }
    }

    /// Compressed bytes handed to the stream so far (the consumer has taken
    /// all but at most a few chunks of them).
    pub fn output_bytes(&self) -> u64 {
        self.shared.output_bytes.load(Ordering::Relaxed)
    }

    /// File content bytes read so far (out of `total_bytes` of the plan).
    pub fn source_bytes(&self) -> u64 {
        self.shared.source_bytes.load(Ordering::Relaxed)
    }

    /// True once the packer has finished, successfully or not.
    pub fn is_finished(&self) -> bool {
        self.shared.finished.load(Ordering::Acquire)
    }

    /// The packer's error, if it failed: useful when an HTTP client reports a
    /// body error without the original cause.
    pub fn error(&self) -> Option<PackError> {
        lock(&self.shared.error).clone()
    }
}

impl fmt::Debug for PackProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PackProgress")
            .field("progress", &self.snapshot())
            .field("finished", &self.is_finished())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An archive (or a single file) as a `Stream` of `Bytes` chunks, ready for
/// `reqwest::Body::wrap_stream`. A failure is the last item: an `io::Error`
/// wrapping the [`PackError`] (see [`PackError::from_io`]); the stream never
/// ends cleanly after a failure, so a truncated archive cannot look complete.
pub struct PackStream {
    rx: mpsc::Receiver<Msg>,
    progress: PackProgress,
    done: bool,
}

impl PackStream {
    /// A handle on the progress, valid after the stream is consumed or dropped.
    pub fn progress(&self) -> PackProgress {
        self.progress.clone()
    }
}

impl fmt::Debug for PackStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PackStream")
            .field("progress", &self.progress)
            .field("done", &self.done)
            .finish()
    }
}

impl Stream for PackStream {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.rx.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Msg::Data(bytes))) => Poll::Ready(Some(Ok(bytes))),
            Poll::Ready(Some(Msg::Done)) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Msg::Failed(err))) => {
                self.done = true;
                Poll::Ready(Some(Err(io::Error::other(err))))
            }
            Poll::Ready(None) => {
                // The packer went away without saying why: it could not start,
                // or it panicked. Never end as if the archive were complete.
                self.done = true;
                let err = self.progress.error().unwrap_or_else(|| {
                    PackError::write(io::Error::other("the archive packer stopped unexpectedly"))
                });
                Poll::Ready(Some(Err(io::Error::other(err))))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, None)
    }
}

impl PackPlan {
    /// Streams the archive: the same bytes as [`write_tar_gz`](Self::write_tar_gz),
    /// in chunks of `chunk_size` bytes (the last may be shorter; 0 means
    /// [`DEFAULT_CHUNK_SIZE`]). Runs the packer on a blocking thread; memory
    /// stays at about `6 × chunk_size` plus the deflate state. Works with or
    /// without a Tokio runtime running.
    pub fn into_stream(self, chunk_size: usize) -> PackStream {
        self.start_stream(chunk_size, None)
    }

    /// [`into_stream`](Self::into_stream), calling `on_progress` (on the
    /// packer's thread) each time a chunk is handed to the stream, and once at
    /// the end.
    pub fn into_stream_with_progress<F>(self, chunk_size: usize, on_progress: F) -> PackStream
    where
        F: Fn(Progress) + Send + 'static,
    {
        self.start_stream(chunk_size, Some(Box::new(on_progress)))
    }

    fn start_stream(self, chunk_size: usize, on_progress: Option<ProgressFn>) -> PackStream {
        let progress = PackProgress::new(self.files.len(), self.total);
        let shared = progress.shared.clone();
        spawn_producer(chunk_size, progress, on_progress, move |writer| {
            write_archive(&self, writer, &mut |files_done, source_bytes, _| {
                shared.files_done.store(files_done, Ordering::Relaxed);
                shared.source_bytes.store(source_bytes, Ordering::Relaxed);
            })
            .map(drop)
        })
    }
}

impl PlannedFile {
    /// Streams this file's content (exactly [`size`](Self::size) bytes, or an
    /// error if the file changed since planning), e.g. as one part of the
    /// multipart folder upload. Same machinery and memory bound as
    /// [`PackPlan::into_stream`].
    pub fn stream(&self, chunk_size: usize) -> PackStream {
        let file = self.clone();
        let progress = PackProgress::new(1, self.size);
        let shared = progress.shared.clone();
        spawn_producer(chunk_size, progress, None, move |writer| {
            let mut reader = file.open()?;
            let mut buf = vec![0u8; COPY_BUFFER.min(file.size.max(1) as usize)];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) => {
                        return Err(PackError::from_io(&e)
                            .cloned()
                            .unwrap_or_else(|| PackError::io(&file.path, e)))
                    }
                };
                writer.write_all(&buf[..n]).map_err(PackError::write)?;
                shared.source_bytes.fetch_add(n as u64, Ordering::Relaxed);
            }
            writer.flush().map_err(PackError::write)?;
            shared.files_done.store(1, Ordering::Relaxed);
            Ok(())
        })
    }
}

type ProgressFn = Box<dyn Fn(Progress) + Send>;

fn spawn_producer<J>(
    chunk_size: usize,
    progress: PackProgress,
    on_progress: Option<ProgressFn>,
    job: J,
) -> PackStream
where
    J: FnOnce(&mut ChannelWriter) -> Result<(), PackError> + Send + 'static,
{
    let chunk = if chunk_size == 0 {
        DEFAULT_CHUNK_SIZE
    } else {
        chunk_size
    };
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    let shared = progress.shared.clone();
    let mut writer = ChannelWriter {
        tx,
        buf: BytesMut::new(),
        chunk,
        progress: progress.clone(),
        on_progress,
    };
    let work = move || {
        let result = job(&mut writer);
        let msg = match result {
            Ok(()) => {
                if let Some(f) = &writer.on_progress {
                    f(writer.progress.snapshot());
                }
                Msg::Done
            }
            Err(err) => {
                *lock(&writer.progress.shared.error) = Some(err.clone());
                Msg::Failed(err)
            }
        };
        writer.progress.shared.finished.store(true, Ordering::Release);
        // If the consumer is gone there is nobody to tell.
        let _ = writer.tx.blocking_send(msg);
    };
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            // Detached: the stream learns the outcome through the channel.
            drop(handle.spawn_blocking(work));
        }
        Err(_) => {
            if let Err(e) = std::thread::Builder::new()
                .name("flowengine-pack".into())
                .spawn(work)
            {
                *lock(&shared.error) = Some(PackError::write(e));
                shared.finished.store(true, Ordering::Release);
            }
        }
    }
    PackStream {
        rx,
        progress,
        done: false,
    }
}

/// Collects bytes into chunks of `chunk` bytes and sends each full chunk into
/// the bounded channel, blocking while the channel is full. `flush` sends the
/// partial chunk (the archive writer flushes once, at the end).
struct ChannelWriter {
    tx: mpsc::Sender<Msg>,
    buf: BytesMut,
    chunk: usize,
    progress: PackProgress,
    on_progress: Option<ProgressFn>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let data = std::mem::take(&mut self.buf).freeze();
        let len = data.len() as u64;
        self.tx.blocking_send(Msg::Data(data)).map_err(|_| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the consumer of the archive stream went away",
            )
        })?;
        self.progress
            .shared
            .output_bytes
            .fetch_add(len, Ordering::Relaxed);
        if let Some(f) = &self.on_progress {
            f(self.progress.snapshot());
        }
        Ok(())
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve(self.chunk);
        }
        let n = (self.chunk - self.buf.len()).min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == self.chunk {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}
