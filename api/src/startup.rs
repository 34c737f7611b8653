//! Builds the whole application from a config, so `serve` and the tests share one path.

use std::net::SocketAddr;

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::{
    auth::token::TokenKeys,
    config::Config,
    db,
    graphql::{self, AppSchema},
    http, seed,
};

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Every write goes through it (on SQLite it queues writers; see `domain::write`).
    pub writer: crate::domain::write::Writer,
    pub schema: AppSchema,
    pub keys: TokenKeys,
    /// SQL statements run so far (all requests together).
    pub statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Production allow-list of document hashes; `None` serves any document.
    pub allowed_operations: Option<std::sync::Arc<std::collections::HashSet<String>>>,
    /// Throttles the token endpoint (the GraphQL `login` has its own in the schema).
    pub throttle: std::sync::Arc<crate::auth::throttle::Throttle>,
    pub metrics: crate::metrics::Metrics,
    /// Who may read `GET /metrics`.
    pub metrics_access: MetricsAccess,
    /// Set once shutdown has begun (`http::drain`).
    pub draining: http::drain::Drain,
    /// Change events and access notices: WebSockets follow their principal's; `/metrics`
    /// counts the listening subscriptions.
    pub events: crate::events::EventBus,
    /// Documents kept for automatic persisted queries.
    pub persisted: std::sync::Arc<http::persisted::PersistedQueries>,
    /// Open WebSockets per principal.
    pub sockets: std::sync::Arc<http::socket::SocketRegistry>,
    pub limits: crate::config::Limits,
    /// The one clock every date derives from (`domain::clock`).
    pub clock: crate::domain::clock::Clock,
    /// Stored files: the blob store, download links, limits.
    pub files: crate::storage::Files,
    /// Proxies whose `X-Forwarded-For` names the client (`http::client_address`).
    pub trusted_proxies: std::sync::Arc<http::client_address::TrustedProxies>,
}

/// Who may read `GET /metrics`: operational figures are not for the public internet.
#[derive(Clone, Debug)]
pub enum MetricsAccess {
    /// Anyone (development).
    Open,
    /// Whoever sends `Authorization: Bearer <token>`.
    Token(String),
    /// No one: production without `QCDC_METRICS_TOKEN`.
    Closed,
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub state: AppState,
    drain: std::time::Duration,
    grace: std::time::Duration,
}

/// Serves `router` on `listener` until `stop` resolves, then stops accepting and lets the
/// connections finish. Like `axum::serve`, but every connection has a deadline for its request
/// headers (idle kept-alive connections included), which `axum::serve` cannot set: without
/// one, a client that sends headers slowly holds a connection for ever.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    header_read_timeout: std::time::Duration,
    grace: std::time::Duration,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::{
        rt::{TokioIo, TokioTimer},
        service::TowerToHyperService,
    };
    use tower::ServiceExt;

    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    // Told to each connection when shutdown begins; the connections' own receivers of `close`
    // are dropped as they end, so its sender learns when the last one is done.
    let (signal, _) = tokio::sync::watch::channel(());
    let (close, closed) = tokio::sync::watch::channel(());
    tokio::pin!(stop);
    let serve_one = |io: tokio::net::TcpStream, peer: SocketAddr| {
        let served = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = served.clone();
        let service = router.clone().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                seen.store(true, std::sync::atomic::Ordering::SeqCst);
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request.map(axum::body::Body::new)
            },
        );
        let connection = builder
            .serve_connection(TokioIo::new(io), TowerToHyperService::new(service))
            .with_upgrades();
        let (mut shutdown, done) = (signal.subscribe(), closed.clone());
        tokio::spawn(async move {
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                _ = shutdown.changed() => {
                    // A connection that has delivered no request yet may have one on the wire:
                    // a proxy writes it as soon as it connects, and hyper would close such a
                    // connection as idle, losing a request the proxy cannot resend if it is a
                    // POST. It is answered instead (with `Connection: close`, as the drain has
                    // begun), or ends at the header timeout; the grace period bounds both.
                    if served.load(std::sync::atomic::Ordering::SeqCst) {
                        connection.as_mut().graceful_shutdown();
                    }
                    connection.await
                }
            };
            if let Err(err) = ended {
                tracing::debug!(error = %err, "connection ended with an error");
            }
            drop(done);
        });
    };
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(err) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        serve_one(io, peer);
    }
    // Connections the kernel has completed but nobody accepted yet would be reset when the
    // listener closes, and a proxy cannot resend a POST it already sent on one: accept and
    // serve every one that is waiting, asking the kernel directly rather than the runtime's
    // cached readiness, then close.
    let listener = listener.into_std()?;
    while let Ok((io, peer)) = listener.accept() {
        match io
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpStream::from_std(io))
        {
            Ok(io) => serve_one(io, peer),
            Err(err) => tracing::debug!(error = %err, "a waiting connection could not be served"),
        }
    }
    drop(listener);
    let _ = signal.send(());
    drop(closed);
    if tokio::time::timeout(grace, close.closed()).await.is_err() {
        // Each connection task holds one receiver of `close`.
        tracing::warn!(
            connections = close.receiver_count(),
            grace_s = grace.as_secs(),
            "requests still in flight after the grace period; stopping anyway"
        );
    }
    Ok(())
}

