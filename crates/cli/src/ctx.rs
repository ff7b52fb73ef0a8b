//! What every command gets: the global flags, the output, and a client
//! built from the core's config resolution (flag > environment >
//! ~/.flowengine/config.json > https://flowengine.cloud).
use crate::cli::GlobalArgs;
use crate::error::{CliError, Result};
use crate::output::Out;
use flowengine::{Client, Config};
use serde_json::{json, Value};

/// Where the API key came from (for `fe whoami` and `fe login`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Flag,
    Env,
    ConfigFile,
}

pub struct Ctx {
    pub global: GlobalArgs,
    pub out: Out,
    pub key_source: KeySource,
}

impl Ctx {
    /// The core's config for these flags; the API key only if one is given.
    pub fn config(&self, api_key: Option<String>) -> Config {
        Config {
            api_key: api_key.filter(|k| !k.is_empty()),
            base_url: self.global.base_url.clone().filter(|u| !u.is_empty()),
            user_agent: Some(format!("fe/{}", env!("CARGO_PKG_VERSION"))),
            ..Default::default()
        }
    }

    /// A client that has an API key, or the "run `fe login`" error.
    pub fn client(&self) -> Result<Client> {
        let client = Client::new(self.config(self.global.api_key.clone()))?;
        if client.config().api_key.is_none() {
            return Err(CliError::no_key());
        }
        Ok(client)
    }

    /// A function by id or name (one `GET /api/v1/functions`).
    pub async fn function(&self, client: &Client, ident: &str) -> Result<Value> {
        let list = client.call("listFunctions", json!({})).await?;
        find(&list, ident).cloned().ok_or_else(|| {
            CliError::new(
                crate::error::code::API,
                format!("no function named or with id `{ident}`"),
            )
            .hint("`fe list` shows your functions")
        })
    }
}

/// The function of `list` whose id or name is `ident`.
pub fn find<'a>(list: &'a Value, ident: &str) -> Option<&'a Value> {
    let functions = list["functions"].as_array()?;
    functions
        .iter()
        .find(|f| f["id"] == ident)
        .or_else(|| functions.iter().find(|f| f["name"] == ident))
}

/// A JSON string field, or "".
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}
