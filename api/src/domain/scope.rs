//! Read scope as SQL: every list and lookup is filtered here, so no query path forgets it.
//!
//! A grant covers its scope unit's subtree (through the `unit_closure` table). Beyond that a
//! caller sees the ancestors of its scope units (the path to the province) and the records
//! addressed to its units (a provincial plan its district must derive from).

use entity::{assignment, plan, plan_recipient, report, task, unit, unit_closure};
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Func, Query, SelectStatement},
};
use uuid::Uuid;

/// Ids of every unit in the subtrees of `roots` (roots included).
pub fn subtree(roots: &[Uuid]) -> SelectStatement {
    Query::select()
        .column(unit_closure::Column::DescendantId)
        .from(unit_closure::Entity)
        .and_where(unit_closure::Column::AncestorId.is_in(roots.iter().copied()))
        .to_owned()
}

/// Ids of every ancestor of `units` (the units included).
pub fn ancestors(units: &[Uuid]) -> SelectStatement {
    Query::select()
        .column(unit_closure::Column::AncestorId)
        .from(unit_closure::Entity)
        .and_where(unit_closure::Column::DescendantId.is_in(units.iter().copied()))
        .to_owned()
}

/// Units the caller may look up: its subtrees and their ancestors.
pub fn visible_units(scopes: &[Uuid]) -> Condition {
    Condition::any()
        .add(unit::Column::Id.in_subquery(subtree(scopes)))
        .add(unit::Column::Id.in_subquery(ancestors(scopes)))
}

/// Plans issued in, addressed to, or with tasks assigned to the units of `roots`' subtrees, each
/// as the tree stood when the plan, the recipient row or the assignment was written: a unit that
/// moved to another district takes its later plans and work there.
pub fn plans_touching(roots: &[Uuid]) -> Condition {
    let recipients = Query::select()
        .column(plan_recipient::Column::PlanId)
        .from(plan_recipient::Entity)
        .and_where(Expr::exists(under_when(
            roots,
            Expr::col((plan_recipient::Entity, plan_recipient::Column::UnitId)),
            Expr::col((plan_recipient::Entity, plan_recipient::Column::CreatedAt)),
        )))
        .to_owned();
    // Asked per plan, and only of plans the first two tests leave out: as `plans.id IN (…)` the
    // database built the set of every plan with a task assigned in the subtree on each request,
    // which for a national steering office means reading every assignment in the country.
    let assigned = Query::select()
        .expr(Expr::val(1))
        .from(assignment::Entity)
        .inner_join(
            task::Entity,
            Expr::col((task::Entity, task::Column::Id))
                .equals((assignment::Entity, assignment::Column::TaskId)),
        )
        .and_where(
            Expr::col((task::Entity, task::Column::PlanId))
                .equals((plan::Entity, plan::Column::Id)),
        )
        .and_where(Expr::exists(under_when(
            roots,
            Expr::col((assignment::Entity, assignment::Column::UnitId)),
            Expr::col((assignment::Entity, assignment::Column::CreatedAt)),
        )))
        .to_owned();
    Condition::any()
        .add(Expr::exists(under_when(
            roots,
            Expr::col((plan::Entity, plan::Column::IssuingUnitId)),
            Expr::col((plan::Entity, plan::Column::CreatedAt)),
        )))
        .add(plan::Column::Id.in_subquery(recipients))
        .add(Expr::exists(assigned))
}

/// Ids of the plans [`plans_touching`] selects.
pub fn plan_ids_touching(roots: &[Uuid]) -> SelectStatement {
    Query::select()
        .column(plan::Column::Id)
        .from(plan::Entity)
        .cond_where(plans_touching(roots))
        .to_owned()
}

/// Tasks of the plans the caller sees, asked of each task's own plan: as `plan_id IN (…)`
/// PostgreSQL judged every plan against the scope for a single task (a sequential scan of plans,
/// each testing for assignments in the subtree), where the task's plan is one primary-key read.
/// `LIMIT 1 OFFSET 0` keeps it a per-row test: PostgreSQL does not flatten a subquery with an
/// offset into a join.
pub fn visible_tasks(scopes: &[Uuid]) -> Condition {
    let own_plan_seen = Query::select()
        .expr(Expr::val(1))
        .from(plan::Entity)
        .and_where(
            Expr::col((plan::Entity, plan::Column::Id))
                .equals((task::Entity, task::Column::PlanId)),
        )
        .cond_where(plans_touching(scopes))
        .limit(1)
        .offset(0)
        .to_owned();
    Condition::all().add(Expr::exists(own_plan_seen))
}

