//! Attachments (tệp đính kèm): a stored, checked file linked to a report, an oversight
//! finding, a remedial action or an exemplary model, by whoever writes that record. Reading an
//! attachment follows reading its record; each download link is minted for one caller, for a
//! few minutes, and audited.
//!
//! An uploaded file on a report can be added or removed only while the report is a draft or
//! returned: once sent, what the reviewer read stays as it was; an approved report is frozen
//! for good and evidence goes to its correction (Decree 30/2020/NĐ-CP keeps a sent document
//! unchanged; qcdc does the same for what a report carried).

use entity::{
    AttachmentOrigin, ExemplarStatus, ReportStatus, UploadPurpose, attachment, oversight_finding,
    remedial_action,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{Download, GeneratedFile, claim_blob, sha256_hex, uploads};
use crate::{
    auth::Caller,
    domain::{
        audit::{self, Actor, Change},
        authz, exemplars, overseeing, oversights, reports,
        write::Writer,
    },
    error::{AppError, AppResult},
    storage::Files,
};

/// The record an attachment hangs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentTarget {
    Report(Uuid),
    /// An oversight finding (phát hiện qua kiểm tra, giám sát).
    Finding(Uuid),
    /// A remedial action (biện pháp khắc phục) on a recommendation.
    RemedialAction(Uuid),
    /// A "Dân vận khéo" model or exemplary collective or individual.
    Exemplar(Uuid),
}

impl AttachmentTarget {
    /// The target of a stored attachment.
    pub fn of(a: &attachment::Model) -> Option<Self> {
        a.report_id
            .map(Self::Report)
            .or(a.finding_id.map(Self::Finding))
            .or(a.remedial_action_id.map(Self::RemedialAction))
            .or(a.exemplar_id.map(Self::Exemplar))
    }

    fn condition(self) -> sea_orm::sea_query::SimpleExpr {
        match self {
            Self::Report(id) => attachment::Column::ReportId.eq(id),
            Self::Finding(id) => attachment::Column::FindingId.eq(id),
            Self::RemedialAction(id) => attachment::Column::RemedialActionId.eq(id),
            Self::Exemplar(id) => attachment::Column::ExemplarId.eq(id),
        }
    }
}

const TARGET_FIELD: &str = "input.targetId";

/// The unit whose record `target` is, if the caller sees it.
async fn visible_unit(
    db: &impl ConnectionTrait,
    caller: &Caller,
    target: AttachmentTarget,
) -> AppResult<Option<Uuid>> {
    Ok(match target {
        AttachmentTarget::Report(id) => reports::get(db, caller, id).await?.map(|r| r.unit_id),
        AttachmentTarget::Finding(id) => {
            match oversight_finding::Entity::find_by_id(id).one(db).await? {
                Some(f) => oversights::get(db, caller, f.oversight_id)
                    .await?
                    .map(|o| o.conducting_unit_id),
                None => None,
            }
        }
        AttachmentTarget::RemedialAction(id) => {
            match remedial_action::Entity::find_by_id(id).one(db).await? {
                Some(a) => oversights::get_recommendation(db, caller, a.recommendation_id)
                    .await?
                    .map(|r| r.addressee_unit_id),
                None => None,
            }
        }
        AttachmentTarget::Exemplar(id) => exemplars::get(db, caller, id).await?.map(|e| e.unit_id),
    })
}

/// Refuses unless the caller may change the files of `target` now; returns the unit whose
/// record it is. Uploaded files on a report change only while it is editable; files qcdc
/// renders may be added to a report in any state (the numbered, signed copy follows approval).
async fn writable(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    target: AttachmentTarget,
    origin: AttachmentOrigin,
) -> AppResult<Uuid> {
    let missing = || AppError::bad_input(TARGET_FIELD, "record not found");
    match target {
        AttachmentTarget::Report(id) => {
            let r = reports::get(txn, caller, id).await?.ok_or_else(missing)?;
            authz::require(txn, caller, authz::WRITERS, r.unit_id).await?;
            let editable = matches!(r.status, ReportStatus::Draft | ReportStatus::Returned);
            if origin == AttachmentOrigin::Uploaded && !editable {
                return Err(AppError::Conflict(if r.status == ReportStatus::Approved {
                    "the report is approved and its files are frozen: attach to a correction".into()
                } else {
                    "the report is sent for review: its files change only if it is returned".into()
                }));
            }
            Ok(r.unit_id)
        }
        AttachmentTarget::Finding(id) => {
            let f = oversight_finding::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(missing)?;
            let o = overseeing::under_way_for_conductor(txn, caller, f.oversight_id).await?;
            Ok(o.conducting_unit_id)
        }
        AttachmentTarget::RemedialAction(id) => {
            let a = remedial_action::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(missing)?;
            let r = overseeing::addressee_recommendation(
                txn,
                caller,
                TARGET_FIELD,
                a.recommendation_id,
            )
            .await?;
            Ok(r.addressee_unit_id)
        }
        AttachmentTarget::Exemplar(id) => {
            let e = exemplars::get(txn, caller, id).await?.ok_or_else(missing)?;
            authz::require(txn, caller, authz::WRITERS, e.unit_id).await?;
            if e.status == ExemplarStatus::Retired {
                return Err(AppError::Conflict(
                    "the entry is retired: its files are kept as they were".into(),
                ));
            }
            Ok(e.unit_id)
        }
    }
}

