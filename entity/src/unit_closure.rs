//! `unit_closure`: dated closure table of the unit tree (every ancestor/descendant pair,
//! including each unit with itself at depth 0, with the dates the pair held). Rows are never
//! deleted when the tree changes: they are closed with `valid_to`, so the tree of any date can
//! be read back and a unit's past descendants stay readable to those who held it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "unit_closure")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ancestor_id: Uuid,
    pub descendant_id: Uuid,
    pub depth: i32,
    /// First day the pair holds; `None`: since before records began.
    pub valid_from: Option<Date>,
    /// First day the pair no longer holds; `None`: still holds.
    pub valid_to: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::AncestorId",
        to = "super::unit::Column::Id",
        on_delete = "Cascade"
    )]
    Ancestor,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::DescendantId",
        to = "super::unit::Column::Id",
        on_delete = "Cascade"
    )]
    Descendant,
}

impl ActiveModelBehavior for ActiveModel {}
