//! `fe` end to end: every command against a sandbox on a free port, the
//! --json shapes, bad flag values (exit 2, the flag named), no key (a
//! pointer to `fe login`), 401, network errors, and deploy from
//! examples/hello to ready.
mod common;

use common::{account, free_account, json, ndjson, stderr, stdout};
use predicates::prelude::*;
use serde_json::Value;

// --- help, version, alias, completions ----------------------------------------

#[test]
fn help_documents_every_command_and_the_exit_codes() {
    let a = account();
    let out = a.fe().arg("--help").assert().success();
    let text = stdout(&out);
    for cmd in [
        "login",
        "logout",
        "whoami",
        "deploy",
        "list",
        "show",
        "logs",
        "env",
        "domain",
        "usage",
        "delete",
        "chat",
        "completions",
    ] {
        assert!(text.contains(cmd), "--help lacks {cmd}:\n{text}");
    }
    for line in [
        "0    success",
        "1    API error",
        "2    usage error",
        "3    network error",
        "4    authentication",
        "5    deploy failed",
    ] {
        assert!(text.contains(line), "--help lacks `{line}`:\n{text}");
    }
    // Every deploy option of the reference.
    let out = a.fe().args(["deploy", "--help"]).assert().success();
    let text = stdout(&out);
    for flag in [
        "--name",
        "--runtime",
        "--memory",
        "--cpu",
        "--max-instances",
        "--min-instances",
        "--timeout",
        "--region",
        "--concurrency",
        "--cpu-throttling",
        "--json",
        "--dry-run",
    ] {
        assert!(text.contains(flag), "deploy --help lacks {flag}");
    }
}

#[test]
fn the_api_key_never_shows_in_help() {
    let a = account();
    let out = a.fe().arg("--help").assert().success();
    assert!(!stdout(&out).contains(&a.key));
}

#[test]
fn flowengine_is_an_alias_of_fe() {
    let bin = std::path::Path::new(common::fe_bin())
        .with_file_name(format!("flowengine{}", std::env::consts::EXE_SUFFIX));
    assert_cmd::Command::new(&bin)
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("flowengine "));
    assert_cmd::Command::new(&bin)
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Usage: flowengine"));
}

