use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime};

use flate2::read::GzDecoder;
use futures::StreamExt;

use super::*;

// ---------------------------------------------------------------- helpers

fn put(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, content).unwrap();
}

fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, content) in files {
        put(dir.path(), rel, content);
    }
    dir
}

fn paths(plan: &PackPlan) -> Vec<&str> {
    plan.files().iter().map(|f| f.path()).collect()
}

fn plan(root: &Path) -> PackPlan {
    plan_folder(root, &PackOptions::default()).unwrap()
}

fn plan_err(root: &Path, opts: &PackOptions) -> PackError {
    plan_folder(root, opts).expect_err("planning should fail")
}

fn pack(root: &Path) -> Vec<u8> {
    pack_folder_to_vec(root, &PackOptions::default()).unwrap().0
}

#[derive(Debug, PartialEq)]
struct Entry {
    path: String,
    content: Vec<u8>,
    mode: u32,
    mtime: u64,
    uid: u64,
    gid: u64,
    username: Vec<u8>,
    groupname: Vec<u8>,
    kind: tar::EntryType,
    ustar: bool,
}

fn read_archive(bytes: &[u8]) -> Vec<Entry> {
    let mut archive = tar::Archive::new(GzDecoder::new(bytes));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            Entry {
                path: entry.path().unwrap().to_str().unwrap().to_owned(),
                content,
                mode: header.mode().unwrap(),
                mtime: header.mtime().unwrap(),
                uid: header.uid().unwrap(),
                gid: header.gid().unwrap(),
                username: header.username_bytes().unwrap_or_default().to_vec(),
                groupname: header.groupname_bytes().unwrap_or_default().to_vec(),
                kind: header.entry_type(),
                ustar: header.as_ustar().is_some(),
            }
        })
        .collect()
}

fn small_limits() -> PackOptions {
    PackOptions {
        max_file_bytes: 1000,
        max_total_bytes: 2500,
        ..PackOptions::default()
    }
}

/// Deterministic incompressible bytes.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn collect_stream(stream: PackStream) -> (Vec<Bytes>, Option<std::io::Error>) {
    futures::executor::block_on(async move {
        let mut stream = stream;
        let mut chunks = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(bytes) => chunks.push(bytes),
                Err(e) => {
                    assert!(stream.next().await.is_none(), "an error is the last item");
                    return (chunks, Some(e));
                }
            }
        }
        (chunks, None)
    })
}

use bytes::Bytes;

// ---------------------------------------------------------------- archive format

#[test]
fn archive_round_trips_with_normalised_headers() {
    let dir = folder(&[
        ("package.json", "{\"main\":\"index.js\"}"),
        ("index.js", "export default async req => new Response('hi')"),
        ("lib/util/deep.js", "module.exports = 42;\n"),
        ("empty.txt", ""),
    ]);
    put(dir.path(), "assets/blob.bin", noise(5000, 7));
    let (bytes, summary) = pack_folder_to_vec(dir.path(), &PackOptions::default()).unwrap();
    let entries = read_archive(&bytes);
    let names: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        names,
        ["assets/blob.bin", "empty.txt", "index.js", "lib/util/deep.js", "package.json"]
    );
    for entry in &entries {
        assert_eq!(entry.content, fs::read(dir.path().join(&entry.path)).unwrap());
        assert_eq!(entry.kind, tar::EntryType::Regular, "only regular files");
        assert_eq!(entry.mode, 0o644);
        assert_eq!(entry.mtime, ENTRY_MTIME);
        assert_eq!((entry.uid, entry.gid), (0, 0));
        assert!(entry.username.is_empty() && entry.groupname.is_empty());
        assert!(entry.ustar, "ustar headers");
    }
    assert_eq!(summary.file_count, 5);
    assert_eq!(summary.total_bytes, entries.iter().map(|e| e.content.len() as u64).sum::<u64>());
    assert_eq!(summary.compressed_bytes, Some(bytes.len() as u64));
    assert_eq!(summary.files[0].path, "assets/blob.bin");
    assert_eq!(summary.files[0].size, 5000);
}

#[test]
fn entries_are_sorted_by_path_bytes() {
    let dir = folder(&[
        ("a.txt", "1"),
        ("a/b", "2"),
        ("B", "3"),
        ("_x", "4"),
        ("a-b/c", "5"),
        ("é.txt", "6"),
        ("z", "7"),
    ]);
    let plan = plan(dir.path());
    assert_eq!(paths(&plan), ["B", "_x", "a-b/c", "a.txt", "a/b", "z", "é.txt"]);
    let entries = read_archive(&plan.write_tar_gz_vec());
    let names: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(names, paths(&plan));
}

