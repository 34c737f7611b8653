//! How errors and GraphQL results become answers, in one place for every transport: each error
//! gets a stable `extensions.code`, the request's `extensions.requestId`, and a message in the
//! language the client asked for (`crate::language`). Over HTTP the answer's media type and
//! status follow GraphQL over HTTP (<https://graphql.github.io/graphql-over-http/draft/>):
//!
//! - `application/graphql-response+json` when the client accepts it first, else
//!   `application/json` (also for `*/*` or no `Accept`); neither acceptable: 406.
//! - A request error (the document does not parse or validate, its variables do not fit, the
//!   operation it names is not there) has no `data`; it is 400 under
//!   `application/graphql-response+json` and 200 under `application/json`. Once execution has
//!   started the answer is 200 with `data`, whatever its field errors.
//! - Refusals before the engine (`http::pipeline`, `http::graphql`) have their own status, and
//!   every error answer is JSON, whichever layer gave it ([`json_errors`]).

use async_graphql::ServerError;
use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::language::{self, Language};

/// `application/graphql-response+json`.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The media type of a GraphQL answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MediaType {
    /// `application/json`: every GraphQL result is 200.
    #[default]
    Json,
    /// `application/graphql-response+json`: request errors are 400.
    GraphqlResponse,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// What a request's `Accept` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// A GraphQL result in this media type.
    Result(MediaType),
    /// The GraphiQL page (a browser navigating: `text/html` preferred).
    Page,
    /// Nothing this endpoint can give.
    Nothing,
}

/// Chooses what to answer from `Accept` (RFC 9110 §12.5.1): the acceptable type with the highest
/// `q`; among equals the one named most exactly, then `application/graphql-response+json`
/// before `application/json` when named, `application/json` when only a wildcard matched (as
/// the spec asks for `*/*`), the page last. No `Accept` is `application/json`. The page is an
/// option only where `page` (a plain GET).
pub fn negotiate(accept: Option<&str>, page: bool) -> Wanted {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Wanted::Result(MediaType::Json);
    };
    let candidates: &[(Wanted, &str, &str)] = &[
        (
            Wanted::Result(MediaType::GraphqlResponse),
            "application",
            "graphql-response+json",
        ),
        (Wanted::Result(MediaType::Json), "application", "json"),
        (Wanted::Page, "text", "html"),
        (Wanted::Page, "application", "xhtml+xml"),
    ];
    let ranges: Vec<(&str, &str, u16)> = accept
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let (kind, sub) = parts.next()?.trim().split_once('/')?;
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next()
                .map_or(Some(1000), |q| {
                    let v: f64 = q.trim().parse().ok()?;
                    // Within 0..=1000 once clamped.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Some((v.clamp(0.0, 1.0) * 1000.0).round() as u16)
                })?;
            Some((kind.trim(), sub.trim(), q))
        })
        .collect();
    let mut best: Option<((u16, u8, u8), Wanted)> = None;
    for (preference, (wanted, kind, sub)) in candidates.iter().enumerate() {
        if *wanted == Wanted::Page && !page {
            continue;
        }
        // The most specific range that matches decides this type's q.
        let matched = ranges
            .iter()
            .filter_map(|(k, s, q)| {
                let specificity = if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(sub) {
                    2
                } else if k.eq_ignore_ascii_case(kind) && *s == "*" {
                    1
                } else if *k == "*" && *s == "*" {
                    0
                } else {
                    return None;
                };
                Some((specificity, *q))
            })
            .max_by_key(|(specificity, _)| *specificity);
        let Some((specificity, q)) = matched else {
            continue;
        };
        if q == 0 {
            continue;
        }
        // Named exactly: the order above; through a wildcard: plain JSON first.
        let order = u8::try_from(candidates.len() - preference).unwrap_or(0);
        let tie = if specificity == 2 {
            order
        } else {
            match wanted {
                Wanted::Result(MediaType::Json) => 9,
                Wanted::Result(MediaType::GraphqlResponse) => 8,
                _ => order,
            }
        };
        let rank = (q, specificity, tie);
        if best.is_none_or(|(b, _)| rank > b) {
            best = Some((rank, *wanted));
        }
    }
    best.map_or(Wanted::Nothing, |(_, wanted)| wanted)
}

/// Who an answer is for: the request id errors carry and the language of their messages. Built
/// once per HTTP request, or once per WebSocket operation with the connection's language.
#[derive(Clone, Debug, Default)]
pub struct Audience {
    pub request_id: Option<String>,
    pub language: Language,
}

