//! The change sequence incremental sync reads (`changes(since:)`, README "Incremental sync").
//!
//! - `sync_clock` holds one row: `seq`, the last change number handed out, and `scope_seq`, the
//!   change number of the last move in the unit tree (a reorganisation closes or rewrites
//!   `unit_closure` rows, which changes what every grant covers).
//! - Every synced table (`units`, `legal_documents`, `indicators`, `plans`, `tasks`, `reports`,
//!   `tombstones`) gets `sync_seq`, stamped by a trigger on every insert and update, in the
//!   writing transaction: no write path can forget it, the seed and the command line included.
//! - `tombstones.plan_id`: the plan a removed task or citation belonged to, so a removal reaches
//!   everyone who sees the plan (its recipients and assignees too), not only the issuing unit.
//! - `sync_scopes` holds, per principal (user or API client), the change number of its last
//!   grant change, stamped by a trigger on `role_grants`.
//!
//! Why a counter row and not a database sequence: a reader must never hand out a token past a
//! change that is still uncommitted and may commit later with a smaller number. Sequence values
//! (PostgreSQL `nextval`) commit out of order across concurrent transactions; the counter row is
//! locked by the first synced write of a transaction until it commits, so change numbers commit
//! in order, and the committed `sync_clock.seq` a reader sees is a safe watermark: everything
//! at or below it is committed and visible. On PostgreSQL one transaction takes one number
//! (kept in a transaction-local setting), so a bulk load updates the row once, not per row.
//! SQLite has a single writer, and numbers each row. The cost is that writes to synced tables
//! queue one after another on PostgreSQL from their first synced write to their commit; the
//! programme's write rate (people filing plans and reports) is far below what that allows.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables whose rows carry a change number.
pub const SYNCED: [&str; 7] = [
    "units",
    "legal_documents",
    "indicators",
    "plans",
    "tasks",
    "reports",
    "tombstones",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        db.execute_unprepared(
            "CREATE TABLE sync_clock (id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1), \
             seq BIGINT NOT NULL, scope_seq BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared("INSERT INTO sync_clock (id, seq, scope_seq) VALUES (1, 0, 0)")
            .await?;
        let uuid = if backend == DatabaseBackend::Postgres {
            "uuid"
        } else {
            "uuid_text"
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE sync_scopes (principal_id {uuid} PRIMARY KEY NOT NULL, seq BIGINT NOT NULL)"
        ))
        .await?;
        for table in SYNCED {
            // Rows written before this migration keep 0: a first sync sends them, and no
            // token issued later can be below them.
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{table}_sync_seq ON {table} (sync_seq, id)"
            ))
            .await?;
        }
        db.execute_unprepared(&format!(
            "ALTER TABLE tombstones ADD COLUMN plan_id {uuid} NULL"
        ))
        .await?;
        if backend == DatabaseBackend::Postgres {
            postgres_up(db).await
        } else {
            sqlite_up(db).await
        }
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
        if postgres {
            db.execute_unprepared("DROP TRIGGER sync_grants ON role_grants")
                .await?;
            db.execute_unprepared("DROP TRIGGER sync_tree ON unit_closure")
                .await?;
            db.execute_unprepared(
                "DROP FUNCTION qcdc_sync_stamp(); DROP FUNCTION qcdc_sync_grants(); \
                 DROP FUNCTION qcdc_sync_tree(); DROP FUNCTION qcdc_sync_next()",
            )
            .await?;
        } else {
            for trigger in [
                "sync_grants_insert",
                "sync_grants_delete",
                "sync_grants_update",
                "sync_tree_update",
                "sync_tree_delete",
            ] {
                db.execute_unprepared(&format!("DROP TRIGGER {trigger}"))
                    .await?;
            }
        }
        db.execute_unprepared("ALTER TABLE tombstones DROP COLUMN plan_id")
            .await?;
        db.execute_unprepared("DROP TABLE sync_scopes").await?;
        db.execute_unprepared("DROP TABLE sync_clock").await?;
        Ok(())
    }
}