impl PackPlan {
    fn write_tar_gz_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let n = self.write_tar_gz(&mut out).unwrap();
        assert_eq!(n, out.len() as u64);
        out
    }
}

#[test]
fn gzip_header_has_no_mtime_name_or_os() {
    let dir = folder(&[("a", "x")]);
    let bytes = pack(dir.path());
    assert_eq!(&bytes[..3], &[0x1f, 0x8b, 8], "gzip, deflate");
    assert_eq!(bytes[3], 0, "no FNAME/FCOMMENT/FEXTRA flags");
    assert_eq!(&bytes[4..8], &[0, 0, 0, 0], "mtime 0");
    assert_eq!(bytes[9], 255, "OS unknown");
}

#[cfg(unix)]
#[test]
fn executables_get_0755_and_other_modes_are_normalised() {
    use std::os::unix::fs::PermissionsExt;
    let dir = folder(&[("run.sh", "#!/bin/sh\n"), ("private", "p"), ("group", "g")]);
    fs::set_permissions(dir.path().join("run.sh"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(dir.path().join("private"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(dir.path().join("group"), fs::Permissions::from_mode(0o664)).unwrap();
    let plan = plan(dir.path());
    assert!(plan.files().iter().any(|f| f.path() == "run.sh" && f.executable()));
    let modes: Vec<(String, u32)> = read_archive(&plan.write_tar_gz_vec())
        .into_iter()
        .map(|e| (e.path, e.mode))
        .collect();
    assert_eq!(
        modes,
        [("group".into(), 0o644), ("private".into(), 0o644), ("run.sh".into(), 0o755)]
    );
}

#[test]
fn path_of_exactly_100_bytes_fills_the_name_field_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("{}/{}", "d".repeat(49), "f".repeat(50));
    assert_eq!(name.len(), 100);
    put(dir.path(), &name, "hello");
    let entries = read_archive(&pack(dir.path()));
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].path, name);
    assert_eq!(entries[0].content, b"hello");
}

#[test]
fn compression_level_is_an_option() {
    let dir = folder(&[("a.txt", &"lorem ipsum dolor ".repeat(500))]);
    let fast = pack_folder_to_vec(
        dir.path(),
        &PackOptions {
            compression_level: 1,
            ..PackOptions::default()
        },
    )
    .unwrap()
    .0;
    let best = pack_folder_to_vec(
        dir.path(),
        &PackOptions {
            compression_level: 9,
            ..PackOptions::default()
        },
    )
    .unwrap()
    .0;
    assert_eq!(read_archive(&fast), read_archive(&best));
}

// ---------------------------------------------------------------- determinism

#[test]
fn packing_twice_gives_identical_bytes() {
    let dir = folder(&[("a", "1"), ("b/c", "2"), ("b/d/e.txt", "3")]);
    put(dir.path(), "noise.bin", noise(70_000, 3));
    assert_eq!(pack(dir.path()), pack(dir.path()));
}

#[test]
fn mtimes_and_permission_bits_do_not_change_the_bytes() {
    let dir = folder(&[("a.txt", "one"), ("sub/b.txt", "two")]);
    let before = pack(dir.path());
    for rel in ["a.txt", "sub/b.txt"] {
        let file = fs::File::options()
            .write(true)
            .open(dir.path().join(rel))
            .unwrap();
        file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_234_567_890))
            .unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.path().join("a.txt"), fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert_eq!(before, pack(dir.path()));

    // The same content in another folder, created in another order.
    let other = tempfile::tempdir().unwrap();
    put(other.path(), "sub/b.txt", "two");
    put(other.path(), "a.txt", "one");
    assert_eq!(before, pack(other.path()));
}

// ---------------------------------------------------------------- ignore rules

#[test]
fn gitignore_is_honoured_outside_a_git_repository() {
    let dir = folder(&[
        (".gitignore", "*.log\nbuild/\n/secret.txt\nnode_modules\n"),
        ("app.js", "x"),
        ("debug.log", "x"),
        ("sub/trace.log", "x"),
        ("build/out.js", "x"),
        ("secret.txt", "x"),
        ("sub/secret.txt", "kept: the pattern is anchored"),
        ("node_modules/left-pad/index.js", "x"),
    ]);
    assert_eq!(
        paths(&plan(dir.path())),
        [".gitignore", "app.js", "sub/secret.txt"]
    );
}

