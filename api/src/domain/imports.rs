//! Imports of tables people keep in Excel: units, tasks, assignments and indicator values.
//! `create` reads the file
//! and validates every row against the caller's scope and the same rules as the single-record
//! mutations, writing nothing but the import and its row errors (the dry run); `apply` reads
//! the file again and writes every valid row in one transaction, keyed by natural keys (unit
//! code; plan and task code; plan, task and unit code; unit, period and indicator code per
//! obligation), so a second apply changes nothing. Writes go through the single-record
//! mutations' own domain functions, run inside the apply's transaction.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{
    AssignmentRole, AssignmentStatus, ImportKind, ImportStatus, PlanStatus, Provenance, ReorgKind,
    ReportStatus, UnitKind, assignment, import, import_error, indicator, indicator_value, plan,
    report, report_obligation, report_schedule, task, unit,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz,
    page::{self, Keyed, Page, PageArgs},
    write::Writer,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    exchange::table::{self, Cell, ReadError, Table},
    text,
};

impl Keyed for import_error::Model {
    fn sort_key(&self) -> &str {
        &self.sort_key
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Stable codes of row errors (README, "Import").
pub mod codes {
    pub const UNREADABLE_FILE: &str = "UNREADABLE_FILE";
    pub const EMPTY_FILE: &str = "EMPTY_FILE";
    pub const TOO_MANY_ROWS: &str = "TOO_MANY_ROWS";
    pub const MISSING_COLUMN: &str = "MISSING_COLUMN";
    pub const REQUIRED: &str = "REQUIRED";
    pub const INVALID_VALUE: &str = "INVALID_VALUE";
    pub const DUPLICATE_ROW: &str = "DUPLICATE_ROW";
    pub const UNKNOWN_UNIT: &str = "UNKNOWN_UNIT";
    pub const OUT_OF_SCOPE: &str = "OUT_OF_SCOPE";
    pub const CODE_TAKEN: &str = "CODE_TAKEN";
    pub const UNIT_DIFFERS: &str = "UNIT_DIFFERS";
    pub const KIND_NOT_ALLOWED: &str = "KIND_NOT_ALLOWED";
    pub const UNKNOWN_PERIOD: &str = "UNKNOWN_PERIOD";
    pub const AMBIGUOUS_PERIOD: &str = "AMBIGUOUS_PERIOD";
    pub const NO_OBLIGATION: &str = "NO_OBLIGATION";
    pub const REPORT_NOT_DRAFT: &str = "REPORT_NOT_DRAFT";
    pub const UNKNOWN_INDICATOR: &str = "UNKNOWN_INDICATOR";
    pub const COMPUTED_RATE: &str = "COMPUTED_RATE";
    pub const UNKNOWN_TASK: &str = "UNKNOWN_TASK";
    pub const PARENT_HAS_ERRORS: &str = "PARENT_HAS_ERRORS";
    pub const TASK_DIFFERS: &str = "TASK_DIFFERS";
    pub const PLAN_NOT_DRAFT: &str = "PLAN_NOT_DRAFT";
    pub const PLAN_CLOSED: &str = "PLAN_CLOSED";
    pub const UNIT_CLOSED: &str = "UNIT_CLOSED";
    pub const ASSIGNMENT_DIFFERS: &str = "ASSIGNMENT_DIFFERS";
    pub const LEAD_TAKEN: &str = "LEAD_TAKEN";
}

/// Columns of each kind, in template order; `true` for required ones.
pub fn columns(kind: ImportKind) -> &'static [(&'static str, bool)] {
    match kind {
        ImportKind::Units => &[
            ("code", true),
            ("name", true),
            ("short_name", false),
            ("kind", true),
            ("parent_code", true),
        ],
        ImportKind::IndicatorValues => &[
            ("unit_code", true),
            ("period_end", true),
            ("indicator_code", true),
            ("value", true),
            ("note", false),
        ],
        ImportKind::Tasks => &[
            ("code", true),
            ("title", true),
            ("parent_code", false),
            ("description", false),
            ("content_area", false),
            ("due_on", false),
        ],
        ImportKind::Assignments => &[
            ("task_code", true),
            ("unit_code", true),
            ("role", true),
            ("due_on", false),
        ],
    }
}

/// Why one row (or, at row 0, the file) cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

fn row_error(row: usize, field: &str, code: &'static str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        field: field.to_owned(),
        code,
        message: message.into(),
    }
}

/// A unit to establish.
#[derive(Clone, Debug)]
struct NewUnitRow {
    code: String,
    name: String,
    short_name: Option<String>,
    kind: UnitKind,
    parent: Uuid,
}

/// An indicator value to write into a report (drafted when the obligation has none yet).
#[derive(Clone, Debug)]
struct ValueRow {
    obligation: Uuid,
    report: Option<Uuid>,
    indicator: Uuid,
    value: f64,
    note: Option<String>,
}

/// A task to add to the plan, or the changes to one it has.
#[derive(Clone, Debug)]
struct TaskRow {
    /// The task to change and its version; `None` adds one.
    existing: Option<(Uuid, i32)>,
    code: String,
    /// A task of the plan, or one this file adds before it.
    parent_code: Option<String>,
    /// New ancestors in the file: a new task is added after its parent.
    depth: usize,
    title: String,
    description: Option<String>,
    content_area: Option<i32>,
    due_on: Option<NaiveDate>,
}

/// A task to assign to a unit.
#[derive(Clone, Debug)]
struct AssignRow {
    task: Uuid,
    unit: Uuid,
    role: AssignmentRole,
    due_on: Option<NaiveDate>,
}

