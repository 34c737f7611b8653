//! A session is checked on every operation, on every transport: a WebSocket passes the same
//! pipeline as a POST for each operation, follows its credentials (logout, deactivation,
//! password reset, revoked grants, expiry close it or re-scope its subscriptions, across
//! instances on PostgreSQL), and is bounded in time and number.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use crate::live::{listening, next_json, obligations, open, subscribe};
use crate::support::{Backend, TestApp, gid};
use qcdc::graphql::id::NodeType;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const WATCH: &str =
    "subscription { reportStatusChanged { kind status unit { code } report { id status } } }";

/// A `graphql-transport-ws` socket, upgraded but not initialised.
async fn connect(base: &str) -> Socket {
    let mut request = format!("{}/graphql", base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

async fn send(ws: &mut Socket, message: Value) {
    ws.send(Message::text(message.to_string())).await.unwrap();
}

/// Reads until the server closes the socket: the messages before, and the close code (`None`
/// when the socket just ended, or nothing came within 20 s).
async fn closing(ws: &mut Socket) -> (Vec<Value>, Option<u16>) {
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return (seen, frame.map(|f| f.code.into())),
            Ok(Some(Ok(Message::Text(t)))) => seen.push(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(_))) => continue,
            _ => return (seen, None),
        }
    }
}

/// Runs one operation over the socket; returns its `next` or `error` message.
async fn run(ws: &mut Socket, id: &str, query: &str, variables: Value) -> Value {
    send(
        ws,
        json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }),
    )
    .await;
    loop {
        let message = next_json(ws).await.expect("an answer");
        if message["id"] == id && (message["type"] == "next" || message["type"] == "error") {
            return message;
        }
    }
}

/// The code of an operation's first error, whether refused before execution or by it.
fn code(message: &Value) -> Option<&str> {
    let errors = if message["type"] == "error" {
        &message["payload"]
    } else {
        &message["payload"]["errors"]
    };
    errors[0]["extensions"]["code"].as_str()
}

on_both_databases!(
    logout_deactivation_and_password_reset_close_open_sockets,
    revoking_the_only_grant_closes_the_socket,
    events_are_filtered_by_the_grants_in_force_when_sent,
    every_operation_on_a_socket_authenticates_again,
    emptying_a_table_of_access_is_seen_by_the_next_request,
    a_change_made_without_ordinary_triggers_is_seen_by_the_next_request,
);

async fn logout_deactivation_and_password_reset_close_open_sockets(app: &TestApp) {
    let admin = app.login("admin").await;
    // Logout: the session's socket closes at once, unauthenticated.
    let reporter = app.login("reporter").await;
    let mut ws = open(&app.base, &reporter).await.unwrap();
    subscribe(&mut ws, WATCH).await;
    app.data(&reporter, "mutation { logout { ok } }", json!({}))
        .await;
    let (seen, code) = closing(&mut ws).await;
    assert_eq!(code, Some(4401), "logout closes the socket: {seen:?}");

    // Deactivation and a password reset end every session of the account, sockets included.
    for (name, patch) in [
        (
            "deactivated",
            "updateUser(input: { id: $id, version: $v, active: false })",
        ),
        (
            "reset",
            r#"resetPassword(input: { id: $id, version: $v, password: "another long password" })"#,
        ),
    ] {
        let token = app.user_with(name, entity::Role::Reporter, "ST.D01").await;
        let user = qcdc::domain::users::get_by_username(&app.db, name)
            .await
            .unwrap()
            .unwrap();
        let mut ws = open(&app.base, &token).await.unwrap();
        subscribe(&mut ws, WATCH).await;
        app.data(
            &admin,
            &format!("mutation($id: ID!, $v: Int!) {{ {patch} {{ user {{ id }} }} }}"),
            json!({ "id": gid(NodeType::User, user.id), "v": user.version }),
        )
        .await;
        let (seen, code) = closing(&mut ws).await;
        assert_eq!(code, Some(4401), "{name}: {seen:?}");
    }
}

