//! An index on the order every task list uses (`sort_key`, then `id`).
//!
//! A search across plans sorted this way had to read and sort every matching task before it
//! could return the first page; with the index, the database walks tasks in order and stops
//! after a page of matches, which is what keeps a search as fast over a million tasks as over
//! two thousand.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ORDER_INDEX: &str = "idx_tasks_sort_key_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(ORDER_INDEX)
                    .table("tasks")
                    .col("sort_key")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(ORDER_INDEX).table("tasks").to_owned())
            .await
    }
}
