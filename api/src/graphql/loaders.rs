//! Per-request DataLoaders: nested fields batch their lookups into one query per relation and
//! level, and no cached row outlives the request (or reaches another caller). Records that
//! belong to units (plans, tasks, reports) load through the caller's read scope, so a nested
//! field that follows a stored id never shows what the caller may not see.

use std::{collections::HashMap, sync::LazyLock};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    api_client, assignment, assignment_update, document_relation, indicator, indicator_value,
    legal_document, plan, plan_recipient, reorg_event, reorg_event_unit, report, report_obligation,
    report_schedule, report_task_progress, role_grant, task, task_legal_reference, unit, user,
};
use sea_orm::{Condition, DatabaseConnection, EntityTrait, RelationTrait};
use uuid::Uuid;

use super::batching::{Batches, Yield};
use crate::{
    auth::Auth,
    domain::{batch, scope},
    error::{AppError, AppResult},
};

/// Loads rows of `E` by primary key.
/// Loaders cache per request (they are built per request), so a record fetched for one item
/// is served from memory to the others.
pub struct ById<E: EntityTrait> {
    db: DatabaseConnection,
    /// The caller's read scope over `E`; `None` for reference data every caller reads.
    scope: Option<Condition>,
    id_of: fn(&E::Model) -> Uuid,
}

impl<E> Loader<Uuid> for ById<E>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, E::Model>, Self::Error> {
        let rows = batch::by_ids::<E>(&self.db, keys, self.scope.as_ref()).await?;
        Ok(rows.into_iter().map(|r| ((self.id_of)(&r), r)).collect())
    }
}

/// Loads the rows of `E` whose `column` equals each key, ordered by `order`.
pub struct ByGroup<E: EntityTrait> {
    db: DatabaseConnection,
    column: E::Column,
    order: E::Column,
    tie: Option<E::Column>,
    key_of: fn(&E::Model) -> Uuid,
}

impl<E> Loader<Uuid> for ByGroup<E>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Column: Send + Sync,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = Vec<E::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<E::Model>>, Self::Error> {
        let rows = batch::by_group::<E>(&self.db, self.column, keys, self.order, self.tie).await?;
        let mut grouped: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
        for row in rows {
            grouped.entry((self.key_of)(&row)).or_default().push(row);
        }
        Ok(grouped)
    }
}

/// Loads rows of `E` by `key` (the primary key, or a parent's id for a list) together with the
/// row of `R` each refers to, in one statement (`batch::with_related`). Resolvers use it when
/// the selection asks for the related record, and feed those records to `R`'s own loader.
pub struct WithRelated<E: EntityTrait, R: EntityTrait> {
    db: DatabaseConnection,
    key: E::Column,
    scope: Option<Condition>,
    relation: fn() -> sea_orm::RelationDef,
    order: Option<E::Column>,
    key_of: fn(&E::Model) -> Uuid,
    _related: std::marker::PhantomData<fn() -> R>,
}

impl<E, R> Loader<Uuid> for WithRelated<E, R>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Column: Send + Sync,
    E::Model: Clone + Send + Sync + 'static,
    R: EntityTrait + Send + Sync + 'static,
    R::Model: Clone + Send + Sync + 'static,
{
    type Value = Vec<(E::Model, Option<R::Model>)>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = batch::with_related::<E, R>(
            &self.db,
            self.key,
            keys,
            self.scope.as_ref(),
            (self.relation)(),
            self.order,
        )
        .await?;
        let mut grouped: HashMap<Uuid, Self::Value> = HashMap::new();
        for row in rows {
            grouped.entry((self.key_of)(&row.0)).or_default().push(row);
        }
        Ok(grouped)
    }
}

/// Loads, per obligation, the newest revision of its report the caller sees.
pub struct NewestReport {
    db: DatabaseConnection,
    scope: Condition,
}

impl Loader<Uuid> for NewestReport {
    type Value = report::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, report::Model>, Self::Error> {
        Ok(batch::newest_reports(&self.db, keys, &self.scope)
            .await?
            .into_iter()
            .filter_map(|r| Some((r.obligation_id?, r)))
            .collect())
    }
}

/// Loads, per unit, the grants held on it that the caller manages (`domain::power::grants_on`).
pub struct ManagedGrants {
    db: DatabaseConnection,
    caller: Option<crate::auth::Caller>,
}

impl Loader<Uuid> for ManagedGrants {
    type Value = Vec<role_grant::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<role_grant::Model>>, Self::Error> {
        let Some(caller) = &self.caller else {
            return Ok(HashMap::new());
        };
        let mut grouped: HashMap<Uuid, Vec<role_grant::Model>> = HashMap::new();
        for grant in crate::domain::power::grants_on(&self.db, caller, keys).await? {
            grouped.entry(grant.scope_unit_id).or_default().push(grant);
        }
        Ok(grouped)
    }
}

