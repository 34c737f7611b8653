//! What operators see: Prometheus metrics by operation and outcome, HTTP statuses, pool use and
//! live subscriptions at `GET /metrics`, and a request id on every GraphQL error that matches
//! the `x-request-id` the response carries (and the log line).

use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

on_both_databases!(metrics_count_operations_by_name_and_outcome);

/// The value of the sample line starting with `series` (name and labels), if any.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

async fn metrics_count_operations_by_name_and_outcome(app: &TestApp) {
    let token = app.login("viewer").await;
    for _ in 0..3 {
        app.data(&token, "query Dashboard { me { username } }", json!({}))
            .await;
    }
    let refused = app.gql(None, "query Me { me { id } }", json!({})).await;
    assert!(refused.get("errors").is_some());
    let bad = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let text = scrape(app).await;
    assert_eq!(
        sample(
            &text,
            r#"qcdc_graphql_operations_total{operation="Dashboard",outcome="OK"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"qcdc_graphql_operations_total{operation="Me",outcome="UNAUTHENTICATED"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"qcdc_graphql_operation_duration_seconds_count{operation="Dashboard"}"#
        ),
        Some(3.0)
    );
    assert!(
        sample(
            &text,
            r#"qcdc_http_requests_total{route="/graphql",status="400"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    let idle = sample(&text, r#"qcdc_db_pool_connections{state="idle"}"#).expect("pool idle");
    let busy = sample(&text, r#"qcdc_db_pool_connections{state="in_use"}"#).expect("pool in use");
    assert!(idle + busy >= 1.0, "the pool holds a connection: {text}");
    assert_eq!(
        sample(&text, "qcdc_graphql_subscriptions_active"),
        Some(0.0)
    );
    let statements = sample(&text, "qcdc_db_statements_total").expect("statement count");
    assert!(statements >= 3.0, "the requests ran SQL: {text}");
}

/// Errors name the request they belong to, whether the client chose the id or the server did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_the_request_id() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let chosen = app
        .client
        .post(app.url("/graphql"))
        .header("x-request-id", "trace-4711")
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.headers()["x-request-id"], "trace-4711");
    let body: Value = chosen.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(body["errors"][0]["extensions"]["requestId"], "trace-4711");

    let assigned = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    let header = assigned.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(header.len(), 36, "a UUID: {header}");
    let body: Value = assigned.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["requestId"],
        header.as_str()
    );

    // An id the log and the audit trail could not hold as sent is replaced by the server's own:
    // too long, or with characters beyond letters, digits and `-._:`.
    for sent in [
        "A".repeat(7000),
        "forged <script>\"x".to_owned(),
        "tab\there".to_owned(),
    ] {
        let replaced = app
            .client
            .post(app.url("/graphql"))
            .header("x-request-id", &sent)
            .json(&json!({ "query": "{ me { id } }" }))
            .send()
            .await
            .unwrap();
        let header = replaced.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(header.len(), 36, "a UUID instead of {sent:?}: {header}");
        let body: Value = replaced.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["requestId"],
            header.as_str()
        );
    }
    app.finish().await;
}

/// Operational figures are not public: with a token configured only its bearer reads them,
/// and production without a token serves none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_guarded_outside_development() {
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.metrics_token = Some("scrape-secret".into());
        c
    })
    .await;
    let url = app.url("/metrics");
    let anonymous = app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 404);
    let wrong = app
        .client
        .get(&url)
        .bearer_auth("scrape-secreT")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let right = app
        .client
        .get(&url)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("qcdc_http_requests_total")
    );
    app.finish().await;

    let production = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.environment = qcdc::config::Environment::Production;
        c
    })
    .await;
    let closed = production
        .client
        .get(production.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 404);
    production.finish().await;
}
