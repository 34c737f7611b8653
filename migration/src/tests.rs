//! Smoke test of the migrations: an upgrade of a populated database, then up, down and up
//! again, on SQLite and, when `QCDC_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL database
//! created (and dropped) through that URL. After each `up`, one row per table is written and
//! read back through the `entity` crate, so the entities and the schema cannot drift apart
//! unnoticed.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::enums::*;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, EntityTrait,
    QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::m20261127_000001_create_schema::schema;
use crate::{Migrator, MigratorTrait, SchemaManager};

#[tokio::test]
async fn sqlite_up_down_up() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/m.db?mode=rwc", dir.path().display());
    exercise(&url).await;
}

#[tokio::test]
async fn postgres_up_down_up() {
    let Ok(base) = std::env::var("QCDC_TEST_POSTGRES_URL") else {
        eprintln!("QCDC_TEST_POSTGRES_URL not set: PostgreSQL migration test skipped");
        return;
    };
    let admin = Database::connect(&base).await.unwrap();
    let name = format!("qcdc_migration_{}", Uuid::now_v7().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let url = with_database(&base, &name);
    // Run on another task so the database is dropped even when an assertion fails.
    let outcome = tokio::spawn(async move { exercise(&url).await }).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// `url` with its database name replaced by `name` (query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(query) => format!("{prefix}/{name}?{query}"),
        None => format!("{prefix}/{name}"),
    }
}

async fn exercise(url: &str) {
    let db = Database::connect(url).await.unwrap();
    let backend = db.get_database_backend();
    let tables: Vec<&str> = schema(backend).iter().map(|t| t.name).collect();

    upgrade_keeps_the_tree(&db).await;
    duplicates_stop_the_invariant_indexes(&db).await;

    Migrator::up(&db, None).await.unwrap();
    assert_tables(&db, &tables, true).await;
    if backend == DatabaseBackend::Postgres {
        assert_sort_keys_collate_c(&db).await;
    }
    write_and_read_every_table(&db).await;

    Migrator::down(&db, None).await.unwrap();
    assert_tables(&db, &tables, false).await;

    Migrator::up(&db, None).await.unwrap();
    assert_tables(&db, &tables, true).await;
    write_and_read_every_table(&db).await;

    db.close().await.unwrap();
}

/// A database holding units under the first migration keeps them through the unit-history
/// migration (one open version each, open closure rows) and back down again.
async fn upgrade_keeps_the_tree(db: &DatabaseConnection) {
    let backend = db.get_database_backend();
    Migrator::up(db, Some(1)).await.unwrap();
    let (province, district) = (Uuid::now_v7(), Uuid::now_v7());
    for (id, code, parent) in [(province, "UP", None), (district, "UP.D", Some(province))] {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                DatabaseBackend::Postgres => {
                    "INSERT INTO units (id, code, name, kind, parent_id, provenance, search_text, \
                     sort_key, created_at, updated_at) \
                     VALUES ($1, $2, $2, 'PROVINCE', $3, 'USER', $2, $2, $4, $4)"
                }
                _ => {
                    "INSERT INTO units (id, code, name, kind, parent_id, provenance, search_text, \
                     sort_key, created_at, updated_at) \
                     VALUES (?1, ?2, ?2, 'PROVINCE', ?3, 'USER', ?2, ?2, ?4, ?4)"
                }
            },
            [id.into(), code.into(), parent.into(), at(1).into()],
        ))
        .await
        .unwrap();
    }
    let pairs = [
        (province, province, 0),
        (province, district, 1),
        (district, district, 0),
    ];
    for (ancestor, descendant, depth) in pairs {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                DatabaseBackend::Postgres => {
                    "INSERT INTO unit_closure (ancestor_id, descendant_id, depth) VALUES ($1, $2, $3)"
                }
                _ => "INSERT INTO unit_closure (ancestor_id, descendant_id, depth) VALUES (?1, ?2, ?3)",
            },
            [ancestor.into(), descendant.into(), depth.into()],
        ))
        .await
        .unwrap();
    }

    Migrator::up(db, None).await.unwrap();
    let versions = entity::unit_version::Entity::find().all(db).await.unwrap();
    assert_eq!(versions.len(), 2, "one version per existing unit");
    let district_version = versions.iter().find(|v| v.unit_id == district).unwrap();
    assert_eq!(district_version.parent_id, Some(province));
    assert!(district_version.valid_from.is_none() && district_version.valid_to.is_none());
    let closure = entity::unit_closure::Entity::find().all(db).await.unwrap();
    assert_eq!(closure.len(), 3, "every closure pair copied");
    assert!(
        closure
            .iter()
            .all(|r| r.valid_from.is_none() && r.valid_to.is_none())
    );

    let migrations = Migrator::get_migration_files().len() as u32;
    Migrator::down(db, Some(migrations - 1)).await.unwrap();
    let count = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM unit_closure",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(count, 3, "closure pairs restored in the first shape");
    Migrator::down(db, None).await.unwrap();
}

