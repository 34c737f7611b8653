//! Identity and access: sessions, signing keys and the attacks on JWT, partner systems over
//! OAuth 2.0 client credentials, idempotent retries, administration and throttling.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, error_code, gid};
use qcdc::graphql::id::NodeType;

on_both_databases!(
    sessions_rotate_refresh_tokens_and_end_on_logout,
    partners_use_client_credentials_and_retry_idempotently,
    administrators_manage_accounts_and_grants,
);

const LOGIN: &str = r#"mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken refreshExpiresAt } }"#;
const REFRESH: &str =
    r#"mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }"#;
const ME: &str = "{ me { username } }";

fn key_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/keys")
        .join(name)
}

async fn pair(app: &TestApp, user: &str) -> (String, String) {
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

async fn me_code(app: &TestApp, token: &str) -> Option<String> {
    error_code(&app.gql(Some(token), ME, json!({})).await).map(str::to_owned)
}

async fn sessions_rotate_refresh_tokens_and_end_on_logout(app: &TestApp) {
    let (a1, r1) = pair(app, "reporter").await;
    let rotated = app.gql(None, REFRESH, json!({ "t": r1 })).await;
    let a2 = rotated["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let r2 = rotated["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(r1, r2);
    assert_eq!(me_code(app, &a2).await, None);
    assert_eq!(me_code(app, &a1).await, None, "the session is still open");

    // Once its successor has been used, replaying the old token is refused and ends the whole
    // session (within the reuse window a retry returns the same pair: tests/api/retries.rs).
    let next = app.gql(None, REFRESH, json!({ "t": r2 })).await;
    let r3 = next["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let replay = app.gql(None, REFRESH, json!({ "t": r1 })).await;
    assert_eq!(error_code(&replay), Some("UNAUTHENTICATED"));
    assert_eq!(me_code(app, &a2).await.as_deref(), Some("UNAUTHENTICATED"));
    let after = app.gql(None, REFRESH, json!({ "t": r3 })).await;
    assert_eq!(
        error_code(&after),
        Some("UNAUTHENTICATED"),
        "the rotated token died with its session"
    );

    // Logout ends a session at once.
    let (a3, r3) = pair(app, "reporter").await;
    let out = app.data(&a3, "mutation { logout { ok } }", json!({})).await;
    assert_eq!(out["logout"]["ok"], true);
    assert_eq!(me_code(app, &a3).await.as_deref(), Some("UNAUTHENTICATED"));
    assert_eq!(
        error_code(&app.gql(None, REFRESH, json!({ "t": r3 })).await),
        Some("UNAUTHENTICATED")
    );

    // Each kind of token works only where it belongs.
    let (a4, r4) = pair(app, "reporter").await;
    assert_eq!(
        me_code(app, &r4).await.as_deref(),
        Some("UNAUTHENTICATED"),
        "refresh token as access token"
    );
    assert_eq!(
        error_code(&app.gql(None, REFRESH, json!({ "t": a4 })).await),
        Some("UNAUTHENTICATED"),
        "access token as refresh token"
    );
    assert_eq!(me_code(app, &a4).await, None);
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(claims: &Value, alg: Algorithm, kid: &str, key: &EncodingKey) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

async fn rsa_app(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |mut c| {
        c.jwt_private_key_file = Some(key_path("rsa-b.pem"));
        c.jwt_key_id = Some("key-b".into());
        c.jwt_previous_keys = vec![("key-a".into(), key_path("rsa-a.pub.pem"))];
        c
    })
    .await
}

/// Every forged or misused token is refused with UNAUTHENTICATED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tokens_are_refused() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if backend == Backend::Postgres && crate::support::postgres_url().is_none() {
            continue;
        }
        let app = rsa_app(backend).await;
        let (access, _) = pair(&app, "viewer").await;
        let claims = claims_of(&access);
        let now = chrono::Utc::now().timestamp();
        let key_b =
            EncodingKey::from_rsa_pem(&std::fs::read(key_path("rsa-b.pem")).unwrap()).unwrap();
        let key_a =
            EncodingKey::from_rsa_pem(&std::fs::read(key_path("rsa-a.pem")).unwrap()).unwrap();

        // The crafting is right: a well-formed token signed with the live key works.
        assert_eq!(
            me_code(&app, &sign(&claims, Algorithm::RS256, "key-b", &key_b)).await,
            None
        );
        // A token of the previous key, still live during rotation, works too.
        assert_eq!(
            me_code(&app, &sign(&claims, Algorithm::RS256, "key-a", &key_a)).await,
            None
        );

        let with = |field: &str, value: Value| {
            let mut c = claims.clone();
            c[field] = value;
            c
        };
        let public_pem = std::fs::read(key_path("rsa-b.pub.pem")).unwrap();
        let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
        let parts: Vec<&str> = access.split('.').collect();
        let admin = qcdc::domain::users::get_by_username(&app.db, "admin")
            .await
            .unwrap()
            .unwrap();
        let forged = [
            (
                "alg none",
                format!(
                    "{}.{}.",
                    b64(&json!({ "alg": "none", "typ": "JWT", "kid": "key-b" })),
                    parts[1]
                ),
            ),
            (
                "HS256 with the RS256 public key",
                sign(
                    &claims,
                    Algorithm::HS256,
                    "key-b",
                    &EncodingKey::from_secret(&public_pem),
                ),
            ),
            (
                "unknown kid",
                sign(&claims, Algorithm::RS256, "key-z", &key_b),
            ),
            (
                "injected kid",
                sign(&claims, Algorithm::RS256, "../../../../dev/null", &key_b),
            ),
            (
                "kid of another key",
                sign(&claims, Algorithm::RS256, "key-a", &key_b),
            ),
            (
                "expired",
                sign(
                    &with("exp", json!(now - 3600)),
                    Algorithm::RS256,
                    "key-b",
                    &key_b,
                ),
            ),
            (
                "nbf in the future",
                sign(
                    &with("nbf", json!(now + 3600)),
                    Algorithm::RS256,
                    "key-b",
                    &key_b,
                ),
            ),
            (
                "wrong iss",
                sign(
                    &with("iss", json!("evil")),
                    Algorithm::RS256,
                    "key-b",
                    &key_b,
                ),
            ),
            (
                "wrong aud",
                sign(
                    &with("aud", json!("another-api")),
                    Algorithm::RS256,
                    "key-b",
                    &key_b,
                ),
            ),
            ("no exp", {
                let mut c = claims.clone();
                c.as_object_mut().unwrap().remove("exp");
                sign(&c, Algorithm::RS256, "key-b", &key_b)
            }),
            (
                "tampered payload",
                format!(
                    "{}.{}.{}",
                    parts[0],
                    b64(&with("sub", json!(admin.id))),
                    parts[2]
                ),
            ),
        ];
        for (what, token) in forged {
            assert_eq!(
                me_code(&app, &token).await.as_deref(),
                Some("UNAUTHENTICATED"),
                "{what}"
            );
        }

        // New tokens carry the live key's id; the JWKS lists both public keys.
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["kid"], "key-b");
        assert_eq!(header["alg"], "RS256");
        let jwks: Value = app
            .client
            .get(app.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, ["key-b", "key-a"]);
        assert!(
            jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["kty"] == "RSA" && k.get("d").is_none()),
            "public parts only"
        );

        // A deactivated user's token stops working on the next request.
        use sea_orm::{ActiveModelTrait, Set};
        let viewer = qcdc::domain::users::get_by_username(&app.db, "viewer")
            .await
            .unwrap()
            .unwrap();
        let mut am: entity::user::ActiveModel = viewer.into();
        am.active = Set(false);
        am.update(&app.db).await.unwrap();
        assert_eq!(
            me_code(&app, &access).await.as_deref(),
            Some("UNAUTHENTICATED"),
            "deactivated user"
        );
        app.finish().await;
    }
}

