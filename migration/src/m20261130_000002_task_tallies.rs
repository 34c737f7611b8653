//! `task_tallies`: how many tasks each plan has per content area, status and due day, kept by
//! the database in the same transaction as every change to a task (triggers, whoever writes:
//! the API, a seed, `COPY`, SQL by hand). A plan's progress (`api/src/domain/rollups.rs`) sums a
//! few hundred tally rows instead of counting the plan's tasks, which for a national plan is a
//! million rows per request.
//!
//! The key has no NULLs, so one row stands for each combination on both databases: a task
//! without a content area counts under area 0, one without a due day under 9999-12-31 (never
//! past). A row whose count falls to 0 stays; it adds nothing to a sum.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The key of a task row `R` in the tallies.
const KEY: &str =
    "R.plan_id, COALESCE(R.content_area, 0), R.status, COALESCE(R.due_on, '9999-12-31')";
const MATCH: &str = "plan_id = R.plan_id AND content_area = COALESCE(R.content_area, 0) \
                     AND status = R.status AND due_on = COALESCE(R.due_on, '9999-12-31')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TaskTallies::Table)
                    .col(ColumnDef::new(TaskTallies::PlanId).uuid().not_null())
                    .col(
                        ColumnDef::new(TaskTallies::ContentArea)
                            .small_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TaskTallies::Status)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(TaskTallies::DueOn).date().not_null())
                    .col(ColumnDef::new(TaskTallies::N).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(TaskTallies::PlanId)
                            .col(TaskTallies::ContentArea)
                            .col(TaskTallies::Status)
                            .col(TaskTallies::DueOn),
                    )
                    .check(Expr::col(TaskTallies::N).gte(0))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let key = KEY.replace("R.", "");
        db.execute_unprepared(&format!(
            "INSERT INTO task_tallies (plan_id, content_area, status, due_on, n) \
             SELECT {key}, COUNT(*) FROM tasks GROUP BY {key}"
        ))
        .await?;
        let new_key = KEY.replace("R.", "NEW.");
        let (old_match, new_match) = (MATCH.replace("R.", "OLD."), MATCH.replace("R.", "NEW."));
        let leave = format!("UPDATE task_tallies SET n = n - 1 WHERE {old_match};");
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&format!(
                "CREATE FUNCTION qcdc_task_tally() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN \
                   IF TG_OP IN ('UPDATE', 'DELETE') THEN {leave} END IF; \
                   IF TG_OP IN ('UPDATE', 'INSERT') THEN \
                     INSERT INTO task_tallies (plan_id, content_area, status, due_on, n) \
                     VALUES ({new_key}, 1) \
                     ON CONFLICT (plan_id, content_area, status, due_on) \
                     DO UPDATE SET n = task_tallies.n + 1; \
                   END IF; \
                   RETURN NULL; \
                 END $$"
            ))
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER qcdc_task_tally AFTER INSERT OR DELETE \
                 OR UPDATE OF plan_id, content_area, status, due_on ON tasks \
                 FOR EACH ROW EXECUTE FUNCTION qcdc_task_tally()",
            )
            .await?;
        } else {
            let enter = format!(
                "INSERT OR IGNORE INTO task_tallies (plan_id, content_area, status, due_on, n) \
                 VALUES ({new_key}, 0); UPDATE task_tallies SET n = n + 1 WHERE {new_match};"
            );
            for (name, event, body) in [
                ("insert", "INSERT", enter.clone()),
                ("delete", "DELETE", leave.clone()),
                (
                    "update",
                    "UPDATE OF plan_id, content_area, status, due_on",
                    format!("{leave} {enter}"),
                ),
            ] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER qcdc_task_tally_{name} AFTER {event} ON tasks BEGIN {body} END"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "DROP TRIGGER IF EXISTS qcdc_task_tally ON tasks; \
                 DROP FUNCTION IF EXISTS qcdc_task_tally()",
            )
            .await?;
        } else {
            for name in ["insert", "delete", "update"] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS qcdc_task_tally_{name}"))
                    .await?;
            }
        }
        manager
            .drop_table(Table::drop().table(TaskTallies::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TaskTallies {
    Table,
    PlanId,
    ContentArea,
    Status,
    DueOn,
    N,
}
