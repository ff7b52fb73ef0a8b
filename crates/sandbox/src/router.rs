//! The axum router, built from the spec: one route per path template of the
//! document (axum and OpenAPI share the `{param}` syntax), each method going
//! through [`crate::request::handle`]. Plus the storage host of the signed
//! upload URLs, a small admin surface, and the HTML 404 page of unknown routes.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{DefaultBodyLimit, RawPathParams, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put, MethodFilter, MethodRouter};
use axum::Router;

use crate::request::{self, MAX_BODY};
use crate::routes;
use crate::state::AppState;

pub fn build(st: AppState) -> Result<Router, String> {
    let mut by_path: BTreeMap<String, MethodRouter<AppState>> = BTreeMap::new();
    for op in &st.spec.operations {
        if routes::handler(&op.id).is_none() {
            return Err(format!("operation {} has no handler", op.id));
        }
        let method = Method::from_bytes(op.method.as_bytes()).map_err(|e| e.to_string())?;
        let filter = MethodFilter::try_from(method).map_err(|e| e.to_string())?;
        let o = Arc::clone(op);
        let handler = move |State(st): State<AppState>, raw: Result<RawPathParams, RawPathParamsRejection>, req: Request| {
            let o = Arc::clone(&o);
            async move { request::handle(st, o, raw, req).await }
        };
        let mr = by_path.remove(&op.path).unwrap_or_default();
        by_path.insert(op.path.clone(), mr.on(filter, handler));
    }
    let mut router = Router::new();
    for (path, mr) in by_path {
        router = router.route(&path, mr);
    }
    let router = router
        .route("/_storage/{bucket}/{*object}", put(routes::storage::put_object))
        .route("/_sandbox/accounts", post(routes::admin::create_account_route))
        .fallback(not_found_page)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(st);
    Ok(router)
}

/// Unknown routes answer an HTML page, as the service does (observed behaviour).
pub async fn not_found_page() -> Response {
    let html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>404: This page could not be found.</title></head>\
<body><h1>404</h1><h2>This page could not be found.</h2><p>FlowEngine sandbox</p></body></html>";
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}
