//! GraphQL over WebSocket (`graphql-transport-ws`) on `/graphql`. Every `subscribe` goes through
//! the same request pipeline as an HTTP POST (`http::pipeline`), the session included: it is
//! authenticated again for each operation. The socket itself is bounded and follows its
//! credentials:
//!
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
    graphql::with_codes,
    pipeline::{self, Credentials, Incoming, Transport},
};
use crate::{auth::Auth, startup::AppState};

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
type Closing = (u16, &'static str);

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

/// Serves one upgraded socket until either side closes it.
pub async fn serve(state: AppState, socket: WebSocket, client: IpAddr) {
    let _counted = state.metrics.socket();
    let (mut sink, mut stream) = socket.split();
    if let Some((code, reason)) = session(&state, &mut sink, &mut stream, client).await {
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
        }) if caller.grants.is_empty() => Err((close::FORBIDDEN, "no grants")),
        Ok(pipeline::Authenticated {
            auth: Auth::User(_),
            ..
        }) => Ok(()),
        Ok(_) => Err((close::UNAUTHORIZED, "authentication required")),
        Err(refusal) if refusal.code == "BAD_REQUEST" => {
            Err((close::BAD_REQUEST, "send one Authorization"))
        }
        Err(_) => Err((close::INTERNAL, "service unavailable")),
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
                    "connection initialisation timeout",
                )));
            }
            Ok(Some(Ok(frame))) => frame,
            Ok(_) => return Err(None),
        };
        match frame {
            Frame::Text(text) => match serde_json::from_str::<ClientMessage>(text.as_str()) {
                Ok(ClientMessage::ConnectionInit { payload }) => {
                    return Ok(payload.unwrap_or_default());
                }
                Ok(ClientMessage::Ping { .. }) => {
                    send(sink, json!({ "type": "pong" }))
                        .await
                        .map_err(|()| None)?;
                }
                Ok(ClientMessage::Pong { .. } | ClientMessage::Complete { .. }) => {}
                Ok(ClientMessage::Subscribe { .. }) => {
                    return Err(Some((close::UNAUTHORIZED, "unauthorized")));
                }
                Err(_) => return Err(Some((close::BAD_REQUEST, "invalid message"))),
            },
            Frame::Binary(_) => return Err(Some((close::BAD_REQUEST, "invalid message"))),
            Frame::Close(_) => return Err(None),
            Frame::Ping(_) | Frame::Pong(_) => {}
        }
    }
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
async fn start(
    state: &AppState,
    credentials: &Credentials,
    client: IpAddr,
    id: &str,
    generation: u64,
    tx: &mpsc::Sender<Outgoing>,
    payload: Value,
) -> Result<JoinHandle<()>, Refused> {
    let incoming = Incoming {
        body: payload,
        credentials: credentials.clone(),
        client,
        request_id: Some(Uuid::now_v7().to_string()),
        transport: Transport::Socket,
    };
    let prepared = pipeline::prepare(state, incoming)
        .await
        .map_err(|refusal| Refused::Operation(refusal.errors()))?;
    match &prepared.auth {
        Auth::User(caller) if caller.grants.is_empty() => {
            return Err(Refused::Connection((close::FORBIDDEN, "no grants")));
        }
        Auth::User(_) => {}
        _ => {
            return Err(Refused::Connection((
                close::UNAUTHORIZED,
                "authentication required",
            )));
        }
    }
    let (schema, tx, id) = (state.schema.clone(), tx.clone(), id.to_owned());
    Ok(tokio::spawn(async move {
        let mut responses = schema.execute_stream(prepared.request);
        while let Some(response) = responses.next().await {
            let payload = serde_json::to_value(with_codes(response)).unwrap_or_default();
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
) -> Option<Closing> {
    let payload = match initialisation(state, sink, stream).await {
        Ok(payload) => payload,
        Err(closing) => return closing,
    };
    let credentials = Credentials::from_init_payload(&payload);
    if let Err(closing) = access(state, &credentials).await {
        return Some(closing);
    }
    let Credentials::Bearer(token) = &credentials else {
        return Some((close::UNAUTHORIZED, "authentication required"));
    };
    let Some(verified) = state.keys.verify(token) else {
        return Some((close::UNAUTHORIZED, "authentication required"));
    };
    let Some(_slot) = state
        .sockets
        .open(verified.subject, state.limits.sockets_per_principal)
    else {
        return Some((
            close::TOO_MANY,
            "too many open connections for this principal",
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

    loop {
        tokio::select! {
            frame = stream.next() => {
                let Some(Ok(frame)) = frame else { return None };
                last_heard = Instant::now();
                let text = match frame {
                    Frame::Text(text) => text,
                    Frame::Binary(_) => return Some((close::BAD_REQUEST, "invalid message")),
                    Frame::Close(_) => return None,
                    Frame::Ping(_) | Frame::Pong(_) => continue,
                };
                last_message = Instant::now();
                match serde_json::from_str::<ClientMessage>(text.as_str()) {
                    Ok(ClientMessage::Subscribe { id, payload }) => {
                        if operations.0.contains_key(&id) {
                            return Some((close::DUPLICATE_ID, "subscriber for this id already exists"));
                        }
                        let refused = if operations.0.len() >= limits.operations_per_socket {
                            Some(json!([{
                                "message": "too many operations running on this connection",
                                "extensions": { "code": "TOO_MANY_REQUESTS" },
                            }]))
                        } else {
                            generation += 1;
                            match start(state, &credentials, client, &id, generation, &tx, payload).await {
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
                        let mut pong = json!({ "type": "pong" });
                        if let Some(payload) = payload {
                            pong["payload"] = payload;
                        }
                        if send(sink, pong).await.is_err() { return None; }
                    }
                    Ok(ClientMessage::Pong { .. }) => {}
                    Ok(ClientMessage::ConnectionInit { .. }) => {
                        return Some((close::TOO_MANY, "too many initialisation requests"));
                    }
                    Err(_) => return Some((close::BAD_REQUEST, "invalid message")),
                }
            }
            Some(out) = rx.recv() => {
                let message = match out {
                    Outgoing::Next(id, g, response) if operations.is_current(&id, g) => {
                        json!({ "id": id, "type": "next", "payload": response })
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
                    Ok(notice) => notice.principal == verified.subject,
                    // A notice about this principal may be among what was missed.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        return Some((close::GOING_AWAY, "server shutting down"));
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
            () = &mut expiry => return Some((close::UNAUTHORIZED, "token expired")),
            _ = keepalive.tick() => {
                if last_heard.elapsed() >= limits.socket_keepalive * 3 {
                    return Some((close::GOING_AWAY, "no answer to pings"));
                }
                if operations.0.is_empty() && last_message.elapsed() >= limits.socket_idle_timeout {
                    return Some((close::NORMAL, "idle"));
                }
                if sink.send(Frame::Ping(Default::default())).await.is_err() { return None; }
            }
        }
    }
}
