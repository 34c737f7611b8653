//! The legal basis registry: registering and editing documents, the relations between them
//! (amends, replaces, repeals, details, implements), the status those relations derive, and
//! what rests on a document (tasks, plans, reports) when it changes.

use std::collections::{HashSet, VecDeque};

use chrono::{NaiveDate, Utc};
use entity::{
    DocumentRelationKind, DocumentStatus, DocumentType, Provenance, document_relation,
    legal_document, plan, report, report_task_progress, task, task_legal_reference,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    ModelTrait, QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Query,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz, legal,
    planning::{load_unit, optional_text},
    scope,
    write::{Writer, check_version, save_versioned},
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    text,
};

/// Longest document number accepted.
const MAX_NUMBER: usize = 200;
/// Longest one-line text (title, issuer, term, provision) accepted.
const MAX_LINE: usize = 2_000;

/// Relations that change the status of their target.
const STATUS_KINDS: [DocumentRelationKind; 3] = [
    DocumentRelationKind::Amends,
    DocumentRelationKind::Replaces,
    DocumentRelationKind::Repeals,
];
/// Relations through which a document rests on another (the detailing one on the detailed).
const RESTING_KINDS: [DocumentRelationKind; 2] = [
    DocumentRelationKind::Details,
    DocumentRelationKind::Implements,
];

/// A document to register.
#[derive(Clone, Debug)]
pub struct DocumentInput {
    pub number: String,
    pub document_type: DocumentType,
    pub issuer: String,
    pub issuer_unit_id: Option<Uuid>,
    pub issued_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub party_term: Option<String>,
    /// Status as registered; relations derive the stored status from it.
    pub base_status: DocumentStatus,
    pub note: Option<String>,
}

/// Changes to a document; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct DocumentPatch {
    pub number: Option<String>,
    pub document_type: Option<DocumentType>,
    pub issuer: Option<String>,
    pub issuer_unit_id: Option<Uuid>,
    pub issued_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub party_term: Option<String>,
    pub base_status: Option<DocumentStatus>,
    pub note: Option<String>,
}

/// A relation to record: `from` amends, replaces, repeals, details or implements `to`.
#[derive(Clone, Debug)]
pub struct NewRelation {
    pub from: Uuid,
    pub to: Uuid,
    pub kind: DocumentRelationKind,
    pub effective_on: Option<NaiveDate>,
    pub provision: Option<String>,
    pub note: Option<String>,
}

/// A number, cleaned and non-empty.
fn number(field: &str, value: &str) -> AppResult<String> {
    let cleaned = text::parse_line(field, value)?;
    if cleaned.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if cleaned.chars().count() > MAX_NUMBER {
        return Err(AppError::bad_input(
            field,
            "a document number has at most 200 characters",
        ));
    }
    Ok(cleaned)
}

/// One line of text, cleaned; `required` refuses an empty one, otherwise empty is `None`.
fn line(field: &str, value: Option<&str>, required: bool) -> AppResult<Option<String>> {
    let cleaned = value
        .map(|v| text::parse_line(field, v))
        .transpose()?
        .filter(|v| !v.is_empty());
    match &cleaned {
        None if required => Err(AppError::bad_input(field, "must not be empty")),
        Some(v) if v.chars().count() > MAX_LINE => {
            Err(AppError::bad_input(field, "is limited to 2,000 characters"))
        }
        _ => Ok(cleaned),
    }
}

/// Only ADMIN and STEERING keep the registry. A document issued by a unit of the tree is kept
/// by those whose scope holds that unit; one issued outside it (a law, a central decree) is
/// everyone's basis, so only ADMIN or STEERING of the root (the province) keeps it.
async fn require_registrar(
    db: &impl ConnectionTrait,
    caller: &Caller,
    issuer_unit: Option<Uuid>,
) -> AppResult<()> {
    caller.require_any(authz::STEERING)?;
    match issuer_unit {
        Some(unit) => {
            load_unit(db, "input.issuerUnitId", unit).await?;
            authz::require(db, caller, authz::STEERING, unit).await
        }
        None if super::power::holds_at_root(db, caller, authz::STEERING).await? => Ok(()),
        None => Err(AppError::forbidden(
            "documents issued outside the province's units are kept by its steering committee",
        )),
    }
}

