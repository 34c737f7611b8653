//! Provenance per field, for records that mix sources (a unit named by the article whose full
//! name comes from research; a plan whose period is assumed), and the provenance of document
//! relations, which the seed carried but no column kept (`docs/seed-format.md`).
//!
//! `field_provenance` is a JSON object, field name → `Provenance` (`{"periodStart":"ASSUMED"}`),
//! kept as text so both databases store it alike; null means every field has the record's own
//! provenance. One `ALTER` per statement: SQLite's backend refuses multi-option alters.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 6] = [
    "units",
    "plans",
    "plan_recipients",
    "tasks",
    "assignments",
    "document_relations",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(ColumnDef::new(Alias::new("field_provenance")).text().null())
                        .to_owned(),
                )
                .await?;
        }
        // Relations recorded before this migration came from the API or an earlier seed run;
        // which one is not known, so they read as entered through the API.
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("document_relations"))
                    .add_column(
                        ColumnDef::new(Alias::new("provenance"))
                            .string_len(32)
                            .not_null()
                            .default("USER"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("document_relations"))
                    .drop_column(Alias::new("provenance"))
                    .to_owned(),
            )
            .await?;
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("field_provenance"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
