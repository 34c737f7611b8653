//! People's accounts: login, the caller's grants, account creation.

use chrono::Utc;
use entity::{Role, role_grant, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::{
    auth::{
        Caller, Grant, password,
        token::{Principal, Verified},
    },
    error::{AppError, AppResult},
};

/// The active user behind a token, with the grants in force now.
pub async fn load_caller(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Option<Caller>> {
    let Some(account) = user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    if !account.active {
        return Ok(None);
    }
    let grants = as_grants(grants_of(db, user_id).await?);
    Ok(Some(Caller {
        user_id: account.id,
        kind: Principal::User,
        username: account.username,
        grants,
        session: None,
        clock: crate::domain::clock::Clock::system(),
    }))
}

/// The caller behind a verified access token: an active user in an open session, or an
/// active API client, judged by `clock`. Deactivation, revocation and logout take effect on
/// the next request.
pub async fn caller_for(
    db: &impl ConnectionTrait,
    token: &Verified,
    clock: crate::domain::clock::Clock,
) -> AppResult<Option<Caller>> {
    let caller = match token.kind {
        Principal::User => {
            let Some(session) = token.session else {
                return Ok(None);
            };
            if !super::sessions::is_open(db, session, token.subject).await? {
                return Ok(None);
            }
            load_caller(db, token.subject).await?.map(|c| Caller {
                session: Some(session),
                ..c
            })
        }
        Principal::Client => super::clients::load_caller(db, token.subject).await?,
    };
    Ok(caller.map(|c| c.on(clock)))
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

/// Grants of a user the caller may look at ([`get_visible`]); `NOT_FOUND` for anyone else.
pub async fn visible_grants_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    user_id: Uuid,
) -> AppResult<Vec<role_grant::Model>> {
    get_visible(db, caller, user_id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    grants_of(db, user_id).await
}

/// Grants of a user as stored (with their ids).
pub async fn grants_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<Vec<role_grant::Model>> {
    grants_where(db, role_grant::Column::UserId.eq(user_id)).await
}

/// Stored grants matching `condition` (a user's or an API client's), in a stable order.
pub async fn grants_where(
    db: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
) -> AppResult<Vec<role_grant::Model>> {
    Ok(role_grant::Entity::find()
        .filter(condition)
        .order_by_asc(role_grant::Column::Id)
        .all(db)
        .await?)
}

/// Stored grants as the caller's grants.
pub fn as_grants(rows: Vec<role_grant::Model>) -> Vec<Grant> {
    rows.into_iter()
        .map(|g| Grant {
            role: g.role,
            scope_unit_id: g.scope_unit_id,
        })
        .collect()
}

/// Usernames compare case-insensitively and without surrounding space.
pub fn normalise_username(username: &str) -> String {
    crate::text::clean(username).to_lowercase()
}

/// Creates an account with grants, for operators (CLI) and seeding. Refuses duplicates.
pub async fn create(
    db: &impl ConnectionTrait,
    username: &str,
    display_name: &str,
    password_text: &str,
    grants: &[(Role, Uuid)],
) -> AppResult<user::Model> {
    crate::text::check("input.username", username, crate::text::Shape::Line)?;
    let username = normalise_username(username);
    if username.is_empty() || username.len() > 64 {
        return Err(AppError::bad_input(
            "input.username",
            "username must have 1 to 64 characters",
        ));
    }
    password::check_policy(&username, password_text)?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "user `{username}` already exists"
        )));
    }
    let display_name = super::planning::required_text("input.displayName", display_name)?;
    let hash = password::hash(password_text.to_owned()).await?;
    let now = Utc::now();
    let account = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username),
        display_name: Set(display_name),
        password_hash: Set(hash),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await?;
    // The same grant listed twice is one grant (the database keeps one per holder).
    for (i, (role, scope)) in grants.iter().enumerate() {
        if grants[..i].contains(&(*role, *scope)) {
            continue;
        }
        role_grant::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(Some(account.id)),
            api_client_id: Set(None),
            role: Set(*role),
            scope_unit_id: Set(*scope),
            origin_grant_id: Set(None),
            reorg_event_id: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(account)
}

pub async fn get_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(normalise_username(username)))
        .one(db)
        .await?)
}

/// A user the caller may look at: itself, or an account inside its power as an administrator.
pub async fn get_visible(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<user::Model>> {
    if caller.person() == Some(id) {
        return get(db, id).await;
    }
    let managed = super::power::Managed::of(db, caller).await?;
    Ok(user::Entity::find_by_id(id)
        .filter(managed.users())
        .one(db)
        .await?)
}

/// Adds a grant to an account (operators' CLI). Refuses a duplicate.
pub async fn add_grant(
    db: &impl ConnectionTrait,
    user: Uuid,
    role: Role,
    scope: Uuid,
) -> AppResult<role_grant::Model> {
    let exists = role_grant::Entity::find()
        .filter(role_grant::Column::UserId.eq(user))
        .filter(role_grant::Column::Role.eq(role))
        .filter(role_grant::Column::ScopeUnitId.eq(scope))
        .one(db)
        .await?;
    if exists.is_some() {
        return Err(AppError::Conflict("this grant exists already".into()));
    }
    Ok(role_grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(Some(user)),
        api_client_id: Set(None),
        role: Set(role),
        scope_unit_id: Set(scope),
        origin_grant_id: Set(None),
        reorg_event_id: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}
