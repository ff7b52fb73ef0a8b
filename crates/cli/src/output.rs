//! Where output goes. Results go to stdout (tables, URLs, or with `--json`
//! one JSON document, NDJSON for streams); progress, notes and hints go to
//! stderr and are silenced by `--quiet` and `--json`. Colors only on a
//! terminal, never with NO_COLOR or TERM=dumb.
use crate::error::CliError;
use serde_json::Value;
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone)]
pub struct Out {
    pub json: bool,
    pub quiet: bool,
    pub color_stdout: bool,
    pub color_stderr: bool,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
}

fn colors_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

#[derive(Clone, Copy)]
pub enum Style {
    Bold,
    Dim,
    Red,
    Green,
    Yellow,
    Cyan,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Cyan => "36",
        }
    }
}

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("\x1b[{}m{text}\x1b[0m", style.code())
    } else {
        text.to_string()
    }
}

/// Writes to stdout; a closed pipe (`fe list | head -1`) ends the process quietly.
pub fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

impl Out {
    pub fn new(json: bool, quiet: bool) -> Out {
        let colors = colors_allowed();
        Out {
            json,
            quiet,
            color_stdout: colors && std::io::stdout().is_terminal(),
            color_stderr: colors && std::io::stderr().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            stdin_tty: std::io::stdin().is_terminal(),
        }
    }

    /// Whether notes and progress go to stderr.
    pub fn chatty(&self) -> bool {
        !self.quiet && !self.json
    }

    /// Styled for stdout.
    pub fn s(&self, style: Style, text: &str) -> String {
        paint(self.color_stdout, style, text)
    }

    /// Styled for stderr.
    pub fn e(&self, style: Style, text: &str) -> String {
        paint(self.color_stderr, style, text)
    }

    /// A result line on stdout.
    pub fn line(&self, text: &str) {
        write_stdout(&format!("{text}\n"));
    }

    /// A note on stderr (not with --quiet or --json).
    pub fn note(&self, text: &str) {
        if self.chatty() {
            eprintln!("{text}");
        }
    }

    /// A success note on stderr: "✓ text".
    pub fn done(&self, text: &str) {
        if self.chatty() {
            eprintln!("{} {text}", self.e(Style::Green, "✓"));
        }
    }

