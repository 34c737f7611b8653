//! Changes to the "Dân vận khéo" register (content 5 of Plan 24-KH/BCĐ): registering an entry,
//! assessing it against the criteria, recognising it, replicating it in another unit, retiring
//! it; and keeping the criteria catalogue. One transaction per change, with its audit event.
//!
//! Who may (grants cover a unit's subtree, as everywhere):
//! - register an entry: a writing role (ADMIN, STEERING, UNIT_MANAGER, REPORTER, PARTNER) over
//!   its unit;
//! - assess or retire it: a planning role (ADMIN, STEERING, UNIT_MANAGER) over its unit;
//! - recognise it: a planning role over the recognising unit, which is the entry's unit or one
//!   above it; overriding unmet mandatory criteria needs STEERING or ADMIN over the recognising
//!   unit, and a reason;
//! - replicate it: anyone who sees the recognised source and holds a writing role over the
//!   other unit the copy goes to;
//! - keep the criteria catalogue: ADMIN or STEERING of a root unit (the province).

use std::collections::HashSet;

use chrono::NaiveDate;
use entity::{
    ExemplarField, ExemplarKind, ExemplarStatus, RecognitionForm, RecognitionLevel, exemplar,
    exemplar_assessment, exemplar_criterion, exemplar_recognition, legal_document,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz,
    exemplar_rules::{self as rules, Step},
    exemplars,
    planning::{load_open_unit, optional_text, required_text},
    write::{Writer, check_version, save_versioned},
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    text,
};

/// At most this many criteria in one assessment.
pub const MAX_ASSESSED: usize = 100;

/// A day the caller states for something that happened: today when not given, never later.
fn past_day(caller: &Caller, field: &str, day: Option<NaiveDate>) -> AppResult<NaiveDate> {
    let today = caller.today();
    match day {
        Some(d) if d > today => Err(AppError::bad_input(field, "the day is in the future")),
        Some(d) => Ok(d),
        None => Ok(today),
    }
}

fn search_text(name: &str, description: Option<&str>) -> String {
    text::fold(&format!("{name} {}", description.unwrap_or_default()))
}

/// An entry to register.
#[derive(Clone, Debug)]
pub struct NewExemplar {
    pub unit: Uuid,
    pub kind: ExemplarKind,
    pub field: ExemplarField,
    pub name: String,
    pub description: Option<String>,
    pub registered_on: Option<NaiveDate>,
}

