//! Stores that cannot be abused: persisted queries (authenticated callers only, bounded in
//! bytes), idempotency keys (mutations only, expiring, bound to the session, never holding a
//! secret), every connection phase under a time limit, and credentials given once.

use std::time::Duration;

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{Backend, TestApp, error_code, gid};
use qcdc::graphql::id::NodeType;

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn post(app: &TestApp, token: Option<&str>, body: Value) -> Value {
    let mut request = app.client.post(app.url("/graphql")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_authenticated_callers_register_persisted_queries() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let query = "{ __typename }";
    let hash = sha256(query);
    // An anonymous caller's document runs, but is not kept.
    let ran = post(
        &app,
        None,
        json!({ "query": query, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(ran["data"]["__typename"], "QueryRoot", "{ran}");
    let miss = post(&app, None, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(
        error_code(&miss),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "{miss}"
    );
    // A signed-in caller's is, and then anyone may use it by hash.
    let token = app.login("viewer").await;
    post(
        &app,
        Some(&token),
        json!({ "query": query, "extensions": persisted(&hash) }),
    )
    .await;
    let hit = post(&app, None, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(hit["data"]["__typename"], "QueryRoot", "{hit}");
    // A hash that is not the document's is refused.
    let lie = post(
        &app,
        Some(&token),
        json!({ "query": "{ me { username } }", "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(error_code(&lie), Some("BAD_REQUEST"), "{lie}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_persisted_query_store_is_bounded_in_bytes() {
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.limits.persisted_query_bytes = 2_000;
        c.limits.persisted_query_max_document = 1_500;
        c
    })
    .await;
    let token = app.login("viewer").await;
    // Documents padded with a comment to about 1,000 bytes: two do not fit together.
    let document = |n: usize| format!("{{ __typename }} # {n} {}", "x".repeat(1_000));
    let register = |n: usize| {
        let (app, token, query) = (&app, &token, document(n));
        async move {
            post(
                app,
                Some(token),
                json!({ "query": query, "extensions": persisted(&sha256(&query)) }),
            )
            .await
        }
    };
    let by_hash = |n: usize| {
        let (app, hash) = (&app, sha256(&document(n)));
        async move { post(app, None, json!({ "extensions": persisted(&hash) })).await }
    };
    register(1).await;
    assert_eq!(by_hash(1).await["data"]["__typename"], "QueryRoot");
    register(2).await;
    assert_eq!(
        error_code(&by_hash(1).await),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "the older document made room"
    );
    assert_eq!(by_hash(2).await["data"]["__typename"], "QueryRoot");
    // A document over the per-document bound runs but is never kept.
    let big = format!("{{ __typename }} # {}", "y".repeat(1_600));
    let ran = post(
        &app,
        Some(&token),
        json!({ "query": big, "extensions": persisted(&sha256(&big)) }),
    )
    .await;
    assert_eq!(ran["data"]["__typename"], "QueryRoot");
    let miss = post(
        &app,
        None,
        json!({ "extensions": persisted(&sha256(&big)) }),
    )
    .await;
    assert_eq!(error_code(&miss), Some("PERSISTED_QUERY_NOT_FOUND"));
    app.finish().await;
}

on_both_databases!(
    a_read_with_an_idempotency_key_is_not_stored,
    a_replay_is_only_for_the_session_that_stored_it,
    answers_holding_secrets_are_not_kept,
);

async fn keys_stored(app: &TestApp) -> u64 {
    entity::idempotency_key::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

async fn with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn a_read_with_an_idempotency_key_is_not_stored(app: &TestApp) {
    let token = app.login("viewer").await;
    let read = json!({ "query": "{ me { username } }" });
    for i in 0..3 {
        let res = with_key(app, &token, &format!("read-{i}"), &read).await;
        assert!(res.headers().get("idempotent-replayed").is_none());
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["data"]["me"]["username"], "viewer", "{body}");
    }
    assert_eq!(keys_stored(app).await, 0, "reads are not stored");
    // A mutation is.
    let logout = json!({ "query": "mutation { logout { ok } }" });
    let res = with_key(app, &token, "write-1", &logout).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["logout"]["ok"], true, "{body}");
    assert_eq!(keys_stored(app).await, 1);
}

async fn a_replay_is_only_for_the_session_that_stored_it(app: &TestApp) {
    let steering = app.login("steering").await;
    let (ob1, _) = crate::live::obligations(&app.base, &app.client, &steering).await;
    let reporter = app.login("reporter").await;
    let create = json!({
        "query": "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id title } } }",
        "variables": { "i": { "obligationId": ob1, "title": "Báo cáo quý I" } } });
    let first: Value = with_key(app, &reporter, "report-q1", &create)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        first["data"]["createReport"]["report"]["id"].is_string(),
        "{first}"
    );
    // The same session retries: the first answer.
    let again = with_key(app, &reporter, "report-q1", &create).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    // The session ends: its token gets nothing, replay included.
    app.data(&reporter, "mutation { logout { ok } }", json!({}))
        .await;
    let after = with_key(app, &reporter, "report-q1", &create).await;
    assert!(after.headers().get("idempotent-replayed").is_none());
    let after: Value = after.json().await.unwrap();
    assert_eq!(error_code(&after), Some("UNAUTHENTICATED"), "{after}");
    // Nor does a new session of the same person get the old session's answer.
    let renewed = app.login("reporter").await;
    let other = with_key(app, &renewed, "report-q1", &create).await;
    assert!(other.headers().get("idempotent-replayed").is_none());
    let other: Value = other.json().await.unwrap();
    assert_eq!(error_code(&other), Some("FORBIDDEN"), "{other}");
    assert!(other["data"].is_null(), "{other}");
}

async fn answers_holding_secrets_are_not_kept(app: &TestApp) {
    let admin = app.login("admin").await;
    let d01 = gid(NodeType::Unit, app.unit_uuid("ST.D01").await);
    let create = json!({
        "query": "mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { clientSecret apiClient { id clientId } } }",
        "variables": { "i": { "name": "Hệ thống huyện", "grants": [{ "role": "PARTNER", "scopeUnitId": d01 }] } } });
    let first: Value = with_key(app, &admin, "client-1", &create)
        .await
        .json()
        .await
        .unwrap();
    let secret = first["data"]["createApiClient"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = first["data"]["createApiClient"]["apiClient"]["id"].clone();
    let rotate = json!({
        "query": "mutation($id: ID!) { rotateApiClientSecret(id: $id) { clientSecret } }",
        "variables": { "id": client } });
    let rotated: Value = with_key(app, &admin, "rotate-1", &rotate)
        .await
        .json()
        .await
        .unwrap();
    let rotated = rotated["data"]["rotateApiClientSecret"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    // The table holds neither secret.
    let rows = entity::idempotency_key::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let kept = row.response.as_deref().unwrap_or_default();
        assert!(
            !kept.contains(&secret) && !kept.contains(&rotated) && !kept.contains("qcdc_cs_"),
            "a secret was stored: {kept}"
        );
    }
    // A retry learns that the request was done, without the secret.
    let replay = with_key(app, &admin, "client-1", &create).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(error_code(&replay), Some("CONFLICT"), "{replay}");
    assert!(!replay.to_string().contains(&secret));
    use sea_orm::PaginatorTrait;
    assert_eq!(
        entity::api_client::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1,
        "and it acted once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_expire_and_are_swept() {
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.limits.idempotency_ttl = Duration::from_secs(5);
        c
    })
    .await;
    let token = app.login("viewer").await;
    let logout = json!({ "query": "mutation { logout { ok } }" });
    with_key(&app, &token, "k", &logout).await;
    assert_eq!(keys_stored(&app).await, 1);
    // The sweep (every second in tests) deletes it once expired.
    let started = std::time::Instant::now();
    while keys_stored(&app).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the expired key was never swept"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_authorization_headers_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let viewer = app.login("viewer").await;
    let admin = app.login("admin").await;
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", format!("Bearer {viewer}"))
        .header("authorization", format!("Bearer {admin}"))
        .json(&json!({ "query": "{ me { username } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), Some("BAD_REQUEST"), "{body}");
    assert!(body["data"].is_null());
    // The token endpoint too.
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .header("authorization", "Basic YTpi")
        .header("authorization", "Basic Yzpk")
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_no_headers_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.limits.header_read_timeout = Duration::from_secs(1);
        c
    })
    .await;
    let authority = app.base.trim_start_matches("http://").to_owned();
    // Half a request line, then nothing.
    let mut slow = tokio::net::TcpStream::connect(&authority).await.unwrap();
    slow.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buffer)).await;
    assert!(
        read.is_ok(),
        "the server still holds a connection whose headers never came"
    );
    app.finish().await;
}
