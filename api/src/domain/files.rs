//! TODO(merge): a local stand-in for the lead's `domain::files` (issue 14 part 1) with the
//! signatures of /work/notes/interfaces14.md reduced to what imports and exports use. Replaced
//! by the real module on rebase: uploads come from `beginUpload`/`completeUpload`, downloads
//! are signed links to stored blobs.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use base64::Engine;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

/// A file made by qcdc (an export, a template).
#[derive(Clone, Debug)]
pub struct GeneratedFile {
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A short-lived link to a stored file.
#[derive(Clone, Debug)]
pub struct Download {
    pub filename: String,
    pub content_type: String,
    pub byte_size: i64,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// What an upload is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadPurpose {
    Import,
}

/// A completed upload.
#[derive(Clone, Debug)]
pub struct Upload {
    pub id: Uuid,
    pub filename: String,
}

type Store = Mutex<HashMap<Uuid, (Uuid, String, Vec<u8>)>>;

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(Default::default)
}

/// Stand-in for the two-step upload: keeps `bytes` in memory for `owner` (tests only).
pub fn stub_upload(owner: Uuid, filename: &str, bytes: Vec<u8>) -> Uuid {
    let id = Uuid::now_v7();
    if let Ok(mut s) = store().lock() {
        s.insert(id, (owner, filename.to_owned(), bytes));
    }
    id
}

/// The bytes of a completed upload the caller began for `purpose`.
pub async fn read_upload(
    caller: &Caller,
    upload_id: Uuid,
    _purpose: UploadPurpose,
) -> AppResult<(Upload, Vec<u8>)> {
    let s = store()
        .lock()
        .map_err(|_| AppError::internal(anyhow::anyhow!("upload store poisoned")))?;
    match s.get(&upload_id) {
        Some((owner, filename, bytes)) if *owner == caller.user_id => Ok((
            Upload {
                id: upload_id,
                filename: filename.clone(),
            },
            bytes.clone(),
        )),
        _ => Err(AppError::NotFound("upload")),
    }
}

/// Stores `file` and returns a link to it (here: a `data:` URL).
pub async fn publish(_caller: &Caller, file: GeneratedFile) -> AppResult<Download> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(&file.bytes);
    Ok(Download {
        url: format!("data:{};base64,{encoded}", file.content_type),
        byte_size: i64::try_from(file.bytes.len()).map_err(AppError::internal)?,
        filename: file.filename,
        content_type: file.content_type.to_owned(),
        expires_at: Utc::now() + chrono::Duration::minutes(10),
    })
}