    /// A warning on stderr (not with --quiet).
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            eprintln!("{} {text}", self.e(Style::Yellow, "warning:"));
        }
    }

    /// One JSON document on stdout.
    pub fn json_doc(&self, v: &Value) {
        write_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
        ));
    }

    /// One NDJSON line on stdout.
    pub fn json_line(&self, v: &Value) {
        write_stdout(&format!(
            "{}\n",
            serde_json::to_string(v).unwrap_or_else(|_| "null".into())
        ));
    }

    /// An error on stderr: plain text, or with --json a JSON document.
    pub fn error(&self, e: &CliError) {
        if self.json {
            eprintln!(
                "{}",
                serde_json::to_string(&e.to_json()).unwrap_or_default()
            );
            return;
        }
        eprintln!("{} {}", self.e(Style::Red, "error:"), e.message);
        if !self.quiet {
            for h in &e.hints {
                eprintln!("  {} {h}", self.e(Style::Dim, "hint:"));
            }
        }
    }

    /// A table on stdout: a header row, then rows; numeric columns right-aligned.
    pub fn table(&self, headers: &[&str], rows: &[Vec<String>]) {
        write_stdout(&self.render_table(headers, rows));
    }

    /// The text of [`Out::table`]. Cells may hold color codes (`Out::status`),
    /// so widths are measured as the terminal shows them, without the codes.
    pub(crate) fn render_table(&self, headers: &[&str], rows: &[Vec<String>]) -> String {
        let cols = headers.len();
        let mut width: Vec<usize> = headers.iter().map(|h| visible_width(h)).collect();
        for r in rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(visible_width(c));
            }
        }
        let numeric: Vec<bool> = (0..cols)
            .map(|i| {
                !rows.is_empty()
                    && rows.iter().all(|r| {
                        r.get(i)
                            .is_some_and(|c| is_number(&console::strip_ansi_codes(c)))
                    })
            })
            .collect();
        let render = |cells: Vec<String>, styled: &dyn Fn(usize, String) -> String| -> String {
            let mut line = String::new();
            for (i, c) in cells.into_iter().enumerate().take(cols) {
                let pad = width[i].saturating_sub(visible_width(&c));
                let last = i + 1 == cols;
                let cell = if numeric[i] {
                    format!("{}{}", " ".repeat(pad), styled(i, c))
                } else if last {
                    styled(i, c)
                } else {
                    format!("{}{}", styled(i, c), " ".repeat(pad))
                };
                line.push_str(&cell);
                if !last {
                    line.push_str("  ");
                }
            }
            line.trim_end().to_string()
        };
        let mut text = render(headers.iter().map(|h| h.to_string()).collect(), &|_, c| {
            self.s(Style::Bold, &c)
        });
        text.push('\n');
        for r in rows {
            text.push_str(&render(r.clone(), &|_, c| c));
            text.push('\n');
        }
        text
    }

    /// Key/value pairs on stdout, keys aligned.
    pub fn pairs(&self, pairs: &[(&str, String)]) {
        let w = pairs
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        let mut text = String::new();
        for (k, v) in pairs {
            let pad = " ".repeat(w - k.chars().count());
            text.push_str(&format!("{}{pad}  {v}\n", self.s(Style::Dim, k)));
        }
        write_stdout(&text);
    }

    /// A status word, colored by what it means.
    pub fn status(&self, status: &str) -> String {
        let style = match status {
            "ready" | "verified" | "active" => Style::Green,
            "failed" | "deleted" => Style::Red,
            "creating" | "building" | "pending" => Style::Yellow,
            _ => return status.to_string(),
        };
        self.s(style, status)
    }
}

/// Columns a cell takes on a terminal: without its color codes, wide
/// characters counted as two (console, already built for indicatif).
fn visible_width(s: &str) -> usize {
    console::measure_text_width(s)
}

fn is_number(s: &str) -> bool {
    let t = s.trim_start_matches('$');
    !t.is_empty() && t.parse::<f64>().is_ok()
}

/// A JSON field as display text: strings bare, null as "-", whole floats without ".0".
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::String(s) if s.is_empty() => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Bytes for people: 1.2 KB, 3.4 MB (decimal, like the reference's 25 MB).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colored() -> Out {
        Out {
            json: false,
            quiet: false,
            color_stdout: true,
            color_stderr: true,
            stderr_tty: true,
            stdin_tty: true,
        }
    }

    #[test]
    fn colored_cells_are_padded_to_their_visible_width() {
        let out = colored();
        let rows = vec![
            vec![
                "alpha".to_string(),
                out.status("ready"),
                "https://a".to_string(),
            ],
            vec![
                "b".to_string(),
                out.status("building"),
                "https://b".to_string(),
            ],
            vec![
                "c".to_string(),
                "custom".to_string(),
                "https://c".to_string(),
            ],
        ];
        assert!(
            rows[0][1].contains('\x1b'),
            "the status is colored: {:?}",
            rows[0][1]
        );
        let text = out.render_table(&["NAME", "STATUS", "URL"], &rows);
        let lines: Vec<String> = text
            .lines()
            .map(|l| console::strip_ansi_codes(l).into_owned())
            .collect();
        assert_eq!(lines.len(), 4, "{text}");
        // Every row's URL starts in the same column as the header's URL.
        let col = lines[0].find("URL").unwrap();
        for l in &lines[1..] {
            assert_eq!(l.find("https://"), Some(col), "{lines:#?}");
        }
        assert_eq!(lines[2], "b      building  https://b");
    }

    #[test]
    fn bytes_for_people() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(1_234), "1.2 KB");
        assert_eq!(human_bytes(25_000_000), "25.0 MB");
    }
}
