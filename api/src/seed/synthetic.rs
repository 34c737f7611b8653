//! Synthetic data at scale, for benchmarks: a made-up unit tree (`SYN…` codes, kept apart from
//! the real Sóc Trăng units), one plan with thousands of tasks and their assignments, and years
//! of approved reports with indicator values. Deterministic: the same seed number gives the same
//! rows, ids included. Rows go in by COPY on PostgreSQL, by multi-row inserts on SQLite.

use std::time::Instant;

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use entity::{
    AssignmentRole, AssignmentStatus, PlanStatus, Provenance, ReportKind, ReportStatus, TaskStatus,
    UnitKind, assignment, indicator, indicator_value, plan, report, task, task_legal_reference,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use crate::{
    domain::{plans, reports, tasks, units},
    text,
};

/// How much to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// About 150 units, 2,000 tasks, 20,000 reports.
    Province,
    /// About 12,000 units, 1,000,000 tasks and assignments, 5,000,000 reports (PostgreSQL only).
    National,
}

struct Shape {
    provinces: usize,
    districts: usize,
    communes: usize,
    tasks: usize,
    reports: usize,
    values_per_report: usize,
}

impl Scale {
    fn shape(self) -> Shape {
        match self {
            Self::Province => Shape {
                provinces: 1,
                districts: 10,
                communes: 12,
                tasks: 2_000,
                reports: 20_000,
                values_per_report: 5,
            },
            Self::National => Shape {
                provinces: 63,
                districts: 18,
                communes: 9,
                tasks: 1_000_000,
                reports: 5_000_000,
                values_per_report: 2,
            },
        }
    }
}

/// Code of the synthetic tree's root.
pub const ROOT_CODE: &str = "SYN";
/// Rows per multi-row `INSERT`: well under SQLite's and PostgreSQL's bound-parameter limits.
const BATCH: usize = 500;

/// What a synthetic load made, and how long each part took.
#[derive(Debug, Default)]
pub struct SyntheticReport {
    pub units: usize,
    pub tasks: usize,
    pub assignments: usize,
    pub reports: usize,
    pub indicator_values: usize,
    pub seconds: Vec<(&'static str, f64)>,
}

/// Loads synthetic data of `scale` from `seed`. Refuses a second load (the `SYN` root exists)
/// and the national scale on SQLite.
pub async fn seed_synthetic(
    db: &DatabaseConnection,
    scale: Scale,
    seed: u64,
) -> anyhow::Result<SyntheticReport> {
    if scale == Scale::National && db.get_database_backend() != DatabaseBackend::Postgres {
        bail!("the national scale needs PostgreSQL (QCDC_DATABASE_URL=postgres://…)");
    }
    if units::by_code(db, ROOT_CODE)
        .await
        .map_err(|e| anyhow!(e.message()))?
        .is_some()
    {
        bail!("synthetic data is already loaded (unit {ROOT_CODE} exists)");
    }
    let indicators = indicator::Entity::find()
        .filter(indicator::Column::Aggregation.eq(entity::Aggregation::Sum))
        .all(db)
        .await?;
    if indicators.is_empty() {
        bail!("load the reference data first (`qcdc seed`): reports need its indicators");
    }
    // Ordered by number, so the same seed picks the same documents in any database.
    let mut documents: Vec<(String, Uuid)> = entity::legal_document::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.number_canonical, d.id))
        .collect();
    documents.sort();
    let documents: Vec<Uuid> = documents.into_iter().map(|(_, id)| id).collect();
    let shape = scale.shape();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = SyntheticReport::default();
    let clock = Instant::now();

    let tree = build_units(db, &shape, &mut rng).await?;
    out.units = tree.all;
    out.seconds.push(("units", clock.elapsed().as_secs_f64()));

    // One transaction for everything but the units: SQLite then syncs once, not once a batch.
    // On PostgreSQL the rows go by COPY, each table's in one statement of its own.
    let started = Instant::now();
    let txn = crate::db::begin_write(db).await?;
    let plan_id = insert_plan(&txn, &tree, &mut rng).await?;
    let txn = if db.get_database_backend() == DatabaseBackend::Postgres {
        txn.commit().await?;
        None
    } else {
        Some(txn)
    };
    let pool;
    let sink = match &txn {
        Some(txn) => Sink::Insert(txn),
        None => {
            pool = db.get_postgres_connection_pool().clone();
            Sink::Copy(&pool)
        }
    };
    let (task_count, assignment_count) =
        insert_tasks(&sink, &shape, &tree, plan_id, &documents, &mut rng).await?;
    out.tasks = task_count;
    out.assignments = assignment_count;
    out.seconds
        .push(("tasks and assignments", started.elapsed().as_secs_f64()));

    let started = Instant::now();
    let (report_count, value_count) =
        insert_reports(&sink, &shape, &tree, plan_id, &indicators, &mut rng).await?;
    if let Some(txn) = txn {
        txn.commit().await?;
    }
    out.reports = report_count;
    out.indicator_values = value_count;
    out.seconds
        .push(("reports", started.elapsed().as_secs_f64()));
    out.seconds.push(("total", clock.elapsed().as_secs_f64()));
    Ok(out)
}

