//! The `/graphql` endpoint: POST with `application/json` executes one operation; GET serves
//! GraphiQL and executes nothing, so no mutation can ride on a link or a form (CSRF).

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use std::net::SocketAddr;

use axum::{
    body::Bytes,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{guard, idempotency};
use crate::{
    auth::Auth,
    domain::users,
    graphql::{ClientAddr, RequestId, loaders::Loaders},
    startup::AppState,
};

/// `GET /graphql`: a WebSocket upgrade opens a `graphql-transport-ws` session (subscriptions);
/// anything else gets the GraphiQL page (`graphiql`). Nothing executes over plain GET.
pub async fn get(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    use axum::extract::{FromRequestParts, ws::WebSocketUpgrade};
    let (mut parts, _) = request.into_parts();
    let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut parts, &state).await else {
        return super::graphiql::respond(&parts.headers);
    };
    let Ok(protocol) = GraphQLProtocol::from_request_parts(&mut parts, &state).await else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "unsupported WebSocket subprotocol",
        );
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let init_state = state.clone();
            GraphQLWebSocket::new(socket, state.schema.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    connection_data(&init_state, payload).await
                })
                .serve()
                .await;
        })
}

/// Gives every error a stable `extensions.code`: resolver errors carry theirs already; parse,
/// validation and limit errors from the engine get `GRAPHQL_VALIDATION_FAILED`, and a missing
/// persisted query gets the code Apollo clients know.
pub fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            let code = if error.message == "PersistedQueryNotFound" {
                "PERSISTED_QUERY_NOT_FOUND"
            } else {
                "GRAPHQL_VALIDATION_FAILED"
            };
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code);
        }
    }
    response
}

/// Authenticates a WebSocket session from its `connection_init` payload
/// (`{"Authorization": "Bearer …"}`); a session without valid credentials is refused.
async fn connection_data(
    state: &AppState,
    payload: serde_json::Value,
) -> async_graphql::Result<async_graphql::Data> {
    let header = payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
    let verified = state
        .keys
        .verify(token)
        .ok_or_else(|| async_graphql::Error::new("authentication required"))?;
    let caller = users::caller_for(&state.db, &verified)
        .await
        .ok()
        .flatten()
        .ok_or_else(|| async_graphql::Error::new("authentication required"))?;
    let auth = Auth::User(caller);
    let loaders = Loaders::new(&state.db, &auth);
    // A session lives long: its loaders batch but never serve a stale row.
    loaders.disable_caches();
    let mut data = async_graphql::Data::default();
    data.insert(auth);
    data.insert(loaders);
    data.insert(RequestId(None));
    Ok(data)
}

/// A refusal before execution, in the GraphQL error shape.
pub fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })),
    )
        .into_response()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Who the bearer token speaks for; a token that fails any check is `Invalid`, never anonymous.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Auth, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Auth::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(verified) = token.and_then(|t| state.keys.verify(t)) else {
        return Ok(Auth::Invalid);
    };
    match users::caller_for(&state.db, &verified).await {
        Ok(Some(caller)) => Ok(Auth::User(caller)),
        Ok(None) => Ok(Auth::Invalid),
        Err(err) => {
            let (code, message) = (err.code(), err.message());
            // Into the GraphQL error, which logs it.
            let _: async_graphql::Error = err.into();
            Err(refuse(StatusCode::SERVICE_UNAVAILABLE, code, &message))
        }
    }
}

/// Executes one GraphQL operation.
pub async fn execute(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_json(&headers) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "send operations as POST with Content-Type: application/json",
        );
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "body is not valid JSON",
            );
        }
    };
    if value.is_array() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "batched operations are not accepted; send one operation per request",
        );
    }
    // A persisted-query request may carry only the document's hash.
    let query = match value.get("query") {
        Some(q) => match q.as_str() {
            Some(q) => q,
            None => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "`query` must be a string",
                );
            }
        },
        None if value.pointer("/extensions/persistedQuery").is_some() => "",
        None => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "`query` is required",
            );
        }
    };
    if let Some(allowed) = &state.allowed_operations {
        // A hash-only persisted query is checked by the hash it names.
        let hash = if query.is_empty() {
            value
                .pointer("/extensions/persistedQuery/sha256Hash")
                .and_then(|h| h.as_str())
                .unwrap_or_default()
                .to_ascii_lowercase()
        } else {
            crate::domain::sessions::hash_secret(query)
        };
        if !allowed.contains(&hash) {
            return refuse(
                StatusCode::BAD_REQUEST,
                "OPERATION_NOT_ALLOWED",
                "this server only runs the operations on its allow-list",
            );
        }
    }
    if let Err(refusal) = guard::check(query) {
        let message = match refusal {
            guard::Refusal::TooDeep => "document nested too deeply",
            guard::Refusal::TooManyAliases => "document uses too many aliases",
        };
        return refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", message);
    }
    let request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "body must be {query, variables?, operationName?}",
            );
        }
    };
    let auth = match authenticate(&state, &headers).await {
        Ok(auth) => auth,
        Err(response) => return response,
    };
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let principal = match &auth {
        Auth::User(c) => Some(c.user_id),
        _ => None,
    };
    let loaders = Loaders::new(&state.db, &auth);
    let request = request
        .data(auth)
        .data(RequestId(request_id))
        .data(ClientAddr(Some(peer.ip())))
        .data(loaders);
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim).unwrap_or_default().to_owned());
    match (key, principal) {
        (Some(key), Some(principal)) => {
            idempotency::run(&state, principal, &key, &body, request).await
        }
        (Some(_), None) => refuse(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "an Idempotency-Key needs an authenticated caller",
        ),
        (None, _) => {
            let response = with_codes(state.schema.execute(request).await);
            axum::Json(response).into_response()
        }
    }
}
