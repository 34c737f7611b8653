//! SQLite's side of backup and restore: an online copy by `VACUUM INTO`, and a restore that
//! checks the copy before it moves into the target's place.

use std::path::{Path, PathBuf};

use sea_orm::{
    DatabaseConnection,
    sqlx::{
        self, ConnectOptions, Connection, SqliteConnection,
        sqlite::{SqliteConnectOptions, SqliteJournalMode},
    },
};

use super::{Refusal, Snapshot, census};

/// Copies the database of `db` into the new file `copy` and takes the snapshot's census, list
/// of migrations and stored files from the copy, so they describe exactly what was copied.
///
/// `VACUUM INTO` reads in one transaction, which in WAL mode never blocks the server's writers.
pub async fn snapshot(db: &DatabaseConnection, copy: &Path) -> anyhow::Result<Snapshot> {
    let target = copy
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup's folder must have a UTF-8 path"))?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(db.get_sqlite_connection_pool())
        .await?;
    let mut conn = open_file(copy, false).await?;
    let snapshot = read_snapshot(&mut conn, "the database has no qcdc schema to back up").await;
    conn.close().await?;
    snapshot
}

/// The census, migrations and stored files of a database file, in one read transaction;
/// `no_schema` is the error when the file has no qcdc schema.
async fn read_snapshot(conn: &mut SqliteConnection, no_schema: &str) -> anyhow::Result<Snapshot> {
    let mut tx = conn.begin().await?;
    let tables = census::sqlite(&mut tx).await?;
    if !tables.contains_key("seaql_migrations") {
        anyhow::bail!("{no_schema} (no seaql_migrations table)");
    }
    let migrations = sqlx::query_scalar("SELECT version FROM seaql_migrations ORDER BY version")
        .fetch_all(&mut *tx)
        .await?;
    let blobs = if tables.contains_key("blobs") {
        sqlx::query_scalar("SELECT sha256 FROM blobs ORDER BY sha256")
            .fetch_all(&mut *tx)
            .await?
    } else {
        Vec::new()
    };
    tx.rollback().await?;
    Ok(Snapshot {
        tables,
        migrations,
        blobs,
    })
}

/// Opens one database file on its own connection. In rollback-journal mode the file holds
/// everything once the connection closes (no `-wal` beside it to copy or lose).
async fn open_file(path: &Path, read_only: bool) -> anyhow::Result<SqliteConnection> {
    // Reading a whole table for the census is meant to be slow: no "slow statement" warnings.
    let mut options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .disable_statement_logging();
    if !read_only {
        options = options.journal_mode(SqliteJournalMode::Delete);
    }
    Ok(options.connect().await?)
}

/// The file a `sqlite:` URL names.
pub fn path_of(url: &str) -> anyhow::Result<PathBuf> {
    match crate::db::sqlite_file(url)? {
        Some(path) => Ok(path),
        None => anyhow::bail!("backup and restore need a SQLite database in a file, not `{url}`"),
    }
}

/// Refuses a target file that holds tables: a restore goes into a new, empty database. Refuses
/// a symbolic link too: the restore would replace the link, not the file it points to.
pub async fn ensure_empty(target: &Path) -> anyhow::Result<()> {
    match std::fs::symlink_metadata(target) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(Refusal::TargetIsLink(target.to_owned()).into());
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => anyhow::bail!("cannot read {}: {e}", target.display()),
    }
    let mut conn = open_file(target, true).await?;
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    if tables > 0 {
        return Err(Refusal::TargetNotEmpty(format!(
            "remove {} (and its -wal and -shm files) or point QCDC_DATABASE_URL at a new file",
            target.display()
        ))
        .into());
    }
    Ok(())
}

/// Checks the restored copy `copy` against the backup's census before it goes anywhere.
pub async fn verify(copy: &Path, expected: &census::Census) -> anyhow::Result<()> {
    let mut conn = open_file(copy, false).await?;
    let found = read_snapshot(
        &mut conn,
        "the backup's database has no qcdc schema, so it was not restored",
    )
    .await;
    conn.close().await?;
    let differences = census::differences(expected, &found?.tables);
    if !differences.is_empty() {
        anyhow::bail!(
            "the restored database differs from the backup's census, so it was not put in place:\n  {}",
            differences.join("\n  ")
        );
    }
    Ok(())
}

/// Moves the checked copy into the place of `target` (which [`ensure_empty`] found absent or
/// empty). Blocking.
pub fn move_into_place(copy: &Path, target: &Path) -> anyhow::Result<()> {
    // An empty target may have a journal or WAL beside it; left there, SQLite would apply it
    // to the restored file.
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = target.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    // The file holds every password hash and token: only qcdc's user reads it, whatever the
    // umask.
    set_private(copy)?;
    std::fs::rename(copy, target).map_err(|e| {
        anyhow::anyhow!(
            "cannot move the restored database to {}: {e}",
            target.display()
        )
    })?;
    super::sync_parent(target)
}

/// Makes `path` readable and writable by its owner only.
pub fn set_private(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| anyhow::anyhow!("cannot restrict {}: {e}", path.display()))?;
    }
    Ok(())
}