/// A v4 UUID from the generator, so ids repeat with the seed.
fn id(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// A fixed instant plus `seconds`, so timestamps repeat with the seed too.
fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::seconds(seconds)
}

struct Tree {
    steering: Uuid,
    /// Units that receive assignments and write reports: district and commune committees.
    workers: Vec<Uuid>,
    all: usize,
}

async fn build_units(
    db: &DatabaseConnection,
    shape: &Shape,
    rng: &mut StdRng,
) -> anyhow::Result<Tree> {
    let txn = crate::db::begin_write(db).await?;
    let mut all = 0;
    let mut make = |code: String, name: String, kind: UnitKind, parent: Option<Uuid>| {
        all += 1;
        NewUnitRow {
            code,
            name,
            kind,
            parent,
        }
    };
    let national = shape.provinces > 1;
    let root = create(
        &txn,
        make(
            ROOT_CODE.into(),
            if national {
                "Trung ương (dữ liệu thử nghiệm)".into()
            } else {
                "Tỉnh Thử Nghiệm".into()
            },
            if national {
                UnitKind::CentralBody
            } else {
                UnitKind::Province
            },
            None,
        ),
    )
    .await?;
    let steering = create(
        &txn,
        make(
            format!("{ROOT_CODE}.BCD"),
            "Ban Chỉ đạo thử nghiệm".into(),
            UnitKind::SteeringCommittee,
            Some(root),
        ),
    )
    .await?;
    let mut workers = Vec::new();
    for p in 1..=shape.provinces {
        let (province, prefix) = if national {
            let code = format!("{ROOT_CODE}.P{p:02}");
            let id = create(
                &txn,
                make(
                    code.clone(),
                    format!("Tỉnh thử nghiệm số {p}"),
                    UnitKind::Province,
                    Some(root),
                ),
            )
            .await?;
            (id, code)
        } else {
            (root, ROOT_CODE.to_owned())
        };
        for d in 1..=shape.districts {
            let code = format!("{prefix}.D{d:02}");
            let district = create(
                &txn,
                make(
                    code.clone(),
                    format!("Huyện thử nghiệm {d} ({p})"),
                    UnitKind::District,
                    Some(province),
                ),
            )
            .await?;
            let bcd = create(
                &txn,
                make(
                    format!("{code}.BCD"),
                    format!("Ban Chỉ đạo huyện thử nghiệm {d} ({p})"),
                    UnitKind::SteeringCommittee,
                    Some(district),
                ),
            )
            .await?;
            workers.push(bcd);
            for c in 1..=shape.communes {
                // Vietnamese names with diacritics, so sorting and search see real text.
                let name = format!(
                    "{} {} {c}",
                    ["Xã", "Phường", "Thị trấn"][rng.random_range(0..3)],
                    ["Đại Tâm", "Phú Lợi", "Tân Long", "Mỹ Xuyên", "Long Bình"]
                        [rng.random_range(0..5)]
                );
                let commune = create(
                    &txn,
                    make(
                        format!("{code}.C{c:02}"),
                        format!("{name} ({d}/{p})"),
                        UnitKind::Commune,
                        Some(district),
                    ),
                )
                .await?;
                workers.push(commune);
            }
        }
    }
    txn.commit().await?;
    Ok(Tree {
        steering,
        workers,
        all,
    })
}

