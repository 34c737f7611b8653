//! `oversight_findings`: what an oversight found at one of its targets (strength, limitation,
//! cause, lesson, violation).

use sea_orm::entity::prelude::*;

use crate::enums::FindingKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "oversight_findings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub oversight_id: Uuid,
    /// One of the oversight's targets.
    pub target_unit_id: Uuid,
    pub kind: FindingKind,
    #[sea_orm(column_type = "Text")]
    pub statement: String,
    /// The limitation or violation a cause explains.
    pub explains_id: Option<Uuid>,
    /// Amount involved in a violation, in đồng.
    pub amount_vnd: Option<i64>,
    /// Land involved in a violation, in m².
    pub land_m2: Option<f64>,
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::oversight::Entity",
        from = "Column::OversightId",
        to = "super::oversight::Column::Id",
        on_delete = "Cascade"
    )]
    Oversight,
}

impl ActiveModelBehavior for ActiveModel {}
