//! The workflow of an oversight (cuộc kiểm tra, giám sát: content 6 of Plan 24-KH/BCĐ) and of
//! each recommendation (kiến nghị) it issues, as tables: which step follows which, which side
//! may take it, what it needs (a reason, a later due date), when an oversight closes by itself
//! and when a recommendation is overdue. Pure rules; the services apply them in the transaction
//! that writes the step.
//!
//! The conducting side (the unit that inspects or supervises, and STEERING over it) runs the
//! oversight and judges the remedies; the addressee (the unit a recommendation is addressed to)
//! answers and remedies. A caller on both sides (a provincial office over its own department)
//! is treated as the addressee: nobody verifies, reopens or waives their own remedy.

use chrono::NaiveDate;
pub use entity::{OversightStatus, RecommendationStatus};

use crate::error::AppError;

/// A step a person takes on an oversight. Closing is not among them: it follows from the
/// recommendations ([`settled`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OversightStep {
    /// The team begins (planned → in progress).
    Start,
    /// The conclusion is issued (in progress → concluded).
    Conclude,
    /// STEERING reopens a concluded oversight to amend its findings, with a reason
    /// (concluded → in progress).
    Reopen,
    /// Called off before its conclusion, with a reason.
    Cancel,
}

/// Verified or waived: nothing more happens to a recommendation.
pub fn is_final(status: RecommendationStatus) -> bool {
    matches!(
        status,
        RecommendationStatus::Verified | RecommendationStatus::Waived
    )
}

/// Whether the addressee still owes a remedy (the due date binds it).
fn awaits_addressee(status: RecommendationStatus) -> bool {
    use RecommendationStatus::{Accepted, Disputed, InProgress, Open, Reopened};
    matches!(status, Open | Accepted | Disputed | InProgress | Reopened)
}

/// A step a person takes on a recommendation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecommendationStep {
    Accept,
    Dispute,
    /// Remedial actions begin (after accepting, disputing or a reopening).
    Begin,
    ReportDone,
    Verify,
    Reopen,
    Waive,
}

/// Which sides of an oversight the caller stands on (worked out by the service from its
/// grants), and whether it holds STEERING over the conducting unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sides {
    pub conducting: bool,
    pub addressee: bool,
    pub steering: bool,
}

/// What a step brings with it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Given<'a> {
    /// Why (trimmed; required to dispute, reopen, waive or cancel).
    pub reason: Option<&'a str>,
    /// The new due date (required to reopen a recommendation).
    pub due_on: Option<NaiveDate>,
    /// The oversight was concluded before (it is under way again because STEERING reopened it):
    /// its recommendations are issued, so it is no longer cancelled.
    pub concluded_before: bool,
}

/// Who may take a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Conducting,
    Addressee,
    Steering,
}

fn allowed(who: Who, sides: Sides) -> Result<(), AppError> {
    match who {
        Who::Conducting if sides.conducting && !sides.addressee => Ok(()),
        Who::Conducting if sides.addressee => Err(AppError::forbidden(
            "the addressee of a recommendation never verifies, reopens or waives it",
        )),
        Who::Conducting => Err(AppError::forbidden(
            "only the conducting side takes this step",
        )),
        Who::Addressee if sides.addressee => Ok(()),
        Who::Addressee => Err(AppError::forbidden(
            "only the unit the recommendation is addressed to takes this step",
        )),
        Who::Steering if sides.steering => Ok(()),
        Who::Steering => Err(AppError::forbidden(
            "only STEERING over the conducting unit reopens a concluded oversight",
        )),
    }
}

fn reason_given(given: &Given<'_>) -> Result<(), AppError> {
    match given.reason.map(str::trim) {
        Some(reason) if !reason.is_empty() => Ok(()),
        _ => Err(AppError::bad_input("input.reason", "give the reason")),
    }
}

/// The status `step` leads an oversight in `from` to, for a caller on `sides`.
///
/// Errors: `BAD_USER_INPUT` on `id` for a step the status does not allow, on `input.reason`
/// for a missing reason; `FORBIDDEN` for the wrong side.
pub fn next_oversight_status(
    from: OversightStatus,
    step: OversightStep,
    sides: Sides,
    given: &Given<'_>,
) -> Result<OversightStatus, AppError> {
    use OversightStatus::{Cancelled, Closed, Concluded, InProgress, Planned};
    let (to, who) = match (from, step) {
        (Planned, OversightStep::Start) => (InProgress, Who::Conducting),
        (InProgress, OversightStep::Conclude) => (Concluded, Who::Conducting),
        (Concluded, OversightStep::Reopen) => (InProgress, Who::Steering),
        (InProgress, OversightStep::Cancel) if given.concluded_before => {
            return Err(AppError::bad_input(
                "id",
                "the oversight was concluded and its recommendations issued: it is amended and \
                 concluded again, never cancelled",
            ));
        }
        (Planned | InProgress, OversightStep::Cancel) => (Cancelled, Who::Conducting),
        (Closed | Cancelled, _) => {
            return Err(AppError::bad_input("id", "the oversight is over"));
        }
        (Concluded, _) => {
            return Err(AppError::bad_input(
                "id",
                "the oversight is concluded: its findings are fixed unless STEERING reopens it",
            ));
        }
        (Planned, _) => {
            return Err(AppError::bad_input("id", "the oversight has not started"));
        }
        (InProgress, _) => {
            return Err(AppError::bad_input("id", "the oversight is under way"));
        }
    };
    allowed(who, sides)?;
    if matches!(step, OversightStep::Reopen | OversightStep::Cancel) {
        reason_given(given)?;
    }
    Ok(to)
}

