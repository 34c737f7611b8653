//! `qcdc backup` and `qcdc restore`: one file holding a consistent copy of the database, taken
//! while the server keeps writing, and every stored file it names (README, "Backup and
//! restore").

pub mod archive;
pub mod census;
mod postgres;
mod sqlite;

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use sea_orm::ConnectionTrait;
use sea_orm_migration::MigratorTrait;

use crate::{config::Config, storage::BlobStore};
use archive::{Backend, Manifest, SchemaAge, StoredFile};

/// Why a restore did not start; the target is left as it was. The command exits with
/// [`Refusal::EXIT_CODE`] for these.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("this file is not a qcdc backup")]
    NotABackup,
    #[error("the backup's format {found} is newer than this binary reads ({known})")]
    NewerFormat { found: u32, known: u32 },
    #[error("backup is from a newer qcdc (schema {backup}); this binary knows up to {known}")]
    NewerSchema { backup: String, known: String },
    #[error("the backup is of a {backup} database and QCDC_DATABASE_URL names a {target} one")]
    OtherBackend { backup: Backend, target: Backend },
    #[error("the target database already has tables; restore into a new, empty database: {0}")]
    TargetNotEmpty(String),
}

impl Refusal {
    /// Exit code of `qcdc restore` when it refuses (1 is any other failure).
    pub const EXIT_CODE: u8 = 3;
}

/// What one snapshot of the database holds besides its copy.
struct Snapshot {
    tables: census::Census,
    migrations: Vec<String>,
    /// SHA-256 of every blob the `blobs` table names.
    blobs: Vec<String>,
}

/// What `backup` wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// Size of the backup file, in bytes.
    pub bytes: u64,
    /// Size of the database inside it, in bytes.
    pub database_bytes: u64,
    /// Time taken to copy the database and take its census.
    pub snapshot_time: Duration,
    pub total_time: Duration,
}

/// What `restore` did.
#[derive(Debug)]
pub struct RestoreReport {
    pub manifest: Manifest,
    /// Size of the backup file, in bytes.
    pub bytes: u64,
    /// Stored files put into the store, and their bytes.
    pub files: usize,
    pub file_bytes: u64,
    /// Migrations applied after the restore because the backup's schema was older.
    pub migrated: Vec<String>,
    pub total_time: Duration,
}

/// Backs up the database of `config.database_url` and the stored files it names into the new
/// file `path`, while the server keeps serving writes. The file appears only once complete and
/// synced (it is written as `<path>.partial` first).
///
/// Errors: the database or store cannot be read, `pg_dump` is missing or fails, the folder of
/// `path` cannot be written.
pub async fn backup(config: &Config, path: &Path) -> anyhow::Result<BackupReport> {
    let started = Instant::now();
    let backend = Backend::of_url(&config.database_url)?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    // Beside the backup, so the copy of the database is on the disk that has room for it.
    let work = tempfile::Builder::new()
        .prefix(".qcdc-backup-")
        .tempdir_in(&folder)?;
    let database = work.path().join(backend.database_entry());
    if backend == Backend::Sqlite {
        // Connecting would create a missing file; there is nothing to back up.
        let file = sqlite::path_of(&config.database_url)?;
        if !file.is_file() {
            anyhow::bail!("there is no SQLite database at {}", file.display());
        }
    }
    let db = crate::db::connect(&config.database_url).await?;
    let snapshot = match backend {
        Backend::Sqlite => sqlite::snapshot(&db, &database).await?,
        Backend::Postgres => postgres::snapshot(&db, &config.database_url, &database).await?,
    };
    db.close().await?;
    let snapshot_time = started.elapsed();

    let store = BlobStore::open(&config.files)?;
    let mut files = Vec::new();
    let mut missing_files = Vec::new();
    for sha in &snapshot.blobs {
        match store.blob_size(sha).await.map_err(anyhow_of)? {
            Some(byte_size) => files.push(StoredFile {
                sha256: sha.clone(),
                byte_size,
            }),
            None => missing_files.push(sha.clone()),
        }
    }
    for sha in &missing_files {
        tracing::warn!(sha256 = %sha, "a stored file the database names is not in the store");
        eprintln!("warning: the stored file {sha} is named by the database but not in the store");
    }
    let manifest = Manifest {
        format: archive::FORMAT.into(),
        format_version: archive::FORMAT_VERSION,
        qcdc_version: env!("CARGO_PKG_VERSION").into(),
        backend,
        taken_at: chrono::Utc::now(),
        migrations: snapshot.migrations,
        tables: snapshot.tables,
        files,
        missing_files,
    };

    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let (bytes, database_bytes) = {
        let (manifest, path) = (manifest.clone(), path.to_owned());
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let written =
                write_archive(&partial, &manifest, &database, &store, &runtime).and_then(|()| {
                    std::fs::rename(&partial, &path)?;
                    sync_parent(&path)
                });
            if written.is_err() {
                // Nothing that looks like a backup stays behind a failure.
                let _ = std::fs::remove_file(&partial);
            }
            written?;
            Ok::<_, anyhow::Error>((
                std::fs::metadata(&path)?.len(),
                std::fs::metadata(&database)?.len(),
            ))
        })
        .await??
    };
    drop(work);
    Ok(BackupReport {
        path: path.to_owned(),
        bytes,
        database_bytes,
        manifest,
        snapshot_time,
        total_time: started.elapsed(),
    })
}

