//! GraphQL over WebSocket (`graphql-transport-ws`,
//! <https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md>) on `/graphql`. Every
//! `subscribe` goes through the same request pipeline as an HTTP POST (`http::pipeline`), the
//! session included: it is authenticated again for each operation. Errors carry a code, a
//! request id (one per operation) and a message in the language of the upgrade request's
//! `Accept-Language` (`http::answer`). The socket follows the protocol and its credentials:
//!
//! - A message that is not one of the protocol's, or not in its shape, closes with 4400 and
//!   the reason; `subscribe` before `connection_ack` closes with 4401 `Unauthorized`; a
//!   `subscribe` whose id is running closes with 4409 `Subscriber for <id> already exists`;
//!   a second `connection_init` closes with 4429. `ping` is answered with `pong` (its payload
//!   echoed) at any time; `complete` stops an operation. An operation refused before it runs
//!   (the pipeline, or a document that does not parse or validate) gets one `error` message
//!   and no `complete`.
//! - `connection_init` must come within `Limits::socket_init_timeout` (else close 4408) and carry
//!   one valid bearer token (else 4401; two `Authorization` keys: 4400); a principal without
//!   grants is refused (4403), as is one with `Limits::sockets_per_principal` sockets open
//!   already (4429).
//! - The socket closes when its token expires (4401), and as soon as the principal's access
//!   changes (a notice on the event bus from any instance) or at the latest every
//!   [`REVALIDATE_EVERY`], it authenticates again: a session, account or client that ended
//!   closes it (4401), no grants left closes it (4403). Subscriptions re-scope themselves on the
//!   same notice (`graphql::live`).
//! - At most `Limits::operations_per_socket` operations run at once; a message is at most a
//!   POST body; an idle socket or a peer that stops answering pings is closed.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::extract::ws::{CloseFrame, Message as Frame, WebSocket};
use futures_util::{SinkExt, StreamExt, stream::SplitSink};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::{sync::mpsc, task::JoinHandle, time::Instant};
use uuid::Uuid;

use super::{
    answer::Audience,
    pipeline::{self, Credentials, Incoming, Transport},
};
use crate::{auth::Auth, language::Language, startup::AppState};

/// The one subprotocol served.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// How often an open socket checks its credentials even without a notice (a notice can be lost
/// while an instance reconnects to PostgreSQL; an operator may change the database directly).
pub const REVALIDATE_EVERY: Duration = Duration::from_secs(60);

/// Close codes (graphql-transport-ws, plus the WebSocket standard ones).
mod close {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const INTERNAL: u16 = 1011;
    pub const BAD_REQUEST: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const DUPLICATE_ID: u16 = 4409;
    pub const TOO_MANY: u16 = 4429;
}

/// Why the server closes a socket.
type Closing = (u16, std::borrow::Cow<'static, str>);

/// The protocol's close reasons are at most 123 bytes (RFC 6455 §5.5).
const MAX_REASON: usize = 123;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Subscribe {
        id: String,
        payload: Value,
    },
    Complete {
        id: String,
    },
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
}

/// A client message, checked against the shapes the protocol gives each type (as graphql-ws's
/// own `validateMessage`); `Err` is the 4400 close reason.
fn parse(text: &str) -> Result<ClientMessage, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|_| "Invalid message received: not JSON".to_owned())?;
    let Some(fields) = value.as_object() else {
        return Err("Invalid message received: not an object".into());
    };
    let Some(kind) = fields.get("type").and_then(Value::as_str) else {
        return Err("Invalid message received: no type".into());
    };
    let object_or_nothing = |map: &serde_json::Map<String, Value>, name: &str| {
        map.get(name).is_none_or(|v| v.is_null() || v.is_object())
    };
    let id_ok = fields
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|id| !id.is_empty());
    match kind {
        "connection_init" | "ping" | "pong" if !object_or_nothing(fields, "payload") => {
            return Err(format!(
                "\"{kind}\" message expects the 'payload' property to be an object or missing"
            ));
        }
        "connection_init" | "ping" | "pong" => {}
        "subscribe" | "complete" if !id_ok => {
            return Err(format!(
                "\"{kind}\" message requires a non-empty 'id' string"
            ));
        }
        "complete" => {}
        "subscribe" => {
            let Some(payload) = fields.get("payload").and_then(Value::as_object) else {
                return Err(
                    "\"subscribe\" message expects the 'payload' property to be an object".into(),
                );
            };
            // A persisted query may come as its hash alone (`http::pipeline`).
            let hashed = payload
                .get("extensions")
                .and_then(|e| e.get("persistedQuery"))
                .is_some();
            let query_ok = match payload.get("query") {
                Some(Value::String(_)) => true,
                None | Some(Value::Null) => hashed,
                Some(_) => false,
            };
            let name_ok = payload
                .get("operationName")
                .is_none_or(|n| n.is_null() || n.is_string());
            if !query_ok
                || !name_ok
                || !object_or_nothing(payload, "variables")
                || !object_or_nothing(payload, "extensions")
            {
                return Err("\"subscribe\" message payload must be {query, variables?, operationName?, extensions?}".into());
            }
        }
        other => {
            let mut reason = format!("Unexpected message of type {other} received");
            truncate(&mut reason);
            return Err(reason);
        }
    }
    serde_json::from_value(value).map_err(|_| "Invalid message received".to_owned())
}

