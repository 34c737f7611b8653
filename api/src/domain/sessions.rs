//! Sign-in sessions of people: a short-lived access token plus a single-use refresh token
//! that rotates on every use. Within a short reuse window the same refresh token returns the
//! same new pair (retries on weak networks, two tabs); replaying it later revokes the whole
//! session, since only a thief and the rightful holder can both hold it.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::{refresh_token, session, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    audit::{self, Change, SignedIn},
    users,
    write::Writer,
};
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

/// Stores a new refresh token of `session`, issued at `now` (whole seconds, so a retry can
/// reproduce the pair exactly); returns its row and secret.
async fn new_refresh_token(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    session: Uuid,
    now: DateTime<Utc>,
) -> AppResult<(refresh_token::Model, String)> {
    let token = random_secret(REFRESH_PREFIX);
    let expires_at =
        now + chrono::Duration::from_std(keys.refresh_ttl()).map_err(AppError::internal)?;
    let row = refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session),
        token_hash: Set(hash_secret(&token)),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        successor_id: Set(None),
        successor_sealed: Set(None),
    }
    .insert(db)
    .await?;
    Ok((row, token))
}

const REFRESH_PREFIX: &str = "qcdc_rt_";

/// The pair a refresh token row stands for: the access token issued with it (the same bytes
/// every time, from its issue time) and its secret.
fn pair_of(
    keys: &TokenKeys,
    user: Uuid,
    row: &refresh_token::Model,
    secret: String,
) -> AppResult<Tokens> {
    let issued = keys
        .issue_at(user, Principal::User, Some(row.session_id), row.created_at)
        .map_err(AppError::internal)?;
    Ok(Tokens {
        access_token: issued.token,
        expires_at: issued.expires_at,
        refresh_token: secret,
        refresh_expires_at: row.expires_at,
    })
}

/// Now, in whole seconds: what a token's issue time is stored as.
fn this_second() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::<Utc>::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// The one-time pad that seals a successor's secret: SHA-256 of the presented token under a
/// label of its own. Only the holder of the presented token can derive it (the database keeps
/// that token's plain SHA-256, from which the pad does not follow), and each token seals one
/// successor, so the pad is never reused.
fn seal_pad(presented: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"qcdc refresh successor v1\0");
    h.update(presented.as_bytes());
    h.finalize().into()
}

/// `successor`'s 32 random bytes XOR the pad of `presented`, hex; `None` if `successor` is not
/// a refresh token this module made.
fn seal(presented: &str, successor: &str) -> Option<String> {
    let raw = URL_SAFE_NO_PAD
        .decode(successor.strip_prefix(REFRESH_PREFIX)?)
        .ok()?;
    let pad = seal_pad(presented);
    (raw.len() == pad.len()).then(|| {
        raw.iter()
            .zip(pad)
            .map(|(b, p)| format!("{:02x}", b ^ p))
            .collect()
    })
}

/// The successor's secret from its seal and the presented token.
fn unseal(presented: &str, sealed: &str) -> Option<String> {
    if sealed.len() != 64 || !sealed.is_ascii() {
        return None;
    }
    let pad = seal_pad(presented);
    let mut raw = [0u8; 32];
    for (i, byte) in raw.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&sealed[2 * i..2 * i + 2], 16).ok()? ^ pad[i];
    }
    Some(format!("{REFRESH_PREFIX}{}", URL_SAFE_NO_PAD.encode(raw)))
}

/// Checks credentials and opens a session. Unknown users, inactive users and wrong passwords
/// get the same answer after the same work. Every attempt is audited: `session.login` by the
/// person, or `session.login_failed` by nobody, naming the account tried when it exists.
pub async fn login(
    w: &Writer,
    keys: &TokenKeys,
    username: &str,
    password_text: &str,
    origin: super::audit::Origin,
) -> AppResult<Tokens> {
    if username.len() > MAX_CREDENTIAL_LENGTH || password_text.len() > MAX_CREDENTIAL_LENGTH {
        return Err(AppError::Unauthenticated);
    }
    let account = users::get_by_username(&w.db, username).await?;
    let stored = account.as_ref().map(|u| u.password_hash.clone());
    let verified = password::verify(password_text.to_owned(), stored).await?;
    let account = match account {
        Some(u) if verified && u.active => u,
        other => {
            let tried = other.map_or(Uuid::nil(), |u| u.id);
            w.transaction(move |txn| {
                Box::pin(async move {
                    audit::record_sign_in(
                        txn,
                        SignedIn::Anonymous,
                        &origin,
                        Change::of("session.login_failed", "User", tried, None),
                    )
                    .await
                })
            })
            .await?;
            return Err(AppError::Unauthenticated);
        }
    };
    let keys = keys.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let now = this_second();
            let session = session::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(account.id),
                revoked_at: Set(None),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            let (row, secret) = new_refresh_token(txn, &keys, session.id, now).await?;
            audit::record_sign_in(
                txn,
                SignedIn::User(account.id),
                &origin,
                Change::of("session.login", "User", account.id, None),
            )
            .await?;
            pair_of(&keys, account.id, &row, secret)
        })
    })
    .await
}

/// What presenting a refresh token came to.
pub enum Refreshed {
    /// A new pair; or, within the reuse window, the pair this token was already exchanged for.
    Tokens(Tokens),
    /// Refused. `ended` names the person whose session the replay ended (a used token
    /// presented after the reuse window): their open connections must hear of it.
    Refused { ended: Option<Uuid> },
}