#[test]
fn nested_gitignore_applies_to_its_subtree_only() {
    let dir = folder(&[
        ("a/.gitignore", "*.tmp\n"),
        ("a/x.tmp", "x"),
        ("a/deeper/y.tmp", "y"),
        ("b/z.tmp", "kept"),
    ]);
    assert_eq!(paths(&plan(dir.path())), ["a/.gitignore", "b/z.tmp"]);
}

#[test]
fn gitignore_negation_reincludes() {
    let dir = folder(&[
        (".gitignore", "*.log\n!keep.log\n"),
        ("a.log", "x"),
        ("keep.log", "x"),
        ("sub/.gitignore", "!b.log\n"),
        ("sub/b.log", "x"),
        ("sub/c.log", "x"),
    ]);
    assert_eq!(
        paths(&plan(dir.path())),
        [".gitignore", "keep.log", "sub/.gitignore", "sub/b.log"]
    );
}

#[test]
fn feignore_is_honoured_and_wins_over_gitignore() {
    let dir = folder(&[
        (".gitignore", "dist/\n"),
        (".feignore", "tests/\n*.md\n!dist/\n"),
        ("README.md", "x"),
        ("tests/t.js", "x"),
        ("dist/bundle.js", "deployed although git ignores it"),
        ("src/.feignore", "fixtures\n"),
        ("src/main.js", "x"),
        ("src/fixtures/big.json", "x"),
    ]);
    assert_eq!(
        paths(&plan(dir.path())),
        [".feignore", ".gitignore", "dist/bundle.js", "src/.feignore", "src/main.js"]
    );
}

#[test]
fn ignore_files_above_the_folder_are_not_read() {
    let outer = folder(&[(".gitignore", "*.txt\n"), (".feignore", "*.js\n")]);
    put(outer.path(), "fn/a.txt", "x");
    put(outer.path(), "fn/b.js", "x");
    assert_eq!(paths(&plan(&outer.path().join("fn"))), ["a.txt", "b.js"]);
}

#[test]
fn dot_git_is_always_skipped_and_hidden_files_are_kept() {
    let dir = folder(&[
        (".git/config", "[core]"),
        (".git/objects/ab/cdef", "x"),
        ("vendor/lib/.git", "gitdir: ../../.git/modules/lib"),
        ("vendor/lib/code.js", "x"),
        (".env.example", "A=1"),
        (".config/settings.json", "{}"),
        (".feignore", "!.git\n"),
    ]);
    assert_eq!(
        paths(&plan(dir.path())),
        [".config/settings.json", ".env.example", ".feignore", "vendor/lib/code.js"]
    );
}

#[test]
fn gitignore_is_honoured_inside_a_git_repository() {
    let dir = folder(&[
        (".git/HEAD", "ref: refs/heads/main"),
        (".gitignore", ".env\n"),
        (".env", "SECRET=1"),
        ("main.py", "print(1)"),
    ]);
    assert_eq!(paths(&plan(dir.path())), [".gitignore", "main.py"]);
}

#[test]
fn extra_ignores_apply_on_top_of_ignore_files() {
    let dir = folder(&[
        (".feignore", "!*.bak\n"),
        ("a.bak", "x"),
        ("coverage/lcov.info", "x"),
        ("src/coverage.js", "kept"),
        ("main.js", "x"),
    ]);
    let opts = PackOptions {
        extra_ignores: vec!["*.bak".into(), "coverage/".into()],
        ..PackOptions::default()
    };
    let plan = plan_folder(dir.path(), &opts).unwrap();
    assert_eq!(paths(&plan), [".feignore", "main.js", "src/coverage.js"]);

    let bad = PackOptions {
        extra_ignores: vec!["{unclosed".into()],
        ..PackOptions::default()
    };
    let err = plan_err(dir.path(), &bad);
    assert!(matches!(&err, PackError::InvalidIgnorePattern { pattern, .. } if pattern == "{unclosed"), "{err:?}");
}

#[test]
fn empty_folder_or_everything_ignored_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("only/empty/dirs")).unwrap();
    let err = plan_err(dir.path(), &PackOptions::default());
    assert!(matches!(err, PackError::Empty { .. }), "{err:?}");

    let ignored = folder(&[(".feignore", "*\n"), ("a.js", "x")]);
    let err = plan_err(ignored.path(), &PackOptions::default());
    assert!(matches!(err, PackError::Empty { .. }), "{err:?}");
    assert!(err.to_string().contains("everything in it is ignored"));
}

// ---------------------------------------------------------------- the folder itself

