//! What the standing office reports upward: plan progress, reporting compliance and
//! indicator sums for any unit's subtree.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::NaiveDate;

use super::{
    ContextExt,
    enums::TaskStatus,
    id::{self, NodeType},
    indicator::Indicator,
    plan::{DerivationStatus, Plan, ReportSchedule},
    report::Report,
    unit::{self, Unit},
};
use crate::{
    domain::{reports, rollups},
    error::{AppError, AppResult},
};

/// Task counts for one content area (or for the whole plan).
#[derive(SimpleObject)]
pub struct TaskCounts {
    /// Key content area (1–7); null for the whole plan or tasks without one.
    pub content_area: Option<i32>,
    /// All tasks counted.
    pub total: u64,
    /// Tasks not started.
    pub not_started: u64,
    /// Tasks in progress.
    pub in_progress: u64,
    /// Tasks done.
    pub done: u64,
    /// Tasks cancelled.
    pub cancelled: u64,
    /// Tasks past their due date and neither done nor cancelled.
    pub overdue: u64,
}

impl From<&rollups::AreaProgress> for TaskCounts {
    fn from(a: &rollups::AreaProgress) -> Self {
        Self {
            content_area: a.content_area.map(i32::from),
            total: a.total,
            not_started: a.not_started,
            in_progress: a.in_progress,
            done: a.done,
            cancelled: a.cancelled,
            overdue: a.overdue,
        }
    }
}

/// Tasks in one status.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// The status.
    pub status: TaskStatus,
    /// How many tasks have it.
    pub count: u64,
}

/// A recipient's derivation, as the rollup sees it.
pub struct RecipientState(
    uuid::Uuid,
    crate::domain::plans::DerivationStatus,
    Option<uuid::Uuid>,
);

/// A recipient's derivation, as the rollup sees it.
#[Object]
impl RecipientState {
    /// The recipient unit.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0)).await
    }
    /// Pending, issued on time, issued late or overdue.
    async fn status(&self) -> DerivationStatus {
        self.1.into()
    }
    /// The derived plan, once one exists.
    async fn derived_plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        let Some(id) = self.2 else {
            return Ok(None);
        };
        Ok(crate::domain::plans::get(ctx.db(), ctx.caller()?, id)
            .await?
            .map(Plan))
    }
}

/// Progress of a plan (and the plans derived from it) within a unit's subtree.
pub struct PlanProgress(rollups::PlanProgress);

/// Progress of a plan (and the plans derived from it) within a unit's subtree.
#[Object]
impl PlanProgress {
    /// The plan.
    async fn plan(&self) -> Plan {
        Plan(self.0.plan.clone())
    }
    /// The unit whose subtree is counted.
    async fn unit(&self) -> Unit {
        Unit(self.0.unit.clone())
    }
    /// Counts over every counted task.
    async fn tasks(&self) -> TaskCounts {
        (&self.0.total).into()
    }
    /// Tasks per status.
    async fn by_status(&self) -> Vec<StatusCount> {
        let t = &self.0.total;
        vec![
            StatusCount {
                status: TaskStatus::NotStarted,
                count: t.not_started,
            },
            StatusCount {
                status: TaskStatus::InProgress,
                count: t.in_progress,
            },
            StatusCount {
                status: TaskStatus::Done,
                count: t.done,
            },
            StatusCount {
                status: TaskStatus::Cancelled,
                count: t.cancelled,
            },
        ]
    }
    /// Counts per key content area.
    async fn by_content_area(&self) -> Vec<TaskCounts> {
        self.0.by_area.iter().map(Into::into).collect()
    }
    /// Overdue tasks.
    async fn overdue(&self) -> u64 {
        self.0.total.overdue
    }
    /// Recipients in the subtree and where each stands with its derived plan.
    async fn recipients(&self) -> Vec<RecipientState> {
        self.0
            .recipients
            .iter()
            .map(|(unit, status, derived)| RecipientState(*unit, *status, *derived))
            .collect()
    }
}

/// One expected report and where it stands.
pub struct ObligationState(rollups::ObligationState);

/// One expected report and where it stands.
#[Object]
impl ObligationState {
    /// The unit expected to report.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// The newest revision of its report, if any and if you may read it (a unit that moved to
    /// another district takes its later reports there).
    async fn report(&self, ctx: &Context<'_>) -> AppResult<Option<Report>> {
        let Some(report) = &self.0.report else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .reports
            .load_one(report.id)
            .await
            .map_err(super::loaders::failed)?
            .map(Report))
    }
    /// Whether a report was submitted.
    async fn submitted(&self) -> bool {
        self.0.submitted
    }
    /// Whether a report was approved.
    async fn approved(&self) -> bool {
        self.0.approved
    }
    /// Whether the first submission came after the due date, on the province's calendar
    /// (Asia/Ho_Chi_Minh).
    async fn late(&self) -> bool {
        self.0.late
    }
}