fn sort_key(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{:020}", at.timestamp_micros())
}

/// Inserts the link of blob `blob` to `target`, after the per-record limit.
#[allow(clippy::too_many_arguments)]
async fn insert(
    txn: &impl ConnectionTrait,
    files: &Files,
    caller: &Caller,
    target: AttachmentTarget,
    unit: Uuid,
    blob: &entity::blob::Model,
    filename: String,
    origin: AttachmentOrigin,
) -> AppResult<attachment::Model> {
    let limit = files.settings.attachments_per_target;
    let held = attachment::Entity::find()
        .filter(target.condition())
        .filter(attachment::Column::Origin.eq(AttachmentOrigin::Uploaded))
        .count(txn)
        .await?;
    if origin == AttachmentOrigin::Uploaded && held >= limit {
        return Err(AppError::bad_input(
            TARGET_FIELD,
            format!("a record holds at most {limit} files: detach one first"),
        ));
    }
    let now = caller.clock.now();
    let (mut report, mut finding, mut action, mut exemplar) = (None, None, None, None);
    match target {
        AttachmentTarget::Report(id) => report = Some(id),
        AttachmentTarget::Finding(id) => finding = Some(id),
        AttachmentTarget::RemedialAction(id) => action = Some(id),
        AttachmentTarget::Exemplar(id) => exemplar = Some(id),
    }
    Ok(attachment::ActiveModel {
        id: Set(Uuid::now_v7()),
        blob_id: Set(blob.id),
        filename: Set(filename),
        content_type: Set(blob.content_type.clone()),
        byte_size: Set(blob.byte_size),
        origin: Set(origin),
        report_id: Set(report),
        finding_id: Set(finding),
        remedial_action_id: Set(action),
        exemplar_id: Set(exemplar),
        unit_id: Set(unit),
        attached_by_user_id: Set(caller.person()),
        attached_by_client_id: Set(caller.client()),
        sort_key: Set(sort_key(now)),
        created_at: Set(now),
    }
    .insert(txn)
    .await?)
}