#[test]
fn a_file_or_a_missing_path_is_not_a_folder() {
    let dir = folder(&[("file.txt", "x")]);
    let err = plan_err(&dir.path().join("file.txt"), &PackOptions::default());
    assert!(matches!(err, PackError::NotADirectory { .. }), "{err:?}");
    assert!(err.to_string().contains("file.txt is not a directory"));

    let err = plan_err(&dir.path().join("missing"), &PackOptions::default());
    match &err {
        PackError::Io { path, source } => {
            assert!(path.ends_with("missing"));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- symlinks

#[cfg(unix)]
mod symlinks {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlink_to_a_file_inside_is_stored_as_that_file() {
        let dir = folder(&[("real/config.json", "{\"a\":1}")]);
        symlink("real/config.json", dir.path().join("config.json")).unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        symlink("../real/config.json", dir.path().join("sub/link.json")).unwrap();
        // A chain of links, the last one absolute.
        symlink(dir.path().join("config.json"), dir.path().join("chain")).unwrap();
        let plan = plan(dir.path());
        assert_eq!(
            paths(&plan),
            ["chain", "config.json", "real/config.json", "sub/link.json"]
        );
        assert!(plan.files()[1].is_symlink());
        assert!(!plan.files()[2].is_symlink());
        assert_eq!(plan.total_bytes(), 4 * 7);
        for entry in read_archive(&plan.write_tar_gz_vec()) {
            assert_eq!(entry.kind, tar::EntryType::Regular);
            assert_eq!(entry.content, b"{\"a\":1}");
        }
    }

    #[test]
    fn symlink_out_of_the_folder_is_an_error_naming_the_link() {
        let outside = folder(&[("passwd", "root:x:0:0")]);
        let dir = folder(&[("index.js", "x")]);
        fs::create_dir(dir.path().join("lib")).unwrap();
        symlink(outside.path().join("passwd"), dir.path().join("lib/creds")).unwrap();
        let err = plan_err(dir.path(), &PackOptions::default());
        match &err {
            PackError::SymlinkEscapes { path, target } => {
                assert_eq!(path, "lib/creds");
                assert!(target.ends_with("passwd"));
            }
            other => panic!("{other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("lib/creds") && msg.contains("outside the folder"), "{msg}");
        assert_eq!(err.path(), Some("lib/creds"));
    }

    #[test]
    fn relative_symlink_climbing_out_is_an_error() {
        let outer = folder(&[("secret", "s"), ("fn/index.js", "x")]);
        symlink("../secret", outer.path().join("fn/up")).unwrap();
        symlink("..", outer.path().join("fn/parent")).unwrap();
        let err = plan_err(&outer.path().join("fn"), &PackOptions::default());
        // Both escape; "parent" comes first in path order.
        assert!(
            matches!(&err, PackError::SymlinkEscapes { path, target } if path == "parent" && target == ".."),
            "{err:?}"
        );
    }

    #[test]
    fn dangling_symlink_is_an_error() {
        let dir = folder(&[("index.js", "x")]);
        symlink("does-not-exist", dir.path().join("current")).unwrap();
        let err = plan_err(dir.path(), &PackOptions::default());
        assert!(
            matches!(&err, PackError::BrokenSymlink { path, target } if path == "current" && target == "does-not-exist"),
            "{err:?}"
        );
    }

    #[test]
    fn symlink_loop_is_an_error_naming_the_link() {
        let dir = folder(&[("index.js", "x")]);
        symlink("b", dir.path().join("a")).unwrap();
        symlink("a", dir.path().join("b")).unwrap();
        let err = plan_err(dir.path(), &PackOptions::default());
        assert_eq!(err.path(), Some("a"), "{err:?}");
    }

    #[test]
    fn ignored_symlinks_are_not_checked() {
        let outside = folder(&[("x", "x")]);
        let dir = folder(&[(".feignore", "escape\nnode_modules/\n"), ("index.js", "x")]);
        symlink(outside.path().join("x"), dir.path().join("escape")).unwrap();
        fs::create_dir(dir.path().join("node_modules")).unwrap();
        symlink("/nonexistent", dir.path().join("node_modules/dangling")).unwrap();
        assert_eq!(paths(&plan(dir.path())), [".feignore", "index.js"]);
    }

    #[test]
    fn symlink_to_a_directory_inside_is_skipped_and_reported() {
        let dir = folder(&[("pkg/lib/a.js", "a")]);
        symlink("pkg/lib", dir.path().join("lib")).unwrap();
        symlink(".", dir.path().join("self")).unwrap();
        let plan = plan(dir.path());
        assert_eq!(paths(&plan), ["pkg/lib/a.js"]);
        assert_eq!(
            plan.skipped(),
            [
                Skipped {
                    path: "lib".into(),
                    reason: SkipReason::DirectorySymlink {
                        target: "pkg/lib".into()
                    }
                },
                Skipped {
                    path: "self".into(),
                    reason: SkipReason::DirectorySymlink { target: ".".into() }
                },
            ]
        );
        let summary = plan.summary();
        assert_eq!(summary.skipped.len(), 2);
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["skipped"][0]["reason"]["kind"], "directory_symlink");
    }

    #[test]
    fn symlink_to_an_ignored_file_does_not_smuggle_it_in() {
        let dir = folder(&[
            (".gitignore", "secrets/\n"),
            ("secrets/prod.json", "{\"key\":\"s3cr3t\"}"),
            (".git/config", "x"),
            ("index.js", "x"),
        ]);
        symlink("secrets/prod.json", dir.path().join("config.json")).unwrap();
        symlink(".git/config", dir.path().join("gitconfig")).unwrap();
        let plan = plan(dir.path());
        assert_eq!(paths(&plan), [".gitignore", "index.js"]);
        assert_eq!(
            plan.skipped().iter().map(|s| &s.reason).collect::<Vec<_>>(),
            [
                &SkipReason::TargetIgnored {
                    target: "secrets/prod.json".into()
                },
                &SkipReason::TargetIgnored {
                    target: ".git/config".into()
                },
            ]
        );
    }

    #[test]
    fn the_folder_may_be_given_through_a_symlink() {
        let dir = folder(&[("real/index.js", "x")]);
        symlink("real", dir.path().join("alias")).unwrap();
        let plan = plan(&dir.path().join("alias"));
        assert_eq!(paths(&plan), ["index.js"]);
        assert_eq!(plan.root(), fs::canonicalize(dir.path().join("real")).unwrap());
    }

    #[test]
    fn fifos_are_skipped_and_reported() {
        let dir = folder(&[("index.js", "x")]);
        let status = std::process::Command::new("mkfifo")
            .arg(dir.path().join("pipe"))
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("mkfifo unavailable; skipping");
            return;
        }
        let plan = plan(dir.path());
        assert_eq!(paths(&plan), ["index.js"]);
        assert_eq!(plan.skipped()[0].reason, SkipReason::SpecialFile);
        // Packing does not block on the FIFO.
        read_archive(&plan.write_tar_gz_vec());
    }

    #[test]
    fn file_replaced_by_a_symlink_after_planning_is_refused() {
        let outside = folder(&[("secret", "s3cr3t")]);
        let dir = folder(&[("a.txt", "public"), ("b.txt", "b")]);
        let plan = plan(dir.path());
        fs::remove_file(dir.path().join("a.txt")).unwrap();
        symlink(outside.path().join("secret"), dir.path().join("a.txt")).unwrap();
        let err = plan.write_tar_gz(Vec::new()).unwrap_err();
        assert!(matches!(&err, PackError::Changed { path, .. } if path == "a.txt"), "{err:?}");
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_paths_are_rejected() {
    use std::os::unix::ffi::OsStrExt;
    let dir = folder(&[("ok.txt", "x")]);
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname.txt");
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub").join(name), "x").unwrap();
    let err = plan_err(dir.path(), &PackOptions::default());
    match &err {
        PackError::NonUtf8Path { path } => assert_eq!(path, "sub/bad\u{fffd}name.txt"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("not a valid UTF-8 path"));

    // Ignored, it is fine.
    put(dir.path(), ".feignore", "bad*\n");
    assert_eq!(paths(&plan(dir.path())), [".feignore", "ok.txt"]);
}

// ---------------------------------------------------------------- limits

#[test]
fn file_too_large_names_the_file_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "at-limit.bin", vec![1u8; 1000]);
    let plan = plan_folder(dir.path(), &small_limits()).unwrap();
    assert_eq!(plan.total_bytes(), 1000);

    put(dir.path(), "assets/big.bin", vec![1u8; 1001]);
    let err = plan_err(dir.path(), &small_limits());
    assert!(
        matches!(&err, PackError::FileTooLarge { path, size: 1001, limit: 1000 } if path == "assets/big.bin"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "assets/big.bin is 1001 bytes; each file may be at most 1000 bytes (list it in .feignore to leave it out)"
    );
    assert_eq!((err.path(), err.limit()), (Some("assets/big.bin"), Some(1000)));
    assert!(err.is_invalid_input());
}

#[test]
fn total_too_large_names_the_limit_and_the_largest_files() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "a", vec![0u8; 900]);
    put(dir.path(), "b", vec![0u8; 800]);
    put(dir.path(), "c", vec![0u8; 800]);
    assert_eq!(plan_folder(dir.path(), &small_limits()).unwrap().total_bytes(), 2500);
    put(dir.path(), "d", vec![0u8; 1]);
    let err = plan_err(dir.path(), &small_limits());
    match &err {
        PackError::TotalTooLarge {
            total,
            limit,
            files,
            largest,
        } => {
            assert_eq!((*total, *limit, *files), (2501, 2500, 4));
            assert_eq!(
                largest,
                &[("a".to_string(), 900), ("b".to_string(), 800), ("c".to_string(), 800)]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "the folder holds 2501 bytes in 4 files; at most 2500 bytes may be uploaded in all (largest: a 900 bytes, b 800 bytes, c 800 bytes)"
    );
}

#[test]
fn path_too_long_names_the_file_and_counts_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}/{}", "d".repeat(50), "f".repeat(50));
    put(dir.path(), &long, "x");
    let err = plan_err(dir.path(), &PackOptions::default());
    assert!(
        matches!(&err, PackError::PathTooLong { path, bytes: 101, limit: 100 } if *path == long),
        "{err:?}"
    );
    assert!(err.to_string().contains("is 101 bytes long; paths in the archive may be at most 100 bytes"));

    // 50 two-byte characters: 50 characters, 100 bytes: fine; one more: not.
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), &"é".repeat(50), "x");
    plan(dir.path());
    put(dir.path(), &"é".repeat(51), "x");
    let err = plan_err(dir.path(), &PackOptions::default());
    assert!(matches!(err, PackError::PathTooLong { bytes: 102, .. }), "{err:?}");
}

#[test]
fn path_limit_can_be_lowered_but_not_raised() {
    let dir = folder(&[("abcdefghij.txt", "x")]);
    let err = plan_err(
        dir.path(),
        &PackOptions {
            max_path_bytes: 10,
            ..PackOptions::default()
        },
    );
    assert!(matches!(err, PackError::PathTooLong { bytes: 14, limit: 10, .. }), "{err:?}");

    let long = tempfile::tempdir().unwrap();
    put(long.path(), &"x".repeat(101), "x");
    let err = plan_err(
        long.path(),
        &PackOptions {
            max_path_bytes: 1000,
            ..PackOptions::default()
        },
    );
    assert!(matches!(err, PackError::PathTooLong { limit: 100, .. }), "{err:?}");
}

#[test]
fn the_first_problem_in_path_order_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "z/too-big", vec![0u8; 2000]);
    put(dir.path(), "m/too-big", vec![0u8; 2000]);
    put(dir.path(), &format!("q/{}", "l".repeat(120)), "x");
    let err = plan_err(dir.path(), &small_limits());
    assert_eq!(err.path(), Some("m/too-big"));
}

