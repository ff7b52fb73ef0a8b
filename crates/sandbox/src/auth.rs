//! `Authorization: Bearer fe_...`: the hash of the whole token is looked up.

use axum::http::{header, HeaderMap};

use crate::accounts::{find_by_key, Account};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then_some(token)
}

pub async fn authenticate(st: &AppState, headers: &HeaderMap) -> ApiResult<Account> {
    let token = bearer(headers).ok_or_else(ApiError::unauthorized)?.to_string();
    if !token.starts_with("fe_") {
        return Err(ApiError::unauthorized());
    }
    st.db.call(move |c| find_by_key(c, &token)).await?.ok_or_else(ApiError::unauthorized)
}