/// Writes the archive; blocking, so it runs off the async workers and reaches the store
/// through `runtime`.
fn write_archive(
    partial: &Path,
    manifest: &Manifest,
    database: &Path,
    store: &BlobStore,
    runtime: &tokio::runtime::Handle,
) -> anyhow::Result<()> {
    let mut writer = archive::Writer::create(partial, manifest.taken_at)?;
    writer.add_bytes(archive::MANIFEST, &serde_json::to_vec_pretty(manifest)?)?;
    writer.add_file(manifest.backend.database_entry(), database)?;
    for file in &manifest.files {
        let bytes = runtime
            .block_on(store.get_blob(&file.sha256))
            .map_err(anyhow_of)?;
        if crate::domain::files::sha256_hex(&bytes) != file.sha256 {
            anyhow::bail!(
                "the stored file {} does not match its SHA-256: the store is damaged",
                file.sha256
            );
        }
        writer.add_bytes(&format!("{}{}", archive::FILES, file.sha256), &bytes)?;
    }
    writer.finish()?;
    Ok(())
}

/// Restores the backup `path` into the database of `config.database_url`, which must be new
/// and empty, and its stored files into the store of `config.files`; checks every table
/// against the backup's census, then applies the migrations the backup's schema lacks.
///
/// Errors: a [`Refusal`] (nothing touched), a failed `pg_restore`, a census that differs
/// (the SQLite target is then left as it was; a PostgreSQL one holds the restored rows and
/// should be dropped), a store that cannot be written.
pub async fn restore(config: &Config, path: &Path) -> anyhow::Result<RestoreReport> {
    let started = Instant::now();
    let manifest = {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || archive::read_manifest(&path)).await??
    };
    let known: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let age = archive::schema_age(&manifest.migrations, &known)?;
    let target = Backend::of_url(&config.database_url)?;
    if target != manifest.backend {
        return Err(Refusal::OtherBackend {
            backup: manifest.backend,
            target,
        }
        .into());
    }
    let store = BlobStore::open(&config.files)?;
    let (db, extracted) = match target {
        Backend::Sqlite => {
            let file = sqlite::path_of(&config.database_url)?;
            sqlite::ensure_empty(&file).await?;
            let folder = match file.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                _ => PathBuf::from("."),
            };
            std::fs::create_dir_all(&folder)?;
            let work = tempfile::Builder::new()
                .prefix(".qcdc-restore-")
                .tempdir_in(&folder)?;
            let copy = work.path().join(target.database_entry());
            let extracted = extract(path, &manifest, &copy, &store).await?;
            sqlite::verify(&copy, &manifest.tables).await?;
            tokio::task::spawn_blocking(move || sqlite::move_into_place(&copy, &file)).await??;
            (crate::db::connect(&config.database_url).await?, extracted)
        }
        Backend::Postgres => {
            let db = crate::db::connect(&config.database_url).await?;
            postgres::ensure_empty(&db).await?;
            let work = tempfile::Builder::new().prefix("qcdc-restore-").tempdir()?;
            let dump = work.path().join(target.database_entry());
            let extracted = extract(path, &manifest, &dump, &store).await?;
            postgres::restore(&config.database_url, &dump).await?;
            let differences = census::differences(&manifest.tables, &census::take(&db).await?);
            if !differences.is_empty() {
                anyhow::bail!(
                    "the restored database differs from the backup's census; drop it:\n  {}",
                    differences.join("\n  ")
                );
            }
            // pg_restore leaves the planner without statistics.
            db.execute_unprepared("ANALYZE").await?;
            (db, extracted)
        }
    };
    let migrated = match age {
        SchemaAge::Current => Vec::new(),
        SchemaAge::Older(pending) => {
            crate::db::migrate(&db).await?;
            pending
        }
    };
    db.close().await?;
    Ok(RestoreReport {
        bytes: tokio::task::spawn_blocking({
            let path = path.to_owned();
            move || std::fs::metadata(path).map(|m| m.len())
        })
        .await??,
        files: extracted.files,
        file_bytes: extracted.file_bytes,
        manifest,
        migrated,
        total_time: started.elapsed(),
    })
}

