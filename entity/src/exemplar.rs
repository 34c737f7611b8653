//! `exemplars`: the register of "Dân vận khéo" models and exemplary collectives and
//! individuals (mô hình, điển hình), each in one unit and one field.

use sea_orm::entity::prelude::*;

use crate::enums::{ExemplarField, ExemplarKind, ExemplarStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "exemplars")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The unit where it lives.
    pub unit_id: Uuid,
    pub kind: ExemplarKind,
    pub field: ExemplarField,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub registered_on: Date,
    pub status: ExemplarStatus,
    /// The day of its first recognition.
    pub recognised_on: Option<Date>,
    /// The day it stopped (retired entries still count in the periods they were active).
    pub retired_on: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub retire_reason: Option<String>,
    /// The entry it replicates (nhân rộng), if one.
    pub source_exemplar_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
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
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id"
    )]
    Unit,
}

impl ActiveModelBehavior for ActiveModel {}
