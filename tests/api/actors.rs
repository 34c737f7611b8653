//! Every change names its actor, in one place (`api/src/domain/audit.rs`): a person, a partner
//! system or the command line; sign-ins are recorded too, failed ones included.

use serde_json::{Value, json};

use crate::support::{TestApp, gid};
use qcdc::graphql::id::NodeType;

on_both_databases!(people_partners_and_sign_ins_are_named_in_the_audit_log);

const EVENTS: &str = "query($a: String) { auditEvents(first: 100, filter: { action: $a }) { edges { node { action actor actorKind entityType } } } }";

async fn events(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let data = app.data(token, EVENTS, json!({ "a": action })).await;
    crate::support::nodes(&data, &["auditEvents"])
        .into_iter()
        .cloned()
        .collect()
}

async fn people_partners_and_sign_ins_are_named_in_the_audit_log(app: &TestApp) {
    let admin = app.login("admin").await;
    let d01 = gid(NodeType::Unit, app.unit_uuid("ST.D01").await);
    let created = app
        .data(
            &admin,
            r#"mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { clientSecret apiClient { clientId } } }"#,
            json!({ "i": { "name": "Phần mềm một cửa", "grants": [{ "role": "PARTNER", "scopeUnitId": d01 }] } }),
        )
        .await;
    let client_id = created["createApiClient"]["apiClient"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = created["createApiClient"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let token_for = |secret: String| {
        app.client
            .post(app.url("/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
            ])
            .send()
    };
    let wrong = token_for("wrong".into()).await.unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let issued: Value = token_for(secret).await.unwrap().json().await.unwrap();
    let partner = issued["access_token"].as_str().unwrap().to_owned();
    // A partner system's write.
    app.data(
        &partner,
        "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id } } }",
        json!({ "i": { "unitId": d01, "kind": "AD_HOC", "title": "Báo cáo đột xuất",
                        "periodStart": "2024-01-01", "periodEnd": "2024-03-31" } }),
    )
    .await;
    // A failed sign-in and a refresh.
    let failed = app
        .gql(
            None,
            r#"mutation { login(username: "reporter", password: "not the password") { accessToken } }"#,
            json!({}),
        )
        .await;
    assert!(failed.get("errors").is_some());
    let pair = app
        .gql(
            None,
            r#"mutation($p: String!) { login(username: "reporter", password: $p) { refreshToken } }"#,
            json!({ "p": qcdc::seed::DEMO_PASSWORD }),
        )
        .await;
    app.data(
        &admin,
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        json!({ "t": pair["data"]["login"]["refreshToken"] }),
    )
    .await;

    let by = |e: &Vec<Value>| -> Vec<(String, String)> {
        e.iter()
            .map(|n| {
                (
                    n["actorKind"].as_str().unwrap_or_default().to_owned(),
                    n["actor"].as_str().unwrap_or("<null>").to_owned(),
                )
            })
            .collect()
    };
    let report = events(app, &admin, "report.create").await;
    assert_eq!(
        by(&report),
        [("PARTNER".to_owned(), "Phần mềm một cửa".to_owned())],
        "a partner's write names the partner"
    );
    let client = events(app, &admin, "client.create").await;
    assert_eq!(by(&client), [("USER".to_owned(), "admin".to_owned())]);
    let tokens = events(app, &admin, "client.token").await;
    assert_eq!(
        by(&tokens),
        [("PARTNER".to_owned(), "Phần mềm một cửa".to_owned())]
    );
    let refused = events(app, &admin, "client.token_failed").await;
    assert_eq!(
        by(&refused),
        [("ANONYMOUS".to_owned(), "<null>".to_owned())]
    );
    assert_eq!(refused[0]["entityType"], "ApiClient");
    let logins = by(&events(app, &admin, "session.login").await);
    assert!(
        logins.contains(&("USER".to_owned(), "reporter".to_owned())),
        "{logins:?}"
    );
    assert!(
        logins.contains(&("USER".to_owned(), "admin".to_owned())),
        "{logins:?}"
    );
    let failures = events(app, &admin, "session.login_failed").await;
    assert_eq!(
        by(&failures),
        [("ANONYMOUS".to_owned(), "<null>".to_owned())]
    );
    let refreshes = events(app, &admin, "session.refresh").await;
    assert_eq!(by(&refreshes), [("USER".to_owned(), "reporter".to_owned())]);
    // No event of a change lacks its author.
    let all = app
        .data(
            &admin,
            "{ auditEvents(first: 100) { edges { node { action actor actorKind } } } }",
            json!({}),
        )
        .await;
    for e in crate::support::nodes(&all, &["auditEvents"]) {
        if e["actorKind"] != "ANONYMOUS" {
            assert!(e["actor"].is_string(), "{e}");
        }
    }
}

/// The command line's changes (`qcdc user create`, `user grant`, `client create`), read from
/// outside through the API of the real binary: each names the command line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_is_named_as_the_actor() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cli.db?mode=rwc", dir.path().display());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_qcdc"))
            .args(args)
            .env("QCDC_DATABASE_URL", &url)
            .env("QCDC_PASSWORD", "a long enough passphrase")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
    };
    run(&["seed"]);
    run(&[
        "user",
        "create",
        "--username",
        "chief",
        "--role",
        "admin",
        "--scope",
        "ST",
    ]);
    run(&[
        "user",
        "grant",
        "--username",
        "chief",
        "--role",
        "viewer",
        "--scope",
        "ST.D01",
    ]);
    run(&[
        "client",
        "create",
        "--name",
        "Cổng dịch vụ công",
        "--scope",
        "ST.D01",
    ]);
    let (mut child, base) = crate::support::spawn_binary(&url);
    let client = reqwest::Client::new();
    let gql = |token: Option<String>, query: &'static str| {
        let mut req = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let login = gql(
        None,
        r#"mutation { login(username: "chief", password: "a long enough passphrase") { accessToken } }"#,
    )
    .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = gql(
        Some(token),
        "{ auditEvents(first: 100, filter: { actorKinds: [COMMAND_LINE] }) { edges { node { action actor actorKind } } } }",
    )
    .await;
    child.kill().ok();
    child.wait().ok();
    assert!(body.get("errors").is_none(), "{body:#}");
    let actions: Vec<&str> = crate::support::nodes(&body, &["data", "auditEvents"])
        .iter()
        .map(|e| {
            assert_eq!(e["actor"], "command line", "{e}");
            e["action"].as_str().unwrap()
        })
        .collect();
    for action in ["user.create", "client.create"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(
        actions.iter().any(|a| a.starts_with("grant")),
        "the grant is recorded: {actions:?}"
    );
}
