//! The rules of the "Dân vận khéo" register (content 5 of Plan 24-KH/BCĐ), as pure functions:
//! which criteria apply to an entry, whether it may be recognised (every mandatory criterion
//! met, or a STEERING override with a reason), which steps its status allows, and whether it
//! counts in a period. The services in `exemplar_changes` and `exemplars` apply them.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{ExemplarField, ExemplarStatus};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The part of a criterion the rules read.
#[derive(Clone, Debug)]
pub struct Criterion<'a> {
    pub id: Uuid,
    pub code: &'a str,
    /// `None`: every field.
    pub field: Option<ExemplarField>,
    pub mandatory: bool,
    pub active: bool,
}

/// Whether a criterion applies to an entry of `field`: active, and of that field or of all.
pub fn applies(criterion: &Criterion<'_>, field: ExemplarField) -> bool {
    criterion.active && criterion.field.is_none_or(|f| f == field)
}

/// The codes of the mandatory criteria applicable to `field` that are not assessed as met
/// (`assessed`: criterion → met), in catalogue order. Unassessed counts as unmet.
pub fn unmet_mandatory<'a>(
    criteria: &[Criterion<'a>],
    assessed: &HashMap<Uuid, bool>,
    field: ExemplarField,
) -> Vec<&'a str> {
    criteria
        .iter()
        .filter(|c| c.mandatory && applies(c, field))
        .filter(|c| !assessed.get(&c.id).copied().unwrap_or(false))
        .map(|c| c.code)
        .collect()
}

/// Decides a recognition: with every mandatory criterion met it goes ahead (not overridden);
/// otherwise only a caller who may override (STEERING or ADMIN over the recognising unit) and
/// gives a reason recognises it, and the recognition is marked overridden. Returns whether it
/// is an override. A reason given where nothing is unmet is refused, so no recognition claims
/// an override it did not need.
pub fn decide_recognition(
    unmet: &[&str],
    override_reason: Option<&str>,
    may_override: bool,
) -> AppResult<bool> {
    match (unmet.is_empty(), override_reason) {
        (true, None) => Ok(false),
        (true, Some(_)) => Err(AppError::bad_input(
            "input.overrideReason",
            "every mandatory criterion is met: there is nothing to override",
        )),
        (false, None) => Err(AppError::bad_input(
            "id",
            format!(
                "mandatory criteria not met: {}; reassess, or STEERING overrides with a reason",
                unmet.join(", ")
            ),
        )),
        (false, Some(_)) if !may_override => Err(AppError::forbidden(
            "only STEERING over the recognising unit overrides unmet mandatory criteria",
        )),
        (false, Some(_)) => Ok(true),
    }
}

/// A step on an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Assess,
    Recognise,
    Replicate,
    Retire,
}

/// The status an entry has after `step`, or why the step is refused. A recognised entry may be
/// reassessed and recognised again (a higher level, another form) and keeps its status; only a
/// recognised entry is replicated (the source keeps its status: the copy is a new entry).
pub fn after(status: ExemplarStatus, step: Step) -> AppResult<ExemplarStatus> {
    use ExemplarStatus::{Assessed, Recognised, Registered, Retired};
    let refused = |message: &str| Err(AppError::bad_input("id", message));
    match (status, step) {
        (Retired, _) => refused("the entry is retired: its history is kept as it was"),
        (Registered, Step::Assess) => Ok(Assessed),
        (s, Step::Assess) => Ok(s),
        (_, Step::Recognise) => Ok(Recognised),
        (Recognised, Step::Replicate) => Ok(Recognised),
        (_, Step::Replicate) => refused("only a recognised entry is replicated"),
        (_, Step::Retire) => Ok(Retired),
    }
}

/// Whether an entry counts as recognised in the period `[start, end]`: recognised by its end,
/// and not retired on or before its start. A retired entry still counts in the periods it was
/// active.
pub fn recognised_in(
    recognised_on: Option<NaiveDate>,
    retired_on: Option<NaiveDate>,
    start: NaiveDate,
    end: NaiveDate,
) -> bool {
    recognised_on.is_some_and(|r| r <= end) && active_in(retired_on, start)
}

/// Whether an entry registered on `registered_on` is on the register during `[start, end]`.
pub fn registered_in(
    registered_on: NaiveDate,
    retired_on: Option<NaiveDate>,
    start: NaiveDate,
    end: NaiveDate,
) -> bool {
    registered_on <= end && active_in(retired_on, start)
}

fn active_in(retired_on: Option<NaiveDate>, start: NaiveDate) -> bool {
    retired_on.is_none_or(|r| r > start)
}

/// Refuses a period whose end comes before its start.
pub fn check_period(start: NaiveDate, end: NaiveDate) -> AppResult<()> {
    if end < start {
        Err(AppError::bad_input(
            "periodEnd",
            "the period ends before it starts",
        ))
    } else {
        Ok(())
    }
}

