//! `document_relations`: one legal document amends, replaces, repeals, details or
//! implements another.

use sea_orm::entity::prelude::*;

use crate::enums::{DocumentRelationKind, Provenance};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "document_relations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub from_document_id: Uuid,
    pub to_document_id: Uuid,
    pub kind: DocumentRelationKind,
    pub effective_on: Option<Date>,
    /// Article or clause of the target the relation touches, e.g. `Điều 11 khoản 5`.
    #[sea_orm(column_type = "Text", nullable)]
    pub provision: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// Where this relation comes from.
    pub provenance: Provenance,
    /// Provenance of single fields where they differ from `provenance`: a JSON object, field
    /// name (as the API spells it) → `Provenance`, e.g. `{"effectiveOn":"ASSUMED"}`.
    #[sea_orm(column_type = "Text", nullable)]
    pub field_provenance: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::legal_document::Entity",
        from = "Column::FromDocumentId",
        to = "super::legal_document::Column::Id",
        on_delete = "Cascade"
    )]
    FromDocument,
    #[sea_orm(
        belongs_to = "super::legal_document::Entity",
        from = "Column::ToDocumentId",
        to = "super::legal_document::Column::Id",
        on_delete = "Cascade"
    )]
    ToDocument,
}

impl ActiveModelBehavior for ActiveModel {}
