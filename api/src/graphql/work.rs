//! Mutations on assignments: assign, acknowledge, record progress, complete.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::assignment_update;

use super::{
    ContextExt,
    enums::{AssignmentRole, AssignmentStatus},
    id::{self, NodeType},
    task::Assignment,
};
use crate::{
    domain::assignments::{self, Step},
    error::AppResult,
};

/// One entry of an assignment's progress log.
pub struct AssignmentUpdate(pub assignment_update::Model);

/// One entry of an assignment's progress log.
#[Object]
impl AssignmentUpdate {
    /// Status of the assignment after this entry.
    async fn status(&self) -> AssignmentStatus {
        self.0.status.into()
    }
    /// Progress in percent after this entry.
    async fn progress(&self) -> i32 {
        i32::from(self.0.progress)
    }
    /// What was done.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A task given to a unit.
#[derive(InputObject)]
pub struct AssignTaskInput {
    /// The task.
    pub task_id: ID,
    /// The unit; must be in your scope.
    pub unit_id: ID,
    /// Lead (one per task) or coordinating.
    pub role: AssignmentRole,
    /// Due date for this unit, within the plan period; by default the task's.
    pub due_on: Option<NaiveDate>,
}

/// A step on an assignment.
#[derive(InputObject)]
pub struct AssignmentStepInput {
    /// The assignment.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// What was done.
    pub note: Option<String>,
}

/// Progress on an assignment.
#[derive(InputObject)]
pub struct RecordProgressInput {
    /// The assignment.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// Progress in percent, 0–100.
    pub progress: i32,
    /// What was done.
    pub note: Option<String>,
}

/// The result of an assignment mutation.
#[derive(SimpleObject)]
pub struct AssignmentPayload {
    /// The assignment as it is now (its task's status and progress follow it).
    pub assignment: Assignment,
}

#[derive(Default)]
pub struct WorkMutation;

impl WorkMutation {
    async fn step(
        ctx: &Context<'_>,
        id: &ID,
        version: i32,
        step: Step,
        note: Option<String>,
    ) -> AppResult<AssignmentPayload> {
        let id = id::decode("input.id", NodeType::Assignment, id)?;
        let a =
            assignments::report_step(ctx.writer(), &ctx.actor()?, id, version, step, note).await?;
        let plan = crate::domain::planning::load_task(ctx.db(), a.task_id)
            .await?
            .plan_id;
        super::live::publish(
            ctx,
            crate::events::EventKind::AssignmentChanged,
            a.id,
            a.unit_id,
            Some(plan),
            Some(a.status.as_str()),
        )
        .await;
        Ok(AssignmentPayload {
            assignment: Assignment(a),
        })
    }
}

#[Object]
impl WorkMutation {
    /// Assigns a task of a plan in your scope to a unit in your scope (STEERING, ADMIN,
    /// UNIT_MANAGER).
    async fn assign_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assignment.")] input: AssignTaskInput,
    ) -> AppResult<AssignmentPayload> {
        let task = id::decode("input.taskId", NodeType::Task, &input.task_id)?;
        let unit = id::decode("input.unitId", NodeType::Unit, &input.unit_id)?;
        let a = assignments::assign(
            ctx.writer(),
            &ctx.actor()?,
            task,
            unit,
            input.role.into(),
            input.due_on,
        )
        .await?;
        let plan = crate::domain::planning::load_task(ctx.db(), a.task_id)
            .await?
            .plan_id;
        super::live::publish(
            ctx,
            crate::events::EventKind::TaskAssigned,
            a.id,
            a.unit_id,
            Some(plan),
            Some(a.status.as_str()),
        )
        .await;
        Ok(AssignmentPayload {
            assignment: Assignment(a),
        })
    }

    /// The assigned unit acknowledges the task.
    async fn acknowledge_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assignment.")] input: AssignmentStepInput,
    ) -> AppResult<AssignmentPayload> {
        Self::step(ctx, &input.id, input.version, Step::Acknowledge, input.note).await
    }

    /// The assigned unit records progress (appended to the log).
    async fn record_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The progress.")] input: RecordProgressInput,
    ) -> AppResult<AssignmentPayload> {
        Self::step(
            ctx,
            &input.id,
            input.version,
            Step::Progress(input.progress),
            input.note,
        )
        .await
    }

    /// The assigned unit completes its part (progress 100).
    async fn complete_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assignment.")] input: AssignmentStepInput,
    ) -> AppResult<AssignmentPayload> {
        Self::step(ctx, &input.id, input.version, Step::Complete, input.note).await
    }
}
