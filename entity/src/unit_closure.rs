//! `unit_closure`: closure table of the unit tree (every ancestor/descendant pair,
//! including each unit with itself at depth 0).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "unit_closure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ancestor_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub descendant_id: Uuid,
    pub depth: i32,
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
