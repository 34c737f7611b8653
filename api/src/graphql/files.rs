//! Stored files over GraphQL: the two-step upload (`beginUpload`, then PUT the bytes, then
//! `completeUpload`), attaching and detaching files on records, and the `Download` links of
//! files qcdc makes. `/graphql` itself never takes a file: multipart stays refused.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::{attachment, upload};

use super::{
    ContextExt,
    enums::{AttachmentOrigin, UploadPurpose, UploadStatus},
    id::{self, NodeType},
};
use crate::{
    domain::files::{
        self as domain_files, AttachmentTarget,
        attachments::{self, download_link},
        uploads::{self, NewUpload},
    },
    error::{AppError, AppResult},
};

/// An upload begun by the caller.
pub struct Upload(pub upload::Model);

/// An upload begun by the caller (`beginUpload`): what it declared and where it stands.
#[Object]
impl Upload {
    /// Opaque global id; give it to `completeUpload`, then to `attachFile` or `createImport`.
    async fn id(&self) -> ID {
        id::encode(NodeType::Upload, self.0.id)
    }
    /// File name as declared (NFC, last path segment only).
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// Media type as declared.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Size in bytes, as declared.
    async fn byte_size(&self) -> i64 {
        self.0.byte_size
    }
    /// SHA-256 of the bytes as declared, lower-case hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// What the file is for.
    async fn purpose(&self) -> UploadPurpose {
        self.0.purpose.into()
    }
    /// Pending until `completeUpload` has checked and stored it.
    async fn status(&self) -> UploadStatus {
        self.0.status.into()
    }
    /// A pending upload takes bytes until then; a complete one can be used until then.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// A file on a record.
pub struct Attachment(pub attachment::Model);

/// A stored, checked file (tệp đính kèm) on a report, oversight finding, remedial action or
/// exemplary model.
#[Object]
impl Attachment {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Attachment, self.0.id)
    }
    /// File name (NFC).
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// Media type found in the bytes (not the one declared).
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Size in bytes.
    async fn byte_size(&self) -> i64 {
        self.0.byte_size
    }
    /// SHA-256 of the bytes, lower-case hex.
    async fn sha256(&self, ctx: &Context<'_>) -> AppResult<String> {
        attachments::sha256_of(ctx.db(), &self.0).await
    }
    /// Uploaded, or made by qcdc.
    async fn origin(&self) -> AttachmentOrigin {
        self.0.origin.into()
    }
    /// Global id of the record it is on.
    async fn target_id(&self) -> ID {
        match AttachmentTarget::of(&self.0) {
            Some(AttachmentTarget::Report(id)) => id::encode(NodeType::Report, id),
            Some(AttachmentTarget::Finding(id)) => id::encode(NodeType::OversightFinding, id),
            Some(AttachmentTarget::RemedialAction(id)) => id::encode(NodeType::RemedialAction, id),
            Some(AttachmentTarget::Exemplar(id)) => id::encode(NodeType::Exemplar, id),
            // The database holds exactly one target (a CHECK).
            None => id::encode(NodeType::Attachment, self.0.id),
        }
    }
    /// When it was attached.
    async fn attached_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// A link to download the file, for this caller, valid for a few minutes
    /// (`QCDC_DOWNLOAD_TTL_SECONDS`, default 300); a GET needs no token. Each link asked for is
    /// recorded in the audit log.
    async fn download_url(&self, ctx: &Context<'_>) -> AppResult<String> {
        Ok(
            download_link(ctx.writer(), ctx.files(), &ctx.actor()?, &self.0)
                .await?
                .url,
        )
    }
}

/// The files of `target`, oldest first.
pub async fn of_target(ctx: &Context<'_>, target: AttachmentTarget) -> AppResult<Vec<Attachment>> {
    Ok(attachments::of_target(ctx.db(), target)
        .await?
        .into_iter()
        .map(Attachment)
        .collect())
}

/// A file qcdc made, behind a short-lived link.
pub struct Download(pub domain_files::Download);