/// What validation found: rows to write, rows already as the file says, and errors.
#[derive(Debug, Default)]
struct Checked {
    total: usize,
    errors: Vec<RowError>,
    units: Vec<NewUnitRow>,
    values: Vec<ValueRow>,
    tasks: Vec<TaskRow>,
    assignments: Vec<AssignRow>,
}

impl Checked {
    fn error_rows(&self) -> usize {
        self.errors
            .iter()
            .filter(|e| e.row > 0)
            .map(|e| e.row)
            .collect::<HashSet<_>>()
            .len()
    }
    fn refused(&self) -> bool {
        self.errors.iter().any(|e| e.row == 0)
    }
    fn to_write(&self) -> usize {
        self.units.len() + self.values.len() + self.tasks.len() + self.assignments.len()
    }
}

/// The cells of one row by column name.
struct Fields<'a> {
    table: &'a Table,
    row: &'a table::Row,
    errors: Vec<RowError>,
}

impl<'a> Fields<'a> {
    fn cell(&self, name: &str) -> &'a Cell {
        self.table
            .column(name)
            .and_then(|i| self.row.cells.get(i))
            .unwrap_or(&Cell::Empty)
    }

    fn optional(&mut self, name: &str) -> Option<String> {
        let raw = self.cell(name).text()?;
        match text::parse_line(name, &raw) {
            Ok(v) if v.is_empty() => None,
            Ok(v) if v.chars().count() > 2_000 => {
                self.fail(name, codes::INVALID_VALUE, "is limited to 2,000 characters");
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(name, codes::INVALID_VALUE, e.message());
                None
            }
        }
    }

    fn required(&mut self, name: &str) -> Option<String> {
        let v = self.optional(name);
        if v.is_none() && !self.errors.iter().any(|e| e.field == name) {
            self.fail(name, codes::REQUIRED, "is required");
        }
        v
    }

    fn date(&mut self, name: &str) -> Option<NaiveDate> {
        if matches!(self.cell(name), Cell::Empty) {
            self.fail(name, codes::REQUIRED, "is required");
            return None;
        }
        self.optional_date(name)
    }

    fn optional_date(&mut self, name: &str) -> Option<NaiveDate> {
        match self.cell(name) {
            Cell::Date(d) => Some(*d),
            Cell::Empty => None,
            other => {
                let raw = other.text().unwrap_or_default();
                let parsed = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
                    .or_else(|_| NaiveDate::parse_from_str(raw.trim(), "%d/%m/%Y"));
                match parsed {
                    Ok(d) => Some(d),
                    Err(_) => {
                        self.fail(
                            name,
                            codes::INVALID_VALUE,
                            "is not a date (YYYY-MM-DD or DD/MM/YYYY)",
                        );
                        None
                    }
                }
            }
        }
    }

    fn number(&mut self, name: &str) -> Option<f64> {
        match self.cell(name) {
            Cell::Number(n) => Some(*n),
            Cell::Empty => {
                self.fail(name, codes::REQUIRED, "is required");
                None
            }
            other => {
                let raw = other.text().unwrap_or_default();
                // Vietnamese Excel groups thousands with `.`; a plain number has none.
                match raw.trim().parse::<f64>() {
                    Ok(n) if n.is_finite() => Some(n),
                    _ => {
                        self.fail(name, codes::INVALID_VALUE, "is not a number");
                        None
                    }
                }
            }
        }
    }

    /// Long text, parsed as the single-record mutations parse it.
    fn block(&mut self, name: &str) -> Option<String> {
        let raw = self.cell(name).text()?;
        let parsed = super::planning::optional_text(name, Some(&raw));
        self.rule(name, parsed).flatten()
    }

    /// A content area, 1 to 7.
    fn content_area(&mut self, name: &str) -> Option<i32> {
        let raw = self.cell(name).text()?;
        let Ok(area) = raw.trim().parse::<i32>() else {
            self.fail(name, codes::INVALID_VALUE, "is not a whole number");
            return None;
        };
        let checked = super::planning::check_content_area(name, Some(area));
        self.rule(name, checked).flatten().map(i32::from)
    }

    /// The outcome of a domain rule: its refusal becomes an `INVALID_VALUE` on `name`.
    fn rule<T>(&mut self, name: &str, outcome: AppResult<T>) -> Option<T> {
        match outcome {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(name, codes::INVALID_VALUE, e.message());
                None
            }
        }
    }

    fn fail(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors
            .push(row_error(self.row.number, field, code, message));
    }
}

/// The caller's import, or `NOT_FOUND` (another principal's import answers as unknown).
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<import::Model>> {
    let found = import::Entity::find_by_id(id).one(db).await?;
    Ok(found.filter(|i| i.user_id == caller.person() && i.api_client_id == caller.client()))
}

/// Row errors of an import, by row.
pub async fn errors(
    db: &impl ConnectionTrait,
    import_id: Uuid,
    args: &PageArgs,
    count: bool,
) -> AppResult<Page<import_error::Model>> {
    page::fetch(
        db,
        import_error::Entity::find().filter(import_error::Column::ImportId.eq(import_id)),
        import_error::Column::SortKey,
        import_error::Column::Id,
        args,
        count,
    )
    .await
}

