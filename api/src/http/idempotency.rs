//! `Idempotency-Key` on mutations: a retried mutation (same caller, same session, same key,
//! same body) gets the first answer and acts once; the same key with another body is a
//! `CONFLICT`. Partner systems on poor connections retry; this makes retrying safe.
//!
//! What is kept is bounded: only mutations are stored (a read with a key simply runs), keys
//! expire after `Limits::idempotency_ttl` (a sweep deletes them), and an answer that carries a
//! secret (tokens, client secrets) is never stored: its replay is a `CONFLICT` saying the
//! answer was not kept. A replay is only given to the principal that stored it, still
//! authenticated (the pipeline checked), in the same session (a person's sign-in session; a
//! partner system has none).

use std::time::Duration;

use axum::{
    http::{HeaderValue, StatusCode},
    response::Response,
};
use chrono::Utc;
use entity::idempotency_key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    answer::{Audience, MediaType},
    pipeline::Prepared,
};
use crate::{
    auth::Caller, domain::sessions::hash_secret, error::AppResult, graphql::SecretInAnswer,
    startup::AppState,
};

const MAX_KEY_LENGTH: usize = 255;

/// The first answer again. Its errors keep the first request's id (the one in the log of the
/// run that produced them); an error stored without one (the withheld answer) gets this
/// request's.
fn replay(body: &str, audience: &Audience, media: MediaType) -> Response {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else {
        return internal(audience);
    };
    if let (Some(errors), Some(id)) = (
        value.get_mut("errors").and_then(|e| e.as_array_mut()),
        &audience.request_id,
    ) {
        for error in errors {
            if error.pointer("/extensions/requestId").is_none()
                && let Some(extensions) =
                    error.get_mut("extensions").and_then(|e| e.as_object_mut())
            {
                extensions.insert("requestId".into(), id.as_str().into());
            }
        }
    }
    let mut response = audience.json(StatusCode::OK, media, &value);
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

fn internal(audience: &Audience) -> Response {
    audience.refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error",
    )
}

/// What a stored key is bound to, kept in `request_hash` as `<body sha256> <session|->`.
fn binding(caller: &Caller, body: &[u8]) -> String {
    let session = caller
        .session
        .map_or_else(|| "-".to_owned(), |s| s.to_string());
    format!("{} {session}", hash_secret(&String::from_utf8_lossy(body)))
}

/// Kept in place of an answer that held a secret.
fn withheld() -> String {
    json!({ "errors": [{
        "message": "the first request with this Idempotency-Key succeeded, but its answer held a \
                    secret and was not kept; do not retry (sign in again, or rotate the secret)",
        "extensions": { "code": "CONFLICT" },
    }] })
    .to_string()
}

enum Claim {
    /// This request holds the key: it runs and stores its answer.
    Mine(idempotency_key::Model),
    /// An earlier request holds it.
    Taken(idempotency_key::Model),
}

async fn claim(
    state: &AppState,
    principal: Uuid,
    key: &str,
    bound: &str,
    audience: &Audience,
) -> Result<Claim, Response> {
    let internal = || internal(audience);
    let ttl = chrono::Duration::from_std(state.limits.idempotency_ttl).map_err(|_| internal())?;
    // Twice at most: an expired key found on the first pass is deleted and claimed anew.
    for _ in 0..2 {
        let inserted = idempotency_key::ActiveModel {
            id: Set(Uuid::now_v7()),
            principal_id: Set(principal),
            key: Set(key.to_owned()),
            request_hash: Set(bound.to_owned()),
            response: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(&state.db)
        .await;
        match inserted {
            Ok(row) => return Ok(Claim::Mine(row)),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                let first = idempotency_key::Entity::find()
                    .filter(idempotency_key::Column::PrincipalId.eq(principal))
                    .filter(idempotency_key::Column::Key.eq(key))
                    .one(&state.db)
                    .await;
                match first {
                    Ok(Some(row)) if row.created_at + ttl <= Utc::now() => {
                        // Only this expired row: a concurrent retry may have claimed anew.
                        idempotency_key::Entity::delete_many()
                            .filter(idempotency_key::Column::Id.eq(row.id))
                            .exec(&state.db)
                            .await
                            .map_err(|_| internal())?;
                    }
                    Ok(Some(row)) => return Ok(Claim::Taken(row)),
                    Ok(None) => {}
                    Err(_) => return Err(internal()),
                }
            }
            Err(err) => {
                tracing::error!(error = ?err, "claiming an idempotency key failed");
                return Err(internal());
            }
        }
    }
    Err(internal())
}

