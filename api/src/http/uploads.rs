//! `PUT /uploads/{token}`: the bytes of an upload begun with `beginUpload`, when the store is
//! the local folder. The same bearer token as `/graphql` is required (only the principal that
//! began the upload may send it); the body is streamed into the store in parts while it is
//! counted and hashed, and refused with 413 as soon as it passes the declared size.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::{
    answer::Audience,
    pipeline::{Credentials, authenticate},
};
use crate::{domain::files::uploads, startup::AppState};

/// Parts in flight to the store at once while a body streams in.
const PARTS_IN_FLIGHT: usize = 2;

pub async fn put(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let audience = Audience::from_headers(&headers);
    let refuse =
        |status: StatusCode, code: &str, message: &str| audience.refuse(status, code, message);
    let auth = match authenticate(&state, &Credentials::from_headers(&headers)).await {
        Ok(authenticated) => authenticated.auth,
        Err(refusal) => return refusal.into_response(&audience),
    };
    let Ok(caller) = auth.caller() else {
        let mut answer = refuse(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "send the bearer token of whoever began the upload",
        );
        answer.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static(super::answer::BEARER_CHALLENGE),
        );
        return answer;
    };
    let upload = match uploads::pending_for_bytes(&state.db, caller, &token).await {
        Ok(Some(upload)) => upload,
        Ok(None) => {
            return refuse(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "no upload of yours is waiting at this URL (it may have expired or completed)",
            );
        }
        Err(err) => return refuse(StatusCode::SERVICE_UNAVAILABLE, err.code(), &err.message()),
    };
    let declared = upload.byte_size as u64;
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("the body is larger than the {declared} bytes declared for this upload"),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > declared) {
        return too_large();
    }
    let mut parts = match state.files.blobs.staging_writer(upload.id).await {
        Ok(parts) => parts,
        Err(err) => return refuse(StatusCode::SERVICE_UNAVAILABLE, err.code(), &err.message()),
    };
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            let _ = parts.abort().await;
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the body broke off before it was complete",
            );
        };
        received += chunk.len() as u64;
        if received > declared {
            let _ = parts.abort().await;
            return too_large();
        }
        hasher.update(&chunk);
        parts.write(&chunk);
        if parts.wait_for_capacity(PARTS_IN_FLIGHT).await.is_err() {
            let _ = parts.abort().await;
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "the file store is unavailable; try again",
            );
        }
    }
    if received != declared {
        let _ = parts.abort().await;
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            &format!("{received} bytes arrived, {declared} were declared"),
        );
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if digest != upload.sha256 {
        let _ = parts.abort().await;
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "the bytes do not have the SHA-256 declared for this upload",
        );
    }
    if parts.finish().await.is_err() {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "the file store is unavailable; try again",
        );
    }
    if let Err(err) = uploads::mark_received(&state.writer, upload.id, state.clock.now()).await {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, err.code(), &err.message());
    }
    StatusCode::NO_CONTENT.into_response()
}
