//! Incremental sync: lists take `updatedSince`; this module records and lists what was
//! removed, so an offline client can drop it too.

use chrono::{DateTime, Utc};
use entity::tombstone;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::{
    page::{self, Keyed, Page, PageArgs},
    scope,
};
use crate::{auth::Caller, error::AppResult};

impl Keyed for tombstone::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Records that `entity_id` of `entity_type` was removed, inside the removing transaction.
pub async fn bury(
    db: &impl ConnectionTrait,
    entity_type: &str,
    entity_id: Uuid,
    unit_id: Option<Uuid>,
) -> AppResult<()> {
    let now = Utc::now();
    tombstone::ActiveModel {
        id: Set(Uuid::now_v7()),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        unit_id: Set(unit_id),
        deleted_at: Set(now),
        sort_key: Set(format!("{:020}", now.timestamp_micros())),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Removals at or after `since` within the caller's scope, oldest first.
pub async fn removed_since(
    db: &impl ConnectionTrait,
    caller: &Caller,
    since: DateTime<Utc>,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<tombstone::Model>> {
    let mut cond = Condition::all().add(tombstone::Column::DeletedAt.gte(since));
    // Removals tied to no unit reach only an ADMIN of the root; everyone else hears of the
    // removals in its subtrees.
    if !super::power::is_global_admin(db, caller).await? {
        cond =
            cond.add(tombstone::Column::UnitId.in_subquery(scope::subtree(&caller.read_scopes())));
    }
    page::fetch(
        db,
        tombstone::Entity::find().filter(cond),
        tombstone::Column::SortKey,
        tombstone::Column::Id,
        args,
        count,
    )
    .await
}
