//! Test helpers: a server per test, a fresh database per test, GraphQL in one call.

use std::time::Duration;

use qcdc::{
    config::{Config, Environment, LogFormat},
    startup::Application,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a scenario `async fn name(app: &TestApp)` once on SQLite and once on PostgreSQL;
/// `config: adjust;` first starts both servers with the config that the function `adjust` of
/// the calling module returns (e.g. a clock set to another instant).
macro_rules! on_both_databases {
    (config: $adjust:ident; $($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = crate::support::TestApp::spawn_with(
                        crate::support::Backend::Sqlite,
                        super::$adjust,
                    )
                    .await;
                    super::$scenario(&app).await;
                    app.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if crate::support::postgres_url().is_none() {
                        return;
                    }
                    let app = crate::support::TestApp::spawn_with(
                        crate::support::Backend::Postgres,
                        super::$adjust,
                    )
                    .await;
                    super::$scenario(&app).await;
                    app.finish().await;
                }
            }
        )+
    };
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = crate::support::TestApp::spawn(crate::support::Backend::Sqlite).await;
                    super::$scenario(&app).await;
                    app.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(app) = crate::support::TestApp::spawn_if_postgres().await else {
                        return;
                    };
                    super::$scenario(&app).await;
                    app.finish().await;
                }
            }
        )+
    };
}

pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// A running server and a connection to its database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    /// The server's writer: fixtures queue with its own writes.
    pub server_writer: qcdc::domain::write::Writer,
    /// SQL statements the server has run so far.
    pub statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The server's clock.
    pub clock: qcdc::domain::clock::Clock,
    /// The database the server runs on, for another instance to share.
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    postgres_db: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
    /// The stored-file settings the server runs with (its own data folder per test).
    pub files: qcdc::storage::FileSettings,
    _files: Option<tempfile::TempDir>,
}

/// The PostgreSQL admin URL, or `None` when PostgreSQL tests are off. In CI a missing URL is a
/// failure, never a silent skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var("QCDC_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but QCDC_TEST_POSTGRES_URL is not set: PostgreSQL tests must run");
            }
            eprintln!("QCDC_TEST_POSTGRES_URL not set: skipping the PostgreSQL run");
            None
        }
    }
}

/// Creates an empty, uniquely named database on the server of `admin_url`; returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> (String, String) {
    let name = format!("qcdc_test_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .expect("URL with a database path");
    (format!("{base}/{name}"), name)
}

pub async fn drop_postgres_database(admin_url: &str, name: &str) {
    if let Ok(admin) = Database::connect(admin_url).await {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
        admin.close().await.ok();
    }
}

