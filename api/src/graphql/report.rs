//! Reports sent by units.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{indicator_value, report as db, report_task_progress};

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::{ReportKind, ReportStatus},
    id::{self, NodeType},
    indicator::Indicator,
    loaders::failed,
    plan::Plan,
    task::Task,
    unit::{self, Unit},
};
use crate::{domain::reports, error::AppResult};

/// A report (báo cáo) a unit sends for a plan and a period: periodic progress, six-month
/// preliminary review (sơ kết), annual review (tổng kết), inspection or supervision results,
/// or ad hoc. Approved reports never change; a correction is a new revision.
pub struct Report(pub db::Model);

connection!(
    ReportConnection,
    ReportEdge,
    Report,
    "A page of reports.",
    "A report in a page, with its cursor."
);

/// A report (báo cáo) a unit sends for a plan and a period: periodic progress, six-month
/// preliminary review (sơ kết), annual review (tổng kết), inspection or supervision results,
/// or ad hoc. Approved reports never change; a correction is a new revision.
#[Object]
impl Report {
    /// Files on it (signed scans, minutes, photographs, rendered documents), oldest first.
    async fn attachments(&self, ctx: &Context<'_>) -> AppResult<Vec<super::files::Attachment>> {
        super::files::of_target(
            ctx,
            crate::domain::files::AttachmentTarget::Report(self.0.id),
        )
        .await
    }
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Report, self.0.id)
    }
    /// Kind of report.
    async fn kind(&self) -> ReportKind {
        self.0.kind.into()
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// First day of the reported period.
    async fn period_start(&self) -> NaiveDate {
        self.0.period_start
    }
    /// Last day of the reported period.
    async fn period_end(&self) -> NaiveDate {
        self.0.period_end
    }
    /// Workflow status.
    async fn status(&self) -> ReportStatus {
        self.0.status.into()
    }
    /// Revision number: 1 for the original, higher for corrections.
    async fn revision(&self) -> i32 {
        self.0.revision
    }
    /// Version for optimistic concurrency: send it back with any edit.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Results achieved (kết quả).
    async fn results(&self) -> Option<&str> {
        self.0.results.as_deref()
    }
    /// Limitations (hạn chế).
    async fn limitations(&self) -> Option<&str> {
        self.0.limitations.as_deref()
    }
    /// Causes (nguyên nhân).
    async fn causes(&self) -> Option<&str> {
        self.0.causes.as_deref()
    }
    /// Lessons learned (bài học kinh nghiệm).
    async fn lessons(&self) -> Option<&str> {
        self.0.lessons.as_deref()
    }
    /// Next steps (phương hướng, nhiệm vụ tiếp theo).
    async fn next_steps(&self) -> Option<&str> {
        self.0.next_steps.as_deref()
    }
    /// The reviewer's comment when the report was returned.
    async fn review_comment(&self) -> Option<&str> {
        self.0.review_comment.as_deref()
    }
    /// When the report was last submitted.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    /// When the report was first submitted (lateness is judged on this).
    async fn first_submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_submitted_at
    }
    /// True when the report was first submitted after its schedule's due date, on the
    /// province's calendar (Asia/Ho_Chi_Minh): 01:30 in Việt Nam on the day after is late.
    async fn is_late(&self, ctx: &Context<'_>) -> AppResult<bool> {
        let Some(schedule) = self.0.schedule_id else {
            return Ok(false);
        };
        let due = ctx
            .loaders()
            .schedules
            .load_one(schedule)
            .await
            .map_err(failed)?
            .map(|s| s.due_on);
        Ok(crate::domain::reporting::is_late(&self.0, due))
    }
    /// When the report was approved.
    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.approved_at
    }
    /// The reporting unit.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// The unit the report is addressed to.
    async fn recipient_unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, self.0.recipient_unit_id).await
    }
    /// The plan reported on.
    async fn plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        let Some(plan) = self.0.plan_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .plans
            .load_one(plan)
            .await
            .map_err(failed)?
            .map(Plan))
    }
    /// The revision this one corrects.
    async fn previous(&self, ctx: &Context<'_>) -> AppResult<Option<Report>> {
        let Some(prev) = self.0.previous_id else {
            return Ok(None);
        };
        Ok(reports::get(ctx.db(), ctx.caller()?, prev)
            .await?
            .map(Report))
    }
    /// Progress reported per task.
    async fn progress_entries(&self, ctx: &Context<'_>) -> AppResult<Vec<ProgressEntry>> {
        ctx.caller()?;
        Ok(
            super::loaders::group(ctx.loaders().report_progress.load_one(self.0.id).await)?
                .into_iter()
                .map(ProgressEntry)
                .collect(),
        )
    }
    /// Indicator values reported.
    async fn indicator_values(&self, ctx: &Context<'_>) -> AppResult<Vec<IndicatorValue>> {
        ctx.caller()?;
        Ok(
            super::loaders::group(ctx.loaders().report_values.load_one(self.0.id).await)?
                .into_iter()
                .map(IndicatorValue)
                .collect(),
        )
    }
}

