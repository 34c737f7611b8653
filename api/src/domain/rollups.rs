//! What the standing office reports upward, for any unit's subtree: plan progress,
//! reporting compliance and indicator sums.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::{
    Aggregation, PlanStatus, ReportStatus, TaskStatus, indicator, indicator_value, plan, report,
    report_obligation, report_schedule, unit,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    plans::{self, DerivationStatus},
    reporting, units,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

/// The unit the caller asks about, which must lie in its read scope on the day the rollup
/// counts (today without `asOf`): a unit that moved to another district is summed for its old
/// district only as it stood while it was there.
pub(crate) async fn subject_unit(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    tree: Tree,
) -> AppResult<unit::Model> {
    let u = unit::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let mut day = tree.as_of.unwrap_or_else(|| caller.today());
    // A closed unit is summed as it stood on its last day; one not yet open, on its first.
    if let Some(closed) = u.valid_to.filter(|c| *c <= day) {
        day = closed.pred_opt().unwrap_or(closed);
    }
    if let Some(opened) = u.valid_from.filter(|o| *o > day) {
        day = opened;
    }
    if units::all_within_on(db, &caller.read_scopes(), &[id], day).await? {
        Ok(u)
    } else {
        // A unit the caller sees (one above it) is refused; one it cannot see answers as an
        // unknown unit, so no rollup tells which units exist elsewhere.
        let visible = unit::Entity::find_by_id(id)
            .filter(super::scope::visible_units(&caller.read_scopes()))
            .one(db)
            .await?
            .is_some();
        if visible {
            Err(AppError::forbidden("this unit is outside your scope"))
        } else {
            Err(AppError::NotFound("unit"))
        }
    }
}

/// Which tree a rollup counts over.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tree {
    /// The subtree of this day; `None`: every unit ever placed under the subject.
    pub as_of: Option<NaiveDate>,
    /// Also count every unit whose history flows into the counted ones through
    /// reorganisations (predecessors, and everything ever under them).
    pub lineage: bool,
}

/// The units a rollup over `root` counts.
async fn counted_units(db: &impl ConnectionTrait, root: Uuid, tree: Tree) -> AppResult<Vec<Uuid>> {
    use sea_orm::QuerySelect;
    let mut query = entity::unit_closure::Entity::find()
        .select_only()
        .column(entity::unit_closure::Column::DescendantId)
        .filter(entity::unit_closure::Column::AncestorId.eq(root))
        .distinct();
    if let Some(day) = tree.as_of {
        query = query.filter(super::lineage::holds_on(
            entity::unit_closure::Column::ValidFrom,
            entity::unit_closure::Column::ValidTo,
            day,
        ));
    }
    let mut ids: Vec<Uuid> = query.into_tuple::<Uuid>().all(db).await?;
    if tree.lineage {
        // A unit a merge created did not exist on a day before the merge, yet its predecessors
        // did: their history is its lineage on that day too.
        if !ids.contains(&root) {
            ids.push(root);
        }
        super::reorg::lineage_of(db, &ids).await
    } else {
        Ok(ids)
    }
}

/// Whether a reroutable row (assignment, obligation, recipient) counts for its unit on `day`:
/// a rerouted original stops counting when its successor's copy starts.
pub fn counts_on(
    active_from: Option<NaiveDate>,
    rerouted_on: Option<NaiveDate>,
    day: NaiveDate,
) -> bool {
    active_from.is_none_or(|from| from <= day) && rerouted_on.is_none_or(|to| to > day)
}

/// Counts of tasks for one content area.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AreaProgress {
    pub content_area: Option<i16>,
    pub total: u64,
    pub not_started: u64,
    pub in_progress: u64,
    pub done: u64,
    pub cancelled: u64,
    pub overdue: u64,
}

/// Plan progress over a unit's subtree.
#[derive(Clone, Debug)]
pub struct PlanProgress {
    pub plan: plan::Model,
    pub unit: unit::Model,
    pub total: AreaProgress,
    pub by_area: Vec<AreaProgress>,
    pub recipients: Vec<(Uuid, DerivationStatus, Option<Uuid>)>,
}

