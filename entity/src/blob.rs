//! `blobs`: stored file contents, addressed by their SHA-256. The bytes live in the blob store
//! (local folder or S3-compatible bucket) under `blobs/<sha256>`; this row says they are
//! there and were checked.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "blobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-case hex.
    pub sha256: String,
    pub byte_size: i64,
    /// The type found in the bytes (not the one a client declared).
    pub content_type: String,
    /// The collector keeps an unreferenced blob until this instant.
    pub retain_until: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
