//! uniffi's bindings generator, built from the same uniffi version as the
//! library (`--features bindgen`): `uniffi-bindgen generate --library
//! <libflowengine_ffi.so|dylib|a> --language swift|python --out-dir DIR`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
