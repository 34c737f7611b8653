//! The "one X per Y" rules the domain services check before they insert, kept by the
//! database as well: on PostgreSQL two concurrent requests both pass the check and both
//! insert, so only a unique index stops the second (SQLite hides the race behind the
//! in-process write gate). The API turns a violation into `CONFLICT` in one place
//! (`api/src/error.rs`), naming the rule by the index name.
//!
//! Each partial condition is the domain's own rule, so the seed, corrections of reports and
//! rows rerouted by a reorganisation all satisfy it:
//! - a report obligation is answered by one report chain: one report without a predecessor
//!   per obligation (corrections carry the obligation too, each pointing at its original);
//! - a report is corrected at most once (the chain is a line);
//! - a task has one lead unit among its assignments that still count (cancelled and
//!   rerouted ones do not);
//! - an issuing unit numbers its plans once (drafts have no number yet);
//! - a recipient derives one plan from a parent plan;
//! - a holder (user or API client) holds a role on a unit once.
//!
//! A database that already holds duplicates made by the old races stops here, with the rule
//! and the offending keys in the message, instead of silently keeping them.

use sea_orm_migration::{prelude::*, sea_orm::Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One unique index: its name, table, columns and the rows it applies to (SQL, `None` for all).
struct Rule {
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    filter: Option<&'static str>,
}

const RULES: [Rule; 8] = [
    Rule {
        name: "uq_reports_obligation_first",
        table: "reports",
        columns: &["obligation_id"],
        filter: Some("obligation_id IS NOT NULL AND previous_id IS NULL"),
    },
    Rule {
        name: "uq_reports_previous_id",
        table: "reports",
        columns: &["previous_id"],
        filter: Some("previous_id IS NOT NULL"),
    },
    Rule {
        name: "uq_assignments_task_lead",
        table: "assignments",
        columns: &["task_id"],
        filter: Some("role = 'LEAD' AND status NOT IN ('CANCELLED', 'REROUTED')"),
    },
    Rule {
        name: "uq_plans_issuing_unit_id_number",
        table: "plans",
        columns: &["issuing_unit_id", "number"],
        filter: Some("number IS NOT NULL"),
    },
    Rule {
        name: "uq_plans_parent_plan_id_issuing_unit_id",
        table: "plans",
        columns: &["parent_plan_id", "issuing_unit_id"],
        filter: Some("parent_plan_id IS NOT NULL"),
    },
    Rule {
        name: "uq_plan_recipients_derived_plan_id",
        table: "plan_recipients",
        columns: &["derived_plan_id"],
        filter: Some("derived_plan_id IS NOT NULL"),
    },
    Rule {
        name: "uq_role_grants_user_id_role_scope_unit_id",
        table: "role_grants",
        columns: &["user_id", "role", "scope_unit_id"],
        filter: Some("user_id IS NOT NULL"),
    },
    Rule {
        name: "uq_role_grants_api_client_id_role_scope_unit_id",
        table: "role_grants",
        columns: &["api_client_id", "role", "scope_unit_id"],
        filter: Some("api_client_id IS NOT NULL"),
    },
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All indexes or none, on SQLite too.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for rule in &RULES {
            refuse_duplicates(db, rule).await?;
        }
        for rule in &RULES {
            // Partial unique indexes are written out: sea-query has no portable partial
            // index, and this `CREATE UNIQUE INDEX … WHERE` reads the same on SQLite and
            // PostgreSQL.
            let filter = rule
                .filter
                .map(|f| format!(" WHERE {f}"))
                .unwrap_or_default();
            db.execute_unprepared(&format!(
                "CREATE UNIQUE INDEX {} ON {} ({}){filter}",
                rule.name,
                rule.table,
                rule.columns.join(", ")
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for rule in RULES.iter().rev() {
            manager
                .drop_index(Index::drop().name(rule.name).table(rule.table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Fails with the rule's name and a few offending keys if existing rows break it.
async fn refuse_duplicates(db: &SchemaManagerConnection<'_>, rule: &Rule) -> Result<(), DbErr> {
    let columns = rule.columns.join(", ");
    let filter = rule
        .filter
        .map(|f| format!(" WHERE {f}"))
        .unwrap_or_default();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n FROM {} {filter} GROUP BY {columns} HAVING COUNT(*) > 1",
                rule.table
            ),
        ))
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    Err(DbErr::Migration(format!(
        "{} groups of rows in {} break the rule {} ({columns}{}); merge or remove the \
         duplicates, then migrate again",
        rows.len(),
        rule.table,
        rule.name,
        rule.filter
            .map(|f| format!(" where {f}"))
            .unwrap_or_default(),
    )))
}
