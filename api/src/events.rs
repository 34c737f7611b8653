//! Change events for subscriptions, and notices that a principal's access changed (so open
//! connections check their credentials again at once). Published after the change's transaction
//! commits. On PostgreSQL they travel through `pg_notify`, so every instance on the database
//! (this one included) hears every message, in commit order; on SQLite, where one process owns
//! the file, they stay in process.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::auth::known::KnownCallers;

const CHANNEL: &str = "qcdc_events";
const BUFFER: usize = 1_024;

/// What changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// A report moved through its workflow (submitted, approved, returned…).
    ReportStatusChanged,
    /// A task of a plan was assigned to a unit.
    TaskAssigned,
    /// An assignment was acknowledged, progressed or completed.
    AssignmentChanged,
    /// A recipient's derived plan is past its due date and not issued.
    DerivationOverdue,
    /// An oversight concluded with a recommendation to the unit (kiến nghị).
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
    /// A review the unit holds falls due within a week, or is past its due day, unheld.
    ReviewDue,
    /// A "Dân vận khéo" entry of the unit was recognised.
    ExemplarRecognised,
}

/// One change, with the unit it concerns (for filtering by grants) and its plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    pub entity_id: Uuid,
    pub unit_id: Uuid,
    pub plan_id: Option<Uuid>,
    pub status: Option<String>,
    pub at: DateTime<Utc>,
}

/// A principal's access changed: one of its sessions ended, the account or client was changed
/// (deactivated, password reset, secret rotated, revoked), or its grants changed. Connections
/// of that principal authenticate again before they carry anything more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessChanged {
    /// The user or API client; the nil UUID for every principal (a table of access emptied by
    /// `TRUNCATE`, or notices that may have been lost while the listener was away).
    pub principal: Uuid,
    pub at: DateTime<Utc>,
}

impl AccessChanged {
    /// A notice that concerns every principal.
    pub fn everyone(at: DateTime<Utc>) -> Self {
        Self {
            principal: Uuid::nil(),
            at,
        }
    }

    /// Whether the notice concerns `principal`.
    pub fn concerns(&self, principal: Uuid) -> bool {
        self.principal.is_nil() || self.principal == principal
    }
}

/// What travels on the bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message {
    /// A committed change to a record.
    Change(Event),
    /// A principal's access changed.
    Access(AccessChanged),
}

/// Fan-out of messages to this instance's subscriptions and connections.
#[derive(Clone)]
pub struct EventBus {
    /// Changes and access notices in one order, for subscriptions: a notice is handled before
    /// any change sent after it.
    local: broadcast::Sender<Message>,
    /// Access notices alone, for WebSocket connections (so `listeners` counts subscriptions).
    access: broadcast::Sender<AccessChanged>,
    /// Callers verified before, forgotten here as notices arrive.
    known: KnownCallers,
    db: DatabaseConnection,
}

/// Hands a message to this instance's receivers. No receiver is not an error: nobody listens.
fn deliver(
    local: &broadcast::Sender<Message>,
    access: &broadcast::Sender<AccessChanged>,
    known: &KnownCallers,
    message: Message,
) {
    if let Message::Access(notice) = &message {
        if notice.principal.is_nil() {
            known.forget_all();
        } else {
            known.forget(notice.principal);
        }
        let _ = access.send(*notice);
    }
    let _ = local.send(message);
}

impl EventBus {
    /// A bus over `db`; on PostgreSQL also listens on `url` for every instance's events. The
    /// first `LISTEN` is done before this returns, so no event published once the server
    /// serves is missed by its subscribers; later reconnections happen in the background.
    pub async fn start(db: DatabaseConnection, url: &str) -> Self {
        let (local, _) = broadcast::channel(BUFFER);
        let (access, _) = broadcast::channel(BUFFER);
        let known = KnownCallers::new(db.get_database_backend() != DbBackend::Postgres);
        if db.get_database_backend() == DbBackend::Postgres {
            let first = connect_listener(url).await;
            let receivers = Receivers {
                local: local.clone(),
                access: access.clone(),
                known: known.clone(),
            };
            tokio::spawn(relay(url.to_owned(), first, receivers));
        }
        Self {
            local,
            access,
            known,
            db,
        }
    }