/// Runs `prepared` (a mutation of an authenticated `caller`) once per key, answering in `media`
/// for `audience`.
pub async fn run(
    state: &AppState,
    caller: &Caller,
    key: &str,
    body: &[u8],
    prepared: Prepared,
    media: MediaType,
    audience: &Audience,
) -> Response {
    if key.is_empty() || key.len() > MAX_KEY_LENGTH {
        return audience.refuse(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "Idempotency-Key must have 1 to 255 characters",
        );
    }
    let bound = binding(caller, body);
    let row = match claim(state, caller.user_id, key, &bound, audience).await {
        Ok(Claim::Mine(row)) => row,
        Ok(Claim::Taken(row)) => return answer_retry(row, &bound, audience, media),
        Err(response) => return response,
    };
    let secret = SecretInAnswer::default();
    let request_error = {
        let Prepared {
            request,
            operation,
            unparsed,
            validated,
            ..
        } = prepared;
        let mut response = state.schema.execute(request.data(secret.clone())).await;
        audience.present_result(&mut response, unparsed);
        (
            response,
            unparsed || operation.is_none() || !validated.get(),
        )
    };
    let (response, request_error) = request_error;
    let answer = audience.result(media, &response, request_error);
    let Ok(text) = serde_json::to_string(&response) else {
        return internal(audience);
    };
    let holds_secret = secret.is_set() && response.data != async_graphql::Value::Null;
    let mut stored: idempotency_key::ActiveModel = row.into();
    stored.response = Set(Some(if holds_secret {
        withheld()
    } else {
        text.clone()
    }));
    if let Err(err) = stored.update(&state.db).await {
        tracing::error!(error = ?err, "storing an idempotent response failed");
    }
    answer
}

/// The answer to a retry of a key stored earlier by the same principal.
fn answer_retry(
    row: idempotency_key::Model,
    bound: &str,
    audience: &Audience,
    media: MediaType,
) -> Response {
    let refuse = |code, message| audience.refuse(StatusCode::OK, code, message);
    let (body, session) = bound.split_once(' ').unwrap_or((bound, "-"));
    let (first_body, first_session) = row
        .request_hash
        .split_once(' ')
        .unwrap_or((row.request_hash.as_str(), "-"));
    if first_session != session {
        return refuse(
            "FORBIDDEN",
            "this Idempotency-Key was used in another session; its answer is not replayed",
        );
    }
    if first_body != body {
        return refuse(
            "CONFLICT",
            "this Idempotency-Key was used for a different request",
        );
    }
    match row.response {
        Some(body) => replay(&body, audience, media),
        None => refuse(
            "CONFLICT",
            "the first request with this Idempotency-Key is still running",
        ),
    }
}

/// Deletes keys older than `ttl`: one statement, so it needs no transaction (on SQLite it waits
/// out a writer through the busy timeout).
pub async fn purge_expired(db: &DatabaseConnection, ttl: Duration) -> AppResult<u64> {
    let cutoff =
        Utc::now() - chrono::Duration::from_std(ttl).map_err(crate::error::AppError::internal)?;
    Ok(idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lte(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

/// Runs [`purge_expired`] every `every` until the process ends (beside the overdue sweep in
/// `events::spawn_overdue_sweeper`), on the background connection so requests' statement
/// counts stay their own.
pub fn spawn_sweeper(db: DatabaseConnection, ttl: Duration, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(err) = purge_expired(&db, ttl).await {
                tracing::warn!(error = ?err.message(), "idempotency key sweep failed");
            }
        }
    });
}
