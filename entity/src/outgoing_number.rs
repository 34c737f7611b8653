//! `outgoing_numbers`: the number a report was sent out under (số văn bản đi), registered as a
//! legal-registry document, with who signs it and in which profile it is laid out.

use sea_orm::entity::prelude::*;

use crate::enums::{DocumentProfile, SigningAuthority};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "outgoing_numbers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The numbered report; one number each (a correction is numbered anew).
    #[sea_orm(unique)]
    pub report_id: Uuid,
    /// The registry document holding the number, so it parses and searches.
    #[sea_orm(unique)]
    pub document_id: Uuid,
    pub profile: DocumentProfile,
    pub signer_authority: Option<SigningAuthority>,
    /// After the authority's prefix: the body (T/M) or the head's position (K/T, T/L).
    #[sea_orm(column_type = "Text", nullable)]
    pub signer_on_behalf_of: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub signer_position: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub signer_name: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::report::Entity",
        from = "Column::ReportId",
        to = "super::report::Column::Id"
    )]
    Report,
    #[sea_orm(
        belongs_to = "super::legal_document::Entity",
        from = "Column::DocumentId",
        to = "super::legal_document::Column::Id"
    )]
    Document,
}

impl ActiveModelBehavior for ActiveModel {}
