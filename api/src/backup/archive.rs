//! The backup file: one tar archive holding `manifest.json` first, then the database
//! (`database.sqlite` or `database.pgdump`), then every stored file as `files/<sha256>`.

use std::{
    fs::File,
    io::{BufReader, BufWriter, Read, Write},
    path::Path,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Refusal, census::Census};

/// What `format` says in every qcdc backup.
pub const FORMAT: &str = "qcdc-backup";
/// The newest layout this binary writes and reads; a reader refuses a newer one.
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const FILES: &str = "files/";

/// The database a backup was taken from; a backup restores only into the same kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a `QCDC_DATABASE_URL` names.
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("backup and restore need a sqlite: or postgres: database URL")
        }
    }

    /// Name of the database inside the archive.
    pub fn database_entry(self) -> &'static str {
        match self {
            Self::Sqlite => "database.sqlite",
            Self::Postgres => "database.pgdump",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        })
    }
}

/// A stored file the backup holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Its SHA-256, lower-case hex: its key in the store and its name under `files/`.
    pub sha256: String,
    pub byte_size: u64,
}

/// `manifest.json`: what the backup holds, written before the parts so a restore can refuse
/// early.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    pub format_version: u32,
    /// Version of the qcdc that took it.
    pub qcdc_version: String,
    pub backend: Backend,
    pub taken_at: DateTime<Utc>,
    /// Names of the migrations applied to the database, oldest first.
    pub migrations: Vec<String>,
    /// Row counts and checksums of every table, taken from the same snapshot as the database.
    pub tables: Census,
    /// The stored files the database names and the archive holds.
    pub files: Vec<StoredFile>,
    /// Files the database names that the store no longer had when the backup was taken.
    #[serde(default)]
    pub missing_files: Vec<String>,
}

impl Manifest {
    /// Parses a manifest, refusing anything that is not a qcdc backup this binary can read.
    pub fn parse(bytes: &[u8]) -> Result<Self, Refusal> {
        #[derive(Deserialize)]
        struct Head {
            format: String,
            format_version: u32,
        }
        let head: Head = serde_json::from_slice(bytes).map_err(|_| Refusal::NotABackup)?;
        if head.format != FORMAT {
            return Err(Refusal::NotABackup);
        }
        if head.format_version > FORMAT_VERSION {
            return Err(Refusal::NewerFormat {
                found: head.format_version,
                known: FORMAT_VERSION,
            });
        }
        serde_json::from_slice(bytes).map_err(|_| Refusal::NotABackup)
    }
}

/// Writes an archive entry by entry; `finish` flushes it and syncs it to disk.
pub struct Writer {
    builder: tar::Builder<BufWriter<File>>,
    mtime: u64,
}

impl Writer {
    /// Creates the new file `path`, readable by its owner only (a backup holds password hashes
    /// and tokens); every entry is dated `taken_at`.
    pub fn create(path: &Path, taken_at: DateTime<Utc>) -> std::io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        Ok(Self::new(options.open(path)?, taken_at))
    }

    /// Writes into `file`, which is empty; every entry is dated `taken_at`.
    pub fn new(file: File, taken_at: DateTime<Utc>) -> Self {
        Self {
            builder: tar::Builder::new(BufWriter::with_capacity(1 << 20, file)),
            mtime: u64::try_from(taken_at.timestamp()).unwrap_or(0),
        }
    }

    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.add(name, bytes.len() as u64, bytes)
    }

    /// Adds the file at `from`, streamed.
    pub fn add_file(&mut self, name: &str, from: &Path) -> std::io::Result<()> {
        let file = File::open(from)?;
        let size = file.metadata()?.len();
        self.add(name, size, BufReader::with_capacity(1 << 20, file))
    }

    fn add(&mut self, name: &str, size: u64, data: impl Read) -> std::io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o600);
        header.set_mtime(self.mtime);
        header.set_entry_type(tar::EntryType::Regular);
        self.builder.append_data(&mut header, name, data)
    }

    /// Flushes and syncs the archive; returns its size in bytes.
    pub fn finish(self) -> std::io::Result<u64> {
        let mut out = self.builder.into_inner()?;
        out.flush()?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(file.metadata()?.len())
    }
}

