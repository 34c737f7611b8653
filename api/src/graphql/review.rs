//! Reviews (sơ kết, tổng kết, chuyên đề) and lessons learnt: types, queries and mutations.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{lesson, review as db};

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::{ReviewKind, ReviewStatus},
    id::{self, NodeType},
    loaders::failed,
    plan::Plan,
    report::Report,
    unit::{self, Unit},
};
use crate::{
    domain::reviews::{self, LessonSource, ReviewStep},
    error::{AppError, AppResult},
};

/// A review (hội nghị sơ kết, tổng kết, chuyên đề) a unit holds of a plan for a period: content 7
/// of Plan 24-KH/BCĐ. It can be marked held only once the consolidated report of the matching
/// kind, covering the period, is attached.
pub struct Review(pub db::Model);

connection!(
    ReviewConnection,
    ReviewEdge,
    Review,
    "A page of reviews.",
    "A review in a page, with its cursor."
);

/// A review (hội nghị sơ kết, tổng kết, chuyên đề) a unit holds of a plan for a period: content 7
/// of Plan 24-KH/BCĐ. It can be marked held only once the consolidated report of the matching
/// kind, covering the period, is attached.
#[Object]
impl Review {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Review, self.0.id)
    }
    /// Preliminary, final or thematic.
    async fn kind(&self) -> ReviewKind {
        self.0.kind.into()
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// First day of the period reviewed.
    async fn period_start(&self) -> NaiveDate {
        self.0.period_start
    }
    /// Last day of the period reviewed.
    async fn period_end(&self) -> NaiveDate {
        self.0.period_end
    }
    /// The day by which it is to be held.
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }
    /// Planned or held.
    async fn status(&self) -> ReviewStatus {
        self.0.status.into()
    }
    /// The day it was held.
    async fn held_on(&self) -> Option<NaiveDate> {
        self.0.held_on
    }
    /// Not held and past its due day, on the province's calendar.
    async fn is_overdue(&self, ctx: &Context<'_>) -> bool {
        self.0.status == entity::ReviewStatus::Planned && self.0.due_on < ctx.today()
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The unit that holds it.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// The plan reviewed.
    async fn plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        Ok(ctx
            .loaders()
            .plans
            .load_one(self.0.plan_id)
            .await
            .map_err(failed)?
            .map(Plan))
    }
    /// The consolidated report, when attached and visible to you.
    async fn consolidated_report(&self, ctx: &Context<'_>) -> AppResult<Option<Report>> {
        let Some(id) = self.0.consolidated_report_id else {
            return Ok(None);
        };
        Ok(crate::domain::reports::get(ctx.db(), ctx.caller()?, id)
            .await?
            .map(Report))
    }
}

/// A lesson learnt (bài học kinh nghiệm) from a report, review or oversight.
pub struct Lesson(pub lesson::Model);

connection!(
    LessonConnection,
    LessonEdge,
    Lesson,
    "A page of lessons.",
    "A lesson in a page, with its cursor."
);

/// A lesson learnt (bài học kinh nghiệm) from a report, review or oversight.
#[Object]
impl Lesson {
    /// Opaque global id.
    async fn id(&self) -> ID {
        id::encode(NodeType::Lesson, self.0.id)
    }
    /// The lesson.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// The unit of its source.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// Global id of the report, review or oversight it was recorded from.
    async fn source_id(&self) -> ID {
        match (self.0.report_id, self.0.review_id, self.0.oversight_id) {
            (Some(r), _, _) => id::encode(NodeType::Report, r),
            (_, Some(r), _) => id::encode(NodeType::Review, r),
            (_, _, Some(o)) => id::encode(NodeType::Oversight, o),
            // The database holds exactly one source (a CHECK).
            _ => id::encode(NodeType::Lesson, self.0.id),
        }
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Filters for `reviews`.
#[derive(InputObject, Default)]
pub struct ReviewFilter {
    /// Held by a unit of this unit's subtree.
    pub unit: Option<ID>,
    /// Of this plan.
    pub plan: Option<ID>,
    /// Only these kinds. At most 1,000 items.
    pub kinds: Option<Vec<ReviewKind>>,
    /// Only these statuses. At most 1,000 items.
    pub statuses: Option<Vec<ReviewStatus>>,
    /// Only overdue ones (true) or only those not overdue (false).
    pub overdue: Option<bool>,
    /// Words of the title; case and diacritics are ignored.
    pub search: Option<String>,
    /// Only records changed at or after this time (server clock).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Filters for `lessons`.
#[derive(InputObject, Default)]
pub struct LessonFilter {
    /// Of units in this unit's subtree.
    pub unit: Option<ID>,
    /// Words of the lesson; case and diacritics are ignored ("bai hoc" finds "bài học").
    pub search: Option<String>,
}

#[derive(Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// Reviews held by units in your scope, latest period first.
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Conditions every returned review meets.")] filter: Option<ReviewFilter>,
    ) -> AppResult<ReviewConnection> {
        let f = filter.unwrap_or_default();
        let filter = reviews::ReviewFilter {
            unit: id::decode_opt("filter.unit", NodeType::Unit, f.unit.as_ref())?,
            plan: id::decode_opt("filter.plan", NodeType::Plan, f.plan.as_ref())?,
            kinds: f.kinds.map(|v| v.into_iter().map(Into::into).collect()),
            statuses: f.statuses.map(|v| v.into_iter().map(Into::into).collect()),
            overdue: f.overdue,
            search: f.search,
            updated_since: f.updated_since,
        };
        let page = reviews::list(
            ctx.db(),
            ctx.caller()?,
            &filter,
            &page_args(first, after, None, None),
            wants_total(ctx),
        )
        .await?;
        Ok(ReviewConnection::from_page(page, Review))
    }

    /// Lessons learnt by units in your scope, newest first.
    async fn lessons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Conditions every returned lesson meets.")] filter: Option<LessonFilter>,
    ) -> AppResult<LessonConnection> {
        let f = filter.unwrap_or_default();
        let filter = reviews::LessonFilter {
            unit: id::decode_opt("filter.unit", NodeType::Unit, f.unit.as_ref())?,
            search: f.search,
        };
        let page = reviews::lessons(
            ctx.db(),
            ctx.caller()?,
            &filter,
            &page_args(first, after, None, None),
            wants_total(ctx),
        )
        .await?;
        Ok(LessonConnection::from_page(page, Lesson))
    }
}

