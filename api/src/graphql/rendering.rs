//! Mutations of official documents: rendering a report, an oversight's conclusion notice and a
//! recognition decision in the official form, and recording a report's outgoing number.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;

use super::{
    ContextExt,
    enums::{DocumentProfile, SigningAuthority},
    files::{Attachment, Download},
    id::{self, NodeType},
    legal::LegalDocument,
};
use crate::{
    domain::{
        audit::Actor,
        conclusion_notices,
        files::{self, AttachmentTarget},
        outgoing_numbers::{self, NewNumber, Signer},
        recognition_decisions,
        rendering::{self, Format, RenderOptions},
    },
    error::AppResult,
};

/// File formats of a rendered document.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentFormat {
    /// Office Open XML (Word): editable, what the records clerk numbers and signs.
    Docx,
}

/// A report to render in the official form.
#[derive(InputObject)]
pub struct RenderReportInput {
    /// The report; a writer of its unit (or above it) renders it, the result is stored on it.
    pub report_id: ID,
    /// The layout rules to follow. A numbered report renders in its number's profile only.
    pub profile: DocumentProfile,
    /// The file format.
    pub format: DocumentFormat,
    /// For a report not numbered yet: the issuer's abbreviation in the symbol ("BDVTU" gives
    /// "Số       -BC/BDVTU"); left blank for the clerk by default.
    pub issuer_symbol: Option<String>,
    /// The place before the date; by default the name of the province the issuer lies in.
    pub place: Option<String>,
    /// The recipients ("Nơi nhận"), one a line; by default the unit the report goes to. The
    /// archive line is added.
    pub recipients: Option<Vec<String>>,
}

/// Who signs a numbered document.
#[derive(InputObject, Default)]
pub struct SignerInput {
    /// On whose behalf; none when the head signs.
    pub authority: Option<SigningAuthority>,
    /// After the prefix: the collective body (T/M Ban Thường vụ) or the head's position
    /// (K/T Trưởng ban).
    pub on_behalf_of: Option<String>,
    /// The signer's own position ("Phó Trưởng ban").
    pub position: Option<String>,
    /// The signer's name.
    pub name: Option<String>,
}

impl From<SignerInput> for Signer {
    fn from(s: SignerInput) -> Self {
        Signer {
            authority: s.authority.map(Into::into),
            on_behalf_of: s.on_behalf_of,
            position: s.position,
            name: s.name,
        }
    }
}

/// A concluded oversight whose conclusion notice to render.
#[derive(InputObject)]
pub struct RenderOversightConclusionInput {
    /// The oversight, concluded or closed; the conducting side (ADMIN, STEERING or
    /// UNIT_MANAGER over the conducting unit) renders it.
    pub oversight_id: ID,
    /// The layout rules to follow. A registered conclusion document renders in its number's
    /// profile only.
    pub profile: DocumentProfile,
    /// The file format.
    pub format: DocumentFormat,
    /// Without a registered conclusion document: the issuer's abbreviation in the symbol
    /// ("BCĐ" gives "Số       -TB/BCĐ"); left blank for the clerk by default.
    pub issuer_symbol: Option<String>,
    /// The place before the date; by default the name of the province the issuer lies in.
    pub place: Option<String>,
    /// The recipients ("Nơi nhận"), one a line; by default the targets and the addressees.
    pub recipients: Option<Vec<String>>,
    /// Who signs; by default on behalf of the conducting unit.
    pub signer: Option<SignerInput>,
}

/// A recognition whose decision to render.
#[derive(InputObject)]
pub struct RenderRecognitionDecisionInput {
    /// The entry; whoever may read it and holds a writing role over its unit renders it.
    pub exemplar_id: ID,
    /// One of its recognitions; by default the latest.
    pub recognition_id: Option<ID>,
    /// The layout rules to follow. A registered decision renders in its number's profile only.
    pub profile: DocumentProfile,
    /// The file format.
    pub format: DocumentFormat,
    /// Without a registered decision: the issuer's abbreviation in the symbol ("UBND" gives
    /// "Số:       /QĐ-UBND"); left blank for the clerk by default.
    pub issuer_symbol: Option<String>,
    /// The place before the date; by default the name of the province the issuer lies in.
    pub place: Option<String>,
    /// The recipients ("Nơi nhận"), one a line; by default "Như Điều 3".
    pub recipients: Option<Vec<String>>,
    /// Who signs; by default on behalf of the recognising unit.
    pub signer: Option<SignerInput>,
}