/// An import to validate.
#[derive(Clone, Debug)]
pub struct NewImport {
    pub kind: ImportKind,
    pub plan: Option<Uuid>,
    pub upload_id: Uuid,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Refuses a kind without the plan it needs, or a plan the caller cannot see.
async fn check_plan(
    db: &impl ConnectionTrait,
    caller: &Caller,
    kind: ImportKind,
    plan: Option<Uuid>,
) -> AppResult<()> {
    match (kind, plan) {
        (ImportKind::IndicatorValues | ImportKind::Tasks | ImportKind::Assignments, None) => {
            Err(AppError::bad_input(
                "input.planId",
                "indicator values, tasks and assignments are imported for a plan",
            ))
        }
        (_, Some(plan)) => super::planning::visible_plan(db, caller, plan)
            .await
            .map(|_| ()),
        _ => Ok(()),
    }
}

/// Validates the file (the dry run): writes the import with its counts and row errors only.
pub async fn create(w: &Writer, actor: &Actor, new: NewImport) -> AppResult<import::Model> {
    check_plan(&w.db, &actor.caller, new.kind, new.plan).await?;
    let checked = check(&w.db, &actor.caller, new.kind, new.plan, &new.bytes).await?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let now = Utc::now();
            let created = import::ActiveModel {
                id: Set(Uuid::now_v7()),
                kind: Set(new.kind),
                status: Set(status_of(&checked)),
                plan_id: Set(new.plan),
                upload_id: Set(new.upload_id),
                filename: Set(text::clean(&new.filename)),
                user_id: Set(actor.caller.person()),
                api_client_id: Set(actor.caller.client()),
                total_rows: Set(count(checked.total)?),
                valid_rows: Set(count(checked.total - checked.error_rows())?),
                error_rows: Set(count(checked.error_rows())?),
                changed_rows: Set(None),
                applied_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            store_errors(txn, created.id, &checked.errors).await?;
            Ok(created)
        })
    })
    .await
}

fn status_of(checked: &Checked) -> ImportStatus {
    if checked.refused() {
        ImportStatus::Refused
    } else {
        ImportStatus::Validated
    }
}

fn count(n: usize) -> AppResult<i32> {
    i32::try_from(n).map_err(AppError::internal)
}

