//! What a unit's subtree did about content 6 in a period, and whether the registry agrees with
//! what its units reported. The check works in the style of DHIS2 validation rules: it compares the
//! count the registry holds with the indicator value a report states for the same unit and
//! period, and lists the reports where the two differ.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use entity::{
    FindingKind, OversightCadence, OversightKind, OversightStatus, RecommendationStatus,
    ReportStatus, indicator, indicator_value, oversight, oversight_finding, oversight_target,
    recommendation, report,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rollups::{Tree, counted_units, subject_unit};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

/// Oversights, findings and recommendations of a subtree in a period.
#[derive(Clone, Debug, Default)]
pub struct OversightSummary {
    pub unit: Uuid,
    pub oversights: u64,
    pub by_kind: BTreeMap<&'static str, u64>,
    pub by_cadence: BTreeMap<&'static str, u64>,
    pub by_status: BTreeMap<&'static str, u64>,
    /// Distinct units inspected or supervised.
    pub units_overseen: u64,
    pub findings_by_kind: BTreeMap<&'static str, u64>,
    /// Sum over violations, in đồng.
    pub violation_amount_vnd: i64,
    /// Sum over violations, in m².
    pub violation_land_m2: f64,
    /// Recommendations of concluded or closed oversights.
    pub recommendations_issued: u64,
    pub recommendations_verified: u64,
    pub recommendations_waived: u64,
    pub recommendations_overdue: u64,
    /// Verified over issued; `None` when none was issued.
    pub remediation_rate: Option<f64>,
}

fn check_window(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    if to < from {
        Err(AppError::bad_input(
            "periodTo",
            "the period ends before it starts",
        ))
    } else {
        Ok(())
    }
}

/// Held in `[from, to]`: started in it, or (not started) planned to overlap it.
fn in_window(from: NaiveDate, to: NaiveDate) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(oversight::Column::StartedOn.gte(from))
                .add(oversight::Column::StartedOn.lte(to)),
        )
        .add(
            Condition::all()
                .add(oversight::Column::StartedOn.is_null())
                .add(oversight::Column::PlannedStart.lte(to))
                .add(oversight::Column::PlannedEnd.gte(from)),
        )
}

/// Oversights conducted by units of `root`'s subtree (every unit ever placed under it) in the
/// period, with their findings and recommendations.
///
/// Errors: `FORBIDDEN` for a unit the caller sees but does not cover, `NOT_FOUND` for one it
/// cannot see; `BAD_USER_INPUT` on `periodTo` for a period that ends before it starts.
pub async fn summary(
    db: &impl ConnectionTrait,
    caller: &Caller,
    root: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<OversightSummary> {
    check_window(from, to)?;
    subject_unit(db, caller, root, Tree::default()).await?;
    let units = counted_units(db, root, Tree::default()).await?;
    // Units once under the subject count, but only what the caller's grants reach: a unit that
    // moved to another district after a reorganisation takes its later work there.
    let held = oversight::Entity::find()
        .filter(oversight::Column::ConductingUnitId.is_in(units))
        .filter(super::oversights::conducted_in(&caller.read_scopes()))
        .filter(in_window(from, to))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = held.iter().map(|o| o.id).collect();
    let mut s = OversightSummary {
        unit: root,
        oversights: held.len() as u64,
        ..Default::default()
    };
    for o in &held {
        *s.by_kind.entry(o.kind.as_str()).or_default() += 1;
        *s.by_cadence.entry(o.cadence.as_str()).or_default() += 1;
        *s.by_status.entry(o.status.as_str()).or_default() += 1;
    }
    let targets: HashSet<Uuid> = oversight_target::Entity::find()
        .filter(oversight_target::Column::OversightId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.unit_id)
        .collect();
    s.units_overseen = targets.len() as u64;
    for f in oversight_finding::Entity::find()
        .filter(oversight_finding::Column::OversightId.is_in(ids.clone()))
        .all(db)
        .await?
    {
        *s.findings_by_kind.entry(f.kind.as_str()).or_default() += 1;
        if f.kind == FindingKind::Violation {
            s.violation_amount_vnd = s
                .violation_amount_vnd
                .saturating_add(f.amount_vnd.unwrap_or(0));
            s.violation_land_m2 += f.land_m2.unwrap_or(0.0);
        }
    }
    let concluded: HashSet<Uuid> = held
        .iter()
        .filter(|o| {
            matches!(
                o.status,
                OversightStatus::Concluded | OversightStatus::Closed
            )
        })
        .map(|o| o.id)
        .collect();
    let today = caller.today();
    for r in recommendation::Entity::find()
        .filter(recommendation::Column::OversightId.is_in(concluded.iter().copied()))
        .all(db)
        .await?
    {
        s.recommendations_issued += 1;
        match r.status {
            RecommendationStatus::Verified => s.recommendations_verified += 1,
            RecommendationStatus::Waived => s.recommendations_waived += 1,
            _ => {}
        }
        if super::oversight_workflow::is_overdue(r.status, Some(r.due_on), today) {
            s.recommendations_overdue += 1;
        }
    }
    s.remediation_rate = (s.recommendations_issued > 0)
        .then(|| s.recommendations_verified as f64 / s.recommendations_issued as f64 * 100.0);
    Ok(s)
}

/// What the registry counts for one indicator, over the oversights one unit's subtree held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// `C6.INSPECTIONS`: oversights started.
    Oversights,
    /// `C6.UNITS_INSPECTED`: distinct target units.
    UnitsOverseen,
    /// `C6.VIOLATIONS`: violations found.
    Violations,
}

