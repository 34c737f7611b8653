//! The report workflow: draft → submitted → approved, or returned with a comment and
//! resubmitted. Approved reports never change; a correction is a new revision.

use chrono::{NaiveDate, Utc};
use entity::{
    ReportKind, ReportStatus, indicator, indicator_value, report, report_obligation,
    report_schedule, report_task_progress, task,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz,
    planning::{load_open_unit, optional_text, required_text},
    reports,
    write::{Writer, check_version, save_versioned},
};
use crate::{
    error::{AppError, AppResult},
    text,
};

/// What moves a report along its workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Edit,
    Submit,
    Approve,
    Return,
}

/// The workflow as a table: the status a transition leads to, or why it is refused.
pub fn next_status(from: ReportStatus, t: Transition) -> Result<ReportStatus, &'static str> {
    use ReportStatus::{Approved, Draft, Returned, Submitted};
    match (from, t) {
        (Draft | Returned, Transition::Edit) => Ok(from),
        (Draft | Returned, Transition::Submit) => Ok(Submitted),
        (Submitted, Transition::Approve) => Ok(Approved),
        (Submitted, Transition::Return) => Ok(Returned),
        (Approved, Transition::Edit) => {
            Err("an approved report never changes; create a correction")
        }
        (Submitted, Transition::Edit) => {
            Err("a submitted report is under review; wait for it to be returned")
        }
        (Submitted, Transition::Submit) => Err("the report is already submitted"),
        (Approved, _) => Err("the report is already approved"),
        (Draft | Returned, Transition::Approve | Transition::Return) => {
            Err("only a submitted report can be reviewed")
        }
    }
}

/// A report named by the caller: one it cannot see answers exactly as an unknown id
/// (`NOT_FOUND`), so no refusal reveals that another unit's report exists.
async fn load(
    db: &impl ConnectionTrait,
    caller: &crate::auth::Caller,
    id: Uuid,
) -> AppResult<report::Model> {
    reports::get(db, caller, id)
        .await?
        .ok_or(AppError::NotFound("report"))
}

/// A report to draft: for an obligation (the usual case) or ad hoc for a unit.
#[derive(Clone, Debug, Default)]
pub struct NewReport {
    pub obligation: Option<Uuid>,
    pub unit: Option<Uuid>,
    pub plan: Option<Uuid>,
    pub kind: Option<ReportKind>,
    pub title: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
}

pub async fn create(w: &Writer, actor: &Actor, new: NewReport) -> AppResult<report::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| Box::pin(async move { create_in(txn, &actor, new).await }))
        .await
}

