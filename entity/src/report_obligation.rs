//! `report_obligations`: one expected report per (schedule, reporting unit).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "report_obligations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub schedule_id: Uuid,
    pub unit_id: Uuid,
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
        belongs_to = "super::report_schedule::Entity",
        from = "Column::ScheduleId",
        to = "super::report_schedule::Column::Id",
        on_delete = "Cascade"
    )]
    Schedule,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id"
    )]
    Unit,
}

impl Related<super::report_schedule::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Schedule.def()
    }
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
