//! `import_errors`: why one row (or the whole file) of an import cannot be written.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "import_errors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub import_id: Uuid,
    /// Row as the spreadsheet numbers it (the header is row 1); 0 for the whole file.
    pub row_number: i32,
    #[sea_orm(column_type = "Text")]
    pub field: String,
    /// Stable code, e.g. `UNKNOWN_UNIT` (README, "Import").
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    #[sea_orm(column_type = "Text")]
    pub sort_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
