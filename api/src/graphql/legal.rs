//! Legal documents and the references tasks make to them.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::NaiveDate;
use entity::{legal_document as db, task_legal_reference};

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::{DocumentFamily, DocumentStatus, DocumentType, Provenance},
    id::{self, NodeType},
    legal_registry::{Amendment, Basis, DocumentRelation},
    loaders::{failed, group},
    task::Task,
    unit::{self, Unit},
};
use crate::{
    domain::{legal, legal_registry},
    error::AppResult,
};

/// A legal document (văn bản): directive, law, decree, resolution, conclusion, regulation,
/// scheme, plan or official letter. The number is kept as written and parsed into its parts.
pub struct LegalDocument(pub db::Model);

connection!(
    LegalDocumentConnection,
    LegalDocumentEdge,
    LegalDocument,
    "A page of legal documents.",
    "A legal document in a page, with its cursor."
);

/// A legal document (văn bản): directive, law, decree, resolution, conclusion, regulation,
/// scheme, plan or official letter. The number is kept as written and parsed into its parts.
#[Object]
impl LegalDocument {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::LegalDocument, self.0.id)
    }
    /// Number and symbol as written in the source (số, ký hiệu), e.g. `59/2023/NĐ-CP`.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The number normalised to its family's canonical punctuation and case.
    async fn number_canonical(&self) -> &str {
        &self.0.number_canonical
    }
    /// Numbering family the number belongs to.
    async fn family(&self) -> DocumentFamily {
        self.0.family.into()
    }
    /// Sequence number within the issuer's series.
    async fn sequence(&self) -> Option<i32> {
        self.0.seq
    }
    /// Year written in the number (normative and legislative documents only).
    async fn number_year(&self) -> Option<i32> {
        self.0.year
    }
    /// Type code of the number (`NĐ`, `CT`, `QĐi`…), when it has one.
    async fn type_code(&self) -> Option<&str> {
        self.0.type_code.as_deref()
    }
    /// Issuer codes of the number (`TW`, `CP`, `MTTW BTT`…): hints, not identities.
    async fn issuer_codes(&self) -> Vec<&str> {
        self.0.issuer_codes.split_whitespace().collect()
    }
    /// Warnings raised while parsing the number (e.g. Party punctuation on a State issuer).
    async fn parse_warnings(&self) -> Vec<String> {
        serde_json::from_str(&self.0.parse_warnings).unwrap_or_default()
    }
    /// Type of document.
    async fn document_type(&self) -> DocumentType {
        self.0.document_type.into()
    }
    /// Issuing body as the source names it (e.g. "Bộ Chính trị").
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }
    /// The issuing body, when it is one of our units.
    async fn issuer_unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, self.0.issuer_unit_id).await
    }
    /// Date of issue, when known.
    async fn issued_on(&self) -> Option<NaiveDate> {
        self.0.issued_on
    }
    /// Subject (trích yếu), when known.
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    /// National Assembly term written in a legislative number (`10/2022/QH15` → 15).
    async fn legislature_term(&self) -> Option<i32> {
        crate::domain::legal_number::parse(&self.0.number_canonical)
            .ok()
            .and_then(|p| p.legislature_term)
            .map(i32::from)
    }
    /// Term of the issuing party committee, when stated (e.g. "khóa XIII").
    async fn party_term(&self) -> Option<&str> {
        self.0.party_term.as_deref()
    }
    /// Legal status, derived from the amending, replacing and repealing relations in effect
    /// that point at this document (repealed, then superseded, then amended), otherwise the
    /// status it was registered with.
    async fn status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The status on this day, from the relations in effect then; \
                          default: today's stored status.")]
        as_of: Option<NaiveDate>,
    ) -> AppResult<DocumentStatus> {
        let Some(day) = as_of else {
            return Ok(self.0.status.into());
        };
        let (status, _) = crate::domain::legal_registry::status_on(ctx.db(), &self.0, day).await?;
        Ok(status.into())
    }
    /// Status as registered, before any relation recorded here.
    async fn base_status(&self) -> DocumentStatus {
        self.0.base_status.into()
    }
    /// The document that replaces this one, when it is superseded.
    async fn superseded_by(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        load(ctx, self.0.superseded_by_id).await
    }
    /// Date the document takes effect, when known.
    async fn effective_on(&self) -> Option<NaiveDate> {
        self.0.effective_on
    }
    /// Version for optimistic locking: send it back with `updateLegalDocument`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Relations from this document: what it amends, replaces, repeals, details or implements.
    async fn relations(&self, ctx: &Context<'_>) -> AppResult<Vec<DocumentRelation>> {
        let rows = group(ctx.loaders().relations_from.load_one(self.0.id).await)?;
        Ok(rows.into_iter().map(DocumentRelation).collect())
    }
    /// Relations to this document: what amends, replaces, repeals, details or implements it.
    async fn related_from(&self, ctx: &Context<'_>) -> AppResult<Vec<DocumentRelation>> {
        let rows = group(ctx.loaders().relations_to.load_one(self.0.id).await)?;
        Ok(rows.into_iter().map(DocumentRelation).collect())
    }
    /// What rests on this document, among what you may see: the tasks citing it (or citing a
    /// document that details or implements it, transitively), their plans and plans whose own
    /// document it is, and the reports stating progress on those tasks.
    async fn basis_of(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Also follow documents that detail or implement this one (default true).",
            default = true
        )]
        through_details: bool,
    ) -> AppResult<Basis> {
        let caller = ctx.caller()?;
        Ok(Basis(
            legal_registry::basis_of(ctx.db(), caller, self.0.id, through_details).await?,
        ))
    }
    /// Each amendment, replacement or repeal of this document, with the tasks (among those you
    /// see) resting on it that must be reviewed, and whether the change touches what they cite.
    async fn amendments(&self, ctx: &Context<'_>) -> AppResult<Vec<Amendment>> {
        let caller = ctx.caller()?;
        Ok(legal_registry::amendments(ctx.db(), caller, self.0.id)
            .await?
            .into_iter()
            .map(Amendment)
            .collect())
    }
    /// Where this record comes from.
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
    /// What in this record is not from the source, or other remarks.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Tasks (among those the caller sees) that cite this document.
    async fn citing_tasks(&self, ctx: &Context<'_>) -> AppResult<Vec<Task>> {
        let ids = legal::citing_task_ids(ctx.db(), ctx.caller()?, self.0.id).await?;
        let mut found = ctx.loaders().tasks.load_many(ids).await.map_err(failed)?;
        let mut tasks: Vec<_> = found.drain().map(|(_, t)| t).collect();
        tasks.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
        Ok(tasks.into_iter().map(Task).collect())
    }
}

