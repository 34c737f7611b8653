//! Incremental sync: the change feed `changes(since:)` with its opaque `SyncToken`, and the
//! deprecated time-based removal feed.

use async_graphql::{
    Context, ID, InputValueError, InputValueResult, Object, Scalar, ScalarType, Value,
};
use chrono::{DateTime, Utc};
use entity::tombstone as db;

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    id::{self, NodeType},
    indicator::Indicator,
    legal::LegalDocument,
    node::Node,
    plan::Plan,
    report::Report,
    task::Task,
    unit::{self, Unit},
};
use crate::{
    domain::sync::{self, Record},
    error::AppResult,
};

/// A record removed for good.
pub struct Tombstone(pub db::Model);

impl Tombstone {
    /// The removed record's global id.
    fn global_id(&self) -> ID {
        let kind = match self.0.entity_type.as_str() {
            "Task" => NodeType::Task,
            "Plan" => NodeType::Plan,
            "RoleGrant" => NodeType::RoleGrant,
            _ => NodeType::LegalReference,
        };
        id::encode(kind, self.0.entity_id)
    }
}

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
    /// Type of the removed record: `Task`, `LegalReference` or `RoleGrant`; or `Plan` or
    /// `Task` for a record that left your view (a draft plan's task assigned to your unit was
    /// removed, and with it the plan's only tie to your units).
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Global id of the removed record (the `id` it had, for every type).
    async fn entity_id(&self) -> ID {
        self.global_id()
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

/// Opaque position in the change feed, issued by `changes`. Keep the last one you received
/// and send it back as `since`; never build or change one. It holds no time, so the device's
/// clock plays no part. A token this server did not issue (another server's, or altered) is
/// refused with `BAD_USER_INPUT` on `since`.
#[derive(Clone, Debug)]
pub struct SyncToken(pub String);

#[Scalar(name = "SyncToken")]
impl ScalarType for SyncToken {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Self(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// One page of the change feed.
pub struct SyncChanges(sync::Changes);

/// One page of the change feed: records that entered your view or changed, records removed,
/// and the token to ask from next.
#[Object]
impl SyncChanges {
    /// Records new to your view or changed since the token, whole, oldest change first:
    /// `Unit`, `LegalDocument`, `Indicator`, `Plan`, `Task` and `Report`. Store each by its
    /// `id`, replacing what you had.
    async fn upserted(&self) -> Vec<Node> {
        self.0
            .upserted
            .iter()
            .cloned()
            .map(|record| match record {
                Record::Unit(m) => Node::Unit(Unit(m)),
                Record::LegalDocument(m) => Node::LegalDocument(LegalDocument(m)),
                Record::Indicator(m) => Node::Indicator(Indicator(m)),
                Record::Plan(m) => Node::Plan(Plan(m)),
                Record::Task(m) => Node::Task(Task(m)),
                Record::Report(m) => Node::Report(Report(m)),
                Record::Oversight(m) => Node::Oversight(super::oversight::Oversight(m)),
                Record::Recommendation(m) => {
                    Node::Recommendation(super::oversight::Recommendation(m))
                }
                Record::Review(m) => Node::Review(super::review::Review(m)),
                Record::Exemplar(m) => Node::Exemplar(super::exemplar::Exemplar(m)),
            })
            .collect()
    }
    /// Global ids of records removed since the token, or that left your view (tasks, plans,
    /// legal references of a task, grants): drop them if you hold them. A task whose legal
    /// reference was removed is also in `upserted`.
    async fn removed(&self) -> Vec<ID> {
        self.0
            .removed
            .iter()
            .map(|t| Tombstone(t.clone()).global_id())
            .collect()
    }
    /// The token to send as `since` next time (at once when `hasMore`).
    async fn token(&self) -> SyncToken {
        SyncToken(self.0.token.encode())
    }
    /// More changes are waiting: call again with `token` straight away.
    async fn has_more(&self) -> bool {
        self.0.has_more
    }
    /// This page starts a full pass over your current view, because you sent no token or your
    /// view changed since it was issued (a grant given or revoked, a unit moved by a
    /// reorganisation). Keep the records the pass sends, on this page and the next ones until
    /// `hasMore` is false, and then drop every other record you hold: those left your view.
    async fn reset(&self) -> bool {
        self.0.reset
    }
}

#[derive(Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// The changes within your view after `since`: records that entered it or changed, and
    /// removals, in the order they were committed, with the token to continue from. Without
    /// `since`, or when your grants or the unit tree changed since the token was issued, the
    /// answer is a full pass (`reset: true`). Errors: `BAD_USER_INPUT` on `since` for a token
    /// this server did not issue or one ahead of its changes; on `first` outside 1–100.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of your last sync; none for the first.")] since: Option<
            SyncToken,
        >,
        #[graphql(desc = "Most records in the page, removals included (1–100, default 20).")]
        first: Option<i32>,
    ) -> AppResult<SyncChanges> {
        let since = since
            .map(|t| sync::SyncToken::decode("since", &t.0))
            .transpose()?;
        let first = first.map_or(crate::domain::page::DEFAULT_PAGE_SIZE, |n| {
            u64::try_from(n).unwrap_or(0)
        });
        Ok(SyncChanges(
            sync::changes(ctx.db(), ctx.caller()?, since, first).await?,
        ))
    }

    /// Records removed at or after `since` within your scope, oldest first. Errors:
    /// `BAD_USER_INPUT` on `since` for a time later than the server's clock.
    #[graphql(
        deprecation = "Use `changes`: a time from the device's clock misses changes, and this \
                       feed does not tell you what left your view when your grants change."
    )]
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
