//! `sign_in_throttle`: the sign-in throttle's counts, shared by every instance on PostgreSQL
//! (`api/src/auth/throttle.rs`). One row per source of attempts (`pair|<address>|<account>` or
//! `address|<address>`) with the time, in microseconds since 1970 on the database's clock, at
//! which its count is back to zero; rows past that time are swept. SQLite, served by one
//! instance, keeps the counts in the process and leaves the table empty.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("sign_in_throttle")
                    .col(ColumnDef::new("key").text().not_null().primary_key())
                    .col(ColumnDef::new("tat_us").big_integer().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("sign_in_throttle").to_owned())
            .await
    }
}
