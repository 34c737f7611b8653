//! The "Dân vận khéo" register (`exemplars`) joins the change feed, as
//! `m20261130_000006_sync_follow_up` did for oversights, recommendations and reviews.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables this migration adds to the feed.
pub const SYNCED: [&str; 1] = ["exemplars"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        const NEXT: &str = "UPDATE sync_clock SET seq = seq + 1 WHERE id = 1;";
        const TAKEN: &str = "(SELECT seq FROM sync_clock WHERE id = 1)";
        for table in SYNCED {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{table}_sync_seq ON {table} (sync_seq, id)"
            ))
            .await?;
            if postgres {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER sync_stamp BEFORE INSERT OR UPDATE ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION qcdc_sync_stamp()"
                ))
                .await?;
            } else {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER sync_{table}_insert AFTER INSERT ON {table} BEGIN {NEXT} \
                     UPDATE {table} SET sync_seq = {TAKEN} WHERE id = NEW.id; END"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER sync_{table}_update AFTER UPDATE ON {table} \
                     WHEN NEW.sync_seq = OLD.sync_seq BEGIN {NEXT} \
                     UPDATE {table} SET sync_seq = {TAKEN} WHERE id = NEW.id; END"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        for table in SYNCED {
            if postgres {
                db.execute_unprepared(&format!("DROP TRIGGER sync_stamp ON {table}"))
                    .await?;
            } else {
                db.execute_unprepared(&format!("DROP TRIGGER sync_{table}_insert"))
                    .await?;
                db.execute_unprepared(&format!("DROP TRIGGER sync_{table}_update"))
                    .await?;
            }
            db.execute_unprepared(&format!("DROP INDEX idx_{table}_sync_seq"))
                .await?;
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN sync_seq"))
                .await?;
        }
        Ok(())
    }
}
