//! Imports (dry run, then apply), import templates and exports of the standing office's
//! tables: thin resolvers over `domain::imports` and `domain::exports`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    files::Download,
    id::{self, NodeType},
};
use crate::{
    domain::{
        exports::{self, ExportFormat as DomainFormat, ExportTable},
        files,
        imports::{self, NewImport},
        rollups::{SummaryWindow, Tree},
    },
    error::{AppError, AppResult},
};

/// What a table import brings in.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ImportKind")]
pub enum ImportKind {
    /// Units, keyed by `code`; columns `code`, `name`, `short_name`, `kind`, `parent_code`.
    /// New units are established under their parent (one reorganisation per apply); a unit
    /// that exists must match the file.
    Units,
    /// Indicator values of the plan's reports, keyed by `unit_code`, `period_end` (the last day
    /// of a report schedule's period) and `indicator_code`; columns also `value`, `note`.
    /// Values go into draft (or returned) reports only; a report is drafted when the unit has
    /// none yet.
    IndicatorValues,
    /// Tasks of the plan, keyed by the plan and `code`; columns also `title`, `parent_code`,
    /// `description`, `content_area`, `due_on`. New tasks (a parent before its sub-tasks, in
    /// any row order) go into a draft plan only; a task that exists is changed as `updateTask`
    /// would (empty cells leave a field as it is) while the plan is not closed.
    Tasks,
    /// Assignments of the plan's tasks, keyed by the plan, `task_code` and `unit_code`; columns
    /// also `role` (`LEAD` or `COORDINATE`) and `due_on`. New assignments are made as
    /// `assignTask` would, while the plan is not closed; one that exists must match the file.
    Assignments,
}

/// Where an import stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ImportStatus")]
pub enum ImportStatus {
    /// Validated (the dry run); nothing written yet.
    Validated,
    /// The file itself cannot be imported: see the errors at row 0.
    Refused,
    /// Its valid rows were written.
    Applied,
}

/// Why a row (or, at row 0, the file) cannot be written.
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// Row as the spreadsheet numbers it (the header is row 1); 0 for the whole file.
    pub row: i32,
    /// Column name, as in the template.
    pub field: String,
    /// Stable code, e.g. `UNKNOWN_UNIT`, `REPORT_NOT_DRAFT`, `LEGACY_ENCODING_TCVN3` (README,
    /// "Import").
    pub code: String,
    /// What is wrong, for people.
    pub message: String,
}

connection!(
    ImportRowErrorConnection,
    ImportRowErrorEdge,
    ImportRowError,
    "A page of an import's row errors.",
    "A row error in a page."
);

/// A table file validated for import, and what applying it wrote.
pub struct Import(pub entity::import::Model);

/// A table file validated for import, and what applying it wrote.
#[Object]
impl Import {
    /// Global id.
    async fn id(&self) -> ID {
        id::encode(NodeType::Import, self.0.id)
    }
    /// What the file brings in.
    async fn kind(&self) -> ImportKind {
        self.0.kind.into()
    }
    /// Validated, refused or applied.
    async fn status(&self) -> ImportStatus {
        self.0.status.into()
    }
    /// The uploaded file's name.
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// Data rows in the file.
    async fn total_rows(&self) -> i32 {
        self.0.total_rows
    }
    /// Rows without errors (written by an apply, or already as the file says).
    async fn valid_rows(&self) -> i32 {
        self.0.valid_rows
    }
    /// Rows with at least one error.
    async fn error_rows(&self) -> i32 {
        self.0.error_rows
    }
    /// Rows the last apply created or changed; unchanged rows are not counted (null before an
    /// apply).
    async fn changed_rows(&self) -> Option<i32> {
        self.0.changed_rows
    }
    /// When it was last applied.
    async fn applied_at(&self) -> Option<DateTime<Utc>> {
        self.0.applied_at
    }
    /// When it was validated.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Row errors, by row.
    async fn errors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start.")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end.")] last: Option<i32>,
        #[graphql(desc = "Cursor to end before.")] before: Option<String>,
    ) -> AppResult<ImportRowErrorConnection> {
        let page = imports::errors(
            ctx.db(),
            self.0.id,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(ImportRowErrorConnection::from_page(page, |e| {
            ImportRowError {
                row: e.row_number,
                field: e.field,
                code: e.code,
                message: e.message,
            }
        }))
    }
}

