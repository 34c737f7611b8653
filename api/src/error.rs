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
        if is_stale_statement(&err) {
            // The connection is retired (`db::statements_went_stale`); the caller may retry at
            // once, and a query is retried by the server itself (`http::graphql`).
            crate::db::statements_went_stale();
            Self::Unavailable(std::sync::Arc::new(err.into()))
        } else if is_unavailable(&err) {
            Self::Unavailable(std::sync::Arc::new(err.into()))
        } else if let Some(rule) = unique_violation(&err) {
            // The domain checks these rules first for a friendlier message; the index is what
            // holds when two requests pass that check at once (PostgreSQL).
            tracing::info!(rule = rule.index, "unique rule refused a write");
            Self::Conflict(rule.message.into())
        } else {
            Self::Internal(std::sync::Arc::new(err.into()))
        }
    }
}

/// A "one X per Y" rule a unique index keeps, and what the client reads when a write breaks it.
#[derive(Debug, PartialEq, Eq)]
pub struct UniqueRule {
    /// The index name (`migration/`), which PostgreSQL reports.
    pub index: &'static str,
    /// Its columns as SQLite reports them (`table.column, …`); SQLite does not name the index.
    pub columns: &'static str,
    pub message: &'static str,
}

const fn rule(index: &'static str, columns: &'static str, message: &'static str) -> UniqueRule {
    UniqueRule {
        index,
        columns,
        message,
    }
}

