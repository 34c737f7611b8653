//! The legal basis registry: relations between documents, what rests on a document, and the
//! mutations that keep the registry (STEERING, ADMIN).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use entity::document_relation;
use uuid::Uuid;

use super::{
    ContextExt,
    enums::{DocumentRelationKind, DocumentStatus, DocumentType, Provenance},
    id::{self, NodeType},
    legal::{LegalDocument, LegalReference},
    loaders::failed,
    plan::Plan,
    report::Report,
    task::Task,
};
use crate::{
    domain::legal_registry::{self as registry, Amendment as DomainAmendment},
    error::AppResult,
};

/// One document amending, replacing, repealing, detailing or implementing another.
pub struct DocumentRelation(pub document_relation::Model);

/// One document amending, replacing, repealing, detailing or implementing another.
#[Object]
impl DocumentRelation {
    /// Opaque global id.
    async fn id(&self) -> ID {
        id::encode(NodeType::DocumentRelation, self.0.id)
    }
    /// How `from` relates to `to`.
    async fn kind(&self) -> DocumentRelationKind {
        self.0.kind.into()
    }
    /// The document that amends, replaces, repeals, details or implements.
    async fn from(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        super::legal::load(ctx, Some(self.0.from_document_id)).await
    }
    /// The document amended, replaced, repealed, detailed or implemented.
    async fn to(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        super::legal::load(ctx, Some(self.0.to_document_id)).await
    }
    /// Day the relation takes effect; none means it is in effect already.
    async fn effective_on(&self) -> Option<NaiveDate> {
        self.0.effective_on
    }
    /// Article or clause of `to` the relation touches (e.g. "Điều 11 khoản 5"); none means the
    /// whole document.
    async fn provision(&self) -> Option<&str> {
        self.0.provision.as_deref()
    }
    /// Remarks.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Where this relation comes from (the article, research, an assumption, or a user).
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
    /// Fields whose provenance differs from `provenance` (e.g. an assumed `effectiveOn`).
    async fn field_provenance(&self) -> Vec<super::provenance::FieldProvenance> {
        super::provenance::fields(self.0.field_provenance.as_deref())
    }
}

/// Tasks in the order of `ids`, through the request's loader.
pub async fn tasks(ctx: &Context<'_>, ids: &[Uuid]) -> AppResult<Vec<Task>> {
    let mut found = ctx
        .loaders()
        .tasks
        .load_many(ids.iter().copied())
        .await
        .map_err(failed)?;
    let mut tasks: Vec<_> = ids.iter().filter_map(|id| found.remove(id)).collect();
    tasks.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
    Ok(tasks.into_iter().map(Task).collect())
}

/// What rests on a legal document, among what the caller sees.
pub struct Basis(pub registry::Basis);

/// What rests on a legal document, among what the caller sees.
#[Object]
impl Basis {
    /// Tasks citing the document, or a document that details or implements it.
    async fn tasks(&self, ctx: &Context<'_>) -> AppResult<Vec<Task>> {
        tasks(ctx, &self.0.task_ids).await
    }
    /// Plans of those tasks, and plans whose own document this is.
    async fn plans(&self, ctx: &Context<'_>) -> AppResult<Vec<Plan>> {
        let mut found = ctx
            .loaders()
            .plans
            .load_many(self.0.plan_ids.iter().copied())
            .await
            .map_err(failed)?;
        Ok(self
            .0
            .plan_ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(Plan)
            .collect())
    }
    /// Reports stating progress on those tasks.
    async fn reports(&self, ctx: &Context<'_>) -> AppResult<Vec<Report>> {
        let mut found = ctx
            .loaders()
            .reports
            .load_many(self.0.report_ids.iter().copied())
            .await
            .map_err(failed)?;
        Ok(self
            .0
            .report_ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(Report)
            .collect())
    }
}

/// A change to a document (amendment, replacement or repeal) and the tasks to review.
pub struct Amendment(pub DomainAmendment);

/// A change to a document (amendment, replacement or repeal) and the tasks to review.
#[Object]
impl Amendment {
    /// The amending, replacing or repealing relation.
    async fn relation(&self) -> DocumentRelation {
        DocumentRelation(self.0.relation.clone())
    }
    /// Each citation resting on the changed document (directly or through a detailing or
    /// implementing document), among the tasks the caller sees.
    async fn tasks_to_review(&self) -> Vec<TaskToReview> {
        self.0
            .reviews
            .iter()
            .map(|r| TaskToReview {
                citation: r.citation.clone(),
                provision_affected: r.provision_affected,
            })
            .collect()
    }
}