/// What [`extract`] put where.
struct Extracted {
    files: usize,
    file_bytes: u64,
}

/// Writes the archive's database to `database` and puts its stored files into `store`, each
/// checked against its SHA-256; every file the manifest lists must be there.
async fn extract(
    path: &Path,
    manifest: &Manifest,
    database: &Path,
    store: &BlobStore,
) -> anyhow::Result<Extracted> {
    let (path, database, store) = (path.to_owned(), database.to_owned(), store.clone());
    let (backend, expected) = (manifest.backend, manifest.files.clone());
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        let mut file_bytes = 0;
        let mut has_database = false;
        archive::each_part(&path, backend, |part| {
            match part {
                archive::Part::Database(reader) => {
                    let mut out = std::fs::File::create(&database)?;
                    std::io::copy(reader, &mut out)?;
                    out.sync_all()?;
                    has_database = true;
                }
                archive::Part::File(sha, reader) => {
                    let mut bytes = Vec::new();
                    reader.read_to_end(&mut bytes)?;
                    if crate::domain::files::sha256_hex(&bytes) != sha {
                        anyhow::bail!("the backup's file {sha} does not match its SHA-256");
                    }
                    file_bytes += bytes.len() as u64;
                    runtime
                        .block_on(store.put_blob(sha, bytes))
                        .map_err(anyhow_of)?;
                    seen.push(sha.to_owned());
                }
            }
            Ok(())
        })?;
        if !has_database {
            anyhow::bail!("the backup holds no database");
        }
        if let Some(lost) = expected.iter().find(|f| !seen.contains(&f.sha256)) {
            anyhow::bail!("the backup lacks the stored file {}", lost.sha256);
        }
        Ok(Extracted {
            files: seen.len(),
            file_bytes,
        })
    })
    .await?
}

fn anyhow_of(err: crate::error::AppError) -> anyhow::Error {
    match err {
        crate::error::AppError::Unavailable(e) | crate::error::AppError::Internal(e) => {
            anyhow::anyhow!("{e:#}")
        }
        other => anyhow::anyhow!(other.message()),
    }
}

/// Syncs the folder holding `path`, so a rename into it survives a crash.
fn sync_parent(path: &Path) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(folder)?.sync_all()?;
    Ok(())
}

impl std::fmt::Display for BackupReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = &self.manifest;
        writeln!(
            f,
            "backup of a {} database written to {} ({})",
            m.backend,
            self.path.display(),
            size(self.bytes)
        )?;
        writeln!(
            f,
            "  database {} in {} tables, {} rows; {} stored files",
            size(self.database_bytes),
            m.tables.len(),
            m.tables.values().map(|t| t.rows).sum::<u64>(),
            m.files.len()
        )?;
        writeln!(
            f,
            "  schema {} ({} migrations)",
            m.migrations.last().map_or("empty", String::as_str),
            m.migrations.len()
        )?;
        write!(
            f,
            "  snapshot and census {:.1} s, total {:.1} s",
            self.snapshot_time.as_secs_f64(),
            self.total_time.as_secs_f64()
        )
    }
}

impl std::fmt::Display for RestoreReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = &self.manifest;
        writeln!(
            f,
            "restored a backup of {} ({}, taken {} by qcdc {})",
            m.backend,
            size(self.bytes),
            m.taken_at.format("%Y-%m-%d %H:%M:%S UTC"),
            m.qcdc_version
        )?;
        writeln!(
            f,
            "  {} tables, {} rows, each matching the backup's census; {} stored files ({})",
            m.tables.len(),
            m.tables.values().map(|t| t.rows).sum::<u64>(),
            self.files,
            size(self.file_bytes)
        )?;
        if !m.missing_files.is_empty() {
            writeln!(
                f,
                "  {} stored files were already missing when the backup was taken: {}",
                m.missing_files.len(),
                m.missing_files.join(", ")
            )?;
        }
        if self.migrated.is_empty() {
            writeln!(f, "  schema is current")?;
        } else {
            writeln!(
                f,
                "  the backup's schema was older; applied {}",
                self.migrated.join(", ")
            )?;
        }
        write!(f, "  total {:.1} s", self.total_time.as_secs_f64())
    }
}

fn size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
