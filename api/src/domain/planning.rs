//! Drafting, issuing and closing plans: the task tree, legal references, recipients and
//! report schedules. Structure changes only while a plan is a draft.

use chrono::{NaiveDate, Utc};
use entity::{
    PlanStatus, Provenance, ReportKind, TaskStatus, legal_document, plan, plan_recipient,
    report_obligation, report_schedule, task, task_legal_reference, unit,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz, plans,
    write::{Writer, check_version, save_versioned},
};
use crate::{
    error::{AppError, AppResult},
    text,
};

/// A non-empty single-line text (title, code, number), parsed by [`text::parse_line`], or
/// `BAD_USER_INPUT` on `field`.
pub fn required_text(field: &str, value: &str) -> AppResult<String> {
    let cleaned = text::parse_line(field, value)?;
    if cleaned.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if cleaned.chars().count() > 2_000 {
        return Err(AppError::bad_input(field, "is limited to 2,000 characters"));
    }
    Ok(cleaned)
}

/// Optional long text, parsed by [`text::parse_block`]; empty becomes `None`.
pub fn optional_text(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    let Some(v) = value else { return Ok(None) };
    let cleaned = text::parse_block(field, v)?;
    if cleaned.chars().count() > 50_000 {
        return Err(AppError::bad_input(
            field,
            "is limited to 50,000 characters",
        ));
    }
    Ok((!cleaned.is_empty()).then_some(cleaned))
}

/// Required long text: [`optional_text`], refusing empty with `BAD_USER_INPUT` on `field`.
pub fn required_block(field: &str, value: &str) -> AppResult<String> {
    optional_text(field, Some(value))?
        .ok_or_else(|| AppError::bad_input(field, "must not be empty"))
}

pub fn check_content_area(field: &str, area: Option<i32>) -> AppResult<Option<i16>> {
    match area {
        None => Ok(None),
        Some(a) if (1..=7).contains(&a) => Ok(Some(a as i16)),
        Some(_) => Err(AppError::bad_input(
            field,
            "content areas are numbered 1 to 7",
        )),
    }
}

/// A due date must fall inside the plan's period.
pub fn check_within_period(
    field: &str,
    plan: &plan::Model,
    date: Option<NaiveDate>,
) -> AppResult<()> {
    match date {
        Some(d) if d < plan.period_start || d > plan.period_end => Err(AppError::bad_input(
            field,
            format!(
                "must fall within the plan period {} – {}",
                plan.period_start, plan.period_end
            ),
        )),
        _ => Ok(()),
    }
}

pub async fn load_plan(db: &impl ConnectionTrait, id: Uuid) -> AppResult<plan::Model> {
    plan::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("plan"))
}

/// A plan named by the caller: one it cannot see answers exactly as an unknown id
/// (`NOT_FOUND`), so no refusal reveals that another unit's plan exists.
pub async fn visible_plan(
    db: &impl ConnectionTrait,
    caller: &crate::auth::Caller,
    id: Uuid,
) -> AppResult<plan::Model> {
    super::plans::get(db, caller, id)
        .await?
        .ok_or(AppError::NotFound("plan"))
}

/// A task named by the caller: one it cannot see answers exactly as an unknown id.
pub async fn visible_task(
    db: &impl ConnectionTrait,
    caller: &crate::auth::Caller,
    id: Uuid,
) -> AppResult<task::Model> {
    super::tasks::get(db, caller, id)
        .await?
        .ok_or(AppError::NotFound("task"))
}

pub async fn load_task(db: &impl ConnectionTrait, id: Uuid) -> AppResult<task::Model> {
    task::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("task"))
}

pub async fn load_unit(db: &impl ConnectionTrait, field: &str, id: Uuid) -> AppResult<unit::Model> {
    unit::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input(field, "unit not found"))
}

/// A unit new work may be given to: one that has not closed by `today` (the province's day).
/// A closed unit's open work went to its successor when it closed; new work should go there
/// too.
pub async fn load_open_unit(
    db: &impl ConnectionTrait,
    field: &str,
    id: Uuid,
    today: chrono::NaiveDate,
) -> AppResult<unit::Model> {
    let unit = load_unit(db, field, id).await?;
    match unit.valid_to {
        Some(closed) if closed <= today => Err(AppError::bad_input(
            field,
            format!(
                "{} closed on {closed}; give the work to its successor",
                unit.name
            ),
        )),
        _ => Ok(unit),
    }
}

