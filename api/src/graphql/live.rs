//! Subscriptions over `graphql-transport-ws`, filtered by the subscriber's grants as they are
//! when each event is sent: a notice that the subscriber's access changed makes the stream
//! authenticate again before it passes on anything else; it then goes on with a filter of its
//! new grants if it only gained some, and ends if its session ended, its token expired, it
//! lost a grant or its subject went out of scope.

use std::{collections::HashSet, sync::Arc};

use async_graphql::{Context, Enum, ID, Object, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, future::BoxFuture};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use super::{
    ContextExt, Credential,
    exemplar::Exemplar,
    id::{self, NodeType},
    oversight::{Oversight, Recommendation},
    report::Report,
    task::Assignment,
    unit::{self, Unit},
};
use crate::{
    auth::{Caller, token::Verified},
    domain::{exemplars, oversights, plans, reports, tasks, users},
    error::{AppError, AppResult},
    events::{Event, EventBus, EventKind, Message},
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
    /// An oversight concluded with a recommendation to the unit.
    RecommendationIssued,
    /// A recommendation to the unit was found not effective and reopened.
    RecommendationReopened,
    /// The addressee reports a recommendation of the unit's oversight remedied.
    RecommendationReportedDone,
    /// A recommendation to the unit falls due within a week.
    RecommendationDueSoon,
    /// A recommendation to the unit is past its due day.
    RecommendationOverdue,
    /// Any other step of an oversight or a recommendation.
    OversightChanged,
    /// A review the unit holds falls due within a week, or is past due, unheld.
    ReviewDue,
    /// A "Dân vận khéo" entry of the unit was recognised.
    ExemplarRecognised,
}

impl From<EventKind> for ChangeKind {
    fn from(k: EventKind) -> Self {
        match k {
            EventKind::ReportStatusChanged => Self::ReportStatusChanged,
            EventKind::TaskAssigned => Self::TaskAssigned,
            EventKind::AssignmentChanged => Self::AssignmentChanged,
            EventKind::DerivationOverdue => Self::DerivationOverdue,
            EventKind::RecommendationIssued => Self::RecommendationIssued,
            EventKind::RecommendationReopened => Self::RecommendationReopened,
            EventKind::RecommendationReportedDone => Self::RecommendationReportedDone,
            EventKind::RecommendationDueSoon => Self::RecommendationDueSoon,
            EventKind::RecommendationOverdue => Self::RecommendationOverdue,
            EventKind::OversightChanged => Self::OversightChanged,
            EventKind::ReviewDue => Self::ReviewDue,
            EventKind::ExemplarRecognised => Self::ExemplarRecognised,
        }
    }
}

/// One committed change, with the subscriber as it was when the change was sent.
pub struct ChangeEvent(Event, Arc<Caller>);

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
        Ok(reports::get(ctx.db(), &self.1, self.0.entity_id)
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
        Ok(tasks::get_assignment(ctx.db(), &self.1, self.0.entity_id)
            .await?
            .map(Assignment))
    }
    /// The recommendation, for recommendation changes.
    async fn recommendation(&self, ctx: &Context<'_>) -> AppResult<Option<Recommendation>> {
        if !is_recommendation(self.0.kind) {
            return Ok(None);
        }
        Ok(
            oversights::get_recommendation(ctx.db(), &self.1, self.0.entity_id)
                .await?
                .map(Recommendation),
        )
    }
    /// The oversight, for oversight changes.
    async fn oversight(&self, ctx: &Context<'_>) -> AppResult<Option<Oversight>> {
        if self.0.kind != EventKind::OversightChanged {
            return Ok(None);
        }
        Ok(oversights::get(ctx.db(), &self.1, self.0.entity_id)
            .await?
            .map(Oversight))
    }
    /// The review, for review notices.
    async fn review(&self, ctx: &Context<'_>) -> AppResult<Option<super::review::Review>> {
        if self.0.kind != EventKind::ReviewDue {
            return Ok(None);
        }
        Ok(
            crate::domain::reviews::get(ctx.db(), &self.1, self.0.entity_id)
                .await?
                .map(super::review::Review),
        )
    }
    /// The "Dân vận khéo" entry, for a recognition.
    async fn exemplar(&self, ctx: &Context<'_>) -> AppResult<Option<Exemplar>> {
        if self.0.kind != EventKind::ExemplarRecognised {
            return Ok(None);
        }
        Ok(exemplars::get(ctx.db(), &self.1, self.0.entity_id)
            .await?
            .map(Exemplar))
    }
    /// Global id of the plan concerned, if any.
    async fn plan_id(&self) -> Option<ID> {
        self.0.plan_id.map(|p| id::encode(NodeType::Plan, p))
    }
}

