//! Prometheus metrics of one server instance, served at `GET /metrics`.
//!
//! Each instance owns its registry (no process-global recorder), so several servers in one
//! process, as in the tests, never mix their figures. Operation names come from clients, so
//! the label is capped: past [`MAX_OPERATION_NAMES`] distinct names, new ones count as `other`.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sea_orm::DatabaseConnection;

/// Distinct operation names kept as label values.
pub const MAX_OPERATION_NAMES: usize = 256;

/// Latency buckets in seconds, from a cached read to a slow report export.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The instance's metrics.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    operations: IntCounterVec,
    latency: HistogramVec,
    http: IntCounterVec,
    refusals: IntCounterVec,
    sockets: IntGauge,
    subscriptions: IntGauge,
    pool: IntGaugeVec,
    statements: IntCounter,
    names: Mutex<HashSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric described.
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("qcdc".into()), None).unwrap_or_else(|_| Registry::new());
        let operations = IntCounterVec::new(
            Opts::new(
                "graphql_operations_total",
                "GraphQL operations by name and outcome (OK or the first error's code).",
            ),
            &["operation", "outcome"],
        )
        .unwrap_or_else(unreachable_metric);
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "graphql_operation_duration_seconds",
                "Time from a parsed request to its response, by operation name.",
            )
            .buckets(BUCKETS.to_vec()),
            &["operation"],
        )
        .unwrap_or_else(unreachable_metric);
        let http = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route and status code (refusals before execution included).",
            ),
            &["route", "status"],
        )
        .unwrap_or_else(unreachable_metric);
        let refusals = IntCounterVec::new(
            Opts::new(
                "graphql_refusals_total",
                "Operations refused before execution, by transport (http, websocket) and code.",
            ),
            &["transport", "code"],
        )
        .unwrap_or_else(unreachable_metric);
        let sockets = IntGauge::new(
            "websockets_open",
            "GraphQL WebSocket connections open (initialised or not).",
        )
        .unwrap_or_else(unreachable_metric);
        let subscriptions = IntGauge::new(
            "graphql_subscriptions_active",
            "GraphQL subscriptions listening for changes, read at scrape time.",
        )
        .unwrap_or_else(unreachable_metric);
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool connections by state (idle, in_use), read at scrape time.",
            ),
            &["state"],
        )
        .unwrap_or_else(unreachable_metric);
        let statements = IntCounter::new(
            "db_statements_total",
            "SQL statements the requests have run (background work excluded).",
        )
        .unwrap_or_else(unreachable_metric);
        for collector in [
            Box::new(statements.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(operations.clone()),
            Box::new(latency.clone()),
            Box::new(http.clone()),
            Box::new(refusals.clone()),
            Box::new(sockets.clone()),
            Box::new(subscriptions.clone()),
            Box::new(pool.clone()),
        ] {
            // Names are fixed and distinct, so registration cannot collide.
            let _ = registry.register(collector);
        }
        Self {
            inner: Arc::new(Inner {
                registry,
                operations,
                latency,
                http,
                refusals,
                sockets,
                subscriptions,
                pool,
                statements,
                names: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// Records one executed operation.
    pub fn operation(&self, name: Option<&str>, outcome: &str, elapsed: Duration) {
        let label = self.operation_label(name);
        self.inner
            .operations
            .with_label_values(&[label.as_str(), outcome])
            .inc();
        self.inner
            .latency
            .with_label_values(&[label.as_str()])
            .observe(elapsed.as_secs_f64());
    }

    /// Records one HTTP response.
    pub fn http(&self, route: &str, status: u16) {
        self.inner
            .http
            .with_label_values(&[route, &status.to_string()])
            .inc();
    }

    /// Records one operation refused before execution.
    pub fn refused(&self, transport: &str, code: &str) {
        self.inner
            .refusals
            .with_label_values(&[transport, code])
            .inc();
    }

    /// Counts an open WebSocket until the returned guard is dropped.
    pub fn socket(&self) -> SocketGuard {
        self.inner.sockets.inc();
        SocketGuard(self.inner.sockets.clone())
    }

    /// The text exposition of every metric, with the pool, the statement count (kept by
    /// `db::count_statements`) and the subscriptions listening for events
    /// (`events::EventBus::listeners`) read now.
    pub fn render(&self, db: &DatabaseConnection, statements: u64, subscriptions: usize) -> String {
        self.inner
            .subscriptions
            .set(i64::try_from(subscriptions).unwrap_or(i64::MAX));
        let counted = self.inner.statements.get();
        self.inner
            .statements
            .inc_by(statements.saturating_sub(counted));
        if let Some((size, idle)) = pool_use(db) {
            self.inner
                .pool
                .with_label_values(&["idle"])
                .set(idle as i64);
            self.inner
                .pool
                .with_label_values(&["in_use"])
                .set(i64::from(size).saturating_sub(idle as i64));
        }
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.inner.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| is_label_safe(n)) else {
            return "anonymous".into();
        };
        let Ok(mut names) = self.inner.names.lock() else {
            return "other".into();
        };
        if names.contains(name) {
            return name.to_owned();
        }
        if names.len() >= MAX_OPERATION_NAMES {
            return "other".into();
        }
        names.insert(name.to_owned());
        name.to_owned()
    }
}

/// Whether `name` is a GraphQL name of sensible length (anything else is `anonymous`).
fn is_label_safe(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Pool size and idle connections.
fn pool_use(db: &DatabaseConnection) -> Option<(u32, usize)> {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            Some((pool.size(), pool.num_idle()))
        }
        sea_orm::DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            Some((pool.size(), pool.num_idle()))
        }
        _ => None,
    }
}

/// Keeps an open WebSocket counted until dropped.
pub struct SocketGuard(IntGauge);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Metric definitions are constants; a failure here is a programming error caught by the tests.
fn unreachable_metric<T>(error: prometheus::Error) -> T {
    panic!("invalid metric definition: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_capped_and_sanitised() {
        let m = Metrics::new();
        assert_eq!(m.operation_label(Some("Dashboard")), "Dashboard");
        assert_eq!(m.operation_label(None), "anonymous");
        assert_eq!(m.operation_label(Some("drop table;")), "anonymous");
        assert_eq!(m.operation_label(Some(&"x".repeat(65))), "anonymous");
        for i in 1..MAX_OPERATION_NAMES {
            m.operation_label(Some(&format!("Op{i}")));
        }
        assert_eq!(m.operation_label(Some("OneTooMany")), "other");
        assert_eq!(m.operation_label(Some("Dashboard")), "Dashboard");
    }

    #[tokio::test]
    async fn subscriptions_are_read_at_scrape_time() {
        let m = Metrics::new();
        let db = sea_orm::Database::connect("sqlite::memory:")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let text = m.render(&db, 0, 2);
        assert!(
            text.contains("qcdc_graphql_subscriptions_active 2"),
            "{text}"
        );
    }
}
