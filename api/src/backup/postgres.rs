//! PostgreSQL's side of backup and restore: `pg_dump --format=custom` of a snapshot exported
//! from a transaction that takes the census in the same snapshot, and `pg_restore`.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use sea_orm::{
    DatabaseConnection,
    sqlx::{self, Row},
};

use super::{Refusal, Snapshot, census};

/// Dumps the database of `db` (at `url`) into `dump` and takes the census, migrations and
/// stored files of the very snapshot the dump holds: a read-only repeatable-read transaction
/// exports its snapshot, `pg_dump --snapshot` reads that one, and the transaction stays open
/// until the dump has finished. Writers are never blocked (only DDL waits for the dump).
pub async fn snapshot(db: &DatabaseConnection, url: &str, dump: &Path) -> anyhow::Result<Snapshot> {
    let pg_dump = tool("pg_dump")?;
    let mut tx = db.get_postgres_connection_pool().begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let exported: String = sqlx::query("SELECT pg_export_snapshot()")
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let mut command = libpq_command(&pg_dump, url)?;
    command.args([
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        &format!("--snapshot={exported}"),
        &format!("--file={}", dump.display()),
    ]);
    let dumping = tokio::task::spawn_blocking(move || command.output());
    let read = read_snapshot(&mut tx).await;
    let dumped = dumping.await?;
    // A failed census ends the snapshot early and so fails the dump too: it says why.
    let snapshot = read?;
    tx.rollback().await?;
    check_output("pg_dump", dumped?)?;
    Ok(snapshot)
}

async fn read_snapshot(conn: &mut sqlx::PgConnection) -> anyhow::Result<Snapshot> {
    let tables = census::postgres(&mut *conn).await?;
    if !tables.contains_key("seaql_migrations") {
        anyhow::bail!("the database has no qcdc schema (no seaql_migrations table) to back up");
    }
    let migrations = sqlx::query_scalar("SELECT version FROM seaql_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await?;
    let blobs = if tables.contains_key("blobs") {
        sqlx::query_scalar("SELECT sha256::text FROM blobs ORDER BY 1")
            .fetch_all(&mut *conn)
            .await?
    } else {
        Vec::new()
    };
    Ok(Snapshot {
        tables,
        migrations,
        blobs,
    })
}

/// Refuses a target database that holds tables: a restore goes into a new, empty database.
pub async fn ensure_empty(db: &DatabaseConnection) -> anyhow::Result<()> {
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_one(db.get_postgres_connection_pool())
    .await?;
    if tables > 0 {
        return Err(Refusal::TargetNotEmpty(
            "create an empty database (`createdb <name>`) and point QCDC_DATABASE_URL at it".into(),
        )
        .into());
    }
    Ok(())
}

/// Restores `dump` into the database at `url` in one transaction: it all lands or none of it.
pub async fn restore(url: &str, dump: &Path) -> anyhow::Result<()> {
    let pg_restore = tool("pg_restore")?;
    let mut command = libpq_command(&pg_restore, url)?;
    command.args([
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ]);
    command.arg(dump);
    let output = tokio::task::spawn_blocking(move || command.output()).await??;
    check_output("pg_restore", output)
}

/// `program` with `--dbname` set to `url` without its password, which goes in `PGPASSWORD`
/// instead: the command line of a process is visible to every user of the machine.
fn libpq_command(program: &Path, url: &str) -> anyhow::Result<Command> {
    let (url, password) = split_password(url)?;
    let mut command = Command::new(program);
    command.arg(format!("--dbname={url}"));
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command.stdin(std::process::Stdio::null());
    Ok(command)
}

fn split_password(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url)
        .map_err(|e| anyhow::anyhow!("QCDC_DATABASE_URL is not a valid URL: {e}"))?;
    let password = parsed
        .password()
        .map(percent_decode)
        .filter(|p| !p.is_empty());
    if password.is_some() && parsed.set_password(None).is_err() {
        anyhow::bail!("cannot take the password out of QCDC_DATABASE_URL");
    }
    Ok((parsed.to_string(), password))
}

/// The URL keeps a password percent-encoded; libpq wants it as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn check_output(name: &str, output: std::process::Output) -> anyhow::Result<()> {
    if output.status.success() {
        return Ok(());
    }
    anyhow::bail!(
        "{name} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    )
}

/// `name` (pg_dump, pg_restore) on `PATH`, else in the newest `/usr/lib/postgresql/<n>/bin`
/// (where Debian puts them). It should be at least as new as the server.
fn tool(name: &str) -> anyhow::Result<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    if let Some(found) = on_path {
        return Ok(found);
    }
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let path = e.path().join("bin").join(name);
            path.is_file().then_some((version, path))
        })
        .max_by_key(|(version, _)| *version);
    match newest {
        Some((_, path)) => Ok(path),
        None => anyhow::bail!(
            "{name} is not installed: it is in PostgreSQL's client tools (Debian: `apt-get install \
             postgresql-client`); put it on PATH"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::split_password;

    #[test]
    fn the_password_leaves_the_url_decoded() {
        let (url, password) =
            split_password("postgres://qcdc:p%40ss%2Fw+@db.local:5433/qcdc?sslmode=require")
                .unwrap();
        assert_eq!(url, "postgres://qcdc@db.local:5433/qcdc?sslmode=require");
        assert_eq!(password.as_deref(), Some("p@ss/w+"));
        let (url, password) = split_password("postgres://postgres@127.0.0.1:5432/test").unwrap();
        assert_eq!(url, "postgres://postgres@127.0.0.1:5432/test");
        assert_eq!(password, None);
    }
}
