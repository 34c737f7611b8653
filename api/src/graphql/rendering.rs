//! Mutations of official documents: rendering a report in the official form and recording its
//! outgoing number.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    ContextExt,
    enums::{DocumentProfile, SigningAuthority},
    files::Attachment,
    id::{self, NodeType},
    legal::LegalDocument,
};
use crate::{
    domain::{
        audit::Actor,
        files::{self, AttachmentTarget, GeneratedFile},
        outgoing_numbers::{self, NewNumber, Signer},
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

/// Stores `r` on report `id` (origin RENDERED).
async fn store(
    ctx: &Context<'_>,
    actor: &Actor,
    id: Uuid,
    r: rendering::Rendered,
) -> AppResult<Attachment> {
    let stored = files::store_generated(
        ctx.writer(),
        ctx.files(),
        actor,
        AttachmentTarget::Report(id),
        GeneratedFile {
            filename: r.filename,
            content_type: r.content_type,
            bytes: r.bytes,
        },
    )
    .await?;
    Ok(Attachment(stored))
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
        let format = match input.format {
            DocumentFormat::Docx => Format::Docx,
        };
        let profile = rendering::profile_of(input.profile.into());
        let actor = ctx.actor()?;
        let file = rendering::render_report(ctx.db(), &actor.caller, id, profile, format, &options)
            .await?;
        Ok(RenderReportPayload {
            attachment: store(ctx, &actor, id, file).await?,
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
