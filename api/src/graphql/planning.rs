//! Mutations that draft, derive, issue and close plans, and the coverage view.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;

use super::{
    ContextExt,
    enums::ReportKind,
    id::{self, NodeType},
    plan::{DerivationStatus, Plan, ReportSchedule},
    task::Task,
    unit::{self, Unit},
};
use crate::{
    domain::{derivation, planning},
    error::AppResult,
};

/// A new draft plan.
#[derive(InputObject)]
pub struct CreatePlanInput {
    /// Title of the plan.
    pub title: String,
    /// Unit that will issue the plan; must be in your scope.
    pub issuing_unit_id: ID,
    /// Standing body that follows the plan.
    pub standing_unit_id: Option<ID>,
    /// First day of the period covered.
    pub period_start: NaiveDate,
    /// Last day of the period covered.
    pub period_end: NaiveDate,
    /// Motto, if the plan states one.
    pub motto: Option<String>,
}

/// Changes to a draft plan; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePlanInput {
    /// The plan.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// New title.
    pub title: Option<String>,
    /// New period start.
    pub period_start: Option<NaiveDate>,
    /// New period end.
    pub period_end: Option<NaiveDate>,
    /// New motto.
    pub motto: Option<String>,
    /// New standing body.
    pub standing_unit_id: Option<ID>,
}

/// Issuing a draft plan.
#[derive(InputObject)]
pub struct IssuePlanInput {
    /// The draft plan.
    pub id: ID,
    /// The version you last read.
    pub version: i32,
    /// Number and symbol, e.g. `24-KH/BCĐ`; unique per issuing unit.
    pub number: String,
    /// Date of issue.
    pub issued_on: NaiveDate,
}

/// A plan and the version you last read.
#[derive(InputObject)]
pub struct VersionedInput {
    /// The record.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
}

/// A task to add to a draft plan.
#[derive(InputObject)]
pub struct AddTaskInput {
    /// The draft plan.
    pub plan_id: ID,
    /// Parent task; omit for a top-level content.
    pub parent_id: Option<ID>,
    /// Code within the plan; by default the next number under the parent ("3", "3.4").
    pub code: Option<String>,
    /// Title.
    pub title: String,
    /// Full text.
    pub description: Option<String>,
    /// Key content area 1–7; by default the parent's.
    pub content_area: Option<i32>,
    /// Due date, within the plan period.
    pub due_on: Option<NaiveDate>,
}

/// Changes to a task; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateTaskInput {
    /// The task.
    pub id: ID,
    /// The version you last read.
    pub version: i32,
    /// New title.
    pub title: Option<String>,
    /// New full text.
    pub description: Option<String>,
    /// New content area 1–7.
    pub content_area: Option<i32>,
    /// New due date, within the plan period.
    pub due_on: Option<NaiveDate>,
}

/// A legal document cited by a task.
#[derive(InputObject)]
pub struct AddLegalReferenceInput {
    /// The task.
    pub task_id: ID,
    /// The cited document.
    pub document_id: ID,
    /// What the task must do under the document.
    pub note: Option<String>,
    /// Article or clause, when narrower than the document.
    pub provision: Option<String>,
}

/// A unit that must derive its own plan.
#[derive(InputObject)]
pub struct AddPlanRecipientInput {
    /// The plan.
    pub plan_id: ID,
    /// The recipient unit.
    pub unit_id: ID,
    /// Date by which its derived plan is due.
    pub derive_by: Option<NaiveDate>,
}

/// Reports a plan expects.
#[derive(InputObject)]
pub struct CreateReportScheduleInput {
    /// The plan.
    pub plan_id: ID,
    /// Kind of report.
    pub kind: ReportKind,
    /// Title.
    pub title: String,
    /// First day of the reported period.
    pub period_start: NaiveDate,
    /// Last day of the reported period.
    pub period_end: NaiveDate,
    /// Date reports are due.
    pub due_on: NaiveDate,
    /// Unit the reports go to; by default the plan's issuer.
    pub recipient_unit_id: Option<ID>,
    /// Units expected to report: one obligation each. At most 1,000 items.
    pub reporting_unit_ids: Vec<ID>,
}

/// The result of a plan mutation.
#[derive(SimpleObject)]
pub struct PlanPayload {
    /// The plan as it is now.
    pub plan: Plan,
}

/// The result of a task mutation.
#[derive(SimpleObject)]
pub struct TaskPayload {
    /// The task as it is now.
    pub task: Task,
}