async fn revoking_the_only_grant_closes_the_socket(app: &TestApp) {
    let admin = app.login("admin").await;
    let token = app
        .user_with("lonely", entity::Role::Viewer, "ST.D01")
        .await;
    let mut ws = open(&app.base, &token).await.unwrap();
    subscribe(&mut ws, WATCH).await;
    let users = app
        .data(
            &admin,
            r#"{ users(search: "lonely") { grants { id } } }"#,
            json!({}),
        )
        .await;
    app.data(
        &admin,
        "mutation($id: ID!) { revokeGrant(id: $id) { grant { id } } }",
        json!({ "id": users["users"][0]["grants"][0]["id"] }),
    )
    .await;
    let (seen, code) = closing(&mut ws).await;
    assert_eq!(code, Some(4403), "no grant left: forbidden: {seen:?}");
    // And a new socket is refused the same way.
    assert!(open(&app.base, &token).await.is_none());
}

async fn events_are_filtered_by_the_grants_in_force_when_sent(app: &TestApp) {
    let admin = app.login("admin").await;
    let steering = app.login("steering").await;
    let reporter1 = app.login("reporter").await;
    let reporter2 = app
        .user_with("reporter2", entity::Role::Reporter, "ST.D02")
        .await;
    let (ob1, ob2) = obligations(&app.base, &app.client, &steering).await;
    let (d01, d02) = (app.unit_uuid("ST.D01").await, app.unit_uuid("ST.D02").await);
    qcdc::domain::users::create(
        &app.db,
        "watcher",
        "Watcher",
        "a-long-password",
        &[(entity::Role::Viewer, d01), (entity::Role::Viewer, d02)],
    )
    .await
    .unwrap();
    let watcher = app.gql(None, "mutation { login(username: \"watcher\", password: \"a-long-password\") { accessToken } }", json!({})).await
        ["data"]["login"]["accessToken"].as_str().unwrap().to_owned();
    let mut ws = open(&app.base, &watcher).await.unwrap();
    subscribe(&mut ws, WATCH).await;
    listening(&app.base, 1).await;
    let d02_report = draft(app, &reporter2, &ob2).await;
    let d02_report = step(app, &d02_report, &reporter2, &steering).await;
    let first = next_json(&mut ws).await.unwrap();
    assert_eq!(
        first["payload"]["data"]["reportStatusChanged"]["unit"]["code"], "ST.D02.BCD",
        "{first}"
    );

    // The watcher loses district 1 while subscribed; the socket stays (a grant is left).
    let grants = app
        .data(
            &admin,
            r#"{ users(search: "watcher") { grants { id scopeUnit { code } } } }"#,
            json!({}),
        )
        .await;
    let d01_grant = grants["users"][0]["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["scopeUnit"]["code"] == "ST.D01")
        .unwrap()["id"]
        .clone();
    app.data(
        &admin,
        "mutation($id: ID!) { revokeGrant(id: $id) { grant { id } } }",
        json!({ "id": d01_grant }),
    )
    .await;
    // District 1 reports after the revocation: the subscription, which lost a grant, ends
    // before that event can reach it.
    let d01_report = draft(app, &reporter1, &ob1).await;
    let d01_report = step(app, &d01_report, &reporter1, &steering).await;
    let next = next_json(&mut ws).await.unwrap();
    assert_eq!(
        next,
        json!({ "id": "1", "type": "complete" }),
        "district 1's report, sent after the revocation, never arrives"
    );
    // Subscribed again, the watcher hears district 2 and never district 1.
    let mut again = open(&app.base, &watcher).await.unwrap();
    subscribe(&mut again, WATCH).await;
    listening(&app.base, 1).await;
    step(app, &d01_report, &reporter1, &steering).await;
    step(app, &d02_report, &reporter2, &steering).await;
    let heard = next_json(&mut again).await.unwrap();
    assert_eq!(
        heard["payload"]["data"]["reportStatusChanged"]["unit"]["code"], "ST.D02.BCD",
        "{heard}"
    );
}

/// Drafts the report of `obligation`.
async fn draft(app: &TestApp, reporter: &str, obligation: &str) -> Value {
    let created = app
        .data(
            reporter,
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version status } } }",
            json!({ "i": { "obligationId": obligation } }),
        )
        .await;
    created["createReport"]["report"].clone()
}

/// Moves a submitted report back (returned) or a returned one forward (resubmitted): each
/// move is one `reportStatusChanged` event. Returns the report as it is now.
async fn step(app: &TestApp, report: &Value, reporter: &str, steering: &str) -> Value {
    let (token, mutation) = if report["status"] == "SUBMITTED" {
        (steering, "returnReport")
    } else {
        (reporter, "submitReport")
    };
    let moved = app
        .data(
            token,
            &format!("mutation($i: ReportStepInput!) {{ {mutation}(input: $i) {{ report {{ id version status }} }} }}"),
            json!({ "i": { "id": report["id"], "version": report["version"], "comment": "Bổ sung" } }),
        )
        .await;
    moved[mutation]["report"].clone()
}

