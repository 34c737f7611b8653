//! `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for partner
//! systems. Form-encoded body; client credentials in HTTP Basic (§2.3.1) or the body, never
//! both; JSON answers; errors in the RFC's shape (§5.2).

use axum::{
    Json,
    body::Bytes,
    extract::{Extension, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::json;

use super::client_address::ClientAddress;
use crate::{
    auth::{throttle, token::Principal},
    domain::clients,
    startup::AppState,
};

/// An error in the RFC's shape (§5.2). A 401 names the scheme the endpoint authenticates
/// clients with (RFC 6749 §5.2, RFC 7235 §3.1: every 401 carries `WWW-Authenticate`).
fn error(status: StatusCode, code: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(json!({ "error": code, "error_description": description })),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"qcdc\""),
        );
    }
    response
}

/// `client_id:client_secret` from a Basic header, each form-url-decoded (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<Option<(String, String)>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    Some(decoded.and_then(|text| {
        let (id, secret) = text.split_once(':')?;
        let unescape = |s: &str| -> Option<String> {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(&format!("v={s}")).ok()?;
            pairs.into_iter().next().map(|(_, v)| v)
        };
        Some((unescape(id)?, unescape(secret)?))
    }))
}

pub async fn token(
    State(state): State<AppState>,
    Extension(ClientAddress(from)): Extension<ClientAddress>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send application/x-www-form-urlencoded",
        );
    }
    let Ok(params) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body is not form-encoded",
        );
    };
    let mut names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "a parameter appears more than once",
        );
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    // Credentials are given once: two Authorization headers are refused, not resolved by
    // picking one.
    if headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .nth(1)
        .is_some()
    {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send one Authorization header",
        );
    }
    let basic = basic_credentials(&headers);
    match param("grant_type") {
        None => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
        Some("client_credentials") => {}
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only client_credentials is supported",
            );
        }
    }
    let in_body = match (param("client_id"), param("client_secret")) {
        (Some(id), Some(secret)) => Some((id.to_owned(), secret.to_owned())),
        (None, None) => None,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "send client_id and client_secret together",
            );
        }
    };
    let (client_id, secret) = match (basic, in_body) {
        (Some(_), Some(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "use one way to send client credentials",
            );
        }
        (Some(Some(creds)), None) | (None, Some(creds)) => creds,
        (Some(None), None) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "malformed Basic credentials",
            );
        }
        (None, None) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication required",
            );
        }
    };
    // Throttled by the failing source, not the client id: a guesser who knows a partner's
    // client id slows down only their own address (`auth::throttle`).
    let (account, address) = (format!("client:{client_id}"), Some(from));
    if let Err(wait) = state.throttle.begin(&account, address) {
        let mut refusal = error(
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
            "too many failed attempts from this address; wait and try again",
        );
        refusal.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(throttle::retry_after_secs(wait)),
        );
        return refusal;
    }
    let origin = crate::domain::audit::Origin {
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        client_address: Some(from),
    };
    let client = match clients::sign_in(&state.writer, &client_id, &secret, origin).await {
        Ok(Some(c)) => {
            state.throttle.succeeded(&account, address);
            c
        }
        Ok(None) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "unknown client or wrong secret",
            );
        }
        Err(_) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "try again later",
            );
        }
    };
    match state.keys.issue(client.id, Principal::Client, None) {
        Ok(issued) => {
            let mut response = Json(json!({
                "access_token": issued.token,
                "token_type": "Bearer",
                "expires_in": state.keys.ttl().as_secs(),
            }))
            .into_response();
            let h = response.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "could not issue a token",
        ),
    }
}

/// `GET /.well-known/jwks.json`: the public keys tokens are signed with (none for HS256).
pub async fn jwks(State(state): State<AppState>) -> Response {
    let mut response = Json(state.keys.jwks().clone()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
