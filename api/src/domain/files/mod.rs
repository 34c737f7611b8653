//! Stored files: two-step uploads (`uploads`), attachments to records (`attachments`), files
//! qcdc makes itself (rendered documents, exports: [`store_generated`], [`publish`]), signed
//! download links, and the collector of what nothing references any more (`collect`).
//!
//! Contents are stored once per SHA-256 (`crate::storage`); the database says which contents
//! exist, were checked, and hang where.

pub mod attachments;
pub mod collect;
pub mod sniff;
pub mod uploads;

use chrono::{DateTime, Utc};
use entity::blob;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use attachments::{AttachmentTarget, attach_generated_in, store_generated};
pub use uploads::read_upload;

use super::{audit::Actor, write::Writer};
use crate::{error::AppResult, storage::Files};

/// A file qcdc made (a rendered report, an export, an import template).
#[derive(Clone, Debug)]
pub struct GeneratedFile {
    /// NFC; shown to whoever downloads it.
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A signed, short-lived link to one stored file.
#[derive(Clone, Debug)]
pub struct Download {
    pub filename: String,
    pub content_type: String,
    pub byte_size: i64,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// The SHA-256 of the blob with id `id`, if it is still stored.
pub async fn blob_sha256(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<String>> {
    Ok(blob::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|b| b.sha256))
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records that the blob `sha256` exists (or keeps its row) and holds it until at least
/// `retain_until`. Committed before the bytes are written, so the collector, which deletes
/// only rows past their time under a row lock, cannot remove the bytes after they are written.
pub(crate) async fn claim_blob(
    db: &impl ConnectionTrait,
    sha256: &str,
    byte_size: i64,
    content_type: &str,
    retain_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<blob::Model> {
    blob::Entity::insert(blob::ActiveModel {
        id: Set(Uuid::now_v7()),
        sha256: Set(sha256.to_owned()),
        byte_size: Set(byte_size),
        content_type: Set(content_type.to_owned()),
        retain_until: Set(retain_until),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(blob::Column::Sha256)
            .update_column(blob::Column::RetainUntil)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    blob::Entity::find()
        .filter(blob::Column::Sha256.eq(sha256))
        .one(db)
        .await?
        .ok_or(crate::error::AppError::NotFound("blob"))
}

/// Stores `file` and returns a short-lived signed link to it (exports, import templates). The
/// file is kept until the link expires, then collected. Audited as `file.publish`.
pub async fn publish(
    w: &Writer,
    files: &Files,
    actor: &Actor,
    file: GeneratedFile,
) -> AppResult<Download> {
    let now = actor.caller.clock.now();
    let expires_at = now + chrono::Duration::from_std(files.settings.link_ttl).unwrap_or_default();
    let sha = sha256_hex(&file.bytes);
    let size = file.bytes.len() as i64;
    let (sha_c, type_c) = (sha.clone(), file.content_type);
    let claimed = w
        .transaction(move |txn| {
            Box::pin(async move { claim_blob(txn, &sha_c, size, type_c, expires_at, now).await })
        })
        .await?;
    files.blobs.put_blob(&sha, file.bytes).await?;
    let actor_c = actor.clone();
    let name = file.filename.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            super::audit::record(
                txn,
                &actor_c,
                super::audit::Change::of("file.publish", "Blob", claimed.id, None).after(
                    &serde_json::json!({ "filename": name, "sha256": claimed.sha256, "byteSize": size }),
                ),
            )
            .await
        })
    })
    .await?;
    let token = files
        .links
        .sign(claimed.id, &file.filename, file.content_type, expires_at)?;
    Ok(Download {
        filename: file.filename,
        content_type: file.content_type.to_owned(),
        byte_size: size,
        url: files.url(&format!("/files/{token}")),
        expires_at,
    })
}
