//! Deriving a lower unit's plan from its parent plan, and what the parent sees of it.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{
    PlanStatus, Provenance, TaskStatus, plan, plan_recipient, report_task_progress, task,
    task_legal_reference,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz,
    planning::{load_open_unit, path_of, tasks_of},
    plans::{self, DerivationStatus},
    write::Writer,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    text,
};

/// Gives recipient `unit_id` a draft copy of `parent_id`'s task tree, every copied task linked
/// to the task it implements, with the same legal references.
pub async fn derive_plan(
    w: &Writer,
    actor: &Actor,
    parent_id: Uuid,
    unit_id: Uuid,
) -> AppResult<plan::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let parent = super::planning::visible_plan(txn, &actor.caller, parent_id).await?;
            authz::require_visible_unit(txn, &actor.caller, "unitId", unit_id).await?;
            let unit = load_open_unit(txn, "unitId", unit_id, actor.caller.today()).await?;
            authz::require(txn, &actor.caller, authz::PLANNERS, unit_id).await?;
            if parent.status != PlanStatus::Issued {
                return Err(AppError::bad_input(
                    "parentPlanId",
                    "only an issued plan can be derived from",
                ));
            }
            let recipient = plan_recipient::Entity::find()
                .filter(plan_recipient::Column::PlanId.eq(parent_id))
                .filter(plan_recipient::Column::UnitId.eq(unit_id))
                .one(txn)
                .await?
                .ok_or_else(|| {
                    AppError::bad_input("unitId", "the unit is not a recipient of this plan")
                })?;
            if recipient.derived_plan_id.is_some() {
                return Err(AppError::Conflict(
                    "the unit has already derived its plan".into(),
                ));
            }
            let now = Utc::now();
            let title = format!("{} — {}", parent.title, unit.name);
            let sort_key = plans::sort_key(parent.period_start, None, &title);
            let derived = plan::ActiveModel {
                id: Set(Uuid::now_v7()),
                number: Set(None),
                search_text: Set(text::fold(&title)),
                title: Set(title),
                issuing_unit_id: Set(unit_id),
                standing_unit_id: Set(None),
                parent_plan_id: Set(Some(parent_id)),
                document_id: Set(None),
                period_start: Set(parent.period_start),
                period_end: Set(parent.period_end),
                status: Set(PlanStatus::Draft),
                issued_on: Set(None),
                motto: Set(parent.motto.clone()),
                provenance: Set(Provenance::User),
                field_provenance: Set(None),
                note: Set(None),
                sort_key: Set(sort_key.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;

            // Tree order guarantees each parent is copied before its children.
            let originals = tasks_of(txn, parent_id).await?;
            let mut copies: HashMap<Uuid, Uuid> = HashMap::new();
            let mut rows = Vec::with_capacity(originals.len());
            for t in &originals {
                let id = Uuid::now_v7();
                copies.insert(t.id, id);
                rows.push(task::ActiveModel {
                    id: Set(id),
                    plan_id: Set(derived.id),
                    parent_id: Set(t.parent_id.and_then(|p| copies.get(&p).copied())),
                    code: Set(t.code.clone()),
                    position: Set(t.position),
                    content_area: Set(t.content_area),
                    title: Set(t.title.clone()),
                    description: Set(t.description.clone()),
                    due_on: Set(t.due_on),
                    status: Set(TaskStatus::NotStarted),
                    progress: Set(0),
                    derived_from_task_id: Set(Some(t.id)),
                    provenance: Set(Provenance::User),
                    field_provenance: Set(None),
                    note: Set(None),
                    search_text: Set(t.search_text.clone()),
                    sort_key: Set(format!("{sort_key}|{}", path_of(&t.sort_key))),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                });
            }
            if !rows.is_empty() {
                task::Entity::insert_many(rows)
                    .exec_without_returning(txn)
                    .await?;
            }
            let references = task_legal_reference::Entity::find()
                .filter(task_legal_reference::Column::TaskId.is_in(copies.keys().copied()))
                .all(txn)
                .await?;
            let reference_rows: Vec<_> = references
                .iter()
                .filter_map(|r| {
                    copies
                        .get(&r.task_id)
                        .map(|copy| task_legal_reference::ActiveModel {
                            id: Set(Uuid::now_v7()),
                            task_id: Set(*copy),
                            document_id: Set(r.document_id),
                            provision: Set(r.provision.clone()),
                            note: Set(r.note.clone()),
                            created_at: Set(now),
                        })
                })
                .collect();
            if !reference_rows.is_empty() {
                task_legal_reference::Entity::insert_many(reference_rows)
                    .exec_without_returning(txn)
                    .await?;
            }

            let mut link = recipient.clone().into_active_model();
            link.derived_plan_id = Set(Some(derived.id));
            link.version = Set(recipient.version + 1);
            link.updated_at = Set(now);
            link.update(txn).await?;
            // The parent plan shows its recipients' derived plans: send it again.
            super::sync::touch_plan(txn, parent_id, false).await?;
            audit::record(
                txn,
                &actor,
                Change::of("plan.derive", "Plan", derived.id, Some(unit_id)).after(&derived),
            )
            .await?;
            Ok(derived)
        })
    })
    .await
}