/// Reads the manifest, the archive's first entry, without reading the rest.
pub fn read_manifest(path: &Path) -> anyhow::Result<Manifest> {
    let file =
        File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    let mut archive = tar::Archive::new(BufReader::new(file));
    let mut entries = archive.entries().map_err(|_| Refusal::NotABackup)?;
    let mut first = entries
        .next()
        .ok_or(Refusal::NotABackup)?
        .map_err(|_| Refusal::NotABackup)?;
    if first.path().map_err(|_| Refusal::NotABackup)?.as_os_str() != MANIFEST {
        return Err(Refusal::NotABackup.into());
    }
    let mut bytes = Vec::new();
    first
        .by_ref()
        .take(16 << 20)
        .read_to_end(&mut bytes)
        .map_err(|_| Refusal::NotABackup)?;
    Ok(Manifest::parse(&bytes)?)
}

/// One part of an archive after its manifest, as [`each_part`] hands it out.
pub enum Part<'a> {
    Database(&'a mut dyn Read),
    /// A stored file and its SHA-256 (its name under `files/`).
    File(&'a str, &'a mut dyn Read),
}

/// Reads the archive at `path` from start to end, handing each part after the manifest to
/// `visit`. An entry the format does not know, one that is not a regular file and one that
/// comes twice (a second manifest would contradict the one a restore checked) fail the read.
pub fn each_part(
    path: &Path,
    backend: Backend,
    mut visit: impl FnMut(Part<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file =
        File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    let mut archive = tar::Archive::new(BufReader::with_capacity(1 << 20, file));
    let mut seen = std::collections::HashSet::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        if !seen.insert(name.clone()) {
            anyhow::bail!("the backup holds `{name}` twice; it is not one qcdc wrote");
        }
        if !entry.header().entry_type().is_file() {
            anyhow::bail!("the backup's entry `{name}` is not a regular file");
        }
        if seen.len() == 1 {
            if name != MANIFEST {
                anyhow::bail!("the backup does not start with its `{MANIFEST}`");
            }
            continue;
        }
        if name == backend.database_entry() {
            visit(Part::Database(&mut entry))?;
        } else if let Some(sha) = name.strip_prefix(FILES).filter(|s| is_sha256(s)) {
            visit(Part::File(sha, &mut entry))?;
        } else {
            anyhow::bail!("the backup holds an unexpected entry `{name}`");
        }
    }
    Ok(())
}

