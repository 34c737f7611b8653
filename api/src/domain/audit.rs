//! The audit log: every mutation records who did what to which record, before and after.

use chrono::{DateTime, Utc};
use entity::{ActorKind, audit_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    authz,
    page::{self, Keyed, Page, PageArgs},
    scope,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

impl Keyed for audit_event::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Where a change came from, for the log: the request's id and the client's address (behind a
/// trusted proxy, the address the proxy names; `http::client_address`).
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub request_id: Option<String>,
    pub client_address: Option<std::net::IpAddr>,
}

/// Who acts, and from where.
#[derive(Clone, Debug)]
pub struct Actor {
    pub caller: Caller,
    pub origin: Origin,
}

impl Actor {
    /// What kind of principal acts: the one rule every audit event's `actor_kind` comes from.
    /// A partner system's token is a client's; a person's names its account; the command
    /// line is the caller with no account ([`command_line`]).
    pub fn kind(&self) -> ActorKind {
        if self.caller.client().is_some() {
            ActorKind::Partner
        } else if self.caller.person().is_some() {
            ActorKind::User
        } else {
            ActorKind::CommandLine
        }
    }
}

/// The operator's command line: no account behind it (audit rows name no actor), with ADMIN
/// over every root of the tree, so it passes the same checks as everyone else.
pub async fn command_line(db: &impl ConnectionTrait) -> AppResult<Actor> {
    use sea_orm::QuerySelect;
    let roots: Vec<Uuid> = entity::unit::Entity::find()
        .select_only()
        .column(entity::unit::Column::Id)
        .filter(entity::unit::Column::ParentId.is_null())
        .into_tuple::<Uuid>()
        .all(db)
        .await?;
    Ok(Actor {
        caller: Caller::system(
            roots
                .into_iter()
                .map(|scope_unit_id| crate::auth::caller::Grant {
                    role: entity::Role::Admin,
                    scope_unit_id,
                })
                .collect(),
        ),
        origin: Origin::default(),
    })
}

/// One change to record; `before` and `after` are JSON snapshots of the record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    /// A change of `action` to one record; add its snapshots with `before` and `after`.
    pub fn of(
        action: &'a str,
        entity_type: &'a str,
        entity_id: Uuid,
        unit_id: Option<Uuid>,
    ) -> Self {
        Self {
            action,
            entity_type,
            entity_id,
            unit_id,
            before: None,
            after: None,
        }
    }

    /// The record as it was.
    pub fn before(mut self, record: &impl Serialize) -> Self {
        self.before = snapshot(record);
        self
    }

    /// The record as it is now.
    pub fn after(mut self, record: &impl Serialize) -> Self {
        self.after = snapshot(record);
        self
    }
}

/// A JSON snapshot of a record for the log.
pub fn snapshot(record: &impl Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(record).ok()
}

/// Appends an audit event inside the caller's transaction.
pub async fn record(db: &impl ConnectionTrait, actor: &Actor, change: Change<'_>) -> AppResult<()> {
    let who = match actor.kind() {
        ActorKind::Partner => SignedIn::Partner(actor.caller.user_id),
        ActorKind::User => SignedIn::User(actor.caller.user_id),
        ActorKind::CommandLine | ActorKind::Anonymous => SignedIn::CommandLine,
    };
    insert(db, who, &actor.origin, change).await
}

/// Who a sign-in event names: the person or partner system that signed in, nobody for a
/// failed attempt (the account tried, if any, is the event's record), or the command line.
#[derive(Clone, Copy, Debug)]
pub enum SignedIn {
    User(Uuid),
    Partner(Uuid),
    CommandLine,
    Anonymous,
}

/// Records a sign-in (`session.login`, `session.refresh`, `client.token`) or a failed one
/// (`….failed`), in the caller's transaction; `change.entity_id` is the account or client
/// (nil when the name matched none), never the secret tried.
pub async fn record_sign_in(
    db: &impl ConnectionTrait,
    who: SignedIn,
    origin: &Origin,
    change: Change<'_>,
) -> AppResult<()> {
    insert(db, who, origin, change).await
}

async fn insert(
    db: &impl ConnectionTrait,
    who: SignedIn,
    origin: &Origin,
    change: Change<'_>,
) -> AppResult<()> {
    let (kind, user, client) = match who {
        SignedIn::User(id) => (ActorKind::User, Some(id), None),
        SignedIn::Partner(id) => (ActorKind::Partner, None, Some(id)),
        SignedIn::CommandLine => (ActorKind::CommandLine, None, None),
        SignedIn::Anonymous => (ActorKind::Anonymous, None, None),
    };
    let now = Utc::now();
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(now),
        actor_kind: Set(kind),
        actor_user_id: Set(user),
        actor_client_id: Set(client),
        action: Set(change.action.to_owned()),
        entity_type: Set(change.entity_type.to_owned()),
        entity_id: Set((!change.entity_id.is_nil()).then_some(change.entity_id)),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
        request_id: Set(origin.request_id.clone()),
        client_address: Set(origin.client_address.map(|a| a.to_string())),
        unit_id: Set(change.unit_id),
        sort_key: Set(sort_key(now)),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Newest first.
fn sort_key(at: DateTime<Utc>) -> String {
    format!("{:020}", i64::MAX - at.timestamp_micros())
}

/// Filters of `auditEvents`.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor: Option<Uuid>,
    pub actor_kinds: Option<Vec<ActorKind>>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The log, newest first: ADMIN and STEERING only, each within its scope.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &AuditFilter,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<audit_event::Model>> {
    let scopes = caller.scopes_for(authz::STEERING);
    if scopes.is_empty() {
        return Err(AppError::forbidden(
            "only ADMIN and STEERING read the audit log",
        ));
    }
    // Only an ADMIN of the root reads the whole log, account changes that belong to no unit
    // included; everyone else reads the events of units that were in its subtrees when they
    // happened.
    let mut cond = Condition::all();
    if !super::power::is_global_admin(db, caller).await? {
        cond = cond.add(sea_orm::sea_query::Expr::exists(scope::under_when(
            &scopes,
            sea_orm::sea_query::Expr::col((audit_event::Entity, audit_event::Column::UnitId)),
            sea_orm::sea_query::Expr::col((audit_event::Entity, audit_event::Column::At)),
        )));
    }
    if let Some(t) = &filter.entity_type {
        cond = cond.add(audit_event::Column::EntityType.eq(t.as_str()));
    }
    if let Some(id) = filter.entity_id {
        cond = cond.add(audit_event::Column::EntityId.eq(id));
    }
    if let Some(actor) = filter.actor {
        cond = cond.add(audit_event::Column::ActorUserId.eq(actor));
    }
    if let Some(kinds) = &filter.actor_kinds {
        cond = cond.add(audit_event::Column::ActorKind.is_in(kinds.iter().copied()));
    }
    if let Some(action) = &filter.action {
        cond = cond.add(audit_event::Column::Action.eq(action.as_str()));
    }
    if let Some(from) = filter.from {
        cond = cond.add(audit_event::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        cond = cond.add(audit_event::Column::At.lte(to));
    }
    page::fetch(
        db,
        audit_event::Entity::find().filter(cond),
        audit_event::Column::SortKey,
        audit_event::Column::Id,
        args,
        count,
    )
    .await
}
