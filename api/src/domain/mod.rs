//! Business rules per aggregate: scope checks, validation, queries and transactions.
//! Nothing here knows about GraphQL.

pub mod admin;
pub mod assignments;
pub mod audit;
pub mod authz;
pub mod batch;
pub mod clients;
pub mod clock;
pub mod conclusion_notices;
pub mod derivation;
pub mod exemplar_changes;
pub mod exemplar_rules;
pub mod exemplars;
pub mod exports;
pub mod files;
pub mod imports;
pub mod indicators;
pub mod legal;
pub mod legal_number;
pub mod legal_registry;
pub mod lineage;
pub mod official_format;
pub mod outgoing_numbers;
pub mod overseeing;
pub mod oversight_summary;
pub mod oversight_workflow;
pub mod oversights;
pub mod page;
pub mod planning;
pub mod plans;
pub mod power;
pub mod provenance;
pub mod recognition_decisions;
pub mod registry_check;
pub mod rendering;
pub mod reorg;
pub mod reporting;
pub mod reports;
pub mod reroute;
pub mod reviews;
pub mod rollups;
pub mod scope;
pub mod sessions;
pub mod sync;
pub mod tasks;
pub mod units;
pub mod users;
pub mod write;

use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, LikeExpr},
};

use crate::{
    error::{AppError, AppResult},
    text,
};

/// Longest search string accepted.
const MAX_SEARCH_LENGTH: usize = 200;

/// Refuses (`BAD_USER_INPUT` on `field`) a search text over the length every search accepts.
pub fn check_search_length(field: &str, query: &str) -> AppResult<()> {
    if query.chars().count() > MAX_SEARCH_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!("search text is limited to {MAX_SEARCH_LENGTH} characters"),
        ));
    }
    Ok(())
}

/// Every term of `query` must occur in the folded `column` (case- and diacritic-insensitive).
pub fn search_condition(
    column: impl ColumnTrait,
    field: &str,
    query: &str,
) -> AppResult<Condition> {
    check_search_length(field, query)?;
    let mut all = Condition::all();
    for term in text::search_terms(query) {
        all = all.add(
            Expr::col(column.as_column_ref())
                .like(LikeExpr::new(text::like_pattern(&term)).escape('\\')),
        );
    }
    Ok(all)
}
