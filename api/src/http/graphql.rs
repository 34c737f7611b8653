//! The `/graphql` endpoint: POST with `application/json` executes one operation; GET serves
//! GraphiQL and executes nothing, so no mutation can ride on a link or a form (CSRF).

use std::net::SocketAddr;

use async_graphql::parser::types::OperationType;

use axum::{
    body::Bytes,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{idempotency, pipeline, socket};
use crate::startup::AppState;

/// `GET /graphql`: a WebSocket upgrade opens a `graphql-transport-ws` session (see
/// `http::socket`); anything else gets the GraphiQL page (`http::graphiql`). Nothing executes
/// over plain GET.
pub async fn get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
) -> Response {
    use axum::extract::{FromRequestParts, ws::WebSocketUpgrade};
    let (mut parts, _) = request.into_parts();
    let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut parts, &state).await else {
        return super::graphiql::respond(&parts.headers);
    };
    let offered = parts
        .headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case(socket::PROTOCOL));
    if !offered {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "unsupported WebSocket subprotocol: use graphql-transport-ws",
        );
    }
    upgrade
        .protocols([socket::PROTOCOL])
        // A message is held to the same bound as a POST body.
        .max_message_size(super::BODY_LIMIT_BYTES)
        .max_frame_size(super::BODY_LIMIT_BYTES)
        .on_upgrade(move |ws| socket::serve(state, ws, peer.ip()))
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
            } else if error.message == "Subscriptions are not supported on this transport." {
                // A valid document on the wrong transport: not a validation failure.
                error.message =
                    "subscriptions run over the WebSocket at /graphql (graphql-transport-ws)"
                        .into();
                "BAD_REQUEST"
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

/// Executes one GraphQL operation, after the request pipeline (`http::pipeline`). An
/// `Idempotency-Key` applies to mutations; with any other operation it is ignored, and nothing
/// is stored.
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
    let incoming = pipeline::Incoming {
        body: value,
        credentials: pipeline::Credentials::from_headers(&headers),
        client: peer.ip(),
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        transport: pipeline::Transport::Http,
    };
    let prepared = match pipeline::prepare(&state, incoming).await {
        Ok(prepared) => prepared,
        Err(refusal) => return refusal.into_response(),
    };
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim).unwrap_or_default().to_owned());
    match key {
        Some(key) if prepared.operation == Some(OperationType::Mutation) => {
            match prepared.auth.caller() {
                Ok(caller) => {
                    let caller = caller.clone();
                    idempotency::run(&state, &caller, &key, &body, prepared.request).await
                }
                Err(_) => refuse(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHENTICATED",
                    "an Idempotency-Key needs an authenticated caller",
                ),
            }
        }
        _ => {
            let response = with_codes(state.schema.execute(prepared.request).await);
            axum::Json(response).into_response()
        }
    }
}
