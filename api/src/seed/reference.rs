//! Loads the seed file idempotently: every record is matched by its natural key first, so a
//! second run finds everything and writes nothing.

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use chrono::Utc;
use entity::{
    AssignmentStatus, TaskStatus, assignment, document_relation, indicator, plan, plan_recipient,
    report_obligation, report_schedule, task, task_legal_reference,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::file::{SeedAssignment, SeedFile, SeedTask};
use crate::{
    domain::{legal, legal_registry, plans, provenance, tasks, units},
    text,
};

/// How many records a run created (all zero on a second run).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub units: usize,
    pub documents: usize,
    pub relations: usize,
    pub plans: usize,
    pub recipients: usize,
    pub tasks: usize,
    pub references: usize,
    pub assignments: usize,
    pub schedules: usize,
    pub obligations: usize,
    pub indicators: usize,
}

impl SeedReport {
    pub fn created(&self) -> usize {
        self.units
            + self.documents
            + self.relations
            + self.plans
            + self.recipients
            + self.tasks
            + self.references
            + self.assignments
            + self.schedules
            + self.obligations
            + self.indicators
    }
}

/// Field provenance of an assignment: its own, plus `dueOn`, which is copied from the task and
/// so comes from wherever the task's due date comes from.
fn assignment_fields(task: &SeedTask, a: &SeedAssignment) -> provenance::FieldProvenance {
    let mut fields = a.field_provenance.clone();
    if task.due_on.is_some() {
        let due = task
            .field_provenance
            .get("dueOn")
            .copied()
            .unwrap_or(task.provenance);
        if due != a.provenance {
            fields.entry("dueOn".to_owned()).or_insert(due);
        }
    }
    fields
}

/// Loads `json` (a seed file) in one transaction.
pub async fn seed_reference(db: &DatabaseConnection, json: &str) -> anyhow::Result<SeedReport> {
    let seed = SeedFile::parse(json).context("seed file does not match docs/seed-format.md")?;
    let txn = crate::db::begin_write(db).await?;
    let report = load(&txn, &seed).await?;
    txn.commit().await?;
    Ok(report)
}

