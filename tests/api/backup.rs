//! `qcdc backup` and `qcdc restore`, run as the real binary: a backup taken while writers keep
//! writing holds every write acknowledged before it began and restores table for table; a
//! restore refuses a newer schema, migrates an older one, and refuses a target with tables, a
//! file that is not a backup and another kind of database, leaving the target as it was.

use std::{
    collections::BTreeSet,
    path::Path,
    process::Output,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use entity::Role;
use qcdc::backup::{
    Refusal,
    archive::{self, Manifest, read_manifest},
    census::{self, Census},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::{
    attachments::{ATTACH, draft_report, pdf},
    support::{
        Backend, TestApp, drop_postgres_database, fresh_postgres_database, postgres_url,
        spawn_binary_with,
    },
};

/// Runs a scenario `async fn name(backend: Backend)` on SQLite and on PostgreSQL.
macro_rules! on_both {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$scenario(crate::support::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if crate::support::postgres_url().is_some() {
                        super::$scenario(crate::support::Backend::Postgres).await;
                    }
                }
            }
        )+
    };
}

on_both!(
    a_backup_under_write_load_restores_every_acknowledged_write,
    a_newer_schema_is_refused_and_an_older_one_migrated,
    a_target_with_tables_and_files_that_are_not_backups_are_refused,
    a_failed_or_tampered_restore_puts_no_stored_file,
);

/// A database and a data folder of their own, for one side of a backup.
struct Place {
    url: String,
    data: tempfile::TempDir,
    dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl Place {
    /// A SQLite database named `file` (as it appears in the URL, percent-encoded) in a folder
    /// of its own.
    fn sqlite_named(file: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            url: format!("sqlite://{}/{file}?mode=rwc", dir.path().display()),
            data: tempfile::tempdir().unwrap(),
            dir,
            postgres: None,
        }
    }

    async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (url, postgres) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}/qcdc.db?mode=rwc", dir.path().display()),
                None,
            ),
            Backend::Postgres => {
                let admin = postgres_url().unwrap();
                let (url, name) = fresh_postgres_database(&admin).await;
                (url, Some((admin, name)))
            }
        };
        Self {
            url,
            data: tempfile::tempdir().unwrap(),
            dir,
            postgres,
        }
    }

    /// A database at schema `migrations` (all of them when `None`), without a server.
    async fn migrated(backend: Backend, migrations: Option<u32>) -> (Self, DatabaseConnection) {
        let place = Self::new(backend).await;
        let db = place.connect().await;
        migration::Migrator::up(&db, migrations).await.unwrap();
        (place, db)
    }

    async fn connect(&self) -> DatabaseConnection {
        qcdc::db::connect(&self.url).await.unwrap()
    }

    fn sqlite_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn stored_files(&self) -> usize {
        walk(self.data.path())
    }

    /// Runs `qcdc <args>` on this database and data folder.
    async fn qcdc(&self, args: &[&str]) -> Output {
        let (url, data) = (self.url.clone(), self.data.path().to_owned());
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        run_qcdc(&url, &data, args).await
    }

    async fn backup(&self, file: &Path) -> Output {
        self.qcdc(&["backup", file.to_str().unwrap()]).await
    }

    async fn restore(&self, file: &Path) -> Output {
        self.qcdc(&["restore", file.to_str().unwrap()]).await
    }

    async fn finish(self) {
        if let Some((admin, name)) = &self.postgres {
            drop_postgres_database(admin, name).await;
        }
    }
}

