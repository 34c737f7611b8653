//! Tasks and their assignments.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::NaiveDate;
use entity::{assignment, task as db};

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::{AssignmentRole, AssignmentStatus, Provenance, TaskStatus},
    id::{self, NodeType},
    legal::LegalReference,
    loaders::{failed, feeding, group},
    plan::Plan,
    unit::{self, Unit},
};
use crate::{domain::tasks, error::AppResult};

/// A task (nhiệm vụ) of a plan. The plan's key contents are its top-level tasks (codes "1"…"7"
/// for Plan 24-KH/BCĐ); each may have sub-tasks. Status and progress derive from the
/// assignments; overdue derives from the due date and today's date in the province
/// (Asia/Ho_Chi_Minh).
pub struct Task(pub db::Model);

connection!(
    TaskConnection,
    TaskEdge,
    Task,
    "A page of tasks.",
    "A task in a page, with its cursor."
);

/// A task (nhiệm vụ) of a plan. The plan's key contents are its top-level tasks (codes "1"…"7"
/// for Plan 24-KH/BCĐ); each may have sub-tasks. Status and progress derive from the
/// assignments; overdue derives from the due date and today's date in the province
/// (Asia/Ho_Chi_Minh).
#[Object]
impl Task {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Task, self.0.id)
    }
    /// Code within the plan: "1"…"7" for the contents, "1.1" for sub-tasks.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Order among its siblings, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// Key content area (1–7) the task belongs to.
    async fn content_area(&self) -> Option<i32> {
        self.0.content_area.map(i32::from)
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Full text (for the plan's contents: the plan's own paragraph).
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Due date, when the task has one.
    async fn due_on(&self) -> Option<NaiveDate> {
        self.0.due_on
    }
    /// Version for optimistic concurrency: send it back with any edit.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Status, derived from the assignments: cancelled assignments do not count; DONE when
    /// every other assignment is done; IN_PROGRESS once any has progress or has started;
    /// NOT_STARTED otherwise (also with no assignment); CANCELLED when all are cancelled.
    async fn status(&self) -> TaskStatus {
        self.0.status.into()
    }
    /// Progress in percent (0–100): the lead unit's progress, or the mean over the
    /// assignments when there is no lead; 100 only when the task is done.
    async fn progress(&self) -> i32 {
        i32::from(self.0.progress)
    }
    /// True when the due date has passed on the province's calendar (Asia/Ho_Chi_Minh) and
    /// the task is neither done nor cancelled; never for a task without a due date.
    async fn is_overdue(&self, ctx: &Context<'_>) -> bool {
        tasks::is_overdue(&self.0, ctx.today())
    }
    /// Where this record comes from (sub-tasks the article does not list are ASSUMED).
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
    /// Fields whose provenance differs from `provenance` (empty when none does).
    async fn field_provenance(&self) -> Vec<super::provenance::FieldProvenance> {
        super::provenance::fields(self.0.field_provenance.as_deref())
    }
    /// What in this record is not from the source, or other remarks.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The plan the task belongs to.
    async fn plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        let loaders = ctx.loaders();
        if ctx.look_ahead().field("issuingUnit").exists() {
            let rows = group(loaders.plans_with_issuer.load_one(self.0.plan_id).await)?;
            let plans = feeding(rows, &loaders.units, |u| u.id).await;
            return Ok(plans.into_iter().next().map(Plan));
        }
        Ok(loaders
            .plans
            .load_one(self.0.plan_id)
            .await
            .map_err(failed)?
            .map(Plan))
    }
    /// Parent task; null for a top-level content.
    async fn parent(&self, ctx: &Context<'_>) -> AppResult<Option<Task>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .tasks
            .load_one(parent)
            .await
            .map_err(failed)?
            .map(Task))
    }
    /// Sub-tasks in order.
    async fn children(&self, ctx: &Context<'_>) -> AppResult<Vec<Task>> {
        Ok(ctx
            .loaders()
            .task_children
            .load_one(self.0.id)
            .await
            .map_err(failed)?
            .unwrap_or_default()
            .into_iter()
            .map(Task)
            .collect())
    }
    /// Units the task is assigned to: one lead, any number coordinating.
    async fn assignments(&self, ctx: &Context<'_>) -> AppResult<Vec<Assignment>> {
        let loaders = ctx.loaders();
        if ctx.look_ahead().field("unit").exists() {
            let rows = group(
                loaders
                    .task_assignments_with_units
                    .load_one(self.0.id)
                    .await,
            )?;
            let rows = feeding(rows, &loaders.units, |u| u.id).await;
            return Ok(rows.into_iter().map(Assignment).collect());
        }
        Ok(loaders
            .task_assignments
            .load_one(self.0.id)
            .await
            .map_err(failed)?
            .unwrap_or_default()
            .into_iter()
            .map(Assignment)
            .collect())
    }
    /// Legal documents the task rests on, with what each requires.
    async fn legal_references(&self, ctx: &Context<'_>) -> AppResult<Vec<LegalReference>> {
        let loaders = ctx.loaders();
        if ctx.look_ahead().field("document").exists() {
            let rows = group(
                loaders
                    .task_references_with_documents
                    .load_one(self.0.id)
                    .await,
            )?;
            let rows = feeding(rows, &loaders.documents, |d| d.id).await;
            return Ok(rows.into_iter().map(LegalReference).collect());
        }
        Ok(loaders
            .task_references
            .load_one(self.0.id)
            .await
            .map_err(failed)?
            .unwrap_or_default()
            .into_iter()
            .map(LegalReference)
            .collect())
    }
    /// The task of the parent plan this task implements (for derived plans).
    async fn derived_from(&self, ctx: &Context<'_>) -> AppResult<Option<Task>> {
        let Some(origin) = self.0.derived_from_task_id else {
            return Ok(None);
        };
        Ok(tasks::get(ctx.db(), ctx.caller()?, origin).await?.map(Task))
    }
}