fn is_sha256(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// How a backup's migrations compare with the ones this binary knows.
#[derive(Debug, PartialEq, Eq)]
pub enum SchemaAge {
    /// Every migration this binary knows is applied.
    Current,
    /// These migrations, in order, are still to be applied after the restore.
    Older(Vec<String>),
}

/// Compares the migrations a backup names with `known` (this binary's, in order); a backup
/// naming one this binary does not know comes from a newer qcdc and is refused.
pub fn schema_age(backup: &[String], known: &[String]) -> Result<SchemaAge, Refusal> {
    if let Some(unknown) = backup.iter().find(|m| !known.contains(m)) {
        let newest = backup.iter().max().unwrap_or(unknown);
        return Err(Refusal::NewerSchema {
            backup: newest.clone(),
            known: known.last().cloned().unwrap_or_default(),
        });
    }
    let pending: Vec<String> = known
        .iter()
        .filter(|m| !backup.contains(m))
        .cloned()
        .collect();
    Ok(if pending.is_empty() {
        SchemaAge::Current
    } else {
        SchemaAge::Older(pending)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn manifest() -> Manifest {
        Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            qcdc_version: "0.1.0".into(),
            backend: Backend::Postgres,
            taken_at: DateTime::from_timestamp(1_764_504_000, 0).unwrap(),
            migrations: names(&["m1", "m2"]),
            tables: Census::new(),
            files: vec![StoredFile {
                sha256: "ab".repeat(32),
                byte_size: 3,
            }],
            missing_files: Vec::new(),
        }
    }

    #[test]
    fn a_manifest_reads_back_as_written() {
        let m = manifest();
        let bytes = serde_json::to_vec(&m).unwrap();
        assert_eq!(Manifest::parse(&bytes).unwrap(), m);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("\"backend\":\"postgres\""), "{text}");
    }

    #[test]
    fn anything_but_a_qcdc_manifest_is_refused() {
        for bytes in [
            &b"not json"[..],
            br#"{"format": "other", "format_version": 1}"#,
            br#"{"format": "qcdc-backup"}"#,
            br#"{"format": "qcdc-backup", "format_version": 1}"#,
        ] {
            assert!(matches!(Manifest::parse(bytes), Err(Refusal::NotABackup)));
        }
        let mut newer = serde_json::to_value(manifest()).unwrap();
        newer["format_version"] = (FORMAT_VERSION + 1).into();
        assert!(matches!(
            Manifest::parse(&serde_json::to_vec(&newer).unwrap()),
            Err(Refusal::NewerFormat { found, .. }) if found == FORMAT_VERSION + 1
        ));
    }

    #[test]
    fn schemas_compare_by_migration_names() {
        let known = names(&["m1", "m2", "m3"]);
        assert_eq!(schema_age(&known, &known).unwrap(), SchemaAge::Current);
        assert_eq!(
            schema_age(&names(&["m1"]), &known).unwrap(),
            SchemaAge::Older(names(&["m2", "m3"]))
        );
        assert_eq!(
            schema_age(&[], &known).unwrap(),
            SchemaAge::Older(known.clone())
        );
        match schema_age(&names(&["m1", "m2", "m3", "m4"]), &known) {
            Err(Refusal::NewerSchema { backup, known }) => {
                assert_eq!((backup.as_str(), known.as_str()), ("m4", "m3"));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn an_archive_round_trips_its_parts() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        std::fs::write(&db, b"database bytes").unwrap();
        let path = dir.path().join("backup.tar");
        let m = manifest();
        let mut writer = Writer::create(&path, m.taken_at).unwrap();
        writer
            .add_bytes(MANIFEST, &serde_json::to_vec(&m).unwrap())
            .unwrap();
        writer
            .add_file(Backend::Postgres.database_entry(), &db)
            .unwrap();
        let sha = "ab".repeat(32);
        writer.add_bytes(&format!("{FILES}{sha}"), b"abc").unwrap();
        writer.finish().unwrap();

        assert_eq!(read_manifest(&path).unwrap(), m);
        let mut seen = Vec::new();
        each_part(&path, Backend::Postgres, |part| {
            let mut bytes = Vec::new();
            match part {
                Part::Database(r) => {
                    r.read_to_end(&mut bytes)?;
                    seen.push(("db".to_owned(), bytes));
                }
                Part::File(name, r) => {
                    r.read_to_end(&mut bytes)?;
                    seen.push((name.to_owned(), bytes));
                }
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                ("db".to_owned(), b"database bytes".to_vec()),
                (sha, b"abc".to_vec())
            ]
        );
        // The same archive read as another backend's holds an entry that backend never has.
        assert!(each_part(&path, Backend::Sqlite, |_| Ok(())).is_err());
    }

    #[test]
    fn a_file_that_is_not_an_archive_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "just some text, long enough to not be a tar header").unwrap();
        let err = read_manifest(&path).unwrap_err();
        assert!(matches!(
            err.downcast_ref::<Refusal>(),
            Some(Refusal::NotABackup)
        ));
    }
}