/// Whether a recognition at `level` fits a recognising unit of level `unit`: its own level, or
/// a central award recorded by the province (the central bodies are outside its tree).
pub fn level_fits(level: entity::RecognitionLevel, unit: entity::RecognitionLevel) -> bool {
    use entity::RecognitionLevel::{Central, Province};
    level == unit || (level == Central && unit == Province)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn a_recognition_is_at_its_units_level() {
        use entity::RecognitionLevel::*;
        assert!(super::level_fits(District, District));
        assert!(super::level_fits(Central, Province));
        assert!(!super::level_fits(Central, District));
        assert!(!super::level_fits(Province, District));
        assert!(!super::level_fits(Commune, Province));
    }

    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, d).unwrap()
    }

    fn criterion(code: &str, field: Option<ExemplarField>, mandatory: bool) -> Criterion<'_> {
        Criterion {
            id: Uuid::now_v7(),
            code,
            field,
            mandatory,
            active: true,
        }
    }

    #[test]
    fn only_active_criteria_of_the_field_or_of_all_apply() {
        let all = criterion("A", None, true);
        let eco = criterion("E", Some(ExemplarField::Economy), true);
        let mut off = criterion("O", None, true);
        off.active = false;
        assert!(applies(&all, ExemplarField::DefenceSecurity));
        assert!(applies(&eco, ExemplarField::Economy));
        assert!(!applies(&eco, ExemplarField::CultureSociety));
        assert!(!applies(&off, ExemplarField::Economy));
    }

    #[test]
    fn unassessed_and_failed_mandatory_criteria_are_unmet_optional_ones_never() {
        let c = [
            criterion("M1", None, true),
            criterion("M2", None, true),
            criterion("M3", Some(ExemplarField::Economy), true),
            criterion("OPT", None, false),
            criterion("POL", Some(ExemplarField::PoliticalSystem), true),
        ];
        let mut assessed = HashMap::new();
        assessed.insert(c[0].id, true);
        assessed.insert(c[1].id, false);
        assessed.insert(c[3].id, false);
        assert_eq!(
            unmet_mandatory(&c, &assessed, ExemplarField::Economy),
            ["M2", "M3"]
        );
        assessed.insert(c[1].id, true);
        assessed.insert(c[2].id, true);
        assert!(unmet_mandatory(&c, &assessed, ExemplarField::Economy).is_empty());
        assert_eq!(
            unmet_mandatory(&c, &assessed, ExemplarField::PoliticalSystem),
            ["POL"]
        );
    }

    #[test]
    fn recognition_needs_every_mandatory_criterion_or_a_steering_override_with_reason() {
        assert!(!decide_recognition(&[], None, false).unwrap());
        assert!(!decide_recognition(&[], None, true).unwrap());
        let code = |r: AppResult<bool>| r.unwrap_err().code();
        assert_eq!(
            code(decide_recognition(&[], Some("x"), true)),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            code(decide_recognition(&["M"], None, true)),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            code(decide_recognition(&["M"], Some("x"), false)),
            "FORBIDDEN"
        );
        assert!(decide_recognition(&["M"], Some("x"), true).unwrap());
    }

    #[test]
    fn the_status_follows_the_steps_and_a_retired_entry_is_frozen() {
        use ExemplarStatus::*;
        assert_eq!(after(Registered, Step::Assess).unwrap(), Assessed);
        assert_eq!(after(Recognised, Step::Assess).unwrap(), Recognised);
        assert_eq!(after(Registered, Step::Recognise).unwrap(), Recognised);
        assert_eq!(after(Recognised, Step::Recognise).unwrap(), Recognised);
        assert_eq!(after(Recognised, Step::Replicate).unwrap(), Recognised);
        assert!(after(Assessed, Step::Replicate).is_err());
        assert!(after(Registered, Step::Replicate).is_err());
        assert_eq!(after(Assessed, Step::Retire).unwrap(), Retired);
        for step in [Step::Assess, Step::Recognise, Step::Replicate, Step::Retire] {
            assert!(after(Retired, step).is_err(), "{step:?} on a retired entry");
        }
    }

    #[test]
    fn a_retired_entry_counts_in_the_periods_it_was_recognised_and_active() {
        let (start, end) = (day(1, 1), day(6, 30));
        assert!(recognised_in(Some(day(3, 1)), None, start, end));
        assert!(recognised_in(Some(day(6, 30)), None, start, end));
        assert!(!recognised_in(Some(day(7, 1)), None, start, end));
        assert!(!recognised_in(None, None, start, end));
        // Retired within the period, or after it: counted.
        assert!(recognised_in(Some(day(3, 1)), Some(day(5, 1)), start, end));
        assert!(recognised_in(Some(day(3, 1)), Some(day(9, 1)), start, end));
        // Recognised last year, retired on or before the period's first day: not counted.
        let last_year = NaiveDate::from_ymd_opt(2023, 5, 1);
        assert!(!recognised_in(last_year, Some(day(1, 1)), start, end));
        assert!(recognised_in(last_year, Some(day(1, 2)), start, end));
        assert!(registered_in(day(6, 30), None, start, end));
        assert!(!registered_in(day(7, 1), None, start, end));
        assert!(check_period(end, start).is_err());
        assert!(check_period(start, start).is_ok());
    }
}
