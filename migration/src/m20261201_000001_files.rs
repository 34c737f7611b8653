//! Stored files: content-addressed blobs, the two-step uploads that bring them in, and the
//! attachments that link a clean blob to a report, an oversight finding, a remedial action or
//! an exemplary model.
//!
//! Invariants held here: one blob per SHA-256; a blob referenced by an attachment or an
//! upload cannot be deleted (the garbage collector relies on it); an upload's token is unique;
//! an attachment hangs on exactly one target and a file is attached to a target once; sizes
//! are positive.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

use crate::m20261127_000001_create_schema::{
    TableDef, created_at, enumeration, fk_cascade, fk_restrict, sort_key,
};
use crate::m20261130_000005_reviews::exactly_one;

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

const TARGETS: [&str; 4] = [
    "report_id",
    "finding_id",
    "remedial_action_id",
    "exemplar_id",
];

pub(crate) fn tables(backend: DatabaseBackend) -> Vec<TableDef> {
    vec![
        TableDef::new(
            "blobs",
            Table::create()
                .col(pk_uuid("id"))
                .col(string_len("sha256", 64))
                .col(big_integer("byte_size"))
                .col(string_len("content_type", 128))
                // Kept at least until then (an unexpired download link or upload names it).
                .col(timestamp_with_time_zone("retain_until"))
                .col(created_at())
                .check(Expr::col("byte_size").gte(0)),
        )
        .unique(&["sha256"])
        .index(&["retain_until"]),
        TableDef::new(
            "uploads",
            Table::create()
                .col(pk_uuid("id"))
                // SHA-256 of the secret in the upload URL; the secret itself is never stored.
                .col(string_len("token_hash", 64))
                .col(uuid_null("user_id"))
                .col(uuid_null("api_client_id"))
                .col(text("filename"))
                .col(string_len("content_type", 128))
                .col(big_integer("byte_size"))
                .col(string_len("sha256", 64))
                .col(enumeration("purpose"))
                .col(enumeration("status"))
                .col(uuid_null("blob_id"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("received_at"))
                .col(timestamp_with_time_zone_null("completed_at"))
                .col(created_at())
                .check(Expr::col("byte_size").gt(0))
                .check(
                    Expr::col("status")
                        .ne("COMPLETE")
                        .or(Expr::col("blob_id").is_not_null()),
                )
                .foreign_key(&mut fk_cascade("uploads", "user_id", "users"))
                .foreign_key(&mut fk_cascade("uploads", "api_client_id", "api_clients"))
                .foreign_key(&mut fk_restrict("uploads", "blob_id", "blobs")),
        )
        .unique(&["token_hash"])
        .index(&["expires_at"])
        .index(&["blob_id"]),
        TableDef::new(
            "attachments",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("blob_id"))
                .col(text("filename"))
                .col(string_len("content_type", 128))
                .col(big_integer("byte_size"))
                .col(enumeration("origin"))
                .col(uuid_null("report_id"))
                .col(uuid_null("finding_id"))
                .col(uuid_null("remedial_action_id"))
                .col(uuid_null("exemplar_id"))
                // The unit whose record it is: scope of reads and of the audit trail.
                .col(uuid("unit_id"))
                .col(uuid_null("attached_by_user_id"))
                .col(uuid_null("attached_by_client_id"))
                .col(sort_key(backend))
                .col(created_at())
                .check(exactly_one(&TARGETS))
                .foreign_key(&mut fk_restrict("attachments", "blob_id", "blobs"))
                .foreign_key(&mut fk_cascade("attachments", "report_id", "reports"))
                .foreign_key(&mut fk_cascade(
                    "attachments",
                    "finding_id",
                    "oversight_findings",
                ))
                .foreign_key(&mut fk_cascade(
                    "attachments",
                    "remedial_action_id",
                    "remedial_actions",
                ))
                .foreign_key(&mut fk_cascade("attachments", "exemplar_id", "exemplars"))
                .foreign_key(&mut fk_restrict("attachments", "unit_id", "units"))
                .foreign_key(&mut fk_restrict(
                    "attachments",
                    "attached_by_user_id",
                    "users",
                ))
                .foreign_key(&mut fk_restrict(
                    "attachments",
                    "attached_by_client_id",
                    "api_clients",
                )),
        )
        .unique(&["report_id", "blob_id"])
        .unique(&["finding_id", "blob_id"])
        .unique(&["remedial_action_id", "blob_id"])
        .unique(&["exemplar_id", "blob_id"])
        .index(&["blob_id"])
        .index(&["sort_key", "id"]),
    ]
}