async fn store_errors(
    db: &impl ConnectionTrait,
    import_id: Uuid,
    errors: &[RowError],
) -> AppResult<()> {
    import_error::Entity::delete_many()
        .filter(import_error::Column::ImportId.eq(import_id))
        .exec(db)
        .await?;
    let rows: Vec<import_error::ActiveModel> = errors
        .iter()
        .enumerate()
        .map(|(i, e)| import_error::ActiveModel {
            id: Set(Uuid::now_v7()),
            import_id: Set(import_id),
            row_number: Set(i32::try_from(e.row).unwrap_or(i32::MAX)),
            field: Set(e.field.clone()),
            code: Set(e.code.to_owned()),
            message: Set(e.message.clone()),
            sort_key: Set(format!("{:08}|{i:06}", e.row)),
        })
        .collect();
    for chunk in rows.chunks(500) {
        import_error::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Applies a validated import: reads the file again, validates it against the data as it is
/// now, and writes every valid row in one transaction. Rows already as the file says are not
/// rewritten; `changedRows` counts the rest.
pub async fn apply(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    bytes: Vec<u8>,
) -> AppResult<import::Model> {
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = get(txn, &actor.caller, id)
                .await?
                .ok_or(AppError::NotFound("import"))?;
            if before.status == ImportStatus::Refused {
                return Err(AppError::bad_input(
                    "id",
                    "the file was refused; see its errors, fix it and import it again",
                ));
            }
            let checked = check(txn, &actor.caller, before.kind, before.plan_id, &bytes).await?;
            if checked.refused() {
                return Err(AppError::bad_input(
                    "id",
                    "the file no longer validates; create a new import to see why",
                ));
            }
            let changed = checked.to_write();
            write_units(txn, &actor, &before.filename, &checked.units).await?;
            write_values(txn, &actor, &checked.values).await?;
            write_tasks(txn, &actor, before.plan_id, &checked.tasks).await?;
            write_assignments(txn, &actor, &checked.assignments).await?;
            let now = Utc::now();
            let mut am = before.clone().into_active_model();
            am.status = Set(ImportStatus::Applied);
            am.total_rows = Set(count(checked.total)?);
            am.valid_rows = Set(count(checked.total - checked.error_rows())?);
            am.error_rows = Set(count(checked.error_rows())?);
            am.changed_rows = Set(Some(count(changed)?));
            am.applied_at = Set(Some(now));
            am.updated_at = Set(now);
            am.version = Set(before.version + 1);
            let after = am.update(txn).await?;
            store_errors(txn, id, &checked.errors).await?;
            audit::record(
                txn,
                &actor,
                Change::of("import.apply", "Import", id, None)
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

/// Reads `bytes` and validates every row; file-level problems are errors at row 0.
async fn check(
    db: &impl ConnectionTrait,
    caller: &Caller,
    kind: ImportKind,
    plan: Option<Uuid>,
    bytes: &[u8],
) -> AppResult<Checked> {
    let file_error = |field: &str, code, message: String| Checked {
        errors: vec![row_error(0, field, code, message)],
        ..Checked::default()
    };
    let table = match table::read(bytes) {
        Ok(t) => t,
        Err(ReadError::Unreadable(why)) => return Ok(file_error("", codes::UNREADABLE_FILE, why)),
        Err(ReadError::Empty) => {
            return Ok(file_error(
                "",
                codes::EMPTY_FILE,
                "the file has no header row".into(),
            ));
        }
        Err(ReadError::TooManyRows) => {
            return Ok(file_error(
                "",
                codes::TOO_MANY_ROWS,
                format!("a file holds at most {} rows", table::MAX_ROWS),
            ));
        }
        Err(ReadError::Legacy {
            finding,
            row,
            column,
        }) => {
            return Ok(Checked {
                errors: vec![row_error(
                    0,
                    &column,
                    finding.encoding.code(),
                    format!(
                        "row {row}: {}",
                        finding.encoding.hint(&finding.sample, &finding.decoded)
                    ),
                )],
                ..Checked::default()
            });
        }
    };
    let missing: Vec<RowError> = columns(kind)
        .iter()
        .filter(|(name, required)| *required && table.column(name).is_none())
        .map(|(name, _)| {
            row_error(
                0,
                name,
                codes::MISSING_COLUMN,
                "the header row lacks this column",
            )
        })
        .collect();
    if !missing.is_empty() {
        return Ok(Checked {
            errors: missing,
            ..Checked::default()
        });
    }
    let mut checked = Checked {
        total: table.rows.len(),
        ..Checked::default()
    };
    match kind {
        ImportKind::Units => check_units(db, caller, &table, &mut checked).await?,
        ImportKind::IndicatorValues => {
            let plan = plan.ok_or_else(|| AppError::bad_input("input.planId", "required"))?;
            check_values(db, caller, plan, &table, &mut checked).await?
        }
        ImportKind::Tasks => {
            let plan = plan.ok_or_else(|| AppError::bad_input("input.planId", "required"))?;
            let plan = super::planning::load_plan(db, plan).await?;
            check_tasks(db, caller, &plan, &table, &mut checked).await?
        }
        ImportKind::Assignments => {
            let plan = plan.ok_or_else(|| AppError::bad_input("input.planId", "required"))?;
            let plan = super::planning::load_plan(db, plan).await?;
            check_assignments(db, caller, &plan, &table, &mut checked).await?
        }
    }
    Ok(checked)
}

fn parse_kind(raw: &str) -> Option<UnitKind> {
    use sea_orm::Iterable;
    let wanted = raw.trim().to_ascii_uppercase().replace([' ', '-'], "_");
    UnitKind::iter().find(|k| k.as_str() == wanted)
}

async fn check_units(
    db: &impl ConnectionTrait,
    caller: &Caller,
    table: &Table,
    checked: &mut Checked,
) -> AppResult<()> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut parents: HashMap<String, Option<unit::Model>> = HashMap::new();
    for row in &table.rows {
        let mut f = Fields {
            table,
            row,
            errors: Vec::new(),
        };
        let code = f.required("code");
        let name = f.required("name");
        let short_name = f.optional("short_name");
        let kind = match f.required("kind") {
            Some(raw) => {
                let k = parse_kind(&raw);
                if k.is_none() {
                    f.fail(
                        "kind",
                        codes::INVALID_VALUE,
                        format!("`{raw}` is not a unit kind"),
                    );
                }
                k
            }
            None => None,
        };
        let parent_code = f.required("parent_code");
        if let Some(code) = &code
            && let Some(first) = seen.insert(code.clone(), row.number)
        {
            f.fail(
                "code",
                codes::DUPLICATE_ROW,
                format!("the code is on row {first} already"),
            );
        }
        let parent = match &parent_code {
            Some(pc) => {
                if !parents.contains_key(pc) {
                    parents.insert(pc.clone(), super::units::get_by_code(db, caller, pc).await?);
                }
                match parents.get(pc).cloned().flatten() {
                    None => {
                        f.fail(
                            "parent_code",
                            codes::UNKNOWN_UNIT,
                            format!("no unit `{pc}`"),
                        );
                        None
                    }
                    Some(p) if !authz::covers(db, caller, authz::STEERING, p.id).await? => {
                        f.fail(
                            "parent_code",
                            codes::OUT_OF_SCOPE,
                            "units are established only under a unit your steering grants cover",
                        );
                        None
                    }
                    Some(p) => Some(p),
                }
            }
            None => None,
        };
        if let (Some(kind), Some(p)) = (kind, &parent)
            && !super::reorg::may_establish_under(kind, p.kind)
        {
            f.fail(
                "kind",
                codes::KIND_NOT_ALLOWED,
                format!(
                    "a {} is not established under a {}",
                    kind.as_str(),
                    p.kind.as_str()
                ),
            );
        }
        let (Some(code), Some(name), Some(kind), Some(parent)) = (code, name, kind, parent) else {
            checked.errors.append(&mut f.errors);
            continue;
        };
        if !f.errors.is_empty() {
            checked.errors.append(&mut f.errors);
            continue;
        }
        match super::units::by_code(db, &code).await? {
            None => checked.units.push(NewUnitRow {
                code,
                name,
                short_name,
                kind,
                parent: parent.id,
            }),
            Some(existing) => {
                let visible = super::units::get_by_code(db, caller, &code)
                    .await?
                    .is_some();
                if !visible {
                    checked.errors.push(row_error(
                        row.number,
                        "code",
                        codes::CODE_TAKEN,
                        "another unit has this code",
                    ));
                } else if existing.name != name
                    || existing.short_name != short_name
                    || existing.kind != kind
                    || existing.parent_id != Some(parent.id)
                {
                    checked.errors.push(row_error(
                        row.number,
                        "code",
                        codes::UNIT_DIFFERS,
                        "the unit exists with another name, kind or parent; rename, reclassify or \
                         move it through a reorganisation",
                    ));
                }
                // Otherwise the unit is already as the file says: nothing to write.
            }
        }
    }
    Ok(())
}

async fn check_values(
    db: &impl ConnectionTrait,
    caller: &Caller,
    plan: Uuid,
    table: &Table,
    checked: &mut Checked,
) -> AppResult<()> {
    let schedules = report_schedule::Entity::find()
        .filter(report_schedule::Column::PlanId.eq(plan))
        .all(db)
        .await?;
    let indicators: HashMap<String, indicator::Model> = indicator::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.code.clone(), i))
        .collect();
    let mut units: HashMap<String, Option<unit::Model>> = HashMap::new();
    let mut seen: HashMap<(Uuid, Uuid), usize> = HashMap::new();
    for row in &table.rows {
        let mut f = Fields {
            table,
            row,
            errors: Vec::new(),
        };
        let unit_code = f.required("unit_code");
        let period_end = f.date("period_end");
        let indicator_code = f.required("indicator_code");
        let value = f.number("value");
        let note = f.optional("note");

        let unit = match &unit_code {
            Some(code) => {
                if !units.contains_key(code) {
                    units.insert(
                        code.clone(),
                        super::units::get_by_code(db, caller, code).await?,
                    );
                }
                match units.get(code).cloned().flatten() {
                    None => {
                        f.fail(
                            "unit_code",
                            codes::UNKNOWN_UNIT,
                            format!("no unit `{code}`"),
                        );
                        None
                    }
                    Some(u) if !authz::covers(db, caller, authz::WRITERS, u.id).await? => {
                        f.fail(
                            "unit_code",
                            codes::OUT_OF_SCOPE,
                            "your grants do not let you write this unit's reports",
                        );
                        None
                    }
                    Some(u) => Some(u),
                }
            }
            None => None,
        };
        let schedule = match period_end {
            Some(end) => {
                let matching: Vec<&report_schedule::Model> =
                    schedules.iter().filter(|s| s.period_end == end).collect();
                match matching.as_slice() {
                    [] => {
                        f.fail(
                            "period_end",
                            codes::UNKNOWN_PERIOD,
                            "the plan schedules no report for a period ending that day",
                        );
                        None
                    }
                    [one] => Some(*one),
                    _ => {
                        f.fail(
                            "period_end",
                            codes::AMBIGUOUS_PERIOD,
                            "the plan schedules several reports for a period ending that day",
                        );
                        None
                    }
                }
            }
            None => None,
        };
        let def = match &indicator_code {
            Some(code) => match indicators.get(code) {
                None => {
                    f.fail(
                        "indicator_code",
                        codes::UNKNOWN_INDICATOR,
                        format!("unknown indicator `{code}`"),
                    );
                    None
                }
                Some(d) => Some(d),
            },
            None => None,
        };
        if let (Some(def), Some(value)) = (def, value)
            && let Err((part, message)) = super::reporting::check_stated_value(def, value)
        {
            let (field, code) = if part == "code" {
                ("indicator_code", codes::COMPUTED_RATE)
            } else {
                ("value", codes::INVALID_VALUE)
            };
            f.fail(field, code, message);
        }
        let (Some(unit), Some(schedule), Some(def), Some(value)) = (unit, schedule, def, value)
        else {
            checked.errors.append(&mut f.errors);
            continue;
        };
        if !f.errors.is_empty() {
            checked.errors.append(&mut f.errors);
            continue;
        }
        let Some(obligation) = report_obligation::Entity::find()
            .filter(report_obligation::Column::ScheduleId.eq(schedule.id))
            .filter(report_obligation::Column::UnitId.eq(unit.id))
            .one(db)
            .await?
        else {
            checked.errors.push(row_error(
                row.number,
                "unit_code",
                codes::NO_OBLIGATION,
                "the unit is not expected to report for this period",
            ));
            continue;
        };
        if let Some(first) = seen.insert((obligation.id, def.id), row.number) {
            checked.errors.push(row_error(
                row.number,
                "indicator_code",
                codes::DUPLICATE_ROW,
                format!("row {first} gives this unit's value for this indicator already"),
            ));
            continue;
        }
        let current = current_report(db, obligation.id).await?;
        if let Some(r) = &current
            && !matches!(r.status, ReportStatus::Draft | ReportStatus::Returned)
        {
            checked.errors.push(row_error(
                row.number,
                "unit_code",
                codes::REPORT_NOT_DRAFT,
                format!(
                    "the unit's report is {}: values go into draft reports only",
                    r.status.as_str().to_lowercase()
                ),
            ));
            continue;
        }
        if let Some(r) = &current {
            let stored = indicator_value::Entity::find()
                .filter(indicator_value::Column::ReportId.eq(r.id))
                .filter(indicator_value::Column::IndicatorId.eq(def.id))
                .one(db)
                .await?;
            if stored.is_some_and(|v| v.value == value && v.note == note) {
                continue;
            }
        }
        checked.values.push(ValueRow {
            obligation: obligation.id,
            report: current.map(|r| r.id),
            indicator: def.id,
            value,
            note,
        });
    }
    Ok(())
}

fn parse_role(raw: &str) -> Option<AssignmentRole> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "LEAD" => Some(AssignmentRole::Lead),
        "COORDINATE" | "COORDINATING" => Some(AssignmentRole::Coordinate),
        _ => None,
    }
}

