//! Indicator values lie between 0 and 10^15, kept by the database as well as by the domain
//! (`api/src/domain/indicators.rs`, `check_value`, which also holds the finer rules per unit of
//! measure: whole counts up to 10^12, percentages up to 100). A value of about 10^308 once
//! passed, and two of them made a province total infinite, which the API answered as null.
//!
//! PostgreSQL keeps it as a CHECK constraint; SQLite cannot add one to an existing table, so
//! two triggers refuse the same rows on insert and update, under the same name. A database
//! that already holds such values stops here, with the count in the message, instead of
//! keeping them.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend, sea_orm::Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The constraint's name, as errors name it.
const NAME: &str = "ck_indicator_values_value_range";
/// The rule over a value column (`value`, or `NEW.value` in a trigger). Written without
/// `NOT`, and tested as `CASE WHEN rule THEN 0 ELSE 1 END`, so a NULL or NaN fails it too.
fn rule(value: &str) -> String {
    format!("{value} >= 0 AND {value} <= 1e15")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let bad = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT id FROM indicator_values WHERE CASE WHEN {} THEN 0 ELSE 1 END = 1",
                    rule("value")
                ),
            ))
            .await?;
        if !bad.is_empty() {
            return Err(DbErr::Migration(format!(
                "{} rows of indicator_values break the rule {NAME} ({}); correct or remove \
                 them, then migrate again",
                bad.len(),
                rule("value")
            )));
        }
        match backend {
            DbBackend::Sqlite => {
                for event in ["INSERT", "UPDATE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {NAME}_{} BEFORE {event} ON indicator_values FOR EACH ROW \
                         WHEN CASE WHEN {} THEN 0 ELSE 1 END = 1 \
                         BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {NAME}'); END",
                        event.to_ascii_lowercase(),
                        rule("NEW.value"),
                    ))
                    .await?;
                }
            }
            _ => {
                db.execute_unprepared(&format!(
                    "ALTER TABLE indicator_values ADD CONSTRAINT {NAME} CHECK ({})",
                    rule("value")
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                for event in ["insert", "update"] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {NAME}_{event}"))
                        .await?;
                }
            }
            _ => {
                db.execute_unprepared(&format!(
                    "ALTER TABLE indicator_values DROP CONSTRAINT IF EXISTS {NAME}"
                ))
                .await?;
            }
        }
        Ok(())
    }
}