async fn every_operation_on_a_socket_authenticates_again(app: &TestApp) {
    let token = app
        .user_with("quiet", entity::Role::Reporter, "ST.D01")
        .await;
    let mut ws = open(&app.base, &token).await.unwrap();
    let me = run(&mut ws, "1", "{ me { username } }", json!({})).await;
    assert_eq!(me["payload"]["data"]["me"]["username"], "quiet", "{me}");
    // An operator deactivates the account in the database. On PostgreSQL the database's own
    // notice (migration `access_notices`) reaches the socket, which authenticates again at once
    // and closes; on SQLite no notice crosses processes, and the socket's next operation
    // authenticates again and finds the account off.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entity::user::Entity::update_many()
        .col_expr(entity::user::Column::Active, Expr::value(false))
        .filter(entity::user::Column::Username.eq("quiet"))
        .exec(&app.db)
        .await
        .unwrap();
    if sea_orm::ConnectionTrait::get_database_backend(&app.db) == sea_orm::DbBackend::Postgres {
        let (seen, code) = closing(&mut ws).await;
        assert_eq!(code, Some(4401), "closed on the notice: {seen:?}");
        assert!(seen.iter().all(|m| m["type"] != "next"), "{seen:?}");
        return;
    }
    send(
        &mut ws,
        json!({ "id": "2", "type": "subscribe", "payload": { "query": "{ me { username } }" } }),
    )
    .await;
    let (seen, code) = closing(&mut ws).await;
    assert_eq!(code, Some(4401), "{seen:?}");
    assert!(
        seen.iter().all(|m| m["payload"]["data"]["me"].is_null()),
        "nothing ran: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_closes_the_socket() {
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.token_ttl = Duration::from_secs(2);
        c
    })
    .await;
    let token = app.login("reporter").await;
    let mut ws = open(&app.base, &token).await.unwrap();
    subscribe(&mut ws, WATCH).await;
    let (seen, code) = closing(&mut ws).await;
    assert_eq!(code, Some(4401), "{seen:?}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_meets_the_allow_list_and_the_document_guard() {
    let allowed = "{ plans(first: 1) { totalCount } }";
    let (app, token, _list) = crate::support::production_with_allowlist(&[allowed]).await;
    let mut ws = open(&app.base, &token).await.unwrap();
    let ok = run(&mut ws, "1", allowed, json!({})).await;
    assert_eq!(ok["payload"]["data"]["plans"]["totalCount"], 1, "{ok}");
    let unlisted = run(&mut ws, "2", "{ units { totalCount } }", json!({})).await;
    assert_eq!(code(&unlisted), Some("OPERATION_NOT_ALLOWED"), "{unlisted}");
    app.finish().await;

    // Without an allow-list, the document guard still stands before the parser.
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.login("viewer").await;
    let mut ws = open(&app.base, &token).await.unwrap();
    let aliases: String = (0..3_000).map(|i| format!("a{i}: __typename ")).collect();
    let flood = run(&mut ws, "1", &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(
        (flood["type"].as_str(), code(&flood)),
        (Some("error"), Some("BAD_REQUEST")),
        "{flood}"
    );
    let deep = format!(
        "{{ units(filter: {}) {{ totalCount }} }}",
        "[".repeat(3000) + &"]".repeat(3000)
    );
    let deep = run(&mut ws, "2", &deep, json!({})).await;
    assert_eq!(code(&deep), Some("BAD_REQUEST"), "{deep}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_over_a_socket_is_throttled_by_client_address() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.login("viewer").await;
    let mut ws = open(&app.base, &token).await.unwrap();
    let mut throttled = 0;
    // A different account each time, so only the per-address limit (60 a minute) can apply.
    for i in 0..75 {
        let answer = run(
            &mut ws,
            &i.to_string(),
            "mutation($u: String!) { login(username: $u, password: \"guess-guess\") { accessToken } }",
            json!({ "u": format!("nobody{i}") }),
        )
        .await;
        match code(&answer) {
            Some("TOO_MANY_REQUESTS") => throttled += 1,
            Some("UNAUTHENTICATED") => {}
            other => panic!("unexpected answer {other:?}: {answer}"),
        }
    }
    // The limiter refills one attempt a second, so how many are refused depends on the pace.
    assert!(throttled > 0, "no attempt of 75 was throttled");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_init_is_required_in_time_and_unambiguous() {
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.limits.socket_init_timeout = Duration::from_secs(1);
        c
    })
    .await;
    let token = app.login("viewer").await;
    // No connection_init: closed, not held open.
    let mut silent = connect(&app.base).await;
    assert_eq!(closing(&mut silent).await.1, Some(4408));
    // No credentials.
    let mut anonymous = connect(&app.base).await;
    send(
        &mut anonymous,
        json!({ "type": "connection_init", "payload": {} }),
    )
    .await;
    assert_eq!(closing(&mut anonymous).await.1, Some(4401));
    // Two credentials: refused, not resolved by picking one.
    let mut twice = connect(&app.base).await;
    send(
        &mut twice,
        json!({ "type": "connection_init", "payload": {
            "Authorization": format!("Bearer {token}"), "authorization": "Bearer not-a-token" } }),
    )
    .await;
    assert_eq!(closing(&mut twice).await.1, Some(4400));
    // An operation before the acknowledgement.
    let mut eager = connect(&app.base).await;
    send(
        &mut eager,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    assert_eq!(closing(&mut eager).await.1, Some(4401));
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_and_their_operations_are_capped() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let limits = qcdc::config::Limits::default();
    let token = app.login("viewer").await;
    let mut sockets = Vec::new();
    for _ in 0..limits.sockets_per_principal {
        sockets.push(open(&app.base, &token).await.expect("within the cap"));
    }
    let mut one_too_many = connect(&app.base).await;
    send(
        &mut one_too_many,
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }),
    )
    .await;
    assert_eq!(closing(&mut one_too_many).await.1, Some(4429));
    // Closing one frees its place.
    let mut first = sockets.remove(0);
    first.close(None).await.unwrap();
    while first.next().await.is_some() {}
    // The server notices the close asynchronously; wait for the place to be given back.
    let mut ws = None;
    for _ in 0..100 {
        ws = open(&app.base, &token).await;
        if ws.is_some() {
            break;
        }
    }
    let mut ws = ws.expect("a closed socket gives its place back");
    for i in 0..limits.operations_per_socket {
        send(
            &mut ws,
            json!({ "id": format!("s{i}"), "type": "subscribe", "payload": { "query": WATCH } }),
        )
        .await;
    }
    let refused = run(&mut ws, "extra", WATCH, json!({})).await;
    assert_eq!(
        (refused["type"].as_str(), code(&refused)),
        (Some("error"), Some("TOO_MANY_REQUESTS")),
        "{refused}"
    );
    app.finish().await;
}