/// Every unique index of the schema. A violation of one that is missing here still answers
/// `CONFLICT`, with [`DUPLICATE`].
pub const UNIQUE_RULES: &[UniqueRule] = &[
    rule(
        "uq_blobs_sha256",
        "blobs.sha256",
        "a file with these contents is stored already",
    ),
    rule(
        "uq_uploads_token_hash",
        "uploads.token_hash",
        "this upload exists already; begin it again",
    ),
    rule(
        "uq_attachments_report_id_blob_id",
        "attachments.report_id, attachments.blob_id",
        "the report already holds this file",
    ),
    rule(
        "uq_attachments_finding_id_blob_id",
        "attachments.finding_id, attachments.blob_id",
        "the finding already holds this file",
    ),
    rule(
        "uq_attachments_remedial_action_id_blob_id",
        "attachments.remedial_action_id, attachments.blob_id",
        "the remedial action already holds this file",
    ),
    rule(
        "uq_attachments_exemplar_id_blob_id",
        "attachments.exemplar_id, attachments.blob_id",
        "the entry already holds this file",
    ),
    rule(
        "uq_reviews_plan_id_unit_id_kind_period_start_period_end",
        "reviews.plan_id, reviews.unit_id, reviews.kind, reviews.period_start, reviews.period_end",
        "the unit already has a review of this kind of the plan for this period",
    ),
    rule(
        "uq_oversight_targets_oversight_id_unit_id",
        "oversight_targets.oversight_id, oversight_targets.unit_id",
        "the unit is already a target of this oversight",
    ),
    rule(
        "uq_reports_obligation_first",
        "reports.obligation_id",
        "a report for this obligation exists; edit it or correct it",
    ),
    rule(
        "uq_reports_previous_id",
        "reports.previous_id",
        "a correction of this report exists already",
    ),
    rule(
        "uq_assignments_task_lead",
        "assignments.task_id",
        "the task already has a lead unit",
    ),
    rule(
        "uq_assignments_task_id_unit_id",
        "assignments.task_id, assignments.unit_id",
        "the task is already assigned to this unit",
    ),
    rule(
        "uq_plans_issuing_unit_id_number",
        "plans.issuing_unit_id, plans.number",
        "this unit already issued a plan with this number",
    ),
    rule(
        "uq_plans_parent_plan_id_issuing_unit_id",
        "plans.parent_plan_id, plans.issuing_unit_id",
        "the unit has already derived its plan",
    ),
    rule(
        "uq_plan_recipients_derived_plan_id",
        "plan_recipients.derived_plan_id",
        "the unit has already derived its plan",
    ),
    rule(
        "uq_plan_recipients_plan_id_unit_id",
        "plan_recipients.plan_id, plan_recipients.unit_id",
        "the unit is already a recipient",
    ),
    rule(
        "uq_role_grants_user_id_role_scope_unit_id",
        "role_grants.user_id, role_grants.role, role_grants.scope_unit_id",
        "this grant exists already",
    ),
    rule(
        "uq_role_grants_api_client_id_role_scope_unit_id",
        "role_grants.api_client_id, role_grants.role, role_grants.scope_unit_id",
        "this grant exists already",
    ),
    rule(
        "uq_users_username",
        "users.username",
        "this username is taken",
    ),
    rule(
        "uq_api_clients_client_id",
        "api_clients.client_id",
        "this client id is taken; try again",
    ),
    rule(
        "uq_units_code",
        "units.code",
        "a unit with this code exists already",
    ),
    rule(
        "uq_legal_documents_dedupe_key",
        "legal_documents.dedupe_key",
        "this number identifies a document already registered",
    ),
    rule(
        "uq_document_relations_from_document_id_to_document_id_kind",
        "document_relations.from_document_id, document_relations.to_document_id, \
         document_relations.kind",
        "this relation between the two documents is already recorded",
    ),
    rule(
        "uq_tasks_plan_id_code",
        "tasks.plan_id, tasks.code",
        "the plan already has a task with this code",
    ),
    rule(
        "uq_task_legal_references_task_id_document_id",
        "task_legal_references.task_id, task_legal_references.document_id",
        "the task already cites this document",
    ),
    rule(
        "uq_report_obligations_schedule_id_unit_id",
        "report_obligations.schedule_id, report_obligations.unit_id",
        "the unit already has an obligation under this schedule",
    ),
    rule(
        "uq_report_task_progress_report_id_task_id",
        "report_task_progress.report_id, report_task_progress.task_id",
        "the report already has progress for this task",
    ),
    rule(
        "uq_indicators_code",
        "indicators.code",
        "an indicator with this code exists already",
    ),
    rule(
        "uq_indicator_values_report_id_indicator_id",
        "indicator_values.report_id, indicator_values.indicator_id",
        "the report already has a value for this indicator",
    ),
    rule(
        "uq_refresh_tokens_token_hash",
        "refresh_tokens.token_hash",
        "this token is already in use",
    ),
    rule(
        "uq_idempotency_keys_principal_id_key",
        "idempotency_keys.principal_id, idempotency_keys.key",
        "this idempotency key is already in use",
    ),
    rule(
        "uq_reorg_events_code",
        "reorg_events.code",
        "a reorganisation with this code exists already",
    ),
    rule(
        "uq_reorg_event_units_event_id_unit_id_role",
        "reorg_event_units.event_id, reorg_event_units.unit_id, reorg_event_units.role",
        "the unit is already part of this reorganisation in this role",
    ),
    rule(
        "uq_outgoing_numbers_report_id",
        "outgoing_numbers.report_id",
        "this report already has its outgoing number",
    ),
    rule(
        "uq_outgoing_numbers_document_id",
        "outgoing_numbers.document_id",
        "this number is already the number of another report",
    ),
    rule(
        "uq_exemplar_criteria_code",
        "exemplar_criteria.code",
        "a criterion with this code exists already",
    ),
    rule(
        "uq_exemplar_assessments_exemplar_id_criterion_id",
        "exemplar_assessments.exemplar_id, exemplar_assessments.criterion_id",
        "this criterion is already assessed for the entry",
    ),
    rule(
        "uq_exemplar_recognitions_exemplar_id_level_form",
        "exemplar_recognitions.exemplar_id, exemplar_recognitions.level, exemplar_recognitions.form",
        "the entry already holds this form of recognition at this level",
    ),
];

/// What a broken unique rule not listed in [`UNIQUE_RULES`] answers.
pub const DUPLICATE: UniqueRule = rule("", "", "this would duplicate an existing record");

/// The rule `err` broke, if it is a unique violation (PostgreSQL 23505, SQLite
/// `SQLITE_CONSTRAINT_UNIQUE`/`PRIMARYKEY`).
pub fn unique_violation(err: &sea_orm::DbErr) -> Option<&'static UniqueRule> {
    use sea_orm::{DbErr, RuntimeErr, sqlx::error::ErrorKind};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = e.as_ref() else {
        return None;
    };
    if !matches!(db.kind(), ErrorKind::UniqueViolation) {
        return None;
    }
    let found = match db.constraint() {
        Some(index) => UNIQUE_RULES.iter().find(|r| r.index == index),
        None => {
            // SQLite: "UNIQUE constraint failed: table.a, table.b".
            let message = db.message();
            let columns = message
                .split_once("failed: ")
                .map_or(message, |(_, columns)| columns);
            UNIQUE_RULES.iter().find(|r| r.columns == columns)
        }
    };
    Some(found.unwrap_or(&DUPLICATE))
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

