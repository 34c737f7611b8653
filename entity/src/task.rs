//! `tasks`: nodes of a plan's task tree; a derived task links to the task it implements.

use sea_orm::entity::prelude::*;

use crate::enums::{Provenance, TaskStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub parent_id: Option<Uuid>,
    /// Code unique within the plan, e.g. `1.2`.
    #[sea_orm(column_type = "Text")]
    pub code: String,
    /// Order among siblings.
    pub position: i32,
    /// Key content of the plan, 1..=7.
    pub content_area: Option<i16>,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub due_on: Option<Date>,
    pub status: TaskStatus,
    /// Percentage, 0..=100.
    pub progress: i16,
    pub derived_from_task_id: Option<Uuid>,
    pub provenance: Provenance,
    /// Provenance of single fields where they differ from `provenance`: a JSON object, field
    /// name (as the API spells it) → `Provenance`, e.g. `{"periodStart":"ASSUMED"}`.
    #[sea_orm(column_type = "Text", nullable)]
    pub field_provenance: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    #[sea_orm(column_type = "Text")]
    pub sort_key: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::plan::Entity",
        from = "Column::PlanId",
        to = "super::plan::Column::Id",
        on_delete = "Cascade"
    )]
    Plan,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Cascade"
    )]
    Parent,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::DerivedFromTaskId",
        to = "Column::Id",
        on_delete = "SetNull"
    )]
    DerivedFromTask,
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
