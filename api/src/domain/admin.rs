//! Administration: accounts, grants and partner systems. ADMIN does everything; STEERING
//! manages grants inside its own scope and never hands out ADMIN.

use chrono::Utc;
use entity::{Role, api_client, role_grant, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz, clients, users,
    write::{Writer, check_version},
};
use crate::{
    auth::{Caller, password},
    error::{AppError, AppResult},
};

fn require_admin(caller: &Caller) -> AppResult<()> {
    caller
        .require_any(&[Role::Admin])
        .map_err(|_| AppError::forbidden("only ADMIN manages accounts and partner systems"))
}

/// Who may grant `role` over `scope`: ADMIN anything; STEERING any role but ADMIN, inside its scope.
async fn require_grant_rights(
    db: &impl ConnectionTrait,
    caller: &Caller,
    role: Role,
    scope: Uuid,
) -> AppResult<()> {
    if authz::covers(db, caller, &[Role::Admin], scope).await? {
        return Ok(());
    }
    if role == Role::Admin {
        return Err(AppError::forbidden("only ADMIN grants ADMIN"));
    }
    authz::require(db, caller, &[Role::Steering], scope).await
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
    require_admin(&actor.caller)?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            for (_, scope) in &grants {
                super::planning::load_unit(txn, "input.grants", *scope).await?;
            }
            let created =
                users::create(txn, &username, &display_name, &password_text, &grants).await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "user.create",
                    "User",
                    created.id,
                    grants.first().map(|(_, s)| *s),
                )
                .after(&created),
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
    require_admin(&actor.caller)?;
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
            require_grant_rights(txn, &actor.caller, role, scope).await?;
            let (user_id, client_id) = match to {
                Grantee::User(u) => {
                    users::get(txn, u)
                        .await?
                        .ok_or_else(|| AppError::bad_input("input.userId", "user not found"))?;
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
                        .ok_or_else(|| {
                            AppError::bad_input("input.apiClientId", "API client not found")
                        })?;
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
            require_grant_rights(txn, &actor.caller, grant.role, grant.scope_unit_id).await?;
            role_grant::Entity::delete_by_id(id).exec(txn).await?;
            super::sync::bury(txn, "RoleGrant", id, Some(grant.scope_unit_id)).await?;
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

/// A grant with its id, for listing.
pub async fn grants_of_client(
    db: &impl ConnectionTrait,
    client: Uuid,
) -> AppResult<Vec<role_grant::Model>> {
    users::grants_where(db, role_grant::Column::ApiClientId.eq(client)).await
}

pub async fn create_client(
    w: &Writer,
    actor: &Actor,
    name: String,
    grants: Vec<(Role, Uuid)>,
) -> AppResult<clients::Credentials> {
    require_admin(&actor.caller)?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            for (_, scope) in &grants {
                super::planning::load_unit(txn, "input.grants", *scope).await?;
            }
            let creds = clients::create(txn, &name, &grants).await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "client.create",
                    "ApiClient",
                    creds.client.id,
                    grants.first().map(|(_, s)| *s),
                )
                .after(&creds.client),
            )
            .await?;
            Ok(creds)
        })
    })
    .await
}

pub async fn rotate_client(w: &Writer, actor: &Actor, id: Uuid) -> AppResult<clients::Credentials> {
    require_admin(&actor.caller)?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
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
    require_admin(&actor.caller)?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
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
    require_admin(caller)?;
    let mut cond = Condition::all();
    if let Some(q) = search {
        let q = crate::text::like_pattern(&q.trim().to_lowercase());
        cond = cond.add(
            Condition::any()
                .add(user::Column::Username.like(q.clone()))
                .add(user::Column::DisplayName.like(q)),
        );
    }
    Ok(user::Entity::find()
        .filter(cond)
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?)
}

pub async fn list_clients(
    db: &impl ConnectionTrait,
    caller: &Caller,
) -> AppResult<Vec<api_client::Model>> {
    require_admin(caller)?;
    Ok(api_client::Entity::find()
        .order_by_asc(api_client::Column::Name)
        .all(db)
        .await?)
}
