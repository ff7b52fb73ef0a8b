//! The multipart folder upload: `call()` sends it too, and it opens each file
//! only when its part is sent:
//! a folder with more files than the process may hold open at once uploads.
//! (The first test lowers this process's open-file limit; the other needs few files.)
mod common;

const FILES: usize = 600;
const OPEN_FILES_LIMIT: u64 = 256;

#[tokio::test]
async fn a_folder_of_more_files_than_may_be_open_uploads() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("package.json"), r#"{"name":"many","main":"index.js"}"#).unwrap();
    std::fs::write(folder.path().join("index.js"), "module.exports = () => 'ok';\n").unwrap();
    std::fs::create_dir(folder.path().join("data")).unwrap();
    for i in 0..FILES {
        std::fs::write(folder.path().join("data").join(format!("{i:04}.txt")), format!("file {i}\n")).unwrap();
    }
    let (_sandbox, fe) = common::sandbox_and_client().await;

    // SAFETY: plain libc calls on this process's own limit.
    let limit = libc::rlimit { rlim_cur: OPEN_FILES_LIMIT, rlim_max: OPEN_FILES_LIMIT * 4 };
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0, "lowering the open-file limit");

    let accepted = fe.upload_folder(folder.path(), Some("many-files"), Some("nodejs22"), &Default::default()).await.expect("the upload succeeds");
    let id = accepted["function_id"].as_str().expect("function_id").to_string();
    let source = fe.call("getFunctionSource", serde_json::json!({"id": id})).await.expect("source");
    let files = source["files"].as_object().expect("files");
    assert_eq!(files.len(), FILES + 2, "every file arrived");
    assert_eq!(files["data/0599.txt"], "file 599\n");
}

#[tokio::test]
async fn call_sends_the_folder_upload_too() {
    let (_sandbox, fe) = common::sandbox_and_client().await;
    let hello = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello");
    let params = serde_json::json!({"path": hello, "name": "via-call", "runtime": "nodejs22", "ignore": ["index.js"]});
    let accepted = fe.call("uploadFunctionFolder", params).await.expect("uploaded through call");
    let source = fe.call("getFunctionSource", serde_json::json!({"id": accepted["function_id"]})).await.expect("source");
    assert!(source["files"].get("package.json").is_some() && source["files"].get("index.js").is_none(), "{source}");
    let err = fe.call("functions.upload_folder", serde_json::json!({"name": "no-path"})).await.unwrap_err();
    assert_eq!((err.kind, err.field.as_deref()), (flowengine::ErrorKind::InvalidArgument, Some("path")));
    let err = fe.call("uploadFunctionFolder", serde_json::json!({"path": hello, "colour": "red"})).await.unwrap_err();
    assert_eq!(err.field.as_deref(), Some("colour"));
}
