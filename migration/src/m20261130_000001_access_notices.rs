//! Every change to what authenticates a caller (sessions, accounts, grants, API clients) is
//! recorded by the database itself, whoever makes it (an instance, the command line, a
//! reorganisation, an operator's SQL), so that callers verified before (`api/src/auth/known.rs`)
//! are forgotten:
//! - the one row of `access_epoch` counts the changes, in the change's own transaction; the
//!   server reads it before each operation (one primary-key read), so a change committed before
//!   a request is seen by that request on every instance;
//! - on PostgreSQL the change also sends an access notice on the `qcdc_events` channel when it
//!   commits, in the shape the API's event bus reads (`{"Access": {"principal", "at"}}`), so
//!   open WebSockets of that principal authenticate again at once; a rolled-back change sends
//!   nothing.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, the principal of a row `R`, the events that change access).
const WATCHED: [(&str, &str, &str); 4] = [
    ("sessions", "R.user_id", "UPDATE OR DELETE"),
    ("users", "R.id", "UPDATE OR DELETE"),
    (
        "role_grants",
        "COALESCE(R.user_id, R.api_client_id)",
        "INSERT OR UPDATE OR DELETE",
    ),
    ("api_clients", "R.id", "UPDATE OR DELETE"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessEpoch::Table)
                    .col(
                        ColumnDef::new(AccessEpoch::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AccessEpoch::Value).big_integer().not_null())
                    .check(Expr::col(AccessEpoch::Id).eq(1))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AccessEpoch::Table)
                    .columns([AccessEpoch::Id, AccessEpoch::Value])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            for (table, _, events) in WATCHED {
                for event in events.split(" OR ") {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER qcdc_access_epoch_{table}_{event} AFTER {event} ON {table} \
                         BEGIN UPDATE access_epoch SET value = value + 1 WHERE id = 1; END",
                        event = event.to_lowercase(),
                    ))
                    .await?;
                }
            }
            return Ok(());
        }
        for (table, principal, events) in WATCHED {
            let (old, new) = (
                principal.replace("R.", "OLD."),
                principal.replace("R.", "NEW."),
            );
            db.execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION qcdc_access_notice_{table}() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ \
                 DECLARE principal uuid; \
                 BEGIN \
                   principal := {old}; \
                   IF TG_OP = 'INSERT' THEN principal := {new}; END IF; \
                   UPDATE access_epoch SET value = value + 1 WHERE id = 1; \
                   PERFORM pg_notify('qcdc_events', json_build_object('Access', \
                     json_build_object('principal', principal, 'at', now()))::text); \
                   IF TG_OP = 'UPDATE' AND {new} IS DISTINCT FROM {old} THEN \
                     PERFORM pg_notify('qcdc_events', json_build_object('Access', \
                       json_build_object('principal', {new}, 'at', now()))::text); \
                   END IF; \
                   RETURN NULL; \
                 END $$",
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER qcdc_access_notice AFTER {events} ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION qcdc_access_notice_{table}()"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, _, events) in WATCHED {
            if db.get_database_backend() == DbBackend::Postgres {
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS qcdc_access_notice ON {table}; \
                     DROP FUNCTION IF EXISTS qcdc_access_notice_{table}()"
                ))
                .await?;
            } else {
                for event in events.split(" OR ") {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS qcdc_access_epoch_{table}_{}",
                        event.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        manager
            .drop_table(Table::drop().table(AccessEpoch::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AccessEpoch {
    Table,
    Id,
    Value,
}
