//! `recommendations`: what an oversight asks a unit to remedy (kiến nghị), by a due date.

use sea_orm::entity::prelude::*;

use crate::enums::RecommendationStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "recommendations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub oversight_id: Uuid,
    /// The finding it answers, if one.
    pub finding_id: Option<Uuid>,
    /// The unit that must remedy.
    pub addressee_unit_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub statement: String,
    pub due_on: Date,
    pub status: RecommendationStatus,
    /// The addressee's answer (required to dispute).
    #[sea_orm(column_type = "Text", nullable)]
    pub response: Option<String>,
    /// The conducting side's reason to reopen or waive.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub reopen_count: i32,
    /// When the oversight's conclusion issued it to the addressee (null while a draft).
    pub issued_at: Option<DateTimeUtc>,
    pub reported_done_at: Option<DateTimeUtc>,
    /// When it was verified or waived.
    pub settled_at: Option<DateTimeUtc>,
    /// The due date a "due soon" notice was sent for (once per due date).
    pub due_soon_notified_on: Option<Date>,
    /// The due date an "overdue" notice was sent for (once per due date).
    pub overdue_notified_on: Option<Date>,
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
        belongs_to = "super::oversight::Entity",
        from = "Column::OversightId",
        to = "super::oversight::Column::Id"
    )]
    Oversight,
}

impl ActiveModelBehavior for ActiveModel {}