/// A task given to a unit, as lead (chủ trì) or coordinating (phối hợp) unit.
pub struct Assignment(pub assignment::Model);

/// A task given to a unit, as lead (chủ trì) or coordinating (phối hợp) unit.
#[Object]
impl Assignment {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Assignment, self.0.id)
    }
    /// Lead or coordinating.
    async fn role(&self) -> AssignmentRole {
        self.0.role.into()
    }
    /// Status of the unit's work on the task.
    async fn status(&self) -> AssignmentStatus {
        self.0.status.into()
    }
    /// Due date for this unit.
    async fn due_on(&self) -> Option<NaiveDate> {
        self.0.due_on
    }
    /// Progress reported by the unit, in percent.
    async fn progress(&self) -> i32 {
        i32::from(self.0.progress)
    }
    /// Version for optimistic concurrency: send it back with any step.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The unit's progress log, oldest first (append-only).
    async fn updates(&self, ctx: &Context<'_>) -> AppResult<Vec<super::work::AssignmentUpdate>> {
        ctx.caller()?;
        Ok(
            group(ctx.loaders().assignment_updates.load_one(self.0.id).await)?
                .into_iter()
                .map(super::work::AssignmentUpdate)
                .collect(),
        )
    }
    /// Where this record comes from.
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
    /// Fields whose provenance differs from `provenance` (empty when none does).
    async fn field_provenance(&self) -> Vec<super::provenance::FieldProvenance> {
        super::provenance::fields(self.0.field_provenance.as_deref())
    }
    /// The assigned unit.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
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
    /// The successor unit's assignment that took this one over when this unit was
    /// reorganised (status REROUTED).
    async fn rerouted_to(&self, ctx: &Context<'_>) -> AppResult<Option<Assignment>> {
        sibling(ctx, self.0.rerouted_to_id).await
    }
    /// The reorganised unit's assignment this one took over.
    async fn rerouted_from(&self, ctx: &Context<'_>) -> AppResult<Option<Assignment>> {
        sibling(ctx, self.0.rerouted_from_id).await
    }
    /// Day this assignment was handed to a successor, if it was.
    async fn rerouted_on(&self) -> Option<NaiveDate> {
        self.0.rerouted_on
    }
    /// Day an assignment taken over from a reorganised unit starts counting.
    async fn active_from(&self) -> Option<NaiveDate> {
        self.0.active_from
    }
}

/// Another assignment of the same task; the caller already sees the task.
async fn sibling(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> AppResult<Option<Assignment>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loaders()
        .assignments
        .load_one(id)
        .await
        .map_err(failed)?
        .map(Assignment))
}

/// Filters for task lists.
#[derive(InputObject, Default)]
pub struct TaskFilter {
    /// Only tasks of this plan.
    pub plan: Option<ID>,
    /// Only the sub-tasks of this task.
    pub parent: Option<ID>,
    /// True: only top-level tasks (the plan's contents); false: only sub-tasks.
    pub top_level: Option<bool>,
    /// Tasks of plans issued in this unit's subtree, or assigned to units in it.
    pub unit: Option<ID>,
    /// Only these statuses. At most 1,000 items.
    pub statuses: Option<Vec<TaskStatus>>,
    /// Only this key content area (1–7).
    pub content_area: Option<i32>,
    /// Due on or after this date.
    pub due_from: Option<NaiveDate>,
    /// Due on or before this date.
    pub due_to: Option<NaiveDate>,
    /// True: only overdue tasks; false: every task that is not overdue, including those
    /// without a due date. Judged on the province's day (Asia/Ho_Chi_Minh).
    pub overdue: Option<bool>,
    /// Words of the code, title or description; case and diacritics are ignored.
    pub search: Option<String>,
    /// Only records changed at or after this time (server clock). A time later than the
    /// server's clock is `BAD_USER_INPUT`.
    #[graphql(
        deprecation = "Use `changes`: a time from the device's clock misses changes, \
                             and records that enter or leave your view are not listed."
    )]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

impl TaskFilter {
    pub fn into_domain(self) -> AppResult<tasks::TaskFilter> {
        Ok(tasks::TaskFilter {
            plan: id::decode_opt("filter.plan", NodeType::Plan, self.plan.as_ref())?,
            parent: id::decode_opt("filter.parent", NodeType::Task, self.parent.as_ref())?,
            top_level: self.top_level,
            unit: id::decode_opt("filter.unit", NodeType::Unit, self.unit.as_ref())?,
            statuses: self
                .statuses
                .map(|ss| ss.into_iter().map(Into::into).collect()),
            content_area: self.content_area,
            due_from: self.due_from,
            due_to: self.due_to,
            overdue: self.overdue,
            search: self.search,
            updated_since: self.updated_since,
        })
    }
}

#[derive(Default)]
pub struct TaskQuery;

#[Object]
impl TaskQuery {
    /// Tasks of the plans the caller sees, in plan and tree order.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned task meets.")] filter: Option<TaskFilter>,
    ) -> AppResult<TaskConnection> {
        let caller = ctx.caller()?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let page = tasks::list(
            ctx.db(),
            caller,
            &filter,
            ctx.today(),
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(TaskConnection::from_page(page, Task))
    }

    /// One task by id; null when it does not exist or the caller may not see it.
    async fn task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the task.")] id: ID,
    ) -> AppResult<Option<Task>> {
        let caller = ctx.caller()?;
        let uuid = id::decode("id", NodeType::Task, &id)?;
        Ok(tasks::get(ctx.db(), caller, uuid).await?.map(Task))
    }
}