/// Attaches the caller's completed upload `upload` (purpose EVIDENCE) to `target`.
///
/// Errors: `NOT_FOUND` for an unknown upload or someone else's; `BAD_USER_INPUT` for an upload
/// not complete, expired or begun for another purpose, an unknown record, a record at its limit
/// of files (`QCDC_ATTACHMENTS_PER_TARGET`); `FORBIDDEN` without a writing grant over the
/// record (for a finding: the conducting side; for a remedial action: the addressee);
/// `CONFLICT` when the record is frozen or already holds the same file.
pub async fn attach(
    w: &Writer,
    files: &Files,
    actor: &Actor,
    upload: Uuid,
    target: AttachmentTarget,
) -> AppResult<attachment::Model> {
    let actor = actor.clone();
    let files = files.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let up = uploads::get(txn, caller, upload).await?;
            uploads::usable(&up, UploadPurpose::Evidence, caller.clock.now())?;
            let blob = entity::blob::Entity::find_by_id(up.blob_id.unwrap_or_default())
                .one(txn)
                .await?
                .ok_or(AppError::NotFound("upload"))?;
            let unit = writable(txn, caller, target, AttachmentOrigin::Uploaded).await?;
            let created = insert(
                txn,
                &files,
                caller,
                target,
                unit,
                &blob,
                up.filename.clone(),
                AttachmentOrigin::Uploaded,
            )
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of("attachment.attach", "Attachment", created.id, Some(unit))
                    .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Stores `file` (made by qcdc) and attaches it to `target` in place of what qcdc rendered
/// there before, in one transaction.
///
/// Errors: as [`attach`], except that a rendered file may be added to a report in any state;
/// rendered files do not count towards the per-record limit (there is one at a time).
pub async fn store_generated(
    w: &Writer,
    files: &Files,
    actor: &Actor,
    target: AttachmentTarget,
    file: GeneratedFile,
) -> AppResult<attachment::Model> {
    let actor = actor.clone();
    let files = files.clone();
    w.transaction(move |txn| {
        Box::pin(async move { attach_generated_in(txn, &files, &actor, target, file).await })
    })
    .await
}

/// [`store_generated`] inside the caller's transaction `txn`, so a step that renders (numbering
/// a report) commits with its file or not at all. The contents are claimed in `txn` before
/// they are written: the collector locks a row it removes, so it either waits for this
/// transaction and then sees the row held, or finishes first and the write restores the bytes.
pub async fn attach_generated_in(
    txn: &impl ConnectionTrait,
    files: &Files,
    actor: &Actor,
    target: AttachmentTarget,
    file: GeneratedFile,
) -> AppResult<attachment::Model> {
    let caller = &actor.caller;
    let unit = writable(txn, caller, target, AttachmentOrigin::Rendered).await?;
    let now = caller.clock.now();
    let sha = sha256_hex(&file.bytes);
    let size = file.bytes.len() as i64;
    let blob = claim_blob(
        txn,
        &sha,
        size,
        file.content_type,
        now + uploads::COMPLETED_TTL,
        now,
    )
    .await?;
    files.blobs.put_blob(&sha, file.bytes).await?;
    let earlier = attachment::Entity::find()
        .filter(target.condition())
        .filter(attachment::Column::Origin.eq(AttachmentOrigin::Rendered))
        .all(txn)
        .await?;
    for old in earlier {
        old.clone().delete(txn).await?;
        audit::record(
            txn,
            actor,
            Change::of("attachment.replace", "Attachment", old.id, Some(unit)).before(&old),
        )
        .await?;
    }
    if let Some(same) = attachment::Entity::find()
        .filter(target.condition())
        .filter(attachment::Column::BlobId.eq(blob.id))
        .one(txn)
        .await?
    {
        // The same bytes uploaded by someone: they stay as they are.
        return Ok(same);
    }
    let created = insert(
        txn,
        files,
        caller,
        target,
        unit,
        &blob,
        file.filename,
        AttachmentOrigin::Rendered,
    )
    .await?;
    audit::record(
        txn,
        actor,
        Change::of("attachment.render", "Attachment", created.id, Some(unit)).after(&created),
    )
    .await?;
    Ok(created)
}

/// Removes attachment `id` from its record; the file is collected once nothing else holds it.
///
/// Errors: `NOT_FOUND` for an attachment the caller does not see; `FORBIDDEN` and `CONFLICT`
/// as [`attach`].
pub async fn detach(w: &Writer, actor: &Actor, id: Uuid) -> AppResult<attachment::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let found = get(txn, caller, id)
                .await?
                .ok_or(AppError::NotFound("attachment"))?;
            let target = AttachmentTarget::of(&found).ok_or(AppError::NotFound("attachment"))?;
            let unit = writable(txn, caller, target, AttachmentOrigin::Uploaded).await?;
            found.clone().delete(txn).await?;
            audit::record(
                txn,
                &actor,
                Change::of("attachment.detach", "Attachment", id, Some(unit)).before(&found),
            )
            .await?;
            Ok(found)
        })
    })
    .await
}

/// Attachment `id`, if the caller sees its record.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<attachment::Model>> {
    let Some(found) = attachment::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let Some(target) = AttachmentTarget::of(&found) else {
        return Ok(None);
    };
    Ok(visible_unit(db, caller, target).await?.map(|_| found))
}

/// The files of `target`, oldest first. The caller has already been shown the record.
pub async fn of_target(
    db: &impl ConnectionTrait,
    target: AttachmentTarget,
) -> AppResult<Vec<attachment::Model>> {
    Ok(attachment::Entity::find()
        .filter(target.condition())
        .order_by_asc(attachment::Column::SortKey)
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await?)
}

/// A signed link to download `a`, valid for `QCDC_DOWNLOAD_TTL_SECONDS`; audited as
/// `attachment.download`, so the log says who could read which file when.
pub async fn download_link(
    w: &Writer,
    files: &Files,
    actor: &Actor,
    a: &attachment::Model,
) -> AppResult<Download> {
    let now = actor.caller.clock.now();
    let expires_at = now + chrono::Duration::from_std(files.settings.link_ttl).unwrap_or_default();
    let blob = entity::blob::Entity::find_by_id(a.blob_id)
        .one(&w.db)
        .await?
        .ok_or(AppError::NotFound("attachment"))?;
    let (actor_c, id, unit) = (actor.clone(), a.id, a.unit_id);
    w.transaction(move |txn| {
        Box::pin(async move {
            audit::record(
                txn,
                &actor_c,
                Change::of("attachment.download", "Attachment", id, Some(unit)),
            )
            .await
        })
    })
    .await?;
    let token = files
        .links
        .sign(blob.id, &a.filename, &a.content_type, expires_at)?;
    Ok(Download {
        filename: a.filename.clone(),
        content_type: a.content_type.clone(),
        byte_size: a.byte_size,
        url: files.url(&format!("/files/{token}")),
        expires_at,
    })
}

/// The SHA-256 of the contents of `a`.
pub async fn sha256_of(db: &impl ConnectionTrait, a: &attachment::Model) -> AppResult<String> {
    Ok(entity::blob::Entity::find_by_id(a.blob_id)
        .one(db)
        .await?
        .map(|b| b.sha256)
        .unwrap_or_default())
}