/// The number the records clerk gave a report.
#[derive(InputObject)]
pub struct RegisterOutgoingNumberInput {
    /// The report.
    pub report_id: ID,
    /// Number and symbol: `123-BC/BDVTU` (Party) or `05/BC-UBND` (state); the punctuation
    /// decides the profile the report is rendered in. A number already registered is a
    /// `CONFLICT`.
    pub number: String,
    /// The issue date (not in the future).
    pub issued_on: NaiveDate,
    /// The Party committee's term (khóa) Party numbers run through, e.g. "XIV".
    pub party_term: Option<String>,
    /// Who signs.
    pub signer: Option<SignerInput>,
}

/// The result of `renderReport`.
#[derive(SimpleObject)]
pub struct RenderReportPayload {
    /// The rendered file, stored on the report (origin RENDERED); download it with
    /// `downloadUrl`.
    pub attachment: Attachment,
}

/// The result of `renderOversightConclusion`.
#[derive(SimpleObject)]
pub struct RenderOversightConclusionPayload {
    /// The rendered notice behind a short-lived link. It is not kept as an attachment: files
    /// hang on reports, findings, remedial actions and exemplars, not on oversights; render it
    /// again to download it again.
    pub download: Download,
}

/// The result of `renderRecognitionDecision`.
#[derive(SimpleObject)]
pub struct RenderRecognitionDecisionPayload {
    /// The rendered decision, stored on the entry (origin RENDERED); download it with
    /// `downloadUrl`.
    pub attachment: Attachment,
}

/// The result of `registerOutgoingNumber`.
#[derive(SimpleObject)]
pub struct RegisterOutgoingNumberPayload {
    /// The number as a registry document.
    pub legal_document: LegalDocument,
    /// The profile the number belongs to.
    pub profile: DocumentProfile,
    /// The report rendered again with its number, stored on the report.
    pub attachment: Attachment,
}

#[derive(Default)]
pub struct RenderingMutation;

/// Stores `r` on `target` (origin RENDERED).
async fn store(
    ctx: &Context<'_>,
    actor: &Actor,
    target: AttachmentTarget,
    r: rendering::Rendered,
) -> AppResult<Attachment> {
    let stored = files::store_generated(ctx.writer(), ctx.files(), actor, target, r).await?;
    Ok(Attachment(stored))
}

fn format_of(format: DocumentFormat) -> Format {
    match format {
        DocumentFormat::Docx => Format::Docx,
    }
}

