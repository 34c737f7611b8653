//! `exemplar_recognitions`: a decision or award recognising an entry (công nhận, khen thưởng),
//! at a level, by a unit; an override of unmet mandatory criteria carries its reason.

use sea_orm::entity::prelude::*;

use crate::enums::{RecognitionForm, RecognitionLevel};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "exemplar_recognitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub exemplar_id: Uuid,
    pub form: RecognitionForm,
    pub level: RecognitionLevel,
    pub recognising_unit_id: Uuid,
    /// The decision in the legal registry, if registered.
    pub decision_document_id: Option<Uuid>,
    pub recognised_on: Date,
    /// STEERING recognised it although a mandatory criterion was not met.
    pub overridden: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub override_reason: Option<String>,
    pub author_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::exemplar::Entity",
        from = "Column::ExemplarId",
        to = "super::exemplar::Column::Id"
    )]
    Exemplar,
}

impl ActiveModelBehavior for ActiveModel {}
