//! Tasks (nhiệm vụ) of a plan: a tree whose top level is the plan's key contents.

use chrono::NaiveDate;
use entity::{TaskStatus, task};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    page::{self, Keyed, Page, PageArgs},
    scope, search_condition,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

impl Keyed for task::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Filters of the `tasks` list.
#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    pub plan: Option<Uuid>,
    /// Only children of this task.
    pub parent: Option<Uuid>,
    /// Only top-level tasks (the plan's contents).
    pub top_level: Option<bool>,
    /// Tasks of plans issued in this unit's subtree, or assigned to units in it.
    pub unit: Option<Uuid>,
    pub statuses: Option<Vec<TaskStatus>>,
    pub content_area: Option<i32>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    /// Past due and neither done nor cancelled, as of `today`.
    pub overdue: Option<bool>,
    pub search: Option<String>,
    /// Only records changed at or after this time (incremental sync).
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &TaskFilter,
    today: NaiveDate,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<task::Model>> {
    let mut cond = Condition::all().add(scope::visible_tasks(&caller.read_scopes()));
    if let Some(plan) = filter.plan {
        cond = cond.add(task::Column::PlanId.eq(plan));
    }
    if let Some(parent) = filter.parent {
        cond = cond.add(task::Column::ParentId.eq(parent));
    }
    match filter.top_level {
        Some(true) => cond = cond.add(task::Column::ParentId.is_null()),
        Some(false) => cond = cond.add(task::Column::ParentId.is_not_null()),
        None => {}
    }
    if let Some(unit) = filter.unit {
        cond = cond.add(scope::tasks_of_units(&[unit]));
    }
    if let Some(statuses) = &filter.statuses {
        cond = cond.add(task::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(area) = filter.content_area {
        if !(1..=7).contains(&area) {
            return Err(AppError::bad_input(
                "filter.contentArea",
                "content areas are numbered 1 to 7",
            ));
        }
        cond = cond.add(task::Column::ContentArea.eq(area as i16));
    }
    if let (Some(from), Some(to)) = (filter.due_from, filter.due_to)
        && from > to
    {
        return Err(AppError::bad_input(
            "filter.dueTo",
            "dueTo is before dueFrom",
        ));
    }
    if let Some(from) = filter.due_from {
        cond = cond.add(task::Column::DueOn.gte(from));
    }
    if let Some(to) = filter.due_to {
        cond = cond.add(task::Column::DueOn.lte(to));
    }
    if let Some(overdue) = filter.overdue {
        cond = cond.add(overdue_condition(overdue, today));
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            task::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(task::Column::UpdatedAt.gte(since));
    }
    page::fetch(
        db,
        task::Entity::find().filter(cond),
        task::Column::SortKey,
        task::Column::Id,
        args,
        count,
    )
    .await
}

pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<task::Model>> {
    Ok(task::Entity::find_by_id(id)
        .filter(scope::visible_tasks(&caller.read_scopes()))
        .one(db)
        .await?)
}

/// SQL condition on `tasks`: overdue as [`is_overdue`] says (`overdue`), or its exact
/// complement. The complement is spelled out rather than negated: under SQL's three-valued
/// logic `NOT (due_on < today AND …)` is NULL for a task without a due date, so a negation
/// would drop every undated task from both answers. `today` is the province's day from the
/// one clock, passed as a parameter (never the database's `CURRENT_DATE`).
pub fn overdue_condition(overdue: bool, today: NaiveDate) -> Condition {
    const CLOSED: [TaskStatus; 2] = [TaskStatus::Done, TaskStatus::Cancelled];
    if overdue {
        Condition::all()
            .add(task::Column::DueOn.is_not_null())
            .add(task::Column::DueOn.lt(today))
            .add(task::Column::Status.is_not_in(CLOSED))
    } else {
        Condition::any()
            .add(task::Column::DueOn.is_null())
            .add(task::Column::DueOn.gte(today))
            .add(task::Column::Status.is_in(CLOSED))
    }
}

/// Overdue is derived, never stored: past its due date and neither done nor cancelled.
pub fn is_overdue(task: &task::Model, today: NaiveDate) -> bool {
    task.due_on.is_some_and(|due| due < today)
        && !matches!(task.status, TaskStatus::Done | TaskStatus::Cancelled)
}

/// Sort key keeping a plan's tasks in tree order: the plan, then each level's position.
pub fn sort_key(plan_sort_key: &str, positions: &[i32]) -> String {
    let path: Vec<String> = positions.iter().map(|p| format!("{p:04}")).collect();
    format!("{plan_sort_key}|{}", path.join("."))
}

/// An assignment of a task the caller sees, or `None`.
pub async fn get_assignment(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<entity::assignment::Model>> {
    use entity::assignment;
    use sea_orm::sea_query::Query;
    let visible = Query::select()
        .column(task::Column::Id)
        .from(task::Entity)
        .cond_where(scope::visible_tasks(&caller.read_scopes()))
        .to_owned();
    Ok(assignment::Entity::find_by_id(id)
        .filter(assignment::Column::TaskId.in_subquery(visible))
        .one(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_order_puts_children_after_their_parent_and_before_the_next_sibling() {
        let mut keys = [
            sort_key("p", &[2]),
            sort_key("p", &[1, 10]),
            sort_key("p", &[1]),
            sort_key("p", &[1, 2]),
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                sort_key("p", &[1]),
                sort_key("p", &[1, 2]),
                sort_key("p", &[1, 10]),
                sort_key("p", &[2]),
            ]
        );
    }
}