async fn postgres_up(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    // The transaction's change number: the first call locks the counter row (held to commit)
    // and takes the next number; later calls in the same transaction reuse it.
    db.execute_unprepared(
        r#"
CREATE FUNCTION qcdc_sync_next() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    taken bigint := NULLIF(current_setting('qcdc.sync_seq', true), '')::bigint;
BEGIN
    IF taken IS NULL THEN
        UPDATE sync_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO taken;
        PERFORM set_config('qcdc.sync_seq', taken::text, true);
    END IF;
    RETURN taken;
END $$;
CREATE FUNCTION qcdc_sync_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sync_seq := qcdc_sync_next();
    RETURN NEW;
END $$;
CREATE FUNCTION qcdc_sync_grants() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    holder uuid;
    taken bigint := qcdc_sync_next();
BEGIN
    FOR holder IN
        SELECT COALESCE(OLD.user_id, OLD.api_client_id) WHERE TG_OP <> 'INSERT'
        UNION SELECT COALESCE(NEW.user_id, NEW.api_client_id) WHERE TG_OP <> 'DELETE'
    LOOP
        INSERT INTO sync_scopes (principal_id, seq) VALUES (holder, taken)
        ON CONFLICT (principal_id) DO UPDATE SET seq = EXCLUDED.seq;
    END LOOP;
    RETURN NULL;
END $$;
CREATE FUNCTION qcdc_sync_tree() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    taken bigint := qcdc_sync_next();
BEGIN
    UPDATE sync_clock SET scope_seq = taken WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER sync_grants AFTER INSERT OR UPDATE OR DELETE ON role_grants
    FOR EACH ROW EXECUTE FUNCTION qcdc_sync_grants();
CREATE TRIGGER sync_tree AFTER UPDATE OR DELETE ON unit_closure
    FOR EACH ROW EXECUTE FUNCTION qcdc_sync_tree();
"#,
    )
    .await?;
    for table in SYNCED {
        db.execute_unprepared(&format!(
            "CREATE TRIGGER sync_stamp BEFORE INSERT OR UPDATE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION qcdc_sync_stamp()"
        ))
        .await?;
    }
    Ok(())
}

async fn sqlite_up(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    const NEXT: &str = "UPDATE sync_clock SET seq = seq + 1 WHERE id = 1;";
    const TAKEN: &str = "(SELECT seq FROM sync_clock WHERE id = 1)";
    for table in SYNCED {
        // The update trigger's own write changes `sync_seq`, so its WHEN stops it from
        // numbering the row twice (SQLite's recursive triggers are off anyway).
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
    let touch = |row: &str| {
        format!(
            "{NEXT} INSERT INTO sync_scopes (principal_id, seq) \
             VALUES (COALESCE({row}.user_id, {row}.api_client_id), {TAKEN}) \
             ON CONFLICT (principal_id) DO UPDATE SET seq = excluded.seq;"
        )
    };
    db.execute_unprepared(&format!(
        "CREATE TRIGGER sync_grants_insert AFTER INSERT ON role_grants BEGIN {} END",
        touch("NEW")
    ))
    .await?;
    db.execute_unprepared(&format!(
        "CREATE TRIGGER sync_grants_delete AFTER DELETE ON role_grants BEGIN {} END",
        touch("OLD")
    ))
    .await?;
    db.execute_unprepared(&format!(
        "CREATE TRIGGER sync_grants_update AFTER UPDATE ON role_grants BEGIN {} {} END",
        touch("OLD"),
        touch("NEW")
    ))
    .await?;
    for event in ["update", "delete"] {
        db.execute_unprepared(&format!(
            "CREATE TRIGGER sync_tree_{event} AFTER {} ON unit_closure BEGIN {NEXT} \
             UPDATE sync_clock SET scope_seq = seq WHERE id = 1; END",
            event.to_uppercase()
        ))
        .await?;
    }
    Ok(())
}