/// A file to validate for import.
#[derive(InputObject)]
pub struct CreateImportInput {
    /// What the file brings in.
    pub kind: ImportKind,
    /// A completed upload of purpose IMPORT (XLSX, or CSV in UTF-8 or Windows-1258).
    pub upload_id: ID,
    /// The plan (required for INDICATOR_VALUES, TASKS and ASSIGNMENTS).
    pub plan_id: Option<ID>,
}

/// An import to apply.
#[derive(InputObject)]
pub struct ApplyImportInput {
    /// The import (from `createImport`).
    pub id: ID,
}

/// The result of an import mutation.
#[derive(SimpleObject)]
pub struct ImportPayload {
    /// The import as it is now.
    pub import: Import,
}

/// Which table to export.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ExportTableKind {
    /// `planProgress(planId, unitId, asOf, lineage)`: a row per content area and a TOTAL row.
    PlanProgress,
    /// `reportingCompliance(scheduleId, unitId, asOf, lineage)`: a row per expected report.
    ReportingCompliance,
    /// `indicatorSummary(codes, unitId, scheduleId | periodFrom + periodTo, asOf, lineage)`:
    /// a row per indicator.
    IndicatorSummary,
    /// `oversightSummary(unitId, periodFrom, periodTo)`: a row per measure.
    OversightSummary,
    /// `exemplarSummary(unitId, periodStart = periodFrom, periodEnd = periodTo)`: a row per
    /// tally.
    ExemplarSummary,
}

/// File format of an export.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// An Excel workbook: typed numbers, amounts in đồng formatted, rates as values, the header
    /// row bold and frozen.
    Xlsx,
    /// CSV in UTF-8 with a BOM (so Excel shows Vietnamese correctly).
    Csv,
}

/// A table to export, with the arguments of its query.
#[derive(InputObject)]
pub struct ExportTableInput {
    /// Which table.
    pub table: ExportTableKind,
    /// XLSX or CSV.
    pub format: ExportFormat,
    /// The unit whose subtree is counted.
    pub unit_id: ID,
    /// PLAN_PROGRESS: the plan.
    pub plan_id: Option<ID>,
    /// REPORTING_COMPLIANCE, and INDICATOR_SUMMARY by schedule: the report schedule.
    pub schedule_id: Option<ID>,
    /// INDICATOR_SUMMARY: indicator codes (at most 100).
    pub codes: Option<Vec<String>>,
    /// INDICATOR_SUMMARY by window, OVERSIGHT_SUMMARY, EXEMPLAR_SUMMARY: first day.
    pub period_from: Option<NaiveDate>,
    /// …and last day.
    pub period_to: Option<NaiveDate>,
    /// PLAN_PROGRESS, REPORTING_COMPLIANCE, INDICATOR_SUMMARY: the subtree as it stood that day.
    pub as_of: Option<NaiveDate>,
    /// PLAN_PROGRESS, REPORTING_COMPLIANCE, INDICATOR_SUMMARY: also count lineage.
    pub lineage: Option<bool>,
}

/// A file to download.
#[derive(SimpleObject)]
pub struct DownloadPayload {
    /// The link.
    pub download: Download,
}

fn required<T>(field: &str, v: Option<T>) -> AppResult<T> {
    v.ok_or_else(|| AppError::bad_input(field, "required for this table"))
}

impl ExportTableInput {
    fn into_domain(self) -> AppResult<ExportTable> {
        let unit = id::decode("input.unitId", NodeType::Unit, &self.unit_id)?;
        let tree = Tree {
            as_of: self.as_of,
            lineage: self.lineage.unwrap_or(false),
        };
        Ok(match self.table {
            ExportTableKind::PlanProgress => ExportTable::PlanProgress {
                plan: id::decode(
                    "input.planId",
                    NodeType::Plan,
                    &required("input.planId", self.plan_id)?,
                )?,
                unit,
                tree,
            },
            ExportTableKind::ReportingCompliance => ExportTable::ReportingCompliance {
                schedule: id::decode(
                    "input.scheduleId",
                    NodeType::ReportSchedule,
                    &required("input.scheduleId", self.schedule_id)?,
                )?,
                unit,
                tree,
            },
            ExportTableKind::IndicatorSummary => ExportTable::IndicatorSummary {
                codes: required("input.codes", self.codes)?,
                window: match (self.schedule_id, self.period_from, self.period_to) {
                    (Some(s), None, None) => SummaryWindow::Schedule(id::decode(
                        "input.scheduleId",
                        NodeType::ReportSchedule,
                        &s,
                    )?),
                    (None, Some(from), Some(to)) => SummaryWindow::Period { from, to },
                    _ => {
                        return Err(AppError::bad_input(
                            "input.scheduleId",
                            "give either scheduleId, or periodFrom and periodTo",
                        ));
                    }
                },
                unit,
                tree,
            },
            ExportTableKind::OversightSummary => ExportTable::OversightSummary {
                unit,
                from: required("input.periodFrom", self.period_from)?,
                to: required("input.periodTo", self.period_to)?,
            },
            ExportTableKind::ExemplarSummary => ExportTable::ExemplarSummary {
                unit,
                from: required("input.periodFrom", self.period_from)?,
                to: required("input.periodTo", self.period_to)?,
            },
        })
    }
}

