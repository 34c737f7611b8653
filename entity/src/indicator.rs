//! `indicators`: the catalogue of measured quantities and how they aggregate.

use sea_orm::entity::prelude::*;

use crate::enums::{Aggregation, Measure, Provenance};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "indicators")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text", unique)]
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub measure: Measure,
    pub aggregation: Aggregation,
    /// For `RATIO`: code of the indicator summed as numerator.
    #[sea_orm(column_type = "Text", nullable)]
    pub numerator_code: Option<String>,
    /// For `RATIO`: code of the indicator summed as denominator.
    #[sea_orm(column_type = "Text", nullable)]
    pub denominator_code: Option<String>,
    /// Key content of the plan, 1..=7.
    pub content_area: Option<i16>,
    pub provenance: Provenance,
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    #[sea_orm(column_type = "Text")]
    pub sort_key: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
