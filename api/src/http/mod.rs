//! The HTTP surface: `/graphql`, health checks, and the middleware around them.

pub mod answer;
pub mod client_address;
pub mod drain;
pub mod files;
pub mod graphiql;
pub mod graphql;
pub mod guard;
pub mod idempotency;
pub mod oauth;
pub mod persisted;
pub mod pipeline;
pub mod socket;
pub mod unread_body;
pub mod uploads;

use std::time::Duration;

use axum::{
    Router,
    extract::State,
    http::{HeaderName, StatusCode},
    routing::get,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::CorsLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::startup::AppState;

/// Largest request body accepted (answered 413 above it).
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest an upload's `PUT` may take, body included.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// The whole router, state applied.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let trusted_proxies = state.trusted_proxies.clone();
    // Every route but the uploads' takes at most `BODY_LIMIT_BYTES`; an upload's body is
    // limited to its declared size by its handler, which reads it as a stream.
    let limited = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::execute))
        .route("/graphiql/assets/{tag}/{file}", get(graphiql::asset))
        .route("/oauth/token", axum::routing::post(oauth::token))
        .route("/.well-known/jwks.json", get(oauth::jwks))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/files/{token}", get(files::get))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ));
    // A file from a phone on a slow link takes longer than an operation.
    let uploads = Router::new()
        .route("/uploads/{token}", axum::routing::put(uploads::put))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            UPLOAD_TIMEOUT,
        ));
    Router::new()
        .merge(uploads)
        .merge(limited)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_responses,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            close_while_draining,
        ))
        .with_state(state)
        // A bug that panics answers 500 instead of dropping the connection.
        .layer(CatchPanicLayer::new())
        // Outside the limit, the timeout and the panic catcher: each of them can answer before
        // the body is read.
        .layer(axum::middleware::from_fn(unread_body::finish))
        .layer(CorsLayer::permissive())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(
            |req: &axum::http::Request<axum::body::Body>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let client = req
                    .extensions()
                    .get::<client_address::ClientAddress>()
                    .map(|c| c.0.to_string())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %req.method(), path = %logged_path(req.uri().path()), request_id = %id, client = %client)
            },
        ))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // Before the id is set: one the client sent that the log and the audit trail could
        // not hold as it is goes, and the server assigns its own.
        .layer(axum::middleware::from_fn(drop_unfit_request_id))
        // Outermost: the request log already names the real client.
        .layer(axum::middleware::from_fn_with_state(
            trusted_proxies,
            client_address::resolve,
        ))
}

/// Longest request id kept as the client sent it.
const MAX_REQUEST_ID: usize = 128;

/// Removes an `x-request-id` longer than [`MAX_REQUEST_ID`] or with characters beyond ASCII
/// letters, digits and `-._:` (what UUIDs, nginx's `$request_id` and trace ids use), so the
/// request log, `extensions.requestId` and the audit log never carry what a client smuggled.
async fn drop_unfit_request_id(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let fit = |v: &axum::http::HeaderValue| {
        let bytes = v.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':'))
    };
    let headers = request.headers_mut();
    let ids = headers.get_all("x-request-id");
    let (count, all_fit) = (ids.iter().count(), ids.iter().all(fit));
    if count > 1 || !all_fit {
        headers.remove("x-request-id");
    }
    next.run(request).await
}

/// The path as logged: the secret in an upload or download URL is left out, so logs cannot be
/// used to fetch a file.
fn logged_path(path: &str) -> &str {
    for prefix in ["/files/", "/uploads/"] {
        if path.starts_with(prefix) {
            return prefix;
        }
    }
    path
}

async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// Counts every response by route and status, refusals before execution included. The route
/// label is the matched path pattern, never the raw URI, so its values stay few.
async fn count_responses(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics.http(&route, response.status().as_u16());
    response
}

/// Once shutdown has begun, closes each connection after its response: the client opens a new
/// one for its next request, which reaches another instance or, once the listener is closed, a
/// clean refusal.
async fn close_while_draining(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    if state.draining.is_draining() {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// Prometheus text exposition of this instance's metrics.
async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use crate::startup::MetricsAccess;
    use axum::response::IntoResponse;
    let allowed = match &state.metrics_access {
        MetricsAccess::Open => true,
        MetricsAccess::Closed => false,
        MetricsAccess::Token(token) => headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|sent| {
                // Equal length first, then a comparison that does not stop at the first
                // difference, so timing does not reveal the token.
                sent.len() == token.len()
                    && sent
                        .bytes()
                        .zip(token.bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }),
    };
    if !allowed {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(
            &state.db,
            state.statements.load(std::sync::atomic::Ordering::Relaxed),
            state.events.listeners(),
        ),
    )
        .into_response()
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.draining.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down")
    } else if crate::db::ping(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
