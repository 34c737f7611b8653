//! Outgoing numbers of reports (số văn bản đi): the records clerk's number, recorded as a
//! legal-registry document (so `123-BC/BDVTU` parses and a search for `BC/BDVTU` finds it) and
//! linked to its report. A number is used once: the registry's unique key holds it.

use chrono::NaiveDate;
use entity::{
    DocumentStatus, DocumentType, Provenance, SigningAuthority, legal_document, outgoing_number,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz, legal, lineage,
    official_format::Profile,
    planning::load_unit,
    rendering, reports,
    write::Writer,
};
use crate::{
    error::{AppError, AppResult},
    render::document::Signature,
    text,
};

/// Longest signer line accepted.
const MAX_LINE: usize = 200;

/// Who signs the numbered document.
#[derive(Clone, Debug, Default)]
pub struct Signer {
    pub authority: Option<SigningAuthority>,
    pub on_behalf_of: Option<String>,
    pub position: Option<String>,
    pub name: Option<String>,
}

/// A number to record for a report.
#[derive(Clone, Debug)]
pub struct NewNumber {
    pub report_id: Uuid,
    /// Number and symbol as the clerk wrote it: `123-BC/BDVTU`, `05/BC-UBND`.
    pub number: String,
    pub issued_on: NaiveDate,
    /// The Party committee's term (khóa), which Party numbers run through.
    pub party_term: Option<String>,
    pub signer: Signer,
}

fn optional_line(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    let cleaned = value
        .map(|v| text::parse_line(field, v))
        .transpose()?
        .filter(|v| !v.is_empty());
    if cleaned
        .as_deref()
        .is_some_and(|v| v.chars().count() > MAX_LINE)
    {
        return Err(AppError::bad_input(field, "is limited to 200 characters"));
    }
    Ok(cleaned)
}

/// `signer` with each line checked as one line of at most 200 characters, naming
/// `input.signer.…`.
pub fn checked(signer: Signer) -> AppResult<Signer> {
    Ok(Signer {
        authority: signer.authority,
        on_behalf_of: optional_line("input.signer.onBehalfOf", signer.on_behalf_of.as_deref())?,
        position: optional_line("input.signer.position", signer.position.as_deref())?,
        name: optional_line("input.signer.name", signer.name.as_deref())?,
    })
}

/// A signer given with a document to render, checked, as its signature.
pub fn signature(signer: Signer) -> AppResult<Signature> {
    let s = checked(signer)?;
    Ok(Signature {
        authority: s.authority.map(rendering::authority_of),
        on_behalf_of: s.on_behalf_of,
        position: s.position,
        name: s.name,
    })
}

/// Records the outgoing number of a sent report (ADMIN, STEERING or UNIT_MANAGER over the
/// report's unit) and renders it again with the number, in one transaction: the number is kept
/// only with its document. The number is a registry document of type Report issued by the unit
/// on `issued_on`, unique for that unit (Decree 30/2020/NĐ-CP, Art. 15: each issuing body
/// numbers its own documents); one already used by the unit, or a report already numbered, is
/// a `CONFLICT`; a draft or returned report is `BAD_USER_INPUT` (what is numbered is what was
/// sent). Returns the link, the registry document, the profile the number's punctuation
/// belongs to, and the rendered document on the report.
pub async fn register(
    w: &Writer,
    files: &crate::storage::Files,
    actor: &Actor,
    new: NewNumber,
) -> AppResult<(
    outgoing_number::Model,
    legal_document::Model,
    Profile,
    entity::attachment::Model,
)> {
    actor.caller.require_any(authz::PLANNERS)?;
    let number = text::parse_line("input.number", &new.number)?;
    let (profile, _, _) = rendering::parse_report_number("input.number", &number)?;
    if new.issued_on > actor.caller.today() {
        return Err(AppError::bad_input(
            "input.issuedOn",
            "a document is numbered when it is issued, not before",
        ));
    }
    let party_term = optional_line("input.partyTerm", new.party_term.as_deref())?;
    let signer = checked(new.signer)?;
    let actor = actor.clone();
    let files = files.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let report = reports::get(txn, &actor.caller, new.report_id)
                .await?
                .ok_or(AppError::NotFound("report"))?;
            authz::require(txn, &actor.caller, authz::PLANNERS, report.unit_id).await?;
            if !matches!(
                report.status,
                entity::ReportStatus::Submitted | entity::ReportStatus::Approved
            ) {
                return Err(AppError::bad_input(
                    "input.reportId",
                    "a report is numbered when it is sent: submit it first",
                ));
            }
            if new.issued_on < report.period_start {
                return Err(AppError::bad_input(
                    "input.issuedOn",
                    "a report is issued after its period began",
                ));
            }
            if outgoing_number::Entity::find()
                .filter(outgoing_number::Column::ReportId.eq(report.id))
                .one(txn)
                .await?
                .is_some()
            {
                return Err(AppError::Conflict(
                    "this report already has its outgoing number".into(),
                ));
            }
            // The issuer's name on the issue date, as the registry keeps issuers.
            let unit = load_unit(txn, "input.reportId", report.unit_id).await?;
            let issuer = lineage::versions_on(txn, &[unit.id], new.issued_on)
                .await?
                .remove(&unit.id)
                .map_or(unit.name.clone(), |v| v.name);
            let (document, inserted) = legal::register(
                txn,
                legal::NewDocument {
                    number: number.clone(),
                    document_type: DocumentType::Report,
                    issuer,
                    issuer_unit_id: Some(unit.id),
                    issued_on: Some(new.issued_on),
                    effective_on: None,
                    title: Some(report.title.clone()),
                    party_term,
                    status: DocumentStatus::InForce,
                    provenance: Provenance::User,
                    note: None,
                },
            )
            .await?;
            if !inserted {
                return Err(AppError::Conflict(format!(
                    "the number is already used by the document registered as {}",
                    document.number
                )));
            }
            let link = outgoing_number::ActiveModel {
                id: Set(Uuid::now_v7()),
                report_id: Set(report.id),
                document_id: Set(document.id),
                profile: Set(rendering::stored_profile(profile)),
                signer_authority: Set(signer.authority),
                signer_on_behalf_of: Set(signer.on_behalf_of),
                signer_position: Set(signer.position),
                signer_name: Set(signer.name),
                created_by: Set(actor.caller.person()),
                created_at: Set(actor.caller.clock.now()),
            }
            .insert(txn)
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "legalDocument.register",
                    "LegalDocument",
                    document.id,
                    Some(unit.id),
                )
                .after(&document),
            )
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of("report.number", "Report", report.id, Some(report.unit_id)).after(&link),
            )
            .await?;
            let rendered = rendering::render_report(
                txn,
                &actor.caller,
                report.id,
                profile,
                rendering::Format::Docx,
                &rendering::RenderOptions::default(),
            )
            .await?;
            let stored = super::files::attach_generated_in(
                txn,
                &files,
                &actor,
                super::files::AttachmentTarget::Report(report.id),
                rendered,
            )
            .await?;
            Ok((link, document, profile, stored))
        })
    })
    .await
}
