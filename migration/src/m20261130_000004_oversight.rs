//! Inspection and supervision (kiểm tra, giám sát: content 6 of Plan 24-KH/BCĐ) with its
//! follow-up: `oversights`, their `oversight_targets`, the `oversight_findings` per target,
//! the `recommendations` they issue and the `remedial_actions` that answer them.
//!
//! Invariants held here rather than in code:
//! - a unit is a target of one oversight once (`uq_oversight_targets_oversight_id_unit_id`);
//! - a finding is about one of its oversight's targets (composite foreign key to the targets);
//! - a cause (nguyên nhân) is the only finding that explains another; amounts in đồng and land
//!   in m² belong to violations alone and are never negative;
//! - a cancelled oversight, a disputed or waived recommendation carry their reason;
//! - remedial progress is a percentage, `0..=100`.
//!
//! A recommendation is recorded while its oversight is under way and issued (`issued_at`) when
//! the oversight concludes: only then does its addressee see it.

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

/// `column` holds `value`.
fn is(column: &'static str, value: &'static str) -> SimpleExpr {
    Expr::col(column).eq(value)
}

/// The tables of this migration, in creation order.
pub(crate) fn tables(backend: DatabaseBackend) -> Vec<TableDef> {
    vec![
        TableDef::new(
            "oversights",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("conducting_unit_id"))
                .col(uuid_null("plan_id"))
                .col(uuid_null("task_id"))
                .col(uuid_null("programme_document_id"))
                .col(enumeration("kind"))
                .col(enumeration("cadence"))
                .col(text("title"))
                .col(text_null("subject"))
                .col(uuid_null("decision_document_id"))
                .col(uuid_null("conclusion_document_id"))
                .col(date("planned_start"))
                .col(date("planned_end"))
                .col(date_null("started_on"))
                .col(date_null("concluded_on"))
                .col(enumeration("status"))
                .col(text_null("reason"))
                .col(uuid_null("author_id"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(Expr::col("planned_end").gte(Expr::col("planned_start")))
                .check(
                    Expr::col("status")
                        .ne("CANCELLED")
                        .or(Expr::col("reason").is_not_null()),
                )
                .foreign_key(&mut fk_restrict(
                    "oversights",
                    "conducting_unit_id",
                    "units",
                ))
                .foreign_key(&mut fk_restrict("oversights", "plan_id", "plans"))
                .foreign_key(&mut fk_restrict("oversights", "task_id", "tasks"))
                .foreign_key(&mut fk_restrict(
                    "oversights",
                    "programme_document_id",
                    "legal_documents",
                ))
                .foreign_key(&mut fk_restrict(
                    "oversights",
                    "decision_document_id",
                    "legal_documents",
                ))
                .foreign_key(&mut fk_restrict(
                    "oversights",
                    "conclusion_document_id",
                    "legal_documents",
                ))
                .foreign_key(&mut fk_restrict("oversights", "author_id", "users")),
        )
        .index(&["conducting_unit_id"])
        .index(&["status"])
        .index(&["planned_start", "planned_end"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "oversight_targets",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("oversight_id"))
                .col(uuid("unit_id"))
                .col(created_at())
                .foreign_key(&mut fk_cascade(
                    "oversight_targets",
                    "oversight_id",
                    "oversights",
                ))
                .foreign_key(&mut fk_restrict("oversight_targets", "unit_id", "units")),
        )
        .unique(&["oversight_id", "unit_id"])
        .index(&["unit_id"]),
        TableDef::new(
            "oversight_findings",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("oversight_id"))
                .col(uuid("target_unit_id"))
                .col(enumeration("kind"))
                .col(text("statement"))
                .col(uuid_null("explains_id"))
                .col(big_integer_null("amount_vnd"))
                .col(double_null("land_m2"))
                .col(text("search_text"))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(Expr::col("explains_id").is_null().or(is("kind", "CAUSE")))
                .check(
                    Expr::col("amount_vnd")
                        .is_null()
                        .and(Expr::col("land_m2").is_null())
                        .or(is("kind", "VIOLATION")),
                )
                .check(
                    Expr::col("amount_vnd")
                        .is_null()
                        .or(Expr::col("amount_vnd").gte(0)),
                )
                .check(
                    Expr::col("land_m2")
                        .is_null()
                        .or(Expr::col("land_m2").gte(0)),
                )
                .foreign_key(&mut fk_cascade(
                    "oversight_findings",
                    "oversight_id",
                    "oversights",
                ))
                .foreign_key(
                    // A finding is about a target of its own oversight.
                    ForeignKey::create()
                        .name("fk_oversight_findings_target")
                        .from("oversight_findings", ("oversight_id", "target_unit_id"))
                        .to("oversight_targets", ("oversight_id", "unit_id"))
                        .on_delete(ForeignKeyAction::NoAction),
                )
                .foreign_key(&mut fk_restrict(
                    "oversight_findings",
                    "explains_id",
                    "oversight_findings",
                )),
        )
        .index(&["oversight_id", "target_unit_id"])
        .index(&["explains_id"]),
        TableDef::new(
            "recommendations",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("oversight_id"))
                .col(uuid_null("finding_id"))
                .col(uuid("addressee_unit_id"))
                .col(text("statement"))
                .col(date("due_on"))
                .col(enumeration("status"))
                .col(text_null("response"))
                .col(text_null("reason"))
                .col(integer("reopen_count").default(0))
                .col(timestamp_with_time_zone_null("issued_at"))
                .col(timestamp_with_time_zone_null("reported_done_at"))
                .col(timestamp_with_time_zone_null("settled_at"))
                .col(date_null("due_soon_notified_on"))
                .col(date_null("overdue_notified_on"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(Expr::col("reopen_count").gte(0))
                .check(
                    Expr::col("status")
                        .ne("WAIVED")
                        .or(Expr::col("reason").is_not_null()),
                )
                .check(
                    Expr::col("status")
                        .ne("DISPUTED")
                        .or(Expr::col("response").is_not_null()),
                )
                .foreign_key(&mut fk_restrict(
                    "recommendations",
                    "oversight_id",
                    "oversights",
                ))
                .foreign_key(&mut fk_restrict(
                    "recommendations",
                    "finding_id",
                    "oversight_findings",
                ))
                .foreign_key(&mut fk_restrict(
                    "recommendations",
                    "addressee_unit_id",
                    "units",
                )),
        )
        .index(&["oversight_id"])
        .index(&["addressee_unit_id"])
        .index(&["status", "due_on"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "remedial_actions",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("recommendation_id"))
                .col(text("description"))
                .col(text("owner"))
                .col(small_integer("progress").default(0))
                .col(text_null("evidence"))
                .col(date_null("due_on"))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(Expr::col("progress").between(0, 100))
                .foreign_key(&mut fk_cascade(
                    "remedial_actions",
                    "recommendation_id",
                    "recommendations",
                )),
        )
        .index(&["recommendation_id"]),
    ]
}
