//! Reviews (sơ kết, tổng kết, chuyên đề: content 7 of Plan 24-KH/BCĐ) and lessons learnt. A
//! review is scheduled for a plan, a unit and a period; it is held only once the consolidated
//! report of the matching kind, covering the period, is attached. Lessons are recorded from a
//! report, a review or an oversight and searched without diacritics.

use chrono::NaiveDate;
use entity::{
    ReportKind, ReportStatus, ReviewKind, ReviewStatus, lesson, oversight, report, report_schedule,
    review,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz,
    page::{self, Keyed, Page, PageArgs},
    planning::{required_block, required_text},
    scope::under_when,
    search_condition,
    write::{Writer, check_version, save_versioned},
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    text,
};

impl Keyed for review::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Keyed for lesson::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// The kind of report that consolidates a review of `kind`.
pub fn report_kind(kind: ReviewKind) -> ReportKind {
    match kind {
        ReviewKind::Preliminary => ReportKind::PreliminaryReview,
        ReviewKind::Final => ReportKind::AnnualReview,
        ReviewKind::Thematic => ReportKind::AdHoc,
    }
}

/// Why `report` cannot consolidate `review`, if it cannot: another unit's, about another plan
/// (neither the review's nor one derived from it: `derived_from_review_plan`), another kind, a
/// period that does not cover the review's, or not sent.
pub fn unfit(
    review: &review::Model,
    report: &report::Model,
    derived_from_review_plan: bool,
) -> Option<&'static str> {
    if report.unit_id != review.unit_id {
        Some("the report is another unit's")
    } else if report.plan_id != Some(review.plan_id) && !derived_from_review_plan {
        Some("the report is about another plan")
    } else if report.kind != report_kind(review.kind) {
        Some("the report is not of the kind this review consolidates")
    } else if report.period_start > review.period_start || report.period_end < review.period_end {
        Some("the report does not cover the review's period")
    } else if report.status == ReportStatus::Returned {
        Some("the report was returned: submit it again first")
    } else if !matches!(
        report.status,
        ReportStatus::Submitted | ReportStatus::Approved
    ) {
        Some("the report is still a draft: submit it first")
    } else {
        None
    }
}

/// Whether `report`'s plan was derived from the review's plan (a district's own plan, derived
/// from the province's, consolidates into the province's review of its district).
async fn derived_from(
    db: &impl ConnectionTrait,
    review: &review::Model,
    report: &report::Model,
) -> AppResult<bool> {
    let Some(plan) = report.plan_id else {
        return Ok(false);
    };
    Ok(entity::plan::Entity::find_by_id(plan)
        .one(db)
        .await?
        .is_some_and(|p| p.parent_plan_id == Some(review.plan_id)))
}

/// Reviews held by units of `roots`' subtrees (as the tree stood when each was scheduled).
pub fn visible(roots: &[Uuid]) -> Condition {
    Condition::all().add(Expr::exists(under_when(
        roots,
        Expr::col((review::Entity, review::Column::UnitId)),
        Expr::col((review::Entity, review::Column::CreatedAt)),
    )))
}

