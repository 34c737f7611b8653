//! `FieldProvenance`: the provenance of one field of a record that mixes sources.

use async_graphql::SimpleObject;

use super::enums::Provenance;
use crate::domain::provenance;

/// Where one field of a record comes from, when it differs from the record's `provenance`
/// (e.g. a plan stated by the article whose `periodStart` is assumed).
#[derive(SimpleObject)]
pub struct FieldProvenance {
    /// Field name, as this API spells it (`periodStart`, `deriveBy`, `name`, `dueOn`…).
    pub field: String,
    /// Where that field's value comes from.
    pub provenance: Provenance,
}

/// The exceptions stored in a record's `field_provenance` column, in field-name order.
pub fn fields(stored: Option<&str>) -> Vec<FieldProvenance> {
    provenance::decode(stored)
        .into_iter()
        .map(|(field, p)| FieldProvenance {
            field,
            provenance: p.into(),
        })
        .collect()
}
