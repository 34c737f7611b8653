//! Administration: accounts, grants and partner systems. ADMIN manages accounts and partner
//! systems inside its scope; STEERING gives and takes grants inside its scope, below its rank.
//! Every operation asks `power` whether the target lies inside the caller's power.

use chrono::Utc;
use entity::{Role, api_client, role_grant, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    clients,
    power::{self, ACCOUNT_MANAGERS, GRANT_MANAGERS},
    users,
    write::{Writer, check_version},
};
use crate::{
    auth::{Caller, password},
    error::{AppError, AppResult},
};

async fn require_manages_user(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<()> {
    power::require_manages(
        db,
        caller,
        ACCOUNT_MANAGERS,
        role_grant::Column::UserId,
        id,
        "user",
    )
    .await
}

async fn require_manages_client(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<()> {
    api_client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("API client"))?;
    power::require_manages(
        db,
        caller,
        ACCOUNT_MANAGERS,
        role_grant::Column::ApiClientId,
        id,
        "API client",
    )
    .await
}

/// Which principal a grant goes to.
#[derive(Clone, Copy, Debug)]
pub enum Grantee {
    User(Uuid),
    Client(Uuid),
}

pub async fn create_user(
    w: &Writer,
    actor: &Actor,
    username: String,
    display_name: String,
    password_text: String,
    grants: Vec<(Role, Uuid)>,
) -> AppResult<user::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            for (_, scope) in &grants {
                super::planning::load_unit(txn, "input.grants", *scope).await?;
            }
            power::require_covers(txn, &actor.caller, ACCOUNT_MANAGERS, &grants).await?;
            let created =
                users::create(txn, &username, &display_name, &password_text, &grants).await?;
            audit::record(
                txn,
                &actor,
                // Account events belong to no unit: only a global ADMIN reads them, so the log
                // never names an account outside a district administrator's power.
                Change::of("user.create", "User", created.id, None).after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

pub async fn update_user(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: UserPatch,
) -> AppResult<user::Model> {
    // Before the expensive hashing, so nobody can make the server hash for accounts it may
    // not touch.
    require_manages_user(&w.db, &actor.caller, id).await?;
    let hash = match &patch.password {
        Some(p) => {
            let account = users::get(&w.db, id)
                .await?
                .ok_or(AppError::NotFound("user"))?;
            password::check_policy(&account.username, p)?;
            Some(password::hash(p.clone()).await?)
        }
        None => None,
    };
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = users::get(txn, id)
                .await?
                .ok_or(AppError::NotFound("user"))?;
            // Again inside the transaction: a grant given meanwhile may have put it out of reach.
            require_manages_user(txn, &actor.caller, id).await?;
            check_version(before.version, version)?;
            let mut am = before.clone().into_active_model();
            if let Some(name) = &patch.display_name {
                am.display_name = Set(super::planning::required_text("input.displayName", name)?);
            }
            if let Some(active) = patch.active {
                am.active = Set(active);
            }
            if let Some(h) = hash {
                am.password_hash = Set(h);
            }
            let after = super::write::save_versioned!(txn, user, am, version, Utc::now());
            if patch.active == Some(false) || patch.password.is_some() {
                // Deactivation and password resets end every open session of the account.
                entity::session::Entity::update_many()
                    .col_expr(
                        entity::session::Column::RevokedAt,
                        sea_orm::sea_query::Expr::value(Utc::now()),
                    )
                    .filter(entity::session::Column::UserId.eq(id))
                    .filter(entity::session::Column::RevokedAt.is_null())
                    .exec(txn)
                    .await?;
            }
            audit::record(
                txn,
                &actor,
                Change::of(
                    if patch.password.is_some() {
                        "user.resetPassword"
                    } else {
                        "user.update"
                    },
                    "User",
                    id,
                    None,
                )
                .before(&before)
                .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

pub async fn grant(
    w: &Writer,
    actor: &Actor,
    to: Grantee,
    role: Role,
    scope: Uuid,
) -> AppResult<role_grant::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            super::planning::load_unit(txn, "input.scopeUnitId", scope).await?;
            power::require_covers(txn, &actor.caller, GRANT_MANAGERS, &[(role, scope)]).await?;
            let (user_id, client_id) = match to {
                Grantee::User(u) => {
                    users::get(txn, u)
                        .await?
                        .ok_or(AppError::NotFound("user"))?;
                    // Nobody adds to the power of a principal stronger than themselves.
                    power::require_manages(
                        txn,
                        &actor.caller,
                        GRANT_MANAGERS,
                        role_grant::Column::UserId,
                        u,
                        "user",
                    )
                    .await?;
                    (Some(u), None)
                }
                Grantee::Client(c) => {
                    if role == Role::Admin {
                        return Err(AppError::bad_input(
                            "input.role",
                            "a partner system cannot be an administrator",
                        ));
                    }
                    api_client::Entity::find_by_id(c)
                        .one(txn)
                        .await?
                        .ok_or(AppError::NotFound("API client"))?;
                    power::require_manages(
                        txn,
                        &actor.caller,
                        GRANT_MANAGERS,
                        role_grant::Column::ApiClientId,
                        c,
                        "API client",
                    )
                    .await?;
                    (None, Some(c))
                }
            };
            let exists = role_grant::Entity::find()
                .filter(match to {
                    Grantee::User(u) => role_grant::Column::UserId.eq(u),
                    Grantee::Client(c) => role_grant::Column::ApiClientId.eq(c),
                })
                .filter(role_grant::Column::Role.eq(role))
                .filter(role_grant::Column::ScopeUnitId.eq(scope))
                .one(txn)
                .await?;
            if exists.is_some() {
                return Err(AppError::Conflict("this grant exists already".into()));
            }
            let created = role_grant::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user_id),
                api_client_id: Set(client_id),
                role: Set(role),
                scope_unit_id: Set(scope),
                origin_grant_id: Set(None),
                reorg_event_id: Set(None),
                created_at: Set(Utc::now()),
            }
            .insert(txn)
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of("grant.create", "RoleGrant", created.id, Some(scope)).after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Revokes a grant; it stops counting on the holder's next request.
pub async fn revoke_grant(w: &Writer, actor: &Actor, id: Uuid) -> AppResult<role_grant::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let grant = role_grant::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(AppError::NotFound("grant"))?;
            let (holder, holder_id) = match (grant.user_id, grant.api_client_id) {
                (Some(u), _) => (role_grant::Column::UserId, u),
                (None, Some(c)) => (role_grant::Column::ApiClientId, c),
                (None, None) => return Err(AppError::NotFound("grant")),
            };
            // The grant and its holder both lie inside the caller's power, or the grant is
            // answered as unknown.
            power::require_manages(
                txn,
                &actor.caller,
                GRANT_MANAGERS,
                holder,
                holder_id,
                "grant",
            )
            .await?;
            role_grant::Entity::delete_by_id(id).exec(txn).await?;
            super::sync::bury(
                txn,
                "RoleGrant",
                id,
                super::sync::Audience {
                    unit: Some(grant.scope_unit_id),
                    plan: None,
                },
            )
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of("grant.revoke", "RoleGrant", id, Some(grant.scope_unit_id))
                    .before(&grant),
            )
            .await?;
            Ok(grant)
        })
    })
    .await
}