async fn run_qcdc(url: &str, data: &Path, args: Vec<String>) -> Output {
    let (url, data) = (url.to_owned(), data.to_owned());
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_qcdc"))
            .args(&args)
            .env("QCDC_DATABASE_URL", url)
            .env("QCDC_DATA_DIR", data)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| if p.is_dir() { walk(&p) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

fn succeeded(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn refused(output: &Output, what: &str) {
    assert_eq!(
        output.status.code(),
        Some(i32::from(Refusal::EXIT_CODE)),
        "{what} should be refused: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn plan_ids(db: &DatabaseConnection) -> BTreeSet<uuid::Uuid> {
    entity::plan::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect()
}

/// Plans created by `writer` until `stop`: each id with the instant its creation was
/// acknowledged.
async fn write_plans(
    base: String,
    token: String,
    unit: String,
    writer: usize,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<Mutex<Vec<(uuid::Uuid, Instant)>>>,
) {
    let client = reqwest::Client::new();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let body: serde_json::Value = client
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .json(&json!({
                "query": "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
                "variables": { "i": { "title": format!("Kế hoạch tải {writer}-{n}"),
                    "issuingUnitId": unit, "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let at = Instant::now();
        let id = body["data"]["createPlan"]["plan"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createPlan refused: {body:#}"));
        let id = qcdc::graphql::id::decode(
            "id",
            qcdc::graphql::id::NodeType::Plan,
            &async_graphql::ID(id.to_owned()),
        )
        .unwrap();
        acknowledged.lock().unwrap().push((id, at));
    }
}

/// Under four writers, a backup; restored into a new database and data folder, it holds every
/// plan acknowledged before the backup began and none the source lacks, each table matches
/// the backup's census, tables nobody wrote match the source, and the attachment downloads
/// byte-identical from a server on the restored database.
async fn a_backup_under_write_load_restores_every_acknowledged_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reporter = app.user_with("b-reporter", Role::Reporter, "ST.D01").await;
    let report = draft_report(&app, &reporter, "ST.D01").await;
    let bytes = pdf("Bien ban sao luu");
    let upload = app
        .upload(
            &reporter,
            "EVIDENCE",
            "Biên bản.pdf",
            "application/pdf",
            &bytes,
        )
        .await;
    app.data(
        &reporter,
        ATTACH,
        json!({ "i": { "uploadId": upload, "targetId": report["id"] } }),
    )
    .await;
    let admin = app.login("admin").await;
    let unit = app.unit_id("ST.BCD").await.0;
    let before_load = census::take(&app.db).await.unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            tokio::spawn(write_plans(
                app.base.clone(),
                admin.clone(),
                unit.clone(),
                w,
                stop.clone(),
                acknowledged.clone(),
            ))
        })
        .collect();
    let count = || acknowledged.lock().unwrap().len();
    while count() < 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("qcdc.backup");
    let backup_started = Instant::now();
    let output = run_qcdc(
        &app.database_url,
        &app.files.data_dir,
        vec!["backup".into(), file.to_str().unwrap().into()],
    )
    .await;
    let backup_finished = Instant::now();
    let at_finish = count();
    while count() < at_finish + 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    succeeded(&output, "backup");
    assert!(file.is_file());
    assert!(
        std::fs::read_dir(folder.path()).unwrap().count() == 1,
        "the backup leaves nothing else behind"
    );
    let acknowledged = acknowledged.lock().unwrap().clone();
    let during = acknowledged
        .iter()
        .filter(|(_, at)| *at > backup_started && *at < backup_finished)
        .count();
    assert!(
        during > 0,
        "some writes were acknowledged while the backup ran"
    );
    eprintln!(
        "{backend:?}: {} plans acknowledged before the backup, {during} while it ran ({:.2} s), \
         {} after",
        acknowledged
            .iter()
            .filter(|(_, at)| *at < backup_started)
            .count(),
        (backup_finished - backup_started).as_secs_f64(),
        acknowledged
            .iter()
            .filter(|(_, at)| *at >= backup_finished)
            .count()
    );
    let after_load = census::take(&app.db).await.unwrap();
    let source_plans = plan_ids(&app.db).await;

    let target = Place::new(backend).await;
    let output = target.restore(&file).await;
    succeeded(&output, "restore");
    let restored = target.connect().await;
    let manifest = read_manifest(&file).unwrap();
    assert_eq!(census::take(&restored).await.unwrap(), manifest.tables);

    let restored_plans = plan_ids(&restored).await;
    let missing: Vec<_> = acknowledged
        .iter()
        .filter(|(id, at)| *at < backup_started && !restored_plans.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} plans acknowledged before the backup are not in it",
        missing.len()
    );
    assert!(
        restored_plans.is_subset(&source_plans),
        "the restored database has plans the source never had"
    );
    assert!(
        restored_plans.len() < source_plans.len(),
        "writes after the backup are not in it"
    );

    let untouched: Vec<&String> = before_load
        .keys()
        .filter(|t| before_load.get(*t) == after_load.get(*t))
        .collect();
    for table in ["units", "blobs", "attachments", "seaql_migrations"] {
        assert!(
            untouched.iter().any(|t| *t == table),
            "{table} was not written during the load"
        );
    }
    for table in &untouched {
        assert_eq!(
            manifest.tables.get(*table),
            after_load.get(*table),
            "table {table} differs from the source"
        );
    }
    assert_eq!(manifest.files.len(), 1);
    restored.close().await.ok();

    let (mut server, base) = spawn_binary_with(
        &target.url,
        &[("QCDC_DATA_DIR", target.data.path().to_str().unwrap())],
    );
    let client = reqwest::Client::new();
    let body: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "mutation { login(username: \"b-reporter\", password: \"a-long-password\") { accessToken } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("login on the restored database: {body:#}"));
    let body: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": "query($id: ID!) { node(id: $id) { ... on Report { attachments { downloadUrl } } } }",
            "variables": { "id": report["id"] } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = body["data"]["node"]["attachments"][0]["downloadUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("the restored report's attachment: {body:#}"));
    let url = if url.starts_with('/') {
        format!("{base}{url}")
    } else {
        url.to_owned()
    };
    let downloaded = client.get(url).send().await.unwrap();
    assert_eq!(downloaded.status(), 200);
    let downloaded = downloaded.bytes().await.unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        downloaded.as_ref() == bytes.as_slice(),
        "the attachment differs after the restore"
    );

    target.finish().await;
    app.finish().await;
}

/// A backup naming a migration this binary does not know is refused and the target stays
/// empty; one taken part-way through the migrations is restored, then brought up to date.
async fn a_newer_schema_is_refused_and_an_older_one_migrated(backend: Backend) {
    let folder = tempfile::tempdir().unwrap();

    let (future, db) = Place::migrated(backend, None).await;
    db.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29991231_000001_from_the_future', 0)",
    )
    .await
    .unwrap();
    db.close().await.ok();
    let newer = folder.path().join("newer.backup");
    succeeded(&future.backup(&newer).await, "backup of a newer schema");
    let target = Place::new(backend).await;
    let files_before = target.sqlite_files();
    refused(&target.restore(&newer).await, "a newer schema");
    assert_eq!(
        target.sqlite_files(),
        files_before,
        "the target folder is untouched"
    );
    assert_eq!(target.stored_files(), 0);
    if backend == Backend::Postgres {
        let db = target.connect().await;
        assert!(
            census::take(&db).await.unwrap().is_empty(),
            "no table restored"
        );
        db.close().await.ok();
    }
    future.finish().await;

    let known = migration::Migrator::migrations().len();
    let part_way = u32::try_from(known / 2).unwrap();
    let (old, db) = Place::migrated(backend, Some(part_way)).await;
    let old_census = census::take(&db).await.unwrap();
    db.close().await.ok();
    let older = folder.path().join("older.backup");
    succeeded(&old.backup(&older).await, "backup of an older schema");
    let manifest = read_manifest(&older).unwrap();
    assert_eq!(manifest.migrations.len(), known / 2);
    assert_eq!(manifest.tables, old_census);
    let output = target.restore(&older).await;
    succeeded(&output, "restore of an older schema");
    let db = target.connect().await;
    let applied = migration::Migrator::get_applied_migrations(&db)
        .await
        .unwrap();
    assert_eq!(
        applied.len(),
        known,
        "every migration is applied after the restore"
    );
    assert!(
        migration::Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    db.close().await.ok();
    old.finish().await;
    target.finish().await;
}

/// A target with tables, a file that is not a backup and a backup of another kind of database
/// are refused without touching the target; a truncated backup fails and restores nothing; a
/// database without qcdc's schema is not backed up.
async fn a_target_with_tables_and_files_that_are_not_backups_are_refused(backend: Backend) {
    let folder = tempfile::tempdir().unwrap();
    let (source, db) = Place::migrated(backend, None).await;
    db.close().await.ok();
    let file = folder.path().join("qcdc.backup");
    succeeded(&source.backup(&file).await, "backup");

    let (full, db) = Place::migrated(backend, None).await;
    let before = census::take(&db).await.unwrap();
    refused(&full.restore(&file).await, "a target with tables");
    assert_eq!(
        census::take(&db).await.unwrap(),
        before,
        "the target is untouched"
    );
    db.close().await.ok();
    full.finish().await;

    let target = Place::new(backend).await;
    let not_a_backup = folder.path().join("notes.txt");
    std::fs::write(
        &not_a_backup,
        "Biên bản họp dân, not a backup at all.\n".repeat(100),
    )
    .unwrap();
    refused(&target.restore(&not_a_backup).await, "a text file");
    let empty = folder.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    refused(&target.restore(&empty).await, "an empty file");

    // A database without qcdc's schema (or none at all) is not backed up, and the failure
    // leaves no file.
    let nothing = folder.path().join("nothing.backup");
    let output = target.backup(&nothing).await;
    assert_eq!(output.status.code(), Some(1), "a database without a schema");
    assert_eq!(
        std::fs::read_dir(folder.path()).unwrap().count(),
        3,
        "only the backup, the text file and the empty file are there"
    );

    let whole = std::fs::read(&file).unwrap();
    let truncated = folder.path().join("truncated.backup");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let output = target.restore(&truncated).await;
    assert_eq!(output.status.code(), Some(1), "a truncated backup fails");
    assert_untouched(backend, &target).await;

    let other = match backend {
        Backend::Sqlite if postgres_url().is_some() => Some(Place::new(Backend::Postgres).await),
        Backend::Postgres => Some(Place::new(Backend::Sqlite).await),
        Backend::Sqlite => None,
    };
    if let Some(other) = other {
        refused(&other.restore(&file).await, "another kind of database");
        assert_untouched(
            if backend == Backend::Sqlite {
                Backend::Postgres
            } else {
                Backend::Sqlite
            },
            &other,
        )
        .await;
        other.finish().await;
    }
    source.finish().await;
    target.finish().await;
}

/// The target of a failed restore holds no table.
async fn assert_untouched(backend: Backend, target: &Place) {
    match backend {
        Backend::Sqlite => assert!(
            target.sqlite_files().is_empty(),
            "no database file: {:?}",
            target.sqlite_files()
        ),
        Backend::Postgres => {
            let db = target.connect().await;
            assert_eq!(census::take(&db).await.unwrap(), Census::new());
            db.close().await.ok();
        }
    }
}

/// The mode bits of the file at `path`, without following a symbolic link.
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes a copy of the backup `from` to `to` with its manifest edited by `edit` and the
/// entries `extra` appended: a backup someone tampered with.
fn tampered(from: &Path, to: &Path, edit: impl FnOnce(&mut Manifest), extra: &[(&str, &[u8])]) {
    let mut manifest = read_manifest(from).unwrap();
    let backend = manifest.backend;
    edit(&mut manifest);
    let mut writer = archive::Writer::create(to, manifest.taken_at).unwrap();
    writer
        .add_bytes(archive::MANIFEST, &serde_json::to_vec(&manifest).unwrap())
        .unwrap();
    archive::each_part(from, backend, |part| {
        let mut bytes = Vec::new();
        match part {
            archive::Part::Database(r) => {
                r.read_to_end(&mut bytes)?;
                writer.add_bytes(backend.database_entry(), &bytes)?;
            }
            archive::Part::File(sha, r) => {
                r.read_to_end(&mut bytes)?;
                writer.add_bytes(&format!("{}{sha}", archive::FILES), &bytes)?;
            }
        }
        Ok(())
    })
    .unwrap();
    for (name, bytes) in extra {
        writer.add_bytes(name, bytes).unwrap();
    }
    writer.finish().unwrap();
}

/// A restore whose database differs from the census puts none of the backup's stored files
/// into the target store; one whose archive holds a file its manifest does not list, or a
/// second manifest, is refused before anything is touched.
async fn a_failed_or_tampered_restore_puts_no_stored_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reporter = app.user_with("t-reporter", Role::Reporter, "ST.D01").await;
    let report = draft_report(&app, &reporter, "ST.D01").await;
    let upload = app
        .upload(
            &reporter,
            "EVIDENCE",
            "Biên bản.pdf",
            "application/pdf",
            &pdf("Bien ban"),
        )
        .await;
    app.data(
        &reporter,
        ATTACH,
        json!({ "i": { "uploadId": upload, "targetId": report["id"] } }),
    )
    .await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("qcdc.backup");
    let output = run_qcdc(
        &app.database_url,
        &app.files.data_dir,
        vec!["backup".into(), file.to_str().unwrap().into()],
    )
    .await;
    succeeded(&output, "backup");
    assert_eq!(read_manifest(&file).unwrap().files.len(), 1);

    let miscounted = folder.path().join("miscounted.backup");
    tampered(
        &file,
        &miscounted,
        |m| m.tables.get_mut("units").unwrap().rows += 1,
        &[],
    );
    let target = Place::new(backend).await;
    let output = target.restore(&miscounted).await;
    assert_eq!(output.status.code(), Some(1), "a census that differs fails");
    assert_eq!(target.stored_files(), 0, "no stored file was put");
    if backend == Backend::Sqlite {
        assert_untouched(backend, &target).await;
    }
    target.finish().await;

    let unlisted = folder.path().join("unlisted.backup");
    tampered(&file, &unlisted, |m| m.files.clear(), &[]);
    let manifest = serde_json::to_vec(&read_manifest(&file).unwrap()).unwrap();
    let two_manifests = folder.path().join("two-manifests.backup");
    tampered(
        &file,
        &two_manifests,
        |_| {},
        &[(archive::MANIFEST, &manifest)],
    );
    for (tampered, what) in [
        (&unlisted, "a file the manifest does not list"),
        (&two_manifests, "a second manifest"),
    ] {
        let target = Place::new(backend).await;
        let output = target.restore(tampered).await;
        assert_eq!(
            output.status.code(),
            Some(1),
            "{what} fails: {}",
            stderr(&output)
        );
        assert_eq!(target.stored_files(), 0, "{what}: no stored file was put");
        assert_untouched(backend, &target).await;
        target.finish().await;
    }

    let target = Place::new(backend).await;
    succeeded(
        &target.restore(&file).await,
        "restore of the untouched backup",
    );
    assert_eq!(target.stored_files(), 1);
    target.finish().await;
    app.finish().await;
}

/// A `sqlite:` URL with a percent-encoded space names the file sqlx opens (`my db.db`): it is
/// backed up, a restore over it with tables is refused, and a restore creates it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_url_with_an_encoded_space_names_the_file_sqlx_opens() {
    let source = Place::sqlite_named("my%20db.db");
    let db = source.connect().await;
    migration::Migrator::up(&db, None).await.unwrap();
    db.close().await.ok();
    assert_eq!(source.sqlite_files(), ["my db.db"]);
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("qcdc.backup");
    succeeded(&source.backup(&file).await, "backup of `my db.db`");

    refused(&source.restore(&file).await, "a target with tables");
    assert!(
        source
            .sqlite_files()
            .iter()
            .all(|f| f.starts_with("my db.db")),
        "no other file was written: {:?}",
        source.sqlite_files()
    );

    let target = Place::sqlite_named("my%20db.db");
    succeeded(&target.restore(&file).await, "restore into `my db.db`");
    assert_eq!(target.sqlite_files(), ["my db.db"]);
    let db = target.connect().await;
    assert_eq!(
        census::take(&db).await.unwrap(),
        read_manifest(&file).unwrap().tables
    );
    db.close().await.ok();
}

/// Several backups to one name at once each succeed, and what is left is one whole backup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_backups_to_one_name_leave_one_whole_backup() {
    let (source, db) = Place::migrated(Backend::Sqlite, None).await;
    // Some megabytes, so the backups' writes overlap.
    db.execute_unprepared(
        "CREATE TABLE ballast AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
         WHERE i < 32) SELECT i, randomblob(262144) AS b FROM n",
    )
    .await
    .unwrap();
    db.close().await.ok();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("qcdc.backup");
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let (url, data) = (source.url.clone(), source.data.path().to_owned());
            let args = vec!["backup".to_owned(), file.to_str().unwrap().to_owned()];
            tokio::spawn(async move { run_qcdc(&url, &data, args).await })
        })
        .collect();
    for run in runs {
        succeeded(&run.await.unwrap(), "a concurrent backup");
    }
    let names: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["qcdc.backup"], "nothing else is left behind");
    let target = Place::new(Backend::Sqlite).await;
    succeeded(&target.restore(&file).await, "restore");
}