/// The indicators the registry can check, and what it counts for each.
pub const CHECKED: [(&str, Counted); 3] = [
    ("C6.INSPECTIONS", Counted::Oversights),
    ("C6.UNITS_INSPECTED", Counted::UnitsOverseen),
    ("C6.VIOLATIONS", Counted::Violations),
];

/// A report whose stated value differs from the registry's count.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    pub report: report::Model,
    pub indicator: indicator::Model,
    pub reported: f64,
    pub registered: i64,
}

/// The outcome of a check.
#[derive(Clone, Debug, Default)]
pub struct RegistryCheck {
    /// Values compared.
    pub checked: u64,
    pub mismatches: Vec<Mismatch>,
}

/// What the registry holds for `unit`'s subtree in the report period.
async fn registered(
    db: &impl ConnectionTrait,
    unit: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    what: Counted,
) -> AppResult<i64> {
    let units = counted_units(db, unit, Tree::default()).await?;
    let held: Vec<Uuid> = oversight::Entity::find()
        .filter(oversight::Column::ConductingUnitId.is_in(units))
        .filter(oversight::Column::StartedOn.gte(from))
        .filter(oversight::Column::StartedOn.lte(to))
        .filter(oversight::Column::Status.ne(OversightStatus::Cancelled))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    Ok(match what {
        Counted::Oversights => held.len() as i64,
        Counted::UnitsOverseen => oversight_target::Entity::find()
            .filter(oversight_target::Column::OversightId.is_in(held))
            .all(db)
            .await?
            .into_iter()
            .map(|t| t.unit_id)
            .collect::<HashSet<_>>()
            .len() as i64,
        Counted::Violations => oversight_finding::Entity::find()
            .filter(oversight_finding::Column::OversightId.is_in(held))
            .filter(oversight_finding::Column::Kind.eq(FindingKind::Violation))
            .all(db)
            .await?
            .len() as i64,
    })
}

/// Compares the indicator values of the submitted and approved reports of `root`'s subtree
/// whose period lies in `[from, to]` with what the registry holds for each report's unit and
/// period, and lists the differences.
///
/// Errors: as [`summary`].
pub async fn check(
    db: &impl ConnectionTrait,
    caller: &Caller,
    root: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<RegistryCheck> {
    check_window(from, to)?;
    subject_unit(db, caller, root, Tree::default()).await?;
    let units = counted_units(db, root, Tree::default()).await?;
    let defs = indicator::Entity::find()
        .filter(indicator::Column::Code.is_in(CHECKED.iter().map(|(c, _)| *c)))
        .all(db)
        .await?;
    let by_id: HashMap<Uuid, (indicator::Model, Counted)> = defs
        .into_iter()
        .filter_map(|d| {
            let counted = CHECKED.iter().find(|(c, _)| *c == d.code)?.1;
            Some((d.id, (d, counted)))
        })
        .collect();
    let reports = report::Entity::find()
        .filter(report::Column::UnitId.is_in(units))
        .filter(super::scope::reports_of_units(&caller.read_scopes()))
        .filter(report::Column::Status.is_in([ReportStatus::Submitted, ReportStatus::Approved]))
        .filter(report::Column::PeriodStart.gte(from))
        .filter(report::Column::PeriodEnd.lte(to))
        .all(db)
        .await?;
    let mut outcome = RegistryCheck::default();
    for r in reports {
        let values = indicator_value::Entity::find()
            .filter(indicator_value::Column::ReportId.eq(r.id))
            .filter(indicator_value::Column::IndicatorId.is_in(by_id.keys().copied()))
            .all(db)
            .await?;
        for v in values {
            let Some((def, counted)) = by_id.get(&v.indicator_id) else {
                continue;
            };
            outcome.checked += 1;
            let held = registered(db, r.unit_id, r.period_start, r.period_end, *counted).await?;
            if v.value != held as f64 {
                outcome.mismatches.push(Mismatch {
                    report: r.clone(),
                    indicator: def.clone(),
                    reported: v.value,
                    registered: held,
                });
            }
        }
    }
    Ok(outcome)
}

/// Names of the kinds, cadences and statuses every summary lists (zero counts included).
pub fn all_keys() -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    use sea_orm::Iterable;
    (
        OversightKind::iter().map(|k| k.as_str()).collect(),
        OversightCadence::iter().map(|k| k.as_str()).collect(),
        OversightStatus::iter().map(|k| k.as_str()).collect(),
    )
}