/// Adds `n` tasks of one status to the counts; `past_due`: their due day has passed, which
/// makes them overdue unless they are done or cancelled.
pub fn tally(counts: &mut AreaProgress, status: TaskStatus, past_due: bool, n: u64) {
    counts.total += n;
    match status {
        TaskStatus::NotStarted => counts.not_started += n,
        TaskStatus::InProgress => counts.in_progress += n,
        TaskStatus::Done => counts.done += n,
        TaskStatus::Cancelled => counts.cancelled += n,
    }
    if past_due && !matches!(status, TaskStatus::Done | TaskStatus::Cancelled) {
        counts.overdue += n;
    }
}

/// Task counts of `plans` by content area, status and whether the due day is before `today`,
/// summed from the tallies the database keeps per plan (`entity::task_tally`), so a national
/// plan's million tasks are never read for a rollup.
async fn task_counts(
    db: &impl ConnectionTrait,
    plans: Vec<Uuid>,
    today: NaiveDate,
) -> AppResult<Vec<(Option<i16>, TaskStatus, bool, i64)>> {
    use entity::task_tally;
    use sea_orm::{
        QuerySelect,
        sea_query::{Alias, Expr, ExprTrait, Func},
    };
    let past_due = Expr::col(task_tally::Column::DueOn).lt(today);
    let rows: Vec<(i16, TaskStatus, bool, i64)> = task_tally::Entity::find()
        .select_only()
        .column(task_tally::Column::ContentArea)
        .column(task_tally::Column::Status)
        .column_as(past_due, "past_due")
        // PostgreSQL sums a bigint as numeric.
        .column_as(
            Expr::expr(Func::cast_as(
                Func::sum(Expr::col(task_tally::Column::N)),
                Alias::new("bigint"),
            )),
            "n",
        )
        .filter(task_tally::Column::PlanId.is_in(plans))
        .filter(task_tally::Column::N.gt(0))
        .group_by(task_tally::Column::ContentArea)
        .group_by(task_tally::Column::Status)
        // By its output name: a repeated expression would bind `today` again, and PostgreSQL
        // does not treat two parameters as the same expression.
        .group_by(Expr::col(Alias::new("past_due")))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(area, status, past_due, n)| ((area != 0).then_some(area), status, past_due, n))
        .collect())
}

/// Tasks counted: the plan's own when the unit's subtree holds its issuer, plus the tasks of
/// every plan derived from it (at any depth) issued inside the subtree.
pub async fn plan_progress(
    db: &impl ConnectionTrait,
    caller: &Caller,
    plan_id: Uuid,
    unit_id: Uuid,
    today: NaiveDate,
    tree: Tree,
) -> AppResult<PlanProgress> {
    let plan = plans::get(db, caller, plan_id)
        .await?
        .ok_or(AppError::NotFound("plan"))?;
    let unit = subject_unit(db, caller, unit_id, tree).await?;
    let subtree = counted_units(db, unit_id, tree).await?;
    let day = tree.as_of.unwrap_or(today);

    let mut family = vec![plan.clone()];
    let mut frontier = vec![plan.id];
    while !frontier.is_empty() {
        let children = plan::Entity::find()
            .filter(plan::Column::ParentPlanId.is_in(frontier.clone()))
            .all(db)
            .await?;
        frontier = children.iter().map(|p| p.id).collect();
        family.extend(children);
    }
    let counted: Vec<Uuid> = family
        .iter()
        .filter(|p| subtree.contains(&p.issuing_unit_id))
        .filter(|p| p.id == plan.id || p.status != PlanStatus::Draft)
        .map(|p| p.id)
        .collect();
    let mut total = AreaProgress::default();
    let mut areas: BTreeMap<Option<i16>, AreaProgress> = BTreeMap::new();
    for (content_area, status, past_due, n) in task_counts(db, counted, today).await? {
        let n = u64::try_from(n).unwrap_or_default();
        tally(&mut total, status, past_due, n);
        let area = areas.entry(content_area).or_insert_with(|| AreaProgress {
            content_area,
            ..Default::default()
        });
        tally(area, status, past_due, n);
    }

    let recipients = plans::recipients(db, plan.id).await?;
    let derived: HashMap<Uuid, plan::Model> = family.iter().map(|p| (p.id, p.clone())).collect();
    let recipients = recipients
        .into_iter()
        .filter(|r| subtree.contains(&r.unit_id))
        .filter(|r| counts_on(r.active_from, r.rerouted_on, day))
        .map(|r| {
            let status =
                plans::recipient_status(&r, r.derived_plan_id.and_then(|id| derived.get(&id)), day);
            (r.unit_id, status, r.derived_plan_id)
        })
        .collect();
    Ok(PlanProgress {
        plan,
        unit,
        total,
        by_area: areas.into_values().collect(),
        recipients,
    })
}

