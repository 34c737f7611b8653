//! Sign-in sessions of people: a short-lived access token plus a single-use refresh token
//! that rotates on every use. Replaying a used refresh token revokes the whole session, since
//! only a thief and the rightful holder can both hold it.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::{refresh_token, session, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{users, write::Writer};
use crate::{
    auth::{
        password,
        token::{Principal, TokenKeys},
    },
    error::{AppError, AppResult},
};

/// What signing in or refreshing returns.
pub struct Tokens {
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

/// Longest username or password accepted, so hashing cost stays bounded.
const MAX_CREDENTIAL_LENGTH: usize = 256;

/// A random, URL-safe secret with a recognisable prefix.
pub fn random_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Secrets that are random and long are stored as SHA-256: a slow hash buys nothing there.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn new_refresh_token(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    session: Uuid,
) -> AppResult<(String, DateTime<Utc>)> {
    let token = random_secret("qcdc_rt_");
    let now = Utc::now();
    let expires_at =
        now + chrono::Duration::from_std(keys.refresh_ttl()).map_err(AppError::internal)?;
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session),
        token_hash: Set(hash_secret(&token)),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok((token, expires_at))
}

fn access_for(keys: &TokenKeys, user: Uuid, session: Uuid) -> AppResult<(String, DateTime<Utc>)> {
    let issued = keys
        .issue(user, Principal::User, Some(session))
        .map_err(AppError::internal)?;
    Ok((issued.token, issued.expires_at))
}

/// Checks credentials and opens a session. Unknown users, inactive users and wrong passwords
/// get the same answer after the same work.
pub async fn login(
    w: &Writer,
    keys: &TokenKeys,
    username: &str,
    password_text: &str,
) -> AppResult<Tokens> {
    if username.len() > MAX_CREDENTIAL_LENGTH || password_text.len() > MAX_CREDENTIAL_LENGTH {
        return Err(AppError::Unauthenticated);
    }
    let account = users::get_by_username(&w.db, username).await?;
    let stored = account.as_ref().map(|u| u.password_hash.clone());
    let verified = password::verify(password_text.to_owned(), stored).await?;
    let account = match account {
        Some(u) if verified && u.active => u,
        _ => return Err(AppError::Unauthenticated),
    };
    let keys = keys.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let session = session::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(account.id),
                revoked_at: Set(None),
                created_at: Set(Utc::now()),
            }
            .insert(txn)
            .await?;
            let (refresh_token, refresh_expires_at) =
                new_refresh_token(txn, &keys, session.id).await?;
            let (access_token, expires_at) = access_for(&keys, account.id, session.id)?;
            Ok(Tokens {
                access_token,
                expires_at,
                refresh_token,
                refresh_expires_at,
            })
        })
    })
    .await
}

/// Exchanges a refresh token for a new pair. The old one stops working; presenting a used
/// one again revokes the session.
pub async fn refresh(w: &Writer, keys: &TokenKeys, token: &str) -> AppResult<Tokens> {
    let hash = hash_secret(token.trim());
    let keys = keys.clone();
    let outcome = w
        .transaction(move |txn| {
            Box::pin(async move {
                let Some(row) = refresh_token::Entity::find()
                    .filter(refresh_token::Column::TokenHash.eq(&hash))
                    .one(txn)
                    .await?
                else {
                    return Ok(Err(()));
                };
                let now = Utc::now();
                let session = session::Entity::find_by_id(row.session_id).one(txn).await?;
                let Some(session) = session.filter(|s| s.revoked_at.is_none()) else {
                    return Ok(Err(()));
                };
                // Claim the token atomically: of two concurrent uses, one wins.
                let claimed = refresh_token::Entity::update_many()
                    .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
                    .filter(refresh_token::Column::Id.eq(row.id))
                    .filter(refresh_token::Column::UsedAt.is_null())
                    .exec(txn)
                    .await?
                    .rows_affected
                    == 1;
                if !claimed {
                    revoke_session(txn, session.id).await?;
                    return Ok(Err(()));
                }
                let active = user::Entity::find_by_id(session.user_id)
                    .one(txn)
                    .await?
                    .is_some_and(|u| u.active);
                if row.expires_at <= now || !active {
                    return Ok(Err(()));
                }
                let (refresh_token, refresh_expires_at) =
                    new_refresh_token(txn, &keys, session.id).await?;
                let (access_token, expires_at) = access_for(&keys, session.user_id, session.id)?;
                Ok(Ok(Tokens {
                    access_token,
                    expires_at,
                    refresh_token,
                    refresh_expires_at,
                }))
            })
        })
        .await?;
    // A replay's revocation is committed above; only then is the caller refused.
    outcome.map_err(|()| AppError::Unauthenticated)
}

async fn revoke_session(db: &impl ConnectionTrait, session: Uuid) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(session::Column::Id.eq(session))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a session: its access and refresh tokens stop working at once.
pub async fn logout(w: &Writer, session: Uuid) -> AppResult<()> {
    w.transaction(move |txn| Box::pin(async move { revoke_session(txn, session).await }))
        .await
}

/// Whether a session is open for `user`.
pub async fn is_open(db: &impl ConnectionTrait, session: Uuid, user: Uuid) -> AppResult<bool> {
    Ok(session::Entity::find_by_id(session)
        .filter(session::Column::UserId.eq(user))
        .filter(session::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .is_some())
}
