//! The client address behind a trusted proxy (the test client at 127.0.0.1 plays the proxy),
//! as the sign-in throttle and the audit log see it, on both transports that sign in: the
//! GraphQL `login` and `POST /oauth/token`. The throttle counts one account however it is
//! spelled and one IPv6 subscriber however many of its /64's addresses it uses.

use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use crate::support::TestApp;

fn behind_a_proxy(mut config: qcdc::config::Config) -> qcdc::config::Config {
    config.trusted_proxies = qcdc::http::client_address::parse_list("127.0.0.1, ::1").unwrap();
    config
}

on_both_databases!(
    config: behind_a_proxy;
    bytes_a_client_puts_before_its_address_do_not_hide_it,
    one_account_however_spelled_shares_one_budget,
    one_ipv6_subscriber_shares_one_budget
);

/// A failed sign-in for `user`, as a proxy forwarding for `forwarded_for` sends it; its code.
async fn failed_login(app: &TestApp, user: &str, forwarded_for: &[u8], request_id: &str) -> String {
    let body: Value = app
        .client
        .post(app.url("/graphql"))
        .header("x-forwarded-for", HeaderValue::from_bytes(forwarded_for).unwrap())
        .header("x-request-id", request_id)
        .json(&json!({
            "query": "mutation($u: String!) { login(username: $u, password: \"wrong\") { accessToken } }",
            "variables": { "u": user },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// The address the audit log gives the event of `request_id`.
async fn audited_address(app: &TestApp, action: &str, request_id: &str) -> String {
    let admin = app.login("admin").await;
    let data = app
        .data(
            &admin,
            "query($a: String!) { auditEvents(first: 100, filter: { action: $a }) { edges { node { requestId clientAddress } } } }",
            json!({ "a": action }),
        )
        .await;
    data["auditEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["requestId"] == request_id)
        .unwrap_or_else(|| panic!("no {action} event for {request_id}: {data}"))["node"]
        ["clientAddress"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn bytes_a_client_puts_before_its_address_do_not_hide_it(app: &TestApp) {
    // nginx appends the address it saw to what the client sent, bytes and all.
    let code = failed_login(
        app,
        "viewer",
        b"\xff\xfe garbage, 203.0.113.9",
        "bytes-login",
    )
    .await;
    assert_eq!(code, "UNAUTHENTICATED");
    assert_eq!(
        audited_address(app, "session.login_failed", "bytes-login").await,
        "203.0.113.9"
    );
    let refused = app
        .client
        .post(app.url("/oauth/token"))
        .header(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff, 203.0.113.10").unwrap(),
        )
        .header("x-request-id", "bytes-token")
        .basic_auth("no-such-client", Some("secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(
        audited_address(app, "client.token_failed", "bytes-token").await,
        "203.0.113.10"
    );
}

async fn one_account_however_spelled_shares_one_budget(app: &TestApp) {
    app.user_with("đông", entity::Role::Viewer, "ST").await;
    for i in 0..10 {
        // Precomposed, decomposed (NFD), upper case and padded: one account.
        let spelling = ["đông", "đo\u{0302}ng", "ĐÔNG", "  đông "][i % 4];
        assert_eq!(
            failed_login(app, spelling, b"198.51.100.20", &format!("spell-{i}")).await,
            "UNAUTHENTICATED",
            "try {i}"
        );
    }
    assert_eq!(
        failed_login(app, "đo\u{0302}ng", b"198.51.100.20", "spell-10").await,
        "TOO_MANY_REQUESTS"
    );
}

async fn one_ipv6_subscriber_shares_one_budget(app: &TestApp) {
    for i in 1..=10 {
        let address = format!("2001:db8:1:2::{i:x}");
        assert_eq!(
            failed_login(app, "viewer", address.as_bytes(), &format!("v6-{i}")).await,
            "UNAUTHENTICATED",
            "try {i}"
        );
    }
    assert_eq!(
        failed_login(app, "viewer", b"2001:db8:1:2:ffff::1", "v6-11").await,
        "TOO_MANY_REQUESTS",
        "another address of the same /64"
    );
    assert_eq!(
        failed_login(app, "viewer", b"2001:db8:1:3::1", "v6-12").await,
        "UNAUTHENTICATED",
        "another subscriber"
    );
    assert_eq!(
        audited_address(app, "session.login_failed", "v6-10").await,
        "2001:db8:1:2::a",
        "the audit log keeps the whole address"
    );
}
