//! The benchmark tree: 1,000 files, 100 MB, half source-like text and half
//! random bytes, generated deterministically. Shared by benches/pack.rs and
//! examples/bench_deploy.rs.
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

pub const FILES: usize = 1_000;
pub const TOTAL_BYTES: u64 = 100_000_000;

// ---------------------------------------------------------------- the tree

/// xorshift64*: fast, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "const", "let", "function", "return", "await", "async", "import", "export", "from", "default",
    "if", "else", "for", "while", "new", "this", "null", "undefined", "true", "false", "request",
    "response", "headers", "body", "status", "json", "error", "message", "user", "account", "id",
    "name", "value", "result", "data", "items", "length", "push", "map", "filter", "reduce",
    "config", "options", "timeout", "retry", "client", "server", "handler", "event", "stream",
    "buffer", "encode", "decode", "parse", "format", "string", "number", "object", "array",
    "promise", "resolve", "reject", "then", "catch", "finally", "console", "log", "process", "env",
    "module", "require", "path", "file", "read", "write", "open", "close", "token", "secret",
    "cache", "key", "hash", "digest", "random", "uuid", "date", "time", "now", "start", "end",
    "count", "total", "index", "offset", "limit", "page", "cursor", "next", "prev", "first", "last",
];

/// Source-like text: indented lines of words, identifiers and numbers.
fn text(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 128);
    while out.len() < len {
        let indent = rng.below(4) as usize * 2;
        out.extend(std::iter::repeat_n(b' ', indent));
        for w in 0..(3 + rng.below(9)) {
            if w > 0 {
                out.push(if rng.below(5) == 0 { b'.' } else { b' ' });
            }
            out.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
            match rng.below(12) {
                0 => out.extend_from_slice(format!("{}", rng.below(100_000)).as_bytes()),
                1 => out.extend_from_slice(b"()"),
                2 => out.extend_from_slice(b" = "),
                _ => {}
            }
        }
        out.extend_from_slice(if rng.below(3) == 0 { b";\n" } else { b"\n" });
    }
    out.truncate(len);
    out
}

fn random_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next().to_le_bytes());
    }
    out.truncate(len);
    out
}

/// 1,000 files in 20 × 5 directories, sizes spread around 100 KB (1 KB to
/// ~199 KB), even-numbered files text, odd-numbered random; total exactly
/// `TOTAL_BYTES` (100 MB, under the 100 MiB limit).
pub fn generate_tree(root: &Path) -> u64 {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mean = TOTAL_BYTES / FILES as u64;
    let mut sizes: Vec<u64> = (0..FILES)
        .map(|_| 1_000 + rng.below(2 * mean - 2_000))
        .collect();
    // Scale so the total is exact; the rounding remainder goes to file 0.
    let sum: u64 = sizes.iter().sum();
    for size in sizes.iter_mut() {
        *size = *size * TOTAL_BYTES / sum;
    }
    sizes[0] += TOTAL_BYTES - sizes.iter().sum::<u64>();
    assert_eq!(sizes.iter().sum::<u64>(), TOTAL_BYTES);
    for (i, size) in sizes.iter().enumerate() {
        let (ext, content) = if i % 2 == 0 {
            ("js", text(&mut rng, *size as usize))
        } else {
            ("bin", random_bytes(&mut rng, *size as usize))
        };
        let dir = root.join(format!("pkg{:02}/sub{}", i % 20, (i / 20) % 5));
        fs::create_dir_all(&dir).expect("mkdir");
        let mut f = BufWriter::new(fs::File::create(dir.join(format!("file{i:04}.{ext}"))).expect("create"));
        f.write_all(&content).expect("write");
        f.flush().expect("flush");
    }
    TOTAL_BYTES
}
