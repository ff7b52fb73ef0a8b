-- The sandbox's state. Times are Unix milliseconds (UTC). Statuses that
-- move with time alone (instances booting, domains verifying, backups,
-- WhatsApp sessions connecting) are stored with the moment they change and
-- computed on read, so that a restart loses no transition.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  label TEXT,
  functions_tier TEXT NOT NULL,
  main_tier TEXT NOT NULL,
  has_card INTEGER NOT NULL,
  suspended_reason TEXT,
  credits REAL NOT NULL,
  overage_action TEXT NOT NULL DEFAULT 'stop',
  auto_topup_enabled INTEGER NOT NULL DEFAULT 0,
  topup_threshold_usd REAL NOT NULL DEFAULT 5,
  topup_amount_usd REAL NOT NULL DEFAULT 20,
  topup_balance_usd REAL NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
  key_hash TEXT PRIMARY KEY,          -- sha256 of the whole token, hex
  account_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS api_keys_account ON api_keys(account_id);

CREATE TABLE IF NOT EXISTS functions (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  runtime TEXT NOT NULL,
  status TEXT NOT NULL,
  url TEXT,
  region TEXT NOT NULL,
  memory TEXT NOT NULL,
  cpu INTEGER NOT NULL,
  max_instances INTEGER NOT NULL,
  min_instances INTEGER NOT NULL,
  timeout_seconds INTEGER NOT NULL,
  concurrency INTEGER NOT NULL,
  cpu_throttling INTEGER NOT NULL,
  base_image TEXT,
  trigger_type TEXT NOT NULL,
  trigger_config TEXT,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS functions_live_name ON functions(account_id, name) WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS functions_account ON functions(account_id, created_ms);

CREATE TABLE IF NOT EXISTS deployments (
  id TEXT PRIMARY KEY,
  function_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  status TEXT NOT NULL,
  source_tarball TEXT,
  error TEXT,
  origin TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  finished_ms INTEGER
);
CREATE INDEX IF NOT EXISTS deployments_function ON deployments(function_id, created_ms);
CREATE INDEX IF NOT EXISTS deployments_account_status ON deployments(account_id, status);

-- The storage bucket: uploaded tarballs by their gs:// object name.
CREATE TABLE IF NOT EXISTS objects (
  name TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  data BLOB NOT NULL,
  created_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS function_logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the SSE event id
  function_id TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  severity TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS function_logs_function ON function_logs(function_id, seq);

CREATE TABLE IF NOT EXISTS workspace_secrets (
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, name)
);
CREATE TABLE IF NOT EXISTS function_secrets (
  function_id TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (function_id, name)
);

CREATE TABLE IF NOT EXISTS domains (
  function_id TEXT PRIMARY KEY,
  domain TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  verified_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS usage_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  function_id TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  vcpu_seconds REAL NOT NULL,
  gib_seconds REAL NOT NULL,
  requests INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_events_account ON usage_events(account_id, ts_ms);

CREATE TABLE IF NOT EXISTS chats (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  title TEXT,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chats_account ON chats(account_id, updated_ms);
CREATE TABLE IF NOT EXISTS chat_messages (
  id TEXT PRIMARY KEY,
  chat_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  has_workflow INTEGER NOT NULL DEFAULT 0,
  ts_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_messages_chat ON chat_messages(chat_id, seq);

-- Hosting instances of every kind; n8n instances bought through the
-- billing API have billing = 1. An empty slot has service_type 'empty'.
CREATE TABLE IF NOT EXISTS instances (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  instance_name TEXT NOT NULL,
  instance_url TEXT,
  service_type TEXT NOT NULL,
  status TEXT NOT NULL,
  ready_ms INTEGER,                   -- 'provisioning' turns 'running' at this time
  storage_gb INTEGER NOT NULL,
  billing_cycle TEXT,
  stripe_subscription_id TEXT,
  domain TEXT,
  config TEXT NOT NULL DEFAULT '{}',
  billing INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_account ON instances(account_id, created_ms);
CREATE TABLE IF NOT EXISTS instance_deployments (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL,
  source_type TEXT NOT NULL,
  source TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL        -- 'in_progress' before, 'finished' after
);
CREATE INDEX IF NOT EXISTS instance_deployments_instance ON instance_deployments(instance_id, created_ms);
CREATE TABLE IF NOT EXISTS instance_logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  line TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instance_logs_instance ON instance_logs(instance_id, seq);
CREATE TABLE IF NOT EXISTS backups (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL,
  file_name TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  done_ms INTEGER NOT NULL            -- 'in_progress' before, 'completed' after
);
CREATE INDEX IF NOT EXISTS backups_instance ON backups(instance_id, created_ms);

CREATE TABLE IF NOT EXISTS whatsapp_sessions (
  instance_name TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  session_token TEXT NOT NULL,
  server_url TEXT NOT NULL,
  webhook_url TEXT,
  billing_cycle TEXT NOT NULL,
  stripe_subscription_id TEXT,
  phone_number TEXT NOT NULL,
  qr_base64 TEXT NOT NULL,
  qr_code TEXT NOT NULL,
  connect_ms INTEGER NOT NULL,        -- 'pending_scan' turns 'connected' at this time
  created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS whatsapp_sessions_account ON whatsapp_sessions(account_id, created_ms);

CREATE TABLE IF NOT EXISTS email_senders (
  account_id TEXT NOT NULL,
  email TEXT NOT NULL,
  daily_quota INTEGER NOT NULL,
  sent_today INTEGER NOT NULL DEFAULT 0,
  day TEXT NOT NULL,                  -- the UTC day sent_today counts
  PRIMARY KEY (account_id, email)
);
CREATE TABLE IF NOT EXISTS emails (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  to_addr TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