#[test]
fn eddsa_keys_sign_and_verify() {
    let keys = qcdc::auth::token::TokenKeys::from_pem(
        &std::fs::read(key_path("ed-a.pem")).unwrap(),
        None,
        &[],
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    let user = uuid::Uuid::now_v7();
    let issued = keys
        .issue(
            user,
            qcdc::auth::token::Principal::User,
            Some(uuid::Uuid::now_v7()),
        )
        .unwrap();
    assert_eq!(keys.verify(&issued.token).unwrap().subject, user);
    assert!(keys.signing_kid().starts_with("eddsa-"));
    let jwk = serde_json::to_value(&keys.jwks().keys[0]).unwrap();
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
}

async fn token_request(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = app.client.post(app.url("/oauth/token")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

async fn partners_use_client_credentials_and_retry_idempotently(app: &TestApp) {
    let admin = app.login("admin").await;
    let d01 = gid(NodeType::Unit, app.unit_uuid("ST.D01").await);
    let created = app
        .data(&admin, r#"mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { clientSecret apiClient { id clientId active grants { role scopeUnit { code } } } } }"#,
            json!({ "i": { "name": "Hệ thống quản lý văn bản TP Sóc Trăng", "grants": [{ "role": "PARTNER", "scopeUnitId": d01 }] } }))
        .await;
    let client = &created["createApiClient"];
    let client_id = client["apiClient"]["clientId"].as_str().unwrap().to_owned();
    let secret = client["clientSecret"].as_str().unwrap().to_owned();
    let client_gid = client["apiClient"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        client["apiClient"]["grants"],
        json!([{ "role": "PARTNER", "scopeUnit": { "code": "ST.D01" } }])
    );

    // RFC 6749 §4.4 with credentials in HTTP Basic, and in the body.
    let grant = [("grant_type", "client_credentials")];
    let (status, headers, body) = token_request(app, Some((&client_id, &secret)), &grant).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_u64().unwrap() > 0);
    assert_eq!(headers["cache-control"], "no-store");
    let partner = body["access_token"].as_str().unwrap().to_owned();
    let (status, _, _) = token_request(
        app,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200);
    // Errors in the RFC's shape.
    let (status, headers, body) = token_request(app, Some((&client_id, "wrong")), &grant).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(headers.contains_key("www-authenticate"));
    let (status, _, body) = token_request(
        app,
        Some((&client_id, &secret)),
        &[("grant_type", "password")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, _, body) = token_request(app, Some((&client_id, &secret)), &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, _, body) = token_request(
        app,
        Some((&client_id, &secret)),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "two ways of authenticating"
    );
    let (status, _, body) = token_request(app, None, &grant).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    // The partner reads within its scope only.
    let units = app
        .data(
            &partner,
            "{ units(first: 100) { edges { node { code } } } }",
            json!({}),
        )
        .await;
    for u in crate::support::nodes(&units, &["units"]) {
        let code = u["code"].as_str().unwrap();
        assert!(code == "ST" || code.starts_with("ST.D01"), "{code}");
    }

    // It submits a report for its district, and a retried request acts once.
    let fx = app.fixture_actor().await;
    let w = app.writer();
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let plan = qcdc::domain::planning::create_plan(
        &w,
        &fx,
        qcdc::domain::planning::NewPlan {
            title: "Kế hoạch".into(),
            issuing_unit: app.unit_uuid("ST.BCD").await,
            standing_unit: None,
            period_start: day("2024-01-01"),
            period_end: day("2024-12-31"),
            motto: None,
        },
    )
    .await
    .unwrap();
    let schedule = qcdc::domain::planning::create_schedule(
        &w,
        &fx,
        qcdc::domain::planning::NewSchedule {
            plan: plan.id,
            kind: entity::ReportKind::Periodic,
            title: "Quý I".into(),
            period_start: day("2024-01-01"),
            period_end: day("2024-03-31"),
            due_on: day("2024-04-10"),
            recipient_unit: None,
            reporting_units: vec![
                app.unit_uuid("ST.D01.BCD").await,
                app.unit_uuid("ST.D02.BCD").await,
            ],
        },
    )
    .await
    .unwrap();
    let obligations = app.data(&admin, "query($s: ID!) { node(id: $s) { ... on ReportSchedule { obligations { id unit { code } } } } }",
        json!({ "s": gid(NodeType::ReportSchedule, schedule.id) })).await;
    let obligation = |code: &str| {
        obligations["node"]["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["unit"]["code"] == code)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let create = |title: &str, obligation: String| {
        json!({
        "query": "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id title } } }",
        "variables": { "i": { "obligationId": obligation, "title": title } } })
    };
    let send = |body: Value, key: &str| {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&partner)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send(create("Báo cáo quý I", obligation("ST.D01.BCD")), "retry-1")
        .await
        .unwrap();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = send(create("Báo cáo quý I", obligation("ST.D01.BCD")), "retry-1")
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(first, again, "the retry gets the first answer");
    assert!(
        first["data"]["createReport"]["report"]["id"].is_string(),
        "{first}"
    );
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        entity::report::Entity::find().count(&app.db).await.unwrap(),
        1,
        "and acts once"
    );
    let other: Value = send(create("Báo cáo khác", obligation("ST.D01.BCD")), "retry-1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&other), Some("CONFLICT"));
    // Outside its scope the partner is refused like anyone else: another district's obligation
    // answers as an unknown one.
    let foreign: Value = send(create("Báo cáo", obligation("ST.D02.BCD")), "retry-2")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&foreign), Some("BAD_USER_INPUT"));

    // Rotation: the old secret stops working, the new one works.
    let rotated = app
        .data(
            &admin,
            "mutation($id: ID!) { rotateApiClientSecret(id: $id) { clientSecret } }",
            json!({ "id": client_gid }),
        )
        .await;
    let new_secret = rotated["rotateApiClientSecret"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        token_request(app, Some((&client_id, &secret)), &grant)
            .await
            .0,
        401
    );
    assert_eq!(
        token_request(app, Some((&client_id, &new_secret)), &grant)
            .await
            .0,
        200
    );
    // Revocation: no new tokens, and issued ones stop working at once.
    app.data(
        &admin,
        "mutation($id: ID!) { revokeApiClient(id: $id) { apiClient { active } } }",
        json!({ "id": client_gid }),
    )
    .await;
    assert_eq!(
        token_request(app, Some((&client_id, &new_secret)), &grant)
            .await
            .0,
        401
    );
    assert_eq!(
        me_code(app, &partner).await.as_deref(),
        Some("UNAUTHENTICATED")
    );
}

async fn administrators_manage_accounts_and_grants(app: &TestApp) {
    let admin = app.login("admin").await;
    let steering = app.login("steering").await;
    let manager = app.login("manager").await;
    let reporter = app.login("reporter").await;
    let d02 = gid(NodeType::Unit, app.unit_uuid("ST.D02").await);
    let province = gid(NodeType::Unit, app.unit_uuid("ST").await);

    const CREATE: &str = r#"mutation($i: CreateUserInput!) { createUser(input: $i) { user { id version username } } }"#;
    let weak = app.gql(Some(&admin), CREATE, json!({ "i": { "username": "nguyenvana", "displayName": "Nguyễn Văn A", "password": "nguyenvana" } })).await;
    assert_eq!(
        error_code(&weak),
        Some("BAD_USER_INPUT"),
        "password equal to the username"
    );
    let by_steering = app
        .gql(
            Some(&steering),
            CREATE,
            json!({ "i": { "username": "x", "displayName": "X", "password": "long enough pass" } }),
        )
        .await;
    assert_eq!(error_code(&by_steering), Some("FORBIDDEN"));
    let created = app
        .data(
            &admin,
            CREATE,
            json!({ "i": { "username": "NguyenVanA", "displayName": "Nguyễn Văn A",
        "password": "mật khẩu đủ dài", "grants": [{ "role": "REPORTER", "scopeUnitId": d02 }] } }),
        )
        .await;
    let user = &created["createUser"]["user"];
    assert_eq!(user["username"], "nguyenvana");
    let user_id = user["id"].as_str().unwrap().to_owned();
    let token = app
        .gql(
            None,
            LOGIN,
            json!({ "u": "nguyenvana", "p": "mật khẩu đủ dài" }),
        )
        .await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    const GRANT: &str = r#"mutation($i: GrantRoleInput!) { grantRole(input: $i) { grant { id role scopeUnit { code } } } }"#;
    let escalate = app
        .gql(
            Some(&steering),
            GRANT,
            json!({ "i": { "userId": user_id, "role": "ADMIN", "scopeUnitId": province } }),
        )
        .await;
    assert_eq!(
        error_code(&escalate),
        Some("FORBIDDEN"),
        "STEERING never grants ADMIN: {escalate}"
    );
    let outside = app
        .gql(
            Some(&manager),
            GRANT,
            json!({ "i": { "userId": user_id, "role": "VIEWER", "scopeUnitId": d02 } }),
        )
        .await;
    assert_eq!(
        error_code(&outside),
        Some("FORBIDDEN"),
        "a manager granting outside its scope"
    );
    let granted = app
        .data(
            &steering,
            GRANT,
            json!({ "i": { "userId": user_id, "role": "VIEWER", "scopeUnitId": province } }),
        )
        .await;
    let grant_id = granted["grantRole"]["grant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = app
        .data(&token, "{ units { totalCount } }", json!({}))
        .await;
    assert!(
        seen["units"]["totalCount"].as_u64().unwrap() > 20,
        "the new grant counts on the next request"
    );
    app.data(
        &admin,
        "mutation($id: ID!) { revokeGrant(id: $id) { grant { role } } }",
        json!({ "id": grant_id }),
    )
    .await;
    let seen = app
        .data(&token, "{ units { totalCount } }", json!({}))
        .await;
    assert!(
        seen["units"]["totalCount"].as_u64().unwrap() < 10,
        "revocation counts on the next request"
    );

    // Password reset ends the sessions; deactivation locks the account out at once.
    let version = app
        .data(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on User { version } } }",
            json!({ "id": user_id }),
        )
        .await["node"]["version"]
        .as_i64()
        .unwrap();
    app.data(
        &admin,
        "mutation($i: ResetPasswordInput!) { resetPassword(input: $i) { user { version } } }",
        json!({ "i": { "id": user_id, "version": version, "password": "mật khẩu mới đủ dài" } }),
    )
    .await;
    assert_eq!(
        me_code(app, &token).await.as_deref(),
        Some("UNAUTHENTICATED")
    );
    let fresh = app
        .gql(
            None,
            LOGIN,
            json!({ "u": "nguyenvana", "p": "mật khẩu mới đủ dài" }),
        )
        .await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(me_code(app, &fresh).await, None);
    app.data(
        &admin,
        "mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { active } } }",
        json!({ "i": { "id": user_id, "version": version + 1, "active": false } }),
    )
    .await;
    assert_eq!(
        me_code(app, &fresh).await.as_deref(),
        Some("UNAUTHENTICATED")
    );

    // Only ADMIN lists accounts; every administrative change is in the audit log.
    assert_eq!(
        error_code(
            &app.gql(Some(&reporter), "{ users { username } }", json!({}))
                .await
        ),
        Some("FORBIDDEN")
    );
    let log = app
        .data(
            &admin,
            r#"{ auditEvents(first: 50) { edges { node { action } } } }"#,
            json!({}),
        )
        .await;
    let actions: Vec<&str> = crate::support::nodes(&log, &["auditEvents"])
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "user.create",
        "grant.create",
        "grant.revoke",
        "user.resetPassword",
        "user.update",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_throttled_per_account() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for _ in 0..10 {
        let body = app
            .gql(None, LOGIN, json!({ "u": "viewer", "p": "wrong password" }))
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    }
    // The right password does not get through while the account is throttled.
    let body = app
        .gql(
            None,
            LOGIN,
            json!({ "u": "viewer", "p": qcdc::seed::DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(error_code(&body), Some("TOO_MANY_REQUESTS"));
    // Another account from the same address still signs in.
    let body = app
        .gql(
            None,
            LOGIN,
            json!({ "u": "steering", "p": qcdc::seed::DEMO_PASSWORD }),
        )
        .await;
    assert!(body["data"]["login"]["accessToken"].is_string());
    app.finish().await;
}

/// The key rotation of README's *Running in production*, one instance per stage on one
/// database: while the instances are rolled from one stage to the next, every token one of
/// them issues is accepted by every other, and skipping the announcement would not be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_rotation_in_three_rolling_restarts_signs_nobody_out() {
    let old = |mut c: qcdc::config::Config| {
        c.jwt_private_key_file = Some(key_path("rsa-a.pem"));
        c.jwt_key_id = Some("key-a".into());
        c
    };
    let before = TestApp::spawn_with(Backend::Sqlite, old).await;
    // Step 2: the new key is announced, the old one still signs.
    let announced = before
        .another_instance(|c| {
            let mut c = old(c);
            c.jwt_previous_keys = vec![("key-b".into(), key_path("rsa-b.pub.pem"))];
            c
        })
        .await;
    // Step 3: the new key signs, the old one is still accepted.
    let switched = before
        .another_instance(|mut c| {
            c.jwt_private_key_file = Some(key_path("rsa-b.pem"));
            c.jwt_key_id = Some("key-b".into());
            c.jwt_previous_keys = vec![("key-a".into(), key_path("rsa-a.pub.pem"))];
            c
        })
        .await;
    // Step 4: the old key is gone.
    let after = before
        .another_instance(|mut c| {
            c.jwt_private_key_file = Some(key_path("rsa-b.pem"));
            c.jwt_key_id = Some("key-b".into());
            c
        })
        .await;

    let from_before = pair(&before, "viewer").await.0;
    let from_announced = pair(&announced, "viewer").await.0;
    let from_switched = pair(&switched, "viewer").await.0;
    // Rolling from step 1 to 2 and from 2 to 3, neighbours accept each other's tokens.
    for (token, on) in [
        (&from_before, &announced),
        (&from_announced, &before),
        (&from_announced, &switched),
        (&from_switched, &announced),
        (&from_switched, &after),
    ] {
        assert_eq!(me_code(on, token).await, None, "{}", on.base);
    }
    // Without step 2, an instance on the old key meets tokens it cannot verify; after step 4,
    // the old key's tokens (expired by then in practice) are refused.
    assert_eq!(
        me_code(&before, &from_switched).await.as_deref(),
        Some("UNAUTHENTICATED")
    );
    assert_eq!(
        me_code(&after, &from_before).await.as_deref(),
        Some("UNAUTHENTICATED")
    );
    for app in [announced, switched, after] {
        app.finish().await;
    }
    before.finish().await;
}
