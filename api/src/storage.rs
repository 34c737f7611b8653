//! Where file contents live: a content-addressed blob store on the local filesystem (under the
//! data folder, the default) or in an S3-compatible bucket (production), through
//! `object_store`; and the signed, short-lived links that download from it.
//!
//! Layout inside the store: `blobs/<first two hex digits>/<sha256>` for checked contents, and
//! `uploads/<upload id>` for bytes received but not yet checked (`completeUpload` moves them).

use std::{path::PathBuf, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use object_store::{
    ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart, aws::AmazonS3, path::Path,
    signer::Signer,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// An S3-compatible bucket (`QCDC_S3_*`).
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    /// e.g. `https://s3.example.vn`; absent for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Settings of stored files (README, "Attachments").
#[derive(Clone, Debug)]
pub struct FileSettings {
    /// Local blob store: `<data_dir>/files` (`QCDC_DATA_DIR`, default `data`).
    pub data_dir: PathBuf,
    /// Store in this bucket instead of the data folder.
    pub s3: Option<S3Settings>,
    /// Largest file accepted, in bytes (`QCDC_UPLOAD_MAX_BYTES`, default 20 MiB).
    pub max_upload_bytes: u64,
    /// Files attached to one record at most (`QCDC_ATTACHMENTS_PER_TARGET`, default 20).
    pub attachments_per_target: u64,
    /// How long an upload's URL takes bytes (`QCDC_UPLOAD_TTL_SECONDS`, default 900).
    pub upload_ttl: Duration,
    /// How long a download link works (`QCDC_DOWNLOAD_TTL_SECONDS`, default 300).
    pub link_ttl: Duration,
    /// A ClamAV daemon (`clamd`) to scan every upload, `host:port` (`QCDC_CLAMAV_ADDR`).
    pub clamav: Option<String>,
    /// How often expired uploads and unreferenced files are collected
    /// (`QCDC_FILE_COLLECT_SECONDS`, default 600).
    pub collect_every: Duration,
    /// Prefix of the URLs handed out (`QCDC_PUBLIC_URL`, e.g. `https://qcdc.soctrang.gov.vn`);
    /// without it they are paths on this server (`/uploads/…`, `/files/…`).
    pub public_url: Option<String>,
}

impl Default for FileSettings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            s3: None,
            max_upload_bytes: 20 * 1024 * 1024,
            attachments_per_target: 20,
            upload_ttl: Duration::from_secs(15 * 60),
            link_ttl: Duration::from_secs(5 * 60),
            clamav: None,
            collect_every: Duration::from_secs(600),
            public_url: None,
        }
    }
}

/// Everything the file features need: the store, the link signer and the settings.
#[derive(Clone)]
pub struct Files {
    pub blobs: BlobStore,
    pub links: Links,
    pub settings: Arc<FileSettings>,
}

impl Files {
    /// Opens the store of `settings`; `link_key` signs download links (derive it from the
    /// server's signing secret, so every instance accepts every other's links).
    pub fn open(settings: FileSettings, link_key: &[u8]) -> anyhow::Result<Self> {
        Ok(Self {
            blobs: BlobStore::open(&settings)?,
            links: Links::new(link_key),
            settings: Arc::new(settings),
        })
    }

    /// `path` on this server, as a client reaches it.
    pub fn url(&self, path: &str) -> String {
        match &self.settings.public_url {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path.to_owned(),
        }
    }
}

/// The store of file contents.
#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// The bucket, when the store is one: it signs URLs that PUT straight into it.
    s3: Option<Arc<AmazonS3>>,
}

fn blob_path(sha256: &str) -> Path {
    Path::from(format!("blobs/{}/{sha256}", &sha256[..2.min(sha256.len())]))
}

fn staging_path(upload: Uuid) -> Path {
    Path::from(format!("uploads/{}", upload.simple()))
}

fn storage_error(err: object_store::Error) -> AppError {
    AppError::Unavailable(Arc::new(anyhow::Error::new(err).context("blob store")))
}