/// Inserts an entry (REGISTERED) once the caller's right to its unit is checked.
async fn insert_entry(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    new: NewExemplar,
    source: Option<Uuid>,
) -> AppResult<exemplar::Model> {
    let name = required_text("input.name", &new.name)?;
    let description = optional_text("input.description", new.description.as_deref())?;
    let registered_on = past_day(caller, "input.registeredOn", new.registered_on)?;
    let now = caller.clock.now();
    Ok(exemplar::ActiveModel {
        id: Set(Uuid::now_v7()),
        unit_id: Set(new.unit),
        kind: Set(new.kind),
        field: Set(new.field),
        search_text: Set(search_text(&name, description.as_deref())),
        name: Set(name),
        description: Set(description),
        registered_on: Set(registered_on),
        status: Set(ExemplarStatus::Registered),
        recognised_on: Set(None),
        retired_on: Set(None),
        retire_reason: Set(None),
        source_exemplar_id: Set(source),
        author_id: Set(caller.person()),
        sort_key: Set(exemplars::sort_key(registered_on, now)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?)
}

/// A unit an entry is registered in: one the caller sees, open today, under a writing grant.
async fn require_entry_unit(
    db: &impl ConnectionTrait,
    caller: &Caller,
    field: &str,
    unit: Uuid,
) -> AppResult<()> {
    authz::require_visible_unit(db, caller, field, unit).await?;
    load_open_unit(db, field, unit, caller.today()).await?;
    authz::require(db, caller, authz::WRITERS, unit).await
}

/// Registers a model or an exemplary collective or individual (REGISTERED).
///
/// Errors: `FORBIDDEN` without a writing grant over the unit; `BAD_USER_INPUT` for an unknown
/// or closed unit, an empty name, a registration day in the future.
pub async fn register(w: &Writer, actor: &Actor, new: NewExemplar) -> AppResult<exemplar::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            require_entry_unit(txn, caller, "input.unitId", new.unit).await?;
            let created = insert_entry(txn, caller, new, None).await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "exemplar.register",
                    "Exemplar",
                    created.id,
                    Some(created.unit_id),
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Loads an entry the caller sees (`NOT_FOUND` otherwise) and checks its version.
async fn load(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    version: i32,
) -> AppResult<exemplar::Model> {
    let e = exemplars::get(db, caller, id)
        .await?
        .ok_or(AppError::NotFound("exemplar"))?;
    check_version(e.version, version)?;
    Ok(e)
}

/// One criterion's verdict.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub criterion: Uuid,
    pub met: bool,
    pub note: Option<String>,
}

/// Assesses an entry against several criteria at once (REGISTERED → ASSESSED; a recognised
/// entry may be reassessed and stays recognised). A criterion assessed before is reassessed:
/// its row takes the new verdict, the audit log keeps the old one.
///
/// Errors: `FORBIDDEN` without a planning grant over the entry's unit; `BAD_USER_INPUT` for an
/// unknown, inactive or inapplicable criterion, one named twice, no verdict or more than
/// [`MAX_ASSESSED`], a retired entry; `CONFLICT` for a stale version.
pub async fn assess(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    verdicts: Vec<Verdict>,
    assessed_on: Option<NaiveDate>,
) -> AppResult<exemplar::Model> {
    if verdicts.is_empty() || verdicts.len() > MAX_ASSESSED {
        return Err(AppError::bad_input(
            "input.verdicts",
            format!("give from 1 to {MAX_ASSESSED} verdicts"),
        ));
    }
    let mut notes = Vec::with_capacity(verdicts.len());
    let mut seen = HashSet::new();
    for (i, v) in verdicts.iter().enumerate() {
        if !seen.insert(v.criterion) {
            return Err(AppError::bad_input(
                format!("input.verdicts[{i}].criterionId"),
                "the criterion is named twice",
            ));
        }
        notes.push(optional_text(
            &format!("input.verdicts[{i}].note"),
            v.note.as_deref(),
        )?);
    }
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let before = load(txn, caller, id, version).await?;
            authz::require(txn, caller, authz::PLANNERS, before.unit_id).await?;
            let status = rules::after(before.status, Step::Assess)?;
            let assessed_on = past_day(caller, "input.assessedOn", assessed_on)?;
            if assessed_on < before.registered_on {
                return Err(AppError::bad_input(
                    "input.assessedOn",
                    "an entry is assessed on or after the day it was registered",
                ));
            }
            let now = caller.clock.now();
            for (i, (v, note)) in verdicts.iter().zip(notes).enumerate() {
                let field = format!("input.verdicts[{i}].criterionId");
                let c = exemplars::criterion(txn, v.criterion)
                    .await?
                    .ok_or_else(|| AppError::bad_input(&field, "criterion not found"))?;
                if !rules::applies(&exemplars::rule_view(&c), before.field) {
                    return Err(AppError::bad_input(
                        field,
                        "the criterion is inactive or belongs to another field",
                    ));
                }
                let existing = exemplar_assessment::Entity::find()
                    .filter(exemplar_assessment::Column::ExemplarId.eq(id))
                    .filter(exemplar_assessment::Column::CriterionId.eq(c.id))
                    .one(txn)
                    .await?;
                let (action, prior, after) = match existing {
                    Some(old) => {
                        let old_version = old.version;
                        let mut am = old.clone().into_active_model();
                        am.met = Set(v.met);
                        am.note = Set(note);
                        am.assessed_on = Set(assessed_on);
                        am.assessor_id = Set(caller.person());
                        let after = save_versioned!(txn, exemplar_assessment, am, old_version, now);
                        ("exemplar.reassess", Some(old), after)
                    }
                    None => {
                        let after = exemplar_assessment::ActiveModel {
                            id: Set(Uuid::now_v7()),
                            exemplar_id: Set(id),
                            criterion_id: Set(c.id),
                            met: Set(v.met),
                            note: Set(note),
                            assessed_on: Set(assessed_on),
                            assessor_id: Set(caller.person()),
                            created_at: Set(now),
                            updated_at: Set(now),
                            version: Set(1),
                        }
                        .insert(txn)
                        .await?;
                        ("exemplar.assess", None, after)
                    }
                };
                let mut change =
                    Change::of(action, "ExemplarAssessment", after.id, Some(before.unit_id))
                        .after(&after);
                if let Some(prior) = &prior {
                    change = change.before(prior);
                }
                audit::record(txn, &actor, change).await?;
            }
            let mut am = before.clone().into_active_model();
            am.status = Set(status);
            let after = save_versioned!(txn, exemplar, am, version, now);
            audit::record(
                txn,
                &actor,
                Change::of("exemplar.assessed", "Exemplar", id, Some(after.unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// A recognition to record.
#[derive(Clone, Debug)]
pub struct NewRecognition {
    pub form: RecognitionForm,
    pub level: RecognitionLevel,
    pub recognising_unit: Uuid,
    pub decision_document: Option<Uuid>,
    pub recognised_on: Option<NaiveDate>,
    /// Why STEERING recognises it with mandatory criteria unmet.
    pub override_reason: Option<String>,
}

/// An entry after its recognition, and the recognition.
pub struct Recognised {
    pub exemplar: exemplar::Model,
    pub recognition: exemplar_recognition::Model,
}

/// Recognises an entry (→ RECOGNISED; its first recognition day is kept): every mandatory
/// criterion applicable to its field must be assessed as met, or STEERING over the recognising
/// unit overrides with a reason. A recognised entry may be recognised again in another form or
/// at another level.
///
/// Errors: `FORBIDDEN` without a planning grant over the recognising unit, or overriding
/// without STEERING; `BAD_USER_INPUT` for unmet mandatory criteria, a recognising unit that is
/// neither the entry's unit nor above it, an unknown decision document, a day in the future, a
/// retired entry; `CONFLICT` for a stale version or the same form at the same level twice.
pub async fn recognise(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    new: NewRecognition,
) -> AppResult<Recognised> {
    let reason = optional_text("input.overrideReason", new.override_reason.as_deref())?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let before = load(txn, caller, id, version).await?;
            let by = new.recognising_unit;
            authz::require_visible_unit(txn, caller, "input.recognisingUnitId", by).await?;
            if !super::units::all_within_on(txn, &[by], &[before.unit_id], caller.today()).await? {
                return Err(AppError::bad_input(
                    "input.recognisingUnitId",
                    "an entry is recognised by its own unit or one above it",
                ));
            }
            authz::require(txn, caller, authz::PLANNERS, by).await?;
            let status = rules::after(before.status, Step::Recognise)?;
            let unmet = exemplars::unmet_mandatory(txn, &before).await?;
            let unmet: Vec<&str> = unmet.iter().map(String::as_str).collect();
            let may_override = authz::covers(txn, caller, authz::STEERING, by).await?;
            let overridden = rules::decide_recognition(&unmet, reason.as_deref(), may_override)?;
            if let Some(doc) = new.decision_document
                && legal_document::Entity::find_by_id(doc)
                    .one(txn)
                    .await?
                    .is_none()
            {
                return Err(AppError::bad_input(
                    "input.decisionDocumentId",
                    "document not found",
                ));
            }
            let recognised_on = past_day(caller, "input.recognisedOn", new.recognised_on)?;
            if recognised_on < before.registered_on {
                return Err(AppError::bad_input(
                    "input.recognisedOn",
                    "an entry is recognised on or after the day it was registered",
                ));
            }
            let by_level = level_of(txn, by, caller.today()).await?;
            if !rules::level_fits(new.level, by_level) {
                return Err(AppError::bad_input(
                    "input.level",
                    "the level is the recognising unit's own (a central award is recorded by the \
                     province)",
                ));
            }
            let now = caller.clock.now();
            let recognition = exemplar_recognition::ActiveModel {
                id: Set(Uuid::now_v7()),
                exemplar_id: Set(id),
                form: Set(new.form),
                level: Set(new.level),
                recognising_unit_id: Set(by),
                decision_document_id: Set(new.decision_document),
                recognised_on: Set(recognised_on),
                overridden: Set(overridden),
                override_reason: Set(reason),
                author_id: Set(caller.person()),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            let mut am = before.clone().into_active_model();
            am.status = Set(status);
            let first = before
                .recognised_on
                .map_or(recognised_on, |d| d.min(recognised_on));
            am.recognised_on = Set(Some(first));
            let after = save_versioned!(txn, exemplar, am, version, now);
            audit::record(
                txn,
                &actor,
                Change::of(
                    "exemplar.recognise",
                    "ExemplarRecognition",
                    recognition.id,
                    Some(after.unit_id),
                )
                .after(&recognition),
            )
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of("exemplar.recognised", "Exemplar", id, Some(after.unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(Recognised {
                exemplar: after,
                recognition,
            })
        })
    })
    .await
}

/// Where and how a recognised entry is replicated.
#[derive(Clone, Debug)]
pub struct NewReplication {
    pub unit: Uuid,
    /// The copy's name; the source's when not given.
    pub name: Option<String>,
    pub description: Option<String>,
    pub registered_on: Option<NaiveDate>,
}

/// Replicates a recognised entry (nhân rộng) in another unit: a new entry of the same kind and
/// field, REGISTERED, linked to its source, without the source's assessments or recognitions.
///
/// Errors: `NOT_FOUND` for a source the caller does not see; `FORBIDDEN` without a writing
/// grant over the unit; `BAD_USER_INPUT` for the source's own unit, an unrecognised or retired
/// source.
pub async fn replicate(
    w: &Writer,
    actor: &Actor,
    source: Uuid,
    new: NewReplication,
) -> AppResult<exemplar::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let src = exemplars::get(txn, caller, source)
                .await?
                .ok_or(AppError::NotFound("exemplar"))?;
            require_entry_unit(txn, caller, "input.unitId", new.unit).await?;
            rules::after(src.status, Step::Replicate)?;
            if new.unit == src.unit_id {
                return Err(AppError::bad_input(
                    "input.unitId",
                    "a replication lives in another unit than its source",
                ));
            }
            if let (Some(day), Some(recognised)) = (new.registered_on, src.recognised_on)
                && day < recognised
            {
                return Err(AppError::bad_input(
                    "input.registeredOn",
                    "a replication is registered on or after its source was recognised",
                ));
            }
            let entry = NewExemplar {
                unit: new.unit,
                kind: src.kind,
                field: src.field,
                name: new.name.unwrap_or_else(|| src.name.clone()),
                description: new.description.or_else(|| src.description.clone()),
                registered_on: new.registered_on,
            };
            let created = insert_entry(txn, caller, entry, Some(src.id)).await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "exemplar.replicate",
                    "Exemplar",
                    created.id,
                    Some(created.unit_id),
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Retires an entry (→ RETIRED) with a reason; its history stays, and it still counts in the
/// periods it was active (up to its retirement day).
///
/// Errors: `FORBIDDEN` without a planning grant over its unit; `BAD_USER_INPUT` without a
/// reason, for a day in the future, before its registration or its first recognition, an
/// entry already retired; `CONFLICT` for a stale version.
pub async fn retire(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    reason: String,
    retired_on: Option<NaiveDate>,
) -> AppResult<exemplar::Model> {
    let reason = required_text("input.reason", &reason)?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let before = load(txn, caller, id, version).await?;
            authz::require(txn, caller, authz::PLANNERS, before.unit_id).await?;
            let status = rules::after(before.status, Step::Retire)?;
            let day = past_day(caller, "input.retiredOn", retired_on)?;
            if day < before.registered_on || before.recognised_on.is_some_and(|r| day < r) {
                return Err(AppError::bad_input(
                    "input.retiredOn",
                    "an entry retires after its registration and its recognition",
                ));
            }
            let mut am = before.clone().into_active_model();
            am.status = Set(status);
            am.retired_on = Set(Some(day));
            am.retire_reason = Set(Some(reason));
            let after = save_versioned!(txn, exemplar, am, version, caller.clock.now());
            audit::record(
                txn,
                &actor,
                Change::of("exemplar.retire", "Exemplar", id, Some(after.unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// Refuses unless the caller keeps the criteria catalogue: ADMIN or STEERING of a root unit.
async fn require_catalogue_keeper(db: &impl ConnectionTrait, caller: &Caller) -> AppResult<()> {
    caller.require_any(authz::STEERING)?;
    if super::power::holds_at_root(db, caller, authz::STEERING).await? {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "the criteria catalogue is kept by ADMIN or STEERING of the province",
        ))
    }
}

/// The level of a unit's recognitions: the level of the nearest commune, district or province
/// at or above it today; central for a unit outside any province (the central steering
/// committee).
async fn level_of(
    db: &impl ConnectionTrait,
    unit: Uuid,
    today: NaiveDate,
) -> AppResult<entity::RecognitionLevel> {
    use entity::{RecognitionLevel as L, UnitKind as K};
    let u = super::planning::load_unit(db, "input.recognisingUnitId", unit).await?;
    let mut line = super::units::ancestors(db, &u, None, today).await?;
    line.push(u);
    // Nearest first: a commune inside a district is the commune's level.
    for kind in line.iter().rev().map(|u| u.kind) {
        match kind {
            K::Commune => return Ok(L::Commune),
            K::District => return Ok(L::District),
            K::Province => return Ok(L::Province),
            _ => {}
        }
    }
    Ok(L::Central)
}

/// A criterion code: 1–64 letters, digits, `.`, `_` or `-`, kept in capitals so that codes
/// differing only in case are one code.
fn parse_code(raw: &str) -> AppResult<String> {
    let code = raw.trim();
    let valid = !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(code.to_uppercase())
    } else {
        Err(AppError::bad_input(
            "input.code",
            "a code is 1–64 letters, digits, '.', '_' or '-'",
        ))
    }
}

/// A criterion to add to the catalogue.
#[derive(Clone, Debug)]
pub struct NewCriterion {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub field: Option<ExemplarField>,
    pub mandatory: bool,
}

/// Adds a criterion (active).
///
/// Errors: `FORBIDDEN` unless ADMIN or STEERING of a root unit; `BAD_USER_INPUT` for a bad code
/// or an empty name; `CONFLICT` for a code in use.
pub async fn create_criterion(
    w: &Writer,
    actor: &Actor,
    new: NewCriterion,
) -> AppResult<exemplar_criterion::Model> {
    let code = parse_code(&new.code)?;
    let name = required_text("input.name", &new.name)?;
    let description = optional_text("input.description", new.description.as_deref())?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            require_catalogue_keeper(txn, caller).await?;
            let now = caller.clock.now();
            let created = exemplar_criterion::ActiveModel {
                id: Set(Uuid::now_v7()),
                code: Set(code),
                name: Set(name),
                description: Set(description),
                field: Set(new.field),
                mandatory: Set(new.mandatory),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "exemplarCriterion.create",
                    "ExemplarCriterion",
                    created.id,
                    None,
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Changes to a criterion; `field: Some(None)` makes it apply in every field.
#[derive(Clone, Debug, Default)]
pub struct CriterionPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub field: Option<Option<ExemplarField>>,
    pub mandatory: Option<bool>,
    pub active: Option<bool>,
}

/// Changes a criterion. Recognitions already given stay as they were given.
///
/// Errors: as [`create_criterion`]; `NOT_FOUND` for an unknown criterion; `CONFLICT` for a
/// stale version.
pub async fn update_criterion(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: CriterionPatch,
) -> AppResult<exemplar_criterion::Model> {
    let name = patch
        .name
        .as_deref()
        .map(|n| required_text("input.name", n))
        .transpose()?;
    let description = match &patch.description {
        Some(d) => Some(optional_text("input.description", d.as_deref())?),
        None => None,
    };
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            require_catalogue_keeper(txn, caller).await?;
            let before = exemplars::criterion(txn, id)
                .await?
                .ok_or(AppError::NotFound("criterion"))?;
            check_version(before.version, version)?;
            let mut am = before.clone().into_active_model();
            if let Some(n) = name {
                am.name = Set(n);
            }
            if let Some(d) = description {
                am.description = Set(d);
            }
            if let Some(f) = patch.field {
                am.field = Set(f);
            }
            if let Some(m) = patch.mandatory {
                am.mandatory = Set(m);
            }
            if let Some(a) = patch.active {
                am.active = Set(a);
            }
            let after = save_versioned!(txn, exemplar_criterion, am, version, caller.clock.now());
            audit::record(
                txn,
                &actor,
                Change::of("exemplarCriterion.update", "ExemplarCriterion", id, None)
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}
