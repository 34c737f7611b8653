//! `plans`: a unit's plan for a period, optionally derived from a parent plan.

use sea_orm::entity::prelude::*;

use crate::enums::{PlanStatus, Provenance};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Plan number as written, e.g. `24-KH/BCĐ`.
    #[sea_orm(column_type = "Text", nullable)]
    pub number: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub issuing_unit_id: Uuid,
    /// Standing body (cơ quan thường trực).
    pub standing_unit_id: Option<Uuid>,
    pub parent_plan_id: Option<Uuid>,
    pub document_id: Option<Uuid>,
    pub period_start: Date,
    pub period_end: Date,
    pub status: PlanStatus,
    pub issued_on: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub motto: Option<String>,
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
        belongs_to = "super::unit::Entity",
        from = "Column::IssuingUnitId",
        to = "super::unit::Column::Id"
    )]
    IssuingUnit,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::StandingUnitId",
        to = "super::unit::Column::Id"
    )]
    StandingUnit,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentPlanId",
        to = "Column::Id"
    )]
    ParentPlan,
    #[sea_orm(
        belongs_to = "super::legal_document::Entity",
        from = "Column::DocumentId",
        to = "super::legal_document::Column::Id"
    )]
    Document,
}

impl Related<super::legal_document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
