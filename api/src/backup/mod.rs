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
    #[error(
        "the target database {} is a symbolic link; point QCDC_DATABASE_URL at the file itself",
        .0.display()
    )]
    TargetIsLink(PathBuf),
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

/// Backs up the database of `config.database_url` and the stored files it names into the file
/// `path`, while the server keeps serving writes. The file, readable by its owner only,
/// appears only once complete and synced: it is written under a unique hidden name beside
/// `path` first, so two backups to one name each write their own and the last one wins.
///
/// Errors: `path` is a folder, the database or store cannot be read, `pg_dump` is missing or
/// fails, the folder of `path` cannot be written.
pub async fn backup(config: &Config, path: &Path) -> anyhow::Result<BackupReport> {
    let started = Instant::now();
    let backend = Backend::of_url(&config.database_url)?;
    if path.is_dir() {
        anyhow::bail!(
            "{} is a folder; name the backup file to write in it",
            path.display()
        );
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| anyhow::anyhow!("{} names no file to write", path.display()))?;
    let in_folder =
        |e: std::io::Error| anyhow::anyhow!("cannot write in the folder {}: {e}", folder.display());
    // Beside the backup, so the copy of the database is on the disk that has room for it.
    let work = tempfile::Builder::new()
        .prefix(".qcdc-backup-")
        .tempdir_in(&folder)
        .map_err(in_folder)?;
    // Created exclusively with mode 0600, and removed when dropped on a failure.
    let partial = tempfile::Builder::new()
        .prefix(&{
            let mut prefix = std::ffi::OsString::from(".");
            prefix.push(name);
            prefix.push(".");
            prefix
        })
        .suffix(".partial")
        .tempfile_in(&folder)
        .map_err(in_folder)?;
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

    let (bytes, database_bytes) = {
        let (manifest, path) = (manifest.clone(), path.to_owned());
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let written = partial
                .as_file()
                .try_clone()
                .map_err(anyhow::Error::from)
                .and_then(|file| write_archive(file, &manifest, &database, &store, &runtime))
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot write the backup {}: {e:#}",
                        partial.path().display()
                    )
                })?;
            // `persist` renames: the backup appears whole or not at all.
            partial.persist(&path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot move the backup into place at {}: {}",
                    path.display(),
                    e.error
                )
            })?;
            sync_parent(&path)?;
            Ok::<_, anyhow::Error>((written, std::fs::metadata(&database)?.len()))
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

/// Writes the archive into `file` and returns its size; blocking, so it runs off the async
/// workers and reaches the store through `runtime`.
fn write_archive(
    file: std::fs::File,
    manifest: &Manifest,
    database: &Path,
    store: &BlobStore,
    runtime: &tokio::runtime::Handle,
) -> anyhow::Result<u64> {
    let mut writer = archive::Writer::new(file, manifest.taken_at);
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
    Ok(writer.finish()?)
}

/// Restores the backup `path` into the database of `config.database_url`, which must be new
/// and empty, and its stored files into the store of `config.files`; checks every table
/// against the backup's census, then applies the migrations the backup's schema lacks.
///
/// Stored files go into the store only once the database passed the census check.
///
/// Errors: a [`Refusal`] (nothing touched), an archive holding a file its manifest does not
/// list or an entry twice, a failed `pg_restore`, a census that differs (the SQLite target and
/// the store are then left as they were; a PostgreSQL target holds the restored rows and
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
            extract_database(path, &manifest, &copy).await?;
            sqlite::verify(&copy, &manifest.tables).await?;
            let extracted = put_files(path, &manifest, &store).await?;
            tokio::task::spawn_blocking(move || sqlite::move_into_place(&copy, &file)).await??;
            (crate::db::connect(&config.database_url).await?, extracted)
        }
        Backend::Postgres => {
            let db = crate::db::connect(&config.database_url).await?;
            postgres::ensure_empty(&db).await?;
            let work = tempfile::Builder::new().prefix("qcdc-restore-").tempdir()?;
            let dump = work.path().join(target.database_entry());
            extract_database(path, &manifest, &dump).await?;
            postgres::restore(&config.database_url, &dump).await?;
            let differences = census::differences(&manifest.tables, &census::take(&db).await?);
            if !differences.is_empty() {
                anyhow::bail!(
                    "the restored database differs from the backup's census; drop it:\n  {}",
                    differences.join("\n  ")
                );
            }
            let extracted = put_files(path, &manifest, &store).await?;
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

/// What [`put_files`] put into the store.
struct Extracted {
    files: usize,
    file_bytes: u64,
}

/// Writes the archive's database to the new file `database` (mode 0600) and checks its stored
/// files without putting them anywhere: each must match its SHA-256, and the archive must hold
/// exactly the files the manifest lists.
async fn extract_database(path: &Path, manifest: &Manifest, database: &Path) -> anyhow::Result<()> {
    let (path, database) = (path.to_owned(), database.to_owned());
    let (backend, expected) = (manifest.backend, manifest.files.clone());
    tokio::task::spawn_blocking(move || {
        let mut seen = std::collections::HashSet::new();
        let mut has_database = false;
        archive::each_part(&path, backend, |part| {
            match part {
                archive::Part::Database(reader) => {
                    let mut options = std::fs::OpenOptions::new();
                    options.write(true).create_new(true);
                    #[cfg(unix)]
                    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                    let mut out = options.open(&database).map_err(|e| {
                        anyhow::anyhow!("cannot create {}: {e}", database.display())
                    })?;
                    std::io::copy(reader, &mut out)?;
                    out.sync_all()?;
                    has_database = true;
                }
                archive::Part::File(sha, reader) => {
                    listed_file(sha, reader, &expected)?;
                    seen.insert(sha.to_owned());
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
        Ok(())
    })
    .await?
}

/// The bytes of the archive's stored file `sha`, refused unless the manifest lists it and its
/// bytes hash to it.
fn listed_file(
    sha: &str,
    reader: &mut dyn std::io::Read,
    expected: &[archive::StoredFile],
) -> anyhow::Result<Vec<u8>> {
    if !expected.iter().any(|f| f.sha256 == sha) {
        anyhow::bail!("the backup holds the file {sha}, which its manifest does not list");
    }
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    if crate::domain::files::sha256_hex(&bytes) != sha {
        anyhow::bail!("the backup's file {sha} does not match its SHA-256");
    }
    Ok(bytes)
}

/// Puts the archive's stored files into `store`, each checked against its SHA-256 again (the
/// archive is read a second time). Runs only once the restored database passed its census, so
/// a failed restore leaves the store as it was.
async fn put_files(
    path: &Path,
    manifest: &Manifest,
    store: &BlobStore,
) -> anyhow::Result<Extracted> {
    let (path, store) = (path.to_owned(), store.clone());
    let (backend, expected) = (manifest.backend, manifest.files.clone());
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut files = 0;
        let mut file_bytes = 0;
        archive::each_part(&path, backend, |part| {
            if let archive::Part::File(sha, reader) = part {
                let bytes = listed_file(sha, reader, &expected)?;
                file_bytes += bytes.len() as u64;
                files += 1;
                runtime
                    .block_on(store.put_blob(sha, bytes))
                    .map_err(anyhow_of)?;
            }
            Ok(())
        })?;
        Ok(Extracted { files, file_bytes })
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