/// `CONFLICT` naming the document that already has `key`, unless it is `except`.
async fn refuse_duplicate(
    db: &impl ConnectionTrait,
    key: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    let existing = legal_document::Entity::find()
        .filter(legal_document::Column::DedupeKey.eq(key))
        .one(db)
        .await?;
    match existing {
        Some(doc) if Some(doc.id) != except => Err(AppError::Conflict(format!(
            "this number identifies the document already registered as {}",
            doc.number
        ))),
        _ => Ok(()),
    }
}

async fn load_document(
    db: &impl ConnectionTrait,
    field: Option<&str>,
    id: Uuid,
) -> AppResult<legal_document::Model> {
    let found = legal_document::Entity::find_by_id(id).one(db).await?;
    match (found, field) {
        (Some(doc), _) => Ok(doc),
        (None, Some(field)) => Err(AppError::bad_input(field, "legal document not found")),
        (None, None) => Err(AppError::NotFound("legal document")),
    }
}

/// Registers a document (STEERING, ADMIN). A number whose identity is taken is a `CONFLICT`.
pub async fn register_document(
    w: &Writer,
    actor: &Actor,
    input: DocumentInput,
) -> AppResult<legal_document::Model> {
    actor.caller.require_any(authz::STEERING)?;
    let new = legal::NewDocument {
        number: number("input.number", &input.number)?,
        document_type: input.document_type,
        issuer: line("input.issuer", Some(&input.issuer), true)?.unwrap_or_default(),
        issuer_unit_id: input.issuer_unit_id,
        issued_on: input.issued_on,
        effective_on: input.effective_on,
        title: line("input.title", input.title.as_deref(), false)?,
        party_term: line("input.partyTerm", input.party_term.as_deref(), false)?,
        status: input.base_status,
        provenance: Provenance::User,
        note: optional_text("input.note", input.note.as_deref())?,
    };
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            if let Some(unit) = new.issuer_unit_id {
                authz::require_visible_unit(txn, &actor.caller, "input.issuerUnitId", unit).await?;
            }
            require_registrar(txn, &actor.caller, new.issuer_unit_id).await?;
            let cols = legal::number_columns(&new.number, new.issued_on, new.party_term.as_deref());
            refuse_duplicate(txn, &cols.dedupe_key, None).await?;
            let (created, inserted) = legal::register(txn, new).await?;
            // Another registration of the same identity committed since the check above:
            // `legal::register` hands back that document, which is not this caller's.
            if !inserted {
                return Err(AppError::Conflict(format!(
                    "this number identifies the document already registered as {}",
                    created.number
                )));
            }
            audit::record(
                txn,
                &actor,
                Change::of(
                    "legalDocument.register",
                    "LegalDocument",
                    created.id,
                    created.issuer_unit_id,
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Edits a document (STEERING, ADMIN) at the `version` the client read; the number's identity
/// is recomputed and must stay unique.
pub async fn update_document(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: DocumentPatch,
) -> AppResult<legal_document::Model> {
    actor.caller.require_any(authz::STEERING)?;
    let number = patch
        .number
        .as_deref()
        .map(|n| number("input.number", n))
        .transpose()?;
    let issuer = line("input.issuer", patch.issuer.as_deref(), false)?;
    if patch.issuer.is_some() && issuer.is_none() {
        return Err(AppError::bad_input("input.issuer", "must not be empty"));
    }
    let title = line("input.title", patch.title.as_deref(), false)?;
    let party_term = line("input.partyTerm", patch.party_term.as_deref(), false)?;
    let note = optional_text("input.note", patch.note.as_deref())?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = load_document(txn, None, id).await?;
            require_registrar(txn, &actor.caller, before.issuer_unit_id).await?;
            if let Some(unit) = patch.issuer_unit_id {
                authz::require_visible_unit(txn, &actor.caller, "input.issuerUnitId", unit).await?;
                require_registrar(txn, &actor.caller, patch.issuer_unit_id).await?;
            }
            check_version(before.version, version)?;
            let number = number.unwrap_or_else(|| before.number.clone());
            let issued_on = patch.issued_on.or(before.issued_on);
            let party_term = if patch.party_term.is_some() {
                party_term
            } else {
                before.party_term.clone()
            };
            let title = if patch.title.is_some() {
                title
            } else {
                before.title.clone()
            };
            let issuer = issuer.unwrap_or_else(|| before.issuer.clone());
            let document_type = patch.document_type.unwrap_or(before.document_type);
            let cols = legal::number_columns(&number, issued_on, party_term.as_deref());
            refuse_duplicate(txn, &cols.dedupe_key, Some(id)).await?;
            let (search_text, issuer_search) = legal::search_columns(
                &number,
                &cols,
                document_type,
                title.as_deref(),
                &issuer,
                party_term.as_deref(),
            );
            let base_status = patch.base_status.unwrap_or(before.base_status);
            let incoming = incoming_status_relations(txn, id).await?;
            let (status, superseded_by) =
                derive_status(base_status, &incoming, actor.caller.today());
            let mut am = before.clone().into_active_model();
            am.sort_key = Set(legal::sort_key(issued_on, &number));
            am.number = Set(number);
            am.number_canonical = Set(cols.canonical);
            am.family = Set(cols.family);
            am.seq = Set(cols.seq);
            am.seq_suffix = Set(cols.seq_suffix);
            am.year = Set(cols.year);
            am.type_code = Set(cols.type_code);
            am.issuer_codes = Set(cols.issuer_codes);
            am.party_term = Set(party_term);
            am.document_type = Set(document_type);
            am.issuer = Set(issuer);
            if patch.issuer_unit_id.is_some() {
                am.issuer_unit_id = Set(patch.issuer_unit_id);
            }
            am.issued_on = Set(issued_on);
            if patch.effective_on.is_some() {
                am.effective_on = Set(patch.effective_on);
            }
            am.title = Set(title);
            am.base_status = Set(base_status);
            am.status = Set(status);
            am.superseded_by_id = Set(superseded_by);
            if patch.note.is_some() {
                am.note = Set(note);
            }
            am.parse_warnings =
                Set(serde_json::to_string(&cols.warnings).map_err(AppError::internal)?);
            am.dedupe_key = Set(cols.dedupe_key);
            am.search_text = Set(search_text);
            am.issuer_search = Set(issuer_search);
            let after = save_versioned!(txn, legal_document, am, version, Utc::now());
            audit::record(
                txn,
                &actor,
                Change::of(
                    "legalDocument.update",
                    "LegalDocument",
                    id,
                    after.issuer_unit_id,
                )
                .before(&before)
                .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// The status a document has on `today`: a repeal wins, then the latest replacement (whose
/// replacing document becomes `superseded_by`), then an amendment; otherwise `base`. Only
/// relations in effect count (no date, or a date on or before `today`).
pub fn derive_status(
    base: DocumentStatus,
    incoming: &[document_relation::Model],
    today: NaiveDate,
) -> (DocumentStatus, Option<Uuid>) {
    let effective = |kind: DocumentRelationKind| {
        incoming
            .iter()
            .filter(move |r| r.kind == kind && r.effective_on.is_none_or(|d| d <= today))
    };
    if effective(DocumentRelationKind::Repeals).next().is_some() {
        return (DocumentStatus::Repealed, None);
    }
    if let Some(latest) =
        effective(DocumentRelationKind::Replaces).max_by_key(|r| (r.effective_on, r.created_at))
    {
        return (DocumentStatus::Superseded, Some(latest.from_document_id));
    }
    if effective(DocumentRelationKind::Amends).next().is_some() {
        return (DocumentStatus::Amended, None);
    }
    (base, None)
}

async fn incoming_status_relations(
    db: &impl ConnectionTrait,
    document: Uuid,
) -> AppResult<Vec<document_relation::Model>> {
    Ok(document_relation::Entity::find()
        .filter(document_relation::Column::ToDocumentId.eq(document))
        .filter(document_relation::Column::Kind.is_in(STATUS_KINDS))
        .order_by_asc(document_relation::Column::CreatedAt)
        .all(db)
        .await?)
}

/// The status `document` had on `day`, from the relations in effect then.
pub async fn status_on(
    db: &impl ConnectionTrait,
    document: &legal_document::Model,
    day: NaiveDate,
) -> AppResult<(DocumentStatus, Option<Uuid>)> {
    let incoming = incoming_status_relations(db, document.id).await?;
    Ok(derive_status(document.base_status, &incoming, day))
}

/// Stores the status of every document a dated relation has reached since it was recorded
/// (an amendment recorded in advance takes effect on its day). Returns how many changed.
/// Reads go through `db` (the background connection), writes through `w`.
pub async fn refresh_due_statuses(
    db: &impl ConnectionTrait,
    w: &Writer,
    today: NaiveDate,
) -> AppResult<usize> {
    let targets: Vec<Uuid> = document_relation::Entity::find()
        .select_only()
        .column(document_relation::Column::ToDocumentId)
        .filter(document_relation::Column::Kind.is_in(STATUS_KINDS))
        .filter(document_relation::Column::EffectiveOn.lte(today))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut changed = 0;
    for target in targets {
        let doc = load_document(db, None, target).await?;
        let incoming = incoming_status_relations(db, target).await?;
        if derive_status(doc.base_status, &incoming, today) == (doc.status, doc.superseded_by_id) {
            continue;
        }
        // Every instance sweeps: another one may store the same status between our read and our
        // write (a version conflict). Reading again then finds it stored, and nothing is left.
        let mut attempts = 0;
        loop {
            let refreshed = w
                .transaction(move |txn| {
                    Box::pin(async move { refresh_status(txn, target, today).await })
                })
                .await;
            match refreshed {
                Ok(_) => break,
                Err(AppError::Conflict(_)) if attempts < 2 => attempts += 1,
                Err(other) => return Err(other),
            }
        }
        changed += 1;
    }
    Ok(changed)
}

/// Stores the status `document`'s relations derive on `today`, bumping its version when it
/// changes.
pub async fn refresh_status(
    db: &impl ConnectionTrait,
    document: Uuid,
    today: NaiveDate,
) -> AppResult<legal_document::Model> {
    let doc = load_document(db, None, document).await?;
    let incoming = incoming_status_relations(db, document).await?;
    let (status, superseded_by) = derive_status(doc.base_status, &incoming, today);
    if status == doc.status && superseded_by == doc.superseded_by_id {
        return Ok(doc);
    }
    let version = doc.version;
    let mut am = doc.into_active_model();
    am.status = Set(status);
    am.superseded_by_id = Set(superseded_by);
    Ok(save_versioned!(db, legal_document, am, version, Utc::now()))
}

/// Whether `target` is reachable from `start` along relations of `kind` (from → to).
async fn reaches(
    db: &impl ConnectionTrait,
    kind: DocumentRelationKind,
    start: Uuid,
    target: Uuid,
) -> AppResult<bool> {
    // The registry is reference data (thousands of relations at most): one read, then a walk.
    let edges: Vec<(Uuid, Uuid)> = document_relation::Entity::find()
        .select_only()
        .column(document_relation::Column::FromDocumentId)
        .column(document_relation::Column::ToDocumentId)
        .filter(document_relation::Column::Kind.eq(kind))
        .into_tuple()
        .all(db)
        .await?;
    let mut seen = HashSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(current) = queue.pop_front() {
        if current == target {
            return Ok(true);
        }
        for (from, to) in &edges {
            if *from == current && seen.insert(*to) {
                queue.push_back(*to);
            }
        }
    }
    Ok(false)
}

/// Records a relation (STEERING, ADMIN) and stores the status it derives on its target.
/// Returns the relation and the target as it is now.
pub async fn add_relation(
    w: &Writer,
    actor: &Actor,
    new: NewRelation,
) -> AppResult<(document_relation::Model, legal_document::Model)> {
    actor.caller.require_any(authz::STEERING)?;
    if new.from == new.to {
        return Err(AppError::bad_input(
            "input.toId",
            "a document cannot relate to itself",
        ));
    }
    let provision = line("input.provision", new.provision.as_deref(), false)?;
    let note = optional_text("input.note", new.note.as_deref())?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let from = load_document(txn, Some("input.fromId"), new.from).await?;
            let to = load_document(txn, Some("input.toId"), new.to).await?;
            // A relation changes the status of both ends for everyone who cites them.
            require_registrar(txn, &actor.caller, from.issuer_unit_id).await?;
            require_registrar(txn, &actor.caller, to.issuer_unit_id).await?;
            let duplicate = document_relation::Entity::find()
                .filter(document_relation::Column::FromDocumentId.eq(from.id))
                .filter(document_relation::Column::ToDocumentId.eq(to.id))
                .filter(document_relation::Column::Kind.eq(new.kind))
                .one(txn)
                .await?;
            if duplicate.is_some() {
                return Err(AppError::Conflict(format!(
                    "{} is already recorded as {} {}",
                    from.number,
                    new.kind.as_str(),
                    to.number
                )));
            }
            if matches!(
                new.kind,
                DocumentRelationKind::Replaces | DocumentRelationKind::Details
            ) && reaches(txn, new.kind, to.id, from.id).await?
            {
                return Err(AppError::bad_input(
                    "input.toId",
                    format!(
                        "{} already leads back to {} through {} relations: this would make a cycle",
                        to.number,
                        from.number,
                        new.kind.as_str()
                    ),
                ));
            }
            let relation = document_relation::ActiveModel {
                id: Set(Uuid::now_v7()),
                from_document_id: Set(from.id),
                to_document_id: Set(to.id),
                kind: Set(new.kind),
                effective_on: Set(new.effective_on),
                provision: Set(provision),
                note: Set(note),
                provenance: Set(Provenance::User),
                field_provenance: Set(None),
                created_at: Set(Utc::now()),
            }
            .insert(txn)
            .await?;
            super::sync::touch_documents(
                txn,
                &[relation.from_document_id, relation.to_document_id],
            )
            .await?;
            let target = refresh_status(txn, to.id, actor.caller.today()).await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "documentRelation.add",
                    "DocumentRelation",
                    relation.id,
                    target.issuer_unit_id,
                )
                .after(&relation),
            )
            .await?;
            Ok((relation, target))
        })
    })
    .await
}