/// A task row read on its own, before its parent is looked for.
struct TaskLine {
    row: usize,
    code: Option<String>,
    title: Option<String>,
    parent_code: Option<String>,
    description: Option<String>,
    content_area: Option<i32>,
    due_on: Option<NaiveDate>,
    errors: Vec<RowError>,
}

/// Where a new task's parent is: how many new ancestors the file gives it, or why not.
enum Ancestry {
    Depth(usize),
    Unknown(String),
    ParentFails(usize),
    Loop,
}

async fn check_tasks(
    db: &impl ConnectionTrait,
    caller: &Caller,
    plan: &plan::Model,
    table: &Table,
    checked: &mut Checked,
) -> AppResult<()> {
    let planner = authz::covers(db, caller, authz::PLANNERS, plan.issuing_unit_id).await?;
    let stored = super::planning::tasks_of(db, plan.id).await?;
    let code_of: HashMap<Uuid, String> = stored.iter().map(|t| (t.id, t.code.clone())).collect();
    let existing: HashMap<String, task::Model> =
        stored.into_iter().map(|t| (t.code.clone(), t)).collect();

    // Each row on its own: cells, the plan's rules, scope, duplicates.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut lines = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut f = Fields {
            table,
            row,
            errors: Vec::new(),
        };
        let code = f.required("code");
        let title = f.required("title");
        let parent_code = f.optional("parent_code");
        let description = f.block("description");
        let content_area = f.content_area("content_area");
        let due_on = f.optional_date("due_on");
        if due_on.is_some() {
            let within = super::planning::check_within_period("due_on", plan, due_on);
            f.rule("due_on", within);
        }
        if !planner {
            f.fail(
                "code",
                codes::OUT_OF_SCOPE,
                "tasks are imported only into plans of units your planning grants cover",
            );
        }
        if let Some(code) = &code {
            if let Some(first) = seen.insert(code.clone(), row.number) {
                f.fail(
                    "code",
                    codes::DUPLICATE_ROW,
                    format!("the code is on row {first} already"),
                );
            }
            if parent_code.as_ref() == Some(code) {
                f.fail(
                    "parent_code",
                    codes::INVALID_VALUE,
                    "a task is not its own parent",
                );
            }
            if !existing.contains_key(code) && plan.status != PlanStatus::Draft {
                f.fail(
                    "code",
                    codes::PLAN_NOT_DRAFT,
                    "tasks are added to a draft plan only; this plan is already issued",
                );
            }
        }
        lines.push(TaskLine {
            row: row.number,
            code,
            title,
            parent_code,
            description,
            content_area,
            due_on,
            errors: f.errors,
        });
    }

    // New tasks whose parent the file adds too are added after it, by depth.
    let new_in_file: HashMap<&str, usize> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.code.as_deref().map(|c| (c, i)))
        .filter(|(c, _)| !existing.contains_key(*c))
        .rev() // the first row with a code wins
        .collect();
    let ancestry = |start: usize| -> Ancestry {
        let mut depth = 0;
        let mut at = start;
        loop {
            let Some(parent) = lines[at].parent_code.as_deref() else {
                return Ancestry::Depth(depth);
            };
            if existing.contains_key(parent) {
                return Ancestry::Depth(depth);
            }
            let Some(&p) = new_in_file.get(parent) else {
                return Ancestry::Unknown(parent.to_owned());
            };
            if !lines[p].errors.is_empty() {
                return Ancestry::ParentFails(lines[p].row);
            }
            depth += 1;
            if depth > lines.len() {
                return Ancestry::Loop;
            }
            at = p;
        }
    };
    let mut rows = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let mut errors = line.errors.clone();
        let mut fail = |field: &str, code, message: String| {
            errors.push(row_error(line.row, field, code, message));
        };
        let (Some(code), Some(title)) = (&line.code, &line.title) else {
            checked.errors.append(&mut errors);
            continue;
        };
        let mut depth = 0;
        match existing.get(code) {
            Some(task) => {
                let parent = task.parent_id.and_then(|p| code_of.get(&p)).cloned();
                if parent != line.parent_code {
                    fail(
                        "parent_code",
                        codes::TASK_DIFFERS,
                        "the task exists under another parent; tasks are not moved by import"
                            .into(),
                    );
                }
            }
            None => match ancestry(i) {
                Ancestry::Depth(d) => depth = d,
                Ancestry::Unknown(parent) => fail(
                    "parent_code",
                    codes::UNKNOWN_TASK,
                    format!("the plan has no task `{parent}` and the file does not add it"),
                ),
                Ancestry::ParentFails(row) => fail(
                    "parent_code",
                    codes::PARENT_HAS_ERRORS,
                    format!("row {row}, which adds the parent task, has errors"),
                ),
                Ancestry::Loop => fail(
                    "parent_code",
                    codes::INVALID_VALUE,
                    "the parent codes form a loop".into(),
                ),
            },
        }
        if !errors.is_empty() {
            checked.errors.append(&mut errors);
            continue;
        }
        let existing_task = existing.get(code);
        if let Some(t) = existing_task {
            // Empty cells leave a field as it is, as in `updateTask`.
            let unchanged = t.title == *title
                && line
                    .description
                    .as_ref()
                    .is_none_or(|d| t.description.as_ref() == Some(d))
                && line
                    .content_area
                    .is_none_or(|a| t.content_area.map(i32::from) == Some(a))
                && line.due_on.is_none_or(|d| t.due_on == Some(d));
            if unchanged {
                continue;
            }
            // A row as the plan has it is fine on a closed plan; a change is not.
            if plan.status == PlanStatus::Closed {
                checked.errors.push(row_error(
                    line.row,
                    "code",
                    codes::PLAN_CLOSED,
                    "the plan is closed: its tasks no longer change",
                ));
                continue;
            }
        }
        rows.push(TaskRow {
            existing: existing_task.map(|t| (t.id, t.version)),
            code: code.clone(),
            parent_code: line.parent_code.clone(),
            depth,
            title: title.clone(),
            description: line.description.clone(),
            content_area: line.content_area,
            due_on: line.due_on,
        });
    }
    // Changes first, then new tasks level by level, each level in the file's order.
    rows.sort_by_key(|r| (r.existing.is_none(), r.depth));
    checked.tasks = rows;
    Ok(())
}

