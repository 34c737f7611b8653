//! `Idempotency-Key`: a retried request (same caller, same key, same body) gets the first
//! answer and acts once; the same key with another body is a `CONFLICT`. Partner systems on
//! poor connections retry; this makes retrying safe.

use axum::{
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, SqlErr};
use uuid::Uuid;

use super::graphql::refuse;
use crate::{domain::sessions::hash_secret, startup::AppState};

const MAX_KEY_LENGTH: usize = 255;

fn replay(body: String) -> Response {
    let mut response =
        (StatusCode::OK, [("content-type", "application/json")], body).into_response();
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

fn internal() -> Response {
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error",
    )
}

pub async fn run(
    state: &AppState,
    principal: Uuid,
    key: &str,
    body: &[u8],
    request: async_graphql::Request,
) -> Response {
    if key.is_empty() || key.len() > MAX_KEY_LENGTH {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "Idempotency-Key must have 1 to 255 characters",
        );
    }
    let request_hash = hash_secret(&String::from_utf8_lossy(body));
    let claim = idempotency_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        principal_id: Set(principal),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.clone()),
        response: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&state.db)
    .await;
    match claim {
        Ok(row) => {
            let response = super::graphql::with_codes(state.schema.execute(request).await);
            let Ok(text) = serde_json::to_string(&response) else {
                return internal();
            };
            let mut stored: idempotency_key::ActiveModel = row.into();
            stored.response = Set(Some(text.clone()));
            if let Err(err) = stored.update(&state.db).await {
                tracing::error!(error = ?err, "storing an idempotent response failed");
            }
            (StatusCode::OK, [("content-type", "application/json")], text).into_response()
        }
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            let first = idempotency_key::Entity::find()
                .filter(idempotency_key::Column::PrincipalId.eq(principal))
                .filter(idempotency_key::Column::Key.eq(key))
                .one(&state.db)
                .await;
            match first {
                Ok(Some(row)) if row.request_hash != request_hash => refuse(
                    StatusCode::OK,
                    "CONFLICT",
                    "this Idempotency-Key was used for a different request",
                ),
                Ok(Some(row)) => match row.response {
                    Some(body) => replay(body),
                    None => refuse(
                        StatusCode::OK,
                        "CONFLICT",
                        "the first request with this Idempotency-Key is still running",
                    ),
                },
                _ => internal(),
            }
        }
        Err(err) => {
            tracing::error!(error = ?err, "claiming an idempotency key failed");
            internal()
        }
    }
}