/// A file qcdc made (an export, a template), behind a signed link that works for a few
/// minutes without a token.
#[Object]
impl Download {
    /// File name to save as.
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// Media type.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Size in bytes.
    async fn byte_size(&self) -> i64 {
        self.0.byte_size
    }
    /// GET this to download the file.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The link stops working then.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// A file the caller is about to send.
#[derive(InputObject)]
pub struct BeginUploadInput {
    /// File name (its last path segment is kept, NFC-normalised; at most 255 characters).
    pub filename: String,
    /// Media type, e.g. `application/pdf`; must be one the purpose allows and the one the bytes
    /// turn out to be.
    pub content_type: String,
    /// Size in bytes: 1 to `QCDC_UPLOAD_MAX_BYTES` (default 20 MiB).
    pub byte_size: i64,
    /// SHA-256 of the bytes, 64 hex digits.
    pub sha256: String,
    /// What the file is for.
    pub purpose: UploadPurpose,
}

/// Where to send the bytes.
pub struct BeginUploadPayload(uploads::Begun);

/// The upload, and where to PUT its bytes.
#[Object]
impl BeginUploadPayload {
    /// The upload.
    async fn upload(&self) -> Upload {
        Upload(self.0.upload.clone())
    }
    /// PUT the bytes here, as the body, before the upload expires. Null when a checked file with
    /// the same SHA-256 is already stored: call `completeUpload` at once.
    async fn upload_url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// A checked file with the same SHA-256 is already stored: nothing needs sending.
    async fn already_stored(&self) -> bool {
        self.0.url.is_none()
    }
    /// Send the same `Authorization: Bearer …` header with the PUT (qcdc's own URL); false for
    /// a presigned object-store URL, which must be sent without it.
    async fn authorization_required(&self) -> bool {
        self.0.authorization_required
    }
}

/// An upload to act on.
#[derive(InputObject)]
pub struct UploadIdInput {
    /// Global id of the upload.
    pub id: ID,
}

/// The upload after `completeUpload`.
#[derive(async_graphql::SimpleObject)]
pub struct CompleteUploadPayload {
    /// The upload, now complete.
    pub upload: Upload,
}

/// A completed upload to put on a record.
#[derive(InputObject)]
pub struct AttachFileInput {
    /// Global id of a complete upload of purpose EVIDENCE.
    pub upload_id: ID,
    /// Global id of a Report, OversightFinding, RemedialAction or Exemplar.
    pub target_id: ID,
}

/// The new attachment.
#[derive(async_graphql::SimpleObject)]
pub struct AttachFilePayload {
    /// The file on its record.
    pub attachment: Attachment,
}

/// An attachment to remove.
#[derive(InputObject)]
pub struct DetachAttachmentInput {
    /// Global id of the attachment.
    pub id: ID,
}

/// What was removed.
#[derive(async_graphql::SimpleObject)]
pub struct DetachAttachmentPayload {
    /// Global id of the removed attachment.
    pub detached_id: ID,
}

/// The record `field` names, as an attachment target.
pub fn decode_target(field: &str, raw: &ID) -> AppResult<AttachmentTarget> {
    match id::decode_any(field, raw)? {
        (NodeType::Report, id) => Ok(AttachmentTarget::Report(id)),
        (NodeType::OversightFinding, id) => Ok(AttachmentTarget::Finding(id)),
        (NodeType::RemedialAction, id) => Ok(AttachmentTarget::RemedialAction(id)),
        (NodeType::Exemplar, id) => Ok(AttachmentTarget::Exemplar(id)),
        _ => Err(AppError::bad_input(
            field,
            "files go on a Report, OversightFinding, RemedialAction or Exemplar",
        )),
    }
}

#[derive(Default)]
pub struct FileMutation;

#[Object]
impl FileMutation {
    /// Begins an upload: declare the file, then PUT its bytes to `uploadUrl` and call
    /// `completeUpload`. Any writing role may upload.
    async fn begin_upload(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file about to be sent.")] input: BeginUploadInput,
    ) -> AppResult<BeginUploadPayload> {
        let begun = uploads::begin(
            ctx.writer(),
            ctx.files(),
            &ctx.actor()?,
            NewUpload {
                filename: input.filename,
                content_type: input.content_type,
                byte_size: input.byte_size,
                sha256: input.sha256,
                purpose: input.purpose.into(),
            },
        )
        .await?;
        Ok(BeginUploadPayload(begun))
    }

    /// Checks the bytes received for an upload of yours (size, SHA-256, the real type against
    /// the purpose and the declared type, no encrypted PDF, the virus scanner when configured)
    /// and stores them. Completing again returns the upload as it is.
    async fn complete_upload(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The upload.")] input: UploadIdInput,
    ) -> AppResult<CompleteUploadPayload> {
        let id = id::decode("input.id", NodeType::Upload, &input.id)?;
        let upload = uploads::complete(ctx.writer(), ctx.files(), &ctx.actor()?, id).await?;
        Ok(CompleteUploadPayload {
            upload: Upload(upload),
        })
    }

    /// Puts a completed EVIDENCE upload of yours on a record you write: a draft or returned
    /// report of your unit, a finding of an oversight your side conducts while it is under
    /// way, a remedial action of a recommendation addressed to you, an exemplary model of your
    /// unit.
    async fn attach_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The upload and the record.")] input: AttachFileInput,
    ) -> AppResult<AttachFilePayload> {
        let upload = id::decode("input.uploadId", NodeType::Upload, &input.upload_id)?;
        let target = decode_target("input.targetId", &input.target_id)?;
        let a =
            attachments::attach(ctx.writer(), ctx.files(), &ctx.actor()?, upload, target).await?;
        Ok(AttachFilePayload {
            attachment: Attachment(a),
        })
    }

    /// Removes a file from its record, under the same rules as `attachFile` (an approved
    /// report's files are frozen).
    async fn detach_attachment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The attachment.")] input: DetachAttachmentInput,
    ) -> AppResult<DetachAttachmentPayload> {
        let id = id::decode("input.id", NodeType::Attachment, &input.id)?;
        attachments::detach(ctx.writer(), &ctx.actor()?, id).await?;
        Ok(DetachAttachmentPayload {
            detached_id: input.id,
        })
    }
}