async fn check_assignments(
    db: &impl ConnectionTrait,
    caller: &Caller,
    plan: &plan::Model,
    table: &Table,
    checked: &mut Checked,
) -> AppResult<()> {
    let planner = authz::covers(db, caller, authz::PLANNERS, plan.issuing_unit_id).await?;
    let tasks: HashMap<String, task::Model> = super::planning::tasks_of(db, plan.id)
        .await?
        .into_iter()
        .map(|t| (t.code.clone(), t))
        .collect();
    let existing = assignment::Entity::find()
        .filter(assignment::Column::TaskId.is_in(tasks.values().map(|t| t.id)))
        .all(db)
        .await?;
    let today = caller.today();
    let mut units: HashMap<String, Option<unit::Model>> = HashMap::new();
    let mut seen: HashMap<(Uuid, Uuid), usize> = HashMap::new();
    let mut leads: HashMap<Uuid, usize> = HashMap::new();
    for row in &table.rows {
        let mut f = Fields {
            table,
            row,
            errors: Vec::new(),
        };
        let task_code = f.required("task_code");
        let unit_code = f.required("unit_code");
        let role = match f.required("role") {
            Some(raw) => {
                let role = parse_role(&raw);
                if role.is_none() {
                    f.fail(
                        "role",
                        codes::INVALID_VALUE,
                        format!("`{raw}` is not LEAD or COORDINATE"),
                    );
                }
                role
            }
            None => None,
        };
        let due_on = f.optional_date("due_on");
        if due_on.is_some() {
            let within = super::planning::check_within_period("due_on", plan, due_on);
            f.rule("due_on", within);
        }
        if !planner {
            f.fail(
                "task_code",
                codes::OUT_OF_SCOPE,
                "tasks are assigned only in plans of units your planning grants cover",
            );
        }
        let task = match &task_code {
            Some(code) => {
                let found = tasks.get(code);
                if found.is_none() {
                    f.fail(
                        "task_code",
                        codes::UNKNOWN_TASK,
                        format!("the plan has no task `{code}`"),
                    );
                }
                found
            }
            None => None,
        };
        let unit = match &unit_code {
            Some(code) => {
                if !units.contains_key(code) {
                    units.insert(
                        code.clone(),
                        super::units::get_by_code(db, caller, code).await?,
                    );
                }
                match units.get(code).cloned().flatten() {
                    None => {
                        f.fail(
                            "unit_code",
                            codes::UNKNOWN_UNIT,
                            format!("no unit `{code}`"),
                        );
                        None
                    }
                    Some(u) if u.valid_to.is_some_and(|closed| closed <= today) => {
                        f.fail(
                            "unit_code",
                            codes::UNIT_CLOSED,
                            "the unit has closed; give the work to its successor",
                        );
                        None
                    }
                    Some(u) if !authz::covers(db, caller, authz::PLANNERS, u.id).await? => {
                        f.fail(
                            "unit_code",
                            codes::OUT_OF_SCOPE,
                            "tasks are assigned only to units your planning grants cover",
                        );
                        None
                    }
                    Some(u) => Some(u),
                }
            }
            None => None,
        };
        let (Some(task), Some(unit), Some(role)) = (task, unit, role) else {
            checked.errors.append(&mut f.errors);
            continue;
        };
        if !f.errors.is_empty() {
            checked.errors.append(&mut f.errors);
            continue;
        }
        if let Some(first) = seen.insert((task.id, unit.id), row.number) {
            f.fail(
                "unit_code",
                codes::DUPLICATE_ROW,
                format!("row {first} assigns this task to this unit already"),
            );
        } else if let Some(a) = existing
            .iter()
            .find(|a| a.task_id == task.id && a.unit_id == unit.id)
        {
            if a.role != role || due_on.is_some_and(|d| a.due_on != Some(d)) {
                f.fail(
                    "role",
                    codes::ASSIGNMENT_DIFFERS,
                    "the task is assigned to this unit with another role or due date",
                );
            } else {
                // Already as the file says: nothing to write.
                continue;
            }
        } else if plan.status == PlanStatus::Closed {
            f.fail(
                "task_code",
                codes::PLAN_CLOSED,
                "the plan is closed: its tasks are no longer assigned",
            );
        } else if role == AssignmentRole::Lead {
            let lead_exists = existing.iter().any(|a| {
                a.task_id == task.id
                    && a.role == AssignmentRole::Lead
                    && !matches!(
                        a.status,
                        AssignmentStatus::Cancelled | AssignmentStatus::Rerouted
                    )
            });
            if lead_exists {
                f.fail(
                    "role",
                    codes::LEAD_TAKEN,
                    "the task already has a lead unit",
                );
            } else if let Some(first) = leads.insert(task.id, row.number) {
                f.fail(
                    "role",
                    codes::LEAD_TAKEN,
                    format!("row {first} gives this task its lead unit already"),
                );
            }
        }
        if !f.errors.is_empty() {
            checked.errors.append(&mut f.errors);
            continue;
        }
        checked.assignments.push(AssignRow {
            task: task.id,
            unit: unit.id,
            role,
            due_on,
        });
    }
    Ok(())
}

