//! The one clock: the instant now, and the day it is on the province's calendar.
//!
//! The province works on Asia/Ho_Chi_Minh days (README, "Calendar"). Every date derived from
//! an instant (today; the day a report was submitted) comes from here, so overdue tasks, late
//! reports, compliance, document status, the sweeps and permissions by date all agree on one
//! day. The clock is injectable: `QCDC_CLOCK_START` (development and tests) starts it at a
//! chosen instant, from which it runs on in real time.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// The time zone of the province's calendar (giờ Việt Nam). UTC+7 without daylight saving
/// since 1975; read from the IANA database so the rule has one source.
pub const PROVINCE_ZONE: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// The server's clock: the system clock, or one set to another instant that runs on from it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    /// How far this clock is ahead of the system clock (negative: behind).
    offset: TimeDelta,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `at` now and runs on from there at the system clock's pace.
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Self {
            offset: at - Utc::now(),
        }
    }

    /// The instant now.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    /// Today on the province's calendar.
    pub fn today(&self) -> NaiveDate {
        province_day(self.now())
    }
}

/// The day `at` falls on in the province: the calendar date in Asia/Ho_Chi_Minh.
pub fn province_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&PROVINCE_ZONE).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_province_day_starts_at_17_00_utc() {
        // 01:30 in Việt Nam on 11 March is 18:30 UTC on 10 March: already the 11th.
        assert_eq!(province_day(at("2027-03-10T18:30:00Z")), day("2027-03-11"));
        // 23:30 in Việt Nam on 10 March is 16:30 UTC the same day.
        assert_eq!(province_day(at("2027-03-10T16:30:00Z")), day("2027-03-10"));
        // The boundary itself: midnight in Việt Nam.
        assert_eq!(province_day(at("2027-03-10T16:59:59Z")), day("2027-03-10"));
        assert_eq!(province_day(at("2027-03-10T17:00:00Z")), day("2027-03-11"));
        // Across a year end.
        assert_eq!(province_day(at("2026-12-31T17:00:00Z")), day("2027-01-01"));
    }

    #[test]
    fn a_clock_started_at_an_instant_reads_it_and_runs_on() {
        let clock = Clock::starting_at(at("2027-03-10T18:30:00Z"));
        let now = clock.now();
        assert!(now >= at("2027-03-10T18:30:00Z"));
        assert!(now < at("2027-03-10T18:31:00Z"), "{now}");
        assert_eq!(clock.today(), day("2027-03-11"));
    }

    #[test]
    fn the_system_clock_is_the_system_time_on_the_province_calendar() {
        let before = Utc::now();
        let now = Clock::system().now();
        assert!(now >= before && now - before < TimeDelta::seconds(5));
        assert_eq!(Clock::system(), Clock::default());
    }
}