/// Who has reported for a schedule, within a unit's subtree.
pub struct ReportingCompliance(rollups::Compliance);

/// Who has reported for a schedule, within a unit's subtree.
#[Object]
impl ReportingCompliance {
    /// The schedule.
    async fn schedule(&self) -> ReportSchedule {
        ReportSchedule(self.0.schedule.clone())
    }
    /// The unit whose subtree is counted.
    async fn unit(&self) -> Unit {
        Unit(self.0.unit.clone())
    }
    /// Reports expected.
    async fn expected(&self) -> usize {
        self.0.expected()
    }
    /// Reports submitted (at least once).
    async fn submitted(&self) -> usize {
        self.0.submitted()
    }
    /// Reports approved.
    async fn approved(&self) -> usize {
        self.0.approved()
    }
    /// Reports first submitted on or before the due date (days in Asia/Ho_Chi_Minh).
    async fn on_time(&self) -> usize {
        self.0.on_time()
    }
    /// Reports first submitted after the due date (days in Asia/Ho_Chi_Minh).
    async fn late(&self) -> usize {
        self.0.late()
    }
    /// Reports never submitted.
    async fn missing(&self) -> usize {
        self.0.missing().len()
    }
    /// The units that have not reported.
    async fn missing_units(&self, ctx: &Context<'_>) -> AppResult<Vec<Unit>> {
        // One batch for all of them, kept in the compliance list's (Vietnamese) order.
        let ids = self.0.missing();
        let mut found = ctx
            .loaders()
            .units
            .load_many(ids.iter().copied())
            .await
            .map_err(super::loaders::failed)?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(Unit)
            .collect())
    }
    /// Every expected report and where it stands.
    async fn obligations(&self) -> Vec<ObligationState> {
        self.0
            .obligations
            .iter()
            .cloned()
            .map(ObligationState)
            .collect()
    }
}

/// An indicator aggregated over a subtree.
pub struct IndicatorTotal(rollups::IndicatorTotal);

/// An indicator aggregated over a subtree.
#[Object]
impl IndicatorTotal {
    /// The indicator.
    async fn indicator(&self) -> Indicator {
        Indicator(self.0.indicator.clone())
    }
    /// The aggregate by the indicator's rule; for a ratio, the percentage of the summed
    /// numerator over the summed denominator (null without a denominator).
    async fn value(&self) -> Option<f64> {
        self.0.value
    }
    /// For a ratio: the summed numerator.
    async fn numerator(&self) -> Option<f64> {
        self.0.numerator
    }
    /// For a ratio: the summed denominator.
    async fn denominator(&self) -> Option<f64> {
        self.0.denominator
    }
    /// The approved reports whose values went into the total.
    async fn reports(&self, ctx: &Context<'_>) -> AppResult<Vec<Report>> {
        let rows = reports::get_many(ctx.db(), ctx.caller()?, &self.0.reports).await?;
        Ok(rows.into_iter().map(Report).collect())
    }
    /// Units whose approved reports the total leaves out, and why. A ratio counts only the
    /// reports that state both its numerator and its denominator; a report with one part
    /// would weigh it against another unit's other part. Empty for other rules.
    async fn excluded_units(&self) -> Vec<ExcludedUnit> {
        self.0.excluded.iter().cloned().map(ExcludedUnit).collect()
    }
}

/// Why a total leaves a unit's report out.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ExclusionReason {
    /// The report states the ratio's denominator but not its numerator.
    MissingNumerator,
    /// The report states the ratio's numerator but not its denominator.
    MissingDenominator,
}

/// A unit whose approved reports a total leaves out.
pub struct ExcludedUnit(rollups::Excluded);

/// A unit whose approved reports a total leaves out.
#[Object]
impl ExcludedUnit {
    /// The reporting unit.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// Why its reports were left out.
    async fn reason(&self) -> ExclusionReason {
        match self.0.reason {
            rollups::Exclusion::MissingNumerator => ExclusionReason::MissingNumerator,
            rollups::Exclusion::MissingDenominator => ExclusionReason::MissingDenominator,
        }
    }
    /// The approved reports left out.
    async fn reports(&self, ctx: &Context<'_>) -> AppResult<Vec<Report>> {
        let rows = reports::get_many(ctx.db(), ctx.caller()?, &self.0.reports).await?;
        Ok(rows.into_iter().map(Report).collect())
    }
}

#[derive(Default)]
pub struct RollupQuery;

