//! `fe` (and its long-form alias `flowengine`): the FlowEngine command line,
//! built on the Rust core (`flowengine`). Every command is a thin layer over
//! the core's `call()` / `stream()` / `deploy_folder()`: validation, errors,
//! retries and timeouts are the core's, the same as in every SDK language.
//!
//! Output rules: results on stdout (tables, or `--json`: one JSON document,
//! NDJSON for streams); progress and notes on stderr. Exit codes: see
//! [`cli::EXIT_CODES_HELP`].
pub mod cli;
mod commands;
mod ctx;
pub mod error;
mod output;
mod progress;
mod prompt;
pub mod validate;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use ctx::{Ctx, KeySource};
use error::code;
use output::Out;

/// Runs the command line with the process's arguments; returns the exit code.
pub fn run() -> i32 {
    run_with(std::env::args_os().collect())
}

fn bin_name(argv0: Option<&std::ffi::OsString>) -> &'static str {
    let name = argv0
        .and_then(|a| {
            std::path::Path::new(a)
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
        })
        .unwrap_or_default();
    if name == "flowengine" {
        "flowengine"
    } else {
        "fe"
    }
}

/// The clap command, named after the binary that runs (`fe` or `flowengine`).
pub fn command(bin: &'static str) -> clap::Command {
    cli::Cli::command().name(bin).bin_name(bin)
}

/// Whether `--json` is among the arguments (before a `--`), for the errors
/// clap raises before the arguments are parsed.
fn wants_json(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// Prints clap's error and returns its exit code: --help and --version as
/// clap writes them (stdout, 0); usage errors as clap's text on stderr, or
/// with --json as the JSON error document every other error uses (2).
fn clap_error(e: &clap::Error, args: &[std::ffi::OsString]) -> i32 {
    if e.use_stderr() && wants_json(args) {
        let err = error::CliError::from_clap(e);
        Out::new(true, false).error(&err);
        return err.code;
    }
    let _ = e.print();
    e.exit_code()
}

pub fn run_with(args: Vec<std::ffi::OsString>) -> i32 {
    let bin = bin_name(args.first());
    let matches = match command(bin).try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => return clap_error(&e, &args),
    };
    let parsed = match cli::Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            clap_error(&e, &args);
            return code::USAGE;
        }
    };
    let source = |id: &str| match matches.value_source(id) {
        Some(ValueSource::CommandLine) => KeySource::Flag,
        Some(ValueSource::EnvVariable) => KeySource::Env,
        _ => KeySource::ConfigFile,
    };
    let out = Out::new(parsed.global.json, parsed.global.quiet);
    let ctx = Ctx {
        key_source: source("api_key"),
        global: parsed.global,
        out,
    };

    if let cli::Command::Completions { shell } = parsed.command {
        let mut cmd = command(bin);
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, bin, &mut buf);
        output::write_stdout(&String::from_utf8_lossy(&buf));
        return code::OK;
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return code::API;
        }
    };
    let result = runtime.block_on(commands::dispatch(&ctx, parsed.command));
    // Don't wait for stray tasks (an abandoned stream's reader, say).
    runtime.shutdown_background();
    match result {
        Ok(()) => code::OK,
        Err(mut e) => {
            if e.source
                .as_ref()
                .is_some_and(|s| s.kind == flowengine::ErrorKind::Connection)
            {
                if let Ok(resolved) = ctx.config(None).resolve() {
                    e.message = format!("cannot reach {}: {}", resolved.base_url, e.message);
                }
            }
            ctx.out.error(&e);
            e.code
        }
    }
}
