//! Assignments: a task given to a unit as lead or coordinating unit, its progress log, and
//! the task status that derives from them.

use chrono::{NaiveDate, Utc};
use entity::{
    AssignmentRole, AssignmentStatus, PlanStatus, Provenance, TaskStatus, assignment,
    assignment_update,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz,
    planning::{check_within_period, load_plan, load_task, optional_text},
    write::{Writer, check_version, save_versioned},
};
use crate::error::{AppError, AppResult};

/// Task status and progress from its assignments (the rule the schema documents):
/// - cancelled assignments do not count; a task whose assignments are all cancelled is cancelled;
/// - progress is the lead unit's progress, or the mean of the assignments without a lead;
/// - done when every counted assignment is done; in progress once any has progress or started;
///   not started otherwise (and with no assignments at all).
pub fn derive_task_state(
    assignments: &[(AssignmentRole, AssignmentStatus, i16)],
) -> (TaskStatus, i16) {
    if assignments.is_empty() {
        return (TaskStatus::NotStarted, 0);
    }
    let active: Vec<_> = assignments
        .iter()
        .filter(|(_, s, _)| !matches!(s, AssignmentStatus::Cancelled | AssignmentStatus::Rerouted))
        .collect();
    if active.is_empty() {
        return (TaskStatus::Cancelled, 0);
    }
    if active.iter().all(|(_, s, _)| *s == AssignmentStatus::Done) {
        return (TaskStatus::Done, 100);
    }
    let progress = match active.iter().find(|(r, _, _)| *r == AssignmentRole::Lead) {
        Some((_, _, p)) => *p,
        None => {
            let sum: i32 = active.iter().map(|(_, _, p)| i32::from(*p)).sum();
            (sum / active.len() as i32) as i16
        }
    };
    let started = active.iter().any(|(_, s, p)| {
        *p > 0 || matches!(s, AssignmentStatus::InProgress | AssignmentStatus::Done)
    });
    if started {
        (TaskStatus::InProgress, progress.min(99))
    } else {
        (TaskStatus::NotStarted, progress)
    }
}

/// Recomputes a task's status and progress from its assignments.
pub(crate) async fn refresh_task(db: &impl ConnectionTrait, task_id: Uuid) -> AppResult<()> {
    let rows = assignment::Entity::find()
        .filter(assignment::Column::TaskId.eq(task_id))
        .all(db)
        .await?;
    let state: Vec<_> = rows
        .iter()
        .map(|a| (a.role, a.status, a.progress))
        .collect();
    let (status, progress) = derive_task_state(&state);
    let task = load_task(db, task_id).await?;
    if task.status != status || task.progress != progress {
        let version = task.version;
        let mut am = task.into_active_model();
        am.status = Set(status);
        am.progress = Set(progress);
        am.version = Set(version + 1);
        am.updated_at = Set(Utc::now());
        am.update(db).await?;
    }
    // The task (and its plan) shows its assignments and their progress: re-send it.
    super::sync::touch_task(db, task_id).await
}

/// Assigns a task of a plan in the caller's scope to a unit also in its scope.
pub async fn assign(
    w: &Writer,
    actor: &Actor,
    task_id: Uuid,
    unit_id: Uuid,
    role: AssignmentRole,
    due_on: Option<NaiveDate>,
) -> AppResult<assignment::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move { assign_in(txn, &actor, task_id, unit_id, role, due_on).await })
    })
    .await
}

/// Assigns a task inside the caller's transaction (an import assigns the tasks of a file).
pub(crate) async fn assign_in(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    task_id: Uuid,
    unit_id: Uuid,
    role: AssignmentRole,
    due_on: Option<NaiveDate>,
) -> AppResult<assignment::Model> {
    let task = super::planning::visible_task(txn, &actor.caller, task_id).await?;
    let plan = load_plan(txn, task.plan_id).await?;
    authz::require(txn, &actor.caller, authz::PLANNERS, plan.issuing_unit_id).await?;
    if plan.status == PlanStatus::Closed {
        return Err(AppError::bad_input("taskId", "the plan is closed"));
    }
    authz::require_unit_for(txn, &actor.caller, authz::PLANNERS, "unitId", unit_id).await?;
    check_within_period("dueOn", &plan, due_on)?;
    let existing = assignment::Entity::find()
        .filter(assignment::Column::TaskId.eq(task_id))
        .all(txn)
        .await?;
    if existing.iter().any(|a| a.unit_id == unit_id) {
        return Err(AppError::Conflict(
            "the task is already assigned to this unit".into(),
        ));
    }
    if role == AssignmentRole::Lead
        && existing.iter().any(|a| {
            a.role == AssignmentRole::Lead
                && !matches!(
                    a.status,
                    AssignmentStatus::Cancelled | AssignmentStatus::Rerouted
                )
        })
    {
        return Err(AppError::Conflict(
            "the task already has a lead unit".into(),
        ));
    }
    let now = Utc::now();
    let created = assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(task_id),
        unit_id: Set(unit_id),
        role: Set(role),
        due_on: Set(due_on.or(task.due_on)),
        status: Set(AssignmentStatus::Assigned),
        progress: Set(0),
        provenance: Set(Provenance::User),
        field_provenance: Set(None),
        rerouted_from_id: Set(None),
        rerouted_to_id: Set(None),
        active_from: Set(None),
        rerouted_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    refresh_task(txn, task_id).await?;
    // A unit assigned for the first time in this plan makes the plan and its tasks
    // visible to the callers over that unit: send them as changes.
    let first_in_plan = sea_orm::PaginatorTrait::count(
        assignment::Entity::find()
            .filter(assignment::Column::UnitId.eq(unit_id))
            .filter(assignment::Column::Id.ne(created.id))
            .filter(
                assignment::Column::TaskId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(entity::task::Column::Id)
                        .from(entity::task::Entity)
                        .and_where(entity::task::Column::PlanId.eq(plan.id))
                        .to_owned(),
                ),
            ),
        txn,
    )
    .await?
        == 0;
    if first_in_plan {
        super::sync::touch_plan(txn, plan.id, true).await?;
    }
    audit::record(
        txn,
        actor,
        Change::of("task.assign", "Assignment", created.id, Some(unit_id)).after(&created),
    )
    .await?;
    Ok(created)
}