/// Removes a relation (STEERING, ADMIN); returns its former target with the status it has
/// without it.
pub async fn remove_relation(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
) -> AppResult<legal_document::Model> {
    actor.caller.require_any(authz::STEERING)?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let relation = document_relation::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(AppError::NotFound("document relation"))?;
            for end in [relation.from_document_id, relation.to_document_id] {
                let document = load_document(txn, None, end).await?;
                require_registrar(txn, &actor.caller, document.issuer_unit_id).await?;
            }
            relation.clone().delete(txn).await?;
            super::sync::touch_documents(
                txn,
                &[relation.from_document_id, relation.to_document_id],
            )
            .await?;
            let target = refresh_status(txn, relation.to_document_id, actor.caller.today()).await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "documentRelation.remove",
                    "DocumentRelation",
                    id,
                    target.issuer_unit_id,
                )
                .before(&relation),
            )
            .await?;
            Ok(target)
        })
    })
    .await
}

/// `document` and, when `through_details`, every document that details or implements it,
/// directly or through others (cycle-safe).
pub async fn resting_documents(
    db: &impl ConnectionTrait,
    document: Uuid,
    through_details: bool,
) -> AppResult<Vec<Uuid>> {
    let mut found = vec![document];
    if !through_details {
        return Ok(found);
    }
    let edges: Vec<(Uuid, Uuid)> = document_relation::Entity::find()
        .select_only()
        .column(document_relation::Column::FromDocumentId)
        .column(document_relation::Column::ToDocumentId)
        .filter(document_relation::Column::Kind.is_in(RESTING_KINDS))
        .into_tuple()
        .all(db)
        .await?;
    let mut seen = HashSet::from([document]);
    let mut queue = VecDeque::from([document]);
    while let Some(current) = queue.pop_front() {
        for (from, to) in &edges {
            if *to == current && seen.insert(*from) {
                found.push(*from);
                queue.push_back(*from);
            }
        }
    }
    Ok(found)
}

