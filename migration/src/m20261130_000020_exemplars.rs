//! The "Dân vận khéo" movement (content 5 of Plan 24-KH/BCĐ): a configurable catalogue of
//! `exemplar_criteria`, the register of `exemplars` (models, exemplary collectives and
//! individuals), their `exemplar_assessments` against the criteria and their
//! `exemplar_recognitions`.
//!
//! Invariants held here rather than in code:
//! - a criterion code is unique (`uq_exemplar_criteria_code`);
//! - an exemplar is assessed once per criterion (a reassessment replaces the row);
//! - an exemplar is recognised once per form and level;
//! - a recognised entry carries its recognition day; a retired one its day and reason, on or
//!   after its registration; a replication is never its own source;
//! - a recognition that overrides unmet mandatory criteria carries its reason.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

use crate::m20261127_000001_create_schema::{
    TableDef, created_at, enumeration, enumeration_null, fk_cascade, fk_restrict, sort_key,
    updated_at, version,
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

/// The tables of this migration, in creation order.
pub(crate) fn tables(backend: DatabaseBackend) -> Vec<TableDef> {
    vec![
        TableDef::new(
            "exemplar_criteria",
            Table::create()
                .col(pk_uuid("id"))
                .col(string_len("code", 64))
                .col(text("name"))
                .col(text_null("description"))
                // NULL: the criterion applies in every field.
                .col(enumeration_null("field"))
                .col(boolean("mandatory"))
                .col(boolean("active"))
                .col(created_at())
                .col(updated_at())
                .col(version()),
        )
        .unique(&["code"]),
        TableDef::new(
            "exemplars",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("unit_id"))
                .col(enumeration("kind"))
                .col(enumeration("field"))
                .col(text("name"))
                .col(text_null("description"))
                .col(date("registered_on"))
                .col(enumeration("status"))
                .col(date_null("recognised_on"))
                .col(date_null("retired_on"))
                .col(text_null("retire_reason"))
                .col(uuid_null("source_exemplar_id"))
                .col(uuid_null("author_id"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(
                    Expr::col("status")
                        .ne("RECOGNISED")
                        .or(Expr::col("recognised_on").is_not_null()),
                )
                .check(
                    Expr::col("status").ne("RETIRED").or(Expr::col("retired_on")
                        .is_not_null()
                        .and(Expr::col("retire_reason").is_not_null())),
                )
                .check(
                    Expr::col("retired_on")
                        .is_null()
                        .or(Expr::col("status").eq("RETIRED")),
                )
                .check(
                    Expr::col("retired_on")
                        .is_null()
                        .or(Expr::col("retired_on").gte(Expr::col("registered_on"))),
                )
                .check(
                    Expr::col("source_exemplar_id")
                        .is_null()
                        .or(Expr::col("source_exemplar_id").ne(Expr::col("id"))),
                )
                .foreign_key(&mut fk_restrict("exemplars", "unit_id", "units"))
                .foreign_key(&mut fk_restrict(
                    "exemplars",
                    "source_exemplar_id",
                    "exemplars",
                ))
                .foreign_key(&mut fk_restrict("exemplars", "author_id", "users")),
        )
        .index(&["unit_id"])
        .index(&["status"])
        .index(&["recognised_on", "retired_on"])
        .index(&["source_exemplar_id"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "exemplar_assessments",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("exemplar_id"))
                .col(uuid("criterion_id"))
                .col(boolean("met"))
                .col(text_null("note"))
                .col(date("assessed_on"))
                .col(uuid_null("assessor_id"))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .foreign_key(&mut fk_cascade(
                    "exemplar_assessments",
                    "exemplar_id",
                    "exemplars",
                ))
                .foreign_key(&mut fk_restrict(
                    "exemplar_assessments",
                    "criterion_id",
                    "exemplar_criteria",
                ))
                .foreign_key(&mut fk_restrict(
                    "exemplar_assessments",
                    "assessor_id",
                    "users",
                )),
        )
        .unique(&["exemplar_id", "criterion_id"])
        .index(&["criterion_id"]),
        TableDef::new(
            "exemplar_recognitions",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("exemplar_id"))
                .col(enumeration("form"))
                .col(enumeration("level"))
                .col(uuid("recognising_unit_id"))
                .col(uuid_null("decision_document_id"))
                .col(date("recognised_on"))
                .col(boolean("overridden"))
                .col(text_null("override_reason"))
                .col(uuid_null("author_id"))
                .col(created_at())
                .check(
                    Expr::col("overridden")
                        .eq(false)
                        .or(Expr::col("override_reason").is_not_null()),
                )
                .foreign_key(&mut fk_restrict(
                    "exemplar_recognitions",
                    "exemplar_id",
                    "exemplars",
                ))
                .foreign_key(&mut fk_restrict(
                    "exemplar_recognitions",
                    "recognising_unit_id",
                    "units",
                ))
                .foreign_key(&mut fk_restrict(
                    "exemplar_recognitions",
                    "decision_document_id",
                    "legal_documents",
                ))
                .foreign_key(&mut fk_restrict(
                    "exemplar_recognitions",
                    "author_id",
                    "users",
                )),
        )
        .unique(&["exemplar_id", "level", "form"])
        .index(&["recognising_unit_id"])
        .index(&["level", "recognised_on"]),
    ]
}
