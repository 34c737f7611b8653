//! Whether the registers agree with what units reported, in the style of DHIS2 validation rules:
//! for each submitted or approved report of a subtree in a window, the value it states for an
//! indicator the registers also count is compared with their count for the report's unit (its
//! subtree) and period, and the reports where the two differ are listed.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entity::{
    ExemplarKind, FindingKind, OversightStatus, ReportStatus, indicator, indicator_value,
    oversight, oversight_finding, oversight_target, report,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rollups::{Tree, counted_units, subject_unit};
use crate::{auth::Caller, error::AppResult};

/// What the registry counts for one indicator, over the oversights one unit's subtree held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// `C6.INSPECTIONS`: oversights started.
    Oversights,
    /// `C6.UNITS_INSPECTED`: distinct target units.
    UnitsOverseen,
    /// `C6.VIOLATIONS`: violations found.
    Violations,
    /// `C5.DVK_MODELS`: "Dân vận khéo" models recognised and active in the period.
    Models,
    /// `C5.DVK_EXEMPLARS`: exemplary collectives and individuals recognised and active.
    Exemplars,
}

/// The indicators the registry can check, and what it counts for each.
pub const CHECKED: [(&str, Counted); 5] = [
    ("C6.INSPECTIONS", Counted::Oversights),
    ("C6.UNITS_INSPECTED", Counted::UnitsOverseen),
    ("C6.VIOLATIONS", Counted::Violations),
    ("C5.DVK_MODELS", Counted::Models),
    ("C5.DVK_EXEMPLARS", Counted::Exemplars),
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

/// The units a report speaks for: a steering committee (ban chỉ đạo) reports for its area, the
/// subtree of the unit it belongs to (a district's committee for the district); any other unit for
/// its own subtree.
async fn territory(db: &impl ConnectionTrait, unit: Uuid) -> AppResult<Uuid> {
    let found = entity::unit::Entity::find_by_id(unit).one(db).await?;
    Ok(match found {
        Some(u) if u.kind == entity::UnitKind::SteeringCommittee => u.parent_id.unwrap_or(u.id),
        _ => unit,
    })
}

/// Oversights conducted in `area`'s subtree that started in `[from, to]` (not cancelled).
async fn held_in(
    db: &impl ConnectionTrait,
    area: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    let units = counted_units(db, area, Tree::default()).await?;
    Ok(oversight::Entity::find()
        .filter(oversight::Column::ConductingUnitId.is_in(units))
        .filter(oversight::Column::StartedOn.gte(from))
        .filter(oversight::Column::StartedOn.lte(to))
        .filter(oversight::Column::Status.ne(OversightStatus::Cancelled))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect())
}

/// What the registry counts for a C6 indicator over the oversights `held`.
async fn counted_in(db: &impl ConnectionTrait, held: &[Uuid], what: Counted) -> AppResult<i64> {
    Ok(match what {
        Counted::Oversights => held.len() as i64,
        Counted::UnitsOverseen => oversight_target::Entity::find()
            .filter(oversight_target::Column::OversightId.is_in(held.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|t| t.unit_id)
            .collect::<HashSet<_>>()
            .len() as i64,
        Counted::Violations => oversight_finding::Entity::find()
            .filter(oversight_finding::Column::OversightId.is_in(held.iter().copied()))
            .filter(oversight_finding::Column::Kind.eq(FindingKind::Violation))
            .all(db)
            .await?
            .len() as i64,
        Counted::Models | Counted::Exemplars => 0,
    })
}

/// Dân vận khéo entries of `area`'s subtree recognised and active in `[from, to]`.
async fn recognised(
    db: &impl ConnectionTrait,
    area: Uuid,
    what: Counted,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<i64> {
    let kinds: &[ExemplarKind] = match what {
        Counted::Models => &[ExemplarKind::Model],
        _ => &[ExemplarKind::Collective, ExemplarKind::Individual],
    };
    super::exemplars::recognised_count(db, area, kinds, from, to).await
}

/// Compares the indicator values of the submitted and approved reports of `root`'s subtree
/// whose period lies in `[from, to]` with what the registry holds for each report's unit and
/// period, and lists the differences.
///
/// Errors: `FORBIDDEN` for a unit the caller sees but does not cover, `NOT_FOUND` for one it
/// cannot see; `BAD_USER_INPUT` on `periodTo` for a window that ends before it starts.
pub async fn check(
    db: &impl ConnectionTrait,
    caller: &Caller,
    root: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<RegistryCheck> {
    super::oversight_summary::check_window(from, to)?;
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
    // Every value of every report in one query, not one per report.
    let mut values: HashMap<Uuid, Vec<indicator_value::Model>> = HashMap::new();
    for v in indicator_value::Entity::find()
        .filter(indicator_value::Column::ReportId.is_in(reports.iter().map(|r| r.id)))
        .filter(indicator_value::Column::IndicatorId.is_in(by_id.keys().copied()))
        .all(db)
        .await?
    {
        values.entry(v.report_id).or_default().push(v);
    }
    for r in reports {
        let Some(stated) = values.remove(&r.id) else {
            continue;
        };
        // What the report's area holds is read once, whatever number of its values it checks.
        let area = territory(db, r.unit_id).await?;
        let mut held: Option<Vec<Uuid>> = None;
        for v in stated {
            let Some((def, counted)) = by_id.get(&v.indicator_id) else {
                continue;
            };
            outcome.checked += 1;
            let count = match counted {
                Counted::Models | Counted::Exemplars => {
                    recognised(db, area, *counted, r.period_start, r.period_end).await?
                }
                _ => {
                    if held.is_none() {
                        held = Some(held_in(db, area, r.period_start, r.period_end).await?);
                    }
                    let ids = held.as_deref().unwrap_or_default();
                    counted_in(db, ids, *counted).await?
                }
            };
            if v.value != count as f64 {
                outcome.mismatches.push(Mismatch {
                    report: r.clone(),
                    indicator: def.clone(),
                    reported: v.value,
                    registered: count,
                });
            }
        }
    }
    Ok(outcome)
}