/// Where one expected report stands.
#[derive(Clone, Debug)]
pub struct ObligationState {
    pub unit_id: Uuid,
    /// The newest revision, if any report exists.
    pub report: Option<report::Model>,
    pub submitted: bool,
    pub approved: bool,
    pub late: bool,
}

/// Reporting compliance of a schedule over a unit's subtree.
#[derive(Clone, Debug)]
pub struct Compliance {
    pub schedule: report_schedule::Model,
    pub unit: unit::Model,
    pub obligations: Vec<ObligationState>,
}

impl Compliance {
    pub fn expected(&self) -> usize {
        self.obligations.len()
    }
    pub fn submitted(&self) -> usize {
        self.obligations.iter().filter(|o| o.submitted).count()
    }
    pub fn approved(&self) -> usize {
        self.obligations.iter().filter(|o| o.approved).count()
    }
    pub fn on_time(&self) -> usize {
        self.obligations
            .iter()
            .filter(|o| o.submitted && !o.late)
            .count()
    }
    pub fn late(&self) -> usize {
        self.obligations.iter().filter(|o| o.late).count()
    }
    pub fn missing(&self) -> Vec<Uuid> {
        self.obligations
            .iter()
            .filter(|o| !o.submitted)
            .map(|o| o.unit_id)
            .collect()
    }
}

pub async fn compliance(
    db: &impl ConnectionTrait,
    caller: &Caller,
    schedule_id: Uuid,
    unit_id: Uuid,
    today: NaiveDate,
    tree: Tree,
) -> AppResult<Compliance> {
    let schedule = plans::get_schedule(db, caller, schedule_id)
        .await?
        .ok_or(AppError::NotFound("report schedule"))?;
    let unit = subject_unit(db, caller, unit_id, tree).await?;
    let counted = counted_units(db, unit_id, tree).await?;
    let day = tree.as_of.unwrap_or(today);
    let obligations: Vec<_> = report_obligation::Entity::find()
        .filter(report_obligation::Column::ScheduleId.eq(schedule_id))
        .filter(report_obligation::Column::UnitId.is_in(counted))
        .all(db)
        .await?
        .into_iter()
        .filter(|o| counts_on(o.active_from, o.rerouted_on, day))
        .collect();
    let all_reports = reporting::of_schedule(db, schedule_id).await?;
    let mut states = Vec::new();
    for o in obligations {
        let chain: Vec<&report::Model> = all_reports
            .iter()
            .filter(|r| r.obligation_id == Some(o.id))
            .collect();
        let first_submitted = chain.iter().filter_map(|r| r.first_submitted_at).min();
        let newest = chain
            .iter()
            .max_by_key(|r| r.revision)
            .map(|r| (*r).clone());
        states.push(ObligationState {
            unit_id: o.unit_id,
            submitted: first_submitted.is_some(),
            approved: chain.iter().any(|r| r.status == ReportStatus::Approved),
            late: first_submitted.is_some_and(|at| reporting::submitted_late(at, schedule.due_on)),
            report: newest,
        });
    }
    let names: HashMap<Uuid, String> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(states.iter().map(|s| s.unit_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.sort_key))
        .collect();
    states.sort_by(|a, b| names.get(&a.unit_id).cmp(&names.get(&b.unit_id)));
    Ok(Compliance {
        schedule,
        unit,
        obligations: states,
    })
}

