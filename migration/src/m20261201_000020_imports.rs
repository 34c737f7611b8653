//! Imports of tables (units, tasks, assignments, indicator values) from uploaded files: the
//! validated file's counts and its row errors, kept for the dry run and the apply that follows.
//!
//! Invariants held here: counts are never negative and valid plus error rows never exceed the
//! total; an applied import has its time and its count of changed rows; row errors go with
//! their import.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

use crate::m20261127_000001_create_schema::{
    TableDef, created_at, enumeration, fk_cascade, fk_restrict, sort_key, updated_at, version,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables(manager.get_database_backend()) {
            manager.create_table(table.create).await?;
            for index in table.indexes {
                manager.create_index(index).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables(manager.get_database_backend()).iter().rev() {
            manager
                .drop_table(Table::drop().table(table.name).to_owned())
                .await?;
        }
        Ok(())
    }
}

pub(crate) fn tables(backend: DatabaseBackend) -> Vec<TableDef> {
    vec![
        TableDef::new(
            "imports",
            Table::create()
                .col(pk_uuid("id"))
                .col(enumeration("kind"))
                .col(enumeration("status"))
                .col(uuid_null("plan_id"))
                // The upload the rows are read from (again when applied).
                .col(uuid("upload_id"))
                .col(text("filename"))
                .col(uuid_null("user_id"))
                .col(uuid_null("api_client_id"))
                .col(integer("total_rows"))
                .col(integer("valid_rows"))
                .col(integer("error_rows"))
                .col(integer_null("changed_rows"))
                .col(timestamp_with_time_zone_null("applied_at"))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(
                    Expr::col("valid_rows")
                        .gte(0)
                        .and(Expr::col("error_rows").gte(0))
                        .and(
                            Expr::col("valid_rows")
                                .add(Expr::col("error_rows"))
                                .lte(Expr::col("total_rows")),
                        ),
                )
                .check(
                    Expr::col("status").ne("APPLIED").or(Expr::col("applied_at")
                        .is_not_null()
                        .and(Expr::col("changed_rows").is_not_null())),
                )
                .foreign_key(&mut fk_restrict("imports", "plan_id", "plans"))
                .foreign_key(&mut fk_cascade("imports", "user_id", "users"))
                .foreign_key(&mut fk_cascade("imports", "api_client_id", "api_clients")),
        )
        .index(&["user_id"])
        .index(&["api_client_id"]),
        TableDef::new(
            "import_errors",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("import_id"))
                // Row as the spreadsheet numbers it (the header is row 1); 0 for the whole file.
                .col(integer("row_number"))
                .col(text("field"))
                .col(enumeration("code"))
                .col(text("message"))
                .col(sort_key(backend))
                .foreign_key(&mut fk_cascade("import_errors", "import_id", "imports")),
        )
        .index(&["import_id", "sort_key", "id"]),
    ]
}
