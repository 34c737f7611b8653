//! `exemplar_assessments`: whether an entry meets one criterion (one row per entry and
//! criterion; a reassessment replaces it, the audit log keeps the earlier verdicts).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "exemplar_assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub exemplar_id: Uuid,
    pub criterion_id: Uuid,
    pub met: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub assessed_on: Date,
    pub assessor_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::exemplar::Entity",
        from = "Column::ExemplarId",
        to = "super::exemplar::Column::Id",
        on_delete = "Cascade"
    )]
    Exemplar,
}

impl ActiveModelBehavior for ActiveModel {}