/// Drafts a report inside the caller's transaction (an import drafts the reports its values
/// go into).
pub(crate) async fn create_in(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    new: NewReport,
) -> AppResult<report::Model> {
    // The one clock: a submission instant is judged by its day (`isLate`, compliance).
    let now = actor.caller.clock.now();
    let (unit_id, schedule) = match new.obligation {
        Some(obligation_id) => {
            let obligation = report_obligation::Entity::find_by_id(obligation_id)
                .one(txn)
                .await?
                .ok_or_else(|| AppError::bad_input("input.obligationId", "obligation not found"))?;
            // Another unit's obligation answers as an unknown one.
            if !super::units::all_within(txn, &actor.caller.read_scopes(), &[obligation.unit_id])
                .await?
            {
                return Err(AppError::bad_input(
                    "input.obligationId",
                    "obligation not found",
                ));
            }
            if new.unit.is_some_and(|u| u != obligation.unit_id) {
                return Err(AppError::bad_input(
                    "input.obligationId",
                    "the obligation belongs to another unit",
                ));
            }
            authz::require(txn, &actor.caller, authz::WRITERS, obligation.unit_id).await?;
            let current = report::Entity::find()
                .filter(report::Column::ObligationId.eq(obligation_id))
                .one(txn)
                .await?;
            if current.is_some() {
                return Err(AppError::Conflict(
                    "a report for this obligation exists; edit it or correct it".into(),
                ));
            }
            let schedule = report_schedule::Entity::find_by_id(obligation.schedule_id)
                .one(txn)
                .await?
                .ok_or(AppError::NotFound("report schedule"))?;
            (obligation.unit_id, Some((obligation_id, schedule)))
        }
        None => {
            let unit = new.unit.ok_or_else(|| {
                AppError::bad_input("input.unitId", "name the obligation or the unit")
            })?;
            authz::require_visible_unit(txn, &actor.caller, "input.unitId", unit).await?;
            load_open_unit(txn, "input.unitId", unit, actor.caller.today()).await?;
            authz::require(txn, &actor.caller, authz::WRITERS, unit).await?;
            (unit, None)
        }
    };
    let (kind, title, start, end, plan, recipient, obligation, schedule_id) = match &schedule {
        Some((obligation, s)) => (
            s.kind,
            new.title.clone().unwrap_or_else(|| s.title.clone()),
            s.period_start,
            s.period_end,
            Some(s.plan_id),
            s.recipient_unit_id,
            Some(*obligation),
            Some(s.id),
        ),
        None => {
            let start = new.period_start.ok_or_else(|| {
                AppError::bad_input("input.periodStart", "required without an obligation")
            })?;
            let end = new.period_end.ok_or_else(|| {
                AppError::bad_input("input.periodEnd", "required without an obligation")
            })?;
            if end < start {
                return Err(AppError::bad_input(
                    "input.periodEnd",
                    "the period ends before it starts",
                ));
            }
            if let Some(plan) = new.plan {
                require_plan_of_unit(txn, unit_id, plan).await?;
            }
            (
                new.kind.unwrap_or(ReportKind::AdHoc),
                new.title.clone().unwrap_or_default(),
                start,
                end,
                new.plan,
                None,
                None,
                None,
            )
        }
    };
    let title = required_text("input.title", &title)?;
    let created = report::ActiveModel {
        id: Set(Uuid::now_v7()),
        unit_id: Set(unit_id),
        recipient_unit_id: Set(recipient),
        plan_id: Set(plan),
        schedule_id: Set(schedule_id),
        obligation_id: Set(obligation),
        kind: Set(kind),
        search_text: Set(text::fold(&title)),
        title: Set(title),
        period_start: Set(start),
        period_end: Set(end),
        status: Set(ReportStatus::Draft),
        revision: Set(1),
        previous_id: Set(None),
        results: Set(None),
        limitations: Set(None),
        causes: Set(None),
        lessons: Set(None),
        next_steps: Set(None),
        review_comment: Set(None),
        author_id: Set(actor.caller.person()),
        submitted_at: Set(None),
        first_submitted_at: Set(None),
        approved_at: Set(None),
        sort_key: Set(reports::sort_key(end, now)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        actor,
        Change::of("report.create", "Report", created.id, Some(unit_id)).after(&created),
    )
    .await?;
    Ok(created)
}

/// Refuses, as an unknown id, a plan the unit's report may not be about (another unit's plan,
/// or a draft above it): the id a caller writes into the report must belong to its unit.
async fn require_plan_of_unit(db: &impl ConnectionTrait, unit: Uuid, plan: Uuid) -> AppResult<()> {
    let found = entity::plan::Entity::find_by_id(plan)
        .filter(super::scope::plans_for_unit(unit))
        .one(db)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(AppError::bad_input("input.planId", "plan not found")),
    }
}

/// A task's progress as a report states it.
#[derive(Clone, Debug)]
pub struct ProgressInput {
    pub task: Uuid,
    pub progress: i32,
    pub note: Option<String>,
}

/// An indicator value as a report states it.
#[derive(Clone, Debug)]
pub struct ValueInput {
    pub code: String,
    pub value: f64,
    pub note: Option<String>,
}

/// Changes to a draft or returned report. Lists, when given, replace what the report had.
#[derive(Clone, Debug, Default)]
pub struct ReportPatch {
    pub title: Option<String>,
    pub results: Option<String>,
    pub limitations: Option<String>,
    pub causes: Option<String>,
    pub lessons: Option<String>,
    pub next_steps: Option<String>,
    pub progress: Option<Vec<ProgressInput>>,
    pub indicator_values: Option<Vec<ValueInput>>,
}