type ByIdLoader<M> = DataLoader<ById<M>, HashMapCache>;
type ByGroupLoader<M> = DataLoader<ByGroup<M>, HashMapCache>;
type WithRelatedLoader<E, R> = DataLoader<WithRelated<E, R>, HashMapCache>;

/// A loader made the first time a resolver asks for it: a request uses a few of them, and
/// making all of them (with their scope conditions) cost more than many a request's own work.
pub type Lazy<T> = LazyLock<T, Box<dyn FnOnce() -> T + Send>>;

/// A loader of the fetch `make` returns, made when first used: its fetches run where
/// `batches` says (`graphql::batching`); `caching: false` for long-lived sockets.
fn lazy<X>(
    caching: bool,
    batches: Batches,
    make: impl FnOnce() -> X + Send + 'static,
) -> Lazy<DataLoader<X, HashMapCache>>
where
    X: Send + Sync + 'static,
{
    LazyLock::new(Box::new(move || {
        let loader = DataLoader::with_cache(make(), batches, Yield, HashMapCache::default());
        loader.enable_all_cache(caching);
        loader
    }))
}

/// A [`lazy`] loader made from the request's [`Env`]: the closure names the parts it is given
/// (`db`, `scopes`, `caller`; unused ones are fine) and returns the fetch.
macro_rules! lazily {
    ($env:ident, $caching:ident, |$db:ident, $scopes:ident, $caller:ident| $body:expr) => {
        lazy($caching, $env.batches.clone(), {
            let env = $env.clone();
            move || {
                #[allow(unused_variables)]
                let ($db, $scopes, $caller) = (&env.db, &env.scopes, &env.caller);
                $body
            }
        })
    };
}

/// What every loader of a request is made from.
struct Env {
    db: DatabaseConnection,
    batches: Batches,
    /// The caller's read scopes.
    scopes: Vec<Uuid>,
    caller: Option<crate::auth::Caller>,
}

/// The loaders of one request.
pub struct Loaders {
    pub units: Lazy<ByIdLoader<unit::Entity>>,
    pub documents: Lazy<ByIdLoader<legal_document::Entity>>,
    /// Plans the caller sees.
    pub plans: Lazy<ByIdLoader<plan::Entity>>,
    /// Plans the caller sees, each with its issuing unit.
    pub plans_with_issuer: Lazy<WithRelatedLoader<plan::Entity, unit::Entity>>,
    /// Any plan, for what is derived from it without showing it (a recipient's derivation
    /// status): never return its rows to the client.
    pub plan_states: Lazy<ByIdLoader<plan::Entity>>,
    /// Tasks the caller sees.
    pub tasks: Lazy<ByIdLoader<task::Entity>>,
    pub indicators: Lazy<ByIdLoader<indicator::Entity>>,
    pub task_children: Lazy<ByGroupLoader<task::Entity>>,
    pub task_assignments: Lazy<ByGroupLoader<assignment::Entity>>,
    pub task_references: Lazy<ByGroupLoader<task_legal_reference::Entity>>,
    /// A task's assignments, each with its unit.
    pub task_assignments_with_units: Lazy<WithRelatedLoader<assignment::Entity, unit::Entity>>,
    /// A task's legal references, each with its document.
    pub task_references_with_documents:
        Lazy<WithRelatedLoader<task_legal_reference::Entity, legal_document::Entity>>,
    pub plan_recipients: Lazy<ByGroupLoader<plan_recipient::Entity>>,
    pub plan_schedules: Lazy<ByGroupLoader<report_schedule::Entity>>,
    pub schedule_obligations: Lazy<ByGroupLoader<report_obligation::Entity>>,
    pub report_progress: Lazy<ByGroupLoader<report_task_progress::Entity>>,
    pub report_values: Lazy<ByGroupLoader<indicator_value::Entity>>,
    /// Reports the caller sees.
    pub reports: Lazy<ByIdLoader<report::Entity>>,
    /// Relations from a document (it amends, replaces… others).
    pub relations_from: Lazy<ByGroupLoader<document_relation::Entity>>,
    /// Relations to a document (others amend, replace… it).
    pub relations_to: Lazy<ByGroupLoader<document_relation::Entity>>,
    pub reorg_events: Lazy<ByIdLoader<reorg_event::Entity>>,
    /// The units of a reorganisation, by event.
    pub reorg_links: Lazy<ByGroupLoader<reorg_event_unit::Entity>>,
    /// Report schedules by id (a report's due date).
    pub schedules: Lazy<ByIdLoader<report_schedule::Entity>>,
    /// Recipient rows by id; the caller already sees the plan they belong to.
    pub recipients: Lazy<ByIdLoader<plan_recipient::Entity>>,
    /// Obligations by id; the caller already sees the schedule they belong to.
    pub obligations: Lazy<ByIdLoader<report_obligation::Entity>>,
    /// Assignments by id; the caller already sees the task they belong to.
    pub assignments: Lazy<ByIdLoader<assignment::Entity>>,
    /// Progress updates of an assignment, oldest first.
    pub assignment_updates: Lazy<ByGroupLoader<assignment_update::Entity>>,
    /// The newest report the caller sees for each obligation.
    pub obligation_reports: Lazy<DataLoader<NewestReport, HashMapCache>>,
    /// Accounts by id (names in the audit log).
    pub users: Lazy<ByIdLoader<user::Entity>>,
    /// Partner systems by id (names in the audit log).
    pub clients: Lazy<ByIdLoader<api_client::Entity>>,
    /// Where the loaders' fetches run: inside the operation's task (`graphql::batching`).
    pub batches: Batches,
    /// The grants held on a unit that the caller manages.
    pub unit_grants: Lazy<DataLoader<ManagedGrants, HashMapCache>>,
}