pub fn test_config(database_url: String) -> Config {
    Config {
        database_url,
        listen: "127.0.0.1:0".parse().unwrap(),
        environment: Environment::Development,
        jwt_secret: TEST_SECRET.as_bytes().to_vec(),
        jwt_private_key_file: None,
        jwt_key_id: None,
        jwt_previous_keys: Vec::new(),
        token_ttl: Duration::from_secs(15 * 60),
        refresh_ttl: Duration::from_secs(24 * 3600),
        operation_allowlist: None,
        overdue_sweep: Duration::from_secs(1),
        shutdown_drain: Duration::ZERO,
        shutdown_grace: Duration::from_secs(30),
        log_format: LogFormat::Text,
        seed_on_start: true,
        metrics_token: None,
        // A sign-in window of an hour: a slow machine must not refill a throttle a test counts.
        limits: qcdc::config::Limits {
            sign_in_window: Duration::from_secs(3600),
            ..Default::default()
        },
        clock: qcdc::domain::clock::Clock::system(),
        files: qcdc::storage::FileSettings::default(),
        trusted_proxies: Default::default(),
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::spawn_with(Backend::Sqlite, |c| c).await,
            Backend::Postgres => Self::spawn_if_postgres().await.expect("PostgreSQL URL"),
        }
    }

    pub async fn spawn_if_postgres() -> Option<Self> {
        postgres_url()?;
        Some(Self::spawn_with(Backend::Postgres, |c| c).await)
    }

    /// Starts a server on a fresh database, letting the test adjust the config first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(Config) -> Config) -> Self {
        if std::env::var("TEST_LOG").is_ok() {
            qcdc::telemetry::init(LogFormat::Text);
        }
        let (url, dir, postgres_db) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/qcdc.db?mode=rwc", dir.path().display());
                (url, Some(dir), None)
            }
            Backend::Postgres => {
                let admin = postgres_url().expect("PostgreSQL URL");
                let (url, name) = fresh_postgres_database(&admin).await;
                (url, None, Some((admin, name)))
            }
        };
        let files_dir = tempfile::tempdir().unwrap();
        let mut config = test_config(url.clone());
        config.files.data_dir = files_dir.path().to_owned();
        let config = adjust(config);
        let (app, _prepared) = Application::build(&config).await.expect("build app");
        let addr = app.local_addr().unwrap();
        let db = app.state.db.clone();
        let statements = app.state.statements.clone();
        let server_writer = app.state.writer.clone();
        let clock = app.state.clock;
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        Self {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            db,
            statements,
            clock,
            database_url: url,
            server_writer,
            shutdown: Some(tx),
            server: Some(server),
            postgres_db,
            _dir: dir,
            files: config.files.clone(),
            _files: Some(files_dir),
        }
    }

    /// A second server on this one's database, with the config `adjust` returns (a later
    /// clock, say). Its `finish` stops it and leaves the database to this one.
    pub async fn another_instance(&self, adjust: impl FnOnce(Config) -> Config) -> Self {
        let mut config = test_config(self.database_url.clone());
        config.files = self.files.clone();
        let config = adjust(config);
        let (app, _prepared) = Application::build(&config).await.expect("build app");
        let addr = app.local_addr().unwrap();
        let (db, statements) = (app.state.db.clone(), app.state.statements.clone());
        let (server_writer, clock) = (app.state.writer.clone(), app.state.clock);
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        Self {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            db,
            statements,
            clock,
            database_url: self.database_url.clone(),
            server_writer,
            shutdown: Some(tx),
            server: Some(server),
            postgres_db: None,
            _dir: None,
            files: config.files.clone(),
            _files: None,
        }
    }

    /// Stops the server and drops the PostgreSQL database.
    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
        self.db.clone().close().await.ok();
        if let Some((admin, name)) = self.postgres_db.take() {
            drop_postgres_database(&admin, &name).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends one GraphQL operation and returns the response body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        assert!(
            res.status().is_success(),
            "HTTP {} for {query}",
            res.status()
        );
        res.json().await.expect("JSON body")
    }

    /// Like [`gql`](Self::gql) but fails the test on any GraphQL error.
    pub async fn data(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.gql(Some(token), query, variables).await;
        assert!(body.get("errors").is_none(), "errors: {body:#}");
        body["data"].clone()
    }

    /// Logs in a demo account and returns its access token.
    pub async fn login(&self, username: &str) -> String {
        let body = self
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken expiresAt } }",
                json!({ "u": username, "p": qcdc::seed::DEMO_PASSWORD }),
            )
            .await;
        body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login {username} failed: {body:#}"))
            .to_owned()
    }

    /// Uploads `bytes` as `token`'s principal: `beginUpload`, the PUT (unless already stored),
    /// `completeUpload`. Returns the upload's global id; panics on any refusal.
    pub async fn upload(
        &self,
        token: &str,
        purpose: &str,
        filename: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> String {
        let begun = self
            .begin_upload(token, purpose, filename, content_type, bytes)
            .await;
        let id = begun["upload"]["id"]
            .as_str()
            .expect("upload id")
            .to_owned();
        if let Some(url) = begun["uploadUrl"].as_str() {
            let status = self.put_bytes(token, url, bytes.to_vec()).await;
            assert!(status.is_success(), "PUT {url}: {status}");
        }
        let done = self
            .data(
                token,
                "mutation($i: UploadIdInput!) { completeUpload(input: $i) { upload { id status } } }",
                json!({ "i": { "id": id } }),
            )
            .await;
        assert_eq!(done["completeUpload"]["upload"]["status"], "COMPLETE");
        id
    }

    /// `beginUpload` for `bytes` (their real size and SHA-256); returns its payload.
    pub async fn begin_upload(
        &self,
        token: &str,
        purpose: &str,
        filename: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Value {
        self.data(
            token,
            "mutation($i: BeginUploadInput!) { beginUpload(input: $i) { upload { id status } uploadUrl alreadyStored authorizationRequired } }",
            json!({ "i": { "filename": filename, "contentType": content_type,
                "byteSize": bytes.len(), "sha256": qcdc::domain::files::sha256_hex(bytes),
                "purpose": purpose } }),
        )
        .await["beginUpload"]
            .clone()
    }

    /// PUTs `body` to an upload URL (a path on this server, or a presigned store URL, which
    /// takes no token).
    pub async fn put_bytes(&self, token: &str, url: &str, body: Vec<u8>) -> reqwest::StatusCode {
        let own = url.starts_with('/');
        let target = if own { self.url(url) } else { url.to_owned() };
        let mut req = self.client.put(target).body(body);
        if own {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("PUT").status()
    }

    /// GETs a download URL; returns status, content type and body.
    pub async fn download(&self, url: &str) -> (reqwest::StatusCode, String, Vec<u8>) {
        let target = if url.starts_with('/') {
            self.url(url)
        } else {
            url.to_owned()
        };
        let res = self.client.get(target).send().await.expect("GET");
        let status = res.status();
        let kind = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, kind, res.bytes().await.expect("body").to_vec())
    }

    /// The global id of the unit with `code`, as the API encodes it.
    pub async fn unit_id(&self, code: &str) -> async_graphql::ID {
        let unit = qcdc::domain::units::by_code(&self.db, code)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("unit {code}"));
        qcdc::graphql::id::encode(qcdc::graphql::id::NodeType::Unit, unit.id)
    }
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// The nodes of a connection at `path` (e.g. `["plans"]`).
pub fn nodes<'a>(data: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    let mut v = data;
    for p in path {
        v = &v[*p];
    }
    v["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|e| &e["node"]).collect())
        .unwrap_or_default()
}

impl TestApp {
    /// A writer for setting up fixtures directly through the domain services.
    pub fn writer(&self) -> qcdc::domain::write::Writer {
        self.server_writer.clone()
    }

    /// An administrator acting for fixtures (so fixture reports are nobody else's own).
    pub async fn fixture_actor(&self) -> qcdc::domain::audit::Actor {
        let user = match qcdc::domain::users::get_by_username(&self.db, "fixture")
            .await
            .unwrap()
        {
            Some(u) => u,
            None => {
                let province = qcdc::domain::units::by_code(&self.db, "ST")
                    .await
                    .unwrap()
                    .unwrap();
                qcdc::domain::users::create(
                    &self.db,
                    "fixture",
                    "Fixture",
                    "fixture-password",
                    &[(entity::Role::Admin, province.id)],
                )
                .await
                .unwrap()
            }
        };
        let caller = qcdc::domain::users::load_caller(&self.db, user.id)
            .await
            .unwrap()
            .unwrap()
            .on(self.clock);
        qcdc::domain::audit::Actor {
            caller,
            origin: Default::default(),
        }
    }

    /// Creates an account with one grant and returns its access token.
    pub async fn user_with(&self, username: &str, role: entity::Role, scope: &str) -> String {
        let unit = qcdc::domain::units::by_code(&self.db, scope)
            .await
            .unwrap()
            .unwrap();
        qcdc::domain::users::create(
            &self.db,
            username,
            username,
            "a-long-password",
            &[(role, unit.id)],
        )
        .await
        .unwrap();
        let body = self
            .gql(
                None,
                "mutation($u: String!) { login(username: $u, password: \"a-long-password\") { accessToken } }",
                json!({ "u": username }),
            )
            .await;
        body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The uuid of the unit with `code`.
    pub async fn unit_uuid(&self, code: &str) -> uuid::Uuid {
        qcdc::domain::units::by_code(&self.db, code)
            .await
            .unwrap()
            .unwrap()
            .id
    }
}

/// Encodes a uuid as the API's global id of `kind`.
pub fn gid(kind: qcdc::graphql::id::NodeType, id: uuid::Uuid) -> String {
    qcdc::graphql::id::encode(kind, id).0
}

/// Starts the real `qcdc` binary on a free port over `database_url`, as a separate process
/// (another instance); returns it and its base URL once it announces its address.
pub fn spawn_binary(database_url: &str) -> (std::process::Child, String) {
    spawn_binary_with(database_url, &[])
}

/// [`spawn_binary`] with more environment variables (`QCDC_CLOCK_START`, …).
pub fn spawn_binary_with(
    database_url: &str,
    env: &[(&str, &str)],
) -> (std::process::Child, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qcdc"))
        .arg("serve")
        .env("QCDC_LISTEN", "127.0.0.1:0")
        .env("QCDC_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("server announced its address");
        if let Some(rest) = line.strip_prefix("qcdc listening on ") {
            break rest.trim_end_matches("/graphql").to_owned();
        }
    };
    (child, base)
}

/// A production server whose allow-list holds the sign-in document and `documents`, with an
/// ADMIN of the province, `chief`, signed in through it. Returns the app, the token and the
/// folder holding the list (keep it alive while the server runs).
pub async fn production_with_allowlist(documents: &[&str]) -> (TestApp, String, tempfile::TempDir) {
    use sha2::{Digest, Sha256};
    let login = r#"mutation { login(username: "chief", password: "long enough passphrase") { accessToken } }"#;
    let hex = |q: &str| -> String {
        Sha256::digest(q.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("allowlist.txt");
    let mut lines = format!("# shipped operations\n{}\n", hex(login));
    for d in documents {
        lines.push_str(&hex(d));
        lines.push('\n');
    }
    std::fs::write(&list, lines).unwrap();
    let app = TestApp::spawn_with(Backend::Sqlite, |mut c| {
        c.environment = qcdc::config::Environment::Production;
        c.operation_allowlist = Some(list.clone());
        c
    })
    .await;
    let province = app.unit_uuid("ST").await;
    qcdc::domain::users::create(
        &app.db,
        "chief",
        "Chief",
        "long enough passphrase",
        &[(entity::Role::Admin, province)],
    )
    .await
    .unwrap();
    let token = app.gql(None, login, json!({})).await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    (app, token, dir)
}
