//! `task_tallies`: how many tasks a plan has per content area, status and due day, kept by
//! database triggers in the same transaction as each change to a task (migration
//! `m20261130_000002_task_tallies`). Read only; never written by the API.

use sea_orm::entity::prelude::*;

use crate::TaskStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: Uuid,
    /// 1–7, or 0 for tasks without a content area.
    #[sea_orm(primary_key, auto_increment = false)]
    pub content_area: i16,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: TaskStatus,
    /// 9999-12-31 for tasks without a due day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub due_on: Date,
    /// Tasks with this key (0 once they all moved on).
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
