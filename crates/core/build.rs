//! Generates the typed client from `openapi/flowengine.yaml` with progenitor,
//! and the narrow waist's dispatch table (operation id -> generated call).
//!
//! progenitor accepts one success type per operation and no multipart bodies
//! (see TOOLCHAIN.md), so it is handed an adapted copy of the spec:
//! - `x-sdk-multipart` operations are dropped (the core sends them by hand);
//! - an `x-sdk-stream` operation keeps one media type on its 200 response:
//!   JSON when the stream is a mode (`when: {tail: true}`), the event stream
//!   otherwise (progenitor then returns a raw byte stream for our SSE parser).
use std::{env, fs, path::PathBuf};

#[path = "build/adapt.rs"]
mod adapt;
#[path = "build/dispatch.rs"]
mod dispatch;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let spec_path = manifest.join("../../openapi/flowengine.yaml");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=build");

    let text = fs::read_to_string(&spec_path).expect("read openapi/flowengine.yaml");
    let raw: serde_json::Value = serde_yaml::from_str(&text).expect("parse the spec as YAML");
    let adapted = adapt::for_progenitor(raw);
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(adapted.clone()).expect("the adapted spec is OpenAPI 3.0");

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        // The core's Transport rides inside the generated client, and its
        // ClientHooks impl (transport.rs) is required: every call goes through it.
        .with_inner_type(quote::quote!(crate::transport::Transport))
        .with_hooks(progenitor::HooksMode::Expected);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator.generate_tokens(&spec).expect("progenitor generates the client");
    let ast = syn::parse2(tokens).expect("generated code parses");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("codegen.rs"), prettyplease::unparse(&ast)).unwrap();

    let api = flowengine_codegen::Api::parse(&text).expect("the spec model reads the spec");
    fs::write(out.join("dispatch.rs"), dispatch::generate(&api)).unwrap();
}