/// Two server processes on one PostgreSQL database: a logout through one closes the session's
/// socket on the other (the notice travels by LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_reaches_sockets_on_every_instance() {
    let Some(admin) = crate::support::postgres_url() else {
        return;
    };
    let (url, name) = crate::support::fresh_postgres_database(&admin).await;
    let (mut a, base_a) = crate::support::spawn_binary(&url);
    let (mut b, base_b) = crate::support::spawn_binary(&url);
    let client = reqwest::Client::new();
    let post = |base: &str, token: Option<&str>, query: &str| {
        let mut request = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let login = post(
        &base_a,
        None,
        r#"mutation { login(username: "reporter", password: "qcdc-demo") { accessToken } }"#,
    )
    .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut on_b = open(&base_b, &token).await.unwrap();
    subscribe(&mut on_b, WATCH).await;
    let out = post(&base_a, Some(&token), "mutation { logout { ok } }").await;
    assert_eq!(out["data"]["logout"]["ok"], true, "{out}");
    let (seen, code) = closing(&mut on_b).await;
    assert_eq!(code, Some(4401), "{seen:?}");

    let _ = a.kill();
    let _ = b.kill();
    let _ = a.wait();
    let _ = b.wait();
    crate::support::drop_postgres_database(&admin, &name).await;
}

