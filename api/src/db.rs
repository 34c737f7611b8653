//! Connection pool and migrations.

use std::{
    str::FromStr,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    sea_query::{PostgresQueryBuilder, QueryBuilder},
};
use sea_orm_migration::MigratorTrait;

/// Opens a pool for `url`. SQLite gets WAL, a busy timeout and foreign keys, so several
/// connections can share one file without "database is locked" reaching a client.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let is_sqlite = url.starts_with("sqlite:");
    if is_sqlite {
        ensure_sqlite_directory(url)?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if is_sqlite { 4 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings a connection (a round trip, awaited before the statement) every time it
        // is taken from the pool, on top of the ping when it is returned: two round trips per
        // statement. A busy connection was just proven alive by that return ping, so only one
        // idle long enough for the server or a firewall to have dropped it is pinged.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false);
    if !is_sqlite {
        // A connection that cached statements before the schema changed under them is
        // retired the next time the pool hands it out; its replacement prepares afresh.
        options.map_sqlx_postgres_before_acquire(|_conn, meta| {
            Box::pin(async move { Ok(!opened_before_statements_went_stale(meta.age)) })
        });
    }
    if is_sqlite {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        });
    }
    Ok(Database::connect(options).await?)
}

/// When, in nanoseconds after [`epoch`] plus one, a statement cached on a pooled PostgreSQL
/// connection last failed because the schema changed under it (0: never).
static STALE_SINCE: AtomicU64 = AtomicU64::new(0);
/// How many times that has happened, so a request can tell whether it met it.
static STALE_GENERATION: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Records that a cached statement failed because a migration changed a result type while
/// the server ran (PostgreSQL: "cached plan must not change result type"). sqlx keeps prepared
/// statements per connection, so every connection opened before now is retired when next
/// acquired (`before_acquire` in [`connect`]) instead of failing each of its requests until it
/// ages out. Process-wide: other pools in the process reconnect too, which costs nothing else.
pub fn statements_went_stale() {
    let at = u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
    STALE_SINCE.store(at + 1, Ordering::SeqCst);
    STALE_GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Changes whenever [`statements_went_stale`] is called: a request that sees it change while it
/// ran met a stale statement, and a query may run once more on fresh connections.
pub fn stale_statements_generation() -> u64 {
    STALE_GENERATION.load(Ordering::SeqCst)
}

/// Whether a connection of `age` was opened before statements last went stale.
fn opened_before_statements_went_stale(age: Duration) -> bool {
    let since = STALE_SINCE.load(Ordering::SeqCst);
    if since == 0 {
        return false;
    }
    let stale_at = epoch() + Duration::from_nanos(since - 1);
    Instant::now()
        .checked_sub(age)
        .is_none_or(|opened| opened <= stale_at)
}

/// The file a `sqlite://dir/file.db?…` URL names, decoded exactly as sqlx decodes it when it
/// opens the database (`my%20db.db` is `my db.db`), so backup and restore touch the file the
/// server uses; `None` for an in-memory database.
///
/// Errors: a URL sqlx cannot parse.
pub fn sqlite_file(url: &str) -> anyhow::Result<Option<std::path::PathBuf>> {
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    // sqlx keeps the name of a `mode=memory` database but never opens a file by it, and it
    // names `:memory:` databases `file:sqlx-in-memory-…`.
    let in_memory = url
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|p| p == "mode=memory"));
    let path = options.get_filename();
    let name = path.to_string_lossy();
    let is_file = !in_memory
        && !name.is_empty()
        && !name.starts_with(':')
        && !name.starts_with("file:sqlx-in-memory-");
    Ok(is_file.then(|| path.to_owned()))
}