struct NewUnitRow {
    code: String,
    name: String,
    kind: UnitKind,
    parent: Option<Uuid>,
}

async fn create(db: &impl ConnectionTrait, row: NewUnitRow) -> anyhow::Result<Uuid> {
    let unit = units::create(
        db,
        units::NewUnit {
            code: row.code.clone(),
            name: row.name,
            short_name: None,
            kind: row.kind,
            grassroots_type: (row.kind == UnitKind::Commune)
                .then_some(entity::GrassrootsType::Commune),
            parent_id: row.parent,
            valid_from: None,
            valid_to: None,
            provenance: Provenance::Assumed,
            note: Some("synthetic".into()),
            field_provenance: None,
            event_id: None,
        },
    )
    .await
    .map_err(|e| anyhow!("unit {}: {}", row.code, e.message()))?;
    Ok(unit.id)
}

async fn insert_plan(
    db: &impl ConnectionTrait,
    tree: &Tree,
    rng: &mut StdRng,
) -> anyhow::Result<Uuid> {
    use sea_orm::{ActiveModelTrait, Set};
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).context("date")?;
    let number = "1-KH/BCĐ".to_owned();
    let title = "Kế hoạch thử nghiệm thực hiện Quy chế dân chủ ở cơ sở".to_owned();
    let plan_id = id(rng);
    plan::ActiveModel {
        id: Set(plan_id),
        number: Set(Some(number.clone())),
        sort_key: Set(plans::sort_key(start, Some(&number), &title)),
        search_text: Set(text::fold(&format!("{number} {title}"))),
        title: Set(title),
        issuing_unit_id: Set(tree.steering),
        standing_unit_id: Set(None),
        parent_plan_id: Set(None),
        document_id: Set(None),
        period_start: Set(start),
        period_end: Set(NaiveDate::from_ymd_opt(2025, 12, 31).context("date")?),
        status: Set(PlanStatus::Issued),
        issued_on: Set(Some(start)),
        motto: Set(None),
        provenance: Set(Provenance::Assumed),
        field_provenance: Set(None),
        note: Set(Some("synthetic".into())),
        created_at: Set(at(0)),
        updated_at: Set(at(0)),
        version: Set(1),
    }
    .insert(db)
    .await?;
    Ok(plan_id)
}

