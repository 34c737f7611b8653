//! Weak networks: a refresh token presented again within the reuse window (a retry after a
//! lost answer, two tabs refreshing at once) returns the same new pair on both databases,
//! concurrently too; a replay after the window ends the session and closes its sockets as a
//! logout does. A loader whose database cannot be reached answers `SERVICE_UNAVAILABLE`.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Backend, TestApp, error_code};

on_both_databases!(
    a_retried_refresh_returns_the_same_pair,
    concurrent_refreshes_with_one_token_keep_the_session,
);

const LOGIN: &str = r#"mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken } }"#;
const REFRESH: &str = r#"mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken expiresAt refreshToken refreshExpiresAt } }"#;
const ME: &str = "{ me { username } }";

async fn refresh_token_of(app: &TestApp, user: &str) -> (String, String) {
    let body = app
        .gql(
            None,
            LOGIN,
            json!({ "u": user, "p": qcdc::seed::DEMO_PASSWORD }),
        )
        .await;
    let l = &body["data"]["login"];
    (
        l["accessToken"].as_str().unwrap().to_owned(),
        l["refreshToken"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.gql(None, REFRESH, json!({ "t": token })).await
}

async fn me_code(app: &TestApp, token: &str) -> Option<String> {
    error_code(&app.gql(Some(token), ME, json!({})).await).map(str::to_owned)
}

async fn a_retried_refresh_returns_the_same_pair(app: &TestApp) {
    let (_, r1) = refresh_token_of(app, "reporter").await;
    let first = refresh(app, &r1).await;
    assert!(first.get("errors").is_none(), "{first:#}");
    // The answer was lost; the client tries again with the same token.
    let retry = refresh(app, &r1).await;
    assert!(
        retry.get("errors").is_none(),
        "the retry ends the session: {retry:#}"
    );
    assert_eq!(retry["data"], first["data"], "the same pair, to the byte");
    let pair = &first["data"]["refreshToken"];
    assert_eq!(
        me_code(app, pair["accessToken"].as_str().unwrap()).await,
        None
    );
    // The pair goes on rotating as usual.
    let next = refresh(app, pair["refreshToken"].as_str().unwrap()).await;
    assert!(next.get("errors").is_none(), "{next:#}");
    assert_ne!(next["data"], first["data"]);
    // Once its successor is used, the old token has nothing left to return: a replay.
    let late = refresh(app, &r1).await;
    assert_eq!(error_code(&late), Some("UNAUTHENTICATED"));
    assert_eq!(
        me_code(
            app,
            next["data"]["refreshToken"]["accessToken"]
                .as_str()
                .unwrap()
        )
        .await
        .as_deref(),
        Some("UNAUTHENTICATED"),
        "a replay ends the session"
    );
}

async fn concurrent_refreshes_with_one_token_keep_the_session(app: &TestApp) {
    let (_, r1) = refresh_token_of(app, "reporter").await;
    let answers = futures_util::future::join_all((0..6).map(|_| refresh(app, &r1))).await;
    for a in &answers {
        assert!(
            a.get("errors").is_none(),
            "a concurrent use ended the session: {a:#}"
        );
        assert_eq!(
            a["data"], answers[0]["data"],
            "every use gets the one new pair"
        );
    }
    let access = answers[0]["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap();
    assert_eq!(
        me_code(app, access).await,
        None,
        "the session is still open"
    );
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let unused = entity::refresh_token::Entity::find()
        .filter(entity::refresh_token::Column::UsedAt.is_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(unused, 1, "one successor, not one per request");
}

/// A server whose reuse window is one second.
async fn short_window(backend: Backend) -> Option<TestApp> {
    if backend == Backend::Postgres {
        crate::support::postgres_url()?;
    }
    Some(
        TestApp::spawn_with(backend, |mut c| {
            c.limits.refresh_reuse_window = Duration::from_secs(1);
            c
        })
        .await,
    )
}

async fn replay_after_the_window(backend: Backend) {
    let Some(app) = short_window(backend).await else {
        return;
    };
    let (_, r1) = refresh_token_of(&app, "reporter").await;
    let first = refresh(&app, &r1).await;
    let access = first["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ws = crate::live::open(&app.base, &access)
        .await
        .expect("socket opens");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let replay = refresh(&app, &r1).await;
    assert_eq!(error_code(&replay), Some("UNAUTHENTICATED"));
    assert_eq!(
        me_code(&app, &access).await.as_deref(),
        Some("UNAUTHENTICATED"),
        "the replay ended the session"
    );
    // The open socket hears of it at once, as on logout (not at the 60 s re-check).
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            _ => break None,
        }
    };
    assert_eq!(code, Some(4401), "the replay closes the session's sockets");
    app.finish().await;
}

mod a_replay_after_the_reuse_window_ends_the_session {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::replay_after_the_window(crate::support::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::replay_after_the_window(crate::support::Backend::Postgres).await;
    }
}

/// PostgreSQL: `task_legal_references` becomes a view whose every read kills its own
/// connection, as a database restarting under a request does. `Task.legalReferences` loads
/// through a loader after the root field has read its tasks, so the loader meets the outage: `SERVICE_UNAVAILABLE`,
/// as every other database outage, never `INTERNAL`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loader_that_cannot_reach_the_database_is_service_unavailable() {
    let Some(app) = TestApp::spawn_if_postgres().await else {
        return;
    };
    use sea_orm::ConnectionTrait;
    let token = app.login("steering").await;
    let query = "{ tasks(first: 5) { edges { node { code legalReferences { note } } } } }";
    let before = app.gql(Some(&token), query, json!({})).await;
    assert!(before.get("errors").is_none(), "{before:#}");
    for sql in [
        "ALTER TABLE task_legal_references RENAME TO task_legal_references_stored",
        "CREATE FUNCTION qcdc_outage() RETURNS boolean LANGUAGE sql VOLATILE AS \
         'SELECT pg_terminate_backend(pg_backend_pid())'",
        "CREATE VIEW task_legal_references AS SELECT * FROM task_legal_references_stored \
         WHERE qcdc_outage()",
    ] {
        app.db.execute_unprepared(sql).await.unwrap();
    }
    let during = app.gql(Some(&token), query, json!({})).await;
    assert_eq!(
        error_code(&during),
        Some("SERVICE_UNAVAILABLE"),
        "{during:#}"
    );
    assert!(during["errors"][0]["extensions"]["requestId"].is_string());
    app.finish().await;
}

/// PostgreSQL: a migration changes a column's type while the server runs. Statements the pool
/// prepared before fail ("cached plan must not change result type"); the server retires those
/// connections and runs the query again, so no request answers an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_type_changed_under_a_running_server_fails_no_request() {
    let Some(app) = TestApp::spawn_if_postgres().await else {
        return;
    };
    use sea_orm::ConnectionTrait;
    let token = app.login("viewer").await;
    let query = "{ units(first: 50) { edges { node { code note } } } }";
    // Warm several pooled connections, each preparing the statement.
    for a in futures_util::future::join_all((0..8).map(|_| app.gql(Some(&token), query, json!({}))))
        .await
    {
        assert!(a.get("errors").is_none(), "{a:#}");
    }
    app.db
        .execute_unprepared("ALTER TABLE units ALTER COLUMN note TYPE varchar(4000)")
        .await
        .unwrap();
    let mut failed = Vec::new();
    for _ in 0..4 {
        let answers =
            futures_util::future::join_all((0..8).map(|_| app.gql(Some(&token), query, json!({}))))
                .await;
        failed.extend(answers.into_iter().filter(|a| a.get("errors").is_some()));
    }
    assert!(
        failed.is_empty(),
        "{} of 32 requests failed: {:#}",
        failed.len(),
        failed[0]
    );
    app.finish().await;
}
