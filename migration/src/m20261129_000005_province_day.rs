//! `date(instant, '+7 hours')`: the province's day (Asia/Ho_Chi_Minh, UTC+7 all year since
//! 1975, no daylight saving) of a stored instant, written the same way on both databases, so a
//! query that places an instant on a day of the calendar (a report written on the day a unit
//! moved, `api/src/domain/scope.rs`) judges by the day in Việt Nam, not the UTC day.
//!
//! SQLite has `date(time, modifier)` built in. PostgreSQL gets a function of the same name and
//! shape; `date(x)` with one argument stays PostgreSQL's own.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE OR REPLACE FUNCTION date(instant timestamptz, modifier text) RETURNS date \
                 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE \
                 AS $$ SELECT ((instant AT TIME ZONE 'UTC') + modifier::interval)::date $$",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS date(timestamptz, text)")
                .await?;
        }
        Ok(())
    }
}