/// How many migrations come before the one named `name`.
fn before(name: &str) -> u32 {
    let position = Migrator::get_migration_files()
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    u32::try_from(position).unwrap()
}

/// A database holding duplicates the old check-then-insert races let through stops at the
/// migration that adds the unique indexes, naming the rule, and migrates once they are gone.
async fn duplicates_stop_the_invariant_indexes(db: &DatabaseConnection) {
    let backend = db.get_database_backend();
    Migrator::up(db, Some(before("m20261129_000001_invariant_indexes")))
        .await
        .unwrap();
    let (unit, user) = (Uuid::now_v7(), Uuid::now_v7());
    let sql = |postgres: &'static str| match backend {
        DatabaseBackend::Postgres => postgres.to_owned(),
        _ => postgres.replace('$', "?"),
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql("INSERT INTO units (id, code, name, kind, provenance, search_text, sort_key, \
             created_at, updated_at) VALUES ($1, 'DUP', 'DUP', 'PROVINCE', 'USER', 'dup', 'dup', $2, $2)"),
        [unit.into(), at(1).into()],
    ))
    .await
    .unwrap();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql(
            "INSERT INTO users (id, username, display_name, password_hash, created_at, \
             updated_at) VALUES ($1, 'dup', 'Dup', 'x', $2, $2)",
        ),
        [user.into(), at(1).into()],
    ))
    .await
    .unwrap();
    let twin = Uuid::now_v7();
    for id in [Uuid::now_v7(), twin] {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql(
                "INSERT INTO role_grants (id, user_id, role, scope_unit_id, created_at) \
                 VALUES ($1, $2, 'VIEWER', $3, $4)",
            ),
            [id.into(), user.into(), unit.into(), at(1).into()],
        ))
        .await
        .unwrap();
    }
    let refused = Migrator::up(db, None)
        .await
        .expect_err("duplicates migrated");
    assert!(
        format!("{refused}").contains("uq_role_grants_user_id_role_scope_unit_id"),
        "{refused}"
    );
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql("DELETE FROM role_grants WHERE id = $1"),
        [twin.into()],
    ))
    .await
    .unwrap();
    Migrator::up(db, None).await.unwrap();
    Migrator::down(db, None).await.unwrap();
}

async fn assert_tables(db: &DatabaseConnection, tables: &[&str], present: bool) {
    let manager = SchemaManager::new(db);
    for table in tables {
        assert_eq!(
            manager.has_table(*table).await.unwrap(),
            present,
            "table {table} present"
        );
    }
}

async fn assert_sort_keys_collate_c(db: &DatabaseConnection) {
    let rows = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT table_name::text AS t, coalesce(collation_name::text, '') AS c \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND column_name = 'sort_key'",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 16, "tables with a sort_key");
    for row in rows {
        let table: String = row.try_get("", "t").unwrap();
        let collation: String = row.try_get("", "c").unwrap();
        assert_eq!(collation, "C", "collation of {table}.sort_key");
    }
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, day, 8, 30, 15).unwrap() + Duration::microseconds(123_456)
}

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, month, day).unwrap()
}

