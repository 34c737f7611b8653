//! Signing in, and refusing everyone who has not.

use serde_json::json;

use crate::support::{TestApp, error_code};

on_both_databases!(
    login_returns_a_token_that_opens_me,
    wrong_or_unknown_credentials_get_the_same_refusal,
    operations_without_a_valid_token_are_unauthenticated,
);

async fn login_returns_a_token_that_opens_me(app: &TestApp) {
    let body = app
        .gql(
            None,
            r#"mutation { login(username: "Reporter", password: "qcdc-demo") { accessToken tokenType expiresAt } }"#,
            json!({}),
        )
        .await;
    let login = &body["data"]["login"];
    assert_eq!(login["tokenType"], "Bearer");
    let expires: chrono::DateTime<chrono::Utc> =
        login["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(expires > chrono::Utc::now());
    let token = login["accessToken"].as_str().unwrap();

    let me = app
        .data(
            token,
            "{ me { username displayName active grants { role scopeUnit { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["username"], "reporter");
    assert_eq!(me["me"]["active"], true);
    assert_eq!(
        me["me"]["grants"],
        json!([{ "role": "REPORTER", "scopeUnit": { "code": "ST.D01" } }])
    );
}

async fn wrong_or_unknown_credentials_get_the_same_refusal(app: &TestApp) {
    let q =
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let wrong = app
        .gql(None, q, json!({ "u": "admin", "p": "not-the-password" }))
        .await;
    let unknown = app
        .gql(None, q, json!({ "u": "nobody", "p": "qcdc-demo" }))
        .await;
    assert_eq!(error_code(&wrong), Some("UNAUTHENTICATED"));
    assert_eq!(error_code(&unknown), Some("UNAUTHENTICATED"));
    assert_eq!(
        wrong["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
    assert!(wrong["data"].is_null());
}

async fn operations_without_a_valid_token_are_unauthenticated(app: &TestApp) {
    for query in [
        "{ me { username } }",
        "{ plans(first: 1) { edges { node { number } } } }",
        "{ units { totalCount } }",
        "{ legalDocuments { totalCount } }",
        "{ tasks { totalCount } }",
        "{ reports { totalCount } }",
        "{ indicators { totalCount } }",
    ] {
        let anonymous = app.gql(None, query, json!({})).await;
        assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"), "{query}");
        let forged = app.gql(Some("not.a.token"), query, json!({})).await;
        assert_eq!(error_code(&forged), Some("UNAUTHENTICATED"), "{query}");
    }

    // A token signed with another key is refused like no token at all.
    let other = qcdc::auth::token::TokenKeys::from_secret(
        b"some-other-deployment-secret-0123456789",
        std::time::Duration::from_secs(60),
    );
    let admin_id = qcdc::domain::users::get_by_username(&app.db, "admin")
        .await
        .unwrap()
        .unwrap()
        .id;
    let foreign = other
        .issue(
            admin_id,
            qcdc::auth::token::Principal::User,
            Some(uuid::Uuid::now_v7()),
        )
        .unwrap()
        .token;
    let body = app
        .gql(Some(&foreign), "{ me { username } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_user_is_refused_on_the_next_request() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::spawn(crate::support::Backend::Sqlite).await;
    let token = app.login("viewer").await;
    app.data(&token, "{ me { username } }", json!({})).await;
    let account = qcdc::domain::users::get_by_username(&app.db, "viewer")
        .await
        .unwrap()
        .unwrap();
    let mut active: entity::user::ActiveModel = account.into();
    active.active = Set(false);
    active.update(&app.db).await.unwrap();
    let body = app
        .gql(Some(&token), "{ me { username } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_mode_has_no_demo_accounts() {
    let app = TestApp::spawn_with(crate::support::Backend::Sqlite, |mut c| {
        c.environment = qcdc::config::Environment::Production;
        c
    })
    .await;
    let body = app
        .gql(
            None,
            r#"mutation { login(username: "admin", password: "qcdc-demo") { accessToken } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    let users = qcdc::domain::users::get_by_username(&app.db, "admin")
        .await
        .unwrap();
    assert!(users.is_none());
    app.finish().await;
}

/// Operators create the first account of a production deployment from the command line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_creates_an_account_that_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cli.db?mode=rwc", dir.path().display());
    let run = |args: &[&str], password: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_qcdc"))
            .args(args)
            .env("QCDC_DATABASE_URL", &url)
            .env("QCDC_ENV", "production")
            .env("QCDC_JWT_SECRET", crate::support::TEST_SECRET)
            .env("QCDC_PASSWORD", password)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    assert!(run(&["seed"], "").status.success());
    let weak = run(
        &[
            "user",
            "create",
            "--username",
            "chief",
            "--role",
            "admin",
            "--scope",
            "ST",
        ],
        "short",
    );
    assert!(!weak.status.success(), "a short password is refused");
    let nowhere = run(
        &[
            "user",
            "create",
            "--username",
            "chief",
            "--role",
            "admin",
            "--scope",
            "XX",
        ],
        "long enough passphrase",
    );
    assert!(!nowhere.status.success(), "an unknown scope is refused");
    let ok = run(
        &[
            "user",
            "create",
            "--username",
            "chief",
            "--role",
            "admin",
            "--scope",
            "ST",
        ],
        "long enough passphrase",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let again = run(
        &[
            "user",
            "create",
            "--username",
            "chief",
            "--role",
            "admin",
            "--scope",
            "ST",
        ],
        "long enough passphrase",
    );
    assert!(!again.status.success(), "a duplicate is refused");
    let granted = run(
        &[
            "user",
            "grant",
            "--username",
            "chief",
            "--role",
            "viewer",
            "--scope",
            "ST.D01",
        ],
        "",
    );
    assert!(
        granted.status.success(),
        "{}",
        String::from_utf8_lossy(&granted.stderr)
    );
    let client = run(
        &[
            "client",
            "create",
            "--name",
            "Hệ thống huyện",
            "--scope",
            "ST.D02",
        ],
        "",
    );
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );
    let out = String::from_utf8(client.stdout).unwrap();
    let value = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap()
            .to_owned()
    };
    let (client_id, client_secret) = (value("client_id="), value("client_secret="));

    let app = TestApp::spawn_with(crate::support::Backend::Sqlite, |mut c| {
        c.database_url = url.clone();
        c.environment = qcdc::config::Environment::Production;
        c
    })
    .await;
    let body = app
        .gql(
            None,
            r#"mutation { login(username: "chief", password: "long enough passphrase") { accessToken } }"#,
            json!({}),
        )
        .await;
    let token = body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = app
        .data(
            &token,
            "{ me { username grants { role scopeUnit { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["grants"][0]["role"], "ADMIN");
    assert_eq!(me["me"]["grants"][0]["scopeUnit"]["code"], "ST");
    assert_eq!(me["me"]["grants"][1]["role"], "VIEWER");
    // The command line passes the same domain operations as the API, so it leaves their audit.
    let audit = app
        .data(
            &token,
            "{ auditEvents(first: 50) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    for action in ["user.create", "grant.create", "client.create"] {
        assert!(
            audit.to_string().contains(&format!("\"{action}\"")),
            "{action} in {audit}"
        );
    }
    // The partner system the CLI registered gets tokens.
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    app.finish().await;
}
