//! The caller's account and credit balance.

use serde_json::json;

use crate::error::ApiResult;
use crate::request::{ok, Req};
use crate::state::AppState;
use crate::util::{now_ms, rfc3339};

pub async fn user(_st: AppState, rq: Req) -> ApiResult {
    let a = &rq.account;
    ok(json!({
        "success": true,
        "user_id": a.id,
        "email": a.email,
        "credits_remaining": a.credits,
        "tier": a.main_tier.as_str(),
        "subscription_status": "active",
    }))
}

pub async fn credits(_st: AppState, rq: Req) -> ApiResult {
    ok(json!({
        "success": true,
        "credits_remaining": rq.account.credits,
        "tier": rq.account.main_tier.as_str(),
        "refreshed_at": rfc3339(now_ms()),
    }))
}
