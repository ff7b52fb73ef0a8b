//! Accounts and their API keys. A key is `fe_` + 40 hex characters; only its
//! SHA-256 is stored, and an account has one active key at a time.

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::tiers::{FunctionsTier, MainTier};
use crate::util::{hex_token, now_ms, uuid};

/// What a new account looks like.
#[derive(Debug, Clone)]
pub struct AccountSpec {
    /// A free-form name shown in the start-up line (`accounts[].label`).
    pub label: Option<String>,
    pub email: Option<String>,
    pub functions_tier: FunctionsTier,
    pub main_tier: MainTier,
    pub has_card: bool,
    /// `over_credit` or `card_invalid` for a suspended account.
    pub suspended: Option<String>,
    pub credits: f64,
    /// Empty hosting slots (storage in GB) to provision onto.
    pub empty_slots: Vec<i64>,
    /// Empty slots with fixed ids (id, storage in GB), for fixtures.
    pub fixed_slots: Vec<(String, i64)>,
    /// Connected Gmail senders: (address, daily quota).
    pub email_senders: Vec<(String, i64)>,
    /// Workspace-scope secrets: (name, value).
    pub workspace_secrets: Vec<(String, String)>,
    /// Use this key instead of a random one (it must look like `fe_` + 40 hex).
    pub key: Option<String>,
}

impl Default for AccountSpec {
    /// A free account without a card: the tier most gates apply to.
    fn default() -> Self {
        AccountSpec {
            label: None,
            email: None,
            functions_tier: FunctionsTier::Free,
            main_tier: MainTier::Free,
            has_card: false,
            suspended: None,
            credits: 100.0,
            empty_slots: vec![10, 30],
            fixed_slots: Vec::new(),
            email_senders: vec![("me@example.com".into(), 250)],
            workspace_secrets: Vec::new(),
            key: None,
        }
    }
}

impl AccountSpec {
    /// The account a sandbox creates on its first start: it may do everything.
    pub fn demo() -> Self {
        AccountSpec {
            label: Some("default".into()),
            email: Some("demo@flowengine.local".into()),
            functions_tier: FunctionsTier::Teams,
            main_tier: MainTier::ProPlus,
            has_card: true,
            suspended: None,
            credits: 1_000_000.0,
            empty_slots: vec![10, 10, 30, 30, 50],
            fixed_slots: Vec::new(),
            email_senders: vec![("demo@flowengine.local".into(), 500), ("sales@flowengine.local".into(), 250)],
            workspace_secrets: vec![("DATABASE_URL".into(), "postgres://sandbox/demo".into())],
            key: None,
        }
    }
}

/// A created account and its key (shown once).
#[derive(Debug, Clone)]
pub struct CreatedAccount {
    pub user_id: String,
    pub api_key: String,
    pub label: Option<String>,
}

/// The caller, as authentication loads it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub functions_tier: FunctionsTier,
    pub main_tier: MainTier,
    pub has_card: bool,
    pub suspended_reason: Option<String>,
    pub credits: f64,
}

pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

pub fn new_key() -> String {
    format!("fe_{}", hex_token(40))
}