impl BlobStore {
    /// Opens the store `settings` name (the data folder's `files/`, or the bucket).
    pub fn open(settings: &FileSettings) -> anyhow::Result<Self> {
        match &settings.s3 {
            Some(s3) => {
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        // Self-hosted stores (MinIO, Ceph, s3s) address buckets by path.
                        .with_virtual_hosted_style_request(false);
                }
                let bucket = Arc::new(builder.build()?);
                Ok(Self {
                    store: bucket.clone(),
                    s3: Some(bucket),
                })
            }
            None => {
                let root = settings.data_dir.join("files");
                std::fs::create_dir_all(&root)?;
                let local = object_store::local::LocalFileSystem::new_with_prefix(&root)?
                    .with_automatic_cleanup(true);
                Ok(Self {
                    store: Arc::new(local),
                    s3: None,
                })
            }
        }
    }

    /// Bytes of the blob `sha256` (lower-case hex).
    pub async fn get_blob(&self, sha256: &str) -> AppResult<Vec<u8>> {
        let found = self
            .store
            .get(&blob_path(sha256))
            .await
            .map_err(storage_error)?;
        Ok(found.bytes().await.map_err(storage_error)?.to_vec())
    }

    /// Stores `bytes` as the blob `sha256` (the caller has checked the hash). Writing the same
    /// blob again is harmless: the contents are the same.
    pub async fn put_blob(&self, sha256: &str, bytes: Vec<u8>) -> AppResult<()> {
        self.store
            .put(&blob_path(sha256), PutPayload::from(bytes))
            .await
            .map_err(storage_error)?;
        Ok(())
    }

    /// Whether the blob `sha256` is in the store.
    pub async fn has_blob(&self, sha256: &str) -> AppResult<bool> {
        match self.store.head(&blob_path(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(err) => Err(storage_error(err)),
        }
    }

    /// Size in bytes of the blob `sha256`, or `None` when the store does not have it.
    pub async fn blob_size(&self, sha256: &str) -> AppResult<Option<u64>> {
        match self.store.head(&blob_path(sha256)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(storage_error(err)),
        }
    }

    /// Removes the blob `sha256`; one already gone is fine.
    pub async fn delete_blob(&self, sha256: &str) -> AppResult<()> {
        self.delete(&blob_path(sha256)).await
    }

    async fn delete(&self, path: &Path) -> AppResult<()> {
        match self.store.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(storage_error(err)),
        }
    }

    /// A writer for the received bytes of `upload`, in parts (memory stays at one part).
    pub async fn staging_writer(&self, upload: Uuid) -> AppResult<WriteMultipart> {
        let target = self
            .store
            .put_multipart(&staging_path(upload))
            .await
            .map_err(storage_error)?;
        Ok(WriteMultipart::new(target))
    }

    /// The bytes received for `upload`, or `None` if none arrived. More than `limit` bytes is
    /// refused without reading them.
    pub async fn read_staged(&self, upload: Uuid, limit: u64) -> AppResult<Option<Vec<u8>>> {
        let path = staging_path(upload);
        let meta = match self.store.head(&path).await {
            Ok(meta) => meta,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(storage_error(err)),
        };
        if meta.size > limit {
            return Err(AppError::bad_input(
                "input.id",
                format!("the bytes received are larger than the {limit} bytes declared"),
            ));
        }
        let found = self.store.get(&path).await.map_err(storage_error)?;
        Ok(Some(found.bytes().await.map_err(storage_error)?.to_vec()))
    }

    /// Drops what was received for `upload`.
    pub async fn delete_staged(&self, upload: Uuid) -> AppResult<()> {
        self.delete(&staging_path(upload)).await
    }

    /// A URL that takes the bytes of `upload` by `PUT` straight into the bucket, valid for
    /// `ttl`; `None` when the store is the local folder (the bytes then go to qcdc itself).
    pub async fn presigned_put(&self, upload: Uuid, ttl: Duration) -> AppResult<Option<String>> {
        let Some(bucket) = &self.s3 else {
            return Ok(None);
        };
        let url = bucket
            .signed_url(reqwest_method_put(), &staging_path(upload), ttl)
            .await
            .map_err(storage_error)?;
        Ok(Some(url.to_string()))
    }

    /// Ids of uploads that have bytes waiting in the store (the collector's view).
    pub async fn staged_uploads(&self) -> AppResult<Vec<Uuid>> {
        use futures_util::TryStreamExt;
        let listed: Vec<_> = self
            .store
            .list(Some(&Path::from("uploads")))
            .try_collect()
            .await
            .map_err(storage_error)?;
        Ok(listed
            .iter()
            .filter_map(|meta| meta.location.filename())
            .filter_map(|name| Uuid::try_parse(name).ok())
            .collect())
    }
}