/// Whether the event is about a recommendation.
fn is_recommendation(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::RecommendationIssued
            | EventKind::RecommendationReopened
            | EventKind::RecommendationReportedDone
            | EventKind::RecommendationDueSoon
            | EventKind::RecommendationOverdue
    )
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

/// Tells open connections that `principal`'s access changed (a session ended, the account or
/// client changed, grants changed); resolvers call it once the domain service has committed.
pub async fn publish_access(ctx: &Context<'_>, principal: Uuid) {
    if let Some(bus) = ctx.data_opt::<EventBus>() {
        bus.publish_access(principal).await;
    }
}

/// The units a subscriber's grants cover now.
async fn covered_units(db: &DatabaseConnection, caller: &Caller) -> AppResult<HashSet<Uuid>> {
    Ok(crate::domain::batch::units_under(db, &caller.read_scopes())
        .await?
        .into_iter()
        .collect())
}

/// A subscription's stream of changes.
pub type Changes = std::pin::Pin<Box<dyn Stream<Item = ChangeEvent> + Send>>;

/// Which events a subscriber may see.
type Filter = Box<dyn Fn(&Event) -> bool + Send + Sync>;

/// Computes a subscription's filter from the subscriber's grants; an error ends the stream (the
/// subject is no longer visible).
type Scope =
    Arc<dyn Fn(DatabaseConnection, Caller) -> BoxFuture<'static, AppResult<Filter>> + Send + Sync>;

/// One subscription's state between events.
struct Live {
    rx: broadcast::Receiver<Message>,
    db: DatabaseConnection,
    credential: Option<Verified>,
    caller: Arc<Caller>,
    scope: Scope,
    filter: Filter,
}