/// How many units `token` sees over HTTP, or the error code that refused it.
async fn units_seen(app: &TestApp, token: &str) -> Result<u64, String> {
    let body = app
        .gql(
            Some(token),
            "{ units(first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    match body["data"]["units"]["totalCount"].as_u64() {
        Some(n) => Ok(n),
        None => Err(body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("none")
            .to_owned()),
    }
}

/// `TRUNCATE` fires no row trigger (found from outside: a truncated `sessions` or `role_grants`
/// left verified callers in use for a minute, on both instances). On SQLite the same is a
/// `DELETE` without a condition.
async fn emptying_a_table_of_access_is_seen_by_the_next_request(app: &TestApp) {
    let postgres =
        sea_orm::ConnectionTrait::get_database_backend(&app.db) == sea_orm::DbBackend::Postgres;
    let empty = |table: &str| {
        if postgres {
            format!("TRUNCATE {table} CASCADE")
        } else {
            format!("DELETE FROM {table}")
        }
    };
    let token = app
        .user_with("emptied", entity::Role::Viewer, "ST.D01")
        .await;
    // Twice, so the second is answered from the verified callers kept.
    assert!(units_seen(app, &token).await.unwrap() > 0);
    assert!(units_seen(app, &token).await.unwrap() > 0);
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, &empty("sessions"))
        .await
        .unwrap();
    assert_eq!(
        units_seen(app, &token).await,
        Err("UNAUTHENTICATED".to_owned())
    );

    let token = app.login("viewer").await;
    let before = units_seen(app, &token).await.unwrap();
    assert!(before > 0);
    assert_eq!(units_seen(app, &token).await, Ok(before));
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, &empty("role_grants"))
        .await
        .unwrap();
    let after = units_seen(app, &token).await;
    assert!(
        after.as_ref().is_err() || after.as_ref().is_ok_and(|n| *n < before),
        "no grant left, yet {after:?} (was {before})"
    );
}

/// With `session_replication_role = replica` (what bulk loaders and restore tools set)
/// ordinary triggers do not fire; the access triggers fire always. SQLite has no such mode: a
/// plain change there.
async fn a_change_made_without_ordinary_triggers_is_seen_by_the_next_request(app: &TestApp) {
    let postgres =
        sea_orm::ConnectionTrait::get_database_backend(&app.db) == sea_orm::DbBackend::Postgres;
    let token = app
        .user_with("replica", entity::Role::Viewer, "ST.D01")
        .await;
    assert!(units_seen(app, &token).await.unwrap() > 0);
    assert!(units_seen(app, &token).await.unwrap() > 0);
    let deactivate = "UPDATE users SET active = false WHERE username = 'replica'";
    let sql = if postgres {
        // One string, so all three run on the same pooled connection.
        format!(
            "SET session_replication_role = replica; {deactivate}; \
             SET session_replication_role = DEFAULT"
        )
    } else {
        deactivate.to_owned()
    };
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, &sql)
        .await
        .unwrap();
    assert_eq!(
        units_seen(app, &token).await,
        Err("UNAUTHENTICATED".to_owned())
    );
}

/// Notices sent while an instance's listener is away are lost (found from outside: a session
/// revoked then left its sockets open for a minute). When the listener is back, every socket
/// authenticates again. PostgreSQL only: SQLite has no listener, and each operation
/// authenticates (`every_operation_on_a_socket_authenticates_again`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_authenticate_again_when_the_listener_comes_back() {
    let Some(app) = TestApp::spawn_if_postgres().await else {
        return;
    };
    listener_comes_back(&app).await;
    app.finish().await;
}

async fn listener_comes_back(app: &TestApp) {
    let token = app
        .user_with("unheard", entity::Role::Viewer, "ST.D01")
        .await;
    let mut ws = open(&app.base, &token).await.unwrap();
    let me = run(&mut ws, "1", "{ me { username } }", json!({})).await;
    assert_eq!(me["payload"]["data"]["me"]["username"], "unheard", "{me}");
    // The listener's connection drops; the server waits a second before it listens again, and
    // the session is revoked meanwhile, so its notice reaches no one.
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'; \
         SELECT pg_sleep(0.3); \
         UPDATE sessions SET revoked_at = now() \
         WHERE user_id = (SELECT id FROM users WHERE username = 'unheard')",
    )
    .await
    .unwrap();
    // Well within the minute after which a socket authenticates again anyway.
    let (seen, code) = closing(&mut ws).await;
    assert_eq!(code, Some(4401), "{seen:?}");
}
