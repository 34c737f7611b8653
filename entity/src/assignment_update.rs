//! `assignment_updates`: the append-only progress log of an assignment.

use sea_orm::entity::prelude::*;

use crate::enums::AssignmentStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assignment_updates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assignment_id: Uuid,
    pub author_id: Option<Uuid>,
    /// Status of the assignment after this update.
    pub status: AssignmentStatus,
    /// Progress in percent after this update (0–100).
    pub progress: i16,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::assignment::Entity",
        from = "Column::AssignmentId",
        to = "super::assignment::Column::Id",
        on_delete = "Cascade"
    )]
    Assignment,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::AuthorId",
        to = "super::user::Column::Id"
    )]
    Author,
}

impl ActiveModelBehavior for ActiveModel {}