/// Filters of the `reviews` list.
#[derive(Clone, Debug, Default)]
pub struct ReviewFilter {
    pub unit: Option<Uuid>,
    pub plan: Option<Uuid>,
    pub kinds: Option<Vec<ReviewKind>>,
    pub statuses: Option<Vec<ReviewStatus>>,
    /// Planned and past its due day (true), or not (false).
    pub overdue: Option<bool>,
    pub search: Option<String>,
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &ReviewFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<review::Model>> {
    let mut cond = Condition::all().add(visible(&caller.read_scopes()));
    if let Some(unit) = filter.unit {
        cond = cond.add(visible(&[unit]));
    }
    if let Some(plan) = filter.plan {
        cond = cond.add(review::Column::PlanId.eq(plan));
    }
    if let Some(kinds) = &filter.kinds {
        cond = cond.add(review::Column::Kind.is_in(kinds.iter().copied()));
    }
    if let Some(statuses) = &filter.statuses {
        cond = cond.add(review::Column::Status.is_in(statuses.iter().copied()));
    }
    let overdue = Condition::all()
        .add(review::Column::Status.eq(ReviewStatus::Planned))
        .add(review::Column::DueOn.lt(caller.today()));
    match filter.overdue {
        Some(true) => cond = cond.add(overdue),
        Some(false) => cond = cond.add(overdue.not()),
        None => {}
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            review::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(review::Column::UpdatedAt.gte(since));
    }
    page::fetch(
        db,
        review::Entity::find().filter(cond),
        review::Column::SortKey,
        review::Column::Id,
        args,
        count,
    )
    .await
}

pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<review::Model>> {
    Ok(review::Entity::find_by_id(id)
        .filter(visible(&caller.read_scopes()))
        .one(db)
        .await?)
}

/// A review to schedule.
#[derive(Clone, Debug)]
pub struct NewReview {
    pub plan: Uuid,
    pub unit: Uuid,
    pub schedule: Option<Uuid>,
    pub kind: ReviewKind,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_on: NaiveDate,
}

/// Schedules a review (PLANNED): ADMIN, STEERING or UNIT_MANAGER over the unit, of a plan the
/// unit carries out; with a schedule, the schedule is the plan's and of the matching kind.
///
/// Errors: `BAD_USER_INPUT` for a plan or schedule that does not fit, a period that ends before
/// it starts; `CONFLICT` for a second review of the kind for the plan, unit and period.
pub async fn schedule(w: &Writer, actor: &Actor, new: NewReview) -> AppResult<review::Model> {
    let title = required_text("input.title", &new.title)?;
    if new.period_end < new.period_start {
        return Err(AppError::bad_input(
            "input.periodEnd",
            "the period ends before it starts",
        ));
    }
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            authz::require_visible_unit(txn, caller, "input.unitId", new.unit).await?;
            authz::require(txn, caller, authz::PLANNERS, new.unit).await?;
            super::planning::load_open_unit(txn, "input.unitId", new.unit, caller.today()).await?;
            let plan = entity::plan::Entity::find_by_id(new.plan)
                .filter(super::scope::plans_for_unit(new.unit))
                .one(txn)
                .await?
                .ok_or_else(|| AppError::bad_input("input.planId", "plan not found"))?;
            if let Some(schedule) = new.schedule {
                let s = report_schedule::Entity::find_by_id(schedule)
                    .filter(report_schedule::Column::PlanId.eq(plan.id))
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        AppError::bad_input("input.scheduleId", "no such schedule of the plan")
                    })?;
                if s.kind != report_kind(new.kind) {
                    return Err(AppError::bad_input(
                        "input.scheduleId",
                        "the schedule's reports are not of the kind this review consolidates",
                    ));
                }
            }
            let now = caller.clock.now();
            let created = review::ActiveModel {
                id: Set(Uuid::now_v7()),
                plan_id: Set(plan.id),
                unit_id: Set(new.unit),
                schedule_id: Set(new.schedule),
                kind: Set(new.kind),
                search_text: Set(text::fold(&title)),
                title: Set(title),
                period_start: Set(new.period_start),
                period_end: Set(new.period_end),
                due_on: Set(new.due_on),
                status: Set(ReviewStatus::Planned),
                held_on: Set(None),
                consolidated_report_id: Set(None),
                due_notified_on: Set(None),
                sort_key: Set(super::reports::sort_key(new.period_end, now)),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of("review.schedule", "Review", created.id, Some(new.unit)).after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// What a step on a review brings.
#[derive(Clone, Copy, Debug)]
pub enum ReviewStep {
    /// Attach the consolidated report.
    Attach(Uuid),
    /// Mark it held, on the day given or today.
    Hold(Option<NaiveDate>),
}

/// Attaches the consolidated report to a planned review, or marks it held (which needs the
/// report attached). ADMIN, STEERING or UNIT_MANAGER over the review's unit.
///
/// Errors: `BAD_USER_INPUT` on `input.reportId` for a report that does not fit ([`unfit`]), on
/// `id` for a review already held or held without its report, on `input.heldOn` for a day in
/// the future; `CONFLICT` for a stale version.
pub async fn step(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    step: ReviewStep,
) -> AppResult<review::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let before = get(txn, caller, id)
                .await?
                .ok_or(AppError::NotFound("review"))?;
            authz::require(txn, caller, authz::PLANNERS, before.unit_id).await?;
            check_version(before.version, version)?;
            if before.status == ReviewStatus::Held {
                return Err(AppError::bad_input("id", "the review is already held"));
            }
            let mut am = before.clone().into_active_model();
            let action = match step {
                ReviewStep::Attach(report_id) => {
                    let r = super::reports::get(txn, caller, report_id)
                        .await?
                        .ok_or_else(|| AppError::bad_input("input.reportId", "report not found"))?;
                    let derived = derived_from(txn, &before, &r).await?;
                    if let Some(why) = unfit(&before, &r, derived) {
                        return Err(AppError::bad_input("input.reportId", why));
                    }
                    am.consolidated_report_id = Set(Some(r.id));
                    "review.attachReport"
                }
                ReviewStep::Hold(day) => {
                    let Some(report_id) = before.consolidated_report_id else {
                        return Err(AppError::bad_input(
                            "id",
                            "a review is held once its consolidated report is attached",
                        ));
                    };
                    // Judged again now: the report may have been returned or corrected since.
                    let r = report::Entity::find_by_id(report_id)
                        .one(txn)
                        .await?
                        .ok_or(AppError::NotFound("report"))?;
                    let derived = derived_from(txn, &before, &r).await?;
                    if let Some(why) = unfit(&before, &r, derived) {
                        return Err(AppError::bad_input(
                            "id",
                            format!("the consolidated report no longer fits: {why}"),
                        ));
                    }
                    let corrected = report::Entity::find()
                        .filter(report::Column::PreviousId.eq(report_id))
                        .one(txn)
                        .await?;
                    if corrected.is_some() {
                        return Err(AppError::bad_input(
                            "id",
                            "the consolidated report has a correction: attach the corrected \
                             revision once it is sent",
                        ));
                    }
                    let today = caller.today();
                    let held = day.unwrap_or(today);
                    if held > today {
                        return Err(AppError::bad_input(
                            "input.heldOn",
                            "a review is marked held on or after the day it was held",
                        ));
                    }
                    if held < before.period_start {
                        return Err(AppError::bad_input(
                            "input.heldOn",
                            "a review is held once its period has begun",
                        ));
                    }
                    // It consolidates the report, so it is not held before the report was sent.
                    let sent = r.first_submitted_at.map(super::clock::province_day);
                    if sent.is_some_and(|sent| held < sent) {
                        return Err(AppError::bad_input(
                            "input.heldOn",
                            "a review is held on or after the day its consolidated report was sent",
                        ));
                    }
                    am.held_on = Set(Some(held));
                    am.status = Set(ReviewStatus::Held);
                    "review.hold"
                }
            };
            let now = caller.clock.now();
            let after = save_versioned!(txn, review, am, version, now);
            audit::record(
                txn,
                &actor,
                Change::of(action, "Review", id, Some(after.unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// Where a lesson comes from.
#[derive(Clone, Copy, Debug)]
pub enum LessonSource {
    Report(Uuid),
    Review(Uuid),
    Oversight(Uuid),
}

/// Records a lesson learnt from a report, review or oversight the caller sees; a writer
/// (ADMIN, STEERING, UNIT_MANAGER, REPORTER, PARTNER) over the source's unit (the conducting
/// unit for an oversight).
pub async fn record_lesson(
    w: &Writer,
    actor: &Actor,
    source: LessonSource,
    content: String,
) -> AppResult<lesson::Model> {
    let content = required_block("input.content", &content)?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let unknown = || AppError::bad_input("input.sourceId", "source not found");
            let unit = match source {
                LessonSource::Report(id) => {
                    super::reports::get(txn, caller, id)
                        .await?
                        .ok_or_else(unknown)?
                        .unit_id
                }
                LessonSource::Review(id) => {
                    get(txn, caller, id).await?.ok_or_else(unknown)?.unit_id
                }
                LessonSource::Oversight(id) => {
                    let o: oversight::Model = super::oversights::get(txn, caller, id)
                        .await?
                        .ok_or_else(unknown)?;
                    o.conducting_unit_id
                }
            };
            authz::require(txn, caller, authz::WRITERS, unit).await?;
            let now = caller.clock.now();
            let (report_id, review_id, oversight_id) = match source {
                LessonSource::Report(id) => (Some(id), None, None),
                LessonSource::Review(id) => (None, Some(id), None),
                LessonSource::Oversight(id) => (None, None, Some(id)),
            };
            let created = lesson::ActiveModel {
                id: Set(Uuid::now_v7()),
                unit_id: Set(unit),
                report_id: Set(report_id),
                review_id: Set(review_id),
                oversight_id: Set(oversight_id),
                search_text: Set(text::fold(&content)),
                content: Set(content),
                author_id: Set(caller.person()),
                sort_key: Set(format!("{:020}", i64::MAX - now.timestamp_micros())),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of("lesson.record", "Lesson", created.id, Some(unit)).after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Filters of the `lessons` list.
#[derive(Clone, Debug, Default)]
pub struct LessonFilter {
    pub unit: Option<Uuid>,
    pub search: Option<String>,
}

/// Lessons of units in the caller's subtrees, newest first.
pub async fn lessons(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &LessonFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<lesson::Model>> {
    let in_units = |roots: &[Uuid]| {
        Expr::exists(under_when(
            roots,
            Expr::col((lesson::Entity, lesson::Column::UnitId)),
            Expr::col((lesson::Entity, lesson::Column::CreatedAt)),
        ))
    };
    let mut cond = Condition::all().add(in_units(&caller.read_scopes()));
    if let Some(unit) = filter.unit {
        cond = cond.add(in_units(&[unit]));
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            lesson::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    page::fetch(
        db,
        lesson::Entity::find().filter(cond),
        lesson::Column::SortKey,
        lesson::Column::Id,
        args,
        count,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::{report_kind, unfit};
    use entity::{ReportKind, ReportStatus, ReviewKind};

    fn review() -> entity::review::Model {
        let day = |d: &str| d.parse().unwrap();
        entity::review::Model {
            id: uuid::Uuid::nil(),
            plan_id: uuid::Uuid::nil(),
            unit_id: uuid::Uuid::from_u128(1),
            schedule_id: None,
            kind: ReviewKind::Preliminary,
            title: String::new(),
            period_start: day("2024-01-01"),
            period_end: day("2024-06-30"),
            due_on: day("2024-07-15"),
            status: entity::ReviewStatus::Planned,
            held_on: None,
            consolidated_report_id: None,
            due_notified_on: None,
            search_text: String::new(),
            sort_key: String::new(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            version: 1,
        }
    }

    #[test]
    fn a_consolidated_report_matches_unit_kind_period_and_is_sent() {
        let day = |d: &str| d.parse().unwrap();
        let r = entity::report::Model {
            id: uuid::Uuid::nil(),
            unit_id: uuid::Uuid::from_u128(1),
            recipient_unit_id: None,
            plan_id: Some(uuid::Uuid::nil()),
            schedule_id: None,
            obligation_id: None,
            kind: ReportKind::PreliminaryReview,
            title: String::new(),
            period_start: day("2023-12-15"),
            period_end: day("2024-06-30"),
            status: ReportStatus::Submitted,
            revision: 1,
            previous_id: None,
            results: None,
            limitations: None,
            causes: None,
            lessons: None,
            next_steps: None,
            review_comment: None,
            author_id: None,
            submitted_at: None,
            first_submitted_at: None,
            approved_at: None,
            search_text: String::new(),
            sort_key: String::new(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            version: 1,
        };
        let v = review();
        assert_eq!(unfit(&v, &r, false), None);
        let cases: [(&str, entity::report::Model); 6] = [
            (
                "another plan",
                entity::report::Model {
                    plan_id: Some(uuid::Uuid::from_u128(9)),
                    ..r.clone()
                },
            ),
            (
                "returned",
                entity::report::Model {
                    status: ReportStatus::Returned,
                    ..r.clone()
                },
            ),
            (
                "another unit",
                entity::report::Model {
                    unit_id: uuid::Uuid::from_u128(2),
                    ..r.clone()
                },
            ),
            (
                "another kind",
                entity::report::Model {
                    kind: ReportKind::AnnualReview,
                    ..r.clone()
                },
            ),
            (
                "short period",
                entity::report::Model {
                    period_end: day("2024-06-29"),
                    ..r.clone()
                },
            ),
            (
                "a draft",
                entity::report::Model {
                    status: ReportStatus::Draft,
                    ..r.clone()
                },
            ),
        ];
        for (what, report) in cases {
            assert!(unfit(&v, &report, false).is_some(), "{what} accepted");
        }
        assert_eq!(report_kind(ReviewKind::Final), ReportKind::AnnualReview);
    }
}