/// Seven contents, each a top-level task, with the rest spread below them as sub-tasks.
async fn insert_tasks(
    sink: &Sink<'_>,
    shape: &Shape,
    tree: &Tree,
    plan_id: Uuid,
    documents: &[Uuid],
    rng: &mut StdRng,
) -> anyhow::Result<(usize, usize)> {
    let plan_key = plans::sort_key(
        NaiveDate::from_ymd_opt(2024, 1, 1).context("date")?,
        Some("1-KH/BCĐ"),
        "",
    );
    let statuses = [
        TaskStatus::NotStarted,
        TaskStatus::InProgress,
        TaskStatus::InProgress,
        TaskStatus::Done,
    ];
    let mut task_rows = Vec::with_capacity(BATCH);
    let mut assignment_rows = Vec::with_capacity(BATCH * 2);
    let mut citation_rows = Vec::with_capacity(BATCH * 2);
    let (mut tasks_made, mut assignments_made) = (0, 0);
    let mut tops = Vec::new();
    for n in 0..shape.tasks {
        let area = (n % 7) as i16 + 1;
        let top = n < 7;
        let task_id = id(rng);
        let (parent, code, path) = if top {
            tops.push(task_id);
            (None, format!("{area}"), vec![area as i32])
        } else {
            let position = (n / 7) as i32;
            (
                Some(tops[n % 7]),
                format!("{area}.{position}"),
                vec![area as i32, position],
            )
        };
        let title = format!(
            "Nhiệm vụ {code}: tuyên truyền, đối thoại và giám sát thực hiện dân chủ ở cơ sở"
        );
        let status = statuses[rng.random_range(0..statuses.len())];
        let progress: i16 = match status {
            TaskStatus::Done => 100,
            TaskStatus::InProgress => rng.random_range(5..95),
            _ => 0,
        };
        task_rows.push(task::Model {
            id: task_id,
            plan_id,
            parent_id: parent,
            code: code.clone(),
            position: *path.last().unwrap_or(&0),
            content_area: Some(area),
            search_text: text::fold(&format!("{code} {title}")),
            sort_key: tasks::sort_key(&plan_key, &path),
            title,
            description: None,
            due_on: NaiveDate::from_ymd_opt(2024, 1, 1)
                .map(|d| d + Duration::days(rng.random_range(30..700))),
            status,
            progress,
            derived_from_task_id: None,
            provenance: Provenance::Assumed,
            field_provenance: None,
            note: None,
            created_at: at(n as i64),
            updated_at: at(n as i64),
            version: 1,
        });
        // A lead unit, and a coordinating one on every other task.
        let lead = tree.workers[rng.random_range(0..tree.workers.len())];
        let mut assigned = vec![(lead, AssignmentRole::Lead)];
        if n % 2 == 0 {
            let other = tree.workers[rng.random_range(0..tree.workers.len())];
            if other != lead {
                assigned.push((other, AssignmentRole::Coordinate));
            }
        }
        for (unit, role) in assigned {
            assignment_rows.push(assignment::Model {
                id: id(rng),
                task_id,
                unit_id: unit,
                role,
                due_on: None,
                status: match status {
                    TaskStatus::Done => AssignmentStatus::Done,
                    TaskStatus::InProgress => AssignmentStatus::InProgress,
                    _ => AssignmentStatus::Assigned,
                },
                progress,
                provenance: Provenance::Assumed,
                field_provenance: None,
                rerouted_from_id: None,
                rerouted_to_id: None,
                active_from: None,
                rerouted_on: None,
                created_at: at(n as i64),
                updated_at: at(n as i64),
                version: 1,
            });
        }
        // Two of the reference documents as the task's legal basis, with an article.
        let first = if documents.is_empty() {
            0
        } else {
            rng.random_range(0..documents.len())
        };
        for k in 0..2.min(documents.len()) {
            citation_rows.push(task_legal_reference::Model {
                id: id(rng),
                task_id,
                document_id: documents[(first + k) % documents.len()],
                provision: Some(format!("Điều {}", rng.random_range(1..40))),
                note: None,
                created_at: at(n as i64),
            });
        }
        if task_rows.len() >= sink.batch() {
            tasks_made += sink.write::<task::Entity>(&mut task_rows).await?;
            assignments_made += sink
                .write::<assignment::Entity>(&mut assignment_rows)
                .await?;
            sink.write::<task_legal_reference::Entity>(&mut citation_rows)
                .await?;
        }
    }
    tasks_made += sink.write::<task::Entity>(&mut task_rows).await?;
    assignments_made += sink
        .write::<assignment::Entity>(&mut assignment_rows)
        .await?;
    sink.write::<task_legal_reference::Entity>(&mut citation_rows)
        .await?;
    Ok((tasks_made, assignments_made))
}

