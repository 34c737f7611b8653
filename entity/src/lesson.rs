//! `lessons`: a lesson learnt (bài học kinh nghiệm) recorded from one report, review or
//! oversight.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "lessons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The unit of its source (the report's unit, the review's, the conducting unit).
    pub unit_id: Uuid,
    pub report_id: Option<Uuid>,
    pub review_id: Option<Uuid>,
    pub oversight_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub author_id: Option<Uuid>,
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
