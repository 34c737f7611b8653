//! The `/graphql` endpoint (GraphQL over HTTP): `POST` with `application/json` executes one
//! operation; `GET ?query=…&variables=…&operationName=…&extensions=…` executes a query (a
//! mutation is refused with 405, so no link or form can change anything) for a client that asks
//! for JSON, and serves GraphiQL to a browser that asks for `text/html`; a WebSocket upgrade
//! opens a `graphql-transport-ws` session. Answers are written by `http::answer`.

use std::net::IpAddr;

use async_graphql::parser::types::OperationType;

use axum::{
    body::Bytes,
    extract::{Extension, State},
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use serde_json::Value;

use super::{
    answer::{self, Audience, MediaType, Wanted},
    client_address::ClientAddress,
    idempotency, pipeline, socket,
};
use crate::startup::AppState;

/// `GET /graphql`: a WebSocket upgrade opens a `graphql-transport-ws` session (see
/// `http::socket`); a browser asking for `text/html` gets the GraphiQL page
/// (`http::graphiql`); any other client gets the query in its parameters executed.
pub async fn get(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    request: axum::extract::Request,
) -> Response {
    use axum::extract::{FromRequestParts, ws::WebSocketUpgrade};
    let (mut parts, _) = request.into_parts();
    let audience = Audience::from_headers(&parts.headers);
    if let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        if state.draining.is_draining() {
            // A socket opened now would be closed at once; the proxy retries another instance
            // (`http::drain`).
            let mut refusal = audience.refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "this instance is shutting down; connect again",
            );
            refusal.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
            return refusal;
        }
        let offered = parts
            .headers
            .get_all(header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|p| p.trim().eq_ignore_ascii_case(socket::PROTOCOL));
        if !offered {
            return audience.refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "unsupported WebSocket subprotocol: use graphql-transport-ws",
            );
        }
        let language = audience.language;
        return upgrade
            .protocols([socket::PROTOCOL])
            // A message is held to the same bound as a POST body.
            .max_message_size(super::BODY_LIMIT_BYTES)
            .max_frame_size(super::BODY_LIMIT_BYTES)
            .on_upgrade(move |ws| socket::serve(state, ws, client, language));
    }
    let media = match answer::negotiate(accept(&parts.headers), true) {
        Wanted::Page => return super::graphiql::page(&parts.headers),
        Wanted::Nothing => return not_acceptable(&audience),
        Wanted::Result(media) => media,
    };
    let body = match parameters(parts.uri.query().unwrap_or_default()) {
        Ok(body) => body,
        Err(message) => return audience.refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", message),
    };
    run(
        &state,
        client,
        &parts.headers,
        body,
        None,
        pipeline::Transport::Get,
        media,
        &audience,
    )
    .await
}

/// The request of a GET: `query`, `operationName`, and `variables` and `extensions` as JSON
/// text (GraphQL over HTTP §6.4.1), each at most once.
fn parameters(query: &str) -> Result<Value, &'static str> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| "the query string is not form-encoded")?;
    let mut body = serde_json::Map::new();
    for (name, value) in pairs {
        let value = match name.as_str() {
            "query" | "operationName" => Value::String(value),
            "variables" | "extensions" => serde_json::from_str(&value)
                .map_err(|_| "`variables` and `extensions` must be JSON objects")?,
            _ => continue,
        };
        if body.insert(name, value).is_some() {
            return Err("a parameter appears more than once");
        }
    }
    Ok(Value::Object(body))
}

fn accept(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

fn not_acceptable(audience: &Audience) -> Response {
    audience.refuse(
        StatusCode::NOT_ACCEPTABLE,
        "BAD_REQUEST",
        "answers are application/graphql-response+json or application/json",
    )
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// `POST /graphql`: executes one GraphQL operation, after the request pipeline
/// (`http::pipeline`). An `Idempotency-Key` applies to mutations; with any other operation it
/// is ignored, and nothing is stored.
pub async fn execute(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let audience = Audience::from_headers(&headers);
    let Wanted::Result(media) = answer::negotiate(accept(&headers), false) else {
        return not_acceptable(&audience);
    };
    if !is_json(&headers) {
        return audience.refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "send operations as POST with Content-Type: application/json",
        );
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return audience.refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "body is not valid JSON",
            );
        }
    };
    run(
        &state,
        client,
        &headers,
        value,
        Some(&body),
        pipeline::Transport::Http,
        media,
        &audience,
    )
    .await
}

/// One operation of either method, from the pipeline to the answer. `raw` is a POST's body,
/// which an `Idempotency-Key` is bound to.
#[allow(clippy::too_many_arguments)]
async fn run(
    state: &AppState,
    client: IpAddr,
    headers: &HeaderMap,
    body: Value,
    raw: Option<&[u8]>,
    transport: pipeline::Transport,
    media: MediaType,
    audience: &Audience,
) -> Response {
    let incoming = |body: Value| pipeline::Incoming {
        body,
        credentials: pipeline::Credentials::from_headers(headers),
        client,
        request_id: audience.request_id.clone(),
        transport,
    };
    let mut prepared = match pipeline::prepare(state, incoming(body.clone())).await {
        Ok(prepared) => prepared,
        Err(refusal) => return refusal.into_response(audience),
    };
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim).unwrap_or_default().to_owned());
    match (key, raw) {
        (Some(key), Some(raw)) if prepared.operation == Some(OperationType::Mutation) => {
            match prepared.auth.caller() {
                Ok(caller) => {
                    let caller = caller.clone();
                    idempotency::run(state, &caller, &key, raw, prepared, media, audience).await
                }
                Err(_) => {
                    let mut refusal = audience.refuse(
                        StatusCode::UNAUTHORIZED,
                        "UNAUTHENTICATED",
                        "an Idempotency-Key needs an authenticated caller",
                    );
                    // RFC 6750 §3.1: a token was presented and is not valid.
                    if matches!(prepared.auth, crate::auth::Auth::Invalid) {
                        refusal.headers_mut().insert(
                            header::WWW_AUTHENTICATE,
                            header::HeaderValue::from_static(answer::INVALID_TOKEN_CHALLENGE),
                        );
                    }
                    refusal
                }
            }
        }
        _ => {
            let generation = crate::db::stale_statements_generation();
            let request = std::mem::replace(&mut prepared.request, async_graphql::Request::new(""));
            let mut response = state.schema.execute(request).await;
            // A statement cached before a migration changed a column's type failed, and its
            // connection is now retired: a query changes nothing, so it runs once more, on
            // fresh connections. (A mutation's transaction rolled back; it answers
            // SERVICE_UNAVAILABLE and the client retries.)
            if response.is_err()
                && prepared.operation == Some(OperationType::Query)
                && crate::db::stale_statements_generation() != generation
            {
                tracing::info!("retrying a query after a stale cached statement");
                if let Ok(mut again) = pipeline::prepare(state, incoming(body)).await {
                    let request =
                        std::mem::replace(&mut again.request, async_graphql::Request::new(""));
                    response = state.schema.execute(request).await;
                }
            }
            audience.present_result(&mut response, prepared.unparsed);
            // A valid subscription on this transport is refused as a whole (400, no `data`),
            // after validation so an invalid one still gets its validation errors.
            let wrong_transport = prepared.operation == Some(OperationType::Subscription);
            audience.result(
                media,
                &response,
                prepared.request_error() || wrong_transport,
            )
        }
    }
}
