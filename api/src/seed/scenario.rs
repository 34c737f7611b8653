//! Scenario files (`api/seed/<name>.json`): units and documents to add, then reorganisation
//! events applied through the same service as the API, in file order. Loading is idempotent:
//! existing units and documents are reused and events already recorded (by code) are skipped.

use anyhow::{Context as _, anyhow};
use chrono::NaiveDate;
use entity::{DocumentStatus, DocumentType, GrassrootsType, Provenance, ReorgKind, UnitKind};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::{
    legal::{self, NewDocument},
    lineage::Revision,
    reorg::{self, NewReorg, SuccessorUnit},
    units::{self, NewUnit},
    write::Writer,
};

/// The 2025 reorganisation of Sóc Trăng (research §3.7).
pub const REORG_2025: &str = include_str!("../../seed/reorg-2025.json");

/// Scenarios `qcdc seed --scenario` knows, by name.
pub const SCENARIOS: [(&str, &str); 1] = [("reorg-2025", REORG_2025)];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    pub note: Option<String>,
    #[serde(default)]
    pub units: Vec<ScenarioUnit>,
    #[serde(default)]
    pub legal_documents: Vec<ScenarioDocument>,
    pub events: Vec<ScenarioEvent>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioUnit {
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: UnitKind,
    pub grassroots_type: Option<GrassrootsType>,
    /// Code of the parent unit.
    pub parent: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub provenance: Provenance,
    /// Fields whose provenance differs from `provenance`.
    #[serde(default)]
    pub field_provenance: crate::domain::provenance::FieldProvenance,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioDocument {
    pub number: String,
    pub document_type: DocumentType,
    pub issuer: String,
    pub issued_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioNewUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub grassroots_type: Option<GrassrootsType>,
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioEvent {
    pub code: String,
    pub kind: ReorgKind,
    pub effective_on: NaiveDate,
    /// Number of the legal basis, registered under `legalDocuments` or already known.
    pub basis: Option<String>,
    pub title: String,
    pub note: Option<String>,
    pub provenance: Provenance,
    /// Unit codes.
    pub predecessors: Vec<String>,
    pub successor: Option<String>,
    pub new_unit: Option<ScenarioNewUnit>,
    pub children_to: Option<String>,
}

/// What a scenario load did.
#[derive(Debug, Default)]
pub struct ScenarioReport {
    pub units: usize,
    pub documents: usize,
    pub events: usize,
    pub skipped_events: usize,
}

/// Loads the scenario `name` into `db`.
pub async fn seed_scenario(db: &DatabaseConnection, name: &str) -> anyhow::Result<ScenarioReport> {
    let json = SCENARIOS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| *json)
        .ok_or_else(|| {
            anyhow!(
                "unknown scenario `{name}`; known: {}",
                SCENARIOS.map(|(n, _)| n).join(", ")
            )
        })?;
    let file: ScenarioFile = serde_json::from_str(json).context("scenario file")?;
    load(db, &file).await
}

async fn unit_id(db: &impl ConnectionTrait, code: &str) -> anyhow::Result<Uuid> {
    Ok(units::by_code(db, code)
        .await
        .map_err(|e| anyhow!("unit {code}: {}", e.message()))?
        .ok_or_else(|| anyhow!("no unit with code `{code}` (run `qcdc seed` first?)"))?
        .id)
}

async fn load(db: &DatabaseConnection, file: &ScenarioFile) -> anyhow::Result<ScenarioReport> {
    let mut report = ScenarioReport::default();
    let txn = crate::db::begin_write(db).await?;
    for u in &file.units {
        if units::by_code(&txn, &u.code)
            .await
            .map_err(|e| anyhow!(e.message()))?
            .is_some()
        {
            continue;
        }
        let parent_id = match &u.parent {
            Some(code) => Some(unit_id(&txn, code).await?),
            None => None,
        };
        units::create(
            &txn,
            NewUnit {
                code: u.code.clone(),
                name: u.name.clone(),
                short_name: u.short_name.clone(),
                kind: u.kind,
                grassroots_type: u.grassroots_type,
                parent_id,
                valid_from: u.valid_from,
                valid_to: None,
                provenance: u.provenance,
                note: u.note.clone(),
                field_provenance: crate::domain::provenance::encode(&u.field_provenance),
                event_id: None,
            },
        )
        .await
        .map_err(|e| anyhow!("unit {}: {}", u.code, e.message()))?;
        report.units += 1;
    }
    for d in &file.legal_documents {
        let (_, created) = legal::register(
            &txn,
            NewDocument {
                number: d.number.clone(),
                document_type: d.document_type,
                issuer: d.issuer.clone(),
                issuer_unit_id: None,
                issued_on: d.issued_on,
                effective_on: None,
                title: d.title.clone(),
                party_term: None,
                status: DocumentStatus::InForce,
                provenance: d.provenance,
                note: None,
            },
        )
        .await
        .map_err(|e| anyhow!("document {}: {}", d.number, e.message()))?;
        report.documents += usize::from(created);
    }
    txn.commit().await?;

    let writer = Writer::new(db.clone());
    for event in &file.events {
        if entity::reorg_event::Entity::find()
            .filter(entity::reorg_event::Column::Code.eq(event.code.as_str()))
            .one(db)
            .await?
            .is_some()
        {
            report.skipped_events += 1;
            continue;
        }
        let new = resolve(db, event).await?;
        let actor = crate::domain::audit::command_line(db)
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
        reorg::apply(&writer, &actor, new)
            .await
            .map_err(|e| anyhow!("event {}: {}", event.code, e.message()))?;
        report.events += 1;
    }
    Ok(report)
}

async fn resolve(db: &DatabaseConnection, event: &ScenarioEvent) -> anyhow::Result<NewReorg> {
    let mut predecessors = Vec::new();
    for code in &event.predecessors {
        predecessors.push(unit_id(db, code).await?);
    }
    let successor = match &event.successor {
        Some(code) => Some(unit_id(db, code).await?),
        None => None,
    };
    let children_to = match &event.children_to {
        Some(code) => Some(unit_id(db, code).await?),
        None => None,
    };
    let legal_basis = match &event.basis {
        Some(number) => {
            let key = legal::number_columns(number, None, None).canonical;
            Some(
                entity::legal_document::Entity::find()
                    .filter(entity::legal_document::Column::NumberCanonical.eq(key))
                    .one(db)
                    .await?
                    .ok_or_else(|| anyhow!("event {}: no document {number}", event.code))?
                    .id,
            )
        }
        None => None,
    };
    let mut new_units = Vec::new();
    if let Some(u) = &event.new_unit {
        let parent = match &u.parent {
            Some(code) => Some(unit_id(db, code).await?),
            None => None,
        };
        new_units.push(SuccessorUnit {
            code: u.code.clone(),
            name: u.name.clone(),
            short_name: None,
            kind: u.kind,
            grassroots_type: u.grassroots_type,
            parent,
            routing_default: true,
            valid_to: None,
        });
    }
    Ok(NewReorg {
        code: Some(event.code.clone()),
        kind: event.kind,
        effective_on: event.effective_on,
        legal_basis,
        title: event.title.clone(),
        note: event.note.clone(),
        provenance: event.provenance,
        predecessors,
        successor,
        new_units,
        revision: Revision::default(),
        transferred: Vec::new(),
        children_to,
        routing: Vec::new(),
    })
}
