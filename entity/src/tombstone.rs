//! `tombstones`: records removed for good, so clients syncing incrementally can drop them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "tombstones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// GraphQL type of the removed record (`Task`, `LegalReference`, `RoleGrant`), or of a
    /// record that left the view of `unit_id`'s callers (`Plan`, `Task`).
    #[sea_orm(column_type = "Text")]
    pub entity_type: String,
    pub entity_id: Uuid,
    /// Unit the record belonged to, so scoped readers see only their part of the feed.
    pub unit_id: Option<Uuid>,
    /// Plan the record belonged to: everyone who sees the plan hears of the removal.
    pub plan_id: Option<Uuid>,
    pub deleted_at: DateTimeUtc,
    /// Oldest first.
    #[sea_orm(column_type = "Text")]
    pub sort_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
