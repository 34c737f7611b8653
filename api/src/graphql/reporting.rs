//! Mutations of the report workflow.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;

use super::{
    ContextExt,
    enums::ReportKind,
    id::{self, NodeType},
    report::Report,
};
use crate::{
    domain::reporting::{self, Transition},
    error::AppResult,
};

/// A report to draft: for an obligation, or ad hoc for a unit.
#[derive(InputObject)]
pub struct CreateReportInput {
    /// The obligation the report answers (from `ReportSchedule.obligations`).
    pub obligation_id: Option<ID>,
    /// The reporting unit: required for an ad hoc report; with an obligation it must match.
    pub unit_id: Option<ID>,
    /// Plan reported on (ad hoc reports).
    pub plan_id: Option<ID>,
    /// Kind (ad hoc reports; an obligation fixes it).
    pub kind: Option<ReportKind>,
    /// Title; by default the schedule's.
    pub title: Option<String>,
    /// First day of the period (ad hoc reports).
    pub period_start: Option<NaiveDate>,
    /// Last day of the period (ad hoc reports).
    pub period_end: Option<NaiveDate>,
}

/// Progress a report states for one task.
#[derive(InputObject)]
pub struct ProgressEntryInput {
    /// A task of the report's plan or of a plan derived from it.
    pub task_id: ID,
    /// Progress in percent, 0–100.
    pub progress: i32,
    /// What was done.
    pub note: Option<String>,
}

/// A value a report gives for one indicator.
#[derive(InputObject)]
pub struct IndicatorValueInput {
    /// Indicator code, e.g. `C1.SESSIONS`.
    pub code: String,
    /// By the indicator's unit: counts (COUNT, PERSONS, PERSON_TIMES) are whole numbers from 0
    /// to 10^12; percentages lie in 0–100; amounts in đồng in 0–10^15. Anything else is a
    /// `BAD_USER_INPUT` naming `input.indicatorValues[i].value`.
    pub value: f64,
    /// Remarks.
    pub note: Option<String>,
}

/// Changes to a draft or returned report; lists replace what the report had.
#[derive(InputObject)]
pub struct UpdateReportInput {
    /// The report.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// Title.
    pub title: Option<String>,
    /// Results achieved (kết quả).
    pub results: Option<String>,
    /// Limitations (hạn chế).
    pub limitations: Option<String>,
    /// Causes (nguyên nhân).
    pub causes: Option<String>,
    /// Lessons (bài học kinh nghiệm).
    pub lessons: Option<String>,
    /// Next steps (phương hướng).
    pub next_steps: Option<String>,
    /// Per-task progress; replaces all entries. At most 1,000 items.
    pub progress: Option<Vec<ProgressEntryInput>>,
    /// Indicator values; replaces all values. At most 1,000 items.
    pub indicator_values: Option<Vec<IndicatorValueInput>>,
}

/// A report and the version you last read.
#[derive(InputObject)]
pub struct ReportStepInput {
    /// The report.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// Reviewer's comment (required when returning).
    pub comment: Option<String>,
}

/// The result of a report mutation.
#[derive(SimpleObject)]
pub struct ReportPayload {
    /// The report as it is now.
    pub report: Report,
}

#[derive(Default)]
pub struct ReportingMutation;

impl ReportingMutation {
    async fn step(
        ctx: &Context<'_>,
        input: ReportStepInput,
        step: Transition,
    ) -> AppResult<ReportPayload> {
        let id = id::decode("input.id", NodeType::Report, &input.id)?;
        let r = reporting::transition(
            ctx.writer(),
            &ctx.actor()?,
            id,
            input.version,
            step,
            input.comment,
        )
        .await?;
        super::live::publish(
            ctx,
            crate::events::EventKind::ReportStatusChanged,
            r.id,
            r.unit_id,
            r.plan_id,
            Some(r.status.as_str()),
        )
        .await;
        Ok(ReportPayload { report: Report(r) })
    }
}

#[Object]
impl ReportingMutation {
    /// Drafts a report of a unit in your scope (REPORTER, UNIT_MANAGER, STEERING, ADMIN, PARTNER).
    async fn create_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: CreateReportInput,
    ) -> AppResult<ReportPayload> {
        let new = reporting::NewReport {
            obligation: id::decode_opt(
                "input.obligationId",
                NodeType::Obligation,
                input.obligation_id.as_ref(),
            )?,
            unit: id::decode_opt("input.unitId", NodeType::Unit, input.unit_id.as_ref())?,
            plan: id::decode_opt("input.planId", NodeType::Plan, input.plan_id.as_ref())?,
            kind: input.kind.map(Into::into),
            title: input.title,
            period_start: input.period_start,
            period_end: input.period_end,
        };
        let r = reporting::create(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(ReportPayload { report: Report(r) })
    }

    /// Edits a draft or returned report: sections, per-task progress, indicator values.
    async fn update_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateReportInput,
    ) -> AppResult<ReportPayload> {
        let id = id::decode("input.id", NodeType::Report, &input.id)?;
        let progress = match input.progress {
            Some(entries) => Some(
                entries
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| {
                        Ok(reporting::ProgressInput {
                            task: id::decode(
                                &format!("input.progress[{i}].taskId"),
                                NodeType::Task,
                                &e.task_id,
                            )?,
                            progress: e.progress,
                            note: e.note,
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()?,
            ),
            None => None,
        };
        let patch = reporting::ReportPatch {
            title: input.title,
            results: input.results,
            limitations: input.limitations,
            causes: input.causes,
            lessons: input.lessons,
            next_steps: input.next_steps,
            progress,
            indicator_values: input.indicator_values.map(|vs| {
                vs.into_iter()
                    .map(|v| reporting::ValueInput {
                        code: v.code,
                        value: v.value,
                        note: v.note,
                    })
                    .collect()
            }),
        };
        let r = reporting::update(ctx.writer(), &ctx.actor()?, id, input.version, patch).await?;
        Ok(ReportPayload { report: Report(r) })
    }

    /// Sends a draft or returned report for review.
    async fn submit_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: ReportStepInput,
    ) -> AppResult<ReportPayload> {
        Self::step(ctx, input, Transition::Submit).await
    }

    /// Approves a submitted report (STEERING or ADMIN over the unit, or a UNIT_MANAGER of a
    /// unit above it; never its author). Approved reports never change.
    async fn approve_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: ReportStepInput,
    ) -> AppResult<ReportPayload> {
        Self::step(ctx, input, Transition::Approve).await
    }

    /// Returns a submitted report with a comment, for correction and resubmission.
    async fn return_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report and the comment.")] input: ReportStepInput,
    ) -> AppResult<ReportPayload> {
        Self::step(ctx, input, Transition::Return).await
    }

    /// Opens a correction of an approved report: a new draft revision linked to it.
    async fn correct_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The approved report.")] id: ID,
    ) -> AppResult<ReportPayload> {
        let id = id::decode("id", NodeType::Report, &id)?;
        let r = reporting::correct(ctx.writer(), &ctx.actor()?, id).await?;
        Ok(ReportPayload { report: Report(r) })
    }
}
