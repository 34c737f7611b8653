//! `attachments`: a stored, clean file (tệp đính kèm) linked to exactly one report, oversight
//! finding, remedial action or exemplary model.

use sea_orm::entity::prelude::*;

use crate::AttachmentOrigin;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub blob_id: Uuid,
    /// NFC.
    pub filename: String,
    /// The type found in the bytes.
    pub content_type: String,
    pub byte_size: i64,
    pub origin: AttachmentOrigin,
    pub report_id: Option<Uuid>,
    pub finding_id: Option<Uuid>,
    pub remedial_action_id: Option<Uuid>,
    pub exemplar_id: Option<Uuid>,
    /// The unit whose record the target is.
    pub unit_id: Uuid,
    pub attached_by_user_id: Option<Uuid>,
    pub attached_by_client_id: Option<Uuid>,
    pub sort_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