#[Object]
impl RenderingMutation {
    /// Renders a report in the official form (Decree 30/2020/NĐ-CP or Guide 36-HD/VPTW):
    /// issuer and motto blocks, number (blank until registered), place and date, the report's
    /// sections, its indicators as an annex, signature and recipients.
    async fn render_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report, the profile and the format.")] input: RenderReportInput,
    ) -> AppResult<RenderReportPayload> {
        let id = id::decode("input.reportId", NodeType::Report, &input.report_id)?;
        let options = RenderOptions {
            issuer_symbol: input.issuer_symbol,
            place: input.place,
            recipients: input.recipients,
        };
        let format = format_of(input.format);
        let profile = rendering::profile_of(input.profile.into());
        let actor = ctx.actor()?;
        let file = rendering::render_report(ctx.db(), &actor.caller, id, profile, format, &options)
            .await?;
        Ok(RenderReportPayload {
            attachment: store(ctx, &actor, AttachmentTarget::Report(id), file).await?,
        })
    }

    /// Renders the conclusion notice (thông báo kết luận) of a concluded oversight in the
    /// official form: the conducting unit as named on the conclusion day, the conclusion
    /// document's number when registered, the findings by target (strengths, limitations,
    /// violations, causes, lessons) and the recommendations by addressee with their due dates.
    /// ADMIN, STEERING or UNIT_MANAGER over the conducting unit.
    ///
    /// Returned behind a short-lived link rather than kept as an attachment: an attachment
    /// hangs on exactly one of a report, finding, remedial action or exemplar, a CHECK that
    /// SQLite cannot widen to an oversight without rebuilding the attachments table.
    async fn render_oversight_conclusion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The oversight, the profile and the format.")]
        input: RenderOversightConclusionInput,
    ) -> AppResult<RenderOversightConclusionPayload> {
        let id = id::decode(
            "input.oversightId",
            NodeType::Oversight,
            &input.oversight_id,
        )?;
        let options = RenderOptions {
            issuer_symbol: input.issuer_symbol,
            place: input.place,
            recipients: input.recipients,
        };
        let profile = rendering::profile_of(input.profile.into());
        let actor = ctx.actor()?;
        let file = conclusion_notices::render(
            ctx.db(),
            &actor.caller,
            id,
            profile,
            format_of(input.format),
            &options,
            input
                .signer
                .map(|s| outgoing_numbers::signature(s.into()))
                .transpose()?,
        )
        .await?;
        Ok(RenderOversightConclusionPayload {
            download: Download(files::publish(ctx.writer(), ctx.files(), &actor, file).await?),
        })
    }

    /// Renders the decision (quyết định) of a recognition of a "Dân vận khéo" entry in the
    /// official form: the recognising unit as named on the day, the decision's number when
    /// registered, the recognition's form and level, the entry's name and unit. Stored on the
    /// entry (origin RENDERED). Whoever may read the entry and holds a writing role over its
    /// unit; a retired entry's files are kept as they were (`CONFLICT`).
    async fn render_recognition_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry, its recognition, the profile and the format.")]
        input: RenderRecognitionDecisionInput,
    ) -> AppResult<RenderRecognitionDecisionPayload> {
        let id = id::decode("input.exemplarId", NodeType::Exemplar, &input.exemplar_id)?;
        let recognition = id::decode_opt(
            "input.recognitionId",
            NodeType::ExemplarRecognition,
            input.recognition_id.as_ref(),
        )?;
        let options = RenderOptions {
            issuer_symbol: input.issuer_symbol,
            place: input.place,
            recipients: input.recipients,
        };
        let profile = rendering::profile_of(input.profile.into());
        let actor = ctx.actor()?;
        let file = recognition_decisions::render(
            ctx.db(),
            &actor.caller,
            id,
            recognition,
            profile,
            format_of(input.format),
            &options,
            input
                .signer
                .map(|s| outgoing_numbers::signature(s.into()))
                .transpose()?,
        )
        .await?;
        Ok(RenderRecognitionDecisionPayload {
            attachment: store(ctx, &actor, AttachmentTarget::Exemplar(id), file).await?,
        })
    }

    /// Records the outgoing number of a report as a registry document (so it parses and
    /// searches) and renders the report again with it. ADMIN, STEERING or UNIT_MANAGER over
    /// the report's unit.
    async fn register_outgoing_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report, its number, issue date and signer.")]
        input: RegisterOutgoingNumberInput,
    ) -> AppResult<RegisterOutgoingNumberPayload> {
        let report_id = id::decode("input.reportId", NodeType::Report, &input.report_id)?;
        let signer = input.signer.unwrap_or_default();
        let actor = ctx.actor()?;
        let (_, document, profile, stored) = outgoing_numbers::register(
            ctx.writer(),
            ctx.files(),
            &actor,
            NewNumber {
                report_id,
                number: input.number,
                issued_on: input.issued_on,
                party_term: input.party_term,
                signer: Signer {
                    authority: signer.authority.map(Into::into),
                    on_behalf_of: signer.on_behalf_of,
                    position: signer.position,
                    name: signer.name,
                },
            },
        )
        .await?;
        Ok(RegisterOutgoingNumberPayload {
            legal_document: LegalDocument(document),
            profile: rendering::stored_profile(profile).into(),
            attachment: Attachment(stored),
        })
    }
}
