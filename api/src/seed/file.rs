//! The shape of `api/seed/*.json` (see `docs/seed-format.md`).

use chrono::NaiveDate;
use entity::{
    Aggregation, AssignmentRole, DocumentRelationKind, DocumentStatus, DocumentType,
    GrassrootsType, Measure, PlanStatus, Provenance, ReportKind, UnitKind,
};
use serde::Deserialize;

use crate::domain::provenance::FieldProvenance;

/// The seed of Plan 24-KH/BCĐ of Sóc Trăng, 2024.
pub const SOC_TRANG_2024: &str = include_str!("../../seed/soc-trang-2024.json");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedFile {
    pub units: Vec<SeedUnit>,
    pub legal_documents: Vec<SeedDocument>,
    #[serde(default)]
    pub document_relations: Vec<SeedRelation>,
    pub plan: SeedPlan,
    pub recipients: Vec<SeedRecipient>,
    pub tasks: Vec<SeedTask>,
    #[serde(default)]
    pub report_schedules: Vec<SeedSchedule>,
    pub indicators: Vec<SeedIndicator>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedUnit {
    pub key: String,
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: UnitKind,
    pub grassroots_type: Option<GrassrootsType>,
    pub parent: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub provenance: Provenance,
    /// Fields whose provenance differs from `provenance` (field name as the API spells it).
    #[serde(default)]
    pub field_provenance: FieldProvenance,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedDocument {
    pub key: String,
    pub number: String,
    pub document_type: DocumentType,
    pub issuer: String,
    pub issuer_unit: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub party_term: Option<String>,
    pub status: DocumentStatus,
    pub provenance: Provenance,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRelation {
    pub from: String,
    pub to: String,
    pub kind: DocumentRelationKind,
    pub effective_on: Option<NaiveDate>,
    pub provenance: Provenance,
    /// Fields whose provenance differs from `provenance` (e.g. an assumed `effectiveOn`).
    #[serde(default)]
    pub field_provenance: FieldProvenance,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPlan {
    pub number: String,
    pub title: String,
    pub issued_on: Option<NaiveDate>,
    pub issuing_unit: String,
    pub standing_unit: Option<String>,
    pub document: Option<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub motto: Option<String>,
    pub status: PlanStatus,
    pub provenance: Provenance,
    /// Fields whose provenance differs from `provenance` (field name as the API spells it).
    #[serde(default)]
    pub field_provenance: FieldProvenance,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRecipient {
    pub unit: String,
    pub derive_by: Option<NaiveDate>,
    pub provenance: Provenance,
    /// Fields whose provenance differs from `provenance` (field name as the API spells it).
    #[serde(default)]
    pub field_provenance: FieldProvenance,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedTask {
    pub code: String,
    pub parent: Option<String>,
    pub content_area: Option<i16>,
    pub title: String,
    pub description: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub provenance: Provenance,
    /// Fields whose provenance differs from `provenance` (field name as the API spells it).
    #[serde(default)]
    pub field_provenance: FieldProvenance,
    pub note: Option<String>,
    #[serde(default)]
    pub references: Vec<SeedReference>,
    #[serde(default)]
    pub assignments: Vec<SeedAssignment>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedReference {
    pub document: String,
    pub note: Option<String>,
    #[serde(default)]
    pub provision: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedAssignment {
    pub unit: String,
    pub role: AssignmentRole,
    /// The assignment's own provenance: who leads or coordinates is often not what the
    /// article says even where the task is.
    pub provenance: Provenance,
    /// Fields whose provenance differs from `provenance` (field name as the API spells it).
    #[serde(default)]
    pub field_provenance: FieldProvenance,
    /// Why, when the provenance needs saying (kept in the file, not loaded).
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedSchedule {
    pub key: String,
    pub kind: ReportKind,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_on: NaiveDate,
    pub recipient_unit: Option<String>,
    pub reporting_units: Vec<String>,
    pub provenance: Provenance,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedIndicator {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub measure: Measure,
    pub aggregation: Aggregation,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub content_area: Option<i16>,
    pub provenance: Provenance,
    #[serde(default)]
    pub note: Option<String>,
}

impl SeedFile {
    pub fn parse(json: &str) -> anyhow::Result<Self> {
        Ok(serde_json::from_str(json)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_seed_parses_and_cites_nineteen_documents() {
        let seed = SeedFile::parse(SOC_TRANG_2024).unwrap();
        let plan_doc = seed.plan.document.as_deref();
        // The plan's own document, the 19 it cites, and the law that later amended the Law on
        // grassroots democracy (research, not the article).
        let others: Vec<&str> = seed
            .legal_documents
            .iter()
            .filter(|d| Some(d.key.as_str()) != plan_doc)
            .map(|d| d.number.as_str())
            .collect();
        assert_eq!(others.len(), 20);
        assert_eq!(others.last(), Some(&"97/2025/QH15"));
        let top: Vec<&str> = seed
            .tasks
            .iter()
            .filter(|t| t.parent.is_none())
            .map(|t| t.code.as_str())
            .collect();
        assert_eq!(top, ["1", "2", "3", "4", "5", "6", "7"]);
        assert_eq!(seed.plan.number, "24-KH/BCĐ");
    }

    #[test]
    fn every_seed_string_is_nfc() {
        use unicode_normalization::is_nfc;
        let value: serde_json::Value = serde_json::from_str(SOC_TRANG_2024).unwrap();
        fn walk(v: &serde_json::Value) {
            match v {
                serde_json::Value::String(s) => assert!(is_nfc(s), "not NFC: {s}"),
                serde_json::Value::Array(a) => a.iter().for_each(walk),
                serde_json::Value::Object(o) => o.values().for_each(walk),
                _ => {}
            }
        }
        walk(&value);
    }
}