    /// Callers verified before, kept while no notice says their access changed.
    pub fn known(&self) -> &KnownCallers {
        &self.known
    }

    /// Changes and access notices, in the order they were published.
    pub fn subscribe(&self) -> broadcast::Receiver<Message> {
        self.local.subscribe()
    }

    /// Access notices only.
    pub fn subscribe_access(&self) -> broadcast::Receiver<AccessChanged> {
        self.access.subscribe()
    }

    /// Subscriptions registered for events now: each hears every event published from here on.
    pub fn listeners(&self) -> usize {
        self.local.receiver_count()
    }

    /// Publishes a committed change. Failures are logged, never returned: the change itself
    /// has already happened.
    pub async fn publish(&self, event: Event) {
        self.send(Message::Change(event)).await;
    }

    /// Tells every instance that `principal`'s access changed (after the change committed).
    pub async fn publish_access(&self, principal: Uuid) {
        // At once on this instance, so the caller's next request here is checked afresh even
        // before the notice comes back from PostgreSQL.
        self.known.forget(principal);
        self.send(Message::Access(AccessChanged {
            principal,
            at: Utc::now(),
        }))
        .await;
    }

    async fn send(&self, message: Message) {
        if self.db.get_database_backend() == DbBackend::Postgres {
            let Ok(payload) = serde_json::to_string(&message) else {
                return;
            };
            let sent = self
                .db
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), payload.into()],
                ))
                .await;
            if let Err(err) = sent {
                tracing::warn!(error = %err, "publishing an event failed");
            }
        } else {
            deliver(&self.local, &self.access, &self.known, message);
        }
    }
}

/// A connection that is `LISTEN`ing on the events channel, or `None` (logged) when PostgreSQL
/// cannot be reached.
async fn connect_listener(url: &str) -> Option<sea_orm::sqlx::postgres::PgListener> {
    use sea_orm::sqlx::postgres::PgListener;
    match PgListener::connect(url).await {
        Ok(mut listener) => match listener.listen(CHANNEL).await {
            Ok(()) => Some(listener),
            Err(err) => {
                tracing::warn!(error = %err, "LISTEN failed");
                None
            }
        },
        Err(err) => {
            tracing::warn!(error = %err, "event listener cannot connect");
            None
        }
    }
}

/// Where notifications go on this instance.
struct Receivers {
    local: broadcast::Sender<Message>,
    access: broadcast::Sender<AccessChanged>,
    known: KnownCallers,
}

/// Relays PostgreSQL notifications to local subscribers, reconnecting after failures. Verified
/// callers are kept only while the listener is connected: a notice sent meanwhile is lost.
async fn relay(
    url: String,
    mut listener: Option<sea_orm::sqlx::postgres::PgListener>,
    to: Receivers,
) {
    // The first connection is made before the server serves: nobody can have missed anything.
    // Any later one (also after a first attempt that failed) may have missed notices.
    let mut reconnected = false;
    loop {
        if let Some(mut connected) = listener.take() {
            to.known.set_trusted(true);
            if reconnected {
                // Notices sent while the listener was away are lost: every open connection
                // authenticates again, as if each principal's access had changed.
                deliver(
                    &to.local,
                    &to.access,
                    &to.known,
                    Message::Access(AccessChanged::everyone(Utc::now())),
                );
            }
            loop {
                // A lost connection is `None`: notices sent until this instance listens
                // again are lost, so whatever was kept is dropped until then.
                match connected.try_recv().await {
                    Ok(Some(n)) => {
                        if let Ok(message) = serde_json::from_str::<Message>(n.payload()) {
                            deliver(&to.local, &to.access, &to.known, message);
                        }
                    }
                    Ok(None) => {
                        to.known.set_trusted(false);
                        tracing::warn!("event listener lost its connection");
                        break;
                    }
                    Err(err) => {
                        to.known.set_trusted(false);
                        tracing::warn!(error = %err, "event listener lost its connection");
                        break;
                    }
                }
            }
        }
        reconnected = true;
        tokio::time::sleep(Duration::from_secs(1)).await;
        listener = connect_listener(&url).await;
    }
}

