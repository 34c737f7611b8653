//! `unit_versions`: what a unit was called, what kind it was and where it sat, over dated
//! spans that never overlap. `units` holds the latest version's values for fast lookups.

use sea_orm::entity::prelude::*;

use crate::enums::{GrassrootsType, UnitKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "unit_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub unit_id: Uuid,
    /// First day of the version; `None`: since before records began.
    pub valid_from: Option<Date>,
    /// First day after the version; `None`: still current.
    pub valid_to: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub short_name: Option<String>,
    pub kind: UnitKind,
    pub grassroots_type: Option<GrassrootsType>,
    pub parent_id: Option<Uuid>,
    /// The reorganisation that opened this version.
    pub event_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id",
        on_delete = "Cascade"
    )]
    Unit,
}

impl ActiveModelBehavior for ActiveModel {}
