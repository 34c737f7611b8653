//! `idempotency_keys`: the first answer to each (caller, Idempotency-Key), replayed on retries.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The user or API client that sent the key.
    pub principal_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub key: String,
    /// SHA-256 of the request body, so a key reused for another request is refused.
    #[sea_orm(column_type = "Text")]
    pub request_hash: String,
    /// The response body; null while the first request is still running.
    #[sea_orm(column_type = "Text", nullable)]
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