/// The status `step` leads a recommendation in `from` to, for a caller on `sides`, on `today`
/// (the province's calendar), while its oversight is in `oversight`.
///
/// Errors: `BAD_USER_INPUT` on `id` for a step the status does not allow (or an oversight not
/// concluded), on `input.reason` for a missing reason, on `input.dueOn` for a reopening without
/// a due date after `today`; `FORBIDDEN` for the wrong side.
pub fn next_recommendation_status(
    oversight: OversightStatus,
    from: RecommendationStatus,
    step: RecommendationStep,
    sides: Sides,
    given: &Given<'_>,
    today: NaiveDate,
) -> Result<RecommendationStatus, AppError> {
    use RecommendationStatus::{
        Accepted, Disputed, InProgress, Open, Reopened, ReportedDone, Verified, Waived,
    };
    use RecommendationStep as S;
    if oversight != OversightStatus::Concluded {
        return Err(AppError::bad_input(
            "id",
            "recommendations move only while their oversight stands concluded",
        ));
    }
    if is_final(from) {
        return Err(AppError::bad_input(
            "id",
            "the recommendation is already verified or waived",
        ));
    }
    let (to, who) = match (from, step) {
        (Open, S::Accept) => (Accepted, Who::Addressee),
        (Open, S::Dispute) => (Disputed, Who::Addressee),
        (Accepted | Disputed | Reopened, S::Begin) => (InProgress, Who::Addressee),
        (InProgress, S::ReportDone) => (ReportedDone, Who::Addressee),
        (ReportedDone, S::Verify) => (Verified, Who::Conducting),
        (ReportedDone, S::Reopen) => (Reopened, Who::Conducting),
        (_, S::Waive) => (Waived, Who::Conducting),
        (ReportedDone, _) => {
            return Err(AppError::bad_input(
                "id",
                "the remedy is reported done: the conducting side verifies or reopens it",
            ));
        }
        (_, S::Verify | S::Reopen) => {
            return Err(AppError::bad_input(
                "id",
                "only a remedy reported done is verified or reopened",
            ));
        }
        _ => {
            return Err(AppError::bad_input(
                "id",
                "the recommendation's status does not allow this step",
            ));
        }
    };
    allowed(who, sides)?;
    if matches!(step, S::Dispute | S::Reopen | S::Waive) {
        reason_given(given)?;
    }
    if step == S::Reopen && given.due_on.is_none_or(|due| due <= today) {
        return Err(AppError::bad_input(
            "input.dueOn",
            "a reopened recommendation needs a new due date after today",
        ));
    }
    Ok(to)
}

/// Whether a concluded oversight closes by itself: every recommendation verified or waived (an
/// oversight that issued none closes at its conclusion).
pub fn settled(recommendations: impl IntoIterator<Item = RecommendationStatus>) -> bool {
    recommendations.into_iter().all(is_final)
}

/// Overdue: the due day has passed on the province's calendar (`today`) and the addressee
/// still owes the remedy. A remedy reported done is not overdue while it awaits verification.
pub fn is_overdue(
    status: RecommendationStatus,
    due_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    awaits_addressee(status) && due_on.is_some_and(|due| due < today)
}

#[cfg(test)]
mod tests {
    use super::{
        Given, OversightStatus as O, OversightStep as OS, RecommendationStatus as R,
        RecommendationStep as RS, Sides, is_overdue, next_oversight_status,
        next_recommendation_status, settled,
    };
    use chrono::NaiveDate;