/// Cuts `reason` to what a close frame holds, on a character boundary.
fn truncate(reason: &mut String) {
    if reason.len() > MAX_REASON {
        let mut end = MAX_REASON;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
}

/// Open sockets per principal on this instance.
#[derive(Default)]
pub struct SocketRegistry(Mutex<HashMap<Uuid, usize>>);

/// One principal's place in the registry, given back when the socket ends.
pub struct SocketSlot {
    registry: Arc<SocketRegistry>,
    principal: Uuid,
}

impl SocketRegistry {
    /// A slot for one more socket of `principal`, unless it holds `cap` already.
    pub fn open(self: &Arc<Self>, principal: Uuid, cap: usize) -> Option<SocketSlot> {
        let mut open = self.0.lock().ok()?;
        let count = open.entry(principal).or_default();
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(SocketSlot {
            registry: self.clone(),
            principal,
        })
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.registry.0.lock()
            && let Some(count) = open.get_mut(&self.principal)
        {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.principal);
            }
        }
    }
}

/// What an operation's task hands to the socket.
enum Outgoing {
    /// A response, serialised in the operation's task.
    Next(String, u64, Value),
    /// The operation did not start (a request error): its errors, and no `complete`.
    Error(String, u64, Value),
    Done(String, u64),
}

/// Running operations by id, each with the generation it was started in (an id may be reused
/// once completed). Dropping it stops them all.
#[derive(Default)]
struct Operations(HashMap<String, (u64, JoinHandle<()>)>);

impl Operations {
    fn is_current(&self, id: &str, generation: u64) -> bool {
        self.0.get(id).is_some_and(|(g, _)| *g == generation)
    }

    fn stop(&mut self, id: &str) -> bool {
        match self.0.remove(id) {
            Some((_, task)) => {
                task.abort();
                true
            }
            None => false,
        }
    }
}

impl Drop for Operations {
    fn drop(&mut self) {
        for (_, task) in self.0.values() {
            task.abort();
        }
    }
}

type Sink = SplitSink<WebSocket, Frame>;

async fn send(sink: &mut Sink, message: Value) -> Result<(), ()> {
    sink.send(Frame::Text(message.to_string().into()))
        .await
        .map_err(|_| ())
}

/// Serves one upgraded socket until either side closes it; messages are in `language` (the
/// upgrade request's `Accept-Language`).
pub async fn serve(state: AppState, socket: WebSocket, client: IpAddr, language: Language) {
    let _counted = state.metrics.socket();
    let (mut sink, mut stream) = socket.split();
    if let Some((code, reason)) = session(&state, &mut sink, &mut stream, client, language).await {
        let mut reason = reason.into_owned();
        truncate(&mut reason);
        let _ = sink
            .send(Frame::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    }
    let _ = sink.close().await;
}

/// Checks the socket's credentials as they are now.
async fn access(state: &AppState, credentials: &Credentials) -> Result<(), Closing> {
    match pipeline::authenticate(state, credentials).await {
        Ok(pipeline::Authenticated {
            auth: Auth::User(caller),
            ..
        }) if caller.grants.is_empty() => Err((close::FORBIDDEN, "Forbidden".into())),
        Ok(pipeline::Authenticated {
            auth: Auth::User(_),
            ..
        }) => Ok(()),
        Ok(_) => Err((close::UNAUTHORIZED, "Unauthorized".into())),
        Err(refusal) if refusal.code == "BAD_REQUEST" => {
            Err((close::BAD_REQUEST, "send one Authorization".into()))
        }
        Err(_) => Err((close::INTERNAL, "service unavailable".into())),
    }
}

/// The `connection_init` payload, if it comes in time.
async fn initialisation(
    state: &AppState,
    sink: &mut Sink,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
) -> Result<Value, Option<Closing>> {
    let deadline = Instant::now() + state.limits.socket_init_timeout;
    loop {
        let frame = match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => {
                return Err(Some((
                    close::INIT_TIMEOUT,
                    "Connection initialisation timeout".into(),
                )));
            }
            Ok(Some(Ok(frame))) => frame,
            Ok(_) => return Err(None),
        };
        match frame {
            Frame::Text(text) => match parse(text.as_str()) {
                Ok(ClientMessage::ConnectionInit { payload }) => {
                    return Ok(payload.unwrap_or_default());
                }
                Ok(ClientMessage::Ping { payload }) => {
                    send(sink, pong(payload)).await.map_err(|()| None)?;
                }
                Ok(ClientMessage::Pong { .. } | ClientMessage::Complete { .. }) => {}
                Ok(ClientMessage::Subscribe { .. }) => {
                    return Err(Some((close::UNAUTHORIZED, "Unauthorized".into())));
                }
                Err(reason) => return Err(Some((close::BAD_REQUEST, reason.into()))),
            },
            Frame::Binary(_) => {
                return Err(Some((
                    close::BAD_REQUEST,
                    "Invalid message received: binary".into(),
                )));
            }
            Frame::Close(_) => return Err(None),
            Frame::Ping(_) | Frame::Pong(_) => {}
        }
    }
}