async fn load(db: &impl ConnectionTrait, seed: &SeedFile) -> anyhow::Result<SeedReport> {
    let mut report = SeedReport::default();
    let now = Utc::now();

    // Units, parents before children whatever the file order.
    let mut unit_ids: HashMap<&str, Uuid> = HashMap::new();
    let mut pending: Vec<_> = seed.units.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for u in pending {
            let parent_id = match &u.parent {
                None => None,
                Some(p) => match unit_ids.get(p.as_str()) {
                    Some(id) => Some(*id),
                    None => {
                        rest.push(u);
                        continue;
                    }
                },
            };
            let id = match units::by_code(db, &u.code)
                .await
                .map_err(|e| anyhow!("unit {}: {}", u.code, e.message()))?
            {
                Some(existing) => existing.id,
                None => {
                    report.units += 1;
                    units::create(
                        db,
                        units::NewUnit {
                            code: u.code.clone(),
                            name: u.name.clone(),
                            short_name: u.short_name.clone(),
                            kind: u.kind,
                            grassroots_type: u.grassroots_type,
                            parent_id,
                            valid_from: u.valid_from,
                            valid_to: u.valid_to,
                            provenance: u.provenance,
                            note: u.note.clone(),
                            field_provenance: provenance::encode(&u.field_provenance),
                            event_id: None,
                        },
                    )
                    .await
                    .map_err(|e| anyhow!("unit {}: {}", u.code, e.message()))?
                    .id
                }
            };
            unit_ids.insert(&u.key, id);
        }
        if rest.len() == before {
            return Err(anyhow!(
                "units with unknown parents: {:?}",
                rest.iter().map(|u| &u.key).collect::<Vec<_>>()
            ));
        }
        pending = rest;
    }
    let unit_id = |key: &str| -> anyhow::Result<Uuid> {
        unit_ids
            .get(key)
            .copied()
            .ok_or_else(|| anyhow!("unknown unit key `{key}`"))
    };

    let mut doc_ids: HashMap<&str, Uuid> = HashMap::new();
    for d in &seed.legal_documents {
        let (row, created) = legal::register(
            db,
            legal::NewDocument {
                number: d.number.clone(),
                document_type: d.document_type,
                issuer: d.issuer.clone(),
                issuer_unit_id: d.issuer_unit.as_deref().map(unit_id).transpose()?,
                issued_on: d.issued_on,
                effective_on: None,
                title: d.title.clone(),
                party_term: d.party_term.clone(),
                status: d.status,
                provenance: d.provenance,
                note: d.note.clone(),
            },
        )
        .await
        .map_err(|e| anyhow!("document {}: {}", d.number, e.message()))?;
        report.documents += usize::from(created);
        doc_ids.insert(&d.key, row.id);
    }
    let doc_id = |key: &str| -> anyhow::Result<Uuid> {
        doc_ids
            .get(key)
            .copied()
            .ok_or_else(|| anyhow!("unknown document key `{key}`"))
    };

    let mut amended = Vec::new();
    for r in &seed.document_relations {
        let (from, to) = (doc_id(&r.from)?, doc_id(&r.to)?);
        let exists = document_relation::Entity::find()
            .filter(document_relation::Column::FromDocumentId.eq(from))
            .filter(document_relation::Column::ToDocumentId.eq(to))
            .filter(document_relation::Column::Kind.eq(r.kind))
            .one(db)
            .await?
            .is_some();
        if !exists {
            report.relations += 1;
            document_relation::ActiveModel {
                id: Set(Uuid::now_v7()),
                from_document_id: Set(from),
                to_document_id: Set(to),
                kind: Set(r.kind),
                effective_on: Set(r.effective_on),
                provision: Set(None),
                note: Set(r.note.as_deref().map(text::clean)),
                provenance: Set(r.provenance),
                field_provenance: Set(provenance::encode(&r.field_provenance)),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
            amended.push(to);
        }
    }
    // A relation in effect changes its target's stored status now, as the API's would; one
    // dated later waits for the daily sweep (`legal_registry::refresh_due_statuses`).
    let today = crate::domain::clock::province_day(now);
    for to in amended {
        legal_registry::refresh_status(db, to, today)
            .await
            .map_err(|e| anyhow!("document status: {}", e.message()))?;
    }

    let p = &seed.plan;
    let issuing_unit = unit_id(&p.issuing_unit)?;
    let number = text::clean(&p.number);
    let plan_row = match plan::Entity::find()
        .filter(plan::Column::Number.eq(&number))
        .filter(plan::Column::IssuingUnitId.eq(issuing_unit))
        .one(db)
        .await?
    {
        Some(existing) => existing,
        None => {
            report.plans += 1;
            let title = text::clean(&p.title);
            plan::ActiveModel {
                id: Set(Uuid::now_v7()),
                sort_key: Set(plans::sort_key(p.period_start, Some(&number), &title)),
                search_text: Set(text::fold(&format!(
                    "{number} {title} {}",
                    p.motto.as_deref().unwrap_or_default()
                ))),
                number: Set(Some(number.clone())),
                title: Set(title),
                issuing_unit_id: Set(issuing_unit),
                standing_unit_id: Set(p.standing_unit.as_deref().map(unit_id).transpose()?),
                parent_plan_id: Set(None),
                document_id: Set(p.document.as_deref().map(doc_id).transpose()?),
                period_start: Set(p.period_start),
                period_end: Set(p.period_end),
                status: Set(p.status),
                issued_on: Set(p.issued_on),
                motto: Set(p.motto.as_deref().map(text::clean)),
                provenance: Set(p.provenance),
                field_provenance: Set(provenance::encode(&p.field_provenance)),
                note: Set(p.note.as_deref().map(text::clean)),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(db)
            .await?
        }
    };

    for r in &seed.recipients {
        let unit = unit_id(&r.unit)?;
        let exists = plan_recipient::Entity::find()
            .filter(plan_recipient::Column::PlanId.eq(plan_row.id))
            .filter(plan_recipient::Column::UnitId.eq(unit))
            .one(db)
            .await?
            .is_some();
        if !exists {
            report.recipients += 1;
            plan_recipient::ActiveModel {
                id: Set(Uuid::now_v7()),
                plan_id: Set(plan_row.id),
                unit_id: Set(unit),
                derive_by: Set(r.derive_by),
                derived_plan_id: Set(None),
                overdue_notified_at: Set(None),
                provenance: Set(r.provenance),
                field_provenance: Set(provenance::encode(&r.field_provenance)),
                note: Set(r.note.as_deref().map(text::clean)),
                rerouted_from_id: Set(None),
                rerouted_to_id: Set(None),
                active_from: Set(None),
                rerouted_on: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(db)
            .await?;
        }
    }

    // Tasks: position among siblings follows file order; parents come first in the file.
    let mut task_rows: HashMap<&str, (Uuid, Vec<i32>)> = HashMap::new();
    let mut sibling_count: HashMap<Option<&str>, i32> = HashMap::new();
    for t in &seed.tasks {
        let parent_key = t.parent.as_deref();
        let position = {
            let n = sibling_count.entry(parent_key).or_insert(0);
            *n += 1;
            *n
        };
        let (parent_id, mut path) = match parent_key {
            None => (None, Vec::new()),
            Some(k) => {
                let (id, path) = task_rows.get(k).ok_or_else(|| {
                    anyhow!("task {} names parent {k} before it is defined", t.code)
                })?;
                (Some(*id), path.clone())
            }
        };
        path.push(position);
        let existing = task::Entity::find()
            .filter(task::Column::PlanId.eq(plan_row.id))
            .filter(task::Column::Code.eq(&t.code))
            .one(db)
            .await?;
        let id = match existing {
            Some(row) => row.id,
            None => {
                report.tasks += 1;
                let title = text::clean(&t.title);
                let description = t.description.as_deref().map(text::clean);
                task::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    plan_id: Set(plan_row.id),
                    parent_id: Set(parent_id),
                    code: Set(t.code.clone()),
                    position: Set(position),
                    content_area: Set(t.content_area),
                    search_text: Set(text::fold(&format!(
                        "{} {title} {}",
                        t.code,
                        description.as_deref().unwrap_or_default()
                    ))),
                    sort_key: Set(tasks::sort_key(&plan_row.sort_key, &path)),
                    title: Set(title),
                    description: Set(description),
                    due_on: Set(t.due_on),
                    status: Set(TaskStatus::NotStarted),
                    progress: Set(0),
                    derived_from_task_id: Set(None),
                    provenance: Set(t.provenance),
                    field_provenance: Set(provenance::encode(&t.field_provenance)),
                    note: Set(t.note.as_deref().map(text::clean)),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                }
                .insert(db)
                .await?
                .id
            }
        };
        task_rows.insert(&t.code, (id, path));

        for r in &t.references {
            let document = doc_id(&r.document)?;
            let exists = task_legal_reference::Entity::find()
                .filter(task_legal_reference::Column::TaskId.eq(id))
                .filter(task_legal_reference::Column::DocumentId.eq(document))
                .one(db)
                .await?
                .is_some();
            if !exists {
                report.references += 1;
                task_legal_reference::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    task_id: Set(id),
                    document_id: Set(document),
                    provision: Set(r.provision.as_deref().map(text::clean)),
                    note: Set(r.note.as_deref().map(text::clean)),
                    created_at: Set(now),
                }
                .insert(db)
                .await?;
            }
        }
        for a in &t.assignments {
            let unit = unit_id(&a.unit)?;
            let exists = assignment::Entity::find()
                .filter(assignment::Column::TaskId.eq(id))
                .filter(assignment::Column::UnitId.eq(unit))
                .one(db)
                .await?
                .is_some();
            if !exists {
                report.assignments += 1;
                assignment::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    task_id: Set(id),
                    unit_id: Set(unit),
                    role: Set(a.role),
                    due_on: Set(t.due_on),
                    status: Set(AssignmentStatus::Assigned),
                    progress: Set(0),
                    provenance: Set(a.provenance),
                    field_provenance: Set(provenance::encode(&assignment_fields(t, a))),
                    rerouted_from_id: Set(None),
                    rerouted_to_id: Set(None),
                    active_from: Set(None),
                    rerouted_on: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                }
                .insert(db)
                .await?;
            }
        }
    }

    for s in &seed.report_schedules {
        let existing = report_schedule::Entity::find()
            .filter(report_schedule::Column::PlanId.eq(plan_row.id))
            .filter(report_schedule::Column::Kind.eq(s.kind))
            .filter(report_schedule::Column::PeriodStart.eq(s.period_start))
            .filter(report_schedule::Column::PeriodEnd.eq(s.period_end))
            .one(db)
            .await?;
        let schedule_id = match existing {
            Some(row) => row.id,
            None => {
                report.schedules += 1;
                report_schedule::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    plan_id: Set(plan_row.id),
                    kind: Set(s.kind),
                    title: Set(text::clean(&s.title)),
                    period_start: Set(s.period_start),
                    period_end: Set(s.period_end),
                    due_on: Set(s.due_on),
                    recipient_unit_id: Set(s.recipient_unit.as_deref().map(unit_id).transpose()?),
                    provenance: Set(s.provenance),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                }
                .insert(db)
                .await?
                .id
            }
        };
        for key in &s.reporting_units {
            let unit = unit_id(key)?;
            let exists = report_obligation::Entity::find()
                .filter(report_obligation::Column::ScheduleId.eq(schedule_id))
                .filter(report_obligation::Column::UnitId.eq(unit))
                .one(db)
                .await?
                .is_some();
            if !exists {
                report.obligations += 1;
                report_obligation::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    schedule_id: Set(schedule_id),
                    unit_id: Set(unit),
                    rerouted_from_id: Set(None),
                    rerouted_to_id: Set(None),
                    active_from: Set(None),
                    rerouted_on: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                }
                .insert(db)
                .await?;
            }
        }
    }

    for i in &seed.indicators {
        let exists = indicator::Entity::find()
            .filter(indicator::Column::Code.eq(&i.code))
            .one(db)
            .await?
            .is_some();
        if !exists {
            report.indicators += 1;
            let name = text::clean(&i.name);
            indicator::ActiveModel {
                id: Set(Uuid::now_v7()),
                code: Set(i.code.clone()),
                sort_key: Set(i.code.clone()),
                search_text: Set(text::fold(&format!("{} {name}", i.code))),
                name: Set(name),
                description: Set(i.description.as_deref().map(text::clean)),
                measure: Set(i.measure),
                aggregation: Set(i.aggregation),
                numerator_code: Set(i.numerator.clone()),
                denominator_code: Set(i.denominator.clone()),
                content_area: Set(i.content_area),
                provenance: Set(i.provenance),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(report)
}