/// One indicator aggregated over a subtree.
#[derive(Clone, Debug)]
pub struct IndicatorTotal {
    pub indicator: indicator::Model,
    /// The aggregate: a sum, an extreme, or for a ratio the percentage of the summed parts.
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// Reports whose values went into this total.
    pub reports: Vec<Uuid>,
    /// Units whose reports this total leaves out, and why (a ratio counts only reports that
    /// state both its parts).
    pub excluded: Vec<Excluded>,
}

/// Why a ratio leaves a report out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exclusion {
    /// The report states the denominator but not the numerator.
    MissingNumerator,
    /// The report states the numerator but not the denominator.
    MissingDenominator,
}

/// A unit whose reports a ratio leaves out, with the reason and those reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excluded {
    pub unit_id: Uuid,
    pub reason: Exclusion,
    pub reports: Vec<Uuid>,
}

/// A ratio's parts summed over the reports that state both, and the units left out: a report
/// with only one part would count against parts another unit stated (one unit's 40 resolved
/// petitions with no "received" figure turned the province's rate into 490 %). `unit_of` maps
/// a report to its unit; `numerators` and `denominators` are (report, value) pairs. Returns
/// `(numerator, denominator, counted reports, excluded)`, or `None` when a sum would pass
/// [`super::indicators::MAX_TOTAL`].
pub fn paired_ratio_parts(
    numerators: &[(Uuid, f64)],
    denominators: &[(Uuid, f64)],
    unit_of: &HashMap<Uuid, Uuid>,
) -> Option<(f64, f64, Vec<Uuid>, Vec<Excluded>)> {
    use super::indicators::checked_sum;
    let states = |rows: &[(Uuid, f64)], report: Uuid| rows.iter().any(|(r, _)| *r == report);
    let mut counted: Vec<Uuid> = Vec::new();
    let mut left_out: BTreeMap<(Uuid, Exclusion), Vec<Uuid>> = BTreeMap::new();
    for (report, _) in numerators.iter().chain(denominators) {
        let reason = match (states(numerators, *report), states(denominators, *report)) {
            (true, true) => {
                counted.push(*report);
                continue;
            }
            (true, false) => Exclusion::MissingDenominator,
            _ => Exclusion::MissingNumerator,
        };
        let unit = unit_of.get(report).copied().unwrap_or_default();
        left_out.entry((unit, reason)).or_default().push(*report);
    }
    counted.sort();
    counted.dedup();
    let sum = |rows: &[(Uuid, f64)]| {
        checked_sum(
            rows.iter()
                .filter(|(r, _)| counted.binary_search(r).is_ok())
                .map(|(_, v)| *v),
        )
    };
    let (num, den) = (sum(numerators)?, sum(denominators)?);
    let excluded = left_out
        .into_iter()
        .map(|((unit_id, reason), mut reports)| {
            reports.sort();
            reports.dedup();
            Excluded {
                unit_id,
                reason,
                reports,
            }
        })
        .collect();
    Some((num, den, counted, excluded))
}

/// Which reports an indicator summary reads.
#[derive(Clone, Debug)]
pub enum SummaryWindow {
    Schedule(Uuid),
    Period { from: NaiveDate, to: NaiveDate },
}

/// Aggregates one indicator's per-report values by its rule; ratios come from the summed
/// numerator and denominator, never from averaging percentages. `Ok(None)` without values;
/// `Err(())` when a sum would pass [`super::indicators::MAX_TOTAL`] (never a silent rounding,
/// infinity or null).
#[allow(clippy::result_unit_err)]
pub fn aggregate(rule: Aggregation, values: &[f64]) -> Result<Option<f64>, ()> {
    if values.is_empty() {
        return Ok(None);
    }
    Ok(Some(match rule {
        Aggregation::Sum | Aggregation::Ratio => {
            super::indicators::checked_sum(values.iter().copied()).ok_or(())?
        }
        Aggregation::Max => values.iter().copied().fold(f64::MIN, f64::max),
        Aggregation::Min => values.iter().copied().fold(f64::MAX, f64::min),
    }))
}