impl Loaders {
    /// The loaders of one request by `auth` (an anonymous caller sees no unit's records);
    /// `caching: false` for a subscription, which lives long and must never serve a stale row
    /// (its loaders still batch).
    pub fn new(db: &DatabaseConnection, auth: &Auth, caching: bool) -> Self {
        let caller = match auth {
            Auth::User(caller) => Some(caller.clone()),
            Auth::Anonymous | Auth::Invalid => None,
        };
        let env = std::sync::Arc::new(Env {
            db: db.clone(),
            batches: Batches::default(),
            scopes: caller.as_ref().map(|c| c.read_scopes()).unwrap_or_default(),
            caller,
        });
        fn scoped<E>(
            db: &DatabaseConnection,
            scope: Option<Condition>,
            id_of: fn(&E::Model) -> Uuid,
        ) -> ById<E>
        where
            E: EntityTrait,
        {
            ById {
                db: db.clone(),
                scope,
                id_of,
            }
        }
        fn by_group<E>(
            db: &DatabaseConnection,
            column: E::Column,
            order: E::Column,
            key_of: fn(&E::Model) -> Uuid,
        ) -> ByGroup<E>
        where
            E: EntityTrait,
        {
            ByGroup {
                db: db.clone(),
                column,
                order,
                tie: None,
                key_of,
            }
        }
        fn with_related<E, R>(
            db: &DatabaseConnection,
            key: E::Column,
            key_of: fn(&E::Model) -> Uuid,
            scope: Option<Condition>,
            relation: fn() -> sea_orm::RelationDef,
            order: Option<E::Column>,
        ) -> WithRelated<E, R>
        where
            E: EntityTrait,
            R: EntityTrait,
        {
            WithRelated {
                db: db.clone(),
                key,
                scope,
                relation,
                order,
                key_of,
                _related: std::marker::PhantomData,
            }
        }
        fn by_id<E: EntityTrait>(db: &DatabaseConnection, id_of: fn(&E::Model) -> Uuid) -> ById<E> {
            scoped(db, None, id_of)
        }
        Self {
            units: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &unit::Model| r.id)
            }),
            documents: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &legal_document::Model| r.id)
            }),
            plans: lazily!(env, caching, |db, scopes, caller| {
                scoped(
                    db,
                    Some(scope::plans_touching(scopes)),
                    |r: &plan::Model| r.id,
                )
            }),
            plans_with_issuer: lazily!(env, caching, |db, scopes, caller| {
                with_related(
                    db,
                    plan::Column::Id,
                    |p: &plan::Model| p.id,
                    Some(scope::plans_touching(scopes)),
                    || plan::Relation::IssuingUnit.def(),
                    None,
                )
            }),
            task_assignments_with_units: lazily!(env, caching, |db, scopes, caller| {
                with_related(
                    db,
                    assignment::Column::TaskId,
                    |a: &assignment::Model| a.task_id,
                    None,
                    || assignment::Relation::Unit.def(),
                    Some(assignment::Column::Id),
                )
            }),
            task_references_with_documents: lazily!(env, caching, |db, scopes, caller| {
                with_related(
                    db,
                    task_legal_reference::Column::TaskId,
                    |r: &task_legal_reference::Model| r.task_id,
                    None,
                    || task_legal_reference::Relation::Document.def(),
                    Some(task_legal_reference::Column::Id),
                )
            }),
            plan_states: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &plan::Model| r.id)
            }),
            tasks: lazily!(env, caching, |db, scopes, caller| {
                scoped(db, Some(scope::visible_tasks(scopes)), |r: &task::Model| {
                    r.id
                })
            }),
            indicators: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &indicator::Model| r.id)
            }),
            task_children: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    task::Column::ParentId,
                    task::Column::SortKey,
                    |t: &task::Model| t.parent_id.unwrap_or_default(),
                )
            }),
            task_assignments: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    assignment::Column::TaskId,
                    assignment::Column::Id,
                    |a: &assignment::Model| a.task_id,
                )
            }),
            task_references: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    task_legal_reference::Column::TaskId,
                    task_legal_reference::Column::Id,
                    |r: &task_legal_reference::Model| r.task_id,
                )
            }),
            plan_recipients: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    plan_recipient::Column::PlanId,
                    plan_recipient::Column::Id,
                    |r: &plan_recipient::Model| r.plan_id,
                )
            }),
            plan_schedules: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    report_schedule::Column::PlanId,
                    report_schedule::Column::DueOn,
                    |s: &report_schedule::Model| s.plan_id,
                )
            }),
            schedule_obligations: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    report_obligation::Column::ScheduleId,
                    report_obligation::Column::Id,
                    |o: &report_obligation::Model| o.schedule_id,
                )
            }),
            report_progress: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    report_task_progress::Column::ReportId,
                    report_task_progress::Column::Id,
                    |e: &report_task_progress::Model| e.report_id,
                )
            }),
            report_values: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    indicator_value::Column::ReportId,
                    indicator_value::Column::Id,
                    |v: &indicator_value::Model| v.report_id,
                )
            }),
            reports: lazily!(env, caching, |db, scopes, caller| {
                scoped(
                    db,
                    Some(scope::reports_of_units(scopes)),
                    |r: &report::Model| r.id,
                )
            }),
            relations_from: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    document_relation::Column::FromDocumentId,
                    document_relation::Column::CreatedAt,
                    |r: &document_relation::Model| r.from_document_id,
                )
            }),
            relations_to: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    document_relation::Column::ToDocumentId,
                    document_relation::Column::CreatedAt,
                    |r: &document_relation::Model| r.to_document_id,
                )
            }),
            reorg_events: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &reorg_event::Model| r.id)
            }),
            reorg_links: lazily!(env, caching, |db, scopes, caller| {
                by_group(
                    db,
                    reorg_event_unit::Column::EventId,
                    reorg_event_unit::Column::Id,
                    |l: &reorg_event_unit::Model| l.event_id,
                )
            }),
            schedules: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &report_schedule::Model| r.id)
            }),
            recipients: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &plan_recipient::Model| r.id)
            }),
            obligations: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &report_obligation::Model| r.id)
            }),
            assignments: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &assignment::Model| r.id)
            }),
            assignment_updates: lazily!(env, caching, |db, scopes, caller| {
                ByGroup {
                    db: db.clone(),
                    column: assignment_update::Column::AssignmentId,
                    order: assignment_update::Column::CreatedAt,
                    tie: Some(assignment_update::Column::Id),
                    key_of: |u: &assignment_update::Model| u.assignment_id,
                }
            }),
            obligation_reports: lazily!(env, caching, |db, scopes, caller| {
                NewestReport {
                    db: db.clone(),
                    scope: scope::reports_of_units(scopes),
                }
            }),
            users: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &user::Model| r.id)
            }),
            clients: lazily!(env, caching, |db, scopes, caller| {
                by_id(db, |r: &api_client::Model| r.id)
            }),
            batches: env.batches.clone(),
            unit_grants: lazily!(env, caching, |db, scopes, caller| {
                ManagedGrants {
                    db: db.clone(),
                    caller: caller.clone(),
                }
            }),
        }
    }
}

/// The rows of a [`WithRelated`] load, after handing the related records to their own loader
/// (`into`), where the nested field finds them without another statement.
pub async fn feeding<M, R>(
    rows: Vec<(M, Option<R::Model>)>,
    into: &ByIdLoader<R>,
    id_of: fn(&R::Model) -> Uuid,
) -> Vec<M>
where
    R: EntityTrait + Send + Sync + 'static,
    R::Model: Clone + Send + Sync + 'static,
{
    let (rows, related): (Vec<M>, Vec<Option<R::Model>>) = rows.into_iter().unzip();
    into.feed_many(related.into_iter().flatten().map(|r| (id_of(&r), r)))
        .await;
    rows
}

/// The rows a group loader found for one key (none is an empty list).
pub fn group<T>(loaded: Result<Option<Vec<T>>, AppError>) -> AppResult<Vec<T>> {
    Ok(loaded.map_err(failed)?.unwrap_or_default())
}

/// A loader's failure as the API's error: the one database mapping (`api/src/error.rs`), so a
/// database that cannot be reached is `SERVICE_UNAVAILABLE` here as everywhere else.
pub fn failed(err: AppError) -> AppError {
    err
}
