//! `oversight_targets`: the units an oversight inspects or supervises (đối tượng), each once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "oversight_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub oversight_id: Uuid,
    pub unit_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::oversight::Entity",
        from = "Column::OversightId",
        to = "super::oversight::Column::Id",
        on_delete = "Cascade"
    )]
    Oversight,
}

impl ActiveModelBehavior for ActiveModel {}