fn require_draft(plan: &plan::Model) -> AppResult<()> {
    if plan.status == PlanStatus::Draft {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "planId",
            "only a draft plan changes its structure; this plan is already issued",
        ))
    }
}

fn require_open(plan: &plan::Model) -> AppResult<()> {
    if plan.status == PlanStatus::Closed {
        Err(AppError::bad_input("planId", "the plan is closed"))
    } else {
        Ok(())
    }
}

/// A plan to draft.
#[derive(Clone, Debug)]
pub struct NewPlan {
    pub title: String,
    pub issuing_unit: Uuid,
    pub standing_unit: Option<Uuid>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub motto: Option<String>,
}

pub async fn create_plan(w: &Writer, actor: &Actor, new: NewPlan) -> AppResult<plan::Model> {
    let title = required_text("input.title", &new.title)?;
    if new.period_end < new.period_start {
        return Err(AppError::bad_input(
            "input.periodEnd",
            "the period ends before it starts",
        ));
    }
    let motto = optional_text("input.motto", new.motto.as_deref())?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            authz::require_visible_unit(
                txn,
                &actor.caller,
                "input.issuingUnitId",
                new.issuing_unit,
            )
            .await?;
            load_open_unit(
                txn,
                "input.issuingUnitId",
                new.issuing_unit,
                actor.caller.today(),
            )
            .await?;
            authz::require(txn, &actor.caller, authz::PLANNERS, new.issuing_unit).await?;
            if let Some(s) = new.standing_unit {
                authz::require_unit_for(
                    txn,
                    &actor.caller,
                    authz::PLANNERS,
                    "input.standingUnitId",
                    s,
                )
                .await?;
            }
            let now = Utc::now();
            let created = plan::ActiveModel {
                id: Set(Uuid::now_v7()),
                number: Set(None),
                sort_key: Set(plans::sort_key(new.period_start, None, &title)),
                search_text: Set(text::fold(&format!(
                    "{title} {}",
                    motto.as_deref().unwrap_or_default()
                ))),
                title: Set(title),
                issuing_unit_id: Set(new.issuing_unit),
                standing_unit_id: Set(new.standing_unit),
                parent_plan_id: Set(None),
                document_id: Set(None),
                period_start: Set(new.period_start),
                period_end: Set(new.period_end),
                status: Set(PlanStatus::Draft),
                issued_on: Set(None),
                motto: Set(motto),
                provenance: Set(Provenance::User),
                field_provenance: Set(None),
                note: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "plan.create",
                    "Plan",
                    created.id,
                    Some(created.issuing_unit_id),
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Changes to a draft plan's header; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PlanPatch {
    pub title: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub motto: Option<String>,
    pub standing_unit: Option<Uuid>,
}

pub async fn update_plan(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: PlanPatch,
) -> AppResult<plan::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = visible_plan(txn, &actor.caller, id).await?;
            authz::require(txn, &actor.caller, authz::PLANNERS, before.issuing_unit_id).await?;
            check_version(before.version, version)?;
            require_draft(&before)?;
            let mut am = before.clone().into_active_model();
            if let Some(t) = &patch.title {
                am.title = Set(required_text("input.title", t)?);
            }
            let start = patch.period_start.unwrap_or(before.period_start);
            let end = patch.period_end.unwrap_or(before.period_end);
            if end < start {
                return Err(AppError::bad_input(
                    "input.periodEnd",
                    "the period ends before it starts",
                ));
            }
            am.period_start = Set(start);
            am.period_end = Set(end);
            if patch.motto.is_some() {
                am.motto = Set(optional_text("input.motto", patch.motto.as_deref())?);
            }
            if let Some(s) = patch.standing_unit {
                authz::require_unit_for(
                    txn,
                    &actor.caller,
                    authz::PLANNERS,
                    "input.standingUnitId",
                    s,
                )
                .await?;
                am.standing_unit_id = Set(Some(s));
            }
            let after = save_versioned!(txn, plan, am, version, Utc::now());
            audit::record(
                txn,
                &actor,
                Change::of("plan.update", "Plan", id, Some(after.issuing_unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// Issues a draft with its number and date. STEERING/ADMIN issue any plan in scope; a
/// UNIT_MANAGER issues the plans its units derived.
pub async fn issue_plan(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    number: String,
    issued_on: NaiveDate,
) -> AppResult<plan::Model> {
    let number = required_text("number", &number)?;
    if number.chars().count() > 64 {
        return Err(AppError::bad_input("number", "is limited to 64 characters"));
    }
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = visible_plan(txn, &actor.caller, id).await?;
            let roles = if before.parent_plan_id.is_some() {
                authz::PLANNERS
            } else {
                authz::STEERING
            };
            authz::require(txn, &actor.caller, roles, before.issuing_unit_id).await?;
            check_version(before.version, version)?;
            if before.status != PlanStatus::Draft {
                return Err(AppError::bad_input("id", "the plan is already issued"));
            }
            if plan::Entity::find()
                .filter(plan::Column::IssuingUnitId.eq(before.issuing_unit_id))
                .filter(plan::Column::Number.eq(&number))
                .count(txn)
                .await?
                > 0
            {
                return Err(AppError::Conflict(format!(
                    "this unit already issued a plan numbered {number}"
                )));
            }
            if tasks_of(txn, id).await?.is_empty() {
                return Err(AppError::bad_input(
                    "id",
                    "a plan without tasks cannot be issued",
                ));
            }
            let mut am = before.clone().into_active_model();
            am.sort_key = Set(plans::sort_key(
                before.period_start,
                Some(&number),
                &before.title,
            ));
            am.search_text = Set(text::fold(&format!(
                "{number} {} {}",
                before.title,
                before.motto.as_deref().unwrap_or_default()
            )));
            am.number = Set(Some(number));
            am.issued_on = Set(Some(issued_on));
            am.status = Set(PlanStatus::Issued);
            let after = save_versioned!(txn, plan, am, version, Utc::now());
            // The parent plan shows each recipient's derivation status, which this changes.
            if let Some(parent) = after.parent_plan_id {
                super::sync::touch_plan(txn, parent, false).await?;
            }
            audit::record(
                txn,
                &actor,
                Change::of("plan.issue", "Plan", id, Some(after.issuing_unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

pub async fn close_plan(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> AppResult<plan::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = visible_plan(txn, &actor.caller, id).await?;
            authz::require(txn, &actor.caller, authz::STEERING, before.issuing_unit_id).await?;
            check_version(before.version, version)?;
            if before.status != PlanStatus::Issued {
                return Err(AppError::bad_input(
                    "id",
                    "only an issued plan can be closed",
                ));
            }
            let mut am = before.clone().into_active_model();
            am.status = Set(PlanStatus::Closed);
            let after = save_versioned!(txn, plan, am, version, Utc::now());
            audit::record(
                txn,
                &actor,
                Change::of("plan.close", "Plan", id, Some(after.issuing_unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// Tasks of a plan in tree order.
pub async fn tasks_of(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<Vec<task::Model>> {
    Ok(task::Entity::find()
        .filter(task::Column::PlanId.eq(plan_id))
        .order_by_asc(task::Column::SortKey)
        .all(db)
        .await?)
}

/// A task to add to a draft plan.
#[derive(Clone, Debug)]
pub struct NewTask {
    pub plan: Uuid,
    pub parent: Option<Uuid>,
    pub code: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub content_area: Option<i32>,
    pub due_on: Option<NaiveDate>,
}

pub async fn add_task(w: &Writer, actor: &Actor, new: NewTask) -> AppResult<task::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| Box::pin(async move { add_task_in(txn, &actor, new).await }))
        .await
}

/// Adds a task inside the caller's transaction (an import adds the tasks of a file).
pub(crate) async fn add_task_in(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    new: NewTask,
) -> AppResult<task::Model> {
    let title = required_text("input.title", &new.title)?;
    let description = optional_text("input.description", new.description.as_deref())?;
    let area = check_content_area("input.contentArea", new.content_area)?;
    let plan = visible_plan(txn, &actor.caller, new.plan).await?;
    authz::require(txn, &actor.caller, authz::PLANNERS, plan.issuing_unit_id).await?;
    require_draft(&plan)?;
    check_within_period("input.dueOn", &plan, new.due_on)?;
    let parent = match new.parent {
        Some(p) => {
            let parent = visible_task(txn, &actor.caller, p).await?;
            if parent.plan_id != plan.id {
                return Err(AppError::bad_input(
                    "input.parentId",
                    "the parent task belongs to another plan",
                ));
            }
            Some(parent)
        }
        None => None,
    };
    let siblings = task::Entity::find()
        .filter(task::Column::PlanId.eq(plan.id))
        .filter(match &parent {
            Some(p) => task::Column::ParentId.eq(p.id),
            None => task::Column::ParentId.is_null(),
        })
        .all(txn)
        .await?;
    let position = siblings.iter().map(|t| t.position).max().unwrap_or(0) + 1;
    let code = match &new.code {
        Some(c) => required_text("input.code", c)?,
        None => match &parent {
            Some(p) => format!("{}.{position}", p.code),
            None => position.to_string(),
        },
    };
    if task::Entity::find()
        .filter(task::Column::PlanId.eq(plan.id))
        .filter(task::Column::Code.eq(&code))
        .count(txn)
        .await?
        > 0
    {
        return Err(AppError::Conflict(format!(
            "the plan already has a task {code}"
        )));
    }
    let path = match &parent {
        Some(p) => {
            format!("{}.{position:04}", path_of(&p.sort_key))
        }
        None => format!("{position:04}"),
    };
    let now = Utc::now();
    let created = task::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan.id),
        parent_id: Set(parent.as_ref().map(|p| p.id)),
        search_text: Set(text::fold(&format!(
            "{code} {title} {}",
            description.as_deref().unwrap_or_default()
        ))),
        code: Set(code),
        position: Set(position),
        content_area: Set(area.or(parent.as_ref().and_then(|p| p.content_area))),
        title: Set(title),
        description: Set(description),
        due_on: Set(new.due_on),
        status: Set(TaskStatus::NotStarted),
        progress: Set(0),
        derived_from_task_id: Set(None),
        provenance: Set(Provenance::User),
        field_provenance: Set(None),
        note: Set(None),
        sort_key: Set(format!("{}|{path}", plan.sort_key)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        actor,
        Change::of(
            "task.create",
            "Task",
            created.id,
            Some(plan.issuing_unit_id),
        )
        .after(&created),
    )
    .await?;
    Ok(created)
}

/// Changes to a task; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub content_area: Option<i32>,
    pub due_on: Option<NaiveDate>,
}

pub async fn update_task(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: TaskPatch,
) -> AppResult<task::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move { update_task_in(txn, &actor, id, version, patch).await })
    })
    .await
}

/// Changes a task inside the caller's transaction (an import updates the tasks of a file).
pub(crate) async fn update_task_in(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: TaskPatch,
) -> AppResult<task::Model> {
    let before = visible_task(txn, &actor.caller, id).await?;
    let plan = load_plan(txn, before.plan_id).await?;
    authz::require(txn, &actor.caller, authz::PLANNERS, plan.issuing_unit_id).await?;
    check_version(before.version, version)?;
    require_open(&plan)?;
    check_within_period("input.dueOn", &plan, patch.due_on)?;
    let mut am = before.clone().into_active_model();
    if let Some(t) = &patch.title {
        am.title = Set(required_text("input.title", t)?);
    }
    if patch.description.is_some() {
        am.description = Set(optional_text(
            "input.description",
            patch.description.as_deref(),
        )?);
    }
    if let Some(area) = check_content_area("input.contentArea", patch.content_area)? {
        am.content_area = Set(Some(area));
    }
    if let Some(d) = patch.due_on {
        am.due_on = Set(Some(d));
    }
    let title = patch
        .title
        .as_deref()
        .map(text::clean)
        .unwrap_or(before.title.clone());
    am.search_text = Set(text::fold(&format!("{} {title}", before.code)));
    let after = save_versioned!(txn, task, am, version, Utc::now());
    audit::record(
        txn,
        actor,
        Change::of("task.update", "Task", id, Some(plan.issuing_unit_id))
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}

/// Cites a legal document on a task.
pub async fn add_reference(
    w: &Writer,
    actor: &Actor,
    task_id: Uuid,
    document_id: Uuid,
    note: Option<String>,
    provision: Option<String>,
) -> AppResult<task_legal_reference::Model> {
    let note = optional_text("note", note.as_deref())?;
    let provision = optional_text("provision", provision.as_deref())?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let task = visible_task(txn, &actor.caller, task_id).await?;
            let plan = load_plan(txn, task.plan_id).await?;
            authz::require(txn, &actor.caller, authz::PLANNERS, plan.issuing_unit_id).await?;
            require_open(&plan)?;
            legal_document::Entity::find_by_id(document_id)
                .one(txn)
                .await?
                .ok_or_else(|| AppError::bad_input("documentId", "document not found"))?;
            if task_legal_reference::Entity::find()
                .filter(task_legal_reference::Column::TaskId.eq(task_id))
                .filter(task_legal_reference::Column::DocumentId.eq(document_id))
                .count(txn)
                .await?
                > 0
            {
                return Err(AppError::Conflict(
                    "the task already cites this document".into(),
                ));
            }
            let created = task_legal_reference::ActiveModel {
                id: Set(Uuid::now_v7()),
                task_id: Set(task_id),
                document_id: Set(document_id),
                provision: Set(provision),
                note: Set(note),
                created_at: Set(Utc::now()),
            }
            .insert(txn)
            .await?;
            super::sync::touch_task(txn, task_id).await?;
            audit::record(
                txn,
                &actor,
                Change::of("task.cite", "Task", task_id, Some(plan.issuing_unit_id))
                    .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Makes `unit` a recipient that must derive its own plan by `derive_by`.
pub async fn add_recipient(
    w: &Writer,
    actor: &Actor,
    plan_id: Uuid,
    unit_id: Uuid,
    derive_by: Option<NaiveDate>,
) -> AppResult<plan_recipient::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let plan = visible_plan(txn, &actor.caller, plan_id).await?;
            authz::require(txn, &actor.caller, authz::PLANNERS, plan.issuing_unit_id).await?;
            require_open(&plan)?;
            authz::require_unit_for(txn, &actor.caller, authz::PLANNERS, "unitId", unit_id).await?;
            if unit_id == plan.issuing_unit_id {
                return Err(AppError::bad_input(
                    "unitId",
                    "a plan's issuer is not its own recipient",
                ));
            }
            if plan_recipient::Entity::find()
                .filter(plan_recipient::Column::PlanId.eq(plan_id))
                .filter(plan_recipient::Column::UnitId.eq(unit_id))
                .count(txn)
                .await?
                > 0
            {
                return Err(AppError::Conflict("the unit is already a recipient".into()));
            }
            let now = Utc::now();
            let created = plan_recipient::ActiveModel {
                id: Set(Uuid::now_v7()),
                plan_id: Set(plan_id),
                unit_id: Set(unit_id),
                derive_by: Set(derive_by),
                derived_plan_id: Set(None),
                overdue_notified_at: Set(None),
                provenance: Set(Provenance::User),
                field_provenance: Set(None),
                note: Set(None),
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
            // The plan lists its recipients, and the recipient's callers now see it and its
            // tasks: send them as changes.
            super::sync::touch_plan(txn, plan_id, true).await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "plan.addRecipient",
                    "Plan",
                    plan_id,
                    Some(plan.issuing_unit_id),
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// A report schedule to add to a plan.
#[derive(Clone, Debug)]
pub struct NewSchedule {
    pub plan: Uuid,
    pub kind: ReportKind,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_on: NaiveDate,
    pub recipient_unit: Option<Uuid>,
    pub reporting_units: Vec<Uuid>,
}

/// Adds a schedule and one obligation per reporting unit.
pub async fn create_schedule(
    w: &Writer,
    actor: &Actor,
    new: NewSchedule,
) -> AppResult<report_schedule::Model> {
    let title = required_text("input.title", &new.title)?;
    if new.period_end < new.period_start {
        return Err(AppError::bad_input(
            "input.periodEnd",
            "the period ends before it starts",
        ));
    }
    if new.due_on < new.period_start {
        return Err(AppError::bad_input(
            "input.dueOn",
            "reports cannot be due before the period starts",
        ));
    }
    if new.reporting_units.is_empty() {
        return Err(AppError::bad_input(
            "input.reportingUnitIds",
            "name at least one reporting unit",
        ));
    }
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let plan = visible_plan(txn, &actor.caller, new.plan).await?;
            authz::require(txn, &actor.caller, authz::PLANNERS, plan.issuing_unit_id).await?;
            require_open(&plan)?;
            if let Some(r) = new.recipient_unit {
                load_open_unit(txn, "input.recipientUnitId", r, actor.caller.today()).await?;
                authz::require_visible_unit(txn, &actor.caller, "input.recipientUnitId", r).await?;
            }
            let now = Utc::now();
            let schedule = report_schedule::ActiveModel {
                id: Set(Uuid::now_v7()),
                plan_id: Set(plan.id),
                kind: Set(new.kind),
                title: Set(title),
                period_start: Set(new.period_start),
                period_end: Set(new.period_end),
                due_on: Set(new.due_on),
                recipient_unit_id: Set(new.recipient_unit.or(Some(plan.issuing_unit_id))),
                provenance: Set(Provenance::User),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            let mut units = new.reporting_units.clone();
            units.sort();
            units.dedup();
            for unit in units {
                authz::require_unit_for(
                    txn,
                    &actor.caller,
                    authz::PLANNERS,
                    "input.reportingUnitIds",
                    unit,
                )
                .await?;
                report_obligation::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    schedule_id: Set(schedule.id),
                    unit_id: Set(unit),
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
            }
            // The plan lists its schedules: send it again.
            super::sync::touch_plan(txn, plan.id, false).await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "schedule.create",
                    "ReportSchedule",
                    schedule.id,
                    Some(plan.issuing_unit_id),
                )
                .after(&schedule),
            )
            .await?;
            Ok(schedule)
        })
    })
    .await
}

/// The tree-position part of a task's sort key (after the plan's part).
pub fn path_of(sort_key: &str) -> &str {
    sort_key.rsplit_once('|').map_or("", |(_, p)| p)
}

/// Removes a task of a draft plan with its sub-tasks, assignments and citations.
pub async fn remove_task(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> AppResult<task::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let task = visible_task(txn, &actor.caller, id).await?;
            let plan = load_plan(txn, task.plan_id).await?;
            authz::require(txn, &actor.caller, authz::PLANNERS, plan.issuing_unit_id).await?;
            check_version(task.version, version)?;
            require_draft(&plan)?;
            // The subtree is everything whose tree path starts with this task's.
            let prefix = task.sort_key.clone();
            let subtree: Vec<task::Model> = tasks_of(txn, plan.id)
                .await?
                .into_iter()
                .filter(|t| t.id == id || t.sort_key.starts_with(&format!("{prefix}.")))
                .collect();
            let audience = super::sync::Audience {
                unit: Some(plan.issuing_unit_id),
                plan: Some(plan.id),
            };
            let removed: Vec<Uuid> = subtree.iter().map(|t| t.id).collect();
            for t in &removed {
                super::sync::bury(txn, "Task", *t, audience).await?;
            }
            // Units assigned these tasks may lose sight of the plan with them.
            let mut assignees: Vec<Uuid> = entity::assignment::Entity::find()
                .filter(entity::assignment::Column::TaskId.is_in(removed.iter().copied()))
                .select_only()
                .column(entity::assignment::Column::UnitId)
                .into_tuple::<Uuid>()
                .all(txn)
                .await?;
            assignees.sort();
            assignees.dedup();
            task::Entity::delete_by_id(id).exec(txn).await?;
            super::sync::plan_left(txn, plan.id, &removed, &assignees).await?;
            audit::record(
                txn,
                &actor,
                Change::of("task.remove", "Task", id, Some(plan.issuing_unit_id)).before(&task),
            )
            .await?;
            Ok(task)
        })
    })
    .await
}

