//! `units`: every organisational unit, as a tree (`parent_id`); never hard-deleted.

use sea_orm::entity::prelude::*;

use crate::enums::{GrassrootsType, Provenance, UnitKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Stable code, unique.
    #[sea_orm(column_type = "Text", unique)]
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub short_name: Option<String>,
    pub kind: UnitKind,
    pub grassroots_type: Option<GrassrootsType>,
    pub parent_id: Option<Uuid>,
    /// Unit this one was merged into or replaced by.
    pub successor_id: Option<Uuid>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub provenance: Provenance,
    /// Provenance of single fields where they differ from `provenance`: a JSON object, field
    /// name (as the API spells it) → `Provenance`, e.g. `{"periodStart":"ASSUMED"}`.
    #[sea_orm(column_type = "Text", nullable)]
    pub field_provenance: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    #[sea_orm(column_type = "Text")]
    pub sort_key: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
    #[sea_orm(belongs_to = "Entity", from = "Column::SuccessorId", to = "Column::Id")]
    Successor,
}

impl ActiveModelBehavior for ActiveModel {}
