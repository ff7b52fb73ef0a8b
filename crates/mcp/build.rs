//! Writes the MCP tools table (`$OUT_DIR/tools.json`) from
//! `openapi/flowengine.yaml`: names, descriptions, JSON Schemas (converted
//! from OpenAPI by `src/schema.rs`), hints, and the operation each tool runs.
use std::{env, fs, path::PathBuf};

#[path = "src/schema.rs"]
#[allow(dead_code)]
mod schema;
#[path = "build/tools.rs"]
mod tools;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let spec_path = manifest.join("../../openapi/flowengine.yaml");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-changed=src/schema.rs");

    let text = fs::read_to_string(&spec_path).expect("read openapi/flowengine.yaml");
    let api = flowengine_codegen::Api::parse(&text).expect("the spec model reads the spec");
    let table = tools::generate(&api);
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("tools.json"), serde_json::to_string_pretty(&table).unwrap()).unwrap();
}