impl Live {
    /// The next event this subscriber may see now, or `None` once it may see nothing more.
    async fn next(mut self) -> Option<(ChangeEvent, Self)> {
        loop {
            let message = match self.rx.recv().await {
                Ok(m) => m,
                // A notice about this subscriber may be among what was missed.
                Err(RecvError::Lagged(_)) => {
                    self.refresh().await.ok()?;
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            match message {
                Message::Access(a) if a.concerns(self.caller.user_id) => {
                    self.refresh().await.ok()?;
                }
                Message::Access(_) => {}
                Message::Change(event) => {
                    if self
                        .credential
                        .is_some_and(|c| Utc::now().timestamp() >= c.expires_at)
                    {
                        return None;
                    }
                    if (self.filter)(&event) {
                        let caller = self.caller.clone();
                        return Some((ChangeEvent(event, caller), self));
                    }
                }
            }
        }
    }

    /// Authenticates again and recomputes the filter from the grants in force now. A caller
    /// that lost any grant ends the stream instead: the operation's loaders were scoped by the
    /// old grants, so nested fields could still read what they covered. The client subscribes
    /// again, with loaders of its grants as they are.
    async fn refresh(&mut self) -> Result<(), ()> {
        let credential = self.credential.ok_or(())?;
        let caller = users::caller_for(&self.db, &credential, self.caller.clock)
            .await
            .ok()
            .flatten()
            .ok_or(())?;
        if !self.caller.grants.iter().all(|g| caller.grants.contains(g)) {
            return Err(());
        }
        self.filter = (self.scope)(self.db.clone(), caller.clone())
            .await
            .map_err(|_| ())?;
        self.caller = Arc::new(caller);
        Ok(())
    }
}

/// The changes `scope` lets the caller see, re-scoped whenever the caller's access changes.
async fn events(ctx: &Context<'_>, scope: Scope) -> AppResult<Changes> {
    let bus = ctx
        .data_opt::<EventBus>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no event bus")))?;
    // Subscribed before the filter is computed, so no notice falls between the two.
    let rx = bus.subscribe();
    let caller = ctx.caller()?.clone();
    let db = ctx.db().clone();
    let filter = scope(db.clone(), caller.clone()).await?;
    let live = Live {
        rx,
        db,
        credential: ctx.data_opt::<Credential>().map(|c| c.0),
        caller: Arc::new(caller),
        scope,
        filter,
    };
    Ok(Box::pin(futures_util::stream::unfold(live, Live::next)))
}

/// Changes `keep` accepts, to units the caller's grants cover.
fn in_covered_units(keep: fn(&Event) -> bool) -> Scope {
    Arc::new(move |db, caller| {
        Box::pin(async move {
            let units = covered_units(&db, &caller).await?;
            let filter: Filter = Box::new(move |e| units.contains(&e.unit_id) && keep(e));
            Ok(filter)
        })
    })
}

/// Live changes, over WebSocket (`graphql-transport-ws`) on `/graphql`.
#[derive(Default)]
pub struct SubscriptionRoot;

/// Live changes, over WebSocket (`graphql-transport-ws`) on `/graphql`.
#[Subscription]
impl SubscriptionRoot {
    /// Status changes of reports sent by units in your scope.
    async fn report_status_changed(&self, ctx: &Context<'_>) -> async_graphql::Result<Changes> {
        Ok(events(
            ctx,
            in_covered_units(|e| e.kind == EventKind::ReportStatusChanged),
        )
        .await?)
    }

    /// Task assignments and assignment progress on one plan you can see.
    async fn plan_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan to follow.")] plan_id: ID,
    ) -> async_graphql::Result<Changes> {
        let plan = id::decode("planId", NodeType::Plan, &plan_id)?;
        let scope: Scope = Arc::new(move |db, caller| {
            Box::pin(async move {
                plans::get(&db, &caller, plan)
                    .await?
                    .ok_or(AppError::NotFound("plan"))?;
                let filter: Filter = Box::new(move |e| {
                    e.plan_id == Some(plan)
                        && matches!(
                            e.kind,
                            EventKind::TaskAssigned | EventKind::AssignmentChanged
                        )
                });
                Ok(filter)
            })
        });
        Ok(events(ctx, scope).await?)
    }

    /// What needs your units' attention: a report of theirs was returned, a task was assigned
    /// to them, a plan they must derive is overdue, a review they hold falls due; a
    /// recommendation was issued to them,
    /// reopened, falls due within a week or is overdue; a recommendation of their oversight
    /// was reported done; a "Dân vận khéo" entry of theirs was recognised.
    async fn notifications(&self, ctx: &Context<'_>) -> async_graphql::Result<Changes> {
        Ok(events(
            ctx,
            in_covered_units(|e| match e.kind {
                EventKind::ReportStatusChanged => e.status.as_deref() == Some("RETURNED"),
                EventKind::TaskAssigned => true,
                EventKind::DerivationOverdue => true,
                EventKind::AssignmentChanged | EventKind::OversightChanged => false,
                EventKind::RecommendationIssued
                | EventKind::RecommendationReopened
                | EventKind::RecommendationReportedDone
                | EventKind::RecommendationDueSoon
                | EventKind::RecommendationOverdue
                | EventKind::ReviewDue => true,
                EventKind::ExemplarRecognised => true,
            }),
        )
        .await?)
    }
}