fn reqwest_method_put() -> axum::http::Method {
    axum::http::Method::PUT
}

/// What a download link grants: one blob, under one name and type, until `exp`.
#[derive(Debug, Serialize, Deserialize)]
pub struct LinkClaims {
    aud: String,
    /// Id of the blob (not its hash, which would say what the file is).
    pub sub: String,
    /// File name to save as.
    pub name: String,
    /// Content type to serve it with.
    pub typ: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

const LINK_AUDIENCE: &str = "qcdc-file";

/// Signs and checks download links (HMAC-SHA256 JWTs in the path of `/files/{token}`).
#[derive(Clone)]
pub struct Links {
    encoding: Arc<jsonwebtoken::EncodingKey>,
    decoding: Arc<jsonwebtoken::DecodingKey>,
}

impl Links {
    /// Links signed with a key derived from `secret`, for nothing but links.
    pub fn new(secret: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(b"qcdc download links\0");
        hasher.update(secret);
        let key = hasher.finalize();
        Self {
            encoding: Arc::new(jsonwebtoken::EncodingKey::from_secret(&key)),
            decoding: Arc::new(jsonwebtoken::DecodingKey::from_secret(&key)),
        }
    }

    /// A link token for the blob with id `blob`, saved as `name` of type `content_type`, until
    /// `expires`.
    pub fn sign(
        &self,
        blob: Uuid,
        name: &str,
        content_type: &str,
        expires: DateTime<Utc>,
    ) -> AppResult<String> {
        let claims = LinkClaims {
            aud: LINK_AUDIENCE.into(),
            sub: blob.to_string(),
            name: name.into(),
            typ: content_type.into(),
            exp: expires.timestamp(),
        };
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &self.encoding,
        )
        .map_err(AppError::internal)
    }

    /// The claims of a link that is genuine and unexpired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<LinkClaims> {
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_audience(&[LINK_AUDIENCE]);
        // Expiry is judged against the server's one clock below, not the library's.
        validation.validate_exp = false;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<LinkClaims>(token, &self.decoding, &validation).ok()?;
        (data.claims.exp > now.timestamp()).then_some(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_works_until_it_expires_and_only_with_its_key() {
        let links = Links::new(b"secret one");
        let now = Utc::now();
        let token = links
            .sign(
                Uuid::nil(),
                "báo cáo.pdf",
                "application/pdf",
                now + chrono::Duration::minutes(5),
            )
            .unwrap();
        let claims = links.verify(&token, now).unwrap();
        assert_eq!(claims.name, "báo cáo.pdf");
        assert!(
            links
                .verify(&token, now + chrono::Duration::minutes(6))
                .is_none()
        );
        assert!(Links::new(b"secret two").verify(&token, now).is_none());
        let mut forged = token.clone();
        forged.pop();
        assert!(links.verify(&forged, now).is_none());
    }

    #[test]
    fn blobs_are_spread_by_their_first_two_digits() {
        assert_eq!(blob_path("abcdef").as_ref(), "blobs/ab/abcdef");
    }
}