/// Approved monthly reports, unit after unit and month after month back from December 2025,
/// each with values for a few summing indicators.
async fn insert_reports(
    sink: &Sink<'_>,
    shape: &Shape,
    tree: &Tree,
    plan_id: Uuid,
    indicators: &[indicator::Model],
    rng: &mut StdRng,
) -> anyhow::Result<(usize, usize)> {
    let mut report_rows = Vec::with_capacity(BATCH);
    let mut value_rows = Vec::with_capacity(BATCH * shape.values_per_report);
    let (mut reports_made, mut values_made) = (0, 0);
    let per_month = tree.workers.len();
    for n in 0..shape.reports {
        let unit = tree.workers[n % per_month];
        let months_back = (n / per_month) as i32;
        let (year, month) = (2025 - months_back / 12, 12 - months_back % 12);
        let start = NaiveDate::from_ymd_opt(year, month as u32, 1).context("month")?;
        let end = (start + Duration::days(32)).with_day(1).context("month")? - Duration::days(1);
        let created = at(n as i64);
        let report_id = id(rng);
        let title = format!("Báo cáo tháng {month}/{year} thực hiện dân chủ ở cơ sở");
        report_rows.push(report::Model {
            id: report_id,
            unit_id: unit,
            recipient_unit_id: Some(tree.steering),
            plan_id: Some(plan_id),
            schedule_id: None,
            obligation_id: None,
            kind: ReportKind::Periodic,
            search_text: text::fold(&title),
            title,
            period_start: start,
            period_end: end,
            status: ReportStatus::Approved,
            revision: 1,
            previous_id: None,
            results: Some("Tổ chức hội nghị, đối thoại với Nhân dân.".into()),
            limitations: None,
            causes: None,
            lessons: None,
            next_steps: None,
            review_comment: None,
            author_id: None,
            submitted_at: Some(created),
            first_submitted_at: Some(created),
            approved_at: Some(created),
            sort_key: reports::sort_key(end, created),
            created_at: created,
            updated_at: created,
            version: 1,
        });
        let first = rng.random_range(0..indicators.len());
        for k in 0..shape.values_per_report.min(indicators.len()) {
            let indicator = &indicators[(first + k) % indicators.len()];
            // Within the indicator's range, by the same rule as the report mutations.
            let value = match indicator.measure {
                entity::Measure::Percent => f64::from(rng.random_range(0u32..=100)),
                _ => f64::from(rng.random_range(0u32..200)),
            };
            crate::domain::indicators::check_value(indicator.measure, value)
                .map_err(anyhow::Error::msg)?;
            value_rows.push(indicator_value::Model {
                id: id(rng),
                report_id,
                indicator_id: indicator.id,
                value,
                note: None,
                created_at: created,
            });
        }
        if report_rows.len() >= sink.batch() {
            reports_made += sink.write::<report::Entity>(&mut report_rows).await?;
            values_made += sink
                .write::<indicator_value::Entity>(&mut value_rows)
                .await?;
        }
    }
    reports_made += sink.write::<report::Entity>(&mut report_rows).await?;
    values_made += sink
        .write::<indicator_value::Entity>(&mut value_rows)
        .await?;
    Ok((reports_made, values_made))
}

/// Where generated rows go: multi-row `INSERT`s inside the caller's transaction, or
/// PostgreSQL's `COPY … FROM STDIN (FORMAT csv)`, which is an order of magnitude faster.
enum Sink<'a> {
    Insert(&'a DatabaseTransaction),
    Copy(&'a sea_orm::sqlx::PgPool),
}

impl Sink<'_> {
    /// Rows to gather before writing: a COPY streams many more than an `INSERT` may bind.
    fn batch(&self) -> usize {
        match self {
            Sink::Insert(_) => BATCH,
            Sink::Copy(_) => 50_000,
        }
    }

    /// Writes `rows` (in statements of at most [`BATCH`] rows, or one COPY) and empties it.
    async fn write<E>(&self, rows: &mut Vec<E::Model>) -> anyhow::Result<usize>
    where
        E: EntityTrait,
        E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Clone,
        E::ActiveModel: Send,
    {
        let rows = std::mem::take(rows);
        let made = rows.len();
        match self {
            Sink::Insert(txn) => {
                for chunk in rows.chunks(BATCH) {
                    let models = chunk
                        .iter()
                        .cloned()
                        .map(IntoActiveModel::into_active_model);
                    E::insert_many(models).exec_without_returning(*txn).await?;
                }
            }
            Sink::Copy(pool) => {
                use sea_orm::sqlx::postgres::PgPoolCopyExt;
                use sea_orm::{IdenStatic, Iterable};
                // Serialised field order is the struct's, which is the entity's column order.
                let columns: Vec<String> = E::Column::iter()
                    .map(|c| format!("\"{}\"", c.as_str()))
                    .collect();
                let statement = format!(
                    "COPY \"{}\" ({}) FROM STDIN WITH (FORMAT csv)",
                    E::default().table_name(),
                    columns.join(", ")
                );
                let mut csv = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(made * 256));
                for row in &rows {
                    csv.serialize(row)?;
                }
                let data = csv.into_inner().map_err(|e| anyhow!("csv: {e}"))?;
                let mut copy = pool.copy_in_raw(&statement).await?;
                copy.send(data).await?;
                copy.finish().await?;
            }
        }
        Ok(made)
    }
}