#[test]
fn real_limits_with_sparse_files() {
    let dir = tempfile::tempdir().unwrap();
    let sparse = |rel: &str, len: u64| {
        let file = fs::File::create(dir.path().join(rel)).unwrap();
        file.set_len(len).unwrap();
    };
    sparse("exactly-25MiB.bin", MAX_FILE_BYTES);
    assert_eq!(plan(dir.path()).total_bytes(), 26_214_400);

    sparse("over.bin", MAX_FILE_BYTES + 1);
    let err = plan_err(dir.path(), &PackOptions::default());
    assert_eq!(
        err.to_string(),
        "over.bin is 26214401 bytes; each file may be at most 26214400 bytes (25 MiB) (list it in .feignore to leave it out)"
    );
    fs::remove_file(dir.path().join("over.bin")).unwrap();

    for i in 1..4 {
        sparse(&format!("part{i}.bin"), MAX_FILE_BYTES);
    }
    assert_eq!(plan(dir.path()).total_bytes(), MAX_TOTAL_BYTES);
    sparse("one-more-byte", 1);
    let err = plan_err(dir.path(), &PackOptions::default());
    assert!(
        matches!(err, PackError::TotalTooLarge { total: 104_857_601, limit: 104_857_600, files: 5, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("at most 104857600 bytes (100 MiB) may be uploaded in all"));
}

// ---------------------------------------------------------------- changes between plan and pack

#[test]
fn a_file_that_grows_or_shrinks_after_planning_fails_the_pack() {
    let dir = folder(&[("a.txt", "hello"), ("b.txt", "world")]);
    let plan = plan(dir.path());
    put(dir.path(), "b.txt", "world, bigger now");
    let err = plan.write_tar_gz(Vec::new()).unwrap_err();
    match &err {
        PackError::Changed { path, detail } => {
            assert_eq!(path, "b.txt");
            assert!(detail.contains("5 bytes when planned and is now 17 bytes"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    put(dir.path(), "b.txt", "w");
    assert!(matches!(plan.write_tar_gz(Vec::new()), Err(PackError::Changed { .. })));
    fs::remove_file(dir.path().join("b.txt")).unwrap();
    let err = plan.write_tar_gz(Vec::new()).unwrap_err();
    assert!(err.to_string().contains("no longer exists"), "{err}");
}

#[test]
fn a_file_replaced_after_planning_fails_the_pack() {
    let dir = folder(&[("a.txt", "hello")]);
    let plan = plan(dir.path());
    let tmp = dir.path().join("a.txt.new");
    fs::write(&tmp, "HELLO").unwrap(); // same size, another file
    fs::rename(&tmp, dir.path().join("a.txt")).unwrap();
    let err = plan.write_tar_gz(Vec::new()).unwrap_err();
    #[cfg(unix)]
    assert!(err.to_string().contains("replaced by another file"), "{err}");
    #[cfg(not(unix))]
    let _ = err;
}

#[test]
fn a_failed_pack_never_leaves_a_complete_looking_archive() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "a.bin", noise(200_000, 1));
    put(dir.path(), "b.bin", "short");
    let plan = plan(dir.path());
    put(dir.path(), "b.bin", "longer than planned");
    let mut out = Vec::new();
    plan.write_tar_gz(&mut out).unwrap_err();
    assert!(!out.is_empty(), "a.bin was written before the failure");
    let mut decoded = Vec::new();
    assert!(
        GzDecoder::new(&out[..]).read_to_end(&mut decoded).is_err(),
        "no gzip trailer after a failure"
    );
}

#[test]
fn planned_file_reader_is_exact() {
    let dir = folder(&[("a.txt", "hello")]);
    let plan = plan(dir.path());
    let file = &plan.files()[0];
    let mut content = String::new();
    file.open().unwrap().read_to_string(&mut content).unwrap();
    assert_eq!(content, "hello");

    // Growth after opening is noticed at the end of the read.
    let mut reader = file.open().unwrap();
    put(dir.path(), "a.txt", "hello, more");
    let mut content = Vec::new();
    let err = reader.read_to_end(&mut content).unwrap_err();
    assert!(matches!(PackError::from_io(&err), Some(PackError::Changed { .. })), "{err}");
}

// ---------------------------------------------------------------- streaming

fn mixed_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..20 {
        put(dir.path(), &format!("text/{i:02}.txt"), format!("line {i}\n").repeat(2000));
        put(dir.path(), &format!("bin/{i:02}.bin"), noise(30_000 + i * 1000, i as u64 + 1));
    }
    dir
}

#[test]
fn stream_yields_the_same_bytes_as_write_tar_gz_in_bounded_chunks() {
    let dir = mixed_folder();
    let plan = plan(dir.path());
    let expected = plan.write_tar_gz_vec();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let stream = rt.block_on(async { plan.clone().into_stream(4096) });
    let progress = stream.progress();
    let (chunks, err) = rt.block_on(async move {
        let mut stream = stream;
        let mut chunks = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(c) => chunks.push(c),
                Err(e) => return (chunks, Some(e)),
            }
        }
        (chunks, None)
    });
    assert!(err.is_none(), "{err:?}");
    assert!(chunks.len() > 10);
    let (last, full) = chunks.split_last().unwrap();
    assert!(full.iter().all(|c| c.len() == 4096));
    assert!(!last.is_empty() && last.len() <= 4096);
    assert_eq!(chunks.concat(), expected);
    let snap = progress.snapshot();
    assert!(progress.is_finished());
    assert_eq!(snap.output_bytes, expected.len() as u64);
    assert_eq!(snap.source_bytes, plan.total_bytes());
    assert_eq!((snap.files_done, snap.files_total), (40, 40));
}

#[test]
fn stream_works_without_a_tokio_runtime_and_reports_progress() {
    let dir = mixed_folder();
    let plan = plan(dir.path());
    let expected = plan.write_tar_gz_vec();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let stream = plan
        .clone()
        .into_stream_with_progress(0, move |p| sink.lock().unwrap().push(p));
    let (chunks, err) = collect_stream(stream);
    assert!(err.is_none(), "{err:?}");
    assert!(chunks.iter().all(|c| c.len() <= DEFAULT_CHUNK_SIZE));
    assert_eq!(chunks.concat(), expected);
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 2);
    assert!(seen.windows(2).all(|w| w[0].output_bytes <= w[1].output_bytes
        && w[0].source_bytes <= w[1].source_bytes));
    let last = seen.last().unwrap();
    assert_eq!(last.output_bytes, expected.len() as u64);
    assert_eq!(last.source_bytes, last.source_total);
    assert_eq!(last.files_done, last.files_total);
}