impl Audience {
    /// From an HTTP request's (or WebSocket upgrade's) headers: `x-request-id` (set by the
    /// request-id layer when the client sent none) and `Accept-Language`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            request_id: headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            language: Language::from_accept_language(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            ),
        }
    }

    /// Finishes one error: `code` when it has none, the request id, the message in the
    /// audience's language (untranslated: the code's general sentence, the English text in
    /// `extensions.detail`).
    pub fn present(&self, error: &mut ServerError, code: &str) {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        let code = match extensions.get("code") {
            Some(async_graphql::Value::String(existing)) => existing.clone(),
            _ => {
                extensions.set("code", code);
                code.to_owned()
            }
        };
        if let Some(id) = &self.request_id
            && extensions.get("requestId").is_none()
        {
            extensions.set("requestId", id.as_str());
        }
        // Apollo clients recognise a missing persisted query by this exact message.
        if code == "PERSISTED_QUERY_NOT_FOUND" {
            return;
        }
        match language::translate(self.language, &error.message) {
            Some(message) => error.message = message,
            None => {
                let english =
                    std::mem::replace(&mut error.message, language::general(&code).to_owned());
                extensions.set("detail", english);
            }
        }
    }

    /// Finishes every error of an engine result. Errors the engine raised without a code are
    /// request errors: `GRAPHQL_PARSE_FAILED` when the document did not parse (`unparsed`),
    /// else `GRAPHQL_VALIDATION_FAILED`.
    pub fn present_result(&self, response: &mut async_graphql::Response, unparsed: bool) {
        let code = if unparsed {
            "GRAPHQL_PARSE_FAILED"
        } else {
            "GRAPHQL_VALIDATION_FAILED"
        };
        for error in &mut response.errors {
            if error.message == "Subscriptions are not supported on this transport." {
                // A valid document on the wrong transport: not a validation failure.
                error.message =
                    "subscriptions run over the WebSocket at /graphql (graphql-transport-ws)"
                        .into();
                self.present(error, "BAD_REQUEST");
                continue;
            }
            self.present(error, code);
        }
    }

    /// The `errors` list of one error, finished.
    pub fn errors(&self, code: &str, message: &str) -> Value {
        let mut error = ServerError::new(message, None);
        self.present(&mut error, code);
        serde_json::to_value([error]).unwrap_or_else(|_| json!([]))
    }

    /// An error answer: `{"errors": [...]}` with `status`, in `application/json` (the media
    /// type every client understands; a refusal is not a GraphQL result).
    pub fn refuse(&self, status: StatusCode, code: &str, message: &str) -> Response {
        self.json(
            status,
            MediaType::Json,
            &json!({ "errors": self.errors(code, message) }),
        )
    }

    /// `body` as JSON in `media`, with the headers every `/graphql` answer has.
    pub fn json(&self, status: StatusCode, media: MediaType, body: &Value) -> Response {
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(media.content_type()),
        );
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.language.tag()),
        );
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Language"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(BEARER_CHALLENGE),
            );
        }
        response
    }

    /// An engine result as an HTTP answer in `media`. `request_error`: the errors came before
    /// execution, so there is no `data`, and `application/graphql-response+json` answers 400.
    pub fn result(
        &self,
        media: MediaType,
        response: &async_graphql::Response,
        request_error: bool,
    ) -> Response {
        let Ok(mut body) = serde_json::to_value(response) else {
            return self.refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            );
        };
        let status = if request_error {
            if let Some(fields) = body.as_object_mut() {
                fields.remove("data");
            }
            match media {
                MediaType::GraphqlResponse => StatusCode::BAD_REQUEST,
                MediaType::Json => StatusCode::OK,
            }
        } else {
            StatusCode::OK
        };
        self.json(status, media, &body)
    }
}

/// The challenge of a 401 from `/graphql` (RFC 6750 §3).
pub const BEARER_CHALLENGE: &str = "Bearer realm=\"qcdc\"";
/// The challenge when the bearer token presented is not (or no longer) valid (RFC 6750 §3.1).
pub const INVALID_TOKEN_CHALLENGE: &str = "Bearer realm=\"qcdc\", error=\"invalid_token\", error_description=\"the access token is invalid or expired\"";

/// The `extensions.code` of an error answer that a layer gave with only a status.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "UNAUTHENTICATED",
        StatusCode::FORBIDDEN => "FORBIDDEN",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::REQUEST_TIMEOUT => "REQUEST_TIMEOUT",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::TOO_MANY_REQUESTS => "TOO_MANY_REQUESTS",
        StatusCode::SERVICE_UNAVAILABLE => "SERVICE_UNAVAILABLE",
        s if s.is_server_error() => "INTERNAL",
        _ => "BAD_REQUEST",
    }
}

