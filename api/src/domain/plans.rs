//! Plans (kế hoạch) and their recipients.

use chrono::NaiveDate;
use entity::{PlanStatus, plan, plan_recipient};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    page::{self, Keyed, Page, PageArgs},
    scope, search_condition,
};
use crate::{auth::Caller, error::AppResult};

impl Keyed for plan::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Filters of the `plans` list.
#[derive(Clone, Debug, Default)]
pub struct PlanFilter {
    /// Plans issued in, addressed to, or assigned within this unit's subtree.
    pub unit: Option<Uuid>,
    pub statuses: Option<Vec<PlanStatus>>,
    /// Plans whose period overlaps this year.
    pub year: Option<i32>,
    /// Plans derived from this plan.
    pub parent: Option<Uuid>,
    pub search: Option<String>,
    /// Only records changed at or after this time (incremental sync).
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &PlanFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<plan::Model>> {
    let mut cond = Condition::all().add(scope::plans_touching(&caller.read_scopes()));
    if let Some(unit) = filter.unit {
        cond = cond.add(scope::plans_touching(&[unit]));
    }
    if let Some(statuses) = &filter.statuses {
        cond = cond.add(plan::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(year) = filter.year {
        let (start, end) = year_bounds(year)?;
        cond = cond
            .add(plan::Column::PeriodStart.lte(end))
            .add(plan::Column::PeriodEnd.gte(start));
    }
    if let Some(parent) = filter.parent {
        cond = cond.add(plan::Column::ParentPlanId.eq(parent));
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            plan::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(plan::Column::UpdatedAt.gte(since));
    }
    page::fetch(
        db,
        plan::Entity::find().filter(cond),
        plan::Column::SortKey,
        plan::Column::Id,
        args,
        count,
    )
    .await
}

pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<plan::Model>> {
    Ok(plan::Entity::find_by_id(id)
        .filter(scope::plans_touching(&caller.read_scopes()))
        .one(db)
        .await?)
}

/// Recipients of a plan the caller sees, in a stable order.
pub async fn recipients(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> AppResult<Vec<plan_recipient::Model>> {
    Ok(plan_recipient::Entity::find()
        .filter(plan_recipient::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_recipient::Column::Id)
        .all(db)
        .await?)
}

/// Where a recipient stands with its derived plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DerivationStatus {
    /// No issued derived plan yet, and not yet due.
    Pending,
    /// Derived plan issued on or before the due date.
    IssuedOnTime,
    /// Derived plan issued after the due date.
    IssuedLate,
    /// No issued derived plan, and the due date has passed.
    Overdue,
    /// Handed to a successor unit when this one was reorganised, before deriving.
    Rerouted,
}

/// Where `recipient` stands on `today`: rerouted once its unit's reorganisation took effect,
/// otherwise as [`derivation_status`] says.
pub fn recipient_status(
    recipient: &entity::plan_recipient::Model,
    derived: Option<&plan::Model>,
    today: NaiveDate,
) -> DerivationStatus {
    if recipient.rerouted_on.is_some_and(|day| day <= today) {
        return DerivationStatus::Rerouted;
    }
    derivation_status(recipient.derive_by, derived, today)
}

/// Derivation status from the derived plan's state and today's date.
pub fn derivation_status(
    derive_by: Option<NaiveDate>,
    derived: Option<&plan::Model>,
    today: NaiveDate,
) -> DerivationStatus {
    match derived {
        Some(p) if p.status != PlanStatus::Draft => match (p.issued_on, derive_by) {
            (Some(issued), Some(due)) if issued > due => DerivationStatus::IssuedLate,
            _ => DerivationStatus::IssuedOnTime,
        },
        _ if derive_by.is_some_and(|due| due < today) => DerivationStatus::Overdue,
        _ => DerivationStatus::Pending,
    }
}

pub fn year_bounds(year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    let bad = || crate::error::AppError::bad_input("filter.year", "not a valid year");
    Ok((
        NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(bad)?,
        NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(bad)?,
    ))
}

/// Sort key: earliest period first, then by number.
pub fn sort_key(period_start: NaiveDate, number: Option<&str>, title: &str) -> String {
    format!(
        "{} {}",
        period_start.format("%Y%m%d"),
        crate::text::collation_key(number.unwrap_or(title))
    )
}

/// A report schedule of a plan the caller sees, or `None`.
pub async fn get_schedule(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<entity::report_schedule::Model>> {
    use entity::report_schedule;
    Ok(report_schedule::Entity::find_by_id(id)
        .filter(
            report_schedule::Column::PlanId
                .in_subquery(scope::plan_ids_touching(&caller.read_scopes())),
        )
        .one(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn derivation_is_overdue_only_after_the_due_date() {
        let due = Some(d("2024-03-31"));
        assert_eq!(
            derivation_status(due, None, d("2024-03-31")),
            DerivationStatus::Pending
        );
        assert_eq!(
            derivation_status(due, None, d("2024-04-01")),
            DerivationStatus::Overdue
        );
        assert_eq!(
            derivation_status(None, None, d("2030-01-01")),
            DerivationStatus::Pending
        );
    }
}