#[test]
fn write_progress_is_monotonic_and_complete() {
    let dir = mixed_folder();
    let plan = plan(dir.path());
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let n = plan
        .write_tar_gz_with_progress(&mut out, |p| seen.push(p))
        .unwrap();
    assert!(seen.len() >= 40);
    let last = seen.last().unwrap();
    assert_eq!((last.files_done, last.source_bytes), (40, plan.total_bytes()));
    assert!(last.output_bytes <= n);
}

#[test]
fn stream_ends_with_the_pack_error_when_a_file_changes() {
    let dir = mixed_folder();
    let plan = plan(dir.path());
    put(dir.path(), "text/10.txt", "changed");
    let stream = plan.into_stream(8192);
    let progress = stream.progress();
    let (chunks, err) = collect_stream(stream);
    let err = err.expect("the stream fails");
    assert!(!chunks.is_empty());
    let pack_err = PackError::from_io(&err).expect("carries the PackError");
    assert_eq!(pack_err.path(), Some("text/10.txt"));
    assert!(matches!(progress.error(), Some(PackError::Changed { .. })));
}

#[test]
fn dropping_the_stream_stops_the_packer() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..8 {
        put(dir.path(), &format!("{i}.bin"), noise(500_000, i + 10));
    }
    let plan = plan(dir.path());
    let mut stream = plan.into_stream(1024);
    let progress = stream.progress();
    let first = futures::executor::block_on(stream.next()).unwrap().unwrap();
    assert_eq!(first.len(), 1024);
    // The packer is blocked on the full channel: memory stays bounded.
    std::thread::sleep(Duration::from_millis(100));
    assert!(progress.output_bytes() <= 8 * 1024, "{:?}", progress.snapshot());
    assert!(!progress.is_finished());
    drop(stream);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !progress.is_finished() {
        assert!(std::time::Instant::now() < deadline, "packer did not stop");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(matches!(progress.error(), Some(PackError::Write { .. })));
    assert!(progress.source_bytes() < 4_000_000);
}

