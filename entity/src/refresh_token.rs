//! `refresh_tokens`: single-use refresh tokens, stored as SHA-256 hashes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_id: Uuid,
    #[sea_orm(column_type = "Text", unique)]
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    /// Set when the token was exchanged; a second use revokes the session.
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The token this one was exchanged for, so a retry within the reuse window gets the same
    /// pair back.
    pub successor_id: Option<Uuid>,
    /// The successor's secret, encrypted with a key only the holder of this token can derive
    /// (`api/src/domain/sessions.rs`): the database alone cannot recover it.
    #[sea_orm(column_type = "Text", nullable)]
    pub successor_sealed: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::session::Entity",
        from = "Column::SessionId",
        to = "super::session::Column::Id",
        on_delete = "Cascade"
    )]
    Session,
}

impl ActiveModelBehavior for ActiveModel {}
