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

/// Hands one open row of `$module` to the unit `$to` from `$day`: the successor's row for the
/// same parent record (`$column`/`$field`) is reused when it has one, otherwise a copy pointing
/// back is inserted (after `$copy_tweak`); the original is marked (after `$old_tweak`) with the
/// row that took over. Evaluates to whether a copy was made.
macro_rules! hand_over {
    ($db:expr, $module:ident, $row:expr, ($column:ident, $field:ident), $to:expr, $day:expr,
     $copy_tweak:expr, $old_tweak:expr) => {{
        let row = $row;
        let now = Utc::now();
        let existing = $module::Entity::find()
            .filter($module::Column::$column.eq(row.$field))
            .filter($module::Column::UnitId.eq($to))
            .one($db)
            .await?;
        let (taken, copy) = match existing {
            Some(existing) => (existing.id, None),
            None => {
                let id = Uuid::now_v7();
                let mut copy = row.clone().into_active_model();
                copy.id = Set(id);
                copy.unit_id = Set($to);
                copy.rerouted_from_id = Set(Some(row.id));
                copy.rerouted_to_id = Set(None);
                copy.active_from = Set(Some($day));
                copy.rerouted_on = Set(None);
                copy.created_at = Set(now);
                copy.updated_at = Set(now);
                copy.version = Set(1);
                #[allow(clippy::redundant_closure_call)]
                ($copy_tweak)(&mut copy);
                (id, Some(copy))
            }
        };
        // The original stops counting before its copy starts: a unique index over the rows
        // that count (one open lead per task) never sees both at once.
        let mut old = row.clone().into_active_model();
        old.rerouted_to_id = Set(Some(taken));
        old.rerouted_on = Set(Some($day));
        old.updated_at = Set(now);
        old.version = Set(row.version + 1);
        #[allow(clippy::redundant_closure_call)]
        ($old_tweak)(&mut old);
        old.update($db).await?;
        let copied = copy.is_some();
        if let Some(copy) = copy {
            $module::Entity::insert(copy.reset_all()).exec($db).await?;
        }
        copied
    }};
}

/// Moves the open work of `from` to `to` from `day`.
pub async fn reroute(
    db: &impl ConnectionTrait,
    from: Uuid,
    to: Uuid,
    day: NaiveDate,
) -> AppResult<Rerouted> {
    let (assignments, obligations, recipients) = open_rows(db, from).await?;
    let mut moved = Rerouted::default();
    let touched: Vec<Uuid> = assignments.iter().map(|a| a.task_id).collect();
    for a in &assignments {
        let copied = hand_over!(
            db,
            assignment,
            a,
            (TaskId, task_id),
            to,
            day,
            |_: &mut assignment::ActiveModel| {},
            |old: &mut assignment::ActiveModel| old.status = Set(AssignmentStatus::Rerouted)
        );
        moved.assignments += u32::from(copied);
    }
    // A merge can fold several units' assignments into one, which changes the task's state.
    for task in touched {
        super::assignments::refresh_task(db, task).await?;
    }
    for o in &obligations {
        let copied = hand_over!(
            db,
            report_obligation,
            o,
            (ScheduleId, schedule_id),
            to,
            day,
            |_: &mut report_obligation::ActiveModel| {},
            |_: &mut report_obligation::ActiveModel| {}
        );
        moved.obligations += u32::from(copied);
    }
    for r in &recipients {
        let copied = hand_over!(
            db,
            plan_recipient,
            r,
            (PlanId, plan_id),
            to,
            day,
            |c: &mut plan_recipient::ActiveModel| c.overdue_notified_at = Set(None),
            |_: &mut plan_recipient::ActiveModel| {}
        );
        moved.recipients += u32::from(copied);
    }
    Ok(moved)
}
