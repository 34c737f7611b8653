//! Reviews (sơ kết, tổng kết, chuyên đề: content 7 of Plan 24-KH/BCĐ) and the lessons learnt
//! (bài học kinh nghiệm) recorded from reports, reviews and oversights.
//!
//! Invariants held here: one review of a kind per plan, unit and period; a review is held only
//! with its consolidated report attached and its day recorded; a lesson comes from exactly one
//! source.

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

/// Exactly one of `columns` is set.
pub(crate) fn exactly_one(columns: &[&'static str]) -> SimpleExpr {
    let mut sum: SimpleExpr = Expr::val(0);
    for c in columns {
        let set: SimpleExpr = Expr::case(Expr::col(*c).is_not_null(), 1).finally(0).into();
        sum = sum.add(set);
    }
    sum.eq(1)
}

pub(crate) fn tables(backend: DatabaseBackend) -> Vec<TableDef> {
    vec![
        TableDef::new(
            "reviews",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("plan_id"))
                .col(uuid("unit_id"))
                .col(uuid_null("schedule_id"))
                .col(enumeration("kind"))
                .col(text("title"))
                .col(date("period_start"))
                .col(date("period_end"))
                .col(date("due_on"))
                .col(enumeration("status"))
                .col(date_null("held_on"))
                .col(uuid_null("consolidated_report_id"))
                .col(date_null("due_notified_on"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(Expr::col("period_end").gte(Expr::col("period_start")))
                .check(
                    Expr::col("status").ne("HELD").or(Expr::col("held_on")
                        .is_not_null()
                        .and(Expr::col("consolidated_report_id").is_not_null())),
                )
                .foreign_key(&mut fk_restrict("reviews", "plan_id", "plans"))
                .foreign_key(&mut fk_restrict("reviews", "unit_id", "units"))
                .foreign_key(&mut fk_restrict(
                    "reviews",
                    "schedule_id",
                    "report_schedules",
                ))
                .foreign_key(&mut fk_restrict(
                    "reviews",
                    "consolidated_report_id",
                    "reports",
                )),
        )
        .unique(&["plan_id", "unit_id", "kind", "period_start", "period_end"])
        .index(&["unit_id"])
        .index(&["status", "due_on"])
        .index(&["sort_key", "id"]),
        TableDef::new(
            "lessons",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("unit_id"))
                .col(uuid_null("report_id"))
                .col(uuid_null("review_id"))
                .col(uuid_null("oversight_id"))
                .col(text("content"))
                .col(uuid_null("author_id"))
                .col(text("search_text"))
                .col(sort_key(backend))
                .col(created_at())
                .col(updated_at())
                .col(version())
                .check(exactly_one(&["report_id", "review_id", "oversight_id"]))
                .foreign_key(&mut fk_restrict("lessons", "unit_id", "units"))
                .foreign_key(&mut fk_cascade("lessons", "report_id", "reports"))
                .foreign_key(&mut fk_cascade("lessons", "review_id", "reviews"))
                .foreign_key(&mut fk_cascade("lessons", "oversight_id", "oversights"))
                .foreign_key(&mut fk_restrict("lessons", "author_id", "users")),
        )
        .index(&["unit_id"])
        .index(&["sort_key", "id"]),
    ]
}
