//! What a unit's subtree did about content 6 in a period: oversights by kind, cadence and
//! status, units overseen, findings, and the follow-up of their recommendations.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use entity::{
    FindingKind, OversightCadence, OversightKind, OversightStatus, RecommendationStatus, oversight,
    oversight_finding, oversight_target, recommendation,
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

/// Refuses a window that ends before it starts (`BAD_USER_INPUT` on `periodTo`).
pub(crate) fn check_window(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
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

/// Names of the kinds, cadences and statuses every summary lists (zero counts included).
pub fn all_keys() -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    use sea_orm::Iterable;
    (
        OversightKind::iter().map(|k| k.as_str()).collect(),
        OversightCadence::iter().map(|k| k.as_str()).collect(),
        OversightStatus::iter().map(|k| k.as_str()).collect(),
    )
}
