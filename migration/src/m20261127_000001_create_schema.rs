//! The whole schema of `docs/data-model.md`: every table in dependency order, with its
//! foreign keys declared inside `CREATE TABLE` (sea-query's SQLite backend cannot add
//! them later), then its unique and plain indexes.
//!
//! Conventions: UUID primary keys; enumerations as `VARCHAR(32)`; other strings as
//! `TEXT`; timestamps with time zone; `version INTEGER NOT NULL DEFAULT 1` on edited
//! rows; `sort_key` with `COLLATE "C"` on PostgreSQL so it orders bytewise, as SQLite does.
//!
//! Deletes: rows that only exist as part of a parent go with it (`ON DELETE CASCADE`:
//! closure rows, document relations, a plan's recipients, tasks, schedules, a task's
//! sub-tasks, assignments and legal references, a schedule's obligations, a report's
//! task progress and indicator values, a holder's role grants); the optional
//! "derived from" links are cleared (`SET NULL`); every other reference blocks the
//! delete. Checks: progress in `0..=100`, content area in `1..=7`, a role grant has
//! exactly one holder (user or API client).

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in schema(manager.get_database_backend()) {
            manager.create_table(table.create).await?;
            for index in table.indexes {
                manager.create_index(index).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in schema(manager.get_database_backend()).iter().rev() {
            manager
                .drop_table(Table::drop().table(table.name).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// One table: its `CREATE TABLE` and its indexes.
pub(crate) struct TableDef {
    pub(crate) name: &'static str,
    pub(crate) create: TableCreateStatement,
    pub(crate) indexes: Vec<IndexCreateStatement>,
}

impl TableDef {
    pub(crate) fn new(name: &'static str, create: &mut TableCreateStatement) -> Self {
        Self {
            name,
            create: create.table(name).to_owned(),
            indexes: Vec::new(),
        }
    }

    /// Adds `idx_<table>_<cols>`.
    pub(crate) fn index(mut self, columns: &[&'static str]) -> Self {
        self.indexes.push(index(self.name, columns, false));
        self
    }

    /// Adds the unique index `uq_<table>_<cols>`.
    pub(crate) fn unique(mut self, columns: &[&'static str]) -> Self {
        self.indexes.push(index(self.name, columns, true));
        self
    }
}

pub(crate) fn index(
    table: &'static str,
    columns: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let prefix = if unique { "uq" } else { "idx" };
    let mut stmt = Index::create();
    stmt.name(format!("{prefix}_{table}_{}", columns.join("_")))
        .table(table);
    for column in columns {
        stmt.col(*column);
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

/// Foreign key `fk_<table>_<column>` from `table.column` to `target.id`.
pub(crate) fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(on_delete)
        .to_owned()
}

/// Foreign key whose target rows are never deleted while referenced.
pub(crate) fn fk_restrict(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    fk(table, column, target, ForeignKeyAction::NoAction)
}

/// Foreign key of a dependent row that goes with its parent.
pub(crate) fn fk_cascade(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    fk(table, column, target, ForeignKeyAction::Cascade)
}

/// Optional link that is cleared when its target goes.
pub(crate) fn fk_set_null(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    fk(table, column, target, ForeignKeyAction::SetNull)
}

/// Enumeration column stored as `VARCHAR(32)`.
pub(crate) fn enumeration(name: &'static str) -> ColumnDef {
    string_len(name, 32)
}

pub(crate) fn enumeration_null(name: &'static str) -> ColumnDef {
    string_len_null(name, 32)
}

/// Optimistic-locking version.
pub(crate) fn version() -> ColumnDef {
    integer("version").default(1).to_owned()
}

/// Percentage column, `0..=100`.
fn percentage(name: &'static str) -> ColumnDef {
    small_integer(name)
        .check(Expr::col(name).between(0, 100))
        .to_owned()
}

/// Key content of the plan, `1..=7`.
fn content_area() -> ColumnDef {
    small_integer_null("content_area")
        .check(Expr::col("content_area").between(1, 7))
        .to_owned()
}

/// Keyset-pagination key: bytewise order on both databases.
pub(crate) fn sort_key(backend: DatabaseBackend) -> ColumnDef {
    let mut column = text("sort_key");
    if backend == DatabaseBackend::Postgres {
        column.extra("COLLATE \"C\"");
    }
    column
}

pub(crate) fn created_at() -> ColumnDef {
    timestamp_with_time_zone("created_at")
}

pub(crate) fn updated_at() -> ColumnDef {
    timestamp_with_time_zone("updated_at")
}

/// Every table, in creation (dependency) order.
pub(crate) fn schema(backend: DatabaseBackend) -> Vec<TableDef> {
    vec![
        TableDef::new(
            "units",
            Table::create()
                .col(pk_uuid("id"))
                .col(text("code"))
                .col(text("name"))
                .col(text_null("short_name"))
                .col(enumeration("kind"))
                .col(enumeration_null("grassroots_type"))
                .col(uuid_null("parent_id"))
                .col(uuid_null("successor_id"))
                .col(date_null("valid_from"))
                .col(date_null("valid_to"))
                .col(enumeration("provenance"))
                .col(text_null("note"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_restrict("units", "parent_id", "units"))
                .foreign_key(&mut fk_restrict("units", "successor_id", "units")),
        )
        .unique(&["code"])
        .index(&["parent_id"])
        .index(&["kind"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "unit_closure",
            Table::create()
                .col(uuid("ancestor_id"))
                .col(uuid("descendant_id"))
                .col(integer("depth"))
                .primary_key(Index::create().col("ancestor_id").col("descendant_id"))
                .foreign_key(&mut fk_cascade("unit_closure", "ancestor_id", "units"))
                .foreign_key(&mut fk_cascade("unit_closure", "descendant_id", "units")),
        )
        .index(&["descendant_id"]),
        TableDef::new(
            "legal_documents",
            Table::create()
                .col(pk_uuid("id"))
                .col(text("number"))
                .col(text("number_canonical"))
                .col(enumeration("family"))
                .col(integer_null("seq"))
                .col(text_null("seq_suffix"))
                .col(integer_null("year"))
                .col(text_null("type_code"))
                .col(text("issuer_codes"))
                .col(text_null("party_term"))
                .col(enumeration("document_type"))
                .col(text("issuer"))
                .col(uuid_null("issuer_unit_id"))
                .col(date_null("issued_on"))
                .col(date_null("effective_on"))
                .col(text_null("title"))
                .col(enumeration("status"))
                .col(uuid_null("superseded_by_id"))
                .col(enumeration("provenance"))
                .col(text_null("note"))
                .col(text("parse_warnings"))
                .col(text("dedupe_key"))
                .col(text("search_text"))
                .col(text("issuer_search"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_restrict(
                    "legal_documents",
                    "issuer_unit_id",
                    "units",
                ))
                .foreign_key(&mut fk_restrict(
                    "legal_documents",
                    "superseded_by_id",
                    "legal_documents",
                )),
        )
        .unique(&["dedupe_key"])
        .index(&["document_type"])
        .index(&["year"])
        .index(&["issued_on"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "document_relations",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("from_document_id"))
                .col(uuid("to_document_id"))
                .col(enumeration("kind"))
                .col(date_null("effective_on"))
                .col(text_null("note"))
                .col(created_at())
                .foreign_key(&mut fk_cascade(
                    "document_relations",
                    "from_document_id",
                    "legal_documents",
                ))
                .foreign_key(&mut fk_cascade(
                    "document_relations",
                    "to_document_id",
                    "legal_documents",
                )),
        )
        .unique(&["from_document_id", "to_document_id", "kind"])
        .index(&["to_document_id"]),
        TableDef::new(
            "plans",
            Table::create()
                .col(pk_uuid("id"))
                .col(text_null("number"))
                .col(text("title"))
                .col(uuid("issuing_unit_id"))
                .col(uuid_null("standing_unit_id"))
                .col(uuid_null("parent_plan_id"))
                .col(uuid_null("document_id"))
                .col(date("period_start"))
                .col(date("period_end"))
                .col(enumeration("status"))
                .col(date_null("issued_on"))
                .col(text_null("motto"))
                .col(enumeration("provenance"))
                .col(text_null("note"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_restrict("plans", "issuing_unit_id", "units"))
                .foreign_key(&mut fk_restrict("plans", "standing_unit_id", "units"))
                .foreign_key(&mut fk_restrict("plans", "parent_plan_id", "plans"))
                .foreign_key(&mut fk_restrict("plans", "document_id", "legal_documents")),
        )
        .index(&["issuing_unit_id"])
        .index(&["parent_plan_id"])
        .index(&["status"])
        .index(&["period_start", "period_end"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "plan_recipients",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("plan_id"))
                .col(uuid("unit_id"))
                .col(date_null("derive_by"))
                .col(uuid_null("derived_plan_id"))
                .col(timestamp_with_time_zone_null("overdue_notified_at"))
                .col(enumeration("provenance"))
                .col(text_null("note"))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_cascade("plan_recipients", "plan_id", "plans"))
                .foreign_key(&mut fk_restrict("plan_recipients", "unit_id", "units"))
                .foreign_key(&mut fk_set_null(
                    "plan_recipients",
                    "derived_plan_id",
                    "plans",
                )),
        )
        .unique(&["plan_id", "unit_id"])
        .index(&["unit_id"]),
        TableDef::new(
            "tasks",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("plan_id"))
                .col(uuid_null("parent_id"))
                .col(text("code"))
                .col(integer("position"))
                .col(content_area())
                .col(text("title"))
                .col(text_null("description"))
                .col(date_null("due_on"))
                .col(enumeration("status"))
                .col(percentage("progress"))
                .col(uuid_null("derived_from_task_id"))
                .col(enumeration("provenance"))
                .col(text_null("note"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_cascade("tasks", "plan_id", "plans"))
                .foreign_key(&mut fk_cascade("tasks", "parent_id", "tasks"))
                .foreign_key(&mut fk_set_null("tasks", "derived_from_task_id", "tasks")),
        )
        .unique(&["plan_id", "code"])
        .index(&["parent_id"])
        .index(&["plan_id", "sort_key", "id"])
        .index(&["status"])
        .index(&["content_area"])
        .index(&["due_on"])
        .index(&["derived_from_task_id"]),
        TableDef::new(
            "assignments",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("task_id"))
                .col(uuid("unit_id"))
                .col(enumeration("role"))
                .col(date_null("due_on"))
                .col(enumeration("status"))
                .col(percentage("progress"))
                .col(enumeration("provenance"))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_cascade("assignments", "task_id", "tasks"))
                .foreign_key(&mut fk_restrict("assignments", "unit_id", "units")),
        )
        .unique(&["task_id", "unit_id"])
        .index(&["unit_id"]),
        TableDef::new(
            "task_legal_references",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("task_id"))
                .col(uuid("document_id"))
                .col(text_null("provision"))
                .col(text_null("note"))
                .col(created_at())
                .foreign_key(&mut fk_cascade("task_legal_references", "task_id", "tasks"))
                .foreign_key(&mut fk_restrict(
                    "task_legal_references",
                    "document_id",
                    "legal_documents",
                )),
        )
        .unique(&["task_id", "document_id"])
        .index(&["document_id"]),
        TableDef::new(
            "report_schedules",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("plan_id"))
                .col(enumeration("kind"))
                .col(text("title"))
                .col(date("period_start"))
                .col(date("period_end"))
                .col(date("due_on"))
                .col(uuid_null("recipient_unit_id"))
                .col(enumeration("provenance"))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_cascade("report_schedules", "plan_id", "plans"))
                .foreign_key(&mut fk_restrict(
                    "report_schedules",
                    "recipient_unit_id",
                    "units",
                )),
        )
        .index(&["plan_id"]),
        TableDef::new(
            "report_obligations",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("schedule_id"))
                .col(uuid("unit_id"))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_cascade(
                    "report_obligations",
                    "schedule_id",
                    "report_schedules",
                ))
                .foreign_key(&mut fk_restrict("report_obligations", "unit_id", "units")),
        )
        .unique(&["schedule_id", "unit_id"])
        .index(&["unit_id"]),
        TableDef::new(
            "users",
            Table::create()
                .col(pk_uuid("id"))
                .col(text("username"))
                .col(text("display_name"))
                .col(text("password_hash"))
                .col(boolean("active").default(true))
                .col(created_at())
                .col(updated_at())
                .col(version()),
        )
        .unique(&["username"]),
        TableDef::new(
            "api_clients",
            Table::create()
                .col(pk_uuid("id"))
                .col(text("name"))
                .col(text("client_id"))
                .col(text("secret_hash"))
                .col(boolean("active").default(true))
                .col(created_at())
                .col(updated_at())
                .col(version()),
        )
        .unique(&["client_id"]),
        TableDef::new(
            "reports",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("unit_id"))
                .col(uuid_null("recipient_unit_id"))
                .col(uuid_null("plan_id"))
                .col(uuid_null("schedule_id"))
                .col(uuid_null("obligation_id"))
                .col(enumeration("kind"))
                .col(text("title"))
                .col(date("period_start"))
                .col(date("period_end"))
                .col(enumeration("status"))
                .col(integer("revision"))
                .col(uuid_null("previous_id"))
                .col(text_null("results"))
                .col(text_null("limitations"))
                .col(text_null("causes"))
                .col(text_null("lessons"))
                .col(text_null("next_steps"))
                .col(text_null("review_comment"))
                .col(uuid_null("author_id"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(timestamp_with_time_zone_null("first_submitted_at"))
                .col(timestamp_with_time_zone_null("approved_at"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_restrict("reports", "unit_id", "units"))
                .foreign_key(&mut fk_restrict("reports", "recipient_unit_id", "units"))
                .foreign_key(&mut fk_restrict("reports", "plan_id", "plans"))
                .foreign_key(&mut fk_restrict(
                    "reports",
                    "schedule_id",
                    "report_schedules",
                ))
                .foreign_key(&mut fk_restrict(
                    "reports",
                    "obligation_id",
                    "report_obligations",
                ))
                .foreign_key(&mut fk_restrict("reports", "previous_id", "reports"))
                .foreign_key(&mut fk_restrict("reports", "author_id", "users")),
        )
        .index(&["unit_id"])
        .index(&["recipient_unit_id"])
        .index(&["plan_id"])
        .index(&["schedule_id"])
        .index(&["status"])
        .index(&["period_start", "period_end"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "report_task_progress",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("report_id"))
                .col(uuid("task_id"))
                .col(percentage("progress"))
                .col(text_null("note"))
                .col(created_at())
                .foreign_key(&mut fk_cascade(
                    "report_task_progress",
                    "report_id",
                    "reports",
                ))
                .foreign_key(&mut fk_restrict("report_task_progress", "task_id", "tasks")),
        )
        .unique(&["report_id", "task_id"])
        .index(&["task_id"]),
        TableDef::new(
            "indicators",
            Table::create()
                .col(pk_uuid("id"))
                .col(text("code"))
                .col(text("name"))
                .col(text_null("description"))
                .col(enumeration("measure"))
                .col(enumeration("aggregation"))
                .col(text_null("numerator_code"))
                .col(text_null("denominator_code"))
                .col(content_area())
                .col(enumeration("provenance"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version()),
        )
        .unique(&["code"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "indicator_values",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("report_id"))
                .col(uuid("indicator_id"))
                .col(double("value"))
                .col(text_null("note"))
                .col(created_at())
                .foreign_key(&mut fk_cascade("indicator_values", "report_id", "reports"))
                .foreign_key(&mut fk_restrict(
                    "indicator_values",
                    "indicator_id",
                    "indicators",
                )),
        )
        .unique(&["report_id", "indicator_id"])
        .index(&["indicator_id"]),
        TableDef::new(
            "role_grants",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid_null("user_id"))
                .col(uuid_null("api_client_id"))
                .col(enumeration("role"))
                .col(uuid("scope_unit_id"))
                .col(created_at())
                // A grant belongs to exactly one holder: a user or an API client.
                .check(Expr::cust("(user_id IS NULL) <> (api_client_id IS NULL)"))
                .foreign_key(&mut fk_cascade("role_grants", "user_id", "users"))
                .foreign_key(&mut fk_cascade(
                    "role_grants",
                    "api_client_id",
                    "api_clients",
                ))
                .foreign_key(&mut fk_restrict("role_grants", "scope_unit_id", "units")),
        )
        .index(&["user_id"])
        .index(&["api_client_id"])
        .index(&["scope_unit_id"]),
        TableDef::new(
            "assignment_updates",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("assignment_id"))
                .col(uuid_null("author_id"))
                .col(enumeration("status"))
                .col(percentage("progress"))
                .col(text_null("note"))
                .col(created_at())
                .foreign_key(&mut fk_cascade(
                    "assignment_updates",
                    "assignment_id",
                    "assignments",
                ))
                .foreign_key(&mut fk_restrict("assignment_updates", "author_id", "users")),
        )
        .index(&["assignment_id"]),
        TableDef::new(
            "sessions",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(created_at())
                .foreign_key(&mut fk_cascade("sessions", "user_id", "users")),
        )
        .index(&["user_id"]),
        TableDef::new(
            "refresh_tokens",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("session_id"))
                .col(text("token_hash"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(created_at())
                .foreign_key(&mut fk_cascade("refresh_tokens", "session_id", "sessions")),
        )
        .unique(&["token_hash"])
        .index(&["session_id"]),
        TableDef::new(
            "idempotency_keys",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("principal_id"))
                .col(text("key"))
                .col(text("request_hash"))
                .col(text_null("response"))
                .col(created_at()),
        )
        .unique(&["principal_id", "key"]),
        TableDef::new(
            "tombstones",
            Table::create()
                .col(pk_uuid("id"))
                .col(text("entity_type"))
                .col(uuid("entity_id"))
                .col(uuid_null("unit_id"))
                .col(timestamp_with_time_zone("deleted_at"))
                .col(sort_key(backend)),
        )
        .index(&["deleted_at"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "audit_events",
            Table::create()
                .col(pk_uuid("id"))
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("actor_user_id"))
                .col(uuid_null("actor_client_id"))
                .col(text("action"))
                .col(text("entity_type"))
                .col(uuid_null("entity_id"))
                .col(text_null("before"))
                .col(text_null("after"))
                .col(text_null("request_id"))
                .col(uuid_null("unit_id"))
                .col(sort_key(backend))
                .foreign_key(&mut fk_restrict("audit_events", "actor_user_id", "users"))
                .foreign_key(&mut fk_restrict("audit_events", "unit_id", "units"))
                .foreign_key(&mut fk_restrict(
                    "audit_events",
                    "actor_client_id",
                    "api_clients",
                )),
        )
        .index(&["entity_type", "entity_id"])
        .index(&["unit_id"])
        .index(&["at"])
        .index(&["sort_key", "id"]),
    ]
}
