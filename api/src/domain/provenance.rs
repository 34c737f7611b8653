//! Provenance per field: where a record mixes sources (the article names a body, research
//! gives its full name; the article names the plan's year, the seed assumes its dates), the
//! fields that differ from the record's own `provenance` are kept as a JSON object in the
//! record's `field_provenance` column (`docs/seed-format.md`).

use std::collections::BTreeMap;

use entity::Provenance;

/// Field name (as the API spells it) → provenance, in field-name order.
pub type FieldProvenance = BTreeMap<String, Provenance>;

/// The stored form: `None` when no field differs.
pub fn encode(fields: &FieldProvenance) -> Option<String> {
    if fields.is_empty() {
        return None;
    }
    serde_json::to_string(fields).ok()
}

/// The fields whose provenance differs from the record's, in field-name order. A column that
/// does not hold such an object (written by hand) reads as no exceptions rather than failing
/// the whole record.
pub fn decode(stored: Option<&str>) -> Vec<(String, Provenance)> {
    stored
        .and_then(|s| serde_json::from_str::<FieldProvenance>(s).ok())
        .map(|m| m.into_iter().collect())
        .unwrap_or_default()
}

/// The provenance of `field` in a record of provenance `record`.
pub fn of_field(record: Provenance, stored: Option<&str>, field: &str) -> Provenance {
    decode(stored)
        .into_iter()
        .find(|(f, _)| f == field)
        .map_or(record, |(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_field_order_and_empty_is_none() {
        assert_eq!(encode(&FieldProvenance::new()), None);
        let mut fields = FieldProvenance::new();
        fields.insert("periodStart".into(), Provenance::Assumed);
        fields.insert("deriveBy".into(), Provenance::Research);
        let stored = encode(&fields).unwrap();
        assert_eq!(stored, r#"{"deriveBy":"RESEARCH","periodStart":"ASSUMED"}"#);
        assert_eq!(
            decode(Some(&stored)),
            [
                ("deriveBy".to_owned(), Provenance::Research),
                ("periodStart".to_owned(), Provenance::Assumed)
            ]
        );
        assert_eq!(
            of_field(Provenance::Article, Some(&stored), "periodStart"),
            Provenance::Assumed
        );
        assert_eq!(
            of_field(Provenance::Article, Some(&stored), "title"),
            Provenance::Article
        );
    }

    #[test]
    fn unreadable_columns_read_as_no_exceptions() {
        assert!(decode(None).is_empty());
        assert!(decode(Some("not json")).is_empty());
        assert!(decode(Some(r#"{"a":"NOPE"}"#)).is_empty());
    }
}
