//! `imports`: a table file validated for import (the dry run), and whether it was applied.

use sea_orm::entity::prelude::*;

use crate::enums::{ImportKind, ImportStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: ImportKind,
    pub status: ImportStatus,
    pub plan_id: Option<Uuid>,
    pub upload_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub filename: String,
    pub user_id: Option<Uuid>,
    pub api_client_id: Option<Uuid>,
    pub total_rows: i32,
    pub valid_rows: i32,
    pub error_rows: i32,
    /// Rows the apply wrote (created or changed); unchanged rows are not counted.
    pub changed_rows: Option<i32>,
    pub applied_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