/// The grants of a partner system the caller manages, with their ids.
pub async fn grants_of_client(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client: Uuid,
) -> AppResult<Vec<role_grant::Model>> {
    require_manages_client(db, caller, client).await?;
    users::grants_where(db, role_grant::Column::ApiClientId.eq(client)).await
}

pub async fn create_client(
    w: &Writer,
    actor: &Actor,
    name: String,
    grants: Vec<(Role, Uuid)>,
) -> AppResult<clients::Credentials> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            for (_, scope) in &grants {
                super::planning::load_unit(txn, "input.grants", *scope).await?;
            }
            power::require_covers(txn, &actor.caller, ACCOUNT_MANAGERS, &grants).await?;
            let creds = clients::create(txn, &name, &grants).await?;
            audit::record(
                txn,
                &actor,
                Change::of("client.create", "ApiClient", creds.client.id, None)
                    .after(&creds.client),
            )
            .await?;
            Ok(creds)
        })
    })
    .await
}

pub async fn rotate_client(w: &Writer, actor: &Actor, id: Uuid) -> AppResult<clients::Credentials> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            require_manages_client(txn, &actor.caller, id).await?;
            let creds = clients::rotate(txn, id).await?;
            audit::record(
                txn,
                &actor,
                Change::of("client.rotateSecret", "ApiClient", id, None).after(&creds.client),
            )
            .await?;
            Ok(creds)
        })
    })
    .await
}

pub async fn revoke_client(w: &Writer, actor: &Actor, id: Uuid) -> AppResult<api_client::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            require_manages_client(txn, &actor.caller, id).await?;
            let client = clients::revoke(txn, id).await?;
            audit::record(
                txn,
                &actor,
                Change::of("client.revoke", "ApiClient", id, None).after(&client),
            )
            .await?;
            Ok(client)
        })
    })
    .await
}

/// Accounts, for ADMIN: optionally only those matching `search` (username or name).
pub async fn list_users(
    db: &impl ConnectionTrait,
    caller: &Caller,
    search: Option<&str>,
) -> AppResult<Vec<user::Model>> {
    let managed = power::Managed::of(db, caller).await?;
    managed.require_any()?;
    let accounts = user::Entity::find()
        .filter(managed.users())
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?;
    let Some(q) = search else {
        return Ok(accounts);
    };
    // The same match as every other search (`text::search_terms`): each word, case- and
    // diacritic-insensitive, `_` and `%` literal. Accounts carry no folded column, and the
    // list is the caller's managed accounts, which it reads whole anyway.
    super::check_search_length("search", q)?;
    Ok(accounts
        .into_iter()
        .filter(|u| crate::text::matches_search(q, &format!("{} {}", u.username, u.display_name)))
        .collect())
}

pub async fn list_clients(
    db: &impl ConnectionTrait,
    caller: &Caller,
) -> AppResult<Vec<api_client::Model>> {
    let managed = power::Managed::of(db, caller).await?;
    managed.require_any()?;
    Ok(api_client::Entity::find()
        .filter(managed.clients())
        .order_by_asc(api_client::Column::Name)
        .all(db)
        .await?)
}