/// The result of creating a report schedule.
#[derive(SimpleObject)]
pub struct ReportSchedulePayload {
    /// The schedule, with one obligation per reporting unit.
    pub report_schedule: ReportSchedule,
}

fn unit_id(field: &str, id: &ID) -> AppResult<uuid::Uuid> {
    id::decode(field, NodeType::Unit, id)
}

#[derive(Default)]
pub struct PlanningMutation;

#[Object]
impl PlanningMutation {
    /// Drafts a plan for a unit in your scope (STEERING, ADMIN, UNIT_MANAGER).
    async fn create_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new plan.")] input: CreatePlanInput,
    ) -> AppResult<PlanPayload> {
        let new = planning::NewPlan {
            title: input.title,
            issuing_unit: unit_id("input.issuingUnitId", &input.issuing_unit_id)?,
            standing_unit: input
                .standing_unit_id
                .as_ref()
                .map(|u| unit_id("input.standingUnitId", u))
                .transpose()?,
            period_start: input.period_start,
            period_end: input.period_end,
            motto: input.motto,
        };
        let plan = planning::create_plan(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(PlanPayload { plan: Plan(plan) })
    }

    /// Edits a draft plan's header.
    async fn update_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdatePlanInput,
    ) -> AppResult<PlanPayload> {
        let id = id::decode("input.id", NodeType::Plan, &input.id)?;
        let patch = planning::PlanPatch {
            title: input.title,
            period_start: input.period_start,
            period_end: input.period_end,
            motto: input.motto,
            standing_unit: input
                .standing_unit_id
                .as_ref()
                .map(|u| unit_id("input.standingUnitId", u))
                .transpose()?,
        };
        let plan =
            planning::update_plan(ctx.writer(), &ctx.actor()?, id, input.version, patch).await?;
        Ok(PlanPayload { plan: Plan(plan) })
    }

    /// Issues a draft with its number and date (draft → issued). STEERING and ADMIN issue any
    /// plan in scope; a UNIT_MANAGER issues the plans its units derived.
    async fn issue_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number, date and version.")] input: IssuePlanInput,
    ) -> AppResult<PlanPayload> {
        let id = id::decode("input.id", NodeType::Plan, &input.id)?;
        let plan = planning::issue_plan(
            ctx.writer(),
            &ctx.actor()?,
            id,
            input.version,
            input.number,
            input.issued_on,
        )
        .await?;
        Ok(PlanPayload { plan: Plan(plan) })
    }

    /// Closes an issued plan after its final review (STEERING, ADMIN).
    async fn close_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan and its version.")] input: VersionedInput,
    ) -> AppResult<PlanPayload> {
        let id = id::decode("input.id", NodeType::Plan, &input.id)?;
        let plan = planning::close_plan(ctx.writer(), &ctx.actor()?, id, input.version).await?;
        Ok(PlanPayload { plan: Plan(plan) })
    }

    /// Gives a recipient unit a draft copy of the plan's task tree; every copied task links to
    /// the task it implements. The recipient's UNIT_MANAGER then localises and issues it.
    async fn derive_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issued plan to derive from.")] parent_plan_id: ID,
        #[graphql(desc = "The recipient unit deriving its plan.")] unit_id: ID,
    ) -> AppResult<PlanPayload> {
        let parent = id::decode("parentPlanId", NodeType::Plan, &parent_plan_id)?;
        let unit = id::decode("unitId", NodeType::Unit, &unit_id)?;
        let plan = derivation::derive_plan(ctx.writer(), &ctx.actor()?, parent, unit).await?;
        Ok(PlanPayload { plan: Plan(plan) })
    }

    /// Adds a task to a draft plan.
    async fn add_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new task.")] input: AddTaskInput,
    ) -> AppResult<TaskPayload> {
        let new = planning::NewTask {
            plan: id::decode("input.planId", NodeType::Plan, &input.plan_id)?,
            parent: id::decode_opt("input.parentId", NodeType::Task, input.parent_id.as_ref())?,
            code: input.code,
            title: input.title,
            description: input.description,
            content_area: input.content_area,
            due_on: input.due_on,
        };
        let task = planning::add_task(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(TaskPayload { task: Task(task) })
    }

    /// Edits a task of a plan that is not closed.
    async fn update_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateTaskInput,
    ) -> AppResult<TaskPayload> {
        let id = id::decode("input.id", NodeType::Task, &input.id)?;
        let patch = planning::TaskPatch {
            title: input.title,
            description: input.description,
            content_area: input.content_area,
            due_on: input.due_on,
        };
        let task =
            planning::update_task(ctx.writer(), &ctx.actor()?, id, input.version, patch).await?;
        Ok(TaskPayload { task: Task(task) })
    }

    /// Cites a legal document on a task.
    async fn add_legal_reference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The citation.")] input: AddLegalReferenceInput,
    ) -> AppResult<TaskPayload> {
        let task_id = id::decode("input.taskId", NodeType::Task, &input.task_id)?;
        let document = id::decode(
            "input.documentId",
            NodeType::LegalDocument,
            &input.document_id,
        )?;
        planning::add_reference(
            ctx.writer(),
            &ctx.actor()?,
            task_id,
            document,
            input.note,
            input.provision,
        )
        .await?;
        let task = planning::load_task(ctx.db(), task_id).await?;
        Ok(TaskPayload { task: Task(task) })
    }

    /// Removes a task of a draft plan with its sub-tasks (they appear in `removedSince`).
    async fn remove_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task and its version.")] input: VersionedInput,
    ) -> AppResult<TaskPayload> {
        let id = id::decode("input.id", NodeType::Task, &input.id)?;
        let task = planning::remove_task(ctx.writer(), &ctx.actor()?, id, input.version).await?;
        Ok(TaskPayload { task: Task(task) })
    }

    /// Withdraws a task's citation of a document.
    async fn remove_legal_reference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task.")] task_id: ID,
        #[graphql(desc = "The cited document.")] document_id: ID,
    ) -> AppResult<TaskPayload> {
        let task = id::decode("taskId", NodeType::Task, &task_id)?;
        let document = id::decode("documentId", NodeType::LegalDocument, &document_id)?;
        planning::remove_reference(ctx.writer(), &ctx.actor()?, task, document).await?;
        let task = planning::load_task(ctx.db(), task).await?;
        Ok(TaskPayload { task: Task(task) })
    }

    /// Makes a unit a recipient that must derive its own plan by a date.
    async fn add_plan_recipient(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recipient.")] input: AddPlanRecipientInput,
    ) -> AppResult<PlanPayload> {
        let plan_id = id::decode("input.planId", NodeType::Plan, &input.plan_id)?;
        let unit = unit_id("input.unitId", &input.unit_id)?;
        planning::add_recipient(ctx.writer(), &ctx.actor()?, plan_id, unit, input.derive_by)
            .await?;
        let plan = planning::load_plan(ctx.db(), plan_id).await?;
        Ok(PlanPayload { plan: Plan(plan) })
    }

    /// Adds a report schedule; each reporting unit gets one expected report (obligation).
    async fn create_report_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The schedule.")] input: CreateReportScheduleInput,
    ) -> AppResult<ReportSchedulePayload> {
        let reporting_units = input
            .reporting_unit_ids
            .iter()
            .map(|u| unit_id("input.reportingUnitIds", u))
            .collect::<AppResult<Vec<_>>>()?;
        let new = planning::NewSchedule {
            plan: id::decode("input.planId", NodeType::Plan, &input.plan_id)?,
            kind: input.kind.into(),
            title: input.title,
            period_start: input.period_start,
            period_end: input.period_end,
            due_on: input.due_on,
            recipient_unit: input
                .recipient_unit_id
                .as_ref()
                .map(|u| unit_id("input.recipientUnitId", u))
                .transpose()?,
            reporting_units,
        };
        let schedule = planning::create_schedule(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(ReportSchedulePayload {
            report_schedule: ReportSchedule(schedule),
        })
    }
}

/// One cell of the coverage view: a content of the plan × a recipient unit.
pub struct CoverageCell(pub derivation::CoverageCell);

/// One cell of the coverage view: a content of the plan × a recipient unit.
#[Object]
impl CoverageCell {
    /// The top-level content (task) of the parent plan.
    async fn content(&self) -> Task {
        Task(self.0.content_task.clone())
    }
    /// The recipient unit.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.recipient.unit_id)).await
    }
    /// Where the recipient stands with its derived plan.
    async fn derivation_status(&self) -> DerivationStatus {
        self.0.status.into()
    }
    /// Tasks of the recipient's derived plan that implement this content.
    async fn derived_tasks(&self) -> u64 {
        self.0.derived_tasks
    }
    /// Whether any of those tasks has progress or appears in a report.
    async fn reported(&self) -> bool {
        self.0.reported
    }
}