#[test]
fn completions_for_each_shell() {
    let a = account();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        a.fe_without_key()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("deploy"));
    }
    a.fe().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn unknown_commands_and_flags_are_usage_errors() {
    let a = account();
    a.fe().arg("frobnicate").assert().code(2);
    a.fe()
        .args(["list", "--bogus"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bogus"));
    a.fe()
        .arg("show")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<FUNCTION>"));
}

#[test]
fn usage_errors_are_json_with_json_and_help_stays_plain() {
    let a = account();
    let out = a
        .fe()
        .args(["--json", "deploy", "./hello", "--cpu", "3"])
        .assert()
        .code(2);
    assert!(out.get_output().stdout.is_empty());
    let e = json(&out.get_output().stderr);
    assert_eq!(e["error"]["kind"], "usage", "{e}");
    assert_eq!(e["error"]["exit_code"], 2);
    assert_eq!(e["error"]["flag"], "--cpu");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("--cpu"),
        "{e}"
    );
    // Wherever --json is, as long as it comes before `--`.
    let out = a.fe().args(["list", "--bogus", "--json"]).assert().code(2);
    let e = json(&out.get_output().stderr);
    assert_eq!(e["error"]["flag"], "--bogus");
    let out = a.fe().args(["show", "--json"]).assert().code(2);
    assert_eq!(
        json(&out.get_output().stderr)["error"]["flag"],
        "<FUNCTION>"
    );
    a.fe()
        .args(["deploy", "--cpu", "3", "--", "--json"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error:"));
    // --help and --version are not errors: plain text on stdout, exit 0.
    a.fe()
        .args(["--json", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Usage: fe"))
        .stderr(predicate::str::is_empty());
    a.fe()
        .args(["deploy", "--json", "--version"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0."))
        .stderr(predicate::str::is_empty());
}

// --- authentication ---------------------------------------------------------

#[test]
fn without_a_key_every_command_points_at_fe_login() {
    let a = account();
    for args in [
        vec!["list"],
        vec!["whoami"],
        vec!["show", "x"],
        vec!["usage"],
        vec!["chat", "hi"],
        vec!["env", "list", "x"],
    ] {
        a.fe_without_key()
            .args(&args)
            .assert()
            .code(4)
            .stderr(predicate::str::contains("fe login"));
    }
    let out = a.fe_without_key().args(["list", "--json"]).assert().code(4);
    let err = json(&out.get_output().stderr);
    assert_eq!(err["error"]["exit_code"], 4);
    assert_eq!(err["error"]["kind"], "authentication");
    assert!(out.get_output().stdout.is_empty());
}

#[test]
fn a_rejected_key_is_exit_4_with_the_401() {
    let a = account();
    let bad = "fe_0000000000000000000000000000000000000000";
    a.fe_without_key()
        .env("FLOWENGINE_API_KEY", bad)
        .arg("list")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("401").and(predicate::str::contains("fe login")));
    let out = a
        .fe_without_key()
        .args(["--api-key", bad, "whoami", "--json"])
        .assert()
        .code(4);
    let err = json(&out.get_output().stderr);
    assert_eq!(err["error"]["status"], 401);
    assert!(!stderr(&out).contains(bad), "the key is echoed");
}

#[test]
fn login_checks_the_key_stores_it_0600_and_logout_forgets_it() {
    let a = account();
    a.fe_without_key()
        .args(["login", "--api-key", &a.key])
        .assert()
        .success()
        .stderr(predicate::str::contains("Logged in"));
    let path = a.config_file();
    let stored = json(&std::fs::read(&path).unwrap());
    assert_eq!(stored["api_key"], a.key.as_str());
    assert_eq!(stored["base_url"], a.url.as_str());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Later commands use the stored key (and base URL).
    let out = assert_cmd::Command::new(common::fe_bin())
        .env_clear()
        .env("HOME", a.home.path())
        .args(["whoami", "--json"])
        .assert()
        .success();
    assert_eq!(json(&out.get_output().stdout)["tier"], "pro_plus");
    a.fe_without_key()
        .arg("whoami")
        .assert()
        .success()
        .stdout(predicate::str::contains("config.json"));

    a.fe_without_key()
        .arg("logout")
        .assert()
        .success()
        .stderr(predicate::str::contains("Logged out"));
    let after = json(&std::fs::read(&path).unwrap());
    assert!(after.get("api_key").is_none(), "{after}");
    a.fe_without_key()
        .arg("list")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("fe login"));
    a.fe_without_key()
        .args(["logout", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"logged_out\": false"));
}

#[test]
fn login_reads_the_key_from_stdin_in_scripts() {
    let a = account();
    let out = a
        .fe_without_key()
        .args(["login", "--json"])
        .write_stdin(format!("{}\n", a.key))
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["logged_in"], true);
    assert_eq!(doc["tier"], "pro_plus");
    assert!(
        !stdout(&out).contains(&a.key) && !stderr(&out).contains(&a.key),
        "the key is echoed"
    );
    assert!(a.config_file().exists());
}

#[test]
fn login_with_a_bad_key_stores_nothing() {
    let a = account();
    let out = a
        .fe_without_key()
        .arg("login")
        .write_stdin("fe_0000000000000000000000000000000000000000\n")
        .assert()
        .code(4);
    // The hint says where keys come from, not "run `fe login`" again.
    let err = stderr(&out);
    assert!(
        err.contains("rejected") && err.contains("Settings → API Access"),
        "{err}"
    );
    assert!(!err.contains("run `fe login`"), "{err}");
    a.fe_without_key()
        .arg("login")
        .write_stdin("\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no API key given"));
    assert!(!a.config_file().exists());
}

#[test]
fn whoami_shows_tier_and_credits() {
    let a = account();
    let out = a.fe().arg("whoami").assert().success();
    let text = stdout(&out);
    assert!(
        text.contains("tier") && text.contains("pro_plus") && text.contains("credits"),
        "{text}"
    );
    assert!(
        text.contains("FLOWENGINE_API_KEY") && !text.contains(&a.key),
        "{text}"
    );
    let doc = json(
        &a.fe()
            .args(["whoami", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert!(
        doc["credits_remaining"].is_number() && doc["user_id"].is_string(),
        "{doc}"
    );
}

// --- network ----------------------------------------------------------------

#[test]
fn an_unreachable_server_is_exit_3() {
    let a = account();
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    a.fe()
        .env("FLOWENGINE_BASE_URL", format!("http://127.0.0.1:{port}"))
        .arg("list")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--base-url"));
}

#[test]
fn a_bad_base_url_names_the_flag() {
    let a = account();
    a.fe()
        .args(["--base-url", "ftp://x", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--base-url"));
}

// --- deploy -------------------------------------------------------------------

#[test]
fn bad_deploy_flags_exit_2_naming_the_flag_and_its_range_before_sending_anything() {
    let a = account();
    let dir = a.hello();
    let cases: &[(&[&str], &str, &str)] = &[
        (&["--memory", "64Gi"], "--memory", "256Mi to 32Gi"),
        (&["--memory", "lots"], "--memory", "256Mi to 32Gi"),
        (&["--cpu", "3"], "--cpu", "1, 2, 4 or 8"),
        (&["--max-instances", "0"], "--max-instances", "1 to 1000"),
        (&["--max-instances", "1001"], "--max-instances", "1 to 1000"),
        (&["--max-instances", "-1"], "--max-instances", "1 to 1000"),
        (&["--min-instances", "-1"], "--min-instances", "0 to 1000"),
        (
            &["--min-instances", "5", "--max-instances", "2"],
            "--min-instances",
            "--max-instances (2)",
        ),
        (&["--timeout", "0"], "--timeout", "1 to 3600"),
        (&["--timeout", "3601"], "--timeout", "1 to 3600"),
        (&["--concurrency", "0"], "--concurrency", "1 to 1000"),
        (&["--concurrency", "1001"], "--concurrency", "1 to 1000"),
        (&["--region", "moon"], "--region", "us-central1"),
        (&["--runtime", "cobol"], "--runtime", "nodejs22"),
        (&["--name", "Bad_Name"], "--name", "1-63 characters"),
        (&["--name", "1abc"], "--name", "lowercase letter first"),
    ];
    for (flags, flag, range) in cases {
        let out = a
            .fe()
            .arg("deploy")
            .arg(dir.path())
            .args(*flags)
            .assert()
            .code(2);
        let err = stderr(&out);
        assert!(
            err.contains(flag) && err.contains(range),
            "{flags:?}: {err}"
        );
    }
    // Nothing was created.
    let list = json(
        &a.fe()
            .args(["list", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(list["functions"], serde_json::json!([]));
    assert!(!dir.path().join(".flowengine").exists());
}

#[test]
fn deploy_creates_then_redeploys_in_place() {
    let a = account();
    let dir = a.hello();
    // First deploy: text output, the URL alone on stdout.
    let out = a
        .fe()
        .args([
            "deploy",
            "--runtime",
            "nodejs22",
            "--memory",
            "1Gi",
            "--max-instances",
            "5",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let url = stdout(&out).trim().to_string();
    assert!(
        url.starts_with("https://") && !url.contains('\n'),
        "stdout: {url}"
    );
    let err = stderr(&out);
    assert!(
        err.contains("Created function")
            && err.contains("Packed 3 files")
            && err.contains("Uploaded")
            && err.contains("Ready"),
        "{err}"
    );
    // The folder is linked to its function.
    let link = json(&std::fs::read(dir.path().join(".flowengine/project.json")).unwrap());
    let linked = &link["links"][&a.url];
    let id = linked["function_id"].as_str().unwrap().to_string();
    let name = linked["name"].as_str().unwrap().to_string();
    assert!(!name.is_empty());

    // Second deploy: same function, no --name needed, settings updated; --json shape.
    let out = a
        .fe()
        .args(["deploy", "--json", "--timeout", "120"])
        .arg(dir.path())
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["function_id"], id.as_str());
    assert_eq!(doc["created"], false);
    assert_eq!(doc["status"], "ready");
    assert_eq!(doc["url"], url.as_str());
    assert_eq!(doc["files"], 3, "the link file is not uploaded: {doc}");
    for key in ["deployment_id", "bytes", "compressed_bytes", "name"] {
        assert!(!doc[key].is_null(), "{key} missing: {doc}");
    }
    let f = json(
        &a.fe()
            .args(["show", &id, "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(
        (
            f["memory"].as_str(),
            f["max_instances"].as_i64(),
            f["timeout_seconds"].as_i64()
        ),
        (Some("1Gi"), Some(5), Some(120))
    );
    let list = json(
        &a.fe()
            .args(["list", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(
        list["functions"].as_array().unwrap().len(),
        1,
        "redeployed in place"
    );
}

#[test]
fn deploy_by_name_finds_the_function_and_guards_its_runtime() {
    let a = account();
    let (_dir, first) = a.deploy_hello("by-name");
    assert_eq!(first["created"], true);
    assert_eq!(first["name"], "by-name");
    // Another copy of the folder (no link): --name finds the same function.
    let other = a.hello();
    let doc = json(
        &a.fe()
            .args(["deploy", "--json", "--name", "by-name"])
            .arg(other.path())
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(
        (doc["function_id"].clone(), doc["created"].clone()),
        (first["function_id"].clone(), Value::Bool(false))
    );
    // A runtime cannot change in place.
    a.fe()
        .args(["deploy", "--name", "by-name", "--runtime", "python312"])
        .arg(other.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--runtime"));
    // --min-instances above the function's max_instances is caught before sending.
    a.fe()
        .args(["deploy", "--name", "by-name", "--min-instances", "500"])
        .arg(other.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--min-instances"));
}

#[test]
fn deploy_names_a_new_function_after_its_folder() {
    let a = account();
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("My Scraper");
    common::copy_dir(&common::repo_root().join("examples/hello"), &dir);
    let doc = json(
        &a.fe()
            .args(["deploy", "--json"])
            .arg(&dir)
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(doc["name"], "my-scraper");
    assert_eq!(doc["created"], true);
    // The folder's .gitignore now ignores the link (once, after what was there).
    let before =
        std::fs::read_to_string(common::repo_root().join("examples/hello/.gitignore")).unwrap();
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(!before.contains(".flowengine"), "{before}");
    assert_eq!(ignore, format!("{before}.flowengine/\n"));
    // A folder without a .gitignore gets none.
    let bare = parent.path().join("bare");
    common::copy_dir(&common::repo_root().join("examples/hello"), &bare);
    std::fs::remove_file(bare.join(".gitignore")).unwrap();
    a.fe().args(["deploy", "-q"]).arg(&bare).assert().success();
    assert!(bare.join(".flowengine/project.json").exists());
    assert!(!bare.join(".gitignore").exists());
}

#[test]
fn a_failed_build_prints_its_log_and_exits_5() {
    let a = account();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "no package.json here\n").unwrap();
    let out = a
        .fe()
        .args(["deploy", "--name", "broken", "--runtime", "nodejs22"])
        .arg(dir.path())
        .assert()
        .code(5);
    let err = stderr(&out);
    assert!(
        err.contains("failed")
            && err.contains("build log")
            && err.contains("package.json")
            && err.contains("fe logs broken"),
        "{err}"
    );
    let out = a
        .fe()
        .args(["deploy", "--json"])
        .arg(dir.path())
        .assert()
        .code(5);
    let e = json(&out.get_output().stderr);
    assert_eq!(e["error"]["kind"], "deploy_failed");
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Build failed"));
}

#[test]
fn dry_run_lists_files_and_total_without_a_key_or_network() {
    let a = account();
    let dir = a.hello();
    std::fs::write(
        dir.path().join("debug.log"),
        "ignored by examples/hello/.gitignore",
    )
    .unwrap();
    std::fs::write(dir.path().join(".feignore"), "notes.txt\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored by .feignore").unwrap();
    let out = a
        .fe_without_key()
        .env("FLOWENGINE_BASE_URL", "http://127.0.0.1:9") // nothing is sent
        .args(["deploy", "--dry-run"])
        .arg(dir.path())
        .assert()
        .success();
    let text = stdout(&out);
    assert!(
        text.contains("index.js")
            && text.contains("package.json")
            && !text.contains("debug.log")
            && !text.contains("notes.txt"),
        "{text}"
    );
    assert!(
        text.contains("files") && text.contains("would be uploaded"),
        "{text}"
    );
    let doc = json(
        &a.fe_without_key()
            .args(["deploy", "--dry-run", "--json"])
            .arg(dir.path())
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    let paths: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [".feignore", ".gitignore", "index.js", "package.json"]
    );
    let total: u64 = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["size"].as_u64().unwrap())
        .sum();
    assert_eq!(doc["total_bytes"].as_u64(), Some(total));
    assert_eq!(doc["file_count"], 4);
}

#[test]
fn deploy_checks_the_folder_before_sending() {
    let a = account();
    let dir = tempfile::tempdir().unwrap();
    a.fe()
        .arg("deploy")
        .arg(dir.path().join("missing"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a folder"));
    a.fe()
        .args(["deploy", "--runtime", "nodejs22"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no files"));
    // A file over the 25 MB limit is named before anything is sent.
    let big = std::fs::File::create(dir.path().join("big.bin")).unwrap();
    big.set_len(30 * 1024 * 1024).unwrap();
    let out = a
        .fe()
        .args(["deploy", "--runtime", "nodejs22"])
        .arg(dir.path())
        .assert()
        .code(2);
    assert!(stderr(&out).contains("big.bin"), "{}", stderr(&out));
    let list = json(
        &a.fe()
            .args(["list", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(list["functions"], serde_json::json!([]));
}

#[test]
fn tier_caps_are_reported_when_the_server_clamps() {
    let a = free_account();
    let dir = a.hello();
    let out = a
        .fe()
        .args([
            "deploy",
            "--name",
            "capped",
            "--runtime",
            "nodejs22",
            "--memory",
            "2Gi",
        ])
        .arg(dir.path())
        .assert()
        .success();
    assert!(
        stderr(&out).contains("--memory 2Gi was clamped to 512Mi"),
        "{}",
        stderr(&out)
    );
}

// --- list, show, delete -------------------------------------------------------

#[test]
fn list_and_show_tables_and_raw_json() {
    let a = account();
    a.fe()
        .arg("list")
        .assert()
        .success()
        .stderr(predicate::str::contains("No functions yet"));
    let (_dir, d) = a.deploy_hello("listed");
    let id = d["function_id"].as_str().unwrap();
    let text = stdout(&a.fe().arg("list").assert().success());
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("NAME") && header.contains("STATUS") && header.contains("URL"),
        "{text}"
    );
    assert!(
        text.contains("listed") && text.contains(id) && text.contains("ready"),
        "{text}"
    );
    let list = json(
        &a.fe()
            .args(["list", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(list["functions"][0]["id"], id);
    for key in [
        "name",
        "runtime",
        "status",
        "url",
        "region",
        "memory",
        "cpu",
        "max_instances",
        "min_instances",
        "timeout_seconds",
        "concurrency",
        "cpu_throttling",
    ] {
        assert!(list["functions"][0].get(key).is_some(), "{key}");
    }
    // By name and by id alike.
    for ident in ["listed", id] {
        let text = stdout(&a.fe().args(["show", ident]).assert().success());
        assert!(
            text.contains(id) && text.contains("nodejs22") && text.contains("deployment"),
            "{text}"
        );
    }
    let f = json(
        &a.fe()
            .args(["show", "listed", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(f["id"], id);
    assert_eq!(f["latest_deployment"]["status"], "ready");
    a.fe()
        .args(["show", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("fe list"));
}

#[test]
fn delete_asks_refuses_without_a_terminal_and_deletes_with_yes() {
    let a = account();
    let (_dir, d) = a.deploy_hello("doomed");
    let id = d["function_id"].as_str().unwrap();
    a.fe()
        .args(["delete", "doomed"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));
    a.fe().args(["show", id]).assert().success();
    let out = a
        .fe()
        .args(["delete", "doomed", "--yes", "--json"])
        .assert()
        .success();
    assert_eq!(json(&out.get_output().stdout)["success"], true);
    a.fe().args(["show", id]).assert().code(1);
    a.fe().args(["delete", "doomed", "--yes"]).assert().code(1);
}

#[cfg(unix)]
#[test]
fn delete_asks_for_confirmation_on_a_terminal() {
    // `script` gives fe a pseudo-terminal; skip where it is missing.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `script` command");
        return;
    }
    let a = account();
    let (_dir, _) = a.deploy_hello("asked");
    let run = |answer: &str| {
        let cmd = format!("{} delete asked", common::fe_bin());
        assert_cmd::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("HOME", a.home.path())
            .env("NO_COLOR", "1")
            .env("FLOWENGINE_BASE_URL", &a.url)
            .env("FLOWENGINE_API_KEY", &a.key)
            .write_stdin(answer.to_string())
            .timeout(std::time::Duration::from_secs(60))
            .assert()
    };
    let out = run("n\n");
    assert!(
        stdout(&out).contains("Delete function asked"),
        "{}",
        stdout(&out)
    );
    a.fe().args(["show", "asked"]).assert().success();
    run("y\n").success();
    a.fe().args(["show", "asked"]).assert().code(1);
}

// --- logs -----------------------------------------------------------------------

#[test]
fn logs_prints_the_recent_entries_and_ndjson() {
    let a = account();
    let (_dir, _) = a.deploy_hello("logged");
    let text = stdout(&a.fe().args(["logs", "logged"]).assert().success());
    assert!(
        text.contains("INFO") && text.contains("Service ready at") && text.contains("Step 1/5"),
        "{text}"
    );
    let lines = ndjson(
        &a.fe()
            .args(["logs", "logged", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert!(lines.len() >= 5);
    for l in &lines {
        assert!(
            l["timestamp"].is_string() && l["message"].is_string(),
            "{l}"
        );
    }
    let last2 = stdout(
        &a.fe()
            .args(["logs", "logged", "-n", "2"])
            .assert()
            .success(),
    );
    assert_eq!(last2.lines().count(), 2, "{last2}");
    a.fe()
        .args(["logs", "logged", "-n", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--lines"));
}

#[cfg(unix)]
#[test]
fn logs_follow_streams_new_lines_until_ctrl_c() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    let a = account();
    let (dir, _) = a.deploy_hello("followed");
    // What is already there: --follow shows the last of it, never all of it
    // again (the sandbox's tail replays recent lines; they are skipped).
    let listed = a.fe().args(["logs", "followed", "--json"]).output().unwrap();
    let listed: Vec<Value> = String::from_utf8(listed.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(listed.len() > 2, "{listed:?}");
    let mut child = Command::new(common::fe_bin())
        .args(["logs", "followed", "--follow", "--json", "-n", "1"])
        .env_clear()
        .env("HOME", a.home.path())
        .env("FLOWENGINE_BASE_URL", &a.url)
        .env("FLOWENGINE_API_KEY", &a.key)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // The one recent line, then the tail is open: a redeploy writes new lines.
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the recent line");
    assert!(serde_json::from_str::<Value>(&first).is_ok(), "{first}");
    std::thread::sleep(Duration::from_millis(300));
    a.fe().arg("deploy").arg(dir.path()).assert().success();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while Instant::now() < deadline && !seen.iter().any(|l: &String| l.contains("Service ready")) {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(l);
        }
    }
    assert!(
        seen.iter().any(|l| l.contains("Step 1/5"))
            && seen.iter().any(|l| l.contains("Service ready")),
        "{seen:?}"
    );
    for l in &seen {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v["message"].is_string() && v["severity"].is_string(), "{v}");
        assert!(!listed.iter().any(|old| old["timestamp"] == v["timestamp"] && old["message"] == v["message"]), "printed again: {v}");
    }
    // Ctrl-C ends --follow, successfully.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

// --- env ------------------------------------------------------------------------

#[test]
fn env_set_list_unset_never_echo_values() {
    let a = account();
    let (_dir, _) = a.deploy_hello("secretive");
    let secret = "sk-super-secret-value-123";
    let out = a
        .fe()
        .args([
            "env",
            "set",
            "secretive",
            &format!("OPENAI_API_KEY={secret}"),
            "OTHER=x",
        ])
        .assert()
        .success();
    assert!(!stdout(&out).contains(secret) && !stderr(&out).contains(secret));
    assert!(
        stderr(&out).contains("Set OPENAI_API_KEY"),
        "{}",
        stderr(&out)
    );
    // NAME alone: the value comes from stdin.
    let out = a
        .fe()
        .args(["env", "set", "secretive", "FROM_STDIN", "--json"])
        .write_stdin("piped-value\n")
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!(doc["secrets"][0]["name"], "FROM_STDIN");
    assert!(!stdout(&out).contains("piped-value"));

    let out = a.fe().args(["env", "list", "secretive"]).assert().success();
    let text = stdout(&out);
    assert!(
        text.contains("OPENAI_API_KEY")
            && text.contains("override")
            && text.contains("FROM_STDIN")
            && !text.contains(secret),
        "{text}"
    );
    let list = json(
        &a.fe()
            .args(["env", "list", "secretive", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    let names: Vec<&str> = list["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"OPENAI_API_KEY") && names.contains(&"OTHER"),
        "{names:?}"
    );
    assert!(!list.to_string().contains(secret));

    let out = a
        .fe()
        .args(["env", "unset", "secretive", "OPENAI_API_KEY", "--json"])
        .assert()
        .success();
    assert_eq!(
        json(&out.get_output().stdout)["removed"],
        serde_json::json!(["OPENAI_API_KEY"])
    );
    let text = stdout(&a.fe().args(["env", "list", "secretive"]).assert().success());
    assert!(!text.contains("OPENAI_API_KEY"), "{text}");
    // Nothing to remove: said, not reported as removed.
    let out = a
        .fe()
        .args(["env", "unset", "secretive", "OPENAI_API_KEY", "--json"])
        .assert()
        .success();
    let doc = json(&out.get_output().stdout);
    assert_eq!((doc["removed"].clone(), doc["not_removed"].clone()), (serde_json::json!([]), serde_json::json!(["OPENAI_API_KEY"])));
    let out = a.fe().args(["env", "unset", "secretive", "OTHER", "NOTTHERE"]).assert().success();
    assert!(stderr(&out).contains("Removed OTHER") && stderr(&out).contains("no secret named NOTTHERE: nothing removed"), "{}", stderr(&out));
}

#[test]
fn env_rejects_bad_names_before_sending() {
    let a = account();
    let (_dir, _) = a.deploy_hello("strict");
    a.fe()
        .args(["env", "set", "strict", "lower=x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("[A-Z][A-Z0-9_]"));
    a.fe()
        .args(["env", "set", "strict", "GOOD=1", "9BAD=x"])
        .assert()
        .code(2);
    a.fe()
        .args(["env", "set", "strict", "EMPTY="])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty"));
    // A space typed for `=`: the value is not echoed in the error.
    let out = a
        .fe()
        .args(["env", "set", "strict", "OPENAI_API_KEY", "sk-live-abcdef123456", "--json"])
        .assert()
        .code(2);
    assert!(!stdout(&out).contains("sk-live") && !stderr(&out).contains("sk-live"), "{}", stderr(&out));
    // Values are checked too, before the first one is sent.
    a.fe()
        .args(["env", "set", "strict", "GOOD=1", &format!("BIG={}", "v".repeat(70_000))])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("BIG").and(predicate::str::contains("65536")));
    a.fe()
        .args(["env", "unset", "strict", "lower"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<NAME>"));
    let list = json(
        &a.fe()
            .args(["env", "list", "strict", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert!(
        !list.to_string().contains("GOOD"),
        "nothing was set: {list}"
    );
}

// --- domain -----------------------------------------------------------------------

#[test]
fn domain_add_prints_dns_records_then_status_and_rm() {
    let a = account();
    let (_dir, _) = a.deploy_hello("mapped");
    let out = a
        .fe()
        .args(["domain", "add", "mapped", "api.example.com"])
        .assert()
        .success();
    let text = stdout(&out);
    assert!(
        text.contains("TYPE") && text.contains("CNAME") && text.contains("ghs.googlehosted.com"),
        "{text}"
    );
    assert!(
        stderr(&out).contains("Add these DNS records"),
        "{}",
        stderr(&out)
    );
    let m = json(
        &a.fe()
            .args(["domain", "status", "mapped", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(m["domain"], "api.example.com");
    assert!(m["status"].is_string() && m["records"].is_array(), "{m}");
    let text = stdout(
        &a.fe()
            .args(["domain", "status", "mapped"])
            .assert()
            .success(),
    );
    assert!(
        text.contains("api.example.com") && text.contains("CNAME"),
        "{text}"
    );
    a.fe()
        .args(["domain", "rm", "mapped"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Removed"));
    a.fe().args(["domain", "status", "mapped"]).assert().code(1);
    a.fe()
        .args(["domain", "add", "mapped", "not a domain"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<DOMAIN>"));
}

// --- usage --------------------------------------------------------------------------

#[test]
fn usage_totals_per_function_and_filters() {
    let a = account();
    let (_dir, d) = a.deploy_hello("metered");
    let text = stdout(&a.fe().arg("usage").assert().success());
    assert!(
        text.contains("VCPU-SECONDS")
            && text.contains("metered")
            && text.contains("TOTAL")
            && text.contains('$'),
        "{text}"
    );
    let u = json(
        &a.fe()
            .args(["usage", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    for key in ["vcpu_seconds", "gib_seconds", "requests", "cost_usd"] {
        assert!(u["total"][key].is_number(), "{key}: {u}");
    }
    assert!(u["from"].is_string() && u["to"].is_string() && u["functions"].is_array());
    let by_name = json(
        &a.fe()
            .args(["usage", "--function-id", "metered", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(by_name["functions"][0]["function_id"], d["function_id"]);
    a.fe()
        .args([
            "usage",
            "--from",
            "2026-05-01",
            "--to",
            "2026-05-28",
            "--json",
        ])
        .assert()
        .success();
    a.fe()
        .args(["usage", "--from", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--from"));
    a.fe()
        .args(["usage", "--to", "2026-13-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--to"));
    a.fe()
        .args(["usage", "--from", "2026-05-28", "--to", "2026-05-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--from"));
    a.fe()
        .args(["usage", "--function-id", "nope"])
        .assert()
        .code(1);
}

// --- chat ---------------------------------------------------------------------------

#[test]
fn chat_streams_the_reply_and_ndjson_chunks() {
    let a = account();
    let out = a
        .fe()
        .args(["chat", "Create a calculator workflow"])
        .assert()
        .success();
    let text = stdout(&out);
    assert!(text.trim().len() > 10 && text.ends_with('\n'), "{text:?}");
    assert!(stderr(&out).contains("--conversation"), "{}", stderr(&out));
    let chunks = ndjson(
        &a.fe()
            .args(["chat", "hello", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert!(chunks.len() > 1, "{chunks:?}");
    for c in &chunks {
        assert!(
            c["content"].is_string()
                && c.get("finish_reason").is_some()
                && c.get("conversation_id").is_some(),
            "{c}"
        );
    }
    let joined: String = chunks
        .iter()
        .map(|c| c["content"].as_str().unwrap())
        .collect();
    assert!(!joined.is_empty());
    // The message from stdin.
    a.fe()
        .arg("chat")
        .write_stdin("from stdin")
        .assert()
        .success();
    // `echo hi | fe chat`: the final line ending is not part of the message
    // (the sandbox's reply quotes the message it got).
    let chunks = ndjson(
        &a.fe()
            .args(["chat", "--json"])
            .write_stdin("two\nlines\r\n")
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    let joined: String = chunks
        .iter()
        .map(|c| c["content"].as_str().unwrap())
        .collect();
    assert!(joined.contains("\"two\nlines\""), "{joined:?}");
    a.fe()
        .args(["chat", "--model", "turbo", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--model"));
}

#[test]
fn boost_on_a_free_plan_is_an_api_error_with_the_upgrade_url() {
    let a = free_account();
    let out = a
        .fe()
        .args(["chat", "--model", "boost", "hi"])
        .assert()
        .code(1);
    assert!(stderr(&out).contains("upgrade"), "{}", stderr(&out));
}

// --- output conventions ---------------------------------------------------------------

#[test]
fn quiet_leaves_only_results() {
    let a = account();
    let dir = a.hello();
    let out = a
        .fe()
        .args(["deploy", "-q", "--name", "hushed", "--runtime", "nodejs22"])
        .arg(dir.path())
        .assert()
        .success();
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert!(stdout(&out).trim().starts_with("https://"));
}

#[test]
fn json_errors_are_one_document_on_stderr() {
    let a = account();
    let out = a.fe().args(["show", "missing", "--json"]).assert().code(1);
    assert!(out.get_output().stdout.is_empty());
    let e = json(&out.get_output().stderr);
    assert_eq!(e["error"]["exit_code"], 1);
    assert!(e["error"]["message"].as_str().unwrap().contains("missing"));
}
