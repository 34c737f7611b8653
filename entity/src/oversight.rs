//! `oversights`: an inspection or supervision (cuộc kiểm tra, giám sát) a unit conducts, with
//! its documents, dates and status.

use sea_orm::entity::prelude::*;

use crate::enums::{OversightCadence, OversightKind, OversightStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "oversights")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The unit that inspects or supervises.
    pub conducting_unit_id: Uuid,
    pub plan_id: Option<Uuid>,
    /// The plan's task this oversight carries out (content 6).
    pub task_id: Option<Uuid>,
    /// The oversight plan (kế hoạch kiểm tra, giám sát), e.g. `30-KH/BCĐ`.
    pub programme_document_id: Option<Uuid>,
    pub kind: OversightKind,
    pub cadence: OversightCadence,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub subject: Option<String>,
    pub decision_document_id: Option<Uuid>,
    pub conclusion_document_id: Option<Uuid>,
    pub planned_start: Date,
    pub planned_end: Date,
    pub started_on: Option<Date>,
    pub concluded_on: Option<Date>,
    pub status: OversightStatus,
    /// Why it was cancelled or last reopened.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
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
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::ConductingUnitId",
        to = "super::unit::Column::Id"
    )]
    ConductingUnit,
}

impl ActiveModelBehavior for ActiveModel {}