/// Citations of `documents` by tasks the caller sees.
async fn visible_citations(
    db: &impl ConnectionTrait,
    caller: &Caller,
    documents: &[Uuid],
) -> AppResult<Vec<task_legal_reference::Model>> {
    let visible = Query::select()
        .column(task::Column::Id)
        .from(task::Entity)
        .cond_where(scope::visible_tasks(&caller.read_scopes()))
        .to_owned();
    Ok(task_legal_reference::Entity::find()
        .filter(task_legal_reference::Column::DocumentId.is_in(documents.iter().copied()))
        .filter(task_legal_reference::Column::TaskId.in_subquery(visible))
        .order_by_asc(task_legal_reference::Column::Id)
        .all(db)
        .await?)
}

/// What rests on a document, among what the caller sees.
#[derive(Clone, Debug, Default)]
pub struct Basis {
    /// Tasks citing the document (or a document detailing or implementing it).
    pub task_ids: Vec<Uuid>,
    /// Plans of those tasks, and plans whose own document it is.
    pub plan_ids: Vec<Uuid>,
    /// Reports stating progress on those tasks.
    pub report_ids: Vec<Uuid>,
}

/// Tasks, plans and reports resting on `document`, in a fixed number of statements.
pub async fn basis_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    document: Uuid,
    through_details: bool,
) -> AppResult<Basis> {
    let documents = resting_documents(db, document, through_details).await?;
    let citations = visible_citations(db, caller, &documents).await?;
    let mut seen = HashSet::new();
    let task_ids: Vec<Uuid> = citations
        .iter()
        .map(|c| c.task_id)
        .filter(|t| seen.insert(*t))
        .collect();
    let scopes = caller.read_scopes();
    let plans_of_tasks = Query::select()
        .column(task::Column::PlanId)
        .from(task::Entity)
        .and_where(task::Column::Id.is_in(task_ids.iter().copied()))
        .to_owned();
    let plan_ids: Vec<Uuid> = plan::Entity::find()
        .select_only()
        .column(plan::Column::Id)
        .filter(
            Condition::any()
                .add(plan::Column::Id.in_subquery(plans_of_tasks))
                .add(plan::Column::DocumentId.eq(document)),
        )
        .filter(scope::plans_touching(&scopes))
        .order_by_asc(plan::Column::SortKey)
        .order_by_asc(plan::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let reports_of_tasks = Query::select()
        .column(report_task_progress::Column::ReportId)
        .from(report_task_progress::Entity)
        .and_where(report_task_progress::Column::TaskId.is_in(task_ids.iter().copied()))
        .to_owned();
    let report_ids: Vec<Uuid> = report::Entity::find()
        .select_only()
        .column(report::Column::Id)
        .filter(report::Column::Id.in_subquery(reports_of_tasks))
        .filter(scope::reports_of_units(&scopes))
        .order_by_asc(report::Column::SortKey)
        .order_by_asc(report::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Basis {
        task_ids,
        plan_ids,
        report_ids,
    })
}

/// A citation to review after a change to the cited document.
#[derive(Clone, Debug)]
pub struct Review {
    pub citation: task_legal_reference::Model,
    /// Whether the change may touch what the task cites.
    pub provision_affected: bool,
}

/// An amending, replacing or repealing relation and the citations it puts up for review.
#[derive(Clone, Debug)]
pub struct Amendment {
    pub relation: document_relation::Model,
    pub reviews: Vec<Review>,
}

/// Whether a change to `changed` provision of `document` may touch a citation of
/// `cited_provision` in `cited_document`. Unknown provisions, and provisions of another
/// (detailing) document, cannot be compared, so they count as affected.
pub fn provision_affected(
    document: Uuid,
    changed: Option<&str>,
    cited_document: Uuid,
    cited_provision: Option<&str>,
) -> bool {
    match (changed, cited_provision) {
        (Some(changed), Some(cited)) if cited_document == document => {
            text::fold(changed) == text::fold(cited)
        }
        _ => true,
    }
}

/// Each relation amending, replacing or repealing `document`, oldest effect first, with the
/// citations (among tasks the caller sees) resting on the document.
pub async fn amendments(
    db: &impl ConnectionTrait,
    caller: &Caller,
    document: Uuid,
) -> AppResult<Vec<Amendment>> {
    let relations = document_relation::Entity::find()
        .filter(document_relation::Column::ToDocumentId.eq(document))
        .filter(document_relation::Column::Kind.is_in(STATUS_KINDS))
        .order_by_asc(document_relation::Column::EffectiveOn)
        .order_by_asc(document_relation::Column::CreatedAt)
        .all(db)
        .await?;
    if relations.is_empty() {
        return Ok(Vec::new());
    }
    let documents = resting_documents(db, document, true).await?;
    let citations = visible_citations(db, caller, &documents).await?;
    Ok(relations
        .into_iter()
        .map(|relation| {
            let reviews = citations
                .iter()
                .map(|c| Review {
                    provision_affected: provision_affected(
                        document,
                        relation.provision.as_deref(),
                        c.document_id,
                        c.provision.as_deref(),
                    ),
                    citation: c.clone(),
                })
                .collect();
            Amendment { relation, reviews }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn relation(
        kind: DocumentRelationKind,
        on: Option<NaiveDate>,
        at: u32,
    ) -> document_relation::Model {
        document_relation::Model {
            id: Uuid::now_v7(),
            from_document_id: Uuid::from_u128(u128::from(at)),
            to_document_id: Uuid::nil(),
            kind,
            effective_on: on,
            provision: None,
            note: None,
            provenance: Provenance::User,
            field_provenance: None,
            created_at: Utc.with_ymd_and_hms(2024, 1, at, 0, 0, 0).unwrap(),
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, d).unwrap()
    }

    #[test]
    fn without_relations_the_base_status_stands() {
        assert_eq!(
            derive_status(DocumentStatus::Unknown, &[], day(1)),
            (DocumentStatus::Unknown, None)
        );
    }

    #[test]
    fn a_repeal_wins_over_a_replacement_and_an_amendment() {
        let rs = [
            relation(DocumentRelationKind::Amends, None, 1),
            relation(DocumentRelationKind::Replaces, None, 2),
            relation(DocumentRelationKind::Repeals, Some(day(1)), 3),
        ];
        assert_eq!(
            derive_status(DocumentStatus::InForce, &rs, day(1)),
            (DocumentStatus::Repealed, None)
        );
    }

    #[test]
    fn the_latest_replacement_supersedes() {
        let rs = [
            relation(DocumentRelationKind::Replaces, Some(day(1)), 1),
            relation(DocumentRelationKind::Replaces, Some(day(5)), 2),
            relation(DocumentRelationKind::Amends, None, 3),
        ];
        assert_eq!(
            derive_status(DocumentStatus::InForce, &rs, day(10)),
            (DocumentStatus::Superseded, Some(Uuid::from_u128(2)))
        );
    }

    #[test]
    fn relations_not_yet_in_effect_do_not_count() {
        let rs = [
            relation(DocumentRelationKind::Repeals, Some(day(20)), 1),
            relation(DocumentRelationKind::Amends, Some(day(2)), 2),
        ];
        assert_eq!(
            derive_status(DocumentStatus::InForce, &rs, day(10)),
            (DocumentStatus::Amended, None)
        );
        assert_eq!(
            derive_status(DocumentStatus::InForce, &rs[..1], day(10)),
            (DocumentStatus::InForce, None)
        );
    }

    #[test]
    fn provisions_compare_folded_and_unknown_ones_count_as_affected() {
        let law = Uuid::from_u128(1);
        let decree = Uuid::from_u128(2);
        assert!(provision_affected(
            law,
            Some("Điều 11 khoản 5"),
            law,
            Some("dieu 11  KHOAN 5")
        ));
        assert!(!provision_affected(
            law,
            Some("Điều 11"),
            law,
            Some("Điều 5")
        ));
        assert!(provision_affected(law, None, law, Some("Điều 5")));
        assert!(provision_affected(law, Some("Điều 11"), law, None));
        assert!(provision_affected(
            law,
            Some("Điều 11"),
            decree,
            Some("Điều 5")
        ));
    }
}
