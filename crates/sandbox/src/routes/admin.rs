//! `POST /_sandbox/accounts`: adds an account at run time (tests in any
//! language use it to get a key per tier). Not part of the API; no key needed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{create_account, AccountSpec};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tiers::{FunctionsTier, MainTier};

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewAccount {
    pub label: Option<String>,
    pub email: Option<String>,
    pub functions_tier: Option<String>,
    pub main_tier: Option<String>,
    pub has_card: Option<bool>,
    pub suspended: Option<String>,
    pub credits: Option<f64>,
    pub empty_slots: Option<Vec<i64>>,
    pub fixed_slots: Option<Vec<SlotSpec>>,
    pub email_senders: Option<Vec<SenderSpec>>,
    pub key: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SlotSpec {
    pub id: String,
    pub storage_gb: i64,
}

#[derive(Debug, Deserialize)]
pub struct SenderSpec {
    pub email: String,
    pub daily_quota: i64,
}

impl NewAccount {
    pub fn into_spec(self) -> Result<AccountSpec, ApiError> {
        let mut spec = AccountSpec::default();
        if let Some(t) = self.functions_tier {
            spec.functions_tier =
                FunctionsTier::parse(&t).ok_or_else(|| ApiError::bad_request("functions_tier", "functions_tier is free, pro or teams"))?;
        }
        if let Some(t) = self.main_tier {
            spec.main_tier = MainTier::parse(&t).ok_or_else(|| ApiError::bad_request("main_tier", "main_tier is free, pro or pro_plus"))?;
        }
        spec.label = self.label;
        spec.email = self.email;
        spec.has_card = self.has_card.unwrap_or(spec.has_card);
        spec.suspended = self.suspended;
        spec.credits = self.credits.unwrap_or(spec.credits);
        if let Some(s) = self.empty_slots {
            spec.empty_slots = s;
        }
        if let Some(s) = self.fixed_slots {
            spec.fixed_slots = s.into_iter().map(|s| (s.id, s.storage_gb)).collect();
        }
        if let Some(s) = self.email_senders {
            spec.email_senders = s.into_iter().map(|s| (s.email, s.daily_quota)).collect();
        }
        spec.key = self.key;
        Ok(spec)
    }
}

pub async fn create_account_route(State(st): State<AppState>, body: Result<Json<NewAccount>, axum::extract::rejection::JsonRejection>) -> Response {
    let spec = match body {
        Ok(Json(b)) => b.into_spec(),
        Err(e) => Err(ApiError::bad_request("body", e.body_text())),
    };
    let spec = match spec {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    match st.db.call(move |c| create_account(c, &spec)).await {
        Ok(a) => (StatusCode::CREATED, Json(json!({ "user_id": a.user_id, "api_key": a.api_key, "label": a.label }))).into_response(),
        Err(e) => e.into_response(),
    }
}
