//! The one way an operation reaches the engine. An HTTP POST, an HTTP GET and every `subscribe`
//! message on a WebSocket pass the same steps, in this order: the request's shape (one
//! operation, no batches), the production allow-list, the pre-parse document guard,
//! authentication of the session as it is now (every operation; a caller verified before is
//! reused until the database's count of access changes moves, `auth::known`), automatic
//! persisted queries, no mutation over GET (405), and the data every resolver relies on
//! (caller, request id, client address for sign-in throttling, per-operation loaders).
//! Refusals are counted by transport and code.
//! The schema's own limits (depth, complexity, directives) then apply to both transports alike.

use std::net::IpAddr;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use axum::{
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use serde_json::Value;

use super::{answer::Audience, guard};
use crate::{
    auth::{Auth, token::Verified},
    domain::{
        sessions::{self, hash_secret},
        users,
    },
    graphql::{ClientAddr, Credential, RequestId, loaders::Loaders, stage::Validated},
    startup::AppState,
};

/// Which transport an operation came by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `POST /graphql`.
    Http,
    /// `GET /graphql?query=…`: queries only (a mutation is refused with 405), so no link or
    /// form can change anything.
    Get,
    /// A `subscribe` message on a `graphql-transport-ws` WebSocket.
    Socket,
}

impl Transport {
    fn label(self) -> &'static str {
        match self {
            Self::Http | Self::Get => "http",
            Self::Socket => "websocket",
        }
    }
}

/// Credentials as the client presented them.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// None at all: the caller is anonymous.
    Absent,
    /// One bearer token.
    Bearer(String),
    /// Something that is not a bearer token: the caller is not anonymous, but not valid either.
    Malformed,
    /// More than one: refused rather than resolved by picking one, since a proxy and the client
    /// could each believe a different one counts.
    Ambiguous,
}

impl Credentials {
    /// From the `Authorization` header(s) of an HTTP request.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let Some(first) = values.next() else {
            return Self::Absent;
        };
        if values.next().is_some() {
            return Self::Ambiguous;
        }
        match first
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
        {
            Some(token) => Self::Bearer(token.to_owned()),
            None => Self::Malformed,
        }
    }

    /// From a `connection_init` payload: `{"Authorization": "Bearer …"}`, the key in any case,
    /// present once.
    pub fn from_init_payload(payload: &Value) -> Self {
        let Some(fields) = payload.as_object() else {
            return Self::Absent;
        };
        let mut values = fields
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value);
        let Some(first) = values.next() else {
            return Self::Absent;
        };
        if values.next().is_some() {
            return Self::Ambiguous;
        }
        match first.as_str() {
            Some(v) => Self::Bearer(v.strip_prefix("Bearer ").unwrap_or(v).trim().to_owned()),
            None => Self::Malformed,
        }
    }
}

/// An operation refused before it reached the engine, in the GraphQL error shape.
#[derive(Clone, Debug)]
pub struct Refusal {
    /// The HTTP status (POST); a WebSocket sends the errors in an `error` message.
    pub status: StatusCode,
    /// The stable `extensions.code`.
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// The `errors` list, for `audience`.
    pub fn errors(&self, audience: &Audience) -> Value {
        audience.errors(self.code, &self.message)
    }

    /// The HTTP answer, for `audience`. A 405 names the method that is allowed.
    pub fn into_response(self, audience: &Audience) -> Response {
        let mut response = audience.refuse(self.status, self.code, &self.message);
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        }
        response
    }
}

/// Who presented credentials speak for, as of now.
pub struct Authenticated {
    pub auth: Auth,
    /// The verified token behind an authenticated caller.
    pub credential: Option<Verified>,
}

/// Checks `credentials` against the keys and the database as they are now: a token that fails
/// any check, or whose session, account or client has ended, is `Invalid`, never anonymous.
pub async fn authenticate(
    state: &AppState,
    credentials: &Credentials,
) -> Result<Authenticated, Refusal> {
    let anonymous = |auth| Authenticated {
        auth,
        credential: None,
    };
    let token = match credentials {
        Credentials::Absent => return Ok(anonymous(Auth::Anonymous)),
        Credentials::Malformed => return Ok(anonymous(Auth::Invalid)),
        Credentials::Ambiguous => {
            return Err(Refusal::bad_request(
                "send credentials once: more than one Authorization was given",
            ));
        }
        Credentials::Bearer(token) => token,
    };
    let Some(verified) = state.keys.verify(token) else {
        return Ok(anonymous(Auth::Invalid));
    };
    let known = state.events.known();
    // The database counts access changes: one committed before this request, by any instance
    // or process, is seen here, however late its notice.
    match sessions::access_epoch(&state.db).await {
        Ok(epoch) => known.see_epoch(epoch),
        Err(err) => return Err(unavailable(err)),
    }
    if let Some(caller) = known.get(&verified) {
        return Ok(Authenticated {
            auth: Auth::User(caller.on(state.clock)),
            credential: Some(verified),
        });
    }
    let ticket = known.ticket();
    match users::caller_for(&state.db, &verified, state.clock).await {
        Ok(Some(caller)) => {
            known.keep(ticket, &verified, &caller);
            Ok(Authenticated {
                auth: Auth::User(caller),
                credential: Some(verified),
            })
        }
        Ok(None) => Ok(anonymous(Auth::Invalid)),
        Err(err) => Err(unavailable(err)),
    }
}

