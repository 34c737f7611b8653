//! `reviews`: a six-month (sơ kết), final (tổng kết) or thematic review a unit holds of a plan
//! for a period, held once its consolidated report is attached.

use sea_orm::entity::prelude::*;

use crate::enums::{ReviewKind, ReviewStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    /// The unit that holds it.
    pub unit_id: Uuid,
    /// The report schedule whose reports it consolidates.
    pub schedule_id: Option<Uuid>,
    pub kind: ReviewKind,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub period_start: Date,
    pub period_end: Date,
    /// The day by which it is to be held.
    pub due_on: Date,
    pub status: ReviewStatus,
    pub held_on: Option<Date>,
    /// The consolidated report (báo cáo sơ kết, tổng kết) of the matching kind.
    pub consolidated_report_id: Option<Uuid>,
    /// The due day a "review due" notice was sent for.
    pub due_notified_on: Option<Date>,
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