/// The answer to a `ping`, its payload echoed.
fn pong(payload: Option<Value>) -> Value {
    let mut pong = json!({ "type": "pong" });
    if let Some(payload) = payload {
        pong["payload"] = payload;
    }
    pong
}

/// Why an operation did not start.
enum Refused {
    /// The pipeline refused it: its errors.
    Operation(Value),
    /// Its credentials no longer hold: the whole socket closes.
    Connection(Closing),
}

/// Passes one `subscribe` through the pipeline, its session authenticated again, and starts
/// it; its responses come back on `tx` tagged with `id` and `generation`.
#[allow(clippy::too_many_arguments)]
async fn start(
    state: &AppState,
    credentials: &Credentials,
    client: IpAddr,
    audience: Audience,
    id: &str,
    generation: u64,
    tx: &mpsc::Sender<Outgoing>,
    payload: Value,
) -> Result<JoinHandle<()>, Refused> {
    let incoming = Incoming {
        body: payload,
        credentials: credentials.clone(),
        client,
        request_id: audience.request_id.clone(),
        transport: Transport::Socket,
    };
    let mut prepared = pipeline::prepare(state, incoming)
        .await
        .map_err(|refusal| Refused::Operation(refusal.errors(&audience)))?;
    match &prepared.auth {
        Auth::User(caller) if caller.grants.is_empty() => {
            return Err(Refused::Connection((close::FORBIDDEN, "Forbidden".into())));
        }
        Auth::User(_) => {}
        _ => {
            return Err(Refused::Connection((
                close::UNAUTHORIZED,
                "Unauthorized".into(),
            )));
        }
    }
    let (schema, tx, id) = (state.schema.clone(), tx.clone(), id.to_owned());
    let request = std::mem::replace(&mut prepared.request, async_graphql::Request::new(""));
    Ok(tokio::spawn(async move {
        let mut responses = schema.execute_stream(request);
        let mut first = true;
        while let Some(mut response) = responses.next().await {
            audience.present_result(&mut response, prepared.unparsed);
            if std::mem::take(&mut first) && prepared.request_error() {
                let errors = serde_json::to_value(&response.errors).unwrap_or_default();
                let _ = tx.send(Outgoing::Error(id, generation, errors)).await;
                return;
            }
            let payload = serde_json::to_value(response).unwrap_or_default();
            if tx
                .send(Outgoing::Next(id.clone(), generation, payload))
                .await
                .is_err()
            {
                return;
            }
        }
        let _ = tx.send(Outgoing::Done(id, generation)).await;
    }))
}

