//! The second pass: write the planned files as a deterministic gzip'd ustar
//! archive into any `io::Write`, with bounded memory (one copy buffer and the
//! deflate state, whatever the folder size).

use std::io::{self, Read, Write};
use std::path::Path;

use flate2::{Compression, GzBuilder};
use serde::Serialize;

use super::error::PackError;
use super::plan::{plan_folder, PackPlan, PlannedFile, Skipped};
use super::{PackOptions, ENTRY_MTIME};

/// Size of the buffer files are read through.
pub(crate) const COPY_BUFFER: usize = 64 * 1024;
const BLOCK: u64 = 512;
const ZEROS: [u8; 1024] = [0; 1024];

/// Where packing stands. `source_*` count file contents (uncompressed), so
/// `source_bytes / source_total` is the fraction done; `output_bytes` counts
/// the compressed bytes produced so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub files_done: usize,
    pub files_total: usize,
    pub source_bytes: u64,
    pub source_total: u64,
    pub output_bytes: u64,
}

/// One file of a [`PackSummary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryFile {
    pub path: String,
    pub size: u64,
    pub executable: bool,
    /// Stored from a symlink (inside the folder) to a regular file.
    pub symlink: bool,
}

/// What was (or, for a dry run, would be) packed. Serialises to JSON for the
/// bindings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackSummary {
    /// The folder, canonicalised.
    pub root: String,
    pub file_count: usize,
    /// Sum of the file sizes, uncompressed.
    pub total_bytes: u64,
    /// Size of the archive, once written (`None` for a dry run).
    pub compressed_bytes: Option<u64>,
    /// Every file, in archive order.
    pub files: Vec<SummaryFile>,
    /// Entries left out without an ignore rule: show them as warnings.
    pub skipped: Vec<Skipped>,
}

impl PackPlan {
    /// The dry-run summary: every file that would be uploaded, with sizes.
    pub fn summary(&self) -> PackSummary {
        PackSummary {
            root: self.root.display().to_string(),
            file_count: self.files.len(),
            total_bytes: self.total,
            compressed_bytes: None,
            files: self
                .files
                .iter()
                .map(|f| SummaryFile {
                    path: f.path.clone(),
                    size: f.size,
                    executable: f.executable,
                    symlink: f.symlink,
                })
                .collect(),
            skipped: self.skipped.clone(),
        }
    }

    /// Writes the archive into `out` and returns its size in bytes. `out` is
    /// written in pieces of up to 32 KiB; wrap it in a `BufWriter` only if
    /// small writes are expensive for it. On error, whatever was written is
    /// not a valid archive and must be discarded.
    pub fn write_tar_gz<W: Write>(&self, out: W) -> Result<u64, PackError> {
        self.write_tar_gz_with_progress(out, |_| {})
    }

    /// [`write_tar_gz`](Self::write_tar_gz), calling `on_progress` after every
    /// piece of file content (at most 64 KiB) and after every file.
    pub fn write_tar_gz_with_progress<W: Write, F: FnMut(Progress)>(
        &self,
        out: W,
        mut on_progress: F,
    ) -> Result<u64, PackError> {
        let files_total = self.files.len();
        let source_total = self.total;
        write_archive(self, out, &mut |files_done, source_bytes, output_bytes| {
            on_progress(Progress {
                files_done,
                files_total,
                source_bytes,
                source_total,
                output_bytes,
            })
        })
    }
}

/// Plans `root` and writes its archive into `out`: [`plan_folder`] then
/// [`PackPlan::write_tar_gz`]. Nothing is written if the plan fails.
pub fn pack_folder<W: Write>(
    root: &Path,
    opts: &PackOptions,
    out: W,
) -> Result<PackSummary, PackError> {
    let plan = plan_folder(root, opts)?;
    let written = plan.write_tar_gz(out)?;
    let mut summary = plan.summary();
    summary.compressed_bytes = Some(written);
    Ok(summary)
}