pub async fn update(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: ReportPatch,
) -> AppResult<report::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = load(txn, &actor.caller, id).await?;
            authz::require(txn, &actor.caller, authz::WRITERS, before.unit_id).await?;
            check_version(before.version, version)?;
            next_status(before.status, Transition::Edit)
                .map_err(|m| AppError::bad_input("id", m))?;
            let mut am = before.clone().into_active_model();
            if let Some(t) = &patch.title {
                let title = required_text("input.title", t)?;
                am.search_text = Set(text::fold(&title));
                am.title = Set(title);
            }
            let sections = [
                (&patch.results, "input.results"),
                (&patch.limitations, "input.limitations"),
                (&patch.causes, "input.causes"),
                (&patch.lessons, "input.lessons"),
                (&patch.next_steps, "input.nextSteps"),
            ];
            let mut cleaned = Vec::new();
            for (value, field) in sections {
                cleaned.push(match value {
                    Some(v) => Some(optional_text(field, Some(v))?),
                    None => None,
                });
            }
            if let Some(v) = cleaned[0].clone() {
                am.results = Set(v);
            }
            if let Some(v) = cleaned[1].clone() {
                am.limitations = Set(v);
            }
            if let Some(v) = cleaned[2].clone() {
                am.causes = Set(v);
            }
            if let Some(v) = cleaned[3].clone() {
                am.lessons = Set(v);
            }
            if let Some(v) = cleaned[4].clone() {
                am.next_steps = Set(v);
            }
            // The one clock: a submission instant is judged by its day (`isLate`, compliance).
            let now = actor.caller.clock.now();
            if let Some(entries) = &patch.progress {
                replace_progress(txn, &before, entries, now).await?;
            }
            if let Some(values) = &patch.indicator_values {
                replace_values(txn, &before, values, now).await?;
            }
            let after = save_versioned!(txn, report, am, version, now);
            audit::record(
                txn,
                &actor,
                Change::of("report.update", "Report", id, Some(after.unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

async fn replace_progress(
    db: &impl ConnectionTrait,
    report: &report::Model,
    entries: &[ProgressInput],
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    let mut rows = Vec::new();
    let mut seen = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let field = format!("input.progress[{i}]");
        if !(0..=100).contains(&e.progress) {
            return Err(AppError::bad_input(
                format!("{field}.progress"),
                "progress is a percentage from 0 to 100",
            ));
        }
        // A report speaks only for its own unit's work: tasks of plans issued in its subtree or
        // assigned there. Any other task, another district's derived task included, answers as
        // an unknown id.
        let task = task::Entity::find_by_id(e.task)
            .filter(super::scope::tasks_of_units(&[report.unit_id]))
            .one(db)
            .await?
            .ok_or_else(|| AppError::bad_input(format!("{field}.taskId"), "task not found"))?;
        if !reportable_task(db, report, &task).await? {
            return Err(AppError::bad_input(
                format!("{field}.taskId"),
                "the task is not part of the plan this report is for",
            ));
        }
        if seen.contains(&task.id) {
            return Err(AppError::bad_input(
                format!("{field}.taskId"),
                "the task is listed twice",
            ));
        }
        seen.push(task.id);
        rows.push(report_task_progress::ActiveModel {
            id: Set(Uuid::now_v7()),
            report_id: Set(report.id),
            task_id: Set(task.id),
            progress: Set(e.progress as i16),
            note: Set(optional_text(&format!("{field}.note"), e.note.as_deref())?),
            created_at: Set(now),
        });
    }
    report_task_progress::Entity::delete_many()
        .filter(report_task_progress::Column::ReportId.eq(report.id))
        .exec(db)
        .await?;
    if !rows.is_empty() {
        report_task_progress::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A report speaks for the tasks of its plan and of the plans derived from it.
async fn reportable_task(
    db: &impl ConnectionTrait,
    report: &report::Model,
    task: &task::Model,
) -> AppResult<bool> {
    let Some(plan_id) = report.plan_id else {
        return Ok(true);
    };
    if task.plan_id == plan_id {
        return Ok(true);
    }
    let mut current = Some(task.plan_id);
    // Derivation chains are short (province → district → commune); a bound guards cycles.
    for _ in 0..8 {
        let Some(id) = current else { break };
        let p = entity::plan::Entity::find_by_id(id).one(db).await?;
        current = p.and_then(|p| p.parent_plan_id);
        if current == Some(plan_id) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a report may state `value` for `def`, or which part (`code`, `value`) is wrong and
/// why: a rate is computed from its parts (a value stated for it would be dropped), and a value
/// fits its indicator's measure.
pub(crate) fn check_stated_value(
    def: &indicator::Model,
    value: f64,
) -> Result<(), (&'static str, String)> {
    if def.aggregation == entity::Aggregation::Ratio {
        return Err((
            "code",
            format!(
                "`{}` is a rate computed from its numerator and denominator: report those",
                def.code
            ),
        ));
    }
    super::indicators::check_value(def.measure, value).map_err(|m| ("value", m))
}

async fn replace_values(
    db: &impl ConnectionTrait,
    report: &report::Model,
    values: &[ValueInput],
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    let mut rows: Vec<indicator_value::ActiveModel> = Vec::new();
    let mut seen = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let field = format!("input.indicatorValues[{i}]");
        let def = indicator::Entity::find()
            .filter(indicator::Column::Code.eq(v.code.trim()))
            .one(db)
            .await?
            .ok_or_else(|| {
                AppError::bad_input(
                    format!("{field}.code"),
                    format!("unknown indicator `{}`", v.code),
                )
            })?;
        check_stated_value(&def, v.value)
            .map_err(|(part, m)| AppError::bad_input(format!("{field}.{part}"), m))?;
        if seen.contains(&def.id) {
            return Err(AppError::bad_input(
                format!("{field}.code"),
                "the indicator is listed twice",
            ));
        }
        seen.push(def.id);
        rows.push(indicator_value::ActiveModel {
            id: Set(Uuid::now_v7()),
            report_id: Set(report.id),
            indicator_id: Set(def.id),
            value: Set(v.value),
            note: Set(optional_text(&format!("{field}.note"), v.note.as_deref())?),
            created_at: Set(now),
        });
    }
    indicator_value::Entity::delete_many()
        .filter(indicator_value::Column::ReportId.eq(report.id))
        .exec(db)
        .await?;
    if !rows.is_empty() {
        indicator_value::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Submits, approves or returns a report.
pub async fn transition(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    step: Transition,
    comment: Option<String>,
) -> AppResult<report::Model> {
    let comment = match step {
        // A review comment is free text: line breaks stay.
        Transition::Return => Some(
            optional_text("comment", comment.as_deref())?
                .ok_or_else(|| AppError::bad_input("comment", "must not be empty"))?,
        ),
        _ => optional_text("comment", comment.as_deref())?,
    };
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = load(txn, &actor.caller, id).await?;
            match step {
                Transition::Submit | Transition::Edit => {
                    authz::require(txn, &actor.caller, authz::WRITERS, before.unit_id).await?;
                }
                Transition::Approve | Transition::Return => {
                    require_reviewer(txn, &actor, &before).await?
                }
            }
            check_version(before.version, version)?;
            let status =
                next_status(before.status, step).map_err(|m| AppError::bad_input("id", m))?;
            // The one clock: a submission instant is judged by its day (`isLate`, compliance).
            let now = actor.caller.clock.now();
            let mut am = before.clone().into_active_model();
            am.status = Set(status);
            match step {
                Transition::Submit => {
                    am.submitted_at = Set(Some(now));
                    if before.first_submitted_at.is_none() {
                        am.first_submitted_at = Set(Some(now));
                    }
                }
                Transition::Approve => {
                    am.approved_at = Set(Some(now));
                    am.review_comment = Set(comment.clone());
                }
                Transition::Return => am.review_comment = Set(comment.clone()),
                Transition::Edit => {}
            }
            let after = save_versioned!(txn, report, am, version, now);
            let action = match step {
                Transition::Submit => "report.submit",
                Transition::Approve => "report.approve",
                Transition::Return => "report.return",
                Transition::Edit => "report.update",
            };
            audit::record(
                txn,
                &actor,
                Change::of(action, "Report", id, Some(after.unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// A reviewer is STEERING/ADMIN over the reporting unit, or a UNIT_MANAGER of a unit above it;
/// nobody reviews a report they wrote.
async fn require_reviewer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    report: &report::Model,
) -> AppResult<()> {
    let steering = authz::covers(db, &actor.caller, authz::STEERING, report.unit_id).await?;
    let manager_above = authz::covers_from_above(
        db,
        &actor.caller,
        &[entity::Role::UnitManager],
        report.unit_id,
    )
    .await?;
    if !(steering || manager_above) {
        return Err(AppError::forbidden(
            "reports are reviewed by the steering committee or a manager of a unit above",
        ));
    }
    if let Some(person) = actor.caller.person()
        && (report.author_id == Some(person) || took_part(db, report, person).await?)
    {
        return Err(AppError::forbidden(
            "nobody reviews a report they wrote, edited or submitted",
        ));
    }
    Ok(())
}

/// Whether `person` wrote, edited, submitted or corrected `report` or a revision it corrects,
/// as the audit log records every such change.
async fn took_part(
    db: &impl ConnectionTrait,
    report: &report::Model,
    person: Uuid,
) -> AppResult<bool> {
    use entity::audit_event;
    let mut chain = vec![report.id];
    let mut previous = report.previous_id;
    // Revision chains are short; a bound guards a cycle.
    while let Some(id) = previous.filter(|_| chain.len() < 32) {
        chain.push(id);
        previous = report::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(|r| r.previous_id);
    }
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::EntityType.eq("Report"))
        .filter(audit_event::Column::EntityId.is_in(chain))
        .filter(audit_event::Column::ActorUserId.eq(person))
        .filter(audit_event::Column::Action.is_in([
            "report.create",
            "report.update",
            "report.submit",
            "report.correct",
        ]))
        .one(db)
        .await?
        .is_some())
}

/// Opens a correction of an approved report: a new draft revision linked to it, with the
/// same content, progress entries and indicator values.
pub async fn correct(w: &Writer, actor: &Actor, id: Uuid) -> AppResult<report::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let original = load(txn, &actor.caller, id).await?;
            authz::require(txn, &actor.caller, authz::WRITERS, original.unit_id).await?;
            if original.status != ReportStatus::Approved {
                return Err(AppError::bad_input(
                    "id",
                    "only an approved report is corrected; edit this one",
                ));
            }
            if report::Entity::find()
                .filter(report::Column::PreviousId.eq(id))
                .one(txn)
                .await?
                .is_some()
            {
                return Err(AppError::Conflict(
                    "a correction of this report exists already".into(),
                ));
            }
            // The one clock: a submission instant is judged by its day (`isLate`, compliance).
            let now = actor.caller.clock.now();
            let mut copy = original.clone().into_active_model();
            let new_id = Uuid::now_v7();
            copy.id = Set(new_id);
            copy.status = Set(ReportStatus::Draft);
            copy.revision = Set(original.revision + 1);
            copy.previous_id = Set(Some(original.id));
            copy.review_comment = Set(None);
            copy.author_id = Set(actor.caller.person());
            copy.submitted_at = Set(None);
            copy.approved_at = Set(None);
            copy.sort_key = Set(reports::sort_key(original.period_end, now));
            copy.created_at = Set(now);
            copy.updated_at = Set(now);
            copy.version = Set(1);
            // The correction keeps the original's first submission: lateness is judged once.
            let created = report::Entity::insert(copy.reset_all())
                .exec_with_returning(txn)
                .await?;
            let entries = reports::progress_entries(txn, id).await?;
            if !entries.is_empty() {
                report_task_progress::Entity::insert_many(entries.into_iter().map(|e| {
                    report_task_progress::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        report_id: Set(new_id),
                        task_id: Set(e.task_id),
                        progress: Set(e.progress),
                        note: Set(e.note),
                        created_at: Set(now),
                    }
                }))
                .exec_without_returning(txn)
                .await?;
            }
            let values = reports::indicator_values(txn, id).await?;
            if !values.is_empty() {
                indicator_value::Entity::insert_many(values.into_iter().map(|v| {
                    indicator_value::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        report_id: Set(new_id),
                        indicator_id: Set(v.indicator_id),
                        value: Set(v.value),
                        note: Set(v.note),
                        created_at: Set(now),
                    }
                }))
                .exec_without_returning(txn)
                .await?;
            }
            audit::record(
                txn,
                &actor,
                Change::of("report.correct", "Report", new_id, Some(created.unit_id))
                    .before(&original)
                    .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Whether the report was first submitted after its schedule's due date.
pub fn is_late(report: &report::Model, due_on: Option<NaiveDate>) -> bool {
    match (report.first_submitted_at, due_on) {
        (Some(at), Some(due)) => submitted_late(at, due),
        _ => false,
    }
}

/// Whether a report first submitted at `at` missed `due_on`: judged on the province's day
/// (`domain::clock`), so 01:30 in Việt Nam on the day after is late although UTC still reads
/// the due day.
pub fn submitted_late(at: chrono::DateTime<Utc>, due_on: NaiveDate) -> bool {
    super::clock::province_day(at) > due_on
}

/// The newest revision of each report chain among `rows` (a correction replaces what it corrects).
pub fn latest_revisions(rows: Vec<report::Model>) -> Vec<report::Model> {
    let superseded: Vec<Uuid> = rows.iter().filter_map(|r| r.previous_id).collect();
    rows.into_iter()
        .filter(|r| !superseded.contains(&r.id))
        .collect()
}

/// Reports of a schedule, oldest revision first.
pub async fn of_schedule(
    db: &impl ConnectionTrait,
    schedule: Uuid,
) -> AppResult<Vec<report::Model>> {
    Ok(report::Entity::find()
        .filter(report::Column::ScheduleId.eq(schedule))
        .order_by_asc(report::Column::Revision)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportStatus::{Approved, Draft, Returned, Submitted};

    #[test]
    fn the_workflow_table() {
        assert_eq!(next_status(Draft, Transition::Submit), Ok(Submitted));
        assert_eq!(next_status(Returned, Transition::Submit), Ok(Submitted));
        assert_eq!(next_status(Submitted, Transition::Approve), Ok(Approved));
        assert_eq!(next_status(Submitted, Transition::Return), Ok(Returned));
        assert_eq!(next_status(Returned, Transition::Edit), Ok(Returned));
    }

    #[test]
    fn illegal_transitions_are_refused() {
        assert!(next_status(Draft, Transition::Approve).is_err());
        assert!(next_status(Draft, Transition::Return).is_err());
        assert!(next_status(Approved, Transition::Edit).is_err());
        assert!(next_status(Approved, Transition::Submit).is_err());
        assert!(next_status(Submitted, Transition::Edit).is_err());
        assert!(next_status(Submitted, Transition::Submit).is_err());
    }

    #[test]
    fn lateness_is_judged_on_the_province_day() {
        let due: NaiveDate = "2027-03-10".parse().unwrap();
        let at = |s: &str| s.parse::<chrono::DateTime<Utc>>().unwrap();
        // 23:30 in Việt Nam on the due day: on time.
        assert!(!submitted_late(at("2027-03-10T16:30:00Z"), due));
        // 00:00 in Việt Nam the day after: late, though UTC reads the due day.
        assert!(submitted_late(at("2027-03-10T17:00:00Z"), due));
        assert!(submitted_late(at("2027-03-10T18:30:00Z"), due));
        // Early on the due day in Việt Nam, still the day before in UTC: on time.
        assert!(!submitted_late(at("2027-03-09T17:30:00Z"), due));
    }
}