/// What preparing the database did, for the start-up banner.
#[derive(Debug, Default)]
pub struct Prepared {
    pub seeded: Option<seed::SeedReport>,
    pub demo_accounts: bool,
}

/// Migrates, and on an empty database loads the reference data (and, outside production, the
/// demo accounts).
pub async fn prepare_database(
    config: &Config,
    conn: &DatabaseConnection,
) -> anyhow::Result<Prepared> {
    use sea_orm_migration::MigratorTrait;
    // Instances starting together prepare one at a time; the later ones find it done.
    db::one_at_a_time(conn, async {
        migration::Migrator::up(conn, None).await?;
        let mut prepared = Prepared::default();
        if config.seed_on_start && is_empty(conn).await? {
            prepared.seeded = Some(seed::seed_reference(conn, seed::file::SOC_TRANG_2024).await?);
        }
        if config.seed_on_start && !config.is_production() {
            prepared.demo_accounts = seed::seed_demo_accounts(conn).await?;
        }
        Ok(prepared)
    })
    .await
}

async fn is_empty(conn: &DatabaseConnection) -> anyhow::Result<bool> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    Ok(entity::unit::Entity::find().count(conn).await? == 0)
}

impl Application {
    /// Connects, prepares the database and binds the listener (port 0 picks a free port).
    pub async fn build(config: &Config) -> anyhow::Result<(Self, Prepared)> {
        let conn = db::connect(&config.database_url).await?;
        let prepared = prepare_database(config, &conn).await?;
        let app = Self::with_connection(config, conn).await?;
        Ok((app, prepared))
    }

    /// Binds a server over an existing, prepared connection.
    pub async fn with_connection(
        config: &Config,
        mut conn: DatabaseConnection,
    ) -> anyhow::Result<Self> {
        // Background work (events, sweeps) gets a clone taken before the counter exists, so
        // the count is the requests' own work.
        let background = conn.clone();
        // On PostgreSQL the instances count sign-in attempts together (`auth::throttle`).
        let throttle = std::sync::Arc::new(
            crate::auth::throttle::Throttle::over(config.limits.sign_in_window)
                .shared_through(&background),
        );
        crate::auth::throttle::spawn_sweeper(throttle.clone(), config.overdue_sweep);
        // Registered before any other clone, so every request's clone counts into it.
        let statements = db::count_statements(&mut conn);
        let keys = config.token_keys()?;
        let events = crate::events::EventBus::start(background.clone(), &config.database_url).await;
        let writer = crate::domain::write::Writer::new(conn.clone());
        http::idempotency::spawn_sweeper(
            background.clone(),
            config.limits.idempotency_ttl,
            config.overdue_sweep,
        );
        crate::events::spawn_overdue_sweeper(
            background,
            writer.clone(),
            events.clone(),
            config.overdue_sweep,
            config.clock,
        );
        let files = crate::storage::Files::open(config.files.clone(), &config.link_key()?)?;
        crate::events::spawn_file_collector(writer.clone(), files.clone(), config.clock);
        let metrics = crate::metrics::Metrics::new();
        let schema = graphql::build_schema(
            conn.clone(),
            writer.clone(),
            keys.clone(),
            events.clone(),
            metrics.clone(),
            throttle.clone(),
            config.clock,
            files.clone(),
            config.is_production(),
        );
        let state = AppState {
            db: conn,
            writer,
            schema,
            keys,
            statements,
            allowed_operations: config.allowed_operations()?.map(std::sync::Arc::new),
            throttle,
            metrics,
            metrics_access: match (&config.metrics_token, config.is_production()) {
                (Some(token), _) => MetricsAccess::Token(token.clone()),
                (None, false) => MetricsAccess::Open,
                (None, true) => MetricsAccess::Closed,
            },
            draining: Default::default(),
            events,
            persisted: std::sync::Arc::new(http::persisted::PersistedQueries::new(
                config.limits.persisted_query_bytes,
                config.limits.persisted_query_max_document,
            )),
            sockets: Default::default(),
            limits: config.limits.clone(),
            clock: config.clock,
            files,
            trusted_proxies: std::sync::Arc::new(config.trusted_proxies.clone()),
        };
        let listener = TcpListener::bind(config.listen).await?;
        Ok(Self {
            listener,
            router: http::router(state.clone()),
            state,
            drain: config.shutdown_drain,
            grace: config.shutdown_grace,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, keeps serving for the drain window, then stops
    /// accepting and finishes the requests in flight.
    ///
    /// Closing the listener at once would reset requests already sent on a kept-alive
    /// connection but not yet read: the server cannot tell them from an idle connection. In
    /// the window, `/readyz` answers 503 (a balancer stops routing here) and every response
    /// closes its connection, so when the listener closes no client is left mid-request on an
    /// idle connection, and new connections are refused.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let draining = self.state.draining.clone();
        let drain = self.drain;
        let stop = async move {
            shutdown.await;
            draining.begin();
            tracing::info!(
                drain_ms = drain.as_millis() as u64,
                "shutdown requested; draining"
            );
            tokio::time::sleep(drain).await;
        };
        serve(
            self.listener,
            self.router,
            self.state.limits.header_read_timeout,
            self.grace,
            stop,
        )
        .await
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