    const CONDUCTING: Sides = Sides {
        conducting: true,
        addressee: false,
        steering: false,
    };
    const ADDRESSEE: Sides = Sides {
        conducting: false,
        addressee: true,
        steering: false,
    };
    const BOTH: Sides = Sides {
        conducting: true,
        addressee: true,
        steering: true,
    };
    const STEERING: Sides = Sides {
        conducting: true,
        addressee: false,
        steering: true,
    };

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    fn code(result: Result<impl std::fmt::Debug, crate::error::AppError>) -> &'static str {
        result.map_or_else(|e| e.code(), |_| "OK")
    }

    fn because(reason: &str) -> Given<'_> {
        Given {
            reason: Some(reason),
            due_on: None,
            ..Default::default()
        }
    }

    /// `(from, step, sides, reason, the code it gives)`, checked one by one.
    fn oversight_cases(cases: &[(O, OS, Sides, Option<&str>, &str)]) {
        for &(from, step, sides, reason, expected) in cases {
            let given = Given {
                reason,
                ..Default::default()
            };
            let result = next_oversight_status(from, step, sides, &given);
            assert_eq!(
                code(result),
                expected,
                "{step:?} from {from:?} by {sides:?}"
            );
        }
    }

    #[test]
    fn an_oversight_goes_planned_started_concluded() {
        let none = Given::default();
        assert_eq!(
            next_oversight_status(O::Planned, OS::Start, CONDUCTING, &none).ok(),
            Some(O::InProgress)
        );
        assert_eq!(
            next_oversight_status(O::InProgress, OS::Conclude, CONDUCTING, &none).ok(),
            Some(O::Concluded)
        );
        // Not out of order, and not by the inspected unit.
        oversight_cases(&[
            (O::Planned, OS::Conclude, CONDUCTING, None, "BAD_USER_INPUT"),
            (O::Planned, OS::Start, ADDRESSEE, None, "FORBIDDEN"),
        ]);
        for over in [O::Closed, O::Cancelled] {
            for step in [OS::Start, OS::Conclude, OS::Reopen, OS::Cancel] {
                oversight_cases(&[(over, step, STEERING, Some("x"), "BAD_USER_INPUT")]);
            }
        }
    }

    #[test]
    fn findings_are_fixed_after_conclusion_unless_steering_reopens_with_a_reason() {
        oversight_cases(&[
            (O::Concluded, OS::Conclude, STEERING, None, "BAD_USER_INPUT"),
            (
                O::Concluded,
                OS::Cancel,
                STEERING,
                Some("x"),
                "BAD_USER_INPUT",
            ),
            (O::Concluded, OS::Reopen, CONDUCTING, Some("x"), "FORBIDDEN"),
            (O::Concluded, OS::Reopen, STEERING, None, "BAD_USER_INPUT"),
            (
                O::Concluded,
                OS::Reopen,
                STEERING,
                Some("  "),
                "BAD_USER_INPUT",
            ),
        ]);
        assert_eq!(
            next_oversight_status(O::Concluded, OS::Reopen, STEERING, &because("sai số liệu")).ok(),
            Some(O::InProgress)
        );
    }

    #[test]
    fn cancelling_needs_a_reason_and_comes_before_the_conclusion() {
        oversight_cases(&[(O::Planned, OS::Cancel, CONDUCTING, None, "BAD_USER_INPUT")]);
        assert_eq!(
            next_oversight_status(O::InProgress, OS::Cancel, CONDUCTING, &because("bão")).ok(),
            Some(O::Cancelled)
        );
    }

    #[test]
    fn a_recommendation_is_remedied_reopened_and_verified() {
        let today = day("2024-09-10");
        let none = Given::default();
        // Not effective: reopened with a later due date, and acted on again.
        let later = Given {
            reason: Some("chưa khắc phục triệt để"),
            due_on: Some(day("2024-10-31")),
            ..Default::default()
        };
        let disputed = because("đã thực hiện");
        let path = [
            (R::Open, RS::Accept, ADDRESSEE, &none, R::Accepted),
            (R::Accepted, RS::Begin, ADDRESSEE, &none, R::InProgress),
            (
                R::InProgress,
                RS::ReportDone,
                ADDRESSEE,
                &none,
                R::ReportedDone,
            ),
            (R::ReportedDone, RS::Reopen, CONDUCTING, &later, R::Reopened),
            (R::Reopened, RS::Begin, ADDRESSEE, &none, R::InProgress),
            (R::ReportedDone, RS::Verify, CONDUCTING, &none, R::Verified),
            // A dispute needs a reason; the addressee may still act on it.
            (R::Open, RS::Dispute, ADDRESSEE, &disputed, R::Disputed),
            (R::Disputed, RS::Begin, ADDRESSEE, &none, R::InProgress),
        ];
        for (from, step, sides, given, to) in path {
            let next = next_recommendation_status(O::Concluded, from, step, sides, given, today);
            assert_eq!(next.ok(), Some(to), "{step:?} from {from:?}");
        }
        let bare =
            next_recommendation_status(O::Concluded, R::Open, RS::Dispute, ADDRESSEE, &none, today);
        assert_eq!(code(bare), "BAD_USER_INPUT");
    }

    #[test]
    fn only_the_conducting_side_judges_and_never_the_addressee() {
        let today = day("2024-09-10");
        let later = Given {
            reason: Some("x"),
            due_on: Some(day("2024-12-31")),
            ..Default::default()
        };
        for (step, from) in [
            (RS::Verify, R::ReportedDone),
            (RS::Reopen, R::ReportedDone),
            (RS::Waive, R::Open),
        ] {
            for sides in [ADDRESSEE, BOTH] {
                let result =
                    next_recommendation_status(O::Concluded, from, step, sides, &later, today);
                assert_eq!(code(result), "FORBIDDEN", "{step:?} by {sides:?}");
            }
            let result =
                next_recommendation_status(O::Concluded, from, step, CONDUCTING, &later, today);
            assert_eq!(code(result), "OK", "{step:?}");
        }
        // And the conducting side does not answer for the addressee.
        for step in [RS::Accept, RS::Dispute] {
            let result =
                next_recommendation_status(O::Concluded, R::Open, step, CONDUCTING, &later, today);
            assert_eq!(code(result), "FORBIDDEN", "{step:?}");
        }
    }

    #[test]
    fn a_reopening_needs_a_due_date_after_today() {
        let today = day("2024-09-10");
        for due_on in [None, Some(today), Some(day("2024-09-01"))] {
            let given = Given {
                reason: Some("x"),
                due_on,
                ..Default::default()
            };
            let result = next_recommendation_status(
                O::Concluded,
                R::ReportedDone,
                RS::Reopen,
                CONDUCTING,
                &given,
                today,
            );
            assert_eq!(code(result), "BAD_USER_INPUT", "{due_on:?}");
        }
    }

    #[test]
    fn final_recommendations_and_unconcluded_oversights_refuse_every_step() {
        let today = day("2024-09-10");
        let given = Given {
            reason: Some("x"),
            due_on: Some(day("2025-01-01")),
            ..Default::default()
        };
        let steps = [
            RS::Accept,
            RS::Dispute,
            RS::Begin,
            RS::ReportDone,
            RS::Verify,
            RS::Reopen,
            RS::Waive,
        ];
        for step in steps {
            for from in [R::Verified, R::Waived] {
                let result =
                    next_recommendation_status(O::Concluded, from, step, CONDUCTING, &given, today);
                assert_eq!(code(result), "BAD_USER_INPUT", "{step:?} from {from:?}");
            }
            for oversight in [O::Planned, O::InProgress, O::Closed, O::Cancelled] {
                let result =
                    next_recommendation_status(oversight, R::Open, step, BOTH, &given, today);
                assert_eq!(code(result), "BAD_USER_INPUT", "{step:?} in {oversight:?}");
            }
        }
        // Verifying or reopening needs a remedy reported done.
        for from in [R::Open, R::Accepted, R::InProgress, R::Reopened] {
            let result = next_recommendation_status(
                O::Concluded,
                from,
                RS::Verify,
                CONDUCTING,
                &given,
                today,
            );
            assert_eq!(code(result), "BAD_USER_INPUT", "{from:?}");
        }
    }

    #[test]
    fn an_oversight_settles_when_every_recommendation_is_verified_or_waived() {
        assert!(settled([]));
        assert!(settled([R::Verified, R::Waived]));
        assert!(!settled([R::Verified, R::ReportedDone]));
        assert!(!settled([R::Reopened]));
    }

    #[test]
    fn overdue_means_the_addressee_still_owes_the_remedy_after_its_day() {
        let due = Some(day("2024-09-30"));
        assert!(
            !is_overdue(R::InProgress, due, day("2024-09-30")),
            "due today is not late"
        );
        assert!(is_overdue(R::InProgress, due, day("2024-10-01")));
        assert!(is_overdue(R::Reopened, due, day("2024-10-01")));
        assert!(
            !is_overdue(R::ReportedDone, due, day("2024-10-01")),
            "awaiting verification"
        );
        assert!(!is_overdue(R::Verified, due, day("2024-10-01")));
        assert!(!is_overdue(R::Waived, due, day("2024-10-01")));
        assert!(
            !is_overdue(R::Open, None, day("2030-01-01")),
            "no due date, never late"
        );
    }

    #[test]
    fn an_oversight_reopened_after_its_conclusion_is_not_cancelled() {
        let reopened = Given {
            reason: Some("huỷ"),
            concluded_before: true,
            ..Default::default()
        };
        let refused = next_oversight_status(O::InProgress, OS::Cancel, CONDUCTING, &reopened);
        assert_eq!(code(refused), "BAD_USER_INPUT");
        let conclude_again =
            next_oversight_status(O::InProgress, OS::Conclude, CONDUCTING, &reopened);
        assert_eq!(conclude_again.ok(), Some(O::Concluded));
    }
}