/// What a unit reports on its assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Acknowledge,
    Progress(i32),
    Complete,
}

/// Moves an assignment on: acknowledge, record progress, complete. Each step appends to the
/// assignment's log and recomputes the task.
pub async fn report_step(
    w: &Writer,
    actor: &Actor,
    assignment_id: Uuid,
    version: i32,
    step: Step,
    note: Option<String>,
) -> AppResult<assignment::Model> {
    if let Step::Progress(p) = step
        && !(0..=100).contains(&p)
    {
        return Err(AppError::bad_input(
            "progress",
            "progress is a percentage from 0 to 100",
        ));
    }
    let note = optional_text("note", note.as_deref())?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = super::tasks::get_assignment(txn, &actor.caller, assignment_id)
                .await?
                .ok_or(AppError::NotFound("assignment"))?;
            authz::require(txn, &actor.caller, authz::WRITERS, before.unit_id).await?;
            check_version(before.version, version)?;
            if matches!(
                before.status,
                AssignmentStatus::Done | AssignmentStatus::Cancelled | AssignmentStatus::Rerouted
            ) {
                return Err(AppError::bad_input(
                    "id",
                    "the assignment is already closed",
                ));
            }
            let (status, progress, action) = match step {
                Step::Acknowledge if before.status == AssignmentStatus::Assigned => (
                    AssignmentStatus::Acknowledged,
                    before.progress,
                    "assignment.acknowledge",
                ),
                Step::Acknowledge => {
                    return Err(AppError::bad_input(
                        "id",
                        "the assignment was already acknowledged",
                    ));
                }
                Step::Progress(p) => (
                    AssignmentStatus::InProgress,
                    p as i16,
                    "assignment.progress",
                ),
                Step::Complete => (AssignmentStatus::Done, 100, "assignment.complete"),
            };
            let now = Utc::now();
            let mut am = before.clone().into_active_model();
            am.status = Set(status);
            am.progress = Set(progress);
            let after = save_versioned!(txn, assignment, am, version, now);
            assignment_update::ActiveModel {
                id: Set(Uuid::now_v7()),
                assignment_id: Set(assignment_id),
                author_id: Set(actor.caller.person()),
                status: Set(status),
                progress: Set(progress),
                note: Set(note),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            refresh_task(txn, after.task_id).await?;
            audit::record(
                txn,
                &actor,
                Change::of(action, "Assignment", assignment_id, Some(after.unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// The progress log of an assignment, oldest first.
pub async fn updates(
    db: &impl ConnectionTrait,
    assignment_id: Uuid,
) -> AppResult<Vec<assignment_update::Model>> {
    Ok(assignment_update::Entity::find()
        .filter(assignment_update::Column::AssignmentId.eq(assignment_id))
        .order_by_asc(assignment_update::Column::CreatedAt)
        .order_by_asc(assignment_update::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssignmentRole::{Coordinate, Lead};
    use AssignmentStatus::{Acknowledged, Assigned, Cancelled, Done, InProgress};

    #[test]
    fn no_assignments_means_not_started() {
        assert_eq!(derive_task_state(&[]), (TaskStatus::NotStarted, 0));
        assert_eq!(
            derive_task_state(&[(Lead, Assigned, 0), (Coordinate, Acknowledged, 0)]),
            (TaskStatus::NotStarted, 0)
        );
    }

    #[test]
    fn progress_follows_the_lead_unit() {
        assert_eq!(
            derive_task_state(&[(Lead, InProgress, 60), (Coordinate, InProgress, 10)]),
            (TaskStatus::InProgress, 60)
        );
    }

    #[test]
    fn without_a_lead_progress_is_the_mean() {
        assert_eq!(
            derive_task_state(&[(Coordinate, InProgress, 40), (Coordinate, Assigned, 0)]),
            (TaskStatus::InProgress, 20)
        );
    }

    #[test]
    fn done_only_when_every_counted_assignment_is_done() {
        assert_eq!(
            derive_task_state(&[(Lead, Done, 100), (Coordinate, InProgress, 50)]).0,
            TaskStatus::InProgress
        );
        assert_eq!(
            derive_task_state(&[(Lead, Done, 100), (Coordinate, Cancelled, 0)]),
            (TaskStatus::Done, 100)
        );
        assert_eq!(
            derive_task_state(&[(Lead, Cancelled, 0)]),
            (TaskStatus::Cancelled, 0)
        );
    }

    #[test]
    fn an_unfinished_task_never_shows_100() {
        assert_eq!(
            derive_task_state(&[(Lead, InProgress, 100), (Coordinate, Assigned, 0)]),
            (TaskStatus::InProgress, 99)
        );
    }
}
