//! The one error type of the API. Each variant documents what the client sees.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts any `Display`
//! type into an error carrying its raw text, so `?` on a database error inside a resolver would
//! leak it. Without `Display`, the only way into a GraphQL error is the mapping below.

/// Every failure a domain service or resolver can report.
#[derive(Debug, Clone)]
pub enum AppError {
    /// No valid credentials: `UNAUTHENTICATED`.
    Unauthenticated,
    /// Authenticated, but the caller's roles or scope do not allow this: `FORBIDDEN`.
    Forbidden(String),
    /// The record does not exist or is outside the caller's scope: `NOT_FOUND`.
    NotFound(&'static str),
    /// The input is invalid; `field` names the offending argument: `BAD_USER_INPUT`.
    BadInput { field: String, message: String },
    /// A stale version or a duplicate: `CONFLICT`.
    Conflict(String),
    /// Too many attempts; try again later: `TOO_MANY_REQUESTS`.
    RateLimited,
    /// The database cannot be reached right now (restarting, pool exhausted): `SERVICE_UNAVAILABLE`.
    /// Logged with details; the client is told to retry.
    Unavailable(std::sync::Arc<anyhow::Error>),
    /// Anything else. Logged with details; the client only sees `INTERNAL`.
    Internal(std::sync::Arc<anyhow::Error>),
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(std::sync::Arc::new(err.into()))
    }

    /// What the client reads in `message`.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "authentication required".into(),
            Self::Forbidden(m) | Self::Conflict(m) => m.clone(),
            Self::NotFound(what) => format!("{what} not found"),
            Self::RateLimited => "too many attempts; wait a minute and try again".into(),
            Self::BadInput { message, .. } => message.clone(),
            Self::Internal(_) => "internal error".into(),
            Self::Unavailable(_) => {
                "the database is unavailable; try again in a few seconds".into()
            }
        }
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::RateLimited => "TOO_MANY_REQUESTS",
            Self::Internal(_) => "INTERNAL",
            Self::Unavailable(_) => "SERVICE_UNAVAILABLE",
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        if is_unavailable(&err) {
            Self::Unavailable(std::sync::Arc::new(err.into()))
        } else {
            Self::Internal(std::sync::Arc::new(err.into()))
        }
    }
}

/// Whether `err` says the database could not be reached, rather than that a statement failed:
/// no connection to be had, a connection lost, or PostgreSQL shutting down or starting up
/// (SQLSTATE classes 08 and 57P).
fn is_unavailable(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx::Error};
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx.as_ref() {
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
        Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        match &err {
            // Database text and internals stay in the log.
            AppError::Internal(source) => tracing::error!(error = ?source, "internal error"),
            AppError::Unavailable(source) => {
                tracing::warn!(error = ?source, "database unavailable");
            }
            _ => {}
        }
        let mut gql = async_graphql::Error::new(err.message());
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", err.code());
        if let AppError::BadInput { field, .. } = &err {
            ext.set("field", field.as_str());
        }
        gql.extensions = Some(ext);
        gql
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, sqlx};

    use super::AppError;

    fn code(err: DbErr) -> &'static str {
        AppError::from(err).code()
    }

    #[test]
    fn a_database_out_of_reach_is_unavailable_not_internal() {
        assert_eq!(
            code(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            "SERVICE_UNAVAILABLE"
        );
        let lost = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(
            code(DbErr::Query(RuntimeErr::SqlxError(Arc::new(lost)))),
            "SERVICE_UNAVAILABLE"
        );
        assert_eq!(
            code(DbErr::Exec(RuntimeErr::SqlxError(Arc::new(
                sqlx::Error::PoolTimedOut
            )))),
            "SERVICE_UNAVAILABLE"
        );
        assert_eq!(
            code(DbErr::Query(RuntimeErr::SqlxError(Arc::new(
                sqlx::Error::RowNotFound
            )))),
            "INTERNAL"
        );
        assert_eq!(code(DbErr::Custom("bug".into())), "INTERNAL");
    }
}
