//! `reorg_event_units`: the units a reorganisation closes (predecessors) and the units that
//! continue or receive their work (successors).

use sea_orm::entity::prelude::*;

use crate::enums::ReorgRole;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reorg_event_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: Uuid,
    pub unit_id: Uuid,
    pub role: ReorgRole,
    /// The successor that receives open work unless a mapping says otherwise.
    pub routing_default: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::reorg_event::Entity",
        from = "Column::EventId",
        to = "super::reorg_event::Column::Id",
        on_delete = "Cascade"
    )]
    Event,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id"
    )]
    Unit,
}

impl ActiveModelBehavior for ActiveModel {}
