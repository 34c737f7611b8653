//! Reading oversights (kiểm tra, giám sát), their findings and recommendations, in the caller's
//! scope. Who sees what:
//! - an oversight: the conducting side (grants over the conducting unit) and every target;
//! - its findings: the conducting side all of them, a target only its own (Law 10/2022/QH15
//!   leaves a unit's findings to that unit and those who oversee it);
//! - a recommendation: the conducting side and the addressee.
//!
//! Units are placed in the tree as it stood when the record was written, as reports are.

use chrono::NaiveDate;
use entity::{
    OversightCadence, OversightKind, OversightStatus, RecommendationStatus, oversight,
    oversight_finding, oversight_target, recommendation, remedial_action,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::{
    page::{self, Keyed, Page, PageArgs},
    scope::under_when,
    search_condition,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

impl Keyed for oversight::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Keyed for recommendation::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Oversights conducted by a unit of `roots`' subtrees.
pub fn conducted_in(roots: &[Uuid]) -> Condition {
    Condition::all().add(Expr::exists(under_when(
        roots,
        Expr::col((oversight::Entity, oversight::Column::ConductingUnitId)),
        Expr::col((oversight::Entity, oversight::Column::CreatedAt)),
    )))
}

/// Oversights with a target in `roots`' subtrees.
fn targeting(roots: &[Uuid]) -> Condition {
    let targets = Query::select()
        .expr(Expr::val(1))
        .from(oversight_target::Entity)
        .and_where(
            Expr::col((
                oversight_target::Entity,
                oversight_target::Column::OversightId,
            ))
            .equals((oversight::Entity, oversight::Column::Id)),
        )
        .and_where(Expr::exists(under_when(
            roots,
            Expr::col((oversight_target::Entity, oversight_target::Column::UnitId)),
            Expr::col((oversight::Entity, oversight::Column::CreatedAt)),
        )))
        .to_owned();
    Condition::all().add(Expr::exists(targets))
}

/// Oversights with an issued recommendation addressed within `roots`' subtrees.
fn addressing(roots: &[Uuid]) -> Condition {
    let addressed = Query::select()
        .expr(Expr::val(1))
        .from(recommendation::Entity)
        .and_where(
            Expr::col((recommendation::Entity, recommendation::Column::OversightId))
                .equals((oversight::Entity, oversight::Column::Id)),
        )
        .and_where(recommendation::Column::IssuedAt.is_not_null())
        .and_where(Expr::exists(under_when(
            roots,
            Expr::col((
                recommendation::Entity,
                recommendation::Column::AddresseeUnitId,
            )),
            Expr::col((recommendation::Entity, recommendation::Column::CreatedAt)),
        )))
        .to_owned();
    Condition::all().add(Expr::exists(addressed))
}

/// Oversights the caller's grants see: conducted or targeted within them, or with an issued
/// recommendation addressed there (the addressee sees the oversight behind its remedy).
pub fn visible(roots: &[Uuid]) -> Condition {
    Condition::any()
        .add(conducted_in(roots))
        .add(targeting(roots))
        .add(addressing(roots))
}

/// Sort key placing the latest planned start first.
pub fn sort_key(planned_start: NaiveDate, created: chrono::DateTime<chrono::Utc>) -> String {
    super::reports::sort_key(planned_start, created)
}

/// Sort key of a recommendation: earliest due first.
pub fn recommendation_sort_key(
    due_on: NaiveDate,
    created: chrono::DateTime<chrono::Utc>,
) -> String {
    format!(
        "{} {:020}",
        due_on.format("%Y%m%d"),
        created.timestamp_micros()
    )
}

/// Filters of the `oversights` list.
#[derive(Clone, Debug, Default)]
pub struct OversightFilter {
    /// Conducted by, or targeting, a unit of this unit's subtree.
    pub unit: Option<Uuid>,
    /// Conducted by a unit of this unit's subtree.
    pub conducting: Option<Uuid>,
    /// Targeting a unit of this unit's subtree.
    pub target: Option<Uuid>,
    pub kinds: Option<Vec<OversightKind>>,
    pub cadences: Option<Vec<OversightCadence>>,
    pub statuses: Option<Vec<OversightStatus>>,
    /// Planned period overlapping `[from, to]`.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub search: Option<String>,
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

fn check_range(from: Option<NaiveDate>, to: Option<NaiveDate>, field: &str) -> AppResult<()> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(AppError::bad_input(
            field,
            "the end of the range is before its start",
        )),
        _ => Ok(()),
    }
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &OversightFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<oversight::Model>> {
    let mut cond = Condition::all().add(visible(&caller.read_scopes()));
    if let Some(unit) = filter.unit {
        cond = cond.add(visible(&[unit]));
    }
    if let Some(unit) = filter.conducting {
        cond = cond.add(conducted_in(&[unit]));
    }
    if let Some(unit) = filter.target {
        cond = cond.add(targeting(&[unit]));
    }
    if let Some(kinds) = &filter.kinds {
        cond = cond.add(oversight::Column::Kind.is_in(kinds.iter().copied()));
    }
    if let Some(cadences) = &filter.cadences {
        cond = cond.add(oversight::Column::Cadence.is_in(cadences.iter().copied()));
    }
    if let Some(statuses) = &filter.statuses {
        cond = cond.add(oversight::Column::Status.is_in(statuses.iter().copied()));
    }
    check_range(filter.from, filter.to, "filter.to")?;
    if let Some(from) = filter.from {
        cond = cond.add(oversight::Column::PlannedEnd.gte(from));
    }
    if let Some(to) = filter.to {
        cond = cond.add(oversight::Column::PlannedStart.lte(to));
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            oversight::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(oversight::Column::UpdatedAt.gte(since));
    }
    page::fetch(
        db,
        oversight::Entity::find().filter(cond),
        oversight::Column::SortKey,
        oversight::Column::Id,
        args,
        count,
    )
    .await
}

/// An oversight the caller sees, or `None` (unknown and unseen answer alike).
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<oversight::Model>> {
    Ok(oversight::Entity::find_by_id(id)
        .filter(visible(&caller.read_scopes()))
        .one(db)
        .await?)
}

/// Whether the caller's grants see the oversight from the conducting side (all findings).
pub async fn sees_as_conductor(
    db: &impl ConnectionTrait,
    caller: &Caller,
    oversight_id: Uuid,
) -> AppResult<bool> {
    Ok(oversight::Entity::find_by_id(oversight_id)
        .filter(conducted_in(&caller.read_scopes()))
        .one(db)
        .await?
        .is_some())
}

/// The targets of an oversight, in the order they were named.
pub async fn targets(
    db: &impl ConnectionTrait,
    oversight_id: Uuid,
) -> AppResult<Vec<oversight_target::Model>> {
    Ok(oversight_target::Entity::find()
        .filter(oversight_target::Column::OversightId.eq(oversight_id))
        .order_by_asc(oversight_target::Column::CreatedAt)
        .order_by_asc(oversight_target::Column::Id)
        .all(db)
        .await?)
}

/// The findings of an oversight the caller may read: all of them from the conducting side, a
/// target's own otherwise.
pub async fn findings(
    db: &impl ConnectionTrait,
    caller: &Caller,
    oversight: &oversight::Model,
) -> AppResult<Vec<oversight_finding::Model>> {
    let mut query = oversight_finding::Entity::find()
        .filter(oversight_finding::Column::OversightId.eq(oversight.id));
    if !sees_as_conductor(db, caller, oversight.id).await? {
        query = query.filter(Expr::exists(under_when(
            &caller.read_scopes(),
            Expr::col((
                oversight_finding::Entity,
                oversight_finding::Column::TargetUnitId,
            )),
            Expr::val(oversight.created_at),
        )));
    }
    Ok(query
        .order_by_asc(oversight_finding::Column::CreatedAt)
        .order_by_asc(oversight_finding::Column::Id)
        .all(db)
        .await?)
}

/// Recommendations the caller sees: of oversights it conducts, or addressed to its units and
/// issued by the oversight's conclusion.
pub fn visible_recommendations(roots: &[Uuid]) -> Condition {
    let conducted = Query::select()
        .expr(Expr::val(1))
        .from(oversight::Entity)
        .and_where(
            Expr::col((oversight::Entity, oversight::Column::Id))
                .equals((recommendation::Entity, recommendation::Column::OversightId)),
        )
        .cond_where(conducted_in(roots))
        .to_owned();
    // The addressee sees a recommendation once the conclusion issued it.
    Condition::any().add(Expr::exists(conducted)).add(
        Condition::all()
            .add(recommendation::Column::IssuedAt.is_not_null())
            .add(Expr::exists(under_when(
                roots,
                Expr::col((
                    recommendation::Entity,
                    recommendation::Column::AddresseeUnitId,
                )),
                Expr::col((recommendation::Entity, recommendation::Column::CreatedAt)),
            ))),
    )
}

/// Statuses in which the addressee still owes a remedy (the due date binds).
pub const AWAITING: [RecommendationStatus; 5] = [
    RecommendationStatus::Open,
    RecommendationStatus::Accepted,
    RecommendationStatus::Disputed,
    RecommendationStatus::InProgress,
    RecommendationStatus::Reopened,
];

/// Filters of the `recommendations` list.
#[derive(Clone, Debug, Default)]
pub struct RecommendationFilter {
    pub oversight: Option<Uuid>,
    /// Addressed to a unit of this unit's subtree.
    pub addressee: Option<Uuid>,
    pub statuses: Option<Vec<RecommendationStatus>>,
    /// Only overdue ones (true) or only those not overdue (false), on the province's calendar.
    pub overdue: Option<bool>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    pub search: Option<String>,
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// Overdue as SQL: issued by a concluded oversight, still owed, due before `today`.
fn overdue_on(today: NaiveDate) -> Condition {
    let concluded = Query::select()
        .expr(Expr::val(1))
        .from(oversight::Entity)
        .and_where(
            Expr::col((oversight::Entity, oversight::Column::Id))
                .equals((recommendation::Entity, recommendation::Column::OversightId)),
        )
        .and_where(oversight::Column::Status.eq(OversightStatus::Concluded))
        .to_owned();
    Condition::all()
        .add(Expr::exists(concluded))
        .add(recommendation::Column::Status.is_in(AWAITING))
        .add(recommendation::Column::DueOn.lt(today))
}

pub async fn list_recommendations(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &RecommendationFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<recommendation::Model>> {
    let mut cond = Condition::all().add(visible_recommendations(&caller.read_scopes()));
    if let Some(o) = filter.oversight {
        cond = cond.add(recommendation::Column::OversightId.eq(o));
    }
    if let Some(unit) = filter.addressee {
        cond = cond.add(Expr::exists(under_when(
            &[unit],
            Expr::col((
                recommendation::Entity,
                recommendation::Column::AddresseeUnitId,
            )),
            Expr::col((recommendation::Entity, recommendation::Column::CreatedAt)),
        )));
    }
    if let Some(statuses) = &filter.statuses {
        cond = cond.add(recommendation::Column::Status.is_in(statuses.iter().copied()));
    }
    match filter.overdue {
        Some(true) => cond = cond.add(overdue_on(caller.today())),
        Some(false) => cond = cond.add(overdue_on(caller.today()).not()),
        None => {}
    }
    check_range(filter.due_from, filter.due_to, "filter.dueTo")?;
    if let Some(from) = filter.due_from {
        cond = cond.add(recommendation::Column::DueOn.gte(from));
    }
    if let Some(to) = filter.due_to {
        cond = cond.add(recommendation::Column::DueOn.lte(to));
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            recommendation::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(recommendation::Column::UpdatedAt.gte(since));
    }
    page::fetch(
        db,
        recommendation::Entity::find().filter(cond),
        recommendation::Column::SortKey,
        recommendation::Column::Id,
        args,
        count,
    )
    .await
}

/// A recommendation the caller sees, or `None`.
pub async fn get_recommendation(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<recommendation::Model>> {
    Ok(recommendation::Entity::find_by_id(id)
        .filter(visible_recommendations(&caller.read_scopes()))
        .one(db)
        .await?)
}

/// The remedial actions of a recommendation, oldest first.
pub async fn remedial_actions(
    db: &impl ConnectionTrait,
    recommendation_id: Uuid,
) -> AppResult<Vec<remedial_action::Model>> {
    Ok(remedial_action::Entity::find()
        .filter(remedial_action::Column::RecommendationId.eq(recommendation_id))
        .order_by_asc(remedial_action::Column::CreatedAt)
        .order_by_asc(remedial_action::Column::Id)
        .all(db)
        .await?)
}

/// Whether a recommendation is overdue on `today`: its oversight stands concluded, the remedy is
/// still owed and its due day has passed (`oversight_workflow::is_overdue`).
pub async fn is_overdue(
    db: &impl ConnectionTrait,
    r: &recommendation::Model,
    today: NaiveDate,
) -> AppResult<bool> {
    if !super::oversight_workflow::is_overdue(r.status, Some(r.due_on), today) {
        return Ok(false);
    }
    Ok(oversight::Entity::find_by_id(r.oversight_id)
        .one(db)
        .await?
        .is_some_and(|o| o.status == OversightStatus::Concluded))
}