/// Progress a report states for one task.
pub struct ProgressEntry(pub report_task_progress::Model);

/// Progress a report states for one task.
#[Object]
impl ProgressEntry {
    /// Progress in percent (0–100).
    async fn progress(&self) -> i32 {
        i32::from(self.0.progress)
    }
    /// What was done.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The task.
    async fn task(&self, ctx: &Context<'_>) -> AppResult<Option<Task>> {
        Ok(ctx
            .loaders()
            .tasks
            .load_one(self.0.task_id)
            .await
            .map_err(failed)?
            .map(Task))
    }
}

/// A value a report gives for one indicator.
pub struct IndicatorValue(pub indicator_value::Model);

/// A value a report gives for one indicator.
#[Object]
impl IndicatorValue {
    /// The value, in the indicator's measure.
    async fn value(&self) -> f64 {
        self.0.value
    }
    /// Remarks on the value.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The indicator.
    async fn indicator(&self, ctx: &Context<'_>) -> AppResult<Option<Indicator>> {
        Ok(ctx
            .loaders()
            .indicators
            .load_one(self.0.indicator_id)
            .await
            .map_err(failed)?
            .map(Indicator))
    }
}

/// Filters for `reports`.
#[derive(InputObject, Default)]
pub struct ReportFilter {
    /// Reports sent by, or addressed to, units in this unit's subtree.
    pub unit: Option<ID>,
    /// Only reports on this plan.
    pub plan: Option<ID>,
    /// Only reports for this schedule.
    pub schedule: Option<ID>,
    /// Only these kinds. At most 1,000 items.
    pub kinds: Option<Vec<ReportKind>>,
    /// Only these statuses. At most 1,000 items.
    pub statuses: Option<Vec<ReportStatus>>,
    /// Reports whose period ends on or after this date.
    pub period_from: Option<NaiveDate>,
    /// Reports whose period starts on or before this date.
    pub period_to: Option<NaiveDate>,
    /// Words of the title or text; case and diacritics are ignored.
    pub search: Option<String>,
    /// Only records changed at or after this time (server clock). A time later than the
    /// server's clock is `BAD_USER_INPUT`.
    #[graphql(
        deprecation = "Use `changes`: a time from the device's clock misses changes, \
                             and records that enter or leave your view are not listed."
    )]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Reports sent by or addressed to units in the caller's scope, most recent period first.
    async fn reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned report meets.")] filter: Option<ReportFilter>,
    ) -> AppResult<ReportConnection> {
        let caller = ctx.caller()?;
        let f = filter.unwrap_or_default();
        let filter = reports::ReportFilter {
            unit: id::decode_opt("filter.unit", NodeType::Unit, f.unit.as_ref())?,
            plan: id::decode_opt("filter.plan", NodeType::Plan, f.plan.as_ref())?,
            schedule: id::decode_opt(
                "filter.schedule",
                NodeType::ReportSchedule,
                f.schedule.as_ref(),
            )?,
            kinds: f.kinds.map(|ks| ks.into_iter().map(Into::into).collect()),
            statuses: f
                .statuses
                .map(|ss| ss.into_iter().map(Into::into).collect()),
            period_from: f.period_from,
            period_to: f.period_to,
            search: f.search,
            updated_since: f.updated_since,
        };
        let page = reports::list(
            ctx.db(),
            caller,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(ReportConnection::from_page(page, Report))
    }

    /// One report by id; null when it does not exist or the caller may not see it.
    async fn report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the report.")] id: ID,
    ) -> AppResult<Option<Report>> {
        let caller = ctx.caller()?;
        let uuid = id::decode("id", NodeType::Report, &id)?;
        Ok(reports::get(ctx.db(), caller, uuid).await?.map(Report))
    }
}
