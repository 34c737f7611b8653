//! `GET /files/{token}`: a stored file through a signed, short-lived link minted by
//! `Attachment.downloadUrl` or a `Download` (the minting is authorised and audited; the link
//! itself is the permission, so it works from a browser's plain link). Served as an
//! attachment, never rendered in qcdc's origin.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};

use super::answer::Audience;
use crate::startup::AppState;

pub async fn get(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let audience = Audience::from_headers(&headers);
    let Some(claims) = state.files.links.verify(&token, state.clock.now()) else {
        return audience.refuse(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "the link is not valid or has expired: ask for a new one",
        );
    };
    let sha = match uuid::Uuid::try_parse(&claims.sub) {
        Ok(id) => crate::domain::files::blob_sha256(&state.db, id).await,
        Err(_) => Ok(None),
    };
    let stored = match sha {
        Ok(Some(sha)) => state.files.blobs.get_blob(&sha).await,
        Ok(None) => Err(crate::error::AppError::NotFound("file")),
        Err(err) => Err(err),
    };
    let bytes = match stored {
        Ok(bytes) => bytes,
        Err(_) => {
            return audience.refuse(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "the file is no longer stored",
            );
        }
    };
    let mut response = Response::new(Body::from(bytes));
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&claims.typ) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&claims.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}

/// `attachment` with an ASCII fallback name and the real one in UTF-8 (RFC 6266, RFC 8187).
fn content_disposition(name: &str) -> String {
    let fallback: String = crate::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_name_is_given_in_ascii_and_in_utf8() {
        assert_eq!(
            super::content_disposition("Báo cáo 05.pdf"),
            "attachment; filename=\"bao cao 05.pdf\"; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%2005.pdf"
        );
    }
}
