//! `legal_documents`: directives, laws, decrees, resolutions… with their parsed number.

use sea_orm::entity::prelude::*;

use crate::enums::{DocumentFamily, DocumentStatus, DocumentType, Provenance};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "legal_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Number-and-symbol as written (số ký hiệu), e.g. `59/2023/NĐ-CP`.
    #[sea_orm(column_type = "Text")]
    pub number: String,
    #[sea_orm(column_type = "Text")]
    pub number_canonical: String,
    pub family: DocumentFamily,
    pub seq: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub seq_suffix: Option<String>,
    pub year: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub type_code: Option<String>,
    /// Issuer codes, space separated.
    #[sea_orm(column_type = "Text")]
    pub issuer_codes: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub party_term: Option<String>,
    pub document_type: DocumentType,
    /// Name of the issuing body.
    #[sea_orm(column_type = "Text")]
    pub issuer: String,
    pub issuer_unit_id: Option<Uuid>,
    pub issued_on: Option<Date>,
    pub effective_on: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub title: Option<String>,
    /// Status derived from the effective relations pointing at the document, else `base_status`.
    pub status: DocumentStatus,
    pub superseded_by_id: Option<Uuid>,
    pub provenance: Provenance,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub parse_warnings: String,
    #[sea_orm(column_type = "Text", unique)]
    pub dedupe_key: String,
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    /// Folded issuer name and codes, for the issuer filter.
    #[sea_orm(column_type = "Text")]
    pub issuer_search: String,
    #[sea_orm(column_type = "Text")]
    pub sort_key: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// Status as registered, before any amending, replacing or repealing relation.
    pub base_status: DocumentStatus,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::IssuerUnitId",
        to = "super::unit::Column::Id"
    )]
    IssuerUnit,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::SupersededById",
        to = "Column::Id"
    )]
    SupersededBy,
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IssuerUnit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
