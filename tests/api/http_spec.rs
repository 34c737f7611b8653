//! HTTP and WebSocket per their specifications (issue 18 §2, and §9's Accept-Language): GET
//! executes queries for JSON clients (GraphQL over HTTP), `application/graphql-response+json`
//! gets its media type and status codes, every error is JSON with a code and a request id in
//! the client's language, 401 and 429 carry their headers, sign-in throttles the failing
//! source rather than the account, and `graphql-transport-ws` closes with the protocol's codes.

use std::{net::IpAddr, time::Duration};

use futures_util::{SinkExt, StreamExt};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use crate::support::{Backend, TestApp, error_code, gid};
use qcdc::graphql::id::NodeType;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";

on_both_databases!(
    get_executes_queries_through_the_same_pipeline,
    persisted_queries_work_over_get,
    graphql_response_json_has_its_status_codes,
    every_refusal_is_json_with_a_code_and_a_request_id,
    unauthorized_answers_carry_a_challenge,
    the_token_endpoint_throttles_the_failing_source,
    sign_in_throttles_the_failing_source,
    messages_follow_accept_language,
);

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A GET of `/graphql` with `params`, `accept` and an optional token.
async fn get(
    app: &TestApp,
    params: &[(&str, &str)],
    accept: Option<&str>,
    token: Option<&str>,
) -> Response {
    let mut request = app.client.get(app.url("/graphql")).query(params);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

fn content_type(res: &Response) -> String {
    res.headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The answer's status and JSON body, after checking that every error in it has a code and
/// the request id the response header names.
async fn checked(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let kind = content_type(&res);
    assert!(kind.contains("json"), "{status}: {kind}");
    let body: Value = res.json().await.unwrap();
    for error in body["errors"].as_array().into_iter().flatten() {
        assert!(error["extensions"]["code"].is_string(), "{body}");
        assert_eq!(
            error["extensions"]["requestId"],
            request_id.as_str(),
            "{body}"
        );
    }
    (status, body)
}

async fn get_executes_queries_through_the_same_pipeline(app: &TestApp) {
    let token = app.login("viewer").await;
    // urql's default Accept, and plain JSON: executed, in the media type asked for.
    for (accept, media) in [
        (
            Some("application/graphql-response+json, application/json"),
            GRAPHQL_RESPONSE,
        ),
        (Some("application/json"), "application/json"),
        (None, "application/json"),
        (Some("*/*"), "application/json"),
    ] {
        let res = get(
            app,
            &[("query", "{ me { username } }")],
            accept,
            Some(&token),
        )
        .await;
        assert_eq!(res.status(), 200, "{accept:?}");
        assert!(content_type(&res).starts_with(media), "{accept:?}");
        let (_, body) = checked(res).await;
        assert_eq!(body["data"]["me"]["username"], "viewer", "{body}");
    }
    // Variables and the operation name as the spec writes them.
    let res = get(
        app,
        &[
            (
                "query",
                "query A($n: String!) { __type(name: $n) { name } } query B { __typename }",
            ),
            ("variables", r#"{"n":"Plan"}"#),
            ("operationName", "A"),
        ],
        Some("application/json"),
        None,
    )
    .await;
    let (_, body) = checked(res).await;
    assert_eq!(body["data"]["__type"]["name"], "Plan", "{body}");
    // The same authentication: no token, no `me`; an anonymous error has a request id.
    let (status, body) = checked(
        get(
            app,
            &[("query", "{ me { username } }")],
            Some("application/json"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (200, Some("UNAUTHENTICATED"))
    );
    // A mutation never runs over GET: 405, `Allow: POST`, and nothing happened.
    for accept in [Some(GRAPHQL_RESPONSE), Some("application/json"), None] {
        let res = get(
            app,
            &[("query", r#"mutation { logout { ok } }"#)],
            accept,
            Some(&token),
        )
        .await;
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["allow"], "POST");
        let (_, body) = checked(res).await;
        assert!(body.get("data").is_none(), "{body}");
    }
    let me = app.data(&token, "{ me { username } }", json!({})).await;
    assert_eq!(
        me["me"]["username"], "viewer",
        "the session was not ended by a GET"
    );
    // Only a browser asking for HTML gets GraphiQL.
    let res = get(
        app,
        &[],
        Some("text/html,application/xhtml+xml,*/*;q=0.8"),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(content_type(&res).starts_with("text/html"));
    // Nothing acceptable: 406, in JSON.
    let res = get(app, &[("query", "{ __typename }")], Some("image/png"), None).await;
    assert_eq!(res.status(), 406);
    let (_, body) = checked(res).await;
    assert_eq!(error_code(&body), Some("BAD_REQUEST"));
    // No query: 400.
    let (status, body) = checked(get(app, &[], Some("application/json"), None).await).await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (400, Some("BAD_REQUEST"))
    );
}

async fn persisted_queries_work_over_get(app: &TestApp) {
    let token = app.login("viewer").await;
    let query = "{ me { username grants { role } } }";
    let hash = sha256(query);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string();
    let hash_only = [("extensions", extensions.as_str())];
    // Apollo's APQ over GET: the hash alone, not known yet …
    let (status, body) =
        checked(get(app, &hash_only, Some("application/json"), Some(&token)).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        error_code(&body),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    // … then the document with its hash, kept …
    let with_query = [("query", query), ("extensions", extensions.as_str())];
    let (_, body) =
        checked(get(app, &with_query, Some("application/json"), Some(&token)).await).await;
    assert_eq!(body["data"]["me"]["username"], "viewer", "{body}");
    // … and from then on the hash alone runs it.
    let (_, body) = checked(get(app, &hash_only, Some(GRAPHQL_RESPONSE), Some(&token)).await).await;
    assert_eq!(body["data"]["me"]["username"], "viewer", "{body}");
    // A persisted mutation is still no GET.
    let mutation = "mutation { logout { ok } }";
    let post = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);
    let extensions =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(mutation) } }).to_string();
    let res = get(
        app,
        &[("query", mutation), ("extensions", extensions.as_str())],
        Some("application/json"),
        Some(&token),
    )
    .await;
    assert_eq!(res.status(), 405);
}

/// POSTs `body` with `accept`.
async fn post(app: &TestApp, accept: &str, body: &Value) -> Response {
    app.client
        .post(app.url("/graphql"))
        .header("accept", accept)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn graphql_response_json_has_its_status_codes(app: &TestApp) {
    let cases = [
        // (what, body, code, status as graphql-response+json)
        (
            "syntax",
            json!({ "query": "{ plans(" }),
            Some("GRAPHQL_PARSE_FAILED"),
            400,
        ),
        (
            "validation",
            json!({ "query": "{ nosuchfield }" }),
            Some("GRAPHQL_VALIDATION_FAILED"),
            400,
        ),
        (
            "variable coercion",
            json!({ "query": "query($id: ID!) { node(id: $id) { id } }", "variables": { "id": null } }),
            Some("BAD_USER_INPUT"),
            400,
        ),
        (
            "unknown operation",
            json!({ "query": "query A { __typename }", "operationName": "B" }),
            Some("GRAPHQL_VALIDATION_FAILED"),
            400,
        ),
        // Execution started: 200 with `data`, whatever the field errors.
        (
            "field error",
            json!({ "query": "{ me { username } }" }),
            Some("UNAUTHENTICATED"),
            200,
        ),
        ("ok", json!({ "query": "{ __typename }" }), None, 200),
    ];
    for (what, body, code, status) in cases {
        let res = post(app, GRAPHQL_RESPONSE, &body).await;
        assert!(content_type(&res).starts_with(GRAPHQL_RESPONSE), "{what}");
        let (got, answer) = checked(res).await;
        assert_eq!(got.as_u16(), status, "{what}: {answer}");
        assert_eq!(error_code(&answer), code, "{what}: {answer}");
        assert_eq!(
            answer.get("data").is_some(),
            status == 200,
            "{what}: {answer}"
        );
        // Plain JSON keeps 200 for every GraphQL result, with the same codes and no `data`
        // for a request error.
        let res = post(app, "application/json", &body).await;
        assert!(content_type(&res).starts_with("application/json"), "{what}");
        let (got, answer) = checked(res).await;
        assert_eq!(got.as_u16(), 200, "{what}: {answer}");
        assert_eq!(error_code(&answer), code, "{what}: {answer}");
        assert_eq!(
            answer.get("data").is_some(),
            status == 200,
            "{what}: {answer}"
        );
    }
}

async fn every_refusal_is_json_with_a_code_and_a_request_id(app: &TestApp) {
    let url = app.url("/graphql");
    let client = &app.client;
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "413",
            client
                .post(&url)
                .header("content-type", "application/json")
                // Over the limit but within the drain bound, so the server reads the rest and
                // the client's write never races the close (past the bound, a client still
                // writing may see its socket reset: `keep_alive.rs` tests that over raw TCP).
                .body(format!(
                    r#"{{"query":"{}"}}"#,
                    " ".repeat(qcdc::http::BODY_LIMIT_BYTES + 1024)
                )),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "415",
            client.post(&url).header("content-type", "text/plain").body("{}"),
            415,
            "BAD_REQUEST",
        ),
        (
            "406",
            client
                .post(&url)
                .header("accept", "text/html")
                .json(&json!({ "query": "{ __typename }" })),
            406,
            "BAD_REQUEST",
        ),
        (
            "bad JSON",
            client
                .post(&url)
                .header("content-type", "application/json")
                .body("{ \"not a JSON"),
            400,
            "BAD_REQUEST",
        ),
        (
            "batch",
            client.post(&url).json(&json!([{ "query": "{ __typename }" }])),
            400,
            "BAD_REQUEST",
        ),
        ("405 from the router", client.put(&url).body("x"), 405, "BAD_REQUEST"),
        ("404", client.get(app.url("/nowhere")), 404, "NOT_FOUND"),
        (
            "persisted query",
            client.post(&url).json(&json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256("{ nothing }") } } })),
            200,
            "PERSISTED_QUERY_NOT_FOUND",
        ),
    ];
    for (what, request, status, code) in cases {
        let (got, body) = checked(request.send().await.unwrap()).await;
        assert_eq!(
            (got.as_u16(), error_code(&body)),
            (status, Some(code)),
            "{what}: {body}"
        );
    }

    // Idempotency-Key answers.
    let token = app.login("steering").await;
    let unit = gid(NodeType::Unit, app.unit_uuid("ST.BCD").await);
    let mutation = |title: &str| {
        json!({ "query": "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
                "variables": { "i": { "title": title, "issuingUnitId": unit, "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } } })
    };
    let keyed = |body: Value| {
        client
            .post(&url)
            .bearer_auth(&token)
            .header("idempotency-key", "k-1")
            .json(&body)
    };
    let (_, first) = checked(keyed(mutation("Một")).send().await.unwrap()).await;
    assert!(
        first["data"]["createPlan"]["plan"]["id"].is_string(),
        "{first}"
    );
    let (status, body) = checked(keyed(mutation("Hai")).send().await.unwrap()).await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (200, Some("CONFLICT")),
        "{body}"
    );
    let (_, body) = checked(
        client
            .post(&url)
            .bearer_auth(&token)
            .header("idempotency-key", "")
            .json(&mutation("Ba"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let (status, body) = checked(
        client
            .post(&url)
            .header("idempotency-key", "k-2")
            .json(&mutation("Bốn"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (401, Some("UNAUTHENTICATED"))
    );

    // Over a WebSocket: an `error` message has a code and a request id too.
    let viewer = app.login("viewer").await;
    let mut ws = initialised(app, &viewer, None).await;
    send(
        &mut ws,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ plans(" } }),
    )
    .await;
    let message = next(&mut ws).await;
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(
        message["payload"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED",
        "{message}"
    );
    assert!(
        message["payload"][0]["extensions"]["requestId"].is_string(),
        "{message}"
    );
    let old_version = json!({ "id": "2", "type": "subscribe", "payload": { "query": "{ __typename }", "extensions": { "persistedQuery": { "version": 2 } } } });
    send(&mut ws, old_version).await;
    let message = next(&mut ws).await;
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(
        message["payload"][0]["extensions"]["code"], "BAD_REQUEST",
        "{message}"
    );
    assert!(
        message["payload"][0]["extensions"]["requestId"].is_string(),
        "{message}"
    );
}

async fn unauthorized_answers_carry_a_challenge(app: &TestApp) {
    let url = app.url("/graphql");
    let body = json!({ "query": "mutation { logout { ok } }" });
    let res = app
        .client
        .post(&url)
        .header("idempotency-key", "k")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"qcdc\"");
    let res = app
        .client
        .post(&url)
        .bearer_auth("not-a-token")
        .header("idempotency-key", "k")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let challenge = res.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains("error=\"invalid_token\""),
        "{challenge}"
    );
    // The token endpoint with credentials in the body: 401 names the scheme (RFC 7235 §3.1).
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "nobody"),
            ("client_secret", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
}

/// A client whose connections come from `address` (a loopback address other than the
/// server's, so the server sees another source).
fn client_from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from(address))
        .build()
        .unwrap()
}

const ATTACKER: [u8; 4] = [127, 0, 0, 2];

async fn the_token_endpoint_throttles_the_failing_source(app: &TestApp) {
    let admin = app.login("admin").await;
    let d01 = gid(NodeType::Unit, app.unit_uuid("ST.D01").await);
    let created = app
        .data(&admin, r#"mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { clientSecret apiClient { clientId } } }"#,
            json!({ "i": { "name": "Đối tác", "grants": [{ "role": "PARTNER", "scopeUnitId": d01 }] } }))
        .await;
    let client_id = created["createApiClient"]["apiClient"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = created["createApiClient"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = |client: &reqwest::Client, secret: &str| {
        client
            .post(app.url("/oauth/token"))
            .basic_auth(&client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    // Someone who knows the client id fails from their own address until throttled …
    let attacker = client_from(ATTACKER);
    let mut throttled = None;
    for _ in 0..12 {
        let res = token(&attacker, "guess").await.unwrap();
        match res.status().as_u16() {
            401 => {}
            429 => {
                throttled = Some(res);
                break;
            }
            other => panic!("unexpected {other}"),
        }
    }
    let throttled = throttled.expect("the guessing source is throttled");
    // … while the partner, from its own address, still gets its token …
    let res = token(&app.client, &secret).await.unwrap();
    assert_eq!(res.status(), 200, "the partner is locked out");
    // … and the guessing source stays throttled even with the right secret, told how long.
    assert_eq!(token(&attacker, &secret).await.unwrap().status(), 429);
    let wait: u64 = throttled
        .headers()
        .get("retry-after")
        .expect("a 429 carries Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
}

async fn sign_in_throttles_the_failing_source(app: &TestApp) {
    let attempt = |client: &reqwest::Client, password: &str| {
        client
            .post(app.url("/graphql"))
            .json(&json!({ "query": LOGIN, "variables": { "u": "viewer", "p": password } }))
            .send()
    };
    let attacker = client_from(ATTACKER);
    let mut throttled = None;
    for _ in 0..12 {
        let body: Value = attempt(&attacker, "wrong password")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match error_code(&body) {
            Some("UNAUTHENTICATED") => {}
            Some("TOO_MANY_REQUESTS") => {
                throttled = Some(body);
                break;
            }
            other => panic!("unexpected {other:?}: {body}"),
        }
    }
    let throttled = throttled.expect("the guessing source is throttled");
    // The account's owner, from their own address, signs in.
    let body: Value = attempt(&app.client, qcdc::seed::DEMO_PASSWORD)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["data"]["login"]["accessToken"].is_string(),
        "the owner is locked out: {body}"
    );
    // The guessing source stays throttled, told for how long.
    let body: Value = attempt(&attacker, qcdc::seed::DEMO_PASSWORD)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&body), Some("TOO_MANY_REQUESTS"));
    assert!(
        throttled["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .expect("extensions.retryAfter")
            >= 1,
        "{throttled}"
    );
}

async fn messages_follow_accept_language(app: &TestApp) {
    let ask = |language: Option<&'static str>, body: Value| {
        let mut request = app.client.post(app.url("/graphql")).json(&body);
        if let Some(language) = language {
            request = request.header("accept-language", language);
        }
        request.send()
    };
    let me = json!({ "query": "{ me { username } }" });
    for (language, message, tag) in [
        (None, "authentication required", "en"),
        (Some("en-US,en;q=0.9"), "authentication required", "en"),
        (Some("vi-VN,vi;q=0.9,en;q=0.5"), "Cần đăng nhập", "vi"),
        (Some("fr, vi;q=0.3"), "Cần đăng nhập", "vi"),
    ] {
        let res = ask(language, me.clone()).await.unwrap();
        assert_eq!(res.headers()["content-language"], tag);
        let (_, body) = checked(res).await;
        assert_eq!(body["errors"][0]["message"], message, "{language:?}");
        assert_eq!(
            error_code(&body),
            Some("UNAUTHENTICATED"),
            "codes never change"
        );
    }
    // Refusals before the engine, and engine errors with no translation of their own: a
    // Vietnamese sentence for the code, the English text kept as detail.
    let (_, body) = checked(ask(Some("vi"), json!([])).await.unwrap()).await;
    assert_eq!(
        body["errors"][0]["message"],
        "Không nhận nhiều thao tác trong một yêu cầu; mỗi yêu cầu gửi một thao tác"
    );
    let (_, body) = checked(
        ask(Some("vi"), json!({ "query": "{ nosuchfield }" }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        body["errors"][0]["message"],
        "Truy vấn GraphQL không hợp lệ với lược đồ"
    );
    assert!(
        body["errors"][0]["extensions"]["detail"]
            .as_str()
            .unwrap()
            .contains("nosuchfield")
    );
    let (_, body) = checked(
        app.client
            .get(app.url("/nowhere"))
            .header("accept-language", "vi")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        body["errors"][0]["message"],
        "Không có điểm cuối (endpoint) này"
    );
    // Over a WebSocket, the language of the upgrade request.
    let token = app.login("viewer").await;
    let mut ws = initialised(app, &token, Some("vi")).await;
    send(&mut ws, json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { nosuchfield }" } })).await;
    let message = next(&mut ws).await;
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(
        message["payload"][0]["message"], "Truy vấn GraphQL không hợp lệ với lược đồ",
        "{message}"
    );
    assert_eq!(
        message["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

// --- graphql-transport-ws ---------------------------------------------------------------

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket, upgraded with `graphql-transport-ws` (and `Accept-Language`), not initialised.
async fn connect(app: &TestApp, language: Option<&'static str>) -> Socket {
    let mut request = format!("{}/graphql", app.base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    if let Some(language) = language {
        headers.insert("accept-language", HeaderValue::from_static(language));
    }
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

async fn send(ws: &mut Socket, message: Value) {
    ws.send(Message::text(message.to_string())).await.unwrap();
}

async fn send_text(ws: &mut Socket, text: &str) {
    ws.send(Message::text(text.to_owned())).await.unwrap();
}

/// The next JSON message (pings skipped); fails the test on anything else.
async fn next(ws: &mut Socket) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).unwrap(),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

/// An initialised socket of `token`.
async fn initialised(app: &TestApp, token: &str, language: Option<&'static str>) -> Socket {
    let mut ws = connect(app, language).await;
    send(&mut ws, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
    assert_eq!(next(&mut ws).await["type"], "connection_ack");
    ws
}

/// Reads until the server closes: its close code and reason (`None` if it just ended).
async fn closed(ws: &mut Socket) -> Option<(u16, String)> {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => {
                return frame.map(|f| (f.code.into(), f.reason.to_string()));
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

const WATCH: &str = "subscription { reportStatusChanged { status } }";

/// A server whose sockets wait 1 s for `connection_init`, a viewer's token and its init message.
async fn socket_app() -> (TestApp, String, Value) {
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.limits.socket_init_timeout = Duration::from_secs(1);
        c
    })
    .await;
    let token = app.login("viewer").await;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    (app, token, init)
}

fn subscribe(id: &str, query: &str) -> Value {
    json!({ "id": id, "type": "subscribe", "payload": { "query": query } })
}

/// Subscribe with an id already running: 4409 `Subscriber for <id> already exists`; an id whose
/// operation ended, or that the client completed, is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_subscription_id_closes_with_4409() {
    let (app, token, _) = socket_app().await;
    let mut ws = initialised(&app, &token, None).await;
    send(&mut ws, subscribe("q", "{ __typename }")).await;
    assert_eq!(next(&mut ws).await["type"], "next");
    assert_eq!(
        next(&mut ws).await,
        json!({ "id": "q", "type": "complete" })
    );
    send(&mut ws, subscribe("q", "{ __typename }")).await;
    assert_eq!(next(&mut ws).await["type"], "next");
    assert_eq!(next(&mut ws).await["type"], "complete");
    send(&mut ws, subscribe("s", WATCH)).await;
    send(&mut ws, json!({ "id": "s", "type": "complete" })).await;
    send(&mut ws, subscribe("s", WATCH)).await;
    send(&mut ws, subscribe("s", WATCH)).await;
    assert_eq!(
        closed(&mut ws).await,
        Some((4409, "Subscriber for s already exists".into()))
    );
    app.finish().await;
}

/// Subscribe before ConnectionAck: 4401 `Unauthorized`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_before_connection_init_closes_with_4401() {
    let (app, _, _) = socket_app().await;
    let mut eager = connect(&app, None).await;
    send(&mut eager, subscribe("1", "{ __typename }")).await;
    assert_eq!(
        closed(&mut eager).await,
        Some((4401, "Unauthorized".into()))
    );
    app.finish().await;
}

/// Messages of no type, an unknown type or the wrong shape: 4400, before and after the
/// acknowledgement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_close_with_4400() {
    let (app, token, _) = socket_app().await;
    let malformed: [&str; 9] = [
        "not json",
        "[1, 2]",
        r#"{"payload": {}}"#,
        r#"{"type": "unknown"}"#,
        r#"{"type": "connection_init", "payload": "Bearer x"}"#,
        r#"{"type": "subscribe", "payload": {"query": "{ __typename }"}}"#,
        r#"{"type": "subscribe", "id": "", "payload": {"query": "{ __typename }"}}"#,
        r#"{"type": "subscribe", "id": "1", "payload": [{"query": "{ __typename }"}]}"#,
        r#"{"type": "subscribe", "id": "1", "payload": {"query": 1}}"#,
    ];
    for (i, text) in malformed.iter().enumerate() {
        // Before the acknowledgement a subscribe is 4401 whatever its shape, so only the
        // messages that are no protocol message at all are sent there.
        if i < 5 {
            let mut before = connect(&app, None).await;
            send_text(&mut before, text).await;
            let closing = closed(&mut before).await;
            assert_eq!(
                closing.as_ref().map(|c| c.0),
                Some(4400),
                "before init: {text}: {closing:?}"
            );
        }
        let mut after = initialised(&app, &token, None).await;
        send_text(&mut after, text).await;
        let closing = closed(&mut after).await;
        assert_eq!(
            closing.as_ref().map(|c| c.0),
            Some(4400),
            "after init: {text}: {closing:?}"
        );
    }
    let mut binary = initialised(&app, &token, None).await;
    binary.send(Message::binary(b"{}".to_vec())).await.unwrap();
    assert_eq!(closed(&mut binary).await.map(|c| c.0), Some(4400));
    app.finish().await;
}

/// The protocol's other rows (graphql-ws PROTOCOL.md), against the real socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_transport_ws_follows_its_protocol() {
    let (app, _, init) = socket_app().await;
    // ConnectionInit: within the timeout, else 4408.
    let mut silent = connect(&app, None).await;
    assert_eq!(
        closed(&mut silent).await,
        Some((4408, "Connection initialisation timeout".into()))
    );
    // Ping and Pong work before and after ConnectionInit; a ping's payload comes back.
    let mut ws = connect(&app, None).await;
    send(&mut ws, json!({ "type": "ping", "payload": { "n": 1 } })).await;
    assert_eq!(
        next(&mut ws).await,
        json!({ "type": "pong", "payload": { "n": 1 } })
    );
    send(&mut ws, json!({ "type": "pong" })).await;
    send(&mut ws, init.clone()).await;
    assert_eq!(next(&mut ws).await["type"], "connection_ack");
    send(&mut ws, json!({ "type": "ping", "payload": { "n": 2 } })).await;
    assert_eq!(
        next(&mut ws).await,
        json!({ "type": "pong", "payload": { "n": 2 } })
    );
    // Subscribe → Next … Complete for a single result.
    send(&mut ws, subscribe("q", "{ me { username } }")).await;
    let answer = next(&mut ws).await;
    assert_eq!(
        (answer["id"].as_str(), answer["type"].as_str()),
        (Some("q"), Some("next"))
    );
    assert_eq!(answer["payload"]["data"]["me"]["username"], "viewer");
    assert_eq!(
        next(&mut ws).await,
        json!({ "id": "q", "type": "complete" })
    );
    // Error: a document that does not validate gets one `error` message, and no `complete`.
    send(&mut ws, subscribe("v", "subscription { nosuchfield }")).await;
    let error = next(&mut ws).await;
    assert_eq!(
        (error["id"].as_str(), error["type"].as_str()),
        (Some("v"), Some("error")),
        "{error}"
    );
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert!(
        error["payload"][0]["extensions"]["requestId"].is_string(),
        "{error}"
    );
    send(&mut ws, json!({ "type": "ping" })).await;
    assert_eq!(
        next(&mut ws).await,
        json!({ "type": "pong" }),
        "no `complete` after `error`"
    );
    // A second ConnectionInit: 4429.
    send(&mut ws, init.clone()).await;
    assert_eq!(
        closed(&mut ws).await,
        Some((4429, "Too many initialisation requests".into()))
    );
    app.finish().await;
}
