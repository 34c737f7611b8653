//! The removal feed for incremental sync.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::tombstone as db;

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    id::{self, NodeType},
    unit::{self, Unit},
};
use crate::{domain::sync, error::AppResult};

/// A record removed for good.
pub struct Tombstone(pub db::Model);

connection!(
    TombstoneConnection,
    TombstoneEdge,
    Tombstone,
    "A page of removals.",
    "A removal in a page, with its cursor."
);

/// A record removed for good.
#[Object]
impl Tombstone {
    /// Type of the removed record: `Task`, `LegalReference` or `RoleGrant`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Id of the removed record: its global id for `Task` and `RoleGrant`, else its uuid.
    async fn entity_id(&self) -> ID {
        match self.0.entity_type.as_str() {
            "Task" => id::encode(NodeType::Task, self.0.entity_id),
            "RoleGrant" => id::encode(NodeType::RoleGrant, self.0.entity_id),
            _ => ID(self.0.entity_id.to_string()),
        }
    }
    /// When it was removed.
    async fn removed_at(&self) -> DateTime<Utc> {
        self.0.deleted_at
    }
    /// The unit the record belonged to.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, self.0.unit_id).await
    }
}

#[derive(Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// Records removed at or after `since` within your scope, oldest first. A client syncing
    /// incrementally asks each list with `updatedSince: t` and this feed with `since: t`, then
    /// keeps the time of its request as the next `t`.
    async fn removed_since(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Removals at or after this time.")] since: DateTime<Utc>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
    ) -> AppResult<TombstoneConnection> {
        let page = sync::removed_since(
            ctx.db(),
            ctx.caller()?,
            since,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(TombstoneConnection::from_page(page, Tombstone))
    }
}
