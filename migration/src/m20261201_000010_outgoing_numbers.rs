//! Official documents (issue 14, part 4): the outgoing number of a report, registered as a
//! legal-registry document. One number per report, one report per registry document; the
//! registry's own unique key keeps a number from being used twice.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_schema::{
    TableDef, created_at, enumeration, enumeration_null, fk_cascade, fk_restrict,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table.create).await?;
            for index in table.indexes {
                manager.create_index(index).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables().iter().rev() {
            manager
                .drop_table(Table::drop().table(table.name).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn tables() -> Vec<TableDef> {
    vec![
        TableDef::new(
            "outgoing_numbers",
            Table::create()
                .col(pk_uuid("id"))
                .col(uuid("report_id"))
                .col(uuid("document_id"))
                .col(enumeration("profile"))
                .col(enumeration_null("signer_authority"))
                .col(text_null("signer_on_behalf_of"))
                .col(text_null("signer_position"))
                .col(text_null("signer_name"))
                .col(uuid_null("created_by"))
                .col(created_at())
                .foreign_key(&mut fk_cascade("outgoing_numbers", "report_id", "reports"))
                .foreign_key(&mut fk_restrict(
                    "outgoing_numbers",
                    "document_id",
                    "legal_documents",
                ))
                .foreign_key(&mut fk_restrict("outgoing_numbers", "created_by", "users")),
        )
        .unique(&["report_id"])
        .unique(&["document_id"]),
    ]
}
