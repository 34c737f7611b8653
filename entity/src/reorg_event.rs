//! `reorg_events`: a reorganisation of units (merge, absorb, split, transfer, rename,
//! reclassify, move, dissolve) with its effective date and legal basis.

use sea_orm::entity::prelude::*;

use crate::enums::{Provenance, ReorgKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reorg_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Stable code for events loaded from a scenario file, unique.
    #[sea_orm(column_type = "Text", nullable)]
    pub code: Option<String>,
    pub kind: ReorgKind,
    pub effective_on: Date,
    pub legal_basis_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub provenance: Provenance,
    #[sea_orm(column_type = "Text")]
    pub sort_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::legal_document::Entity",
        from = "Column::LegalBasisId",
        to = "super::legal_document::Column::Id"
    )]
    LegalBasis,
}

impl ActiveModelBehavior for ActiveModel {}
