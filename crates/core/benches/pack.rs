//! Tarball packer benchmark: a 100 MB, 1,000-file tree (half compressible
//! source-like text, half random bytes) packed by `flowengine::tarball` into a
//! sink (the default, level 6, and level 5), against `tar czf - -C dir .` (GNU tar
//! piping to gzip -6) on the same tree, its output read and discarded by this
//! process just like ours. About 2.5 minutes on 2 cores.
//!
//! ```text
//! cargo bench -p flowengine --bench pack                  # criterion + peak RSS
//! FLOWENGINE_PACK_LEVELS=1 cargo bench -p flowengine --bench pack
//!                                                         # one timed run per gzip level, then exit
//! ```
//!
//! Peak memory is measured in child processes (this binary re-executed with
//! `FLOWENGINE_PACK_RSS=<mode>`), each reading its own `VmHWM` from
//! `/proc/self/status` after packing, so criterion's own allocations do not
//! count. The same figure is available from the outside with
//! `/usr/bin/time -v` ("Maximum resident set size").

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use flowengine::tarball::{pack_folder, plan_folder, PackOptions};

#[path = "support/tree.rs"]
mod tree;
use tree::{generate_tree, FILES};

fn main() {
    if let Ok(mode) = std::env::var("FLOWENGINE_PACK_RSS") {
        let dir = PathBuf::from(std::env::var("FLOWENGINE_PACK_DIR").expect("FLOWENGINE_PACK_DIR"));
        rss_child(&mode, &dir);
        return;
    }

    let tree = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let total = generate_tree(tree.path());
    eprintln!(
        "generated {FILES} files, {total} bytes in {:.1?} under {}",
        started.elapsed(),
        tree.path().display()
    );
    // Warm the page cache for both contenders.
    let _ = pack_folder(tree.path(), &opts(1), io::sink());

    if std::env::var_os("FLOWENGINE_PACK_LEVELS").is_some() {
        time_levels(tree.path());
        return;
    }

    report_peak_rss(tree.path());

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(40))
        .configure_from_args();
    let mut group = criterion.benchmark_group("pack_100MB_1000_files");
    group.throughput(Throughput::Bytes(total));
    // Seconds per iteration: one iteration per sample.
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function(format!("flowengine_default_level{}", flowengine::tarball::DEFAULT_COMPRESSION_LEVEL), |b| {
        b.iter(|| pack_folder(tree.path(), &PackOptions::default(), io::sink()).expect("pack"))
    });
    group.bench_function("flowengine_level5", |b| {
        b.iter(|| pack_folder(tree.path(), &opts(5), io::sink()).expect("pack"))
    });
    group.bench_function("tar_czf", |b| b.iter(|| tar_czf(tree.path())));
    group.finish();
    criterion.final_summary();
}

fn opts(level: u32) -> PackOptions {
    PackOptions {
        compression_level: level,
        ..PackOptions::default()
    }
}

/// `tar czf - -C dir .`, its output read here and thrown away; returns the
/// archive size. (Reading the pipe rather than redirecting to /dev/null keeps
/// GNU tar from taking any /dev/null shortcut.)
fn tar_czf(dir: &Path) -> u64 {
    let mut child = Command::new("tar")
        .args(["czf", "-", "-C"])
        .arg(dir)
        .arg(".")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn tar");
    let mut out = child.stdout.take().expect("stdout");
    let n = io::copy(&mut out, &mut io::sink()).expect("read tar output");
    assert!(child.wait().expect("wait tar").success(), "tar czf failed");
    n
}

fn time_levels(dir: &Path) {
    let time = |f: &mut dyn FnMut() -> u64| {
        let start = Instant::now();
        let size = f();
        (start.elapsed(), size)
    };
    let (t, size) = time(&mut || tar_czf(dir));
    eprintln!("tar czf      : {:>7.2?}  {size} bytes", t);
    for level in [1, 2, 3, 4, 5, 6, 9] {
        let (t, size) = time(&mut || {
            pack_folder(dir, &opts(level), io::sink())
                .expect("pack")
                .compressed_bytes
                .unwrap()
        });
        eprintln!("flowengine {level} : {:>7.2?}  {size} bytes", t);
    }
}

// ---------------------------------------------------------------- peak RSS

fn report_peak_rss(dir: &Path) {
    let exe = std::env::current_exe().expect("current exe");
    let mut lines = Vec::new();
    for mode in ["plan", "write", "stream"] {
        let out = Command::new(&exe)
            .env("FLOWENGINE_PACK_RSS", mode)
            .env("FLOWENGINE_PACK_DIR", dir)
            .stderr(Stdio::inherit())
            .output()
            .expect("run rss child");
        assert!(out.status.success(), "rss child {mode} failed");
        lines.push(String::from_utf8_lossy(&out.stdout).trim().to_owned());
    }
    eprintln!("peak RSS (VmHWM of a child process that only does this):");
    for line in lines {
        eprintln!("  {line}");
    }
}

fn rss_child(mode: &str, dir: &Path) {
    let opts = PackOptions::default();
    let detail = match mode {
        "plan" => {
            let plan = plan_folder(dir, &opts).expect("plan");
            format!("plan_folder only ({} files)", plan.file_count())
        }
        "write" => {
            let summary = pack_folder(dir, &opts, io::sink()).expect("pack");
            format!(
                "pack_folder -> io::sink ({} bytes out)",
                summary.compressed_bytes.unwrap()
            )
        }
        "stream" => {
            use futures::StreamExt;
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .expect("runtime");
            let plan = plan_folder(dir, &opts).expect("plan");
            let out = rt.block_on(async move {
                let mut stream = plan.into_stream(64 * 1024);
                let mut n = 0u64;
                while let Some(chunk) = stream.next().await {
                    n += chunk.expect("chunk").len() as u64;
                }
                n
            });
            format!("into_stream(64 KiB) drained on a 2-worker runtime ({out} bytes out)")
        }
        other => panic!("unknown mode {other}"),
    };
    println!("{:>10}  {detail}", vm_hwm());
}

fn vm_hwm() -> String {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "VmHWM n/a".into())
}