/// Tasks of plans issued in `roots`' subtrees or assigned to units there.
pub fn tasks_of_units(roots: &[Uuid]) -> Condition {
    let issued_plans = Query::select()
        .column(plan::Column::Id)
        .from(plan::Entity)
        .and_where(plan::Column::IssuingUnitId.in_subquery(subtree(roots)))
        .to_owned();
    let assigned = Query::select()
        .column(assignment::Column::TaskId)
        .from(assignment::Entity)
        .and_where(assignment::Column::UnitId.in_subquery(subtree(roots)))
        .to_owned();
    Condition::any()
        .add(task::Column::PlanId.in_subquery(issued_plans))
        .add(task::Column::Id.in_subquery(assigned))
}

/// Reports sent by, or addressed to, a unit that lay in one of `roots`' subtrees when the report
/// was written. A grant covers a unit's records from while the unit was under the grant's unit:
/// once a unit moves to another district, its new reports belong to the new district and its
/// old ones stay with the old.
pub fn reports_of_units(roots: &[Uuid]) -> Condition {
    Condition::any()
        .add(Expr::exists(under_when_written(
            roots,
            report::Column::UnitId,
        )))
        .add(Expr::exists(under_when_written(
            roots,
            report::Column::RecipientUnitId,
        )))
}

/// A closure row placing the report's `unit` under one of `roots` on the day it was written.
fn under_when_written(roots: &[Uuid], unit: report::Column) -> SelectStatement {
    under_when(
        roots,
        Expr::col((report::Entity, unit)),
        Expr::col((report::Entity, report::Column::CreatedAt)),
    )
}

/// A closure row placing `unit` under one of `roots` at the instant `at` (both columns of the
/// outer query's row), for `EXISTS`: a grant covers a unit's records from while the unit was
/// under the grant's unit. Closure spans are days of the province's calendar; an instant counts
/// on its day in Việt Nam ([`province_day`]), so a report written at 01:30 on the day a unit
/// moved belongs to its new district.
pub fn under_when(roots: &[Uuid], unit: Expr, at: Expr) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(unit_closure::Entity)
        .and_where(unit_closure::Column::AncestorId.is_in(roots.iter().copied()))
        .and_where(Expr::col((unit_closure::Entity, unit_closure::Column::DescendantId)).eq(unit))
        .cond_where(
            Condition::any()
                .add(Expr::col((unit_closure::Entity, unit_closure::Column::ValidFrom)).is_null())
                .add(
                    Expr::col((unit_closure::Entity, unit_closure::Column::ValidFrom))
                        .lte(province_day(at.clone())),
                ),
        )
        .cond_where(
            Condition::any()
                .add(Expr::col((unit_closure::Entity, unit_closure::Column::ValidTo)).is_null())
                .add(
                    Expr::col((unit_closure::Entity, unit_closure::Column::ValidTo))
                        .gt(province_day(at)),
                ),
        )
        .to_owned()
}

/// The day in Việt Nam (UTC+7, no daylight saving) of the instant `at`, in SQL: SQLite's
/// `date(time, modifier)`, and the function of that shape migration
/// `m20261129_000005_province_day` adds to PostgreSQL. The same rule as `domain::clock`.
pub fn province_day(at: Expr) -> Expr {
    Func::cust("date")
        .arg(at)
        .arg(Expr::cust("'+7 hours'"))
        .into()
}

/// Plans a report of `unit` may be about: those issued in, addressed to or assigned within the
/// unit's subtree, and the issued plans of the units above it (a provincial plan every unit
/// under the province carries out). Another unit's plan, and a draft above, are not among them.
pub fn plans_for_unit(unit: Uuid) -> Condition {
    Condition::any().add(plans_touching(&[unit])).add(
        Condition::all()
            .add(plan::Column::IssuingUnitId.in_subquery(ancestors(&[unit])))
            .add(plan::Column::Status.ne(entity::PlanStatus::Draft)),
    )
}