/// A review to schedule.
#[derive(InputObject)]
pub struct ScheduleReviewInput {
    /// A plan the unit carries out.
    pub plan_id: ID,
    /// The unit that holds it; ADMIN, STEERING or UNIT_MANAGER over it.
    pub unit_id: ID,
    /// Preliminary, final or thematic.
    pub kind: ReviewKind,
    /// Title.
    pub title: String,
    /// First day of the period reviewed.
    pub period_start: NaiveDate,
    /// Last day of the period reviewed.
    pub period_end: NaiveDate,
    /// The day by which it is to be held.
    pub due_on: NaiveDate,
    /// The plan's report schedule whose reports it consolidates (of the matching kind).
    pub schedule_id: Option<ID>,
}

/// A review, the version you last read, and what the step needs.
#[derive(InputObject)]
pub struct ReviewStepInput {
    /// The review.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// The consolidated report (when attaching): the unit's, of the matching kind
    /// (PRELIMINARY_REVIEW, ANNUAL_REVIEW, AD_HOC for thematic), covering the period, submitted
    /// or approved.
    pub report_id: Option<ID>,
    /// The day it was held (when marking it held); default today, never later.
    pub held_on: Option<NaiveDate>,
}

/// A lesson to record.
#[derive(InputObject)]
pub struct RecordLessonInput {
    /// The report, review or oversight it comes from.
    pub source_id: ID,
    /// The lesson.
    pub content: String,
}

/// The result of a review mutation.
#[derive(SimpleObject)]
pub struct ReviewPayload {
    /// The review as it is now.
    pub review: Review,
}

/// The result of recording a lesson.
#[derive(SimpleObject)]
pub struct LessonPayload {
    /// The lesson.
    pub lesson: Lesson,
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Schedules a review of a plan for a period (ADMIN, STEERING or UNIT_MANAGER over the unit).
    async fn schedule_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review.")] input: ScheduleReviewInput,
    ) -> AppResult<ReviewPayload> {
        let new = reviews::NewReview {
            plan: id::decode("input.planId", NodeType::Plan, &input.plan_id)?,
            unit: id::decode("input.unitId", NodeType::Unit, &input.unit_id)?,
            schedule: id::decode_opt(
                "input.scheduleId",
                NodeType::ReportSchedule,
                input.schedule_id.as_ref(),
            )?,
            kind: input.kind.into(),
            title: input.title,
            period_start: input.period_start,
            period_end: input.period_end,
            due_on: input.due_on,
        };
        let r = reviews::schedule(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(ReviewPayload { review: Review(r) })
    }

    /// Attaches the consolidated report to a planned review.
    async fn attach_consolidated_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review and the report.")] input: ReviewStepInput,
    ) -> AppResult<ReviewPayload> {
        let id = id::decode("input.id", NodeType::Review, &input.id)?;
        let report = input
            .report_id
            .as_ref()
            .ok_or_else(|| AppError::bad_input("input.reportId", "name the report"))?;
        let report = id::decode("input.reportId", NodeType::Report, report)?;
        let r = reviews::step(
            ctx.writer(),
            &ctx.actor()?,
            id,
            input.version,
            ReviewStep::Attach(report),
        )
        .await?;
        Ok(ReviewPayload { review: Review(r) })
    }

    /// Marks a review held; refused until its consolidated report is attached.
    async fn hold_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review and the day it was held.")] input: ReviewStepInput,
    ) -> AppResult<ReviewPayload> {
        let id = id::decode("input.id", NodeType::Review, &input.id)?;
        let r = reviews::step(
            ctx.writer(),
            &ctx.actor()?,
            id,
            input.version,
            ReviewStep::Hold(input.held_on),
        )
        .await?;
        Ok(ReviewPayload { review: Review(r) })
    }

    /// Records a lesson learnt from a report, review or oversight you see (a writer over its
    /// unit: the conducting unit for an oversight).
    async fn record_lesson(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lesson and its source.")] input: RecordLessonInput,
    ) -> AppResult<LessonPayload> {
        let source = match id::decode_any("input.sourceId", &input.source_id)? {
            (NodeType::Report, id) => LessonSource::Report(id),
            (NodeType::Review, id) => LessonSource::Review(id),
            (NodeType::Oversight, id) => LessonSource::Oversight(id),
            _ => {
                return Err(AppError::bad_input(
                    "input.sourceId",
                    "a lesson comes from a report, a review or an oversight",
                ));
            }
        };
        let l = reviews::record_lesson(ctx.writer(), &ctx.actor()?, source, input.content).await?;
        Ok(LessonPayload { lesson: Lesson(l) })
    }
}
