//! The storage host of the signed upload URLs (`PUT {url}/_storage/<bucket>/<object>?expires=..&sig=..`).
//! Like a signed GCS URL it needs no Authorization header: the signature is the credential.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::deploy_chain::{gs_name, store_object, verify_signature, BUCKET};
use crate::error::ApiError;
use crate::state::AppState;

fn denied(msg: &str) -> Response {
    let mut e = ApiError::new(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", msg);
    e.upgrade_url = None;
    e.into_response()
}

pub async fn put_object(
    State(st): State<AppState>,
    Path((bucket, object)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let expires = q.get("expires").and_then(|e| e.parse::<i64>().ok());
    let (Some(expires), Some(sig)) = (expires, q.get("sig")) else {
        return denied("the URL carries no valid signature");
    };
    if bucket != BUCKET || !verify_signature(&st.signing_secret, "PUT", &bucket, &object, expires, sig) {
        return denied("the signature does not match this URL");
    }
    if chrono::Utc::now().timestamp() > expires {
        return denied("the signed URL has expired");
    }
    // functions/<user>/<fn>/<ts>.tar.gz
    let account_id = object.split('/').nth(1).unwrap_or_default().to_string();
    let gs = gs_name(&object);
    match st.db.call(move |c| store_object(c, &account_id, &gs, &body)).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}