#[test]
fn planned_file_stream_yields_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let content = noise(100_000, 5);
    put(dir.path(), "data.bin", &content);
    put(dir.path(), "empty", "");
    let plan = plan(dir.path());
    let (chunks, err) = collect_stream(plan.files()[0].stream(30_000));
    assert!(err.is_none());
    assert_eq!(chunks.iter().map(|c| c.len()).collect::<Vec<_>>(), [30_000, 30_000, 30_000, 10_000]);
    assert_eq!(chunks.concat(), content);
    let (chunks, err) = collect_stream(plan.files()[1].stream(0));
    assert!(err.is_none() && chunks.is_empty());

    put(dir.path(), "data.bin", "shrunk");
    let (_, err) = collect_stream(plan.files()[0].stream(0));
    assert!(matches!(PackError::from_io(&err.unwrap()), Some(PackError::Changed { .. })));
}

#[test]
fn summary_serialises_for_the_bindings() {
    let dir = folder(&[("a.js", "abc"), ("lib/b.js", "de")]);
    let summary = pack_folder(dir.path(), &PackOptions::default(), std::io::sink()).unwrap();
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["file_count"], 2);
    assert_eq!(json["total_bytes"], 5);
    assert_eq!(json["files"][1]["path"], "lib/b.js");
    assert_eq!(json["files"][1]["size"], 2);
    assert!(json["compressed_bytes"].as_u64().unwrap() > 0);
    let dry = plan(dir.path()).summary();
    assert_eq!(dry.compressed_bytes, None);
    assert_eq!(dry.files, summary.files);
}

#[test]
fn public_types_are_send_sync_and_the_stream_is_unpin() {
    fn send_sync<T: Send + Sync + 'static>() {}
    fn stream<S>()
    where
        S: futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + Sync + Unpin + 'static,
    {
    }
    send_sync::<PackPlan>();
    send_sync::<PlannedFile>();
    send_sync::<PackError>();
    send_sync::<PackProgress>();
    send_sync::<PackSummary>();
    stream::<PackStream>();
}
