//! Partner systems (API clients): credentials for the OAuth 2.0 client-credentials grant.

use chrono::Utc;
use entity::{Role, api_client, role_grant};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::sessions::{hash_secret, random_secret};
use crate::{
    auth::{Caller, token::Principal},
    error::{AppError, AppResult},
};

/// A client and its secret, shown this once.
pub struct Credentials {
    pub client: api_client::Model,
    pub secret: String,
}

/// The active client behind a token, with its grants.
pub async fn load_caller(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Caller>> {
    let Some(client) = api_client::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if !client.active {
        return Ok(None);
    }
    let grants = super::users::as_grants(
        super::users::grants_where(db, role_grant::Column::ApiClientId.eq(id)).await?,
    );
    Ok(Some(Caller {
        user_id: client.id,
        kind: Principal::Client,
        username: client.name,
        grants,
        session: None,
        clock: crate::domain::clock::Clock::system(),
    }))
}

/// The client whose id and secret match, if it is active. Unknown ids cost the same hashing
/// as wrong secrets.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    client_id: &str,
    secret: &str,
) -> AppResult<Option<api_client::Model>> {
    let presented = hash_secret(secret);
    let found = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(client_id))
        .one(db)
        .await?;
    Ok(found
        .filter(|c| c.active && constant_time_eq(c.secret_hash.as_bytes(), presented.as_bytes())))
}

/// [`authenticate`] for the token endpoint, audited: `client.token` by the partner system, or
/// `client.token_failed` by nobody, naming the client whose id was given when one has it.
pub async fn sign_in(
    w: &super::write::Writer,
    client_id: &str,
    secret: &str,
    origin: super::audit::Origin,
) -> AppResult<Option<api_client::Model>> {
    use super::audit::{self, Change, SignedIn};
    let found = authenticate(&w.db, client_id, secret).await?;
    let (who, action, id) = match &found {
        Some(c) => (SignedIn::Partner(c.id), "client.token", c.id),
        None => {
            let tried = api_client::Entity::find()
                .filter(api_client::Column::ClientId.eq(client_id))
                .one(&w.db)
                .await?
                .map_or(Uuid::nil(), |c| c.id);
            (SignedIn::Anonymous, "client.token_failed", tried)
        }
    };
    w.transaction(move |txn| {
        Box::pin(async move {
            audit::record_sign_in(txn, who, &origin, Change::of(action, "ApiClient", id, None))
                .await
        })
    })
    .await?;
    Ok(found)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Creates a client with grants; the secret is returned once and stored hashed.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    grants: &[(Role, Uuid)],
) -> AppResult<Credentials> {
    let name = crate::text::parse_line("input.name", name)?;
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::bad_input(
            "input.name",
            "a client needs a name of 1 to 200 characters",
        ));
    }
    if grants.iter().any(|(r, _)| *r == Role::Admin) {
        return Err(AppError::bad_input(
            "input.grants",
            "a partner system cannot be an administrator",
        ));
    }
    let secret = random_secret("qcdc_cs_");
    let now = Utc::now();
    let client = api_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        client_id: Set(random_secret("qcdc_ci_").chars().take(32).collect()),
        secret_hash: Set(hash_secret(&secret)),
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
            user_id: Set(None),
            api_client_id: Set(Some(client.id)),
            role: Set(*role),
            scope_unit_id: Set(*scope),
            origin_grant_id: Set(None),
            reorg_event_id: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(Credentials { client, secret })
}

/// Issues a new secret; the old one stops working at once.
pub async fn rotate(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Credentials> {
    let client = api_client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("API client"))?;
    let secret = random_secret("qcdc_cs_");
    let version = client.version;
    let mut am: api_client::ActiveModel = client.into();
    am.secret_hash = Set(hash_secret(&secret));
    am.version = Set(version + 1);
    am.updated_at = Set(Utc::now());
    let client = am.update(db).await?;
    Ok(Credentials { client, secret })
}

/// Revokes a client: its tokens stop working on the next request.
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> AppResult<api_client::Model> {
    let client = api_client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("API client"))?;
    let version = client.version;
    let mut am: api_client::ActiveModel = client.into();
    am.active = Set(false);
    am.version = Set(version + 1);
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}
