//! `plan_recipients`: units that must derive their own plan from a plan, by a date.

use sea_orm::entity::prelude::*;

use crate::enums::Provenance;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "plan_recipients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub unit_id: Uuid,
    /// Date by which the unit must issue its derived plan.
    pub derive_by: Option<Date>,
    /// The plan the unit derived, once it exists.
    pub derived_plan_id: Option<Uuid>,
    /// When subscribers were told the derived plan is overdue (told once, by one instance).
    pub overdue_notified_at: Option<DateTimeUtc>,
    pub provenance: Provenance,
    /// Provenance of single fields where they differ from `provenance`: a JSON object, field
    /// name (as the API spells it) → `Provenance`, e.g. `{"periodStart":"ASSUMED"}`.
    #[sea_orm(column_type = "Text", nullable)]
    pub field_provenance: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
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
        belongs_to = "super::plan::Entity",
        from = "Column::PlanId",
        to = "super::plan::Column::Id",
        on_delete = "Cascade"
    )]
    Plan,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id"
    )]
    Unit,
    #[sea_orm(
        belongs_to = "super::plan::Entity",
        from = "Column::DerivedPlanId",
        to = "super::plan::Column::Id",
        on_delete = "SetNull"
    )]
    DerivedPlan,
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
