//! The copy of the spec that progenitor can digest (see build.rs).
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

pub fn for_progenitor(mut spec: Value) -> Value {
    let paths = spec["paths"].as_object_mut().expect("paths");
    for item in paths.values_mut() {
        let item = item.as_object_mut().expect("path item");
        for method in METHODS {
            let drop = match item.get(method) {
                Some(op) => op.get("x-sdk-multipart").and_then(Value::as_bool) == Some(true),
                None => continue,
            };
            if drop {
                item.remove(method);
                continue;
            }
            let op = item.get_mut(method).unwrap();
            if let Some(stream) = op.get("x-sdk-stream").cloned() {
                let keep = if stream.get("when").is_some() { "application/json" } else { "text/event-stream" };
                if let Some(content) = op["responses"]["200"]["content"].as_object_mut() {
                    content.retain(|media, _| media == keep);
                }
            }
        }
    }
    spec
}
