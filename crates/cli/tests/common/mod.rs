//! One sandbox per test binary (in process, on a free port), and a fresh
//! account per test, so that tests run in parallel without seeing each
//! other's functions. Every `fe` runs with HOME in a temporary folder, so no
//! test touches the real ~/.flowengine.
#![allow(dead_code)]
use flowengine_sandbox::{AccountSpec, FunctionsTier, MainTier, Sandbox, SandboxConfig};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

struct Shared {
    rt: tokio::runtime::Runtime,
    sandbox: Mutex<Sandbox>,
    url: String,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = rt
            .block_on(flowengine_sandbox::start(SandboxConfig::for_tests()))
            .expect("the sandbox starts");
        let url = sandbox.url.clone();
        Shared {
            rt,
            sandbox: Mutex::new(sandbox),
            url,
        }
    })
}

pub struct Account {
    pub url: String,
    pub key: String,
    pub home: tempfile::TempDir,
}

/// A paid account (teams, card on file): no tier caps in the way.
pub fn account() -> Account {
    new_account(AccountSpec {
        functions_tier: FunctionsTier::Teams,
        main_tier: MainTier::ProPlus,
        has_card: true,
        credits: 10_000.0,
        ..AccountSpec::default()
    })
}

/// A free account without a card: the tier caps apply.
pub fn free_account() -> Account {
    new_account(AccountSpec::default())
}

pub fn new_account(spec: AccountSpec) -> Account {
    let s = shared();
    let created = {
        let sb = s.sandbox.lock().unwrap();
        s.rt.block_on(sb.create_account(spec)).expect("account")
    };
    Account {
        url: s.url.clone(),
        key: created.api_key,
        home: tempfile::tempdir().expect("home"),
    }
}

pub fn fe_bin() -> &'static str {
    env!("CARGO_BIN_EXE_fe")
}

impl Account {
    /// `fe` with this account's key and the sandbox's URL in the environment.
    pub fn fe(&self) -> assert_cmd::Command {
        let mut c = self.fe_without_key();
        c.env("FLOWENGINE_API_KEY", &self.key);
        c
    }

    /// `fe` with the sandbox's URL but no key (only what HOME holds).
    pub fn fe_without_key(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::new(fe_bin());
        c.env_clear()
            .env("HOME", self.home.path())
            .env("NO_COLOR", "1")
            .env("TERM", "dumb")
            .env("FLOWENGINE_BASE_URL", &self.url)
            .timeout(std::time::Duration::from_secs(60));
        c
    }

    pub fn config_file(&self) -> PathBuf {
        self.home.path().join(".flowengine/config.json")
    }

    /// examples/hello copied into a temporary folder (the deploy writes its link file there).
    pub fn hello(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("dir");
        copy_dir(&repo_root().join("examples/hello"), dir.path());
        dir
    }

    /// Deploys examples/hello as `name` and returns its JSON outcome.
    pub fn deploy_hello(&self, name: &str) -> (tempfile::TempDir, serde_json::Value) {
        let dir = self.hello();
        let out = self
            .fe()
            .args(["deploy", "--json", "--name", name, "--runtime", "nodejs22"])
            .arg(dir.path())
            .assert()
            .success();
        let doc = json(&out.get_output().stdout);
        (dir, doc)
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != ".flowengine" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}): {}",
            String::from_utf8_lossy(bytes)
        )
    })
}

pub fn ndjson(bytes: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

pub fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).to_string()
}

pub fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}
