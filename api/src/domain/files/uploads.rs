//! Two-step uploads. `begin` records what the client will send (name, type, size, SHA-256,
//! purpose) and hands out a short-lived URL; the bytes go there (`http::uploads`, or straight
//! into the bucket); `complete` checks them (size, hash, the real type against the purpose and
//! the declaration, encryption, a virus scan when configured) and stores them once per hash.
//! Only the principal that began an upload can send, complete or use it.

use chrono::{DateTime, Utc};
use entity::{UploadPurpose, UploadStatus, blob, upload};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use super::{claim_blob, sha256_hex, sniff};
use crate::{
    auth::Caller,
    domain::{
        audit::{self, Actor, Change},
        authz,
        sessions::hash_secret,
        write::Writer,
    },
    error::{AppError, AppResult},
    storage::Files,
    text,
};

/// Uploads one principal may have begun and not completed at once, so abandoned uploads cannot
/// fill the store.
pub const MAX_PENDING_PER_PRINCIPAL: u64 = 20;

/// How long a completed upload can still be attached or imported.
pub const COMPLETED_TTL: chrono::Duration = chrono::Duration::hours(24);

/// What a client says it will send.
#[derive(Clone, Debug)]
pub struct NewUpload {
    pub filename: String,
    pub content_type: String,
    pub byte_size: i64,
    pub sha256: String,
    pub purpose: UploadPurpose,
}

/// A begun upload and where its bytes go.
#[derive(Clone, Debug)]
pub struct Begun {
    pub upload: upload::Model,
    /// `None` when a clean file with this hash is already stored: complete at once.
    pub url: Option<String>,
    /// The URL is qcdc's own, which takes the same bearer token as `/graphql`; a bucket's
    /// presigned URL takes none.
    pub authorization_required: bool,
}

/// A file name as stored: NFC, the last path segment only, no control characters, at most
/// 255 characters.
pub fn clean_filename(raw: &str) -> AppResult<String> {
    let name = text::parse_line("input.filename", raw)?;
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if name.is_empty() || name == "." || name == ".." {
        return Err(AppError::bad_input("input.filename", "must name a file"));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            "input.filename",
            "must not contain control characters",
        ));
    }
    if name.chars().count() > 255 {
        return Err(AppError::bad_input(
            "input.filename",
            "must be at most 255 characters",
        ));
    }
    Ok(name.to_owned())
}

fn owner_filter(caller: &Caller) -> sea_orm::Condition {
    match caller.client() {
        Some(client) => sea_orm::Condition::all().add(upload::Column::ApiClientId.eq(client)),
        None => sea_orm::Condition::all().add(upload::Column::UserId.eq(caller.user_id)),
    }
}