/// Gives an error answer that is not JSON (a 404 or 405 from the router, a 408 from the
/// timeout, a 413 from the body limit, a 500 from the panic catcher, a plain-text 503) the
/// GraphQL error shape, a code and the request id; keeps its status and headers. A 401 without
/// a challenge gets the Bearer one. JSON answers pass unchanged.
pub async fn json_errors(audience: &Audience, response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    let (mut parts, body) = response.into_parts();
    if status == StatusCode::UNAUTHORIZED && !parts.headers.contains_key(header::WWW_AUTHENTICATE) {
        parts.headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(BEARER_CHALLENGE),
        );
    }
    if is_json {
        return Response::from_parts(parts, body);
    }
    let message = match status {
        StatusCode::NOT_FOUND => "no such endpoint".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "this method is not allowed here".to_owned(),
        StatusCode::REQUEST_TIMEOUT => "the request took too long".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("request body larger than {} bytes", super::BODY_LIMIT_BYTES)
        }
        s if s == StatusCode::INTERNAL_SERVER_ERROR => "internal error".to_owned(),
        _ => {
            // A short plain-text reason (e.g. `/readyz`) is kept as the message.
            let text = axum::body::to_bytes(body, 4096)
                .await
                .ok()
                .and_then(|b| String::from_utf8(b.to_vec()).ok())
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty());
            text.unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_lowercase())
        }
    };
    let fresh = audience.refuse(status, code_of(status), &message);
    let (fresh_parts, fresh_body) = fresh.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &fresh_parts.headers {
        if name != header::WWW_AUTHENTICATE || !parts.headers.contains_key(name) {
            parts.headers.insert(name.clone(), value.clone());
        }
    }
    Response::from_parts(parts, Body::new(fresh_body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer's bare 408 or caught panic becomes a JSON error with a code and the request id,
    /// in the audience's language; a JSON answer passes unchanged; a 401 gets a challenge.
    #[tokio::test]
    async fn bare_error_answers_become_json() {
        let audience = Audience {
            request_id: Some("r-1".into()),
            language: Language::Vi,
        };
        for (status, code) in [
            (StatusCode::REQUEST_TIMEOUT, "REQUEST_TIMEOUT"),
            (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        ] {
            let bare = (status, "plain text").into_response();
            let answer = json_errors(&audience, bare).await;
            assert_eq!(answer.status(), status);
            assert!(
                answer.headers()[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .contains("json")
            );
            assert_eq!(answer.headers()[header::CONTENT_LANGUAGE], "vi");
            if status == StatusCode::UNAUTHORIZED {
                assert_eq!(answer.headers()[header::WWW_AUTHENTICATE], BEARER_CHALLENGE);
            }
            let body = axum::body::to_bytes(answer.into_body(), 4096)
                .await
                .unwrap();
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
            assert_eq!(
                body["errors"][0]["extensions"]["requestId"], "r-1",
                "{body}"
            );
        }
        let json_answer = audience.refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", "x");
        let kept = json_errors(&audience, json_answer).await;
        let body = axum::body::to_bytes(kept.into_body(), 4096).await.unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["detail"], "x");
    }

    #[test]
    fn accept_chooses_the_media_type() {
        let result = |m| Wanted::Result(m);
        let (json, gr) = (MediaType::Json, MediaType::GraphqlResponse);
        assert_eq!(negotiate(None, true), result(json));
        assert_eq!(negotiate(Some("*/*"), true), result(json));
        assert_eq!(negotiate(Some("application/*"), false), result(json));
        assert_eq!(negotiate(Some("application/json"), true), result(json));
        assert_eq!(
            negotiate(Some("application/graphql-response+json"), false),
            result(gr)
        );
        assert_eq!(
            negotiate(
                Some("application/graphql-response+json, application/json;q=0.9"),
                false
            ),
            result(gr)
        );
        assert_eq!(
            negotiate(
                Some("application/json, application/graphql-response+json"),
                false
            ),
            result(gr)
        );
        assert_eq!(
            negotiate(
                Some("application/graphql-response+json;q=0.5, application/json"),
                false
            ),
            result(json)
        );
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(negotiate(Some(browser), true), Wanted::Page);
        assert_eq!(negotiate(Some(browser), false), result(json));
        assert_eq!(negotiate(Some("text/html"), false), Wanted::Nothing);
        assert_eq!(negotiate(Some("image/png"), true), Wanted::Nothing);
        assert_eq!(
            negotiate(Some("application/json;q=0, text/plain"), false),
            Wanted::Nothing
        );
    }
}
