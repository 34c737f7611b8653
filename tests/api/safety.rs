//! Safe server defaults: limits, CSRF-proof transport, health checks, shutdown.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Backend, TestApp, error_code};

async fn post_raw(app: &TestApp, content_type: &str, body: String) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_rules_stop_csrf_batches_and_oversized_bodies() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let login = r#"mutation { login(username: "admin", password: "qcdc-demo") { accessToken } }"#;

    // Mutations never run from a form or a text/plain body…
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        let (status, body) = post_raw(&app, ct, json!({ "query": login }).to_string()).await;
        assert_eq!(status, 415, "{ct}");
        assert!(body["data"].is_null());
    }
    // …nor over GET, which runs queries only (GraphQL over HTTP): a mutation is 405.
    let res = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", login)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    let body: Value = res.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    assert!(!body.to_string().contains("accessToken"));

    // Batches are refused.
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]).to_string();
    let (status, body) = post_raw(&app, "application/json", batch).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), Some("BAD_REQUEST"));

    // Bodies over 1 MiB get 413.
    let padding = "x".repeat(1024 * 1024 + 10);
    let big = json!({ "query": "{ __typename }", "variables": { "pad": padding } }).to_string();
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), Some("PAYLOAD_TOO_LARGE"), "{body}");

    // Not JSON at all (on the connection the refusal left open: see `keep_alive`).
    let (status, _) = post_raw(&app, "application/json", "{nope".into()).await;
    assert_eq!(status, 400);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_documents_are_refused_at_once() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.login("viewer").await;

    // 10,000 aliases: refused before parsing, in well under a second.
    let aliases: String = (0..10_000).map(|i| format!("a{i}: __typename ")).collect();
    let started = Instant::now();
    let (status, body) = post_raw(
        &app,
        "application/json",
        json!({ "query": format!("{{ {aliases} }}") }).to_string(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), Some("BAD_REQUEST"));
    assert!(started.elapsed() < Duration::from_secs(2));

    // Nesting that would overflow the parser's stack: refused, and the server lives on.
    let deep = format!(
        "{{ units(filter: {}) {{ totalCount }} }}",
        "[".repeat(3000) + &"]".repeat(3000)
    );
    let (status, _) = post_raw(
        &app,
        "application/json",
        json!({ "query": deep }).to_string(),
    )
    .await;
    assert_eq!(status, 400);
    let alive = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(alive.status().as_u16(), 200);

    // Depth beyond the limit is an error, not an answer.
    let mut nested = String::from("code");
    for _ in 0..14 {
        nested = format!("parent {{ {nested} }}");
    }
    let body = app
        .gql(
            Some(&token),
            &format!("{{ units(first: 1) {{ edges {{ node {{ {nested} }} }} }} }}"),
            json!({}),
        )
        .await;
    assert!(
        body["errors"].is_array() && body["data"].is_null(),
        "{body}"
    );

    // Too complex (a wide page of wide pages) is refused too.
    let body = app
        .gql(
            Some(&token),
            "{ a: plans(first: 100) { edges { node { tasks(first: 100) { edges { node { children { children { code title } } legalReferences { document { number title issuer } } } } } } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");

    // No "Did you mean …" hints for probing the schema.
    let body = app.gql(Some(&token), "{ plan { numbr } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("Did you mean"), "{message}");
    // Engine errors carry a code like every other error.
    assert_eq!(error_code(&body), Some("GRAPHQL_VALIDATION_FAILED"));
    let syntax = app.gql(Some(&token), "{ plans(", json!({})).await;
    assert_eq!(error_code(&syntax), Some("GRAPHQL_PARSE_FAILED"));
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_is_off_in_production_and_on_in_development() {
    let dev = TestApp::spawn(Backend::Sqlite).await;
    let body = dev
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "QueryRoot");
    dev.finish().await;

    let prod = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.environment = qcdc::config::Environment::Production;
        c
    })
    .await;
    let body = prod
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(
        body["errors"].is_array() || body["data"]["__schema"].is_null(),
        "{body}"
    );
    prod.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    assert!(ready.headers().contains_key("x-request-id"));

    // With the database gone, the process is still up but no longer ready.
    app.db.clone().close().await.unwrap();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

