//! `report_schedules`: what a plan requires to be reported, for which period, by when.

use sea_orm::entity::prelude::*;

use crate::enums::{Provenance, ReportKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "report_schedules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub kind: ReportKind,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub period_start: Date,
    pub period_end: Date,
    pub due_on: Date,
    /// Unit the reports go to.
    pub recipient_unit_id: Option<Uuid>,
    pub provenance: Provenance,
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
        from = "Column::RecipientUnitId",
        to = "super::unit::Column::Id"
    )]
    RecipientUnit,
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RecipientUnit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
