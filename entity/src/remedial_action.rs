//! `remedial_actions`: what the addressee does about a recommendation (biện pháp khắc phục),
//! with its owner, progress and evidence.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "remedial_actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub recommendation_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Who carries it out (a person or office of the addressee).
    #[sea_orm(column_type = "Text")]
    pub owner: String,
    /// Percentage, 0..=100.
    pub progress: i16,
    /// What proves it was done.
    #[sea_orm(column_type = "Text", nullable)]
    pub evidence: Option<String>,
    pub due_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::recommendation::Entity",
        from = "Column::RecommendationId",
        to = "super::recommendation::Column::Id",
        on_delete = "Cascade"
    )]
    Recommendation,
}

impl ActiveModelBehavior for ActiveModel {}