/// The real binary: serves, then on SIGTERM drains (not ready, each response closes its
/// connection), stops accepting, finishes the request in flight (here one whose body is still
/// arriving) and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_shuts_down_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qcdc"))
        .arg("serve")
        .env("QCDC_LISTEN", "127.0.0.1:0")
        .env(
            "QCDC_DATABASE_URL",
            format!("sqlite://{}/q.db?mode=rwc", dir.path().display()),
        )
        .env("RUST_LOG", "warn")
        // Long enough for the checks made inside the window on a busy machine; the test waits
        // for its end by watching the listener close, not by the clock.
        .env("QCDC_SHUTDOWN_DRAIN_MS", "3000")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut url = None;
    let mut banner = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(120)) {
        if let Some(rest) = line.strip_prefix("qcdc listening on ") {
            url = Some(rest.to_owned());
            break;
        }
        banner.push(line);
    }
    let url = url.expect("server announced its address");
    assert!(
        banner.iter().any(|l| l.contains("reporter")),
        "demo accounts printed: {banner:?}"
    );

    let client = reqwest::Client::new();
    let body: Value = client
        .post(&url)
        .json(&json!({ "query": r#"mutation { login(username: "viewer", password: "qcdc-demo") { accessToken } }"# }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");

    // A request in flight: headers and half the body sent when the signal arrives.
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let authority = url
        .trim_start_matches("http://")
        .trim_end_matches("/graphql")
        .to_owned();
    let payload = json!({ "query": "{ __typename }" }).to_string();
    let (head, tail) = payload.split_at(payload.len() / 2);
    let mut in_flight =
        tokio::io::BufReader::new(tokio::net::TcpStream::connect(&authority).await.unwrap());
    in_flight
        .write_all(
            format!(
                "POST /graphql HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n",
                payload.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // The server asks for the body once the handler reads it: the request is in flight.
    let mut interim = String::new();
    in_flight.read_line(&mut interim).await.unwrap();
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");
    in_flight.read_line(&mut interim).await.unwrap();
    in_flight.write_all(head.as_bytes()).await.unwrap();

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // The drain window: still answering, but not ready, and closing each connection. Ready
    // until the signal is handled, then not.
    let started = Instant::now();
    loop {
        let ready = client
            .get(url.replace("/graphql", "/readyz"))
            .send()
            .await
            .unwrap();
        match ready.status().as_u16() {
            503 => break,
            200 => assert!(started.elapsed() < Duration::from_secs(20), "never drained"),
            other => panic!("readyz answered {other}"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let served = client
        .post(&url)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(
        served
            .headers()
            .get("connection")
            .map(|v| v.to_str().unwrap()),
        Some("close"),
        "a response while draining closes its connection"
    );
    // The window ends: the listener closes, and no new connection is accepted…
    let started = Instant::now();
    while tokio::net::TcpStream::connect(&authority).await.is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still accepting connections"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // …but the server waits for the request in flight.
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server waits for the request in flight"
    );
    in_flight.write_all(tail.as_bytes()).await.unwrap();
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""__typename":"QueryRoot""#), "{answer}");
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        client
            .post(&url)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .is_err()
    );
}

/// Automatic persisted queries as Apollo clients send them: a hash first, the document once
/// when the server does not know it, then the hash alone.
/// A request that never finishes (a slow upload, a client that stalls mid-body) holds a
/// stopping server only for the grace period, never for its own timeout (10 minutes for an
/// upload), so the service manager never has to kill it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_holds_shutdown_only_for_the_grace_period() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/grace.db?mode=rwc", dir.path().display());
    let (mut child, base) = crate::support::spawn_binary_with(
        &database,
        &[
            ("QCDC_SHUTDOWN_DRAIN_MS", "0"),
            ("QCDC_SHUTDOWN_GRACE_SECONDS", "2"),
        ],
    );
    let authority = base.trim_start_matches("http://").to_owned();
    let mut stalled =
        tokio::io::BufReader::new(tokio::net::TcpStream::connect(&authority).await.unwrap());
    stalled
        .write_all(
            format!(
                "POST /graphql HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
                 Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut interim = String::new();
    stalled.read_line(&mut interim).await.unwrap();
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");
    stalled.write_all(b"{\"query\":").await.unwrap();

    let signalled = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(20),
            "the stalled request held the server past its grace period"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = signalled.elapsed();
    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        took >= Duration::from_secs(2),
        "the request in flight had its grace period ({took:?})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persisted_queries_save_resending_documents() {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.login("viewer").await;
    let query = "{ plans(first: 1) { edges { node { number } } } }";
    let hash: String = Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let send = |body: Value| {
        let (app, token) = (&app, &token);
        async move {
            app.client
                .post(app.url("/graphql"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let miss = send(json!({ "extensions": ext })).await;
    assert_eq!(
        miss["errors"][0]["message"], "PersistedQueryNotFound",
        "{miss}"
    );
    let register = send(json!({ "query": query, "extensions": ext })).await;
    assert_eq!(
        register["data"]["plans"]["edges"][0]["node"]["number"],
        "24-KH/BCĐ"
    );
    let hit = send(json!({ "extensions": ext })).await;
    assert_eq!(hit, register);
    app.finish().await;
}

/// In production an allow-list restricts the server to the operations the apps ship.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_serves_only_allow_listed_operations() {
    let allowed = "{ plans(first: 1) { totalCount } }";
    let (app, token, _list) = crate::support::production_with_allowlist(&[allowed]).await;
    let body = app.data(&token, allowed, json!({})).await;
    assert_eq!(body["plans"]["totalCount"], 1);
    let (status, refused) = post_raw(
        &app,
        "application/json",
        json!({ "query": "{ units { totalCount } }" }).to_string(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&refused), Some("OPERATION_NOT_ALLOWED"));
    app.finish().await;
}
