//! Two ways around the access triggers of `m20261130_000001_access_notices`, closed on
//! PostgreSQL (SQLite has neither):
//! - `TRUNCATE` fires no row trigger: emptying `sessions`, `users`, `role_grants` or
//!   `api_clients` now counts in `access_epoch` too, and sends an access notice for every
//!   principal (the nil UUID), so verified callers are forgotten and open WebSockets
//!   authenticate again;
//! - with `session_replication_role = replica` (bulk loaders and restore tools set it) ordinary
//!   triggers do not fire: the access triggers are made `ENABLE ALWAYS`, so such a change counts
//!   as well. Only `ALTER TABLE … DISABLE TRIGGER` still silences them (README, *Sessions*).

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 4] = ["sessions", "users", "role_grants", "api_clients"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(
            "CREATE OR REPLACE FUNCTION qcdc_access_truncated() RETURNS trigger \
             LANGUAGE plpgsql AS $$ \
             BEGIN \
               UPDATE access_epoch SET value = value + 1 WHERE id = 1; \
               PERFORM pg_notify('qcdc_events', json_build_object('Access', \
                 json_build_object('principal', '00000000-0000-0000-0000-000000000000'::uuid, \
                 'at', now()))::text); \
               RETURN NULL; \
             END $$",
        )
        .await?;
        for table in TABLES {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER qcdc_access_truncated AFTER TRUNCATE ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION qcdc_access_truncated(); \
                 ALTER TABLE {table} ENABLE ALWAYS TRIGGER qcdc_access_truncated; \
                 ALTER TABLE {table} ENABLE ALWAYS TRIGGER qcdc_access_notice"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for table in TABLES {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS qcdc_access_truncated ON {table}; \
                 ALTER TABLE {table} ENABLE TRIGGER qcdc_access_notice"
            ))
            .await?;
        }
        db.execute_unprepared("DROP FUNCTION IF EXISTS qcdc_access_truncated()")
            .await?;
        Ok(())
    }
}
