//! Deploy progress on stderr: on a terminal an upload bar (bytes of the
//! tarball sent to the storage host) then a build spinner (indicatif);
//! without a terminal one plain line per step; nothing with --json or
//! --quiet.
use crate::output::{human_bytes, Out, Style};
use flowengine::DeployProgress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bar,
    Lines,
    Silent,
}

pub struct DeployUi {
    mode: Mode,
    out: Out,
    bar: Mutex<Option<ProgressBar>>,
    uploaded: std::sync::atomic::AtomicBool,
}

impl DeployUi {
    pub fn new(out: &Out) -> Arc<DeployUi> {
        let mode = if !out.chatty() {
            Mode::Silent
        } else if out.stderr_tty {
            Mode::Bar
        } else {
            Mode::Lines
        };
        Arc::new(DeployUi {
            mode,
            out: out.clone(),
            bar: Mutex::new(None),
            uploaded: Default::default(),
        })
    }

    fn replace(&self, bar: Option<ProgressBar>) {
        if let Some(old) = std::mem::replace(&mut *self.bar.lock().unwrap(), bar) {
            old.finish_and_clear();
        }
    }

    fn line(&self, text: String) {
        // A plain line, printed above a running bar if there is one.
        match &*self.bar.lock().unwrap() {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub fn on(&self, p: &DeployProgress) {
        let ok = self.out.e(Style::Green, "✓");
        match (self.mode, p) {
            (Mode::Silent, _) => {}
            (
                _,
                DeployProgress::Packed {
                    files,
                    bytes,
                    compressed_bytes,
                },
            ) => {
                let plural = if *files == 1 { "" } else { "s" };
                self.line(format!(
                    "{ok} Packed {files} file{plural} ({}, {} gzip'd)",
                    human_bytes(*bytes),
                    human_bytes(*compressed_bytes)
                ));
                if self.mode == Mode::Bar {
                    let bar = ProgressBar::with_draw_target(
                        Some(*compressed_bytes),
                        ProgressDrawTarget::stderr(),
                    );
                    bar.set_style(
                        ProgressStyle::with_template("  Uploading [{bar:32.cyan/blue}] {bytes}/{total_bytes} {bytes_per_sec}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                    );
                    self.replace(Some(bar));
                }
            }
            (Mode::Bar, DeployProgress::Uploading { sent, total }) => {
                if let Some(bar) = &*self.bar.lock().unwrap() {
                    bar.set_length(*total);
                    bar.set_position(*sent);
                }
            }
            (Mode::Lines, DeployProgress::Uploading { sent, total })
                if sent == total
                    && !self
                        .uploaded
                        .swap(true, std::sync::atomic::Ordering::Relaxed) =>
            {
                self.line(format!("{ok} Uploaded {}", human_bytes(*total)));
            }
            (_, DeployProgress::Uploading { .. }) => {}
            (_, DeployProgress::Triggered { deployment_id }) => {
                if self.mode == Mode::Bar {
                    let total = self
                        .bar
                        .lock()
                        .unwrap()
                        .as_ref()
                        .and_then(|b| b.length())
                        .unwrap_or(0);
                    self.replace(None);
                    eprintln!("{ok} Uploaded {}", human_bytes(total));
                    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                    spinner.set_style(
                        ProgressStyle::with_template("  {spinner} {msg} {elapsed:.dim}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    spinner.set_message(format!("Building (deployment {})", short(deployment_id)));
                    spinner.enable_steady_tick(Duration::from_millis(100));
                    self.replace(Some(spinner));
                } else {
                    self.line(format!("{ok} Build started (deployment {deployment_id})"));
                }
            }
            (Mode::Bar, DeployProgress::Building { status }) => {
                if let Some(bar) = &*self.bar.lock().unwrap() {
                    bar.set_message(format!("Status: {status}"));
                }
            }
            (Mode::Lines, DeployProgress::Building { status }) => {
                self.line(format!("  status: {status}"))
            }
            (_, DeployProgress::Ready { .. }) => {
                self.replace(None);
                eprintln!("{ok} Ready");
            }
        }
    }

    /// Clears whatever is still drawn (before printing a result or an error).
    pub fn finish(&self) {
        self.replace(None);
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}
