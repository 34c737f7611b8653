//! Handing a reorganised unit's open work to its successor. The original rows stay where they
//! were, marked with the day they stopped counting and the row that took over; the successor's
//! rows point back. Closed work (done assignments, submitted reports, derived plans) is never
//! moved: history keeps the unit that did it.

use chrono::{NaiveDate, Utc};
use entity::{AssignmentStatus, assignment, plan_recipient, report, report_obligation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::error::AppResult;

/// How many open items moved from one unit to another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rerouted {
    pub assignments: u32,
    pub obligations: u32,
    pub recipients: u32,
}

impl Rerouted {
    pub fn is_empty(&self) -> bool {
        self.assignments + self.obligations + self.recipients == 0
    }
}

/// Statuses of an assignment still being worked on.
const OPEN_ASSIGNMENT: [AssignmentStatus; 3] = [
    AssignmentStatus::Assigned,
    AssignmentStatus::Acknowledged,
    AssignmentStatus::InProgress,
];

/// What `from` still has open, without changing anything.
pub async fn open_work(db: &impl ConnectionTrait, from: Uuid) -> AppResult<Rerouted> {
    let (a, o, r) = open_rows(db, from).await?;
    Ok(Rerouted {
        assignments: a.len() as u32,
        obligations: o.len() as u32,
        recipients: r.len() as u32,
    })
}

type OpenRows = (
    Vec<assignment::Model>,
    Vec<report_obligation::Model>,
    Vec<plan_recipient::Model>,
);

async fn open_rows(db: &impl ConnectionTrait, from: Uuid) -> AppResult<OpenRows> {
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::UnitId.eq(from))
        .filter(assignment::Column::Status.is_in(OPEN_ASSIGNMENT))
        .all(db)
        .await?;
    let answered = report::Entity::find()
        .select_only()
        .column(report::Column::ObligationId)
        .filter(report::Column::UnitId.eq(from))
        .filter(report::Column::FirstSubmittedAt.is_not_null())
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?;
    let obligations = report_obligation::Entity::find()
        .filter(report_obligation::Column::UnitId.eq(from))
        .filter(report_obligation::Column::ReroutedToId.is_null())
        .all(db)
        .await?
        .into_iter()
        .filter(|o| !answered.contains(&Some(o.id)))
        .collect();
    let recipients = plan_recipient::Entity::find()
        .filter(plan_recipient::Column::UnitId.eq(from))
        .filter(plan_recipient::Column::DerivedPlanId.is_null())
        .filter(plan_recipient::Column::ReroutedToId.is_null())
        .all(db)
        .await?;
    Ok((assignments, obligations, recipients))
}

/// Moves the open work of `from` to `to` from `day`.
pub async fn reroute(
    db: &impl ConnectionTrait,
    from: Uuid,
    to: Uuid,
    day: NaiveDate,
) -> AppResult<Rerouted> {
    let (assignments, obligations, recipients) = open_rows(db, from).await?;
    let now = Utc::now();
    let mut moved = Rerouted::default();
    let touched: Vec<Uuid> = assignments.iter().map(|a| a.task_id).collect();
    for a in assignments {
        let taken = match assignment::Entity::find()
            .filter(assignment::Column::TaskId.eq(a.task_id))
            .filter(assignment::Column::UnitId.eq(to))
            .one(db)
            .await?
        {
            Some(existing) => existing.id,
            None => {
                let id = Uuid::now_v7();
                let mut copy = a.clone().into_active_model();
                copy.id = Set(id);
                copy.unit_id = Set(to);
                copy.rerouted_from_id = Set(Some(a.id));
                copy.rerouted_to_id = Set(None);
                copy.active_from = Set(Some(day));
                copy.rerouted_on = Set(None);
                copy.created_at = Set(now);
                copy.updated_at = Set(now);
                copy.version = Set(1);
                assignment::Entity::insert(copy.reset_all())
                    .exec(db)
                    .await?;
                moved.assignments += 1;
                id
            }
        };
        let mut old = a.clone().into_active_model();
        old.status = Set(AssignmentStatus::Rerouted);
        old.rerouted_to_id = Set(Some(taken));
        old.rerouted_on = Set(Some(day));
        old.updated_at = Set(now);
        old.version = Set(a.version + 1);
        old.update(db).await?;
    }
    for task in touched {
        super::assignments::refresh_task(db, task).await?;
    }
    for o in obligations {
        let taken = match report_obligation::Entity::find()
            .filter(report_obligation::Column::ScheduleId.eq(o.schedule_id))
            .filter(report_obligation::Column::UnitId.eq(to))
            .one(db)
            .await?
        {
            Some(existing) => existing.id,
            None => {
                let id = Uuid::now_v7();
                report_obligation::ActiveModel {
                    id: Set(id),
                    schedule_id: Set(o.schedule_id),
                    unit_id: Set(to),
                    rerouted_from_id: Set(Some(o.id)),
                    rerouted_to_id: Set(None),
                    active_from: Set(Some(day)),
                    rerouted_on: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                }
                .insert(db)
                .await?;
                moved.obligations += 1;
                id
            }
        };
        let mut old = o.clone().into_active_model();
        old.rerouted_to_id = Set(Some(taken));
        old.rerouted_on = Set(Some(day));
        old.updated_at = Set(now);
        old.version = Set(o.version + 1);
        old.update(db).await?;
    }
    for r in recipients {
        let taken = match plan_recipient::Entity::find()
            .filter(plan_recipient::Column::PlanId.eq(r.plan_id))
            .filter(plan_recipient::Column::UnitId.eq(to))
            .one(db)
            .await?
        {
            Some(existing) => existing.id,
            None => {
                let id = Uuid::now_v7();
                let mut copy = r.clone().into_active_model();
                copy.id = Set(id);
                copy.unit_id = Set(to);
                copy.rerouted_from_id = Set(Some(r.id));
                copy.rerouted_to_id = Set(None);
                copy.active_from = Set(Some(day));
                copy.rerouted_on = Set(None);
                copy.overdue_notified_at = Set(None);
                copy.created_at = Set(now);
                copy.updated_at = Set(now);
                copy.version = Set(1);
                plan_recipient::Entity::insert(copy.reset_all())
                    .exec(db)
                    .await?;
                moved.recipients += 1;
                id
            }
        };
        let mut old = r.clone().into_active_model();
        old.rerouted_to_id = Set(Some(taken));
        old.rerouted_on = Set(Some(day));
        old.updated_at = Set(now);
        old.version = Set(r.version + 1);
        old.update(db).await?;
    }
    Ok(moved)
}