/// The backup and a restored SQLite database hold password hashes and tokens: only their owner
/// reads them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_and_a_restored_database_are_readable_by_their_owner_only() {
    let (source, db) = Place::migrated(Backend::Sqlite, None).await;
    db.close().await.ok();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("qcdc.backup");
    succeeded(&source.backup(&file).await, "backup");
    assert_eq!(mode(&file), 0o600, "the backup's mode");
    let target = Place::new(Backend::Sqlite).await;
    succeeded(&target.restore(&file).await, "restore");
    assert_eq!(
        mode(&target.dir.path().join("qcdc.db")),
        0o600,
        "the restored database's mode"
    );
}

/// A SQLite target that is a symbolic link, even a dangling one, is refused and left a link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_target_that_is_a_symbolic_link_is_refused() {
    let (source, db) = Place::migrated(Backend::Sqlite, None).await;
    db.close().await.ok();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("qcdc.backup");
    succeeded(&source.backup(&file).await, "backup");

    let target = Place::new(Backend::Sqlite).await;
    let link = target.dir.path().join("qcdc.db");
    let elsewhere = target.dir.path().join("elsewhere").join("qcdc.db");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let output = target.restore(&file).await;
    refused(&output, "a symbolic link");
    assert!(
        stderr(&output).contains(&link.display().to_string()),
        "{}",
        stderr(&output)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(!elsewhere.exists());
    assert_eq!(target.sqlite_files(), ["qcdc.db"]);
    assert_eq!(target.stored_files(), 0);
}