/// One cell of the coverage view: a top-level content of a plan × a recipient unit.
#[derive(Clone, Debug)]
pub struct CoverageCell {
    pub content_task: task::Model,
    pub recipient: plan_recipient::Model,
    pub status: DerivationStatus,
    /// Tasks of the recipient's derived plan implementing this content (or its sub-tasks).
    pub derived_tasks: u64,
    /// Whether any of those tasks has progress or a report entry.
    pub reported: bool,
}

/// For each top-level content × recipient: derived tasks exist? reported on?
pub async fn coverage(
    db: &impl ConnectionTrait,
    caller: &Caller,
    plan_id: Uuid,
    today: NaiveDate,
) -> AppResult<Vec<CoverageCell>> {
    let plan = plans::get(db, caller, plan_id)
        .await?
        .ok_or(AppError::NotFound("plan"))?;
    let tasks = tasks_of(db, plan.id).await?;
    // Map every task of the parent plan to its top-level content.
    let mut content_of: HashMap<Uuid, Uuid> = HashMap::new();
    for t in &tasks {
        let top = match t.parent_id {
            None => t.id,
            Some(p) => content_of.get(&p).copied().unwrap_or(p),
        };
        content_of.insert(t.id, top);
    }
    let recipients = plans::recipients(db, plan.id).await?;
    let derived_ids: Vec<Uuid> = recipients
        .iter()
        .filter_map(|r| r.derived_plan_id)
        .collect();
    let derived_plans: HashMap<Uuid, plan::Model> = plan::Entity::find()
        .filter(plan::Column::Id.is_in(derived_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let derived_tasks = task::Entity::find()
        .filter(task::Column::PlanId.is_in(derived_ids.iter().copied()))
        .all(db)
        .await?;
    let reported_tasks: Vec<Uuid> = report_task_progress::Entity::find()
        .filter(report_task_progress::Column::TaskId.is_in(derived_tasks.iter().map(|t| t.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.task_id)
        .collect();

    let mut cells = Vec::new();
    for content in tasks.iter().filter(|t| t.parent_id.is_none()) {
        for r in &recipients {
            let mine: Vec<&task::Model> = derived_tasks
                .iter()
                .filter(|t| Some(t.plan_id) == r.derived_plan_id)
                .filter(|t| {
                    t.derived_from_task_id
                        .and_then(|origin| content_of.get(&origin))
                        .is_some_and(|top| *top == content.id)
                })
                .collect();
            let reported = mine
                .iter()
                .any(|t| t.progress > 0 || reported_tasks.contains(&t.id));
            cells.push(CoverageCell {
                content_task: content.clone(),
                recipient: r.clone(),
                status: plans::recipient_status(
                    r,
                    r.derived_plan_id.and_then(|id| derived_plans.get(&id)),
                    today,
                ),
                derived_tasks: mine.len() as u64,
                reported,
            });
        }
    }
    Ok(cells)
}