// Each GraphQL argument is a parameter of its resolver: the count is the API's, not a design smell.
#[allow(clippy::too_many_arguments)]
#[Object]
impl RollupQuery {
    /// Progress of a plan within a unit's subtree: tasks by status and content area, overdue
    /// tasks, and where each recipient stands with its derived plan. Counts the plan's own
    /// tasks when the subtree holds its issuer, and the tasks of issued plans derived from it
    /// by units in the subtree.
    async fn plan_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] plan_id: ID,
        #[graphql(desc = "The unit whose subtree is counted.")] unit_id: ID,
        #[graphql(
            desc = "Count the subtree as it stood on this day, and the reroutable work that counted that day. Default: every unit ever placed under it, with today's routing."
        )]
        as_of: Option<NaiveDate>,
        #[graphql(
            desc = "Also count units whose history flows in through reorganisations: predecessors and everything once under them."
        )]
        lineage: Option<bool>,
    ) -> AppResult<PlanProgress> {
        let plan = id::decode("planId", NodeType::Plan, &plan_id)?;
        let unit = id::decode("unitId", NodeType::Unit, &unit_id)?;
        let tree = rollups::Tree {
            as_of,
            lineage: lineage.unwrap_or(false),
        };
        let p =
            rollups::plan_progress(ctx.db(), ctx.caller()?, plan, unit, ctx.today(), tree).await?;
        Ok(PlanProgress(p))
    }

    /// Expected, submitted, approved, on-time, late and missing reports of a schedule within a
    /// unit's subtree, naming the units that have not reported.
    async fn reporting_compliance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report schedule.")] schedule_id: ID,
        #[graphql(desc = "The unit whose subtree is counted.")] unit_id: ID,
        #[graphql(
            desc = "Count the subtree as it stood on this day, and the reroutable work that counted that day. Default: every unit ever placed under it, with today's routing."
        )]
        as_of: Option<NaiveDate>,
        #[graphql(
            desc = "Also count units whose history flows in through reorganisations: predecessors and everything once under them."
        )]
        lineage: Option<bool>,
    ) -> AppResult<ReportingCompliance> {
        let schedule = id::decode("scheduleId", NodeType::ReportSchedule, &schedule_id)?;
        let unit = id::decode("unitId", NodeType::Unit, &unit_id)?;
        let tree = rollups::Tree {
            as_of,
            lineage: lineage.unwrap_or(false),
        };
        Ok(ReportingCompliance(
            rollups::compliance(ctx.db(), ctx.caller()?, schedule, unit, ctx.today(), tree).await?,
        ))
    }

    /// Indicator values of approved reports within a unit's subtree, aggregated by each
    /// indicator's rule (sums add; rates are recomputed from summed numerator and denominator,
    /// never averaged, over the reports that state both: see `excludedUnits`), for one
    /// schedule or for reports whose period lies in a window. A sum past 2^53 − 1 (the largest
    /// whole number a Float carries exactly) is refused as `BAD_USER_INPUT` on `codes`, never
    /// rounded or answered as null.
    async fn indicator_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Indicator codes, e.g. [\"C4.PETITIONS_RECEIVED\", \"C4.PETITION_RATE\"]. At most 1,000 items."
        )]
        codes: Vec<String>,
        #[graphql(desc = "The unit whose subtree is summed.")] unit_id: ID,
        #[graphql(desc = "Sum the reports of this schedule.")] schedule_id: Option<ID>,
        #[graphql(desc = "Or: reports whose period starts on or after this date.")]
        period_from: Option<NaiveDate>,
        #[graphql(desc = "…and ends on or before this date.")] period_to: Option<NaiveDate>,
        #[graphql(
            desc = "Count the subtree as it stood on this day, and the reroutable work that counted that day. Default: every unit ever placed under it, with today's routing."
        )]
        as_of: Option<NaiveDate>,
        #[graphql(
            desc = "Also count units whose history flows in through reorganisations: predecessors and everything once under them."
        )]
        lineage: Option<bool>,
    ) -> AppResult<Vec<IndicatorTotal>> {
        let unit = id::decode("unitId", NodeType::Unit, &unit_id)?;
        let window = match (schedule_id, period_from, period_to) {
            (Some(s), None, None) => rollups::SummaryWindow::Schedule(id::decode(
                "scheduleId",
                NodeType::ReportSchedule,
                &s,
            )?),
            (None, Some(from), Some(to)) => rollups::SummaryWindow::Period { from, to },
            _ => {
                return Err(AppError::bad_input(
                    "scheduleId",
                    "give either scheduleId, or periodFrom and periodTo",
                ));
            }
        };
        let totals = rollups::indicator_summary(
            ctx.db(),
            ctx.caller()?,
            &codes,
            window,
            unit,
            rollups::Tree {
                as_of,
                lineage: lineage.unwrap_or(false),
            },
        )
        .await?;
        Ok(totals.into_iter().map(IndicatorTotal).collect())
    }
}