/// Withdraws a task's citation of a document.
pub async fn remove_reference(
    w: &Writer,
    actor: &Actor,
    task_id: Uuid,
    document_id: Uuid,
) -> AppResult<()> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let task = visible_task(txn, &actor.caller, task_id).await?;
            let plan = load_plan(txn, task.plan_id).await?;
            authz::require(txn, &actor.caller, authz::PLANNERS, plan.issuing_unit_id).await?;
            require_open(&plan)?;
            let reference = task_legal_reference::Entity::find()
                .filter(task_legal_reference::Column::TaskId.eq(task_id))
                .filter(task_legal_reference::Column::DocumentId.eq(document_id))
                .one(txn)
                .await?
                .ok_or(AppError::NotFound("legal reference"))?;
            task_legal_reference::Entity::delete_by_id(reference.id)
                .exec(txn)
                .await?;
            super::sync::bury(
                txn,
                "LegalReference",
                reference.id,
                super::sync::Audience {
                    unit: Some(plan.issuing_unit_id),
                    plan: Some(plan.id),
                },
            )
            .await?;
            super::sync::touch_task(txn, task_id).await?;
            audit::record(
                txn,
                &actor,
                Change::of("task.uncite", "Task", task_id, Some(plan.issuing_unit_id))
                    .before(&reference),
            )
            .await?;
            Ok(())
        })
    })
    .await
}