/// Loads a document referenced by a record the caller already sees (documents are reference
/// data every signed-in user reads).
pub async fn load(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> AppResult<Option<LegalDocument>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loaders()
        .documents
        .load_one(id)
        .await
        .map_err(failed)?
        .map(LegalDocument))
}

/// A task's citation of a legal document, with what the citation requires.
pub struct LegalReference(pub task_legal_reference::Model);

/// A task's citation of a legal document, with what the citation requires.
#[Object]
impl LegalReference {
    /// Opaque global id: `node(id:)` finds the citation again, and the sync feed names its
    /// removal by it.
    pub async fn id(&self) -> ID {
        super::id::encode(super::id::NodeType::LegalReference, self.0.id)
    }
    /// What the task must do under this document (quán triệt, triển khai…).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Article or clause cited, when narrower than the whole document (e.g. "Điều 11").
    async fn provision(&self) -> Option<&str> {
        self.0.provision.as_deref()
    }
    /// The cited document.
    async fn document(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        load(ctx, Some(self.0.document_id)).await
    }
    /// The citing task.
    async fn task(&self, ctx: &Context<'_>) -> AppResult<Option<Task>> {
        Ok(ctx
            .loaders()
            .tasks
            .load_one(self.0.task_id)
            .await
            .map_err(failed)?
            .map(Task))
    }
}

/// Filters for `legalDocuments`.
#[derive(InputObject, Default)]
pub struct LegalDocumentFilter {
    /// Words of the number, type, title or issuer; case and diacritics are ignored, so
    /// "59/2023", "nd-cp" and "nghi dinh 59" all find 59/2023/NĐ-CP.
    pub search: Option<String>,
    /// Only these types. At most 1,000 items.
    pub types: Option<Vec<DocumentType>>,
    /// Words of the issuing body's name or codes ("Bộ Chính trị", "TU", "ubnd").
    pub issuer: Option<String>,
    /// Year of issue, or the year written in the number.
    pub year: Option<i32>,
    /// Only records of this provenance.
    pub provenance: Option<Provenance>,
    /// Only documents whose (derived) status is one of these. At most 1,000 items.
    pub statuses: Option<Vec<DocumentStatus>>,
    /// Only records changed at or after this time (server clock). A time later than the
    /// server's clock is `BAD_USER_INPUT`.
    #[graphql(
        deprecation = "Use `changes`: a time from the device's clock misses changes, \
                             and records that enter or leave your view are not listed."
    )]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Default)]
pub struct LegalQuery;