/// Whether `err` is PostgreSQL refusing a statement prepared before a migration changed the
/// type of a column it returns: "cached plan must not change result type" (SQLSTATE 0A000).
/// Preparing the statement again on a fresh connection succeeds.
pub fn is_stale_statement(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx::Error};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    match e.as_ref() {
        Error::Database(db) => {
            db.code().as_deref() == Some("0A000") && db.message().contains("cached plan")
        }
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

/// Every `extensions.code` the server answers with, over HTTP and WebSocket; README's *Error
/// codes* table lists each (a test checks), and a code never changes with the language.
pub const ALL_CODES: &[&str] = &[
    // `AppError`, from resolvers and domain services.
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "TOO_MANY_REQUESTS",
    "SERVICE_UNAVAILABLE",
    "INTERNAL",
    // The engine: a document that does not parse, and one that does not validate against the
    // schema, its limits or its variables.
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    // Before the engine (`http::pipeline`, `http::graphql`, `http::answer`).
    "BAD_REQUEST",
    "OPERATION_NOT_ALLOWED",
    "PERSISTED_QUERY_NOT_FOUND",
    "PAYLOAD_TOO_LARGE",
    "REQUEST_TIMEOUT",
];

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, sqlx};

    use super::AppError;

    /// README's *Error codes* table names every code the server can answer with, and no
    /// other.
    #[test]
    fn readme_lists_every_code() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("### Error codes")
            .nth(1)
            .and_then(|rest| rest.split("\n#").next())
            .expect("README has an *Error codes* section");
        let listed: Vec<&str> = table
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .collect();
        for code in super::ALL_CODES {
            assert!(listed.contains(code), "README does not list {code}");
        }
        for code in &listed {
            assert!(
                super::ALL_CODES.contains(code),
                "README lists {code}, never sent"
            );
        }
        // And every code `AppError` maps to is among them.
        for err in [
            AppError::Unauthenticated,
            AppError::forbidden(""),
            AppError::NotFound(""),
            AppError::bad_input("", ""),
            AppError::Conflict(String::new()),
            AppError::RateLimited,
            AppError::internal(anyhow::anyhow!("")),
        ] {
            assert!(super::ALL_CODES.contains(&err.code()));
        }
    }

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

    /// Every unique index of the migrated schema has its rule, under the name PostgreSQL
    /// reports and with the columns SQLite reports, so no violation falls back to the generic
    /// message; and a real SQLite violation maps to its rule's `CONFLICT`.
    #[tokio::test]
    async fn every_unique_index_has_its_rule() {
        use migration::MigratorTrait;
        use sea_orm::{ConnectionTrait, Database, Statement};

        let db = Database::connect("sqlite::memory:").await.unwrap();
        migration::Migrator::up(&db, None).await.unwrap();
        let indexes = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT m.name AS name, m.tbl_name AS tbl, group_concat(i.name, ',') AS cols \
                 FROM sqlite_master m, pragma_index_info(m.name) i \
                 WHERE m.type = 'index' AND m.name LIKE 'uq\\_%' ESCAPE '\\' \
                 GROUP BY m.name ORDER BY m.name",
            ))
            .await
            .unwrap();
        assert!(
            indexes.len() >= 20,
            "unique indexes found: {}",
            indexes.len()
        );
        for row in indexes {
            let name: String = row.try_get("", "name").unwrap();
            let table: String = row.try_get("", "tbl").unwrap();
            let columns: String = row.try_get("", "cols").unwrap();
            let rule = super::UNIQUE_RULES
                .iter()
                .find(|r| r.index == name)
                .unwrap_or_else(|| panic!("no rule for {name}"));
            let expected: Vec<String> =
                columns.split(',').map(|c| format!("{table}.{c}")).collect();
            assert_eq!(rule.columns, expected.join(", "), "{name}");
        }

        let grant = |id: &str| {
            format!(
                "INSERT INTO role_grants (id, user_id, role, scope_unit_id, created_at) \
                 VALUES ('{id}', 'u', 'VIEWER', 's', '2024-01-01')"
            )
        };
        db.execute_unprepared("PRAGMA foreign_keys = OFF")
            .await
            .unwrap();
        db.execute_unprepared(&grant("a")).await.unwrap();
        let err = db.execute_unprepared(&grant("b")).await.unwrap_err();
        let mapped = AppError::from(err);
        assert_eq!(mapped.code(), "CONFLICT");
        assert_eq!(mapped.message(), "this grant exists already");
    }
}
