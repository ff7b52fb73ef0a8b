//! `flowengine-codegen write|check`: writes every generated, committed file
//! from openapi/flowengine.yaml, or fails (listing them) when one is stale.
use flowengine_codegen::{generators, Api};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let api = match Api::load(&root.join("openapi/flowengine.yaml")) {
        Ok(api) => api,
        Err(e) => {
            eprintln!("codegen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let files = generators::all(&api);
    match mode.as_str() {
        "write" => {
            for (path, text) in &files {
                let full = root.join(path);
                if let Some(dir) = full.parent() {
                    std::fs::create_dir_all(dir).expect("create output folder");
                }
                std::fs::write(&full, text).expect("write generated file");
            }
            println!("codegen: wrote {} files", files.len());
            ExitCode::SUCCESS
        }
        "check" => {
            let stale: Vec<&String> = files
                .iter()
                .filter(|(path, text)| std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(text.as_str()))
                .map(|(path, _)| path)
                .collect();
            if stale.is_empty() {
                println!("codegen-check: {} generated files are fresh", files.len());
                ExitCode::SUCCESS
            } else {
                eprintln!("codegen-check: stale generated files (run `make codegen`):");
                for p in stale {
                    eprintln!("  {p}");
                }
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!("usage: flowengine-codegen write|check");
            ExitCode::from(2)
        }
    }
}
