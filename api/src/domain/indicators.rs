//! The indicator catalogue (chỉ tiêu): what reports count, and how counts add up.

use entity::{Measure, indicator};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    page::{self, Keyed, Page, PageArgs},
    search_condition,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

impl Keyed for indicator::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Filters of the `indicators` list.
#[derive(Clone, Debug, Default)]
pub struct IndicatorFilter {
    pub codes: Option<Vec<String>>,
    pub content_area: Option<i32>,
    pub search: Option<String>,
    /// Only records changed at or after this time (incremental sync).
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    _caller: &Caller,
    filter: &IndicatorFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<indicator::Model>> {
    let mut cond = Condition::all();
    if let Some(codes) = &filter.codes {
        cond = cond.add(indicator::Column::Code.is_in(codes.iter().cloned()));
    }
    if let Some(area) = filter.content_area {
        if !(1..=7).contains(&area) {
            return Err(AppError::bad_input(
                "filter.contentArea",
                "content areas are numbered 1 to 7",
            ));
        }
        cond = cond.add(indicator::Column::ContentArea.eq(area as i16));
    }
    if let Some(q) = &filter.search {
        cond = cond.add(search_condition(
            indicator::Column::SearchText,
            "filter.search",
            q,
        )?);
    }
    if let Some(since) = filter.updated_since {
        super::sync::check_not_future("filter.updatedSince", since)?;
        cond = cond.add(indicator::Column::UpdatedAt.gte(since));
    }
    page::fetch(
        db,
        indicator::Entity::find().filter(cond),
        indicator::Column::SortKey,
        indicator::Column::Id,
        args,
        count,
    )
    .await
}

pub async fn get(
    db: &impl ConnectionTrait,
    _caller: &Caller,
    id: Uuid,
) -> AppResult<Option<indicator::Model>> {
    Ok(indicator::Entity::find_by_id(id).one(db).await?)
}

/// Largest value one report may state for a count (số lượng, lượt người, người): 10^12, far
/// above any real count in a province, and small enough that millions of them add up exactly.
pub const MAX_COUNT: f64 = 1e12;
/// Largest amount one report may state in đồng: 10^15 (a thousand trillion đồng). Also the
/// upper bound of the database's CHECK on `indicator_values.value`.
pub const MAX_VND: f64 = 1e15;
/// Largest total a rollup answers: 2^53 − 1, the largest whole number a GraphQL `Float` (an
/// IEEE double) carries exactly. A larger sum is refused, never rounded or turned into null.
pub const MAX_TOTAL: f64 = 9_007_199_254_740_991.0;

/// Whether `value` is one a report may state for an indicator measured in `measure`, or why
/// not (the message of a `BAD_USER_INPUT` naming the value's field). Counts are whole numbers
/// from 0 to [`MAX_COUNT`]; percentages lie in 0..=100; amounts in đồng in 0..=[`MAX_VND`].
/// Every path that writes values (the report mutations, the synthetic seed) checks here.
pub fn check_value(measure: Measure, value: f64) -> Result<(), String> {
    if !value.is_finite() || value < 0.0 {
        return Err("values are non-negative numbers".into());
    }
    match measure {
        Measure::Percent if value > 100.0 => Err("a percentage lies between 0 and 100".into()),
        Measure::Percent => Ok(()),
        Measure::Vnd if value > MAX_VND => Err(format!("an amount is at most {MAX_VND:.0} đồng")),
        // The đồng has no subunit in use: whole amounts, so totals add up exactly.
        Measure::Vnd if value.fract() != 0.0 => Err("amounts are whole đồng".into()),
        Measure::Vnd => Ok(()),
        Measure::Count | Measure::PersonTimes | Measure::Persons => {
            if value.fract() != 0.0 {
                Err("counts are whole numbers".into())
            } else if value > MAX_COUNT {
                Err(format!("a count is at most {MAX_COUNT:.0}"))
            } else {
                Ok(())
            }
        }
    }
}

/// The sum of `values` with every step checked: `None` once it would pass [`MAX_TOTAL`]
/// (or meets a value that is not a finite non-negative number), so a total is exact or absent,
/// never silently rounded, infinite or null.
pub fn checked_sum(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    values.into_iter().try_fold(0.0_f64, |acc, v| {
        let next = acc + v;
        (v.is_finite() && v >= 0.0 && next <= MAX_TOTAL).then_some(next)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_whole_and_bounded() {
        assert!(check_value(Measure::Count, 0.0).is_ok());
        assert!(check_value(Measure::Count, MAX_COUNT).is_ok());
        assert!(check_value(Measure::Count, MAX_COUNT + 1.0).is_err());
        assert!(check_value(Measure::Persons, 1e308).is_err());
        assert!(check_value(Measure::PersonTimes, 2.5).is_err());
        assert!(check_value(Measure::Count, -1.0).is_err());
        assert!(check_value(Measure::Count, f64::NAN).is_err());
        assert!(check_value(Measure::Count, f64::INFINITY).is_err());
        assert!(check_value(Measure::Vnd, 0.1).is_err());
        assert!(check_value(Measure::Vnd, 1_000_000.0).is_ok());
    }

    #[test]
    fn percentages_and_amounts_keep_their_ranges() {
        assert!(check_value(Measure::Percent, 100.0).is_ok());
        assert!(check_value(Measure::Percent, 37.5).is_ok());
        assert!(check_value(Measure::Percent, 100.5).is_err());
        assert!(check_value(Measure::Vnd, MAX_VND).is_ok());
        assert!(check_value(Measure::Vnd, 1500.5).is_err(), "whole đồng");
        assert!(check_value(Measure::Vnd, MAX_VND * 2.0).is_err());
    }

    #[test]
    fn sums_are_exact_or_refused() {
        assert_eq!(checked_sum([1.0, 2.0, 3.0]), Some(6.0));
        assert_eq!(checked_sum([]), Some(0.0));
        assert_eq!(checked_sum([MAX_TOTAL - 1.0, 1.0]), Some(MAX_TOTAL));
        assert_eq!(checked_sum([MAX_TOTAL, 1.0]), None);
        // Two values of about 10^308 once made an infinite sum, and the API answered null.
        assert_eq!(checked_sum([1e308, 1e308]), None);
        assert_eq!(checked_sum([f64::NAN]), None);
    }
}
