//! Per-request DataLoaders: nested fields batch their lookups into one query per relation and
//! level, and no cached row outlives the request (or reaches another caller). Records that
//! belong to units (plans, tasks, reports) load through the caller's read scope, so a nested
//! field that follows a stored id never shows what the caller may not see.

use std::{collections::HashMap, marker::PhantomData, sync::Arc};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::runtime::{TokioSpawner, TokioTimer};
use entity::{
    assignment, document_relation, indicator, indicator_value, legal_document, plan,
    plan_recipient, reorg_event, reorg_event_unit, report, report_obligation, report_schedule,
    report_task_progress, task, task_legal_reference, unit,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Iterable, PrimaryKeyToColumn,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::{
    auth::Auth,
    domain::{page::Keyed, scope},
};

/// Loads rows of `E` by primary key.
/// Loaders cache per request (they are built per request), so a relation primed for a whole
/// page is served from memory to each item, however the item resolvers interleave.
pub struct ById<E> {
    db: DatabaseConnection,
    /// The caller's read scope over `E`; `None` for reference data every caller reads.
    scope: Option<Condition>,
    entity: PhantomData<E>,
}

impl<E> Loader<Uuid> for ById<E>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Keyed + Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, E::Model>, Self::Error> {
        let Some(pk) = E::PrimaryKey::iter().next() else {
            return Ok(HashMap::new());
        };
        let mut query = E::find().filter(pk.into_column().is_in(keys.iter().copied()));
        if let Some(scope) = &self.scope {
            query = query.filter(scope.clone());
        }
        let rows = query.all(&self.db).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|r| (Keyed::id(&r), r)).collect())
    }
}

/// Loads the rows of `E` whose `column` equals each key, ordered by `order`.
pub struct ByGroup<E: EntityTrait> {
    db: DatabaseConnection,
    column: E::Column,
    order: E::Column,
    key_of: fn(&E::Model) -> Uuid,
}

impl<E> Loader<Uuid> for ByGroup<E>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Column: Send + Sync,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = Vec<E::Model>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<E::Model>>, Self::Error> {
        let rows = E::find()
            .filter(self.column.is_in(keys.iter().copied()))
            .order_by_asc(self.order)
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        let mut grouped: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
        for row in rows {
            grouped.entry((self.key_of)(&row)).or_default().push(row);
        }
        Ok(grouped)
    }
}

/// The loaders of one request.
pub struct Loaders {
    pub units: DataLoader<ById<unit::Entity>, HashMapCache>,
    pub documents: DataLoader<ById<legal_document::Entity>, HashMapCache>,
    /// Plans the caller sees.
    pub plans: DataLoader<ById<plan::Entity>, HashMapCache>,
    /// Any plan, for what is derived from it without showing it (a recipient's derivation
    /// status): never return its rows to the client.
    pub plan_states: DataLoader<ById<plan::Entity>, HashMapCache>,
    /// Tasks the caller sees.
    pub tasks: DataLoader<ById<task::Entity>, HashMapCache>,
    pub indicators: DataLoader<ById<indicator::Entity>, HashMapCache>,
    pub task_children: DataLoader<ByGroup<task::Entity>, HashMapCache>,
    pub task_assignments: DataLoader<ByGroup<assignment::Entity>, HashMapCache>,
    pub task_references: DataLoader<ByGroup<task_legal_reference::Entity>, HashMapCache>,
    pub plan_recipients: DataLoader<ByGroup<plan_recipient::Entity>, HashMapCache>,
    pub plan_schedules: DataLoader<ByGroup<report_schedule::Entity>, HashMapCache>,
    pub schedule_obligations: DataLoader<ByGroup<report_obligation::Entity>, HashMapCache>,
    pub report_progress: DataLoader<ByGroup<report_task_progress::Entity>, HashMapCache>,
    pub report_values: DataLoader<ByGroup<indicator_value::Entity>, HashMapCache>,
    /// Reports the caller sees.
    pub reports: DataLoader<ById<report::Entity>, HashMapCache>,
    /// Relations from a document (it amends, replaces… others).
    pub relations_from: DataLoader<ByGroup<document_relation::Entity>, HashMapCache>,
    /// Relations to a document (others amend, replace… it).
    pub relations_to: DataLoader<ByGroup<document_relation::Entity>, HashMapCache>,
    pub reorg_events: DataLoader<ById<reorg_event::Entity>, HashMapCache>,
    /// The units of a reorganisation, by event.
    pub reorg_links: DataLoader<ByGroup<reorg_event_unit::Entity>, HashMapCache>,
}