/// A `sqlite://dir/file.db` URL needs its directory before SQLite can create the file.
fn ensure_sqlite_directory(url: &str) -> anyhow::Result<()> {
    let Some(path) = sqlite_file(url)? else {
        return Ok(());
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    Ok(())
}

/// Counts every SQL statement `db` runs, so a request's database work can be measured.
///
/// With `RUST_LOG=qcdc::sql=trace` each statement is also logged with its bound values:
/// the benchmark replays exactly those statements through `pgbench` as the floor it compares with.
pub fn count_statements(db: &mut DatabaseConnection) -> Arc<AtomicU64> {
    let counter = Arc::new(AtomicU64::new(0));
    let c = counter.clone();
    db.set_metric_callback(move |info| {
        c.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(
            target: "qcdc::sql",
            elapsed_us = info.elapsed.as_micros() as u64,
            failed = info.failed,
            sql = %info.statement.sql,
            params = %bind_texts(info.statement),
        );
    });
    counter
}

/// A statement's bound values as a JSON array of the text PostgreSQL would parse (`null` for
/// NULL), so a replay binds the same values as the same parameters instead of inlining them.
fn bind_texts(statement: &Statement) -> String {
    let values = statement
        .values
        .as_ref()
        .map_or(&[][..], |v| v.0.as_slice());
    let texts: Vec<Option<String>> = values
        .iter()
        .map(|v| unquote(&PostgresQueryBuilder.value_to_string(v)))
        .collect();
    serde_json::to_string(&texts).unwrap_or_default()
}

/// The text of a SQL literal as sea-query writes it: `NULL`, a bare number or boolean, or a
/// quoted string (`'…'`, or `E'…'` when it holds backslashes).
fn unquote(literal: &str) -> Option<String> {
    if literal == "NULL" {
        return None;
    }
    let (body, escaped) = match literal.strip_prefix('E') {
        Some(rest) if rest.starts_with('\'') => (rest, true),
        _ => (literal, false),
    };
    let Some(inner) = body.strip_prefix('\'').and_then(|b| b.strip_suffix('\'')) else {
        return Some(literal.to_owned());
    };
    let text = inner.replace("''", "'");
    Some(if escaped {
        text.replace("\\\\", "\\")
    } else {
        text
    })
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    one_at_a_time(db, async {
        migration::Migrator::up(db, None).await?;
        Ok(())
    })
    .await
}

/// Key of PostgreSQL's advisory lock for preparing the database ("qcdcprep").
const PREPARING: i64 = 0x7163_6463_7072_6570;

/// Runs `work` (migrating, seeding) while no other instance or command on the same PostgreSQL
/// database does: several instances may start together (a rolling deploy), and without this
/// two of them apply the same migration or load the same reference rows at once, and one fails
/// ("a unit with this code exists already"). The others wait, then find the work done. The
/// lock is a transaction-level advisory lock, so it is released when `work` ends, failed or
/// not, and when the process dies. SQLite serves one instance: `work` runs as it is.
///
/// Not reentrant: `work` must not call [`migrate`] (it would wait for itself).
pub async fn one_at_a_time<T>(
    db: &DatabaseConnection,
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    if db.get_database_backend() != DbBackend::Postgres {
        return work.await;
    }
    let lock = db.begin().await?;
    lock.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({PREPARING})"))
        .await?;
    let done = work.await;
    lock.commit().await?;
    done
}

/// Whether the database answers a trivial query (for `/readyz`).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

pub fn is_sqlite(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Sqlite
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`), so it waits out another writer (the server's, or another process's) for the
/// busy timeout; a deferred one that has read fails at its first write with "database is
/// locked" when another writer got in between. `domain::write::Writer` does the same for
/// requests.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if is_sqlite(db) {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    } else {
        db.begin().await
    }
}

#[cfg(test)]
mod tests {
    use super::{
        Duration, opened_before_statements_went_stale, sqlite_file, statements_went_stale, unquote,
    };

    #[test]
    fn a_sqlite_url_names_the_file_sqlx_opens() {
        let file = |url: &str| sqlite_file(url).unwrap().map(|p| p.display().to_string());
        assert_eq!(
            file("sqlite:///tmp/x/my%20db.db?mode=rwc").as_deref(),
            Some("/tmp/x/my db.db")
        );
        assert_eq!(
            file("sqlite://data/qcdc.db").as_deref(),
            Some("data/qcdc.db")
        );
        assert_eq!(file("sqlite:qcdc.db").as_deref(), Some("qcdc.db"));
        for memory in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://?mode=memory",
            "sqlite://named?mode=memory&cache=shared",
        ] {
            assert_eq!(file(memory), None, "{memory}");
        }
    }

    #[test]
    fn connections_opened_before_statements_went_stale_are_retired() {
        statements_went_stale();
        assert!(opened_before_statements_went_stale(Duration::from_secs(
            3600
        )));
        std::thread::sleep(Duration::from_millis(2));
        assert!(
            !opened_before_statements_went_stale(Duration::ZERO),
            "a connection opened since prepares afresh"
        );
    }

    #[test]
    fn literals_become_the_text_postgres_parses() {
        assert_eq!(unquote("NULL"), None);
        assert_eq!(unquote("42").as_deref(), Some("42"));
        assert_eq!(unquote("TRUE").as_deref(), Some("TRUE"));
        assert_eq!(unquote("'Sóc Trăng'").as_deref(), Some("Sóc Trăng"));
        assert_eq!(unquote("'it''s'").as_deref(), Some("it's"));
        assert_eq!(unquote("E'a\\\\b'").as_deref(), Some("a\\b"));
    }
}