/// A task whose legal basis changed, with what it cites.
pub struct TaskToReview {
    citation: entity::task_legal_reference::Model,
    provision_affected: bool,
}

/// A task whose legal basis changed, with what it cites.
#[Object]
impl TaskToReview {
    /// The task.
    async fn task(&self, ctx: &Context<'_>) -> AppResult<Option<Task>> {
        Ok(ctx
            .loaders()
            .tasks
            .load_one(self.citation.task_id)
            .await
            .map_err(failed)?
            .map(Task))
    }
    /// The citation: the document the task cites (the changed one, or one detailing or
    /// implementing it), the provision and the note.
    async fn citation(&self) -> LegalReference {
        LegalReference(self.citation.clone())
    }
    /// Article or clause the task cites, if narrower than the whole document.
    async fn provision(&self) -> Option<&str> {
        self.citation.provision.as_deref()
    }
    /// Whether the change may touch what the task cites: true when the change names no
    /// provision, the citation names none, the citation is of another (detailing) document,
    /// or both name the same provision (ignoring case, diacritics and spacing).
    async fn provision_affected(&self) -> bool {
        self.provision_affected
    }
}

/// A legal document to register.
#[derive(InputObject)]
pub struct RegisterLegalDocumentInput {
    /// Number and symbol as written, e.g. `59/2023/NĐ-CP`; its family-specific identity must
    /// not be registered yet.
    pub number: String,
    /// Type of document.
    pub document_type: DocumentType,
    /// Issuing body as the document names it (e.g. "Chính phủ").
    pub issuer: String,
    /// The issuing body, when it is one of our units; it must lie in your scope.
    pub issuer_unit_id: Option<ID>,
    /// Date of issue.
    pub issued_on: Option<NaiveDate>,
    /// Date the document takes effect.
    pub effective_on: Option<NaiveDate>,
    /// Subject (trích yếu).
    pub title: Option<String>,
    /// Term of the issuing party committee (e.g. "khóa XIII"); part of a Party document's
    /// identity.
    pub party_term: Option<String>,
    /// Status as registered (default `IN_FORCE`); amending, replacing and repealing relations
    /// recorded here override it.
    pub status: Option<DocumentStatus>,
    /// Remarks.
    pub note: Option<String>,
}

/// Changes to a legal document; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateLegalDocumentInput {
    /// New number and symbol; its identity must stay unique.
    pub number: Option<String>,
    /// New type.
    pub document_type: Option<DocumentType>,
    /// New issuing body name.
    pub issuer: Option<String>,
    /// New issuing unit; it must lie in your scope.
    pub issuer_unit_id: Option<ID>,
    /// New date of issue.
    pub issued_on: Option<NaiveDate>,
    /// New date of effect.
    pub effective_on: Option<NaiveDate>,
    /// New subject.
    pub title: Option<String>,
    /// New party committee term.
    pub party_term: Option<String>,
    /// New status as registered (relations still override it).
    pub status: Option<DocumentStatus>,
    /// New remarks.
    pub note: Option<String>,
}

/// A relation between two documents.
#[derive(InputObject)]
pub struct AddDocumentRelationInput {
    /// The document that amends, replaces, repeals, details or implements.
    pub from_id: ID,
    /// The document amended, replaced, repealed, detailed or implemented.
    pub to_id: ID,
    /// How `from` relates to `to`.
    pub kind: DocumentRelationKind,
    /// Day the relation takes effect; omit when it is in effect already.
    pub effective_on: Option<NaiveDate>,
    /// Article or clause of `to` it touches (e.g. "Điều 11 khoản 5"); omit for the whole
    /// document.
    pub provision: Option<String>,
    /// Remarks.
    pub note: Option<String>,
}

/// The result of registering or editing a legal document.
#[derive(SimpleObject)]
pub struct LegalDocumentPayload {
    /// The document as it is now.
    pub legal_document: LegalDocument,
}