fn text(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// Inserts `model` with every column set, then checks it reads back unchanged.
macro_rules! roundtrip {
    ($db:expr, $module:ident, $model:expr) => {{
        let model: entity::$module::Model = $model;
        let active: entity::$module::ActiveModel = model.clone().into();
        entity::$module::Entity::insert(active.reset_all())
            .exec_without_returning($db)
            .await
            .unwrap();
        let rows = entity::$module::Entity::find().all($db).await.unwrap();
        assert!(
            rows.contains(&model),
            "{} did not round-trip: wrote {model:?}, read {rows:?}",
            stringify!($module)
        );
        model
    }};
}

async fn write_and_read_every_table(db: &DatabaseConnection) {
    let unit = |code: &str, sort_key: &str, parent_id: Option<Uuid>| entity::unit::Model {
        id: Uuid::now_v7(),
        code: code.to_owned(),
        name: format!("Đơn vị {code}"),
        short_name: text("ĐV"),
        kind: UnitKind::SocioPoliticalOrganisation,
        grassroots_type: Some(GrassrootsType::AgencyOrPublicServiceUnit),
        parent_id,
        successor_id: parent_id,
        valid_from: Some(date(1, 1)),
        valid_to: Some(date(12, 31)),
        provenance: Provenance::Article,
        field_provenance: Some(r#"{"name":"RESEARCH"}"#.to_owned()),
        note: text("ghi chú"),
        search_text: format!("don vi {code}"),
        sort_key: sort_key.to_owned(),
        created_at: at(1),
        updated_at: at(2),
        version: 1,
    };
    let province = roundtrip!(db, unit, unit("T", "a", None));
    let district = roundtrip!(db, unit, unit("T.1", "B", Some(province.id)));
    roundtrip!(db, unit, unit("T.2", "é", Some(province.id)));
    roundtrip!(db, unit, unit("T.3", "Z", Some(province.id)));

    // Byte order on both databases (PostgreSQL through COLLATE "C").
    let keys: Vec<String> = entity::unit::Entity::find()
        .select_only()
        .column(entity::unit::Column::SortKey)
        .order_by_asc(entity::unit::Column::SortKey)
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    assert_eq!(keys, ["B", "Z", "a", "é"]);

    // Unique constraint and foreign keys are enforced.
    assert!(
        entity::unit::ActiveModel::from(unit("T", "x", None))
            .reset_all()
            .insert(db)
            .await
            .is_err(),
        "duplicate unit code accepted"
    );
    assert!(
        entity::unit::ActiveModel::from(unit("T.9", "x", Some(Uuid::now_v7())))
            .reset_all()
            .insert(db)
            .await
            .is_err(),
        "dangling parent_id accepted"
    );

    for (id, ancestor, descendant, depth) in [
        (1_000_001, province.id, province.id, 0),
        (1_000_002, province.id, district.id, 1),
    ] {
        roundtrip!(
            db,
            unit_closure,
            entity::unit_closure::Model {
                id,
                ancestor_id: ancestor,
                descendant_id: descendant,
                depth,
                valid_from: Some(date(1, 1)),
                valid_to: None,
            }
        );
    }
    roundtrip!(
        db,
        unit_version,
        entity::unit_version::Model {
            id: 1_000_001,
            unit_id: district.id,
            valid_from: Some(date(1, 1)),
            valid_to: Some(date(7, 1)),
            code: "D".into(),
            name: "Huyện".into(),
            short_name: text("H"),
            kind: UnitKind::District,
            grassroots_type: None,
            parent_id: Some(province.id),
            event_id: None,
            created_at: at(1),
        }
    );

    let document = |number: &str, superseded_by_id: Option<Uuid>| entity::legal_document::Model {
        id: Uuid::now_v7(),
        number: number.to_owned(),
        number_canonical: number.to_uppercase(),
        family: DocumentFamily::StateNormative,
        seq: Some(59),
        seq_suffix: text("a"),
        year: Some(2023),
        type_code: text("NĐ"),
        issuer_codes: "CP".to_owned(),
        party_term: text("XIII"),
        document_type: DocumentType::Decree,
        issuer: "Chính phủ".to_owned(),
        issuer_unit_id: Some(province.id),
        issued_on: Some(date(1, 2)),
        effective_on: Some(date(2, 3)),
        title: text("Quy định chi tiết"),
        status: DocumentStatus::InForce,
        superseded_by_id,
        provenance: Provenance::Research,
        note: text("ghi chú"),
        parse_warnings: "[]".to_owned(),
        dedupe_key: number.to_lowercase(),
        search_text: "59/2023/nd-cp".to_owned(),
        issuer_search: "chinh phu cp".to_owned(),
        sort_key: number.to_owned(),
        created_at: at(1),
        updated_at: at(2),
        version: 3,
        base_status: DocumentStatus::InForce,
    };
    let decree = roundtrip!(db, legal_document, document("59/2023/NĐ-CP", None));
    let old_decree = roundtrip!(
        db,
        legal_document,
        document("04/2015/NĐ-CP", Some(decree.id))
    );
    roundtrip!(
        db,
        document_relation,
        entity::document_relation::Model {
            id: Uuid::now_v7(),
            from_document_id: decree.id,
            to_document_id: old_decree.id,
            kind: DocumentRelationKind::Replaces,
            effective_on: Some(date(8, 15)),
            provision: text("Điều 11 khoản 5"),
            note: text("thay thế"),
            provenance: Provenance::Article,
            field_provenance: Some(r#"{"effectiveOn":"ASSUMED"}"#.to_owned()),
            created_at: at(3),
        }
    );

    let plan = |issuing: Uuid, parent_plan_id: Option<Uuid>| entity::plan::Model {
        id: Uuid::now_v7(),
        number: text("24-KH/BCĐ"),
        title: "Kế hoạch thực hiện QCDC ở cơ sở năm 2024".to_owned(),
        issuing_unit_id: issuing,
        standing_unit_id: Some(district.id),
        parent_plan_id,
        document_id: Some(decree.id),
        period_start: date(1, 1),
        period_end: date(12, 31),
        status: PlanStatus::Issued,
        issued_on: Some(date(3, 1)),
        motto: text("Dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng"),
        provenance: Provenance::Article,
        field_provenance: Some(r#"{"periodStart":"ASSUMED"}"#.to_owned()),
        search_text: "ke hoach".to_owned(),
        note: None,
        sort_key: "2024".to_owned(),
        created_at: at(1),
        updated_at: at(2),
        version: 1,
    };
    let province_plan = roundtrip!(db, plan, plan(province.id, None));
    let district_plan = roundtrip!(db, plan, plan(district.id, Some(province_plan.id)));
    roundtrip!(
        db,
        plan_recipient,
        entity::plan_recipient::Model {
            id: Uuid::now_v7(),
            plan_id: province_plan.id,
            unit_id: district.id,
            derive_by: Some(date(3, 31)),
            derived_plan_id: Some(district_plan.id),
            overdue_notified_at: None,
            provenance: Provenance::Assumed,
            field_provenance: None,
            note: text("hạn giả định"),
            rerouted_from_id: None,
            rerouted_to_id: None,
            active_from: Some(date(7, 1)),
            rerouted_on: None,
            created_at: at(1),
            updated_at: at(2),
            version: 2,
        }
    );

    let task = |plan_id: Uuid, code: &str, parent_id: Option<Uuid>, derived: Option<Uuid>| {
        entity::task::Model {
            id: Uuid::now_v7(),
            plan_id,
            parent_id,
            code: code.to_owned(),
            position: 1,
            content_area: Some(7),
            title: "Sơ kết, tổng kết".to_owned(),
            description: text("đúng thời gian"),
            due_on: Some(date(11, 30)),
            status: TaskStatus::InProgress,
            progress: 100,
            derived_from_task_id: derived,
            provenance: Provenance::Article,
            field_provenance: None,
            note: text("ghi chú"),
            search_text: "so ket".to_owned(),
            sort_key: code.to_owned(),
            created_at: at(1),
            updated_at: at(2),
            version: 1,
        }
    };
    let top_task = roundtrip!(db, task, task(province_plan.id, "7", None, None));
    roundtrip!(
        db,
        task,
        task(province_plan.id, "7.1", Some(top_task.id), None)
    );
    roundtrip!(
        db,
        task,
        task(district_plan.id, "7", None, Some(top_task.id))
    );
    let assigned = roundtrip!(
        db,
        assignment,
        entity::assignment::Model {
            id: Uuid::now_v7(),
            task_id: top_task.id,
            unit_id: district.id,
            role: AssignmentRole::Coordinate,
            due_on: Some(date(6, 30)),
            status: AssignmentStatus::Acknowledged,
            progress: 0,
            provenance: Provenance::User,
            field_provenance: Some(r#"{"dueOn":"ASSUMED"}"#.to_owned()),
            rerouted_from_id: None,
            rerouted_to_id: None,
            active_from: Some(date(7, 1)),
            rerouted_on: None,
            created_at: at(1),
            updated_at: at(2),
            version: 1,
        }
    );
    roundtrip!(
        db,
        assignment_update,
        entity::assignment_update::Model {
            id: Uuid::now_v7(),
            assignment_id: assigned.id,
            author_id: None,
            status: AssignmentStatus::InProgress,
            progress: 30,
            note: text("đã triển khai"),
            created_at: at(3),
        }
    );
    roundtrip!(
        db,
        task_legal_reference,
        entity::task_legal_reference::Model {
            id: Uuid::now_v7(),
            task_id: top_task.id,
            document_id: decree.id,
            provision: text("Điều 5"),
            note: text("ghi chú"),
            created_at: at(1),
        }
    );

    let schedule = roundtrip!(
        db,
        report_schedule,
        entity::report_schedule::Model {
            id: Uuid::now_v7(),
            plan_id: province_plan.id,
            kind: ReportKind::PreliminaryReview,
            title: "Sơ kết 6 tháng".to_owned(),
            period_start: date(1, 1),
            period_end: date(6, 30),
            due_on: date(6, 15),
            recipient_unit_id: Some(province.id),
            provenance: Provenance::Article,
            created_at: at(1),
            updated_at: at(2),
            version: 1,
        }
    );
    let obligation = roundtrip!(
        db,
        report_obligation,
        entity::report_obligation::Model {
            id: Uuid::now_v7(),
            schedule_id: schedule.id,
            unit_id: district.id,
            rerouted_from_id: None,
            rerouted_to_id: None,
            active_from: Some(date(7, 1)),
            rerouted_on: None,
            created_at: at(1),
            updated_at: at(2),
            version: 1,
        }
    );
    let user = roundtrip!(
        db,
        user,
        entity::user::Model {
            id: Uuid::now_v7(),
            username: "admin".to_owned(),
            display_name: "Quản trị".to_owned(),
            password_hash: "$argon2id$v=19$...".to_owned(),
            active: false,
            created_at: at(1),
            updated_at: at(2),
            version: 1,
        }
    );
    let client = roundtrip!(
        db,
        api_client,
        entity::api_client::Model {
            id: Uuid::now_v7(),
            name: "Huyện A".to_owned(),
            client_id: "district-a".to_owned(),
            secret_hash: "$argon2id$v=19$...".to_owned(),
            active: true,
            created_at: at(1),
            updated_at: at(2),
            version: 1,
        }
    );
    let report = |previous_id: Option<Uuid>, revision: i32| entity::report::Model {
        id: Uuid::now_v7(),
        unit_id: district.id,
        recipient_unit_id: Some(province.id),
        plan_id: Some(province_plan.id),
        schedule_id: Some(schedule.id),
        obligation_id: Some(obligation.id),
        kind: ReportKind::PreliminaryReview,
        title: "Báo cáo sơ kết".to_owned(),
        period_start: date(1, 1),
        period_end: date(6, 30),
        status: ReportStatus::Returned,
        revision,
        previous_id,
        results: text("kết quả"),
        limitations: text("hạn chế"),
        causes: text("nguyên nhân"),
        lessons: text("bài học"),
        next_steps: text("phương hướng"),
        review_comment: text("bổ sung số liệu"),
        author_id: Some(user.id),
        submitted_at: Some(at(3)),
        first_submitted_at: Some(at(4)),
        approved_at: Some(at(5)),
        search_text: "bao cao so ket".to_owned(),
        sort_key: "2024-06".to_owned(),
        created_at: at(1),
        updated_at: at(2),
        version: 4,
    };
    let first_report = roundtrip!(db, report, report(None, 1));
    roundtrip!(db, report, report(Some(first_report.id), 2));
    // The invariant indexes: one report chain per obligation, one correction per report.
    for (previous, revision, what) in [
        (None, 1, "a second report for one obligation"),
        (
            Some(first_report.id),
            3,
            "a second correction of one report",
        ),
    ] {
        assert!(
            entity::report::ActiveModel::from(report(previous, revision))
                .reset_all()
                .insert(db)
                .await
                .is_err(),
            "{what} accepted"
        );
    }
    roundtrip!(
        db,
        report_task_progress,
        entity::report_task_progress::Model {
            id: Uuid::now_v7(),
            report_id: first_report.id,
            task_id: top_task.id,
            progress: 55,
            note: text("ghi chú"),
            created_at: at(1),
        }
    );
    let indicator = roundtrip!(
        db,
        indicator,
        entity::indicator::Model {
            id: Uuid::now_v7(),
            code: "PETITIONS_RESOLVED_RATE".to_owned(),
            name: "Tỷ lệ kiến nghị được giải quyết".to_owned(),
            description: text("mô tả"),
            measure: Measure::PersonTimes,
            aggregation: Aggregation::Ratio,
            numerator_code: text("PETITIONS_RESOLVED"),
            denominator_code: text("PETITIONS_RECEIVED"),
            content_area: Some(4),
            provenance: Provenance::Assumed,
            search_text: "ty le kien nghi".to_owned(),
            sort_key: "04".to_owned(),
            created_at: at(1),
            updated_at: at(2),
            version: 1,
        }
    );
    roundtrip!(
        db,
        indicator_value,
        entity::indicator_value::Model {
            id: Uuid::now_v7(),
            report_id: first_report.id,
            indicator_id: indicator.id,
            value: 12.5,
            note: text("ghi chú"),
            created_at: at(1),
        }
    );
    for (user_id, api_client_id) in [(Some(user.id), None), (None, Some(client.id))] {
        let grant = roundtrip!(
            db,
            role_grant,
            entity::role_grant::Model {
                id: Uuid::now_v7(),
                user_id,
                api_client_id,
                role: Role::UnitManager,
                scope_unit_id: province.id,
                origin_grant_id: None,
                reorg_event_id: None,
                created_at: at(1),
            }
        );
        let twin = entity::role_grant::Model {
            id: Uuid::now_v7(),
            ..grant
        };
        assert!(
            entity::role_grant::ActiveModel::from(twin)
                .reset_all()
                .insert(db)
                .await
                .is_err(),
            "the same grant twice accepted"
        );
    }
    roundtrip!(
        db,
        audit_event,
        entity::audit_event::Model {
            id: Uuid::now_v7(),
            at: at(6),
            actor_kind: ActorKind::User,
            actor_user_id: Some(user.id),
            actor_client_id: Some(client.id),
            action: "report.return".to_owned(),
            entity_type: "Report".to_owned(),
            entity_id: Some(first_report.id),
            before: text("{}"),
            after: text("{\"status\":\"RETURNED\"}"),
            request_id: text("req-1"),
            client_address: text("2001:db8::1"),
            unit_id: Some(district.id),
            sort_key: "9".to_owned(),
        }
    );
}

#[test]
fn replaces_the_database_name() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/test?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}
