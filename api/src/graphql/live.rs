//! Subscriptions over `graphql-transport-ws`, filtered by the subscriber's grants.

use std::collections::HashSet;

use async_graphql::{Context, Enum, ID, Object, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, future::ready};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::{
    ContextExt,
    id::{self, NodeType},
    report::Report,
    task::Assignment,
    unit::{self, Unit},
};
use crate::{
    domain::{plans, reports, tasks},
    error::{AppError, AppResult},
    events::{Event, EventBus, EventKind},
};

/// What changed.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A report moved through its workflow.
    ReportStatusChanged,
    /// A task was assigned to a unit.
    TaskAssigned,
    /// An assignment was acknowledged, progressed or completed.
    AssignmentChanged,
    /// A derived plan of the unit is overdue.
    DerivationOverdue,
}

impl From<EventKind> for ChangeKind {
    fn from(k: EventKind) -> Self {
        match k {
            EventKind::ReportStatusChanged => Self::ReportStatusChanged,
            EventKind::TaskAssigned => Self::TaskAssigned,
            EventKind::AssignmentChanged => Self::AssignmentChanged,
            EventKind::DerivationOverdue => Self::DerivationOverdue,
        }
    }
}

/// One committed change.
pub struct ChangeEvent(Event);

/// One committed change.
#[Object]
impl ChangeEvent {
    /// What changed.
    async fn kind(&self) -> ChangeKind {
        self.0.kind.into()
    }
    /// The new status (of the report or assignment).
    async fn status(&self) -> Option<&str> {
        self.0.status.as_deref()
    }
    /// When the change was committed.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The unit the change concerns.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// The report, for report changes.
    async fn report(&self, ctx: &Context<'_>) -> AppResult<Option<Report>> {
        if self.0.kind != EventKind::ReportStatusChanged {
            return Ok(None);
        }
        Ok(reports::get(ctx.db(), ctx.caller()?, self.0.entity_id)
            .await?
            .map(Report))
    }
    /// The assignment, for assignment changes.
    async fn assignment(&self, ctx: &Context<'_>) -> AppResult<Option<Assignment>> {
        if !matches!(
            self.0.kind,
            EventKind::TaskAssigned | EventKind::AssignmentChanged
        ) {
            return Ok(None);
        }
        Ok(
            tasks::get_assignment(ctx.db(), ctx.caller()?, self.0.entity_id)
                .await?
                .map(Assignment),
        )
    }
    /// Global id of the plan concerned, if any.
    async fn plan_id(&self) -> Option<ID> {
        self.0.plan_id.map(|p| id::encode(NodeType::Plan, p))
    }
}

/// Publishes a change to subscribers; resolvers call it once the domain service has committed.
pub async fn publish(
    ctx: &Context<'_>,
    kind: EventKind,
    entity_id: Uuid,
    unit_id: Uuid,
    plan_id: Option<Uuid>,
    status: Option<&str>,
) {
    if let Some(bus) = ctx.data_opt::<EventBus>() {
        bus.publish(Event {
            kind,
            entity_id,
            unit_id,
            plan_id,
            status: status.map(str::to_owned),
            at: Utc::now(),
        })
        .await;
    }
}

/// The units a subscriber's grants cover, fixed when it subscribes.
async fn covered_units(ctx: &Context<'_>) -> AppResult<HashSet<Uuid>> {
    let caller = ctx.caller()?;
    Ok(entity::unit_closure::Entity::find()
        .select_only()
        .column(entity::unit_closure::Column::DescendantId)
        .filter(entity::unit_closure::Column::AncestorId.is_in(caller.read_scopes()))
        .into_tuple::<Uuid>()
        .all(ctx.db())
        .await?
        .into_iter()
        .collect())
}

/// A subscription's stream of changes.
pub type Changes = std::pin::Pin<Box<dyn Stream<Item = ChangeEvent> + Send>>;

fn events(ctx: &Context<'_>, keep: impl Fn(&Event) -> bool + Send + 'static) -> AppResult<Changes> {
    let bus = ctx
        .data_opt::<EventBus>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no event bus")))?;
    let rx = bus.subscribe();
    let all = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(e) => return Some((e, rx)),
                // A slow subscriber skips what it missed rather than ending.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Box::pin(all.filter_map(move |e| {
        ready(keep(&e).then_some(ChangeEvent(e)))
    })))
}

/// Live changes, over WebSocket (`graphql-transport-ws`) on `/graphql`.
#[derive(Default)]
pub struct SubscriptionRoot;

/// Live changes, over WebSocket (`graphql-transport-ws`) on `/graphql`.
#[Subscription]
impl SubscriptionRoot {
    /// Status changes of reports sent by units in your scope.
    async fn report_status_changed(&self, ctx: &Context<'_>) -> async_graphql::Result<Changes> {
        let units = covered_units(ctx).await?;
        Ok(events(ctx, move |e| {
            e.kind == EventKind::ReportStatusChanged && units.contains(&e.unit_id)
        })?)
    }

    /// Task assignments and assignment progress on one plan you can see.
    async fn plan_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan to follow.")] plan_id: ID,
    ) -> async_graphql::Result<Changes> {
        let plan = id::decode("planId", NodeType::Plan, &plan_id)?;
        plans::get(ctx.db(), ctx.caller()?, plan)
            .await?
            .ok_or(AppError::NotFound("plan"))?;
        Ok(events(ctx, move |e| {
            e.plan_id == Some(plan)
                && matches!(
                    e.kind,
                    EventKind::TaskAssigned | EventKind::AssignmentChanged
                )
        })?)
    }

    /// What needs your units' attention: a report of theirs was returned, a task was assigned
    /// to them, or a plan they must derive is overdue.
    async fn notifications(&self, ctx: &Context<'_>) -> async_graphql::Result<Changes> {
        let units = covered_units(ctx).await?;
        Ok(events(ctx, move |e| {
            units.contains(&e.unit_id)
                && match e.kind {
                    EventKind::ReportStatusChanged => e.status.as_deref() == Some("RETURNED"),
                    EventKind::TaskAssigned => true,
                    EventKind::DerivationOverdue => true,
                    EventKind::AssignmentChanged => false,
                }
        })?)
    }
}
