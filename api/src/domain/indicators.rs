//! The indicator catalogue (chỉ tiêu): what reports count, and how counts add up.

use entity::indicator;
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