/// The refusal of a total too large to carry exactly.
fn too_large(code: &str) -> AppError {
    AppError::bad_input(
        "codes",
        format!(
            "the total of `{code}` passes {:.0}, the largest whole number a total carries exactly",
            super::indicators::MAX_TOTAL
        ),
    )
}

/// A percentage from summed parts; none without a denominator.
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator * 100.0)
}

pub async fn indicator_summary(
    db: &impl ConnectionTrait,
    caller: &Caller,
    codes: &[String],
    window: SummaryWindow,
    unit_id: Uuid,
    tree: Tree,
) -> AppResult<Vec<IndicatorTotal>> {
    if codes.is_empty() || codes.len() > 100 {
        return Err(AppError::bad_input(
            "codes",
            "name between 1 and 100 indicator codes",
        ));
    }
    subject_unit(db, caller, unit_id, tree).await?;
    let defs = indicator::Entity::find()
        .filter(indicator::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?;
    for code in codes {
        if !defs.iter().any(|d| &d.code == code) {
            return Err(AppError::bad_input(
                "codes",
                format!("unknown indicator `{code}`"),
            ));
        }
    }
    // Ratios need their parts too.
    let mut needed: Vec<String> = codes.to_vec();
    for d in &defs {
        needed.extend(d.numerator_code.iter().cloned());
        needed.extend(d.denominator_code.iter().cloned());
    }
    let all_defs = indicator::Entity::find()
        .filter(indicator::Column::Code.is_in(needed))
        .all(db)
        .await?;
    let code_of: HashMap<Uuid, String> = all_defs.iter().map(|d| (d.id, d.code.clone())).collect();

    let mut query = report::Entity::find()
        .filter(report::Column::Status.eq(ReportStatus::Approved))
        .filter(report::Column::UnitId.is_in(counted_units(db, unit_id, tree).await?));
    if !tree.lineage && tree.as_of.is_none() {
        // Over every unit ever placed under the subject, a unit counts with the reports it
        // wrote while it was there: a unit that moved away takes its later reports along.
        query = query.filter(sea_orm::sea_query::Expr::exists(super::scope::under_when(
            &[unit_id],
            sea_orm::sea_query::Expr::col((report::Entity, report::Column::UnitId)),
            sea_orm::sea_query::Expr::col((report::Entity, report::Column::CreatedAt)),
        )));
    }
    query = match window {
        SummaryWindow::Schedule(s) => {
            plans::get_schedule(db, caller, s)
                .await?
                .ok_or(AppError::NotFound("report schedule"))?;
            query.filter(report::Column::ScheduleId.eq(s))
        }
        SummaryWindow::Period { from, to } => {
            if to < from {
                return Err(AppError::bad_input(
                    "periodTo",
                    "periodTo is before periodFrom",
                ));
            }
            query
                .filter(report::Column::PeriodStart.gte(from))
                .filter(report::Column::PeriodEnd.lte(to))
        }
    };
    let approved = reporting::latest_revisions(query.all(db).await?);
    let report_ids: Vec<Uuid> = approved.iter().map(|r| r.id).collect();
    let values = indicator_value::Entity::find()
        .filter(indicator_value::Column::ReportId.is_in(report_ids))
        .filter(indicator_value::Column::IndicatorId.is_in(all_defs.iter().map(|d| d.id)))
        .all(db)
        .await?;
    let by_code = |code: &str| -> Vec<&indicator_value::Model> {
        values
            .iter()
            .filter(|v| code_of.get(&v.indicator_id).is_some_and(|c| c == code))
            .collect()
    };
    let pairs_of = |code: &str| -> Vec<(Uuid, f64)> {
        by_code(code)
            .iter()
            .map(|v| (v.report_id, v.value))
            .collect()
    };
    let unit_of: HashMap<Uuid, Uuid> = approved.iter().map(|r| (r.id, r.unit_id)).collect();

    let mut totals = Vec::new();
    for code in codes {
        let Some(def) = defs.iter().find(|d| &d.code == code) else {
            continue;
        };
        let total = match (def.aggregation, &def.numerator_code, &def.denominator_code) {
            (Aggregation::Ratio, Some(n), Some(d)) => {
                let (num, den, reports, excluded) =
                    paired_ratio_parts(&pairs_of(n), &pairs_of(d), &unit_of)
                        .ok_or_else(|| too_large(code))?;
                IndicatorTotal {
                    indicator: def.clone(),
                    value: ratio(num, den),
                    numerator: Some(num),
                    denominator: Some(den),
                    reports,
                    excluded,
                }
            }
            (rule, _, _) => {
                let rows = by_code(code);
                let mut reports: Vec<Uuid> = rows.iter().map(|v| v.report_id).collect();
                reports.sort();
                reports.dedup();
                IndicatorTotal {
                    indicator: def.clone(),
                    value: aggregate(rule, &rows.iter().map(|v| v.value).collect::<Vec<_>>())
                        .map_err(|()| too_large(code))?,
                    numerator: None,
                    denominator: None,
                    reports,
                    excluded: Vec::new(),
                }
            }
        };
        totals.push(total);
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_add_and_extremes_pick() {
        assert_eq!(
            aggregate(Aggregation::Sum, &[2.0, 3.0, 5.0]),
            Ok(Some(10.0))
        );
        assert_eq!(aggregate(Aggregation::Max, &[2.0, 7.0, 5.0]), Ok(Some(7.0)));
        assert_eq!(aggregate(Aggregation::Min, &[2.0, 7.0, 5.0]), Ok(Some(2.0)));
        assert_eq!(aggregate(Aggregation::Sum, &[]), Ok(None));
    }

    #[test]
    fn a_sum_past_the_exact_range_is_refused_not_null() {
        assert_eq!(aggregate(Aggregation::Sum, &[1e308, 1e308]), Err(()));
        assert_eq!(
            aggregate(
                Aggregation::Sum,
                &[crate::domain::indicators::MAX_TOTAL, 1.0]
            ),
            Err(())
        );
    }

    #[test]
    fn a_rate_counts_only_reports_that_state_both_parts() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let (unit_a, unit_b, unit_c) = (
            Uuid::from_u128(11),
            Uuid::from_u128(12),
            Uuid::from_u128(13),
        );
        let unit_of = HashMap::from([(a, unit_a), (b, unit_b), (c, unit_c)]);
        // A resolved 9 of 10; B resolved 40 and stated no "received"; C received 5 only.
        let (num, den, counted, excluded) =
            paired_ratio_parts(&[(a, 9.0), (b, 40.0)], &[(a, 10.0), (c, 5.0)], &unit_of).unwrap();
        assert_eq!((num, den), (9.0, 10.0));
        assert_eq!(counted, vec![a]);
        assert_eq!(
            excluded,
            vec![
                Excluded {
                    unit_id: unit_b,
                    reason: Exclusion::MissingDenominator,
                    reports: vec![b]
                },
                Excluded {
                    unit_id: unit_c,
                    reason: Exclusion::MissingNumerator,
                    reports: vec![c]
                },
            ]
        );
        assert_eq!(ratio(num, den), Some(90.0));
    }

    #[test]
    fn a_rate_is_recomputed_from_summed_parts_not_averaged() {
        // District A resolved 9 of 10 petitions (90 %), district B 10 of 100 (10 %).
        // The province resolved 19 of 110 (17.3 %), not the 50 % an average would claim.
        let value = ratio(9.0 + 10.0, 10.0 + 100.0).unwrap();
        assert!((value - 17.2727).abs() < 0.001, "{value}");
        assert_eq!(ratio(5.0, 0.0), None);
    }

    #[test]
    fn tallies_count_each_status_and_overdue() {
        let mut c = AreaProgress::default();
        tally(&mut c, TaskStatus::Done, true, 4);
        tally(&mut c, TaskStatus::InProgress, true, 2);
        tally(&mut c, TaskStatus::NotStarted, true, 1);
        tally(&mut c, TaskStatus::NotStarted, false, 5);
        tally(&mut c, TaskStatus::Cancelled, true, 3);
        assert_eq!(
            (c.total, c.done, c.in_progress, c.not_started, c.cancelled),
            (15, 4, 2, 6, 3)
        );
        // Past due counts as overdue only while the task is still open.
        assert_eq!(c.overdue, 3);
    }
}
