//! Write transactions. On SQLite one process owns the file, so writers queue on an in-process
//! gate before `BEGIN`: a deferred SQLite transaction that has read and then wants to write
//! fails at once with "database is locked" when another writer got there first, and no busy
//! timeout helps. PostgreSQL needs no gate.

use std::{future::Future, pin::Pin, sync::Arc};

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::Mutex;

use crate::error::{AppError, AppResult};

/// The connection plus, on SQLite, the gate writers queue on.
#[derive(Clone)]
pub struct Writer {
    pub db: DatabaseConnection,
    gate: Option<Arc<Mutex<()>>>,
}

type TxFuture<'c, T> = Pin<Box<dyn Future<Output = AppResult<T>> + Send + 'c>>;

impl Writer {
    pub fn new(db: DatabaseConnection) -> Self {
        let gate = crate::db::is_sqlite(&db).then(|| Arc::new(Mutex::new(())));
        Self { db, gate }
    }

    /// Runs `work` in one transaction: it commits only if `work` returns `Ok`.
    pub async fn transaction<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send,
        F: for<'c> FnOnce(&'c DatabaseTransaction) -> TxFuture<'c, T> + Send,
    {
        let _queued = match &self.gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        };
        let txn = if self.gate.is_some() {
            // IMMEDIATE takes the write lock at BEGIN, so a writer outside this process (or an
            // autocommit statement) makes it wait for the busy timeout instead of failing later.
            self.db
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await
        } else {
            self.db.begin().await
        }
        .map_err(AppError::from)?;
        let value = work(&txn).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(value)
    }
}

/// Maps a failed optimistic update (no row with the expected version) to `CONFLICT`.
pub fn stale(err: sea_orm::DbErr) -> AppError {
    match err {
        sea_orm::DbErr::RecordNotUpdated => AppError::Conflict(
            "the record was changed by someone else: reload it and try again".into(),
        ),
        other => other.into(),
    }
}

/// Saves an active model only if the row still has `version`, bumping it: the optimistic lock
/// every edit goes through. A row changed in between is a `CONFLICT`, never a lost update.
macro_rules! save_versioned {
    ($txn:expr, $module:ident, $am:expr, $version:expr, $now:expr) => {{
        use sea_orm::{ColumnTrait as _, QueryFilter as _};
        let mut am = $am;
        am.version = sea_orm::Set($version + 1);
        am.updated_at = sea_orm::Set($now);
        $module::Entity::update(am)
            .validate()?
            .filter($module::Column::Version.eq($version))
            .exec($txn)
            .await
            .map_err($crate::domain::write::stale)?
    }};
}
pub(crate) use save_versioned;

/// Refuses an edit whose `version` is not the stored one.
pub fn check_version(stored: i32, sent: i32) -> AppResult<()> {
    if stored == sent {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "stale version {sent}: the record is at version {stored}; reload it and try again"
        )))
    }
}