/// Tells subscribers, once, that a recipient's derived plan is overdue: past its due date with
/// no issued derived plan. Each recipient is claimed with a conditional update, so with several
/// instances on one database exactly one of them publishes it.
pub async fn sweep_overdue_derivations(
    db: &DatabaseConnection,
    writer: &crate::domain::write::Writer,
    bus: &EventBus,
    today: chrono::NaiveDate,
) -> anyhow::Result<usize> {
    use entity::{PlanStatus, plan, plan_recipient};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

    let due = plan_recipient::Entity::find()
        .filter(plan_recipient::Column::DeriveBy.lt(today))
        .filter(plan_recipient::Column::OverdueNotifiedAt.is_null())
        .filter(plan_recipient::Column::ReroutedToId.is_null())
        .all(db)
        .await?;
    let mut told = 0;
    for r in due {
        if let Some(derived) = r.derived_plan_id {
            let issued = plan::Entity::find_by_id(derived)
                .one(db)
                .await?
                .is_some_and(|p| p.status != PlanStatus::Draft);
            if issued {
                continue;
            }
        }
        // Through the writer, so on SQLite the claim queues with every other write.
        let id = r.id;
        let claimed = writer
            .transaction(move |txn| {
                Box::pin(async move {
                    Ok(plan_recipient::Entity::update_many()
                        .col_expr(
                            plan_recipient::Column::OverdueNotifiedAt,
                            Expr::value(Utc::now()),
                        )
                        .filter(plan_recipient::Column::Id.eq(id))
                        .filter(plan_recipient::Column::OverdueNotifiedAt.is_null())
                        .exec(txn)
                        .await?
                        .rows_affected
                        == 1)
                })
            })
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
        if claimed {
            bus.publish(Event {
                kind: EventKind::DerivationOverdue,
                entity_id: r.id,
                unit_id: r.unit_id,
                plan_id: Some(r.plan_id),
                status: Some("OVERDUE".into()),
                at: Utc::now(),
            })
            .await;
            told += 1;
        }
    }
    Ok(told)
}

/// Tells each addressee, once per due day, that a recommendation of a concluded oversight falls
/// due within a week or is past its due day, while the remedy is still owed. Each notice is
/// claimed with a conditional update, so with several instances exactly one publishes it; a
/// reopening with a new due day makes both notices due again.
pub async fn sweep_recommendation_deadlines(
    db: &DatabaseConnection,
    writer: &crate::domain::write::Writer,
    bus: &EventBus,
    today: chrono::NaiveDate,
) -> anyhow::Result<usize> {
    use entity::{OversightStatus, oversight, recommendation};
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, sea_query::Expr};

    let soon = today + chrono::Days::new(7);
    let candidates = recommendation::Entity::find()
        .filter(recommendation::Column::Status.is_in(crate::domain::oversights::AWAITING))
        .filter(recommendation::Column::DueOn.lte(soon))
        .all(db)
        .await?;
    let mut told = 0;
    for r in candidates {
        let concluded = oversight::Entity::find_by_id(r.oversight_id)
            .one(db)
            .await?
            .filter(|o| o.status == OversightStatus::Concluded);
        let Some(o) = concluded else { continue };
        let (kind, column, sent) = if r.due_on < today {
            (
                EventKind::RecommendationOverdue,
                recommendation::Column::OverdueNotifiedOn,
                r.overdue_notified_on,
            )
        } else {
            (
                EventKind::RecommendationDueSoon,
                recommendation::Column::DueSoonNotifiedOn,
                r.due_soon_notified_on,
            )
        };
        if sent == Some(r.due_on) {
            continue;
        }
        let (id, due) = (r.id, r.due_on);
        let claimed = writer
            .transaction(move |txn| {
                Box::pin(async move {
                    Ok(recommendation::Entity::update_many()
                        .col_expr(column, Expr::value(due))
                        .filter(recommendation::Column::Id.eq(id))
                        .filter(recommendation::Column::DueOn.eq(due))
                        .filter(Condition::any().add(column.is_null()).add(column.ne(due)))
                        .exec(txn)
                        .await?
                        .rows_affected
                        == 1)
                })
            })
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
        if claimed {
            bus.publish(Event {
                kind,
                entity_id: r.id,
                unit_id: r.addressee_unit_id,
                plan_id: o.plan_id,
                status: Some(r.status.as_str().to_owned()),
                at: Utc::now(),
            })
            .await;
            told += 1;
        }
    }
    Ok(told)
}