/// [`pack_folder`] into memory: for small folders and tests. For uploads use
/// [`PackPlan::into_stream`], which never holds the whole archive.
pub fn pack_folder_to_vec(
    root: &Path,
    opts: &PackOptions,
) -> Result<(Vec<u8>, PackSummary), PackError> {
    let mut out = Vec::new();
    let summary = pack_folder(root, opts, &mut out)?;
    Ok((out, summary))
}

/// The archive writer shared by `write_tar_gz` and the stream. `tick` gets
/// (files done, source bytes done, output bytes so far).
pub(crate) fn write_archive<W: Write>(
    plan: &PackPlan,
    out: W,
    tick: &mut dyn FnMut(usize, u64, u64),
) -> Result<u64, PackError> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Guard::new(out), Compression::new(plan.compression_level));
    let mut buf = vec![0u8; COPY_BUFFER];
    match write_entries(&plan.files, &mut encoder, &mut buf, tick) {
        Ok(()) => {
            let mut guard = encoder.finish().map_err(PackError::write)?;
            guard.inner.flush().map_err(PackError::write)?;
            Ok(guard.written)
        }
        Err(err) => {
            // Dropping a GzEncoder writes the gzip trailer; make sure nothing
            // more reaches `out`, so a failed archive never looks complete.
            encoder.get_mut().poisoned = true;
            drop(encoder);
            Err(err)
        }
    }
}

fn write_entries<W: Write>(
    files: &[PlannedFile],
    encoder: &mut flate2::write::GzEncoder<Guard<W>>,
    buf: &mut [u8],
    tick: &mut dyn FnMut(usize, u64, u64),
) -> Result<(), PackError> {
    let mut source_bytes = 0u64;
    for (done, file) in files.iter().enumerate() {
        let header = header_for(file)?;
        encoder
            .write_all(header.as_bytes())
            .map_err(PackError::write)?;
        let mut reader = file.open()?;
        loop {
            let n = match reader.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    return Err(PackError::from_io(&e)
                        .cloned()
                        .unwrap_or_else(|| PackError::io(&file.path, e)))
                }
            };
            encoder.write_all(&buf[..n]).map_err(PackError::write)?;
            source_bytes += n as u64;
            tick(done, source_bytes, encoder.get_ref().written);
        }
        let pad = ((BLOCK - file.size % BLOCK) % BLOCK) as usize;
        encoder
            .write_all(&ZEROS[..pad])
            .map_err(PackError::write)?;
        tick(done + 1, source_bytes, encoder.get_ref().written);
    }
    // End of archive: two zero blocks.
    encoder.write_all(&ZEROS).map_err(PackError::write)
}

/// A ustar header for a regular file with every varying field normalised.
fn header_for(file: &PlannedFile) -> Result<tar::Header, PackError> {
    let mut header = tar::Header::new_ustar();
    header
        .set_path(&file.path)
        .map_err(|e| PackError::io(&file.path, e))?;
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(file.size);
    header.set_mode(file.mode());
    header.set_mtime(ENTRY_MTIME);
    header.set_uid(0);
    header.set_gid(0);
    header
        .set_username("")
        .and_then(|()| header.set_groupname(""))
        .map_err(|e| PackError::io(&file.path, e))?;
    header.set_cksum();
    Ok(header)
}

/// Counts the bytes written to `inner`, and swallows everything once
/// poisoned (after an error).
struct Guard<W> {
    inner: W,
    written: u64,
    poisoned: bool,
}

impl<W> Guard<W> {
    fn new(inner: W) -> Self {
        Guard {
            inner,
            written: 0,
            poisoned: false,
        }
    }
}

impl<W: Write> Write for Guard<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.poisoned {
            return Ok(data.len());
        }
        let n = self.inner.write(data)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.poisoned {
            return Ok(());
        }
        self.inner.flush()
    }
}
