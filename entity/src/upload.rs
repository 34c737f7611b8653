//! `uploads`: one two-step upload (`beginUpload`, the bytes, `completeUpload`) by one principal.

use sea_orm::entity::prelude::*;

use crate::{UploadPurpose, UploadStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 (hex) of the secret in the upload URL.
    #[serde(skip)]
    pub token_hash: String,
    pub user_id: Option<Uuid>,
    pub api_client_id: Option<Uuid>,
    /// NFC, as declared.
    pub filename: String,
    /// As declared.
    pub content_type: String,
    /// As declared, in bytes.
    pub byte_size: i64,
    /// As declared: lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    pub purpose: UploadPurpose,
    pub status: UploadStatus,
    pub blob_id: Option<Uuid>,
    pub expires_at: DateTimeUtc,
    pub received_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
