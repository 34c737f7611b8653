//! The legal basis registry: the provision a relation touches, a document's own status apart
//! from the one its relations derive, and an index to list documents by status.
//!
//! One change per `ALTER TABLE`: sea-query's SQLite backend refuses several at once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATUS_INDEX: &str = "idx_legal_documents_status";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("document_relations")
                    .add_column(text_null("provision"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("legal_documents")
                    .add_column(string_len("base_status", 32).default("UNKNOWN").to_owned())
                    .to_owned(),
            )
            .await?;
        // Until now the stored status was entered by hand: it becomes the base status.
        manager
            .exec_stmt(
                Query::update()
                    .table("legal_documents")
                    .value("base_status", Expr::col("status"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(STATUS_INDEX)
                    .table("legal_documents")
                    .col("status")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(STATUS_INDEX)
                    .table("legal_documents")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("legal_documents")
                    .drop_column("base_status")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("document_relations")
                    .drop_column("provision")
                    .to_owned(),
            )
            .await
    }
}
