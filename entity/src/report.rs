//! `reports`: what a unit sends for a plan and a period; approved reports are
//! immutable, corrections are new revisions linked by `previous_id`.

use sea_orm::entity::prelude::*;

use crate::enums::{ReportKind, ReportStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Reporting unit.
    pub unit_id: Uuid,
    pub recipient_unit_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub schedule_id: Option<Uuid>,
    pub obligation_id: Option<Uuid>,
    pub kind: ReportKind,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub period_start: Date,
    pub period_end: Date,
    pub status: ReportStatus,
    pub revision: i32,
    pub previous_id: Option<Uuid>,
    /// Results achieved (kết quả).
    #[sea_orm(column_type = "Text", nullable)]
    pub results: Option<String>,
    /// Limitations (hạn chế).
    #[sea_orm(column_type = "Text", nullable)]
    pub limitations: Option<String>,
    /// Causes (nguyên nhân).
    #[sea_orm(column_type = "Text", nullable)]
    pub causes: Option<String>,
    /// Lessons learnt (bài học kinh nghiệm).
    #[sea_orm(column_type = "Text", nullable)]
    pub lessons: Option<String>,
    /// Next steps (phương hướng, nhiệm vụ).
    #[sea_orm(column_type = "Text", nullable)]
    pub next_steps: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_comment: Option<String>,
    pub author_id: Option<Uuid>,
    pub submitted_at: Option<DateTimeUtc>,
    pub first_submitted_at: Option<DateTimeUtc>,
    pub approved_at: Option<DateTimeUtc>,
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
        from = "Column::UnitId",
        to = "super::unit::Column::Id"
    )]
    Unit,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::RecipientUnitId",
        to = "super::unit::Column::Id"
    )]
    RecipientUnit,
    #[sea_orm(
        belongs_to = "super::plan::Entity",
        from = "Column::PlanId",
        to = "super::plan::Column::Id"
    )]
    Plan,
    #[sea_orm(
        belongs_to = "super::report_schedule::Entity",
        from = "Column::ScheduleId",
        to = "super::report_schedule::Column::Id"
    )]
    Schedule,
    #[sea_orm(
        belongs_to = "super::report_obligation::Entity",
        from = "Column::ObligationId",
        to = "super::report_obligation::Column::Id"
    )]
    Obligation,
    #[sea_orm(belongs_to = "Entity", from = "Column::PreviousId", to = "Column::Id")]
    Previous,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::AuthorId",
        to = "super::user::Column::Id"
    )]
    Author,
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl Related<super::report_schedule::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Schedule.def()
    }
}

impl Related<super::report_obligation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Obligation.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