/// The database failed while authenticating.
fn unavailable(err: crate::error::AppError) -> Refusal {
    let (code, message) = (err.code(), err.message());
    // Into the GraphQL error, which logs it.
    let _: async_graphql::Error = err.into();
    Refusal::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
}

/// One operation as it arrived.
pub struct Incoming {
    /// The JSON body (HTTP) or the `subscribe` payload (WebSocket).
    pub body: Value,
    pub credentials: Credentials,
    pub client: IpAddr,
    pub request_id: Option<String>,
    pub transport: Transport,
}

/// An operation ready for the engine.
pub struct Prepared {
    /// The request with its data attached.
    pub request: async_graphql::Request,
    /// The caller, as authenticated for this operation.
    pub auth: Auth,
    /// Query, mutation or subscription; `None` when the document does not parse or does not
    /// name one operation (the engine then answers with the error).
    pub operation: Option<OperationType>,
    /// The document does not parse: the engine's error is a syntax error.
    pub unparsed: bool,
    /// Set by the engine once the document validated.
    pub validated: Validated,
}

impl Prepared {
    /// Whether the engine's errors came before execution (GraphQL spec §7.1.2, request errors:
    /// no `data`): the document did not parse or validate, or names no operation it has.
    pub fn request_error(&self) -> bool {
        self.unparsed || self.operation.is_none() || !self.validated.get()
    }
}

/// Runs every step before execution; see the module documentation.
pub async fn prepare(state: &AppState, incoming: Incoming) -> Result<Prepared, Refusal> {
    let transport = incoming.transport;
    let outcome = run(state, incoming).await;
    if let Err(refusal) = &outcome {
        state.metrics.refused(transport.label(), refusal.code);
    }
    outcome
}

/// A document's SHA-256 as Apollo's persisted queries name it (lower-case hex).
#[derive(Debug)]
struct PersistedRef(String);

impl PersistedRef {
    fn read(body: &Value) -> Result<Option<Self>, Refusal> {
        let Some(reference) = body.pointer("/extensions/persistedQuery") else {
            return Ok(None);
        };
        if reference.get("version").and_then(Value::as_i64) != Some(1) {
            return Err(Refusal::bad_request(
                "only version 1 of persisted queries is supported",
            ));
        }
        let hash = reference
            .get("sha256Hash")
            .and_then(Value::as_str)
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| {
                Refusal::bad_request("persistedQuery.sha256Hash must be a SHA-256 in hex")
            })?;
        Ok(Some(Self(hash.to_ascii_lowercase())))
    }
}