pub fn is_well_formed_key(key: &str) -> bool {
    key.len() == 43 && key.starts_with("fe_") && key[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn create_account(conn: &mut Connection, spec: &AccountSpec) -> ApiResult<CreatedAccount> {
    if let Some(r) = &spec.suspended {
        if r != "over_credit" && r != "card_invalid" {
            return Err(ApiError::bad_request("suspended", "suspended must be over_credit or card_invalid"));
        }
    }
    let key = match &spec.key {
        Some(k) if is_well_formed_key(k) => k.clone(),
        Some(_) => return Err(ApiError::bad_request("key", "a key is fe_ followed by 40 hex characters")),
        None => new_key(),
    };
    let id = uuid();
    let now = now_ms();
    let email = spec.email.clone().unwrap_or_else(|| format!("user-{}@flowengine.local", &id[..8]));
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO accounts (id, email, label, functions_tier, main_tier, has_card, suspended_reason, credits, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            email,
            spec.label,
            spec.functions_tier.as_str(),
            spec.main_tier.as_str(),
            spec.has_card,
            spec.suspended,
            spec.credits,
            now
        ],
    )?;
    let taken: Option<String> =
        tx.query_row("SELECT account_id FROM api_keys WHERE key_hash = ?1", [hash_key(&key)], |r| r.get(0)).optional()?;
    if taken.is_some() {
        return Err(ApiError::conflict("key_taken", "this key already belongs to an account"));
    }
    tx.execute("INSERT INTO api_keys (key_hash, account_id, created_ms) VALUES (?1, ?2, ?3)", params![hash_key(&key), id, now])?;
    let slots = spec.empty_slots.iter().map(|gb| (uuid(), *gb)).chain(spec.fixed_slots.iter().cloned());
    for (i, (slot, gb)) in slots.enumerate() {
        let taken = tx.query_row("SELECT 1 FROM instances WHERE id = ?1", [&slot], |_| Ok(())).optional()?.is_some();
        if taken {
            return Err(ApiError::conflict("slot_taken", format!("an instance with id {slot} already exists")));
        }
        tx.execute(
            "INSERT INTO instances (id, account_id, instance_name, instance_url, service_type, status, storage_gb, created_ms)
             VALUES (?1, ?2, ?3, NULL, 'empty', 'pending_deploy', ?4, ?5)",
            params![slot, id, format!("slot-{}-{gb}gb", i + 1), gb, now + i as i64],
        )?;
    }
    let day = crate::util::rfc3339(now)[..10].to_string();
    for (email, quota) in &spec.email_senders {
        tx.execute(
            "INSERT OR REPLACE INTO email_senders (account_id, email, daily_quota, sent_today, day) VALUES (?1, ?2, ?3, 0, ?4)",
            params![id, email, quota, day],
        )?;
    }
    for (name, value) in &spec.workspace_secrets {
        tx.execute(
            "INSERT OR REPLACE INTO workspace_secrets (account_id, name, value, updated_ms) VALUES (?1, ?2, ?3, ?4)",
            params![id, name, value, now],
        )?;
    }
    tx.commit()?;
    Ok(CreatedAccount { user_id: id, api_key: key, label: spec.label.clone() })
}

/// Gives `account_id` a new key (`key`, or a random one), revoking its others.
pub fn issue_key(conn: &mut Connection, account_id: &str, key: Option<&str>) -> ApiResult<String> {
    let key = match key {
        Some(k) if is_well_formed_key(k) => k.to_string(),
        Some(_) => return Err(ApiError::bad_request("key", "a key is fe_ followed by 40 hex characters")),
        None => new_key(),
    };
    let h = hash_key(&key);
    let tx = conn.transaction()?;
    let owner: Option<String> = tx.query_row("SELECT account_id FROM api_keys WHERE key_hash = ?1", [&h], |r| r.get(0)).optional()?;
    if let Some(o) = owner {
        if o != account_id {
            return Err(ApiError::conflict("key_taken", "this key already belongs to another account"));
        }
    }
    tx.execute("UPDATE api_keys SET revoked = 1 WHERE account_id = ?1 AND key_hash != ?2", params![account_id, h])?;
    tx.execute(
        "INSERT INTO api_keys (key_hash, account_id, created_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT(key_hash) DO UPDATE SET revoked = 0",
        params![h, account_id, now_ms()],
    )?;
    tx.commit()?;
    Ok(key)
}

/// The default account (created on the first start) and a key for it.
pub fn ensure_default_account(conn: &mut Connection, key: Option<&str>) -> ApiResult<CreatedAccount> {
    let existing: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'default_account'", [], |r| r.get(0)).optional()?;
    if let Some(id) = existing {
        let key = issue_key(conn, &id, key)?;
        return Ok(CreatedAccount { user_id: id, api_key: key, label: Some("default".into()) });
    }
    let mut spec = AccountSpec::demo();
    spec.key = key.map(str::to_string);
    let created = create_account(conn, &spec)?;
    conn.execute("INSERT INTO meta (key, value) VALUES ('default_account', ?1)", [&created.user_id])?;
    Ok(created)
}

pub fn find_by_key(conn: &Connection, key: &str) -> ApiResult<Option<Account>> {
    let row = conn
        .query_row(
            "SELECT a.id, a.email, a.functions_tier, a.main_tier, a.has_card, a.suspended_reason, a.credits
             FROM api_keys k JOIN accounts a ON a.id = k.account_id
             WHERE k.key_hash = ?1 AND k.revoked = 0",
            [hash_key(key)],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, f64>(6)?,
                ))
            },
        )
        .optional()?;
    Ok(row.map(|(id, email, ft, mt, has_card, suspended_reason, credits)| Account {
        id,
        email,
        functions_tier: FunctionsTier::parse(&ft).unwrap_or(FunctionsTier::Free),
        main_tier: MainTier::parse(&mt).unwrap_or(MainTier::Free),
        has_card,
        suspended_reason,
        credits,
    }))
}

/// The HMAC secret of the upload URLs, kept in the database so that URLs
/// survive a restart.
pub fn signing_secret(conn: &Connection) -> ApiResult<Vec<u8>> {
    let existing: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'signing_secret'", [], |r| r.get(0)).optional()?;
    let hexed = match existing {
        Some(h) => h,
        None => {
            let h = hex_token(64);
            conn.execute("INSERT INTO meta (key, value) VALUES ('signing_secret', ?1)", [&h])?;
            h
        }
    };
    hex::decode(hexed).map_err(|_| ApiError::internal("bad signing secret"))
}