/// The result of recording a relation.
#[derive(SimpleObject)]
pub struct AddDocumentRelationPayload {
    /// The relation.
    pub relation: DocumentRelation,
    /// Its target as it is now, with the status the relation derives.
    pub document: LegalDocument,
}

/// The result of removing a relation.
#[derive(SimpleObject)]
pub struct RemoveDocumentRelationPayload {
    /// Id of the removed relation.
    pub removed_id: ID,
    /// The former target as it is now, with the status it has without the relation.
    pub document: LegalDocument,
}

fn document_id(field: &str, id: &ID) -> AppResult<Uuid> {
    id::decode(field, NodeType::LegalDocument, id)
}

#[derive(Default)]
pub struct LegalRegistryMutation;

#[Object]
impl LegalRegistryMutation {
    /// Registers a legal document (STEERING, ADMIN). A number whose identity is already
    /// registered, however it is spelled, is a `CONFLICT` naming the existing document.
    async fn register_legal_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] input: RegisterLegalDocumentInput,
    ) -> AppResult<LegalDocumentPayload> {
        let actor = ctx.actor()?;
        let new = registry::DocumentInput {
            number: input.number,
            document_type: input.document_type.into(),
            issuer: input.issuer,
            issuer_unit_id: id::decode_opt(
                "input.issuerUnitId",
                NodeType::Unit,
                input.issuer_unit_id.as_ref(),
            )?,
            issued_on: input.issued_on,
            effective_on: input.effective_on,
            title: input.title,
            party_term: input.party_term,
            base_status: input
                .status
                .map_or(entity::DocumentStatus::InForce, Into::into),
            note: input.note,
        };
        let doc = registry::register_document(ctx.writer(), &actor, new).await?;
        Ok(LegalDocumentPayload {
            legal_document: LegalDocument(doc),
        })
    }

    /// Edits a legal document (STEERING, ADMIN) at the version you read; a stale version is a
    /// `CONFLICT`.
    async fn update_legal_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] id: ID,
        #[graphql(desc = "The version you last read.")] version: i32,
        #[graphql(desc = "The changes.")] input: UpdateLegalDocumentInput,
    ) -> AppResult<LegalDocumentPayload> {
        let actor = ctx.actor()?;
        let id = document_id("id", &id)?;
        let patch = registry::DocumentPatch {
            number: input.number,
            document_type: input.document_type.map(Into::into),
            issuer: input.issuer,
            issuer_unit_id: id::decode_opt(
                "input.issuerUnitId",
                NodeType::Unit,
                input.issuer_unit_id.as_ref(),
            )?,
            issued_on: input.issued_on,
            effective_on: input.effective_on,
            title: input.title,
            party_term: input.party_term,
            base_status: input.status.map(Into::into),
            note: input.note,
        };
        let doc = registry::update_document(ctx.writer(), &actor, id, version, patch).await?;
        Ok(LegalDocumentPayload {
            legal_document: LegalDocument(doc),
        })
    }

    /// Records that one document amends, replaces, repeals, details or implements another
    /// (STEERING, ADMIN), and stores the status it derives on the target.
    async fn add_document_relation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The relation.")] input: AddDocumentRelationInput,
    ) -> AppResult<AddDocumentRelationPayload> {
        let actor = ctx.actor()?;
        let new = registry::NewRelation {
            from: document_id("input.fromId", &input.from_id)?,
            to: document_id("input.toId", &input.to_id)?,
            kind: input.kind.into(),
            effective_on: input.effective_on,
            provision: input.provision,
            note: input.note,
        };
        let (relation, target) = registry::add_relation(ctx.writer(), &actor, new).await?;
        Ok(AddDocumentRelationPayload {
            relation: DocumentRelation(relation),
            document: LegalDocument(target),
        })
    }

    /// Removes a relation (STEERING, ADMIN); its target's status is derived again without it.
    async fn remove_document_relation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The relation.")] id: ID,
    ) -> AppResult<RemoveDocumentRelationPayload> {
        let actor = ctx.actor()?;
        let uuid = id::decode("id", NodeType::DocumentRelation, &id)?;
        let target = registry::remove_relation(ctx.writer(), &actor, uuid).await?;
        Ok(RemoveDocumentRelationPayload {
            removed_id: id,
            document: LegalDocument(target),
        })
    }
}