async fn run(state: &AppState, incoming: Incoming) -> Result<Prepared, Refusal> {
    let mut body = incoming.body;
    if body.is_array() {
        return Err(Refusal::bad_request(
            "batched operations are not accepted; send one operation per request",
        ));
    }
    if !body.is_object() {
        return Err(Refusal::bad_request(
            "body must be {query, variables?, operationName?, extensions?}",
        ));
    }
    let persisted = PersistedRef::read(&body)?;
    // A persisted-query request may carry only the document's hash.
    let query = match body.get("query") {
        Some(Value::String(q)) => q.clone(),
        None | Some(Value::Null) if persisted.is_some() => String::new(),
        Some(_) => return Err(Refusal::bad_request("`query` must be a string")),
        None => return Err(Refusal::bad_request("`query` is required")),
    };
    if let Some(allowed) = &state.allowed_operations {
        // A hash-only persisted query is checked by the hash it names.
        let hash = match (&persisted, query.is_empty()) {
            (Some(PersistedRef(hash)), true) => hash.clone(),
            _ => hash_secret(&query),
        };
        if !allowed.contains(&hash) {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "OPERATION_NOT_ALLOWED",
                "this server only runs the operations on its allow-list",
            ));
        }
    }
    if let Err(refusal) = guard::check(&query) {
        return Err(Refusal::bad_request(match refusal {
            guard::Refusal::TooDeep => "document nested too deeply",
            guard::Refusal::TooManyAliases => "document uses too many aliases",
        }));
    }
    let Authenticated { auth, credential } = authenticate(state, &incoming.credentials).await?;
    let mut to_keep = None;
    let query = match persisted {
        None => query,
        Some(PersistedRef(hash)) if query.is_empty() => match state.persisted.get(&hash) {
            Some(document) => document.to_string(),
            // Apollo clients resend the document on exactly this answer.
            None => {
                return Err(Refusal::new(
                    StatusCode::OK,
                    "PERSISTED_QUERY_NOT_FOUND",
                    "PersistedQueryNotFound",
                ));
            }
        },
        Some(PersistedRef(hash)) => {
            if hash_secret(&query) != hash {
                return Err(Refusal::bad_request(
                    "persistedQuery.sha256Hash is not the hash of the query",
                ));
            }
            to_keep = Some(hash);
            query
        }
    };
    if let Some(fields) = body.as_object_mut() {
        fields.insert("query".into(), Value::String(query));
        if let Some(Value::Object(extensions)) = fields.get_mut("extensions") {
            extensions.remove("persistedQuery");
        }
    }
    let mut request: async_graphql::Request = serde_json::from_value(body).map_err(|_| {
        Refusal::bad_request("body must be {query, variables?, operationName?, extensions?}")
    })?;
    let name = request.operation_name.clone();
    // Spellings the specification allows and the engine's parser does not (`-0`, braced
    // Unicode escapes) are read as the specification reads them, here as in the engine.
    if let std::borrow::Cow::Owned(fixed) =
        crate::graphql::validation::as_the_engine_reads(&request.query)
        && let Ok(document) = async_graphql::parser::parse_query(fixed)
    {
        request.set_parsed_query(document);
    }
    let parsed = request.parsed_query().ok();
    let unparsed = parsed.is_none();
    let operation = parsed.and_then(|document| operation_type(document, name.as_deref()));
    if incoming.transport == Transport::Get && operation == Some(OperationType::Mutation) {
        return Err(Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
            "mutations run only over POST",
        ));
    }
    // Anyone may run a document; only an authenticated caller may make the server keep one. An
    // anonymous client simply keeps sending its documents.
    if let Some(hash) = to_keep
        && matches!(auth, Auth::User(_))
    {
        state.persisted.put(&hash, &request.query);
    }
    let validated = Validated::default();
    let loaders = Loaders::new(
        &state.db,
        &auth,
        operation != Some(OperationType::Subscription),
    );
    let mut request = request
        .data(auth.clone())
        .data(RequestId(incoming.request_id))
        .data(ClientAddr(Some(incoming.client)))
        .data(loaders.batches.clone())
        .data(loaders)
        .data(validated.clone());
    if let Some(verified) = credential {
        request = request.data(Credential(verified));
    }
    Ok(Prepared {
        request,
        auth,
        operation,
        unparsed,
        validated,
    })
}

/// The type of the operation a request runs: the one it names, or the document's only one.
fn operation_type(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation.node.ty),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|o| o.node.ty)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|o| o.node.ty)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn credentials_are_refused_when_given_twice() {
        let mut headers = HeaderMap::new();
        headers.append(header::AUTHORIZATION, "Bearer a".parse().unwrap());
        assert!(matches!(
            Credentials::from_headers(&headers),
            Credentials::Bearer(t) if t == "a"
        ));
        headers.append(header::AUTHORIZATION, "Bearer b".parse().unwrap());
        assert!(matches!(
            Credentials::from_headers(&headers),
            Credentials::Ambiguous
        ));
        let payload = json!({ "Authorization": "Bearer a", "authorization": "Bearer b" });
        assert!(matches!(
            Credentials::from_init_payload(&payload),
            Credentials::Ambiguous
        ));
        assert!(matches!(
            Credentials::from_init_payload(&json!({ "authorization": "a" })),
            Credentials::Bearer(t) if t == "a"
        ));
        assert!(matches!(
            Credentials::from_init_payload(&json!({})),
            Credentials::Absent
        ));
    }

    #[test]
    fn the_operation_type_follows_the_named_operation() {
        let mut request =
            async_graphql::Request::new("query A { a } mutation B { b }").operation_name("B");
        let document = request.parsed_query().unwrap().clone();
        assert_eq!(
            operation_type(&document, Some("B")),
            Some(OperationType::Mutation)
        );
        assert_eq!(
            operation_type(&document, Some("A")),
            Some(OperationType::Query)
        );
        assert_eq!(operation_type(&document, None), None);
    }
}