/// The newest revision of the report answering `obligation`.
async fn current_report(
    db: &impl ConnectionTrait,
    obligation: Uuid,
) -> AppResult<Option<report::Model>> {
    Ok(report::Entity::find()
        .filter(report::Column::ObligationId.eq(obligation))
        .order_by_desc(report::Column::Revision)
        .one(db)
        .await?)
}

async fn write_units(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    filename: &str,
    rows: &[NewUnitRow],
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let new = super::reorg::NewReorg {
        code: None,
        kind: ReorgKind::Establish,
        effective_on: actor.caller.today(),
        legal_basis: None,
        title: format!("Import: {filename}"),
        note: None,
        provenance: Provenance::User,
        predecessors: Vec::new(),
        successor: None,
        new_units: rows
            .iter()
            .map(|r| super::reorg::SuccessorUnit {
                code: r.code.clone(),
                name: r.name.clone(),
                short_name: r.short_name.clone(),
                kind: r.kind,
                grassroots_type: None,
                parent: Some(r.parent),
                routing_default: false,
                valid_to: None,
            })
            .collect(),
        revision: Default::default(),
        transferred: Vec::new(),
        children_to: None,
        routing: Vec::new(),
    };
    super::reorg::apply_in(txn, actor, new).await?;
    Ok(())
}

