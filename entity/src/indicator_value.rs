//! `indicator_values`: the value of an indicator a report states.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "indicator_values")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub report_id: Uuid,
    pub indicator_id: Uuid,
    pub value: f64,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::report::Entity",
        from = "Column::ReportId",
        to = "super::report::Column::Id",
        on_delete = "Cascade"
    )]
    Report,
    #[sea_orm(
        belongs_to = "super::indicator::Entity",
        from = "Column::IndicatorId",
        to = "super::indicator::Column::Id"
    )]
    Indicator,
}

impl Related<super::report::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Report.def()
    }
}

impl Related<super::indicator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Indicator.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