/// Exchanges a refresh token for a new pair. The old one stops working, except that within the
/// reuse window (`TokenKeys::refresh_reuse_window`, README "Configuration") presenting it again
/// returns the same pair, so two tabs refreshing at once or a retry after a lost answer keep
/// the session. Presenting a used token after the window revokes the session: only a thief and
/// the rightful holder can both hold it.
///
/// Race-free on both databases: the token is claimed by a conditional update (`used_at IS
/// NULL`) in the transaction that stores the successor, so of two concurrent uses one claims it
/// and the other, which waits for that row (PostgreSQL's row lock; SQLite's single writer),
/// reads the committed successor and returns the same pair.
pub async fn refresh(
    w: &Writer,
    keys: &TokenKeys,
    token: &str,
    origin: super::audit::Origin,
) -> AppResult<Refreshed> {
    let presented = token.trim().to_owned();
    let hash = hash_secret(&presented);
    let keys = keys.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let refused = Refreshed::Refused { ended: None };
            let Some(row) = refresh_token::Entity::find()
                .filter(refresh_token::Column::TokenHash.eq(&hash))
                .one(txn)
                .await?
            else {
                return Ok(refused);
            };
            let now = this_second();
            let session = session::Entity::find_by_id(row.session_id).one(txn).await?;
            let Some(session) = session.filter(|s| s.revoked_at.is_none()) else {
                return Ok(refused);
            };
            let active = user::Entity::find_by_id(session.user_id)
                .one(txn)
                .await?
                .is_some_and(|u| u.active);
            if !active {
                return Ok(refused);
            }
            // Claim the token atomically: of two concurrent uses, one wins.
            let claimed = refresh_token::Entity::update_many()
                .col_expr(refresh_token::Column::UsedAt, Expr::value(Utc::now()))
                .filter(refresh_token::Column::Id.eq(row.id))
                .filter(refresh_token::Column::UsedAt.is_null())
                .exec(txn)
                .await?
                .rows_affected
                == 1;
            if claimed {
                if row.expires_at <= now {
                    return Ok(refused);
                }
                let (next, secret) = new_refresh_token(txn, &keys, session.id, now).await?;
                let sealed = seal(&presented, &secret)
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("unsealable token")))?;
                refresh_token::Entity::update_many()
                    .col_expr(refresh_token::Column::SuccessorId, Expr::value(next.id))
                    .col_expr(refresh_token::Column::SuccessorSealed, Expr::value(sealed))
                    .filter(refresh_token::Column::Id.eq(row.id))
                    .exec(txn)
                    .await?;
                audit::record_sign_in(
                    txn,
                    SignedIn::User(session.user_id),
                    &origin,
                    Change::of("session.refresh", "User", session.user_id, None),
                )
                .await?;
                return Ok(Refreshed::Tokens(pair_of(
                    &keys,
                    session.user_id,
                    &next,
                    secret,
                )?));
            }
            // Used before: read it again, as the claim that won committed it.
            if let Some(pair) = reuse(txn, &keys, &presented, row.id, session.user_id).await? {
                return Ok(Refreshed::Tokens(pair));
            }
            revoke_session(txn, session.id).await?;
            audit::record_sign_in(
                txn,
                SignedIn::Anonymous,
                &origin,
                Change::of("session.refresh_replayed", "User", session.user_id, None),
            )
            .await?;
            // The revocation commits with this transaction; only then is the caller refused.
            Ok(Refreshed::Refused {
                ended: Some(session.user_id),
            })
        })
    })
    .await
}

/// The pair a used token was exchanged for, if it was used within the reuse window and its
/// successor is still unused and unexpired.
async fn reuse(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    presented: &str,
    id: Uuid,
    user: Uuid,
) -> AppResult<Option<Tokens>> {
    let Some(used) = refresh_token::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let window =
        chrono::Duration::from_std(keys.refresh_reuse_window()).map_err(AppError::internal)?;
    let (Some(used_at), Some(next_id), Some(sealed)) = (
        used.used_at,
        used.successor_id,
        used.successor_sealed.as_deref(),
    ) else {
        return Ok(None);
    };
    if Utc::now() - used_at > window {
        return Ok(None);
    }
    let Some(next) = refresh_token::Entity::find_by_id(next_id).one(db).await? else {
        return Ok(None);
    };
    let Some(secret) = unseal(presented, sealed) else {
        return Ok(None);
    };
    if next.used_at.is_some()
        || next.expires_at <= Utc::now()
        || hash_secret(&secret) != next.token_hash
    {
        return Ok(None);
    }
    pair_of(keys, user, &next, secret).map(Some)
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

/// How many changes to sessions, accounts, grants and API clients the database has seen (the
/// `access_epoch` row, counted by triggers of migration `m20261130_000001_access_notices`).
pub async fn access_epoch(db: &impl ConnectionTrait) -> AppResult<i64> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT value FROM access_epoch WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("access_epoch has no row")))?;
    Ok(row.try_get::<i64>("", "value")?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_successor_opens_only_with_the_presented_token() {
        let presented = random_secret(REFRESH_PREFIX);
        let successor = random_secret(REFRESH_PREFIX);
        let sealed = seal(&presented, &successor).unwrap();
        assert_eq!(sealed.len(), 64);
        assert!(!sealed.contains(&hash_secret(&successor)));
        assert_eq!(
            unseal(&presented, &sealed).as_deref(),
            Some(successor.as_str())
        );
        let other = random_secret(REFRESH_PREFIX);
        assert_ne!(unseal(&other, &sealed).as_deref(), Some(successor.as_str()));
        assert_eq!(unseal(&presented, "zz"), None);
        assert_eq!(seal(&presented, "not-a-token"), None);
    }
}
