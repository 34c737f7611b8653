//! Every audit event names its kind of actor, a refresh token remembers the pair it was
//! exchanged for, and stored search text spells dashes and slashes one way.
//!
//! - `audit_events.actor_kind`: `USER`, `PARTNER`, `COMMAND_LINE` or `ANONYMOUS` (a failed
//!   sign-in). A person's event names the person and a partner's the client (CHECK), so no
//!   change is left without an author. Existing rows: the user or client they name, else the
//!   command line (the only writer that named nobody).
//! - `refresh_tokens.successor_id` and `successor_sealed`: the token an exchange issued and its
//!   secret sealed with the presented token (`api/src/domain/sessions.rs`), so a retry within
//!   the reuse window returns the same pair.
//! - Search text: Unicode dashes (U+2010–U+2015, U+2212) become `-` and division, fraction and
//!   full-width slashes become `/`, as `text::fold` now writes them, so a number typed with
//!   an en dash finds a record stored with one, and the other way round.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns holding folded search text.
const SEARCH_COLUMNS: &[(&str, &str)] = &[
    ("units", "search_text"),
    ("legal_documents", "search_text"),
    ("legal_documents", "issuer_search"),
    ("indicators", "search_text"),
    ("reports", "search_text"),
    ("plans", "search_text"),
    ("tasks", "search_text"),
];

/// The separators `text::fold` maps, and what to.
const SEPARATORS: &[(char, char)] = &[
    ('\u{2010}', '-'),
    ('\u{2011}', '-'),
    ('\u{2012}', '-'),
    ('\u{2013}', '-'),
    ('\u{2014}', '-'),
    ('\u{2015}', '-'),
    ('\u{2212}', '-'),
    ('\u{2215}', '/'),
    ('\u{2044}', '/'),
    ('\u{FF0F}', '/'),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // One statement per ALTER (sea-query's SQLite backend refuses several in one); the
        // text reads the same on SQLite and PostgreSQL.
        db.execute_unprepared(
            "ALTER TABLE audit_events ADD COLUMN actor_kind VARCHAR(32) NOT NULL \
             DEFAULT 'COMMAND_LINE' CHECK (actor_kind IN ('USER', 'PARTNER', 'COMMAND_LINE', \
             'ANONYMOUS') AND (actor_kind <> 'USER' OR actor_user_id IS NOT NULL) AND \
             (actor_kind <> 'PARTNER' OR actor_client_id IS NOT NULL))",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE audit_events SET actor_kind = 'PARTNER' WHERE actor_client_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE audit_events SET actor_kind = 'USER' WHERE actor_user_id IS NOT NULL",
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("refresh_tokens")
                    .add_column(ColumnDef::new("successor_id").uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("refresh_tokens")
                    .add_column(ColumnDef::new("successor_sealed").text().null())
                    .to_owned(),
            )
            .await?;
        for (table, column) in SEARCH_COLUMNS {
            let mut expr = (*column).to_owned();
            for (from, to) in SEPARATORS {
                expr = format!("REPLACE({expr}, '{from}', '{to}')");
            }
            db.execute_unprepared(&format!("UPDATE {table} SET {column} = {expr}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["successor_sealed", "successor_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("refresh_tokens")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("audit_events")
                    .drop_column("actor_kind")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
