//! Reports (báo cáo) sent by units, with per-task progress and indicator values.

use chrono::NaiveDate;
use entity::{ReportKind, ReportStatus, indicator_value, report, report_task_progress};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    page::{self, Keyed, Page, PageArgs},
    scope, search_condition,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

impl Keyed for report::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Filters of the `reports` list.
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    /// Reports sent by, or addressed to, units in this unit's subtree.
    pub unit: Option<Uuid>,
    pub plan: Option<Uuid>,
    pub schedule: Option<Uuid>,
    pub kinds: Option<Vec<ReportKind>>,
    pub statuses: Option<Vec<ReportStatus>>,
    /// Reports whose period overlaps `[period_from, period_to]`.
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub search: Option<String>,
    /// Only records changed at or after this time (incremental sync).
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &ReportFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<report::Model>> {
    let mut cond = Condition::all().add(scope::reports_of_units(&caller.read_scopes()));
    if let Some(unit) = filter.unit {
        cond = cond.add(scope::reports_of_units(&[unit]));
    }
    if let Some(plan) = filter.plan {
        cond = cond.add(report::Column::PlanId.eq(plan));
    }
    if let Some(schedule) = filter.schedule {
        cond = cond.add(report::Column::ScheduleId.eq(schedule));
    }
    if let Some(kinds) = &filter.kinds {
        cond = cond.add(report::Column::Kind.is_in(kinds.iter().copied()));
    }
    if let Some(statuses) = &filter.statuses {
        cond = cond.add(report::Column::Status.is_in(statuses.iter().copied()));
    }
    if let (Some(from), Some(to)) = (filter.period_from, filter.period_to)
        && from > to
    {
        return Err(AppError::bad_input(
            "filter.periodTo",
            "periodTo is before periodFrom",
        ));
    }
    if let Some(from) = filter.period_from {
        cond = cond.add(report::Column::PeriodEnd.gte(from));
    }
    if let Some(to) = filter.period_to {
        cond = cond.add(report::Column::PeriodStart.lte(to));
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            report::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(report::Column::UpdatedAt.gte(since));
    }
    page::fetch(
        db,
        report::Entity::find().filter(cond),
        report::Column::SortKey,
        report::Column::Id,
        args,
        count,
    )
    .await
}

pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<report::Model>> {
    Ok(report::Entity::find_by_id(id)
        .filter(scope::reports_of_units(&caller.read_scopes()))
        .one(db)
        .await?)
}

/// The reports of `ids` the caller may see, in the order of `ids`, with one query.
pub async fn get_many(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<Vec<report::Model>> {
    let mut rows = report::Entity::find()
        .filter(report::Column::Id.is_in(ids.iter().copied()))
        .filter(scope::reports_of_units(&caller.read_scopes()))
        .all(db)
        .await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

/// Per-task progress entries of a report.
pub async fn progress_entries(
    db: &impl ConnectionTrait,
    report_id: Uuid,
) -> AppResult<Vec<report_task_progress::Model>> {
    Ok(report_task_progress::Entity::find()
        .filter(report_task_progress::Column::ReportId.eq(report_id))
        .order_by_asc(report_task_progress::Column::Id)
        .all(db)
        .await?)
}

/// Indicator values of a report.
pub async fn indicator_values(
    db: &impl ConnectionTrait,
    report_id: Uuid,
) -> AppResult<Vec<indicator_value::Model>> {
    Ok(indicator_value::Entity::find()
        .filter(indicator_value::Column::ReportId.eq(report_id))
        .order_by_asc(indicator_value::Column::Id)
        .all(db)
        .await?)
}

/// Sort key placing the most recent period first.
pub fn sort_key(period_end: NaiveDate, created: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    let inverted = 99_999_999
        - (period_end.year() * 10_000 + period_end.month() as i32 * 100 + period_end.day() as i32);
    format!(
        "{inverted:08} {:020}",
        i64::MAX - created.timestamp_micros()
    )
}