/// The protocol, from `connection_init` to the end; the close to send, if any.
async fn session(
    state: &AppState,
    sink: &mut Sink,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    client: IpAddr,
    language: Language,
) -> Option<Closing> {
    // Each operation gets its own request id, for its errors and the log.
    let audience = || Audience {
        request_id: Some(Uuid::now_v7().to_string()),
        language,
    };
    let payload = match initialisation(state, sink, stream).await {
        Ok(payload) => payload,
        Err(closing) => return closing,
    };
    let credentials = Credentials::from_init_payload(&payload);
    if let Err(closing) = access(state, &credentials).await {
        return Some(closing);
    }
    let Credentials::Bearer(token) = &credentials else {
        return Some((close::UNAUTHORIZED, "Unauthorized".into()));
    };
    let Some(verified) = state.keys.verify(token) else {
        return Some((close::UNAUTHORIZED, "Unauthorized".into()));
    };
    let Some(_slot) = state
        .sockets
        .open(verified.subject, state.limits.sockets_per_principal)
    else {
        return Some((
            close::TOO_MANY,
            "Too many open connections for this principal".into(),
        ));
    };
    // Subscribed before the acknowledgement, so no notice falls between the two.
    let mut bus = state.events.subscribe_access();
    if send(sink, json!({ "type": "connection_ack" }))
        .await
        .is_err()
    {
        return None;
    }

    let limits = &state.limits;
    let until_expiry = Duration::from_secs(
        u64::try_from(verified.expires_at - chrono::Utc::now().timestamp()).unwrap_or(0),
    );
    let expiry = tokio::time::sleep(until_expiry);
    tokio::pin!(expiry);
    let mut keepalive = tokio::time::interval(limits.socket_keepalive);
    keepalive.reset();
    let mut revalidate = tokio::time::interval(REVALIDATE_EVERY);
    revalidate.reset();
    let mut last_heard = Instant::now();
    let mut last_message = Instant::now();
    let (tx, mut rx) = mpsc::channel::<Outgoing>(64);
    let mut operations = Operations::default();
    let mut generation = 0u64;
    let draining = state.draining.begun();
    tokio::pin!(draining);

    loop {
        tokio::select! {
            // The client reconnects, through the proxy, to an instance that stays.
            () = &mut draining => return Some((close::GOING_AWAY, "Server shutting down".into())),
            frame = stream.next() => {
                let Some(Ok(frame)) = frame else { return None };
                last_heard = Instant::now();
                let text = match frame {
                    Frame::Text(text) => text,
                    Frame::Binary(_) => return Some((close::BAD_REQUEST, "Invalid message received: binary".into())),
                    Frame::Close(_) => return None,
                    Frame::Ping(_) | Frame::Pong(_) => continue,
                };
                last_message = Instant::now();
                match parse(text.as_str()) {
                    Ok(ClientMessage::Subscribe { id, payload }) => {
                        if operations.0.contains_key(&id) {
                            return Some((close::DUPLICATE_ID, format!("Subscriber for {id} already exists").into()));
                        }
                        let refused = if operations.0.len() >= limits.operations_per_socket {
                            Some(audience().errors(
                                "TOO_MANY_REQUESTS",
                                "too many operations running on this connection",
                            ))
                        } else {
                            generation += 1;
                            match start(state, &credentials, client, audience(), &id, generation, &tx, payload).await {
                                Ok(task) => {
                                    operations.0.insert(id.clone(), (generation, task));
                                    None
                                }
                                Err(Refused::Operation(errors)) => Some(errors),
                                Err(Refused::Connection(closing)) => return Some(closing),
                            }
                        };
                        if let Some(errors) = refused {
                            let error = json!({ "id": id, "type": "error", "payload": errors });
                            if send(sink, error).await.is_err() {
                                return None;
                            }
                        }
                    }
                    Ok(ClientMessage::Complete { id }) => {
                        operations.stop(&id);
                    }
                    Ok(ClientMessage::Ping { payload }) => {
                        if send(sink, pong(payload)).await.is_err() { return None; }
                    }
                    Ok(ClientMessage::Pong { .. }) => {}
                    Ok(ClientMessage::ConnectionInit { .. }) => {
                        return Some((close::TOO_MANY, "Too many initialisation requests".into()));
                    }
                    Err(reason) => return Some((close::BAD_REQUEST, reason.into())),
                }
            }
            Some(out) = rx.recv() => {
                let message = match out {
                    Outgoing::Next(id, g, response) if operations.is_current(&id, g) => {
                        json!({ "id": id, "type": "next", "payload": response })
                    }
                    Outgoing::Error(id, g, errors) if operations.is_current(&id, g) => {
                        operations.0.remove(&id);
                        json!({ "id": id, "type": "error", "payload": errors })
                    }
                    Outgoing::Done(id, g) if operations.is_current(&id, g) => {
                        operations.0.remove(&id);
                        json!({ "id": id, "type": "complete" })
                    }
                    _ => continue,
                };
                if send(sink, message).await.is_err() { return None; }
            }
            notice = bus.recv() => {
                let check = match notice {
                    Ok(notice) => notice.concerns(verified.subject),
                    // A notice about this principal may be among what was missed.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        return Some((close::GOING_AWAY, "Server shutting down".into()));
                    }
                };
                if check && let Err(closing) = access(state, &credentials).await {
                    return Some(closing);
                }
            }
            _ = revalidate.tick() => {
                if let Err(closing) = access(state, &credentials).await {
                    return Some(closing);
                }
            }
            () = &mut expiry => return Some((close::UNAUTHORIZED, "Unauthorized: token expired".into())),
            _ = keepalive.tick() => {
                if last_heard.elapsed() >= limits.socket_keepalive * 3 {
                    return Some((close::GOING_AWAY, "no answer to pings".into()));
                }
                if operations.0.is_empty() && last_message.elapsed() >= limits.socket_idle_timeout {
                    return Some((close::NORMAL, "idle".into()));
                }
                if sink.send(Frame::Ping(Default::default())).await.is_err() { return None; }
            }
        }
    }
}