#[Object]
impl LegalQuery {
    /// Legal documents, newest first (undated last). Reference data: every signed-in user reads it.
    async fn legal_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned document meets.")] filter: Option<
            LegalDocumentFilter,
        >,
    ) -> AppResult<LegalDocumentConnection> {
        let caller = ctx.caller()?;
        let f = filter.unwrap_or_default();
        let filter = legal::DocumentFilter {
            search: f.search,
            updated_since: f.updated_since,
            types: f.types.map(|ts| ts.into_iter().map(Into::into).collect()),
            issuer: f.issuer,
            year: f.year,
            provenance: f.provenance.map(Into::into),
            statuses: f
                .statuses
                .map(|ss| ss.into_iter().map(Into::into).collect()),
        };
        let page = legal::list(
            ctx.db(),
            caller,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(LegalDocumentConnection::from_page(page, LegalDocument))
    }

    /// One legal document by id.
    async fn legal_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the document.")] id: ID,
    ) -> AppResult<Option<LegalDocument>> {
        let caller = ctx.caller()?;
        let uuid = id::decode("id", NodeType::LegalDocument, &id)?;
        Ok(legal::get(ctx.db(), caller, uuid).await?.map(LegalDocument))
    }
}

/// A document number (số, ký hiệu) taken apart.
#[derive(async_graphql::SimpleObject)]
pub struct ParsedDocumentNumber {
    /// Whether the number follows a known grammar (Party or State numbering).
    pub ok: bool,
    /// Numbering family, when recognised.
    pub family: Option<DocumentFamily>,
    /// Sequence number.
    pub sequence: Option<i32>,
    /// Sequence as written, with leading zeros ("07").
    pub sequence_text: Option<String>,
    /// Letter after the sequence, if any ("24a").
    pub sequence_suffix: Option<String>,
    /// Year written in the number (normative and legislative documents).
    pub year: Option<i32>,
    /// Type code in canonical case (`NĐ`, `QĐi`, `KH`…).
    pub type_code: Option<String>,
    /// Issuer codes in canonical case (`TW`, `CP`, `MTTW`, `BTT`…): hints, not identities.
    pub issuer_codes: Vec<String>,
    /// National Assembly term for legislative documents (`QH15` → 15).
    pub legislature_term: Option<i32>,
    /// The number in its family's canonical form (`143-KH/UBND` → `143/KH-UBND`).
    pub canonical: Option<String>,
    /// What was normalised or is ambiguous, e.g. `NONCANONICAL_PARTY_PUNCTUATION_FOR_STATE_ISSUER`.
    pub warnings: Vec<String>,
    /// Why the number was not recognised: `EMPTY`, `NO_MATCH`, `UNKNOWN_PARTY_TYPE`, `UNRECOGNIZED_STATE_SYMBOL`.
    pub error: Option<String>,
}

#[derive(Default)]
pub struct NumberQuery;

#[Object]
impl NumberQuery {
    /// Parses a document number as Vietnamese official documents write it (Party `số-LOẠI/CƠQUAN`
    /// or State `số/năm/LOẠI-CƠQUAN`), normalising legacy characters, dashes, spaces and case,
    /// and reporting what it changed. Parsing never fails hard: read `ok`, `warnings`, `error`.
    async fn parse_document_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number as written, e.g. \"Số: 59/2023/NĐ-CP\" or \"11-QĐi/TW\".")]
        input: String,
    ) -> AppResult<ParsedDocumentNumber> {
        use crate::domain::legal_number::{self, Family};
        ctx.caller()?;
        if input.chars().count() > 200 {
            return Err(crate::error::AppError::bad_input(
                "input",
                "a document number has at most 200 characters",
            ));
        }
        Ok(match legal_number::parse(&crate::text::clean(&input)) {
            Ok(p) => ParsedDocumentNumber {
                ok: true,
                family: Some(match p.family {
                    Family::Party => DocumentFamily::Party,
                    Family::StateLegislative => DocumentFamily::StateLegislative,
                    Family::StateNormative => DocumentFamily::StateNormative,
                    Family::StateAdministrative => DocumentFamily::StateAdministrative,
                    Family::StateOfficialLetter => DocumentFamily::StateOfficialLetter,
                    Family::Front => DocumentFamily::Front,
                }),
                sequence: i32::try_from(p.seq).ok(),
                sequence_text: Some(p.seq_text),
                sequence_suffix: p.seq_suffix,
                year: p.year,
                type_code: p.type_code,
                issuer_codes: p.issuer_codes,
                legislature_term: p.legislature_term.map(i32::from),
                canonical: Some(p.canonical),
                warnings: p.warnings.iter().map(|w| w.code().to_owned()).collect(),
                error: None,
            },
            Err(e) => ParsedDocumentNumber {
                ok: false,
                family: None,
                sequence: None,
                sequence_text: None,
                sequence_suffix: None,
                year: None,
                type_code: None,
                issuer_codes: Vec::new(),
                legislature_term: None,
                canonical: None,
                warnings: Vec::new(),
                error: Some(e.code().to_owned()),
            },
        })
    }
}
