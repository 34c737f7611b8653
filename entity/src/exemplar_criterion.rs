//! `exemplar_criteria`: the configurable catalogue of criteria (tiêu chí) a "Dân vận khéo"
//! entry is assessed against, mandatory or optional, for one field or all of them.

use sea_orm::entity::prelude::*;

use crate::enums::ExemplarField;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "exemplar_criteria")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// The field it applies in; `None`: every field.
    pub field: Option<ExemplarField>,
    /// Recognition needs it met (or a STEERING override).
    pub mandatory: bool,
    /// Inactive criteria are kept for history and no longer apply.
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