async fn write_values(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    rows: &[ValueRow],
) -> AppResult<()> {
    let now = actor.caller.clock.now();
    let mut reports: HashMap<Uuid, Uuid> = HashMap::new();
    let mut touched: Vec<Uuid> = Vec::new();
    for row in rows {
        let report_id = match (row.report, reports.get(&row.obligation)) {
            (Some(id), _) | (None, Some(&id)) => id,
            (None, None) => {
                let drafted = super::reporting::create_in(
                    txn,
                    actor,
                    super::reporting::NewReport {
                        obligation: Some(row.obligation),
                        ..Default::default()
                    },
                )
                .await?;
                reports.insert(row.obligation, drafted.id);
                drafted.id
            }
        };
        let stored = indicator_value::Entity::find()
            .filter(indicator_value::Column::ReportId.eq(report_id))
            .filter(indicator_value::Column::IndicatorId.eq(row.indicator))
            .one(txn)
            .await?;
        match stored {
            Some(v) => {
                let mut am = v.into_active_model();
                am.value = Set(row.value);
                am.note = Set(row.note.clone());
                am.update(txn).await?;
            }
            None => {
                indicator_value::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    report_id: Set(report_id),
                    indicator_id: Set(row.indicator),
                    value: Set(row.value),
                    note: Set(row.note.clone()),
                    created_at: Set(now),
                }
                .insert(txn)
                .await?;
            }
        }
        if !touched.contains(&report_id) {
            touched.push(report_id);
        }
    }
    // Each changed report moves to a new version, so an editor holding the old one gets a
    // CONFLICT instead of overwriting the imported values.
    for id in touched {
        let Some(before) = report::Entity::find_by_id(id).one(txn).await? else {
            continue;
        };
        authz::require(txn, &actor.caller, authz::WRITERS, before.unit_id).await?;
        let version = before.version;
        let mut am = before.clone().into_active_model();
        am.version = Set(version + 1);
        am.updated_at = Set(now);
        let after = am.update(txn).await?;
        audit::record(
            txn,
            actor,
            Change::of("report.import", "Report", id, Some(after.unit_id))
                .before(&before)
                .after(&after),
        )
        .await?;
    }
    Ok(())
}

async fn write_tasks(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    plan: Option<Uuid>,
    rows: &[TaskRow],
) -> AppResult<()> {
    let Some(plan) = plan else {
        return Ok(());
    };
    if rows.is_empty() {
        return Ok(());
    }
    let mut ids: HashMap<String, Uuid> = super::planning::tasks_of(txn, plan)
        .await?
        .into_iter()
        .map(|t| (t.code, t.id))
        .collect();
    for row in rows {
        match row.existing {
            Some((id, version)) => {
                super::planning::update_task_in(
                    txn,
                    actor,
                    id,
                    version,
                    super::planning::TaskPatch {
                        title: Some(row.title.clone()),
                        description: row.description.clone(),
                        content_area: row.content_area,
                        due_on: row.due_on,
                    },
                )
                .await?;
            }
            None => {
                let parent = match &row.parent_code {
                    Some(code) => Some(ids.get(code).copied().ok_or_else(|| {
                        AppError::internal(anyhow::anyhow!("parent task {code} not added first"))
                    })?),
                    None => None,
                };
                let added = super::planning::add_task_in(
                    txn,
                    actor,
                    super::planning::NewTask {
                        plan,
                        parent,
                        code: Some(row.code.clone()),
                        title: row.title.clone(),
                        description: row.description.clone(),
                        content_area: row.content_area,
                        due_on: row.due_on,
                    },
                )
                .await?;
                ids.insert(added.code, added.id);
            }
        }
    }
    Ok(())
}

async fn write_assignments(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    rows: &[AssignRow],
) -> AppResult<()> {
    for row in rows {
        super::assignments::assign_in(txn, actor, row.task, row.unit, row.role, row.due_on).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_kinds_parse_in_any_case() {
        assert_eq!(parse_kind("commune"), Some(UnitKind::Commune));
        assert_eq!(parse_kind(" COMMUNE "), Some(UnitKind::Commune));
        assert_eq!(parse_kind("xã"), None);
    }

    #[test]
    fn roles_parse_as_stored_or_as_written() {
        assert_eq!(parse_role("lead"), Some(AssignmentRole::Lead));
        assert_eq!(parse_role("COORDINATE"), Some(AssignmentRole::Coordinate));
        assert_eq!(
            parse_role(" Coordinating "),
            Some(AssignmentRole::Coordinate)
        );
        assert_eq!(parse_role("chủ trì"), None);
    }

    #[test]
    fn every_kind_has_required_columns() {
        use sea_orm::Iterable;
        for kind in ImportKind::iter() {
            assert!(columns(kind).iter().any(|(_, required)| *required));
        }
    }
}