/// Begins an upload for the caller.
///
/// Errors: `FORBIDDEN` for a caller with no writing role; `BAD_USER_INPUT` for an empty or
/// unsafe file name, a type the purpose does not allow, a size of 0 or over the limit
/// (`QCDC_UPLOAD_MAX_BYTES`), a hash that is not 64 hex digits; `TOO_MANY_REQUESTS` with
/// [`MAX_PENDING_PER_PRINCIPAL`] uploads pending.
pub async fn begin(w: &Writer, files: &Files, actor: &Actor, new: NewUpload) -> AppResult<Begun> {
    let caller = &actor.caller;
    if caller.scopes_for(authz::WRITERS).is_empty() {
        return Err(AppError::forbidden(
            "your roles do not allow uploading files",
        ));
    }
    let filename = clean_filename(&new.filename)?;
    let kind = sniff::declared(new.purpose, &new.content_type).ok_or_else(|| {
        AppError::bad_input(
            "input.contentType",
            format!(
                "{} files are not accepted for this purpose; accepted: {}",
                new.content_type,
                sniff::allowed(new.purpose)
                    .iter()
                    .map(|t| t.mime())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let limit = files.settings.max_upload_bytes;
    if new.byte_size <= 0 {
        return Err(AppError::bad_input("input.byteSize", "must be at least 1"));
    }
    if new.byte_size as u64 > limit {
        return Err(AppError::bad_input(
            "input.byteSize",
            format!("files are limited to {limit} bytes"),
        ));
    }
    let sha256 = new.sha256.trim().to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::bad_input(
            "input.sha256",
            "must be the file's SHA-256 as 64 hexadecimal digits",
        ));
    }
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let now = caller.clock.now();
    let id = Uuid::now_v7();
    let expires_at =
        now + chrono::Duration::from_std(files.settings.upload_ttl).unwrap_or_default();
    let actor_c = actor.clone();
    let token_hash = hash_secret(&token);
    let (created, stored) = w
        .transaction(move |txn| {
            Box::pin(async move {
                let caller = &actor_c.caller;
                let pending = upload::Entity::find()
                    .filter(owner_filter(caller))
                    .filter(upload::Column::Status.eq(UploadStatus::Pending))
                    .filter(upload::Column::ExpiresAt.gt(now))
                    .count(txn)
                    .await?;
                if pending >= MAX_PENDING_PER_PRINCIPAL {
                    return Err(AppError::RateLimited);
                }
                let found = blob::Entity::find()
                    .filter(blob::Column::Sha256.eq(&sha256))
                    .one(txn)
                    .await?
                    .filter(|b| b.content_type == kind.mime() && b.byte_size == new.byte_size);
                // Skipping the bytes is for files the caller has sent before: knowing a hash
                // must never be a way to a file someone else stored.
                let stored = match found {
                    Some(b) if holds(txn, caller, b.id).await? => Some(b),
                    _ => None,
                };
                let created = upload::ActiveModel {
                    id: Set(id),
                    token_hash: Set(token_hash),
                    user_id: Set(caller.client().is_none().then_some(caller.user_id)),
                    api_client_id: Set(caller.client()),
                    filename: Set(filename),
                    content_type: Set(new.content_type.trim().to_owned()),
                    byte_size: Set(new.byte_size),
                    sha256: Set(sha256),
                    purpose: Set(new.purpose),
                    status: Set(UploadStatus::Pending),
                    blob_id: Set(None),
                    expires_at: Set(expires_at),
                    received_at: Set(None),
                    completed_at: Set(None),
                    created_at: Set(now),
                }
                .insert(txn)
                .await?;
                audit::record(
                    txn,
                    &actor_c,
                    Change::of("upload.begin", "Upload", created.id, None).after(&created),
                )
                .await?;
                Ok((created, stored))
            })
        })
        .await?;
    if let Some(b) = stored
        && files.blobs.has_blob(&b.sha256).await?
    {
        return Ok(Begun {
            upload: created,
            url: None,
            authorization_required: false,
        });
    }
    let (url, authorization_required) = match files
        .blobs
        .presigned_put(id, files.settings.upload_ttl)
        .await?
    {
        Some(url) => (url, false),
        None => (files.url(&format!("/uploads/{token}")), true),
    };
    Ok(Begun {
        upload: created,
        url: Some(url),
        authorization_required,
    })
}

/// The pending, unexpired upload whose URL secret is `token`, if the caller began it; `None`
/// otherwise (whatever the reason, so the URL reveals nothing).
pub async fn pending_for_bytes(
    db: &impl ConnectionTrait,
    caller: &Caller,
    token: &str,
) -> AppResult<Option<upload::Model>> {
    Ok(upload::Entity::find()
        .filter(upload::Column::TokenHash.eq(hash_secret(token)))
        .filter(owner_filter(caller))
        .filter(upload::Column::Status.eq(UploadStatus::Pending))
        .filter(upload::Column::ExpiresAt.gt(caller.clock.now()))
        .one(db)
        .await?)
}

/// Notes that the bytes of `upload` arrived whole and matched its hash.
pub async fn mark_received(w: &Writer, upload: Uuid, at: DateTime<Utc>) -> AppResult<()> {
    w.transaction(move |txn| {
        Box::pin(async move {
            if let Some(u) = upload::Entity::find_by_id(upload).one(txn).await? {
                let mut am = u.into_active_model();
                am.received_at = Set(Some(at));
                am.update(txn).await?;
            }
            Ok(())
        })
    })
    .await
}

/// Whether the caller has sent the contents `blob` before: a completed upload of theirs or a
/// file they attached names it.
async fn holds(db: &impl ConnectionTrait, caller: &Caller, blob: Uuid) -> AppResult<bool> {
    let uploaded = upload::Entity::find()
        .filter(owner_filter(caller))
        .filter(upload::Column::BlobId.eq(blob))
        .count(db)
        .await?;
    if uploaded > 0 {
        return Ok(true);
    }
    let by = match caller.client() {
        Some(client) => entity::attachment::Column::AttachedByClientId.eq(client),
        None => entity::attachment::Column::AttachedByUserId.eq(caller.user_id),
    };
    Ok(entity::attachment::Entity::find()
        .filter(by)
        .filter(entity::attachment::Column::BlobId.eq(blob))
        .count(db)
        .await?
        > 0)
}

/// The caller's upload `id`, or `NOT_FOUND`.
async fn own(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> AppResult<upload::Model> {
    upload::Entity::find_by_id(id)
        .filter(owner_filter(caller))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("upload"))
}

/// The caller's upload `id` as it is now, or `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> AppResult<upload::Model> {
    own(db, caller, id).await
}

/// Checks and stores the bytes of upload `id`. Completing an upload again returns it as it is.
///
/// Errors: `NOT_FOUND` for someone else's upload; `BAD_USER_INPUT` (field `input.id`) when no
/// bytes arrived, the upload expired, the size or hash differs from the declaration, the real
/// type is not allowed or not the declared one, the PDF is encrypted, or the virus scanner
/// finds something; `SERVICE_UNAVAILABLE` when a configured scanner cannot be reached.
pub async fn complete(
    w: &Writer,
    files: &Files,
    actor: &Actor,
    id: Uuid,
) -> AppResult<upload::Model> {
    let caller = &actor.caller;
    let up = own(&w.db, caller, id).await?;
    if up.status == UploadStatus::Complete {
        return Ok(up);
    }
    let now = caller.clock.now();
    if up.expires_at <= now {
        files.blobs.delete_staged(id).await?;
        return Err(AppError::bad_input(
            "input.id",
            "the upload expired: begin it again",
        ));
    }
    let refuse = |message: String| AppError::bad_input("input.id", message);
    let retain = now + COMPLETED_TTL;
    let staged = files.blobs.read_staged(id, up.byte_size as u64).await?;
    let blob = match staged {
        Some(bytes) => {
            let checked = check_bytes(files, &up, &bytes).await;
            let kind = match checked {
                Ok(kind) => kind,
                Err(err) => {
                    files.blobs.delete_staged(id).await?;
                    return Err(err);
                }
            };
            let (sha, size) = (up.sha256.clone(), up.byte_size);
            let claimed = w
                .transaction(move |txn| {
                    Box::pin(
                        async move { claim_blob(txn, &sha, size, kind.mime(), retain, now).await },
                    )
                })
                .await?;
            files.blobs.put_blob(&up.sha256, bytes).await?;
            files.blobs.delete_staged(id).await?;
            claimed
        }
        None => {
            let sha = up.sha256.clone();
            let existing = blob::Entity::find()
                .filter(blob::Column::Sha256.eq(&sha))
                .one(&w.db)
                .await?;
            let fits = match &existing {
                Some(b) => {
                    sniff::declared(up.purpose, &up.content_type).map(|t| t.mime())
                        == Some(b.content_type.as_str())
                        && b.byte_size == up.byte_size
                        && holds(&w.db, caller, b.id).await?
                }
                None => false,
            };
            if !fits || !files.blobs.has_blob(&sha).await? {
                return Err(refuse(
                    "no bytes were received for this upload: PUT them to its URL first".into(),
                ));
            }
            let (size, kind) = existing
                .map(|b| (b.byte_size, b.content_type))
                .unwrap_or_default();
            w.transaction(move |txn| {
                Box::pin(async move { claim_blob(txn, &sha, size, &kind, retain, now).await })
            })
            .await?
        }
    };
    let actor_c = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = upload::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(AppError::NotFound("upload"))?;
            if before.status == UploadStatus::Complete {
                return Ok(before);
            }
            let mut am = before.clone().into_active_model();
            am.status = Set(UploadStatus::Complete);
            am.blob_id = Set(Some(blob.id));
            am.completed_at = Set(Some(now));
            am.expires_at = Set(retain);
            let after = am.update(txn).await?;
            audit::record(
                txn,
                &actor_c,
                Change::of("upload.complete", "Upload", id, None)
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// Size, hash, type and scan of the bytes received for `up`.
async fn check_bytes(
    files: &Files,
    up: &upload::Model,
    bytes: &[u8],
) -> AppResult<sniff::FileType> {
    let refuse = |message: String| AppError::bad_input("input.id", message);
    if bytes.len() as i64 != up.byte_size {
        return Err(refuse(format!(
            "{} bytes arrived, {} were declared",
            bytes.len(),
            up.byte_size
        )));
    }
    if sha256_hex(bytes) != up.sha256 {
        return Err(refuse(
            "the bytes do not have the declared SHA-256: the file changed or was cut short".into(),
        ));
    }
    let kind = sniff::check(up.purpose, &up.content_type, bytes).map_err(refuse)?;
    sniff::check_name(kind, &up.filename).map_err(refuse)?;
    if let Some(addr) = &files.settings.clamav {
        scan(addr, bytes).await?;
    }
    Ok(kind)
}

/// Asks the ClamAV daemon at `addr` about `bytes` (INSTREAM).
async fn scan(addr: &str, bytes: &[u8]) -> AppResult<()> {
    let unavailable = |err: String| {
        AppError::Unavailable(std::sync::Arc::new(anyhow::anyhow!(
            "virus scanner at {addr}: {err}"
        )))
    };
    let reply = clamav_client::tokio::scan_buffer(
        bytes,
        clamav_client::tokio::Tcp { host_address: addr },
        None,
    )
    .await
    .map_err(|e| unavailable(e.to_string()))?;
    match clamav_client::clean(&reply) {
        Ok(true) => Ok(()),
        Ok(false) => {
            let said = String::from_utf8_lossy(&reply);
            let name = said
                .trim_end_matches(['\0', '\n'])
                .trim_start_matches("stream:")
                .trim()
                .trim_end_matches("FOUND")
                .trim()
                .to_owned();
            tracing::warn!(signature = %name, "virus scanner refused an upload");
            Err(AppError::bad_input(
                "input.id",
                format!("the virus scanner found {name} in the file"),
            ))
        }
        Err(e) => Err(unavailable(e.to_string())),
    }
}

/// The bytes of a completed upload the caller began for `purpose`.
///
/// Errors: `NOT_FOUND` for an unknown upload or someone else's; `BAD_USER_INPUT` (field
/// `input.uploadId`) for one not completed or begun for another purpose.
pub async fn read_upload(
    db: &impl ConnectionTrait,
    blobs: &crate::storage::BlobStore,
    caller: &Caller,
    upload_id: Uuid,
    purpose: UploadPurpose,
) -> AppResult<(upload::Model, Vec<u8>)> {
    let up = own(db, caller, upload_id).await?;
    usable(&up, purpose, caller.clock.now())?;
    let bytes = blobs.get_blob(&up.sha256).await?;
    Ok((up, bytes))
}

/// Refuses an upload that is not complete, expired or of another purpose.
pub fn usable(up: &upload::Model, purpose: UploadPurpose, now: DateTime<Utc>) -> AppResult<()> {
    if up.status != UploadStatus::Complete {
        return Err(AppError::bad_input(
            "input.uploadId",
            "the upload is not complete: call completeUpload first",
        ));
    }
    if up.expires_at <= now {
        return Err(AppError::bad_input(
            "input.uploadId",
            "the upload expired: upload the file again",
        ));
    }
    if up.purpose != purpose {
        return Err(AppError::bad_input(
            "input.uploadId",
            format!("the upload was begun for {}", up.purpose.as_str()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_last_segment_in_nfc() {
        assert_eq!(
            clean_filename("C:\\tmp\\bao-cao.pdf").unwrap(),
            "bao-cao.pdf"
        );
        assert_eq!(clean_filename("../../etc/passwd").unwrap(), "passwd");
        let decomposed = "Ba\u{301}o ca\u{301}o.pdf";
        assert_eq!(clean_filename(decomposed).unwrap(), "Báo cáo.pdf");
        assert!(clean_filename("..").is_err());
        assert!(clean_filename("a\u{0}b.pdf").is_err());
        assert!(clean_filename(&"x".repeat(256)).is_err());
    }
}