#[derive(Default)]
pub struct ExchangeMutation;

#[Object]
impl ExchangeMutation {
    /// Reads an uploaded table and validates every row against your scope and the rules of the
    /// single-record mutations, writing nothing but the import: row counts and row errors (the
    /// dry run). A file typed in the legacy TCVN3 or VNI encodings is REFUSED with a hint.
    async fn create_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file to validate.")] input: CreateImportInput,
    ) -> AppResult<ImportPayload> {
        let upload_id = id::decode("input.uploadId", NodeType::Upload, &input.upload_id)?;
        let plan = id::decode_opt("input.planId", NodeType::Plan, input.plan_id.as_ref())?;
        let actor = ctx.actor()?;
        let (upload, bytes) = files::read_upload(
            ctx.db(),
            &ctx.files().blobs,
            &actor.caller,
            upload_id,
            entity::UploadPurpose::Import,
        )
        .await?;
        let created = imports::create(
            ctx.writer(),
            &actor,
            NewImport {
                kind: input.kind.into(),
                plan,
                upload_id,
                filename: upload.filename,
                bytes,
            },
        )
        .await?;
        Ok(ImportPayload {
            import: Import(created),
        })
    }

    /// Writes every valid row of an import in one transaction, all or none, after validating
    /// the file again against the data as it is now. Keyed by natural keys: applying the same
    /// file again changes nothing (`changedRows` 0).
    async fn apply_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import to apply.")] input: ApplyImportInput,
    ) -> AppResult<ImportPayload> {
        let id = id::decode("input.id", NodeType::Import, &input.id)?;
        let actor = ctx.actor()?;
        let found = imports::get(ctx.db(), &actor.caller, id)
            .await?
            .ok_or(AppError::NotFound("import"))?;
        let (_, bytes) = files::read_upload(
            ctx.db(),
            &ctx.files().blobs,
            &actor.caller,
            found.upload_id,
            entity::UploadPurpose::Import,
        )
        .await?;
        let applied = imports::apply(ctx.writer(), &actor, id, bytes).await?;
        Ok(ImportPayload {
            import: Import(applied),
        })
    }

    /// An XLSX template for an import: the kind's columns, the header row frozen, and drop-down
    /// lists of the codes in your scope (units, indicators, the plan's report periods and task
    /// codes).
    async fn import_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the file will bring in.")] kind: ImportKind,
        #[graphql(desc = "The plan (lists its report periods and task codes).")] plan_id: Option<
            ID,
        >,
    ) -> AppResult<DownloadPayload> {
        let plan = id::decode_opt("planId", NodeType::Plan, plan_id.as_ref())?;
        let actor = ctx.actor()?;
        let file = exports::template(ctx.db(), &actor.caller, kind.into(), plan).await?;
        Ok(DownloadPayload {
            download: Download(files::publish(ctx.writer(), ctx.files(), &actor, file).await?),
        })
    }

    /// Exports a table as XLSX or CSV, with exactly the rows its query returns in your scope.
    async fn export_table(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The table, its format and its query's arguments.")]
        input: ExportTableInput,
    ) -> AppResult<DownloadPayload> {
        let format = match input.format {
            ExportFormat::Xlsx => DomainFormat::Xlsx,
            ExportFormat::Csv => DomainFormat::Csv,
        };
        let table = input.into_domain()?;
        let actor = ctx.actor()?;
        let file = exports::export(ctx.db(), &actor.caller, ctx.today(), table, format).await?;
        Ok(DownloadPayload {
            download: Download(files::publish(ctx.writer(), ctx.files(), &actor, file).await?),
        })
    }
}