/// Tells each unit, once per due day, that a review it holds falls due within a week (or is
/// past due) and is not held. Claimed with a conditional update, as the other sweeps.
pub async fn sweep_reviews_due(
    db: &DatabaseConnection,
    writer: &crate::domain::write::Writer,
    bus: &EventBus,
    today: chrono::NaiveDate,
) -> anyhow::Result<usize> {
    use entity::{ReviewStatus, review};
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, sea_query::Expr};

    let due = review::Entity::find()
        .filter(review::Column::Status.eq(ReviewStatus::Planned))
        .filter(review::Column::DueOn.lte(today + chrono::Days::new(7)))
        .all(db)
        .await?;
    let mut told = 0;
    for r in due {
        if r.due_notified_on == Some(r.due_on) {
            continue;
        }
        let (id, day) = (r.id, r.due_on);
        let claimed = writer
            .transaction(move |txn| {
                Box::pin(async move {
                    Ok(review::Entity::update_many()
                        .col_expr(review::Column::DueNotifiedOn, Expr::value(day))
                        .filter(review::Column::Id.eq(id))
                        .filter(
                            Condition::any()
                                .add(review::Column::DueNotifiedOn.is_null())
                                .add(review::Column::DueNotifiedOn.ne(day)),
                        )
                        .exec(txn)
                        .await?
                        .rows_affected
                        == 1)
                })
            })
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
        if claimed {
            bus.publish(Event {
                kind: EventKind::ReviewDue,
                entity_id: r.id,
                unit_id: r.unit_id,
                plan_id: Some(r.plan_id),
                status: Some(r.status.as_str().to_owned()),
                at: Utc::now(),
            })
            .await;
            told += 1;
        }
    }
    Ok(told)
}

/// Runs [`sweep_overdue_derivations`], and brings forward the status of documents whose dated
/// relations have come into effect, every `every` until the process ends.
/// Collects expired uploads and unreferenced files every `QCDC_FILE_COLLECT_SECONDS`
/// (`domain::files::collect`).
pub fn spawn_file_collector(
    writer: crate::domain::write::Writer,
    files: crate::storage::Files,
    clock: crate::domain::clock::Clock,
) {
    let every = files.settings.collect_every;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tick.tick().await;
            match crate::domain::files::collect::collect(&writer, &files, clock.now()).await {
                Ok(done) if done.uploads + done.blobs > 0 => {
                    tracing::info!(
                        uploads = done.uploads,
                        blobs = done.blobs,
                        "files collected"
                    );
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = ?err, "file collection failed"),
            }
        }
    });
}

pub fn spawn_overdue_sweeper(
    db: DatabaseConnection,
    writer: crate::domain::write::Writer,
    bus: EventBus,
    every: Duration,
    clock: crate::domain::clock::Clock,
) {
    tokio::spawn(async move {
        // The first pass comes one period after start, so a server comes up before it sweeps.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tick.tick().await;
            // One day for the whole pass, from the one clock.
            let today = clock.today();
            if let Err(err) = sweep_overdue_derivations(&db, &writer, &bus, today).await {
                tracing::warn!(error = %err, "overdue sweep failed");
            }
            if let Err(err) = sweep_recommendation_deadlines(&db, &writer, &bus, today).await {
                tracing::warn!(error = %err, "recommendation deadline sweep failed");
            }
            if let Err(err) = sweep_reviews_due(&db, &writer, &bus, today).await {
                tracing::warn!(error = %err, "review sweep failed");
            }
            if let Err(err) =
                crate::domain::legal_registry::refresh_due_statuses(&db, &writer, today).await
            {
                tracing::warn!(error = ?err, "document status sweep failed");
            }
        }
    });
}
