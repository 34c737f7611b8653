//! `assignments`: a task given to a unit, as lead (chủ trì) or coordinating (phối hợp).

use sea_orm::entity::prelude::*;

use crate::enums::{AssignmentRole, AssignmentStatus, Provenance};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub task_id: Uuid,
    pub unit_id: Uuid,
    pub role: AssignmentRole,
    pub due_on: Option<Date>,
    pub status: AssignmentStatus,
    /// Percentage, 0..=100.
    pub progress: i16,
    pub provenance: Provenance,
    /// Provenance of single fields where they differ from `provenance`: a JSON object, field
    /// name (as the API spells it) → `Provenance`, e.g. `{"periodStart":"ASSUMED"}`.
    #[sea_orm(column_type = "Text", nullable)]
    pub field_provenance: Option<String>,
    /// The row this one was rerouted from when its unit was reorganised.
    pub rerouted_from_id: Option<Uuid>,
    /// The row that took over when this one's unit was reorganised.
    pub rerouted_to_id: Option<Uuid>,
    /// Day a rerouted row starts counting for its unit.
    pub active_from: Option<Date>,
    /// Day this row stopped counting because it was rerouted.
    pub rerouted_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::task::Entity",
        from = "Column::TaskId",
        to = "super::task::Column::Id",
        on_delete = "Cascade"
    )]
    Task,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id"
    )]
    Unit,
}

impl Related<super::task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Task.def()
    }
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