impl Loaders {
    /// The loaders of one request by `auth` (an anonymous caller sees no unit's records).
    pub fn new(db: &DatabaseConnection, auth: &Auth) -> Self {
        let scopes = match auth {
            Auth::User(caller) => caller.read_scopes(),
            Auth::Anonymous | Auth::Invalid => Vec::new(),
        };
        fn scoped<E>(
            db: &DatabaseConnection,
            scope: Option<Condition>,
        ) -> DataLoader<ById<E>, HashMapCache>
        where
            E: EntityTrait + Send + Sync + 'static,
            E::Model: Keyed + Clone + Send + Sync + 'static,
        {
            DataLoader::with_cache(
                ById {
                    db: db.clone(),
                    scope,
                    entity: PhantomData,
                },
                TokioSpawner::current(),
                TokioTimer::default(),
                HashMapCache::default(),
            )
        }
        fn by_group<E>(
            db: &DatabaseConnection,
            column: E::Column,
            order: E::Column,
            key_of: fn(&E::Model) -> Uuid,
        ) -> DataLoader<ByGroup<E>, HashMapCache>
        where
            E: EntityTrait + Send + Sync + 'static,
            E::Column: Send + Sync,
            E::Model: Clone + Send + Sync + 'static,
        {
            DataLoader::with_cache(
                ByGroup {
                    db: db.clone(),
                    column,
                    order,
                    key_of,
                },
                TokioSpawner::current(),
                TokioTimer::default(),
                HashMapCache::default(),
            )
        }
        fn by_id<E>(db: &DatabaseConnection) -> DataLoader<ById<E>, HashMapCache>
        where
            E: EntityTrait + Send + Sync + 'static,
            E::Model: Keyed + Clone + Send + Sync + 'static,
        {
            scoped(db, None)
        }
        Self {
            units: by_id(db),
            documents: by_id(db),
            plans: scoped(db, Some(scope::plans_touching(&scopes))),
            plan_states: by_id(db),
            tasks: scoped(db, Some(scope::visible_tasks(&scopes))),
            indicators: by_id(db),
            task_children: by_group(
                db,
                task::Column::ParentId,
                task::Column::SortKey,
                |t: &task::Model| t.parent_id.unwrap_or_default(),
            ),
            task_assignments: by_group(
                db,
                assignment::Column::TaskId,
                assignment::Column::Id,
                |a: &assignment::Model| a.task_id,
            ),
            task_references: by_group(
                db,
                task_legal_reference::Column::TaskId,
                task_legal_reference::Column::Id,
                |r: &task_legal_reference::Model| r.task_id,
            ),
            plan_recipients: by_group(
                db,
                plan_recipient::Column::PlanId,
                plan_recipient::Column::Id,
                |r: &plan_recipient::Model| r.plan_id,
            ),
            plan_schedules: by_group(
                db,
                report_schedule::Column::PlanId,
                report_schedule::Column::DueOn,
                |s: &report_schedule::Model| s.plan_id,
            ),
            schedule_obligations: by_group(
                db,
                report_obligation::Column::ScheduleId,
                report_obligation::Column::Id,
                |o: &report_obligation::Model| o.schedule_id,
            ),
            report_progress: by_group(
                db,
                report_task_progress::Column::ReportId,
                report_task_progress::Column::Id,
                |e: &report_task_progress::Model| e.report_id,
            ),
            report_values: by_group(
                db,
                indicator_value::Column::ReportId,
                indicator_value::Column::Id,
                |v: &indicator_value::Model| v.report_id,
            ),
            reports: scoped(db, Some(scope::reports_of_units(&scopes))),
            relations_from: by_group(
                db,
                document_relation::Column::FromDocumentId,
                document_relation::Column::CreatedAt,
                |r: &document_relation::Model| r.from_document_id,
            ),
            relations_to: by_group(
                db,
                document_relation::Column::ToDocumentId,
                document_relation::Column::CreatedAt,
                |r: &document_relation::Model| r.to_document_id,
            ),
            reorg_events: by_id(db),
            reorg_links: by_group(
                db,
                reorg_event_unit::Column::EventId,
                reorg_event_unit::Column::Id,
                |l: &reorg_event_unit::Model| l.event_id,
            ),
        }
    }
}

impl Loaders {
    /// Turns caching off (batching stays), for long-lived WebSocket sessions.
    pub fn disable_caches(&self) {
        self.units.enable_all_cache(false);
        self.documents.enable_all_cache(false);
        self.plans.enable_all_cache(false);
        self.plan_states.enable_all_cache(false);
        self.tasks.enable_all_cache(false);
        self.indicators.enable_all_cache(false);
        self.task_children.enable_all_cache(false);
        self.task_assignments.enable_all_cache(false);
        self.task_references.enable_all_cache(false);
        self.plan_recipients.enable_all_cache(false);
        self.plan_schedules.enable_all_cache(false);
        self.schedule_obligations.enable_all_cache(false);
        self.report_progress.enable_all_cache(false);
        self.report_values.enable_all_cache(false);
        self.reports.enable_all_cache(false);
        self.relations_from.enable_all_cache(false);
        self.relations_to.enable_all_cache(false);
        self.reorg_events.enable_all_cache(false);
        self.reorg_links.enable_all_cache(false);
    }
}

/// The rows a group loader found for one key (none is an empty list).
pub fn group<T>(
    loaded: Result<Option<Vec<T>>, Arc<sea_orm::DbErr>>,
) -> crate::error::AppResult<Vec<T>> {
    Ok(loaded.map_err(failed)?.unwrap_or_default())
}

/// Turns a loader failure into the API's internal error.
pub fn failed(err: Arc<sea_orm::DbErr>) -> crate::error::AppError {
    crate::error::AppError::internal(anyhow::anyhow!("loader: {err}"))
}
