//! `audit_events.client_address`: the address the change or sign-in came from, as text
//! (`203.0.113.7`, `2001:db8::1`). Behind a trusted reverse proxy it is the address the proxy
//! names, not the proxy's (`api/src/http/client_address.rs`). Null for the command line and for
//! events recorded before this migration.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("audit_events")
                    .add_column(ColumnDef::new("client_address").text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("audit_events")
                    .drop_column("client_address")
                    .to_owned(),
            )
            .await
    }
}
