//! The collector: expired uploads go (with any bytes they received), then every blob that
//! nothing references and whose time has passed (`blobs.retain_until`). A blob is removed under
//! a lock on its row, so a completion that claims the same hash at the same moment either waits
//! and writes the bytes again, or is seen and the blob is kept. Safe to run on every instance.

use chrono::{DateTime, Utc};
use entity::{attachment, blob, upload};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Query,
};
use uuid::Uuid;

use crate::{domain::write::Writer, error::AppResult, storage::Files};

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    pub uploads: usize,
    pub blobs: usize,
}

/// Blobs looked at in one pass, so a pass stays short.
const BATCH: u64 = 500;

/// One pass at `now`.
pub async fn collect(w: &Writer, files: &Files, now: DateTime<Utc>) -> AppResult<Collected> {
    let mut done = Collected::default();
    let expired: Vec<upload::Model> = upload::Entity::find()
        .filter(upload::Column::ExpiresAt.lte(now))
        .limit(BATCH)
        .all(&w.db)
        .await?;
    for up in expired {
        files.blobs.delete_staged(up.id).await?;
        let id = up.id;
        w.transaction(move |txn| {
            Box::pin(async move {
                upload::Entity::delete_many()
                    .filter(upload::Column::Id.eq(id))
                    .filter(upload::Column::ExpiresAt.lte(now))
                    .exec(txn)
                    .await?;
                Ok(())
            })
        })
        .await?;
        done.uploads += 1;
    }
    // Bytes sent for an upload whose row is gone (a crash between the two steps above).
    let staged = files.blobs.staged_uploads().await?;
    if !staged.is_empty() {
        let known: Vec<Uuid> = upload::Entity::find()
            .select_only()
            .column(upload::Column::Id)
            .filter(upload::Column::Id.is_in(staged.clone()))
            .into_tuple()
            .all(&w.db)
            .await?;
        for orphan in staged.into_iter().filter(|id| !known.contains(id)) {
            files.blobs.delete_staged(orphan).await?;
        }
    }
    for candidate in unreferenced(w, now).await? {
        let files = files.clone();
        let removed = w
            .transaction(move |txn| {
                Box::pin(async move {
                    let mut find = blob::Entity::find()
                        .filter(blob::Column::Id.eq(candidate))
                        .filter(blob::Column::RetainUntil.lte(now))
                        .filter(not_referenced());
                    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
                        find = find.lock_exclusive();
                    }
                    let Some(b) = find.one(txn).await? else {
                        return Ok(false);
                    };
                    files.blobs.delete_blob(&b.sha256).await?;
                    blob::Entity::delete_by_id(b.id).exec(txn).await?;
                    Ok(true)
                })
            })
            .await?;
        if removed {
            done.blobs += 1;
        }
    }
    Ok(done)
}

/// No attachment and no upload names the blob.
fn not_referenced() -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(
            blob::Column::Id.not_in_subquery(
                Query::select()
                    .column(attachment::Column::BlobId)
                    .from(attachment::Entity)
                    .to_owned(),
            ),
        )
        .add(
            blob::Column::Id.not_in_subquery(
                Query::select()
                    .column(upload::Column::BlobId)
                    .from(upload::Entity)
                    .and_where(upload::Column::BlobId.is_not_null())
                    .to_owned(),
            ),
        )
}

async fn unreferenced(w: &Writer, now: DateTime<Utc>) -> AppResult<Vec<Uuid>> {
    Ok(blob::Entity::find()
        .select_only()
        .column(blob::Column::Id)
        .filter(blob::Column::RetainUntil.lte(now))
        .filter(not_referenced())
        .limit(BATCH)
        .into_tuple()
        .all(&w.db)
        .await?)
}