/// A backup named after a folder fails naming that folder, and leaves nothing behind; a backup
/// whose database is empty is not restored, and the error says so (not "to back up").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_into_a_folder_and_a_backup_without_a_database_fail_clearly() {
    let (source, db) = Place::migrated(Backend::Sqlite, None).await;
    db.close().await.ok();
    let outer = tempfile::tempdir().unwrap();
    let folder = outer.path().join("backups");
    std::fs::create_dir(&folder).unwrap();
    let output = source.backup(&folder).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "a backup onto a folder fails"
    );
    assert!(
        stderr(&output).contains(&folder.display().to_string()),
        "the error names the folder: {}",
        stderr(&output)
    );
    assert_eq!(walk(outer.path()), 0, "nothing is left behind");

    let file = outer.path().join("qcdc.backup");
    succeeded(&source.backup(&file).await, "backup");
    let hollow = outer.path().join("hollow.backup");
    let manifest = read_manifest(&file).unwrap();
    let mut writer = archive::Writer::create(&hollow, manifest.taken_at).unwrap();
    writer
        .add_bytes(archive::MANIFEST, &serde_json::to_vec(&manifest).unwrap())
        .unwrap();
    writer
        .add_bytes(manifest.backend.database_entry(), b"")
        .unwrap();
    writer.finish().unwrap();
    let target = Place::new(Backend::Sqlite).await;
    let output = target.restore(&hollow).await;
    assert_eq!(output.status.code(), Some(1), "an empty database fails");
    assert!(
        !stderr(&output).contains("to back up"),
        "{}",
        stderr(&output)
    );
    assert_untouched(Backend::Sqlite, &target).await;
}
