//! Plans, their recipients and report schedules.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::NaiveDate;
use entity::{plan as db, plan_recipient, report_obligation, report_schedule};

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::{PlanStatus, Provenance, ReportKind},
    id::{self, NodeType},
    legal::LegalDocument,
    loaders::{failed, group},
    task::{Task, TaskConnection, TaskFilter},
    unit::{self, Unit},
};
use crate::{
    domain::{plans, tasks},
    error::AppResult,
};

/// A plan (kế hoạch) of a unit for a period, e.g. Plan 24-KH/BCĐ of the Sóc Trăng steering
/// committee for 2024. Its tasks form a tree whose top level is the plan's key contents.
pub struct Plan(pub db::Model);

connection!(
    PlanConnection,
    PlanEdge,
    Plan,
    "A page of plans.",
    "A plan in a page, with its cursor."
);

/// A plan (kế hoạch) of a unit for a period, e.g. Plan 24-KH/BCĐ of the Sóc Trăng steering
/// committee for 2024. Its tasks form a tree whose top level is the plan's key contents.
#[Object]
impl Plan {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Plan, self.0.id)
    }
    /// Number and symbol once issued (e.g. `24-KH/BCĐ`); null while a draft.
    async fn number(&self) -> Option<&str> {
        self.0.number.as_deref()
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Date of issue; null while a draft.
    async fn issued_on(&self) -> Option<NaiveDate> {
        self.0.issued_on
    }
    /// Life-cycle status.
    async fn status(&self) -> PlanStatus {
        self.0.status.into()
    }
    /// Version for optimistic concurrency: send it back with any edit.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// First day of the period the plan covers.
    async fn period_start(&self) -> NaiveDate {
        self.0.period_start
    }
    /// Last day of the period the plan covers.
    async fn period_end(&self) -> NaiveDate {
        self.0.period_end
    }
    /// Motto, when the plan states one.
    async fn motto(&self) -> Option<&str> {
        self.0.motto.as_deref()
    }
    /// Where this record comes from.
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
    /// Fields whose provenance differs from `provenance` (empty when none does).
    async fn field_provenance(&self) -> Vec<super::provenance::FieldProvenance> {
        super::provenance::fields(self.0.field_provenance.as_deref())
    }
    /// What in this record is not from the source, or other remarks.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Unit that issues the plan (e.g. the provincial steering committee).
    async fn issuing_unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.issuing_unit_id)).await
    }
    /// Standing body that follows and aggregates the plan (e.g. Ban Dân vận Tỉnh ủy).
    async fn standing_unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, self.0.standing_unit_id).await
    }
    /// The plan this one was derived from.
    async fn parent_plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        let Some(parent) = self.0.parent_plan_id else {
            return Ok(None);
        };
        Ok(plans::get(ctx.db(), ctx.caller()?, parent).await?.map(Plan))
    }
    /// The plan's own document, when registered.
    async fn document(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        super::legal::load(ctx, self.0.document_id).await
    }
    /// Units that must derive their own plan from this one, with where each stands.
    async fn recipients(&self, ctx: &Context<'_>) -> AppResult<Vec<PlanRecipient>> {
        ctx.caller()?;
        Ok(
            group(ctx.loaders().plan_recipients.load_one(self.0.id).await)?
                .into_iter()
                .map(PlanRecipient)
                .collect(),
        )
    }
    /// Tasks of this plan in tree order (each parent before its children).
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned task meets; `plan` is ignored here.")]
        filter: Option<TaskFilter>,
    ) -> AppResult<TaskConnection> {
        let mut filter = filter.unwrap_or_default().into_domain()?;
        filter.plan = Some(self.0.id);
        let page = tasks::list(
            ctx.db(),
            ctx.caller()?,
            &filter,
            ctx.today(),
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(TaskConnection::from_page(page, Task))
    }
    /// For each top-level content × recipient: derived tasks exist? reported on?
    async fn coverage(&self, ctx: &Context<'_>) -> AppResult<Vec<super::planning::CoverageCell>> {
        let cells =
            crate::domain::derivation::coverage(ctx.db(), ctx.caller()?, self.0.id, ctx.today())
                .await?;
        Ok(cells
            .into_iter()
            .map(super::planning::CoverageCell)
            .collect())
    }
    /// Reports the plan expects: which units report what, for which period, by when.
    async fn report_schedules(&self, ctx: &Context<'_>) -> AppResult<Vec<ReportSchedule>> {
        ctx.caller()?;
        let rows = group(ctx.loaders().plan_schedules.load_one(self.0.id).await)?;
        Ok(rows.into_iter().map(ReportSchedule).collect())
    }
}

/// Where a recipient stands with its derived plan.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum DerivationStatus {
    /// No issued derived plan yet, and not yet due.
    Pending,
    /// The derived plan was issued on or before the due date.
    IssuedOnTime,
    /// The derived plan was issued after the due date.
    IssuedLate,
    /// No issued derived plan, and the due date has passed.
    Overdue,
    /// Handed to a successor unit when this one was reorganised, before deriving; see
    /// `reroutedTo`.
    Rerouted,
}

impl From<plans::DerivationStatus> for DerivationStatus {
    fn from(s: plans::DerivationStatus) -> Self {
        match s {
            plans::DerivationStatus::Pending => Self::Pending,
            plans::DerivationStatus::IssuedOnTime => Self::IssuedOnTime,
            plans::DerivationStatus::IssuedLate => Self::IssuedLate,
            plans::DerivationStatus::Overdue => Self::Overdue,
            plans::DerivationStatus::Rerouted => Self::Rerouted,
        }
    }
}

/// A unit that must derive its own plan from a parent plan by a date.
pub struct PlanRecipient(pub plan_recipient::Model);

/// A unit that must derive its own plan from a parent plan by a date.
#[Object]
impl PlanRecipient {
    /// The recipient unit.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// Date by which the derived plan is due.
    async fn derive_by(&self) -> Option<NaiveDate> {
        self.0.derive_by
    }
    /// Where this record comes from.
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
    /// Fields whose provenance differs from `provenance` (empty when none does).
    async fn field_provenance(&self) -> Vec<super::provenance::FieldProvenance> {
        super::provenance::fields(self.0.field_provenance.as_deref())
    }
    /// What in this record is not from the source, or other remarks.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The derived plan, once one exists and the caller may see it.
    async fn derived_plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        let Some(id) = self.0.derived_plan_id else {
            return Ok(None);
        };
        Ok(plans::get(ctx.db(), ctx.caller()?, id).await?.map(Plan))
    }
    /// Pending, issued on time, issued late or overdue, as of today.
    async fn derivation_status(&self, ctx: &Context<'_>) -> AppResult<DerivationStatus> {
        let derived = match self.0.derived_plan_id {
            Some(id) => ctx
                .loaders()
                .plan_states
                .load_one(id)
                .await
                .map_err(failed)?,
            None => None,
        };
        Ok(plans::recipient_status(&self.0, derived.as_ref(), ctx.today()).into())
    }
    /// The recipient row of the successor unit that took this derivation over when this unit
    /// was reorganised.
    async fn rerouted_to(&self, ctx: &Context<'_>) -> AppResult<Option<PlanRecipient>> {
        recipient(ctx, self.0.rerouted_to_id).await
    }
    /// The recipient row of the reorganised unit this one took over from.
    async fn rerouted_from(&self, ctx: &Context<'_>) -> AppResult<Option<PlanRecipient>> {
        recipient(ctx, self.0.rerouted_from_id).await
    }
    /// Day this row was handed to a successor, if it was.
    async fn rerouted_on(&self) -> Option<NaiveDate> {
        self.0.rerouted_on
    }
    /// Day a row taken over from a reorganised unit starts counting.
    async fn active_from(&self) -> Option<NaiveDate> {
        self.0.active_from
    }
}

/// A recipient row by id; the caller already sees the plan it belongs to.
async fn recipient(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> AppResult<Option<PlanRecipient>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loaders()
        .recipients
        .load_one(id)
        .await
        .map_err(super::loaders::failed)?
        .map(PlanRecipient))
}

/// What a plan expects units to report, for which period, by when.
pub struct ReportSchedule(pub report_schedule::Model);

/// What a plan expects units to report, for which period, by when.
#[Object]
impl ReportSchedule {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::ReportSchedule, self.0.id)
    }
    /// Kind of report expected.
    async fn kind(&self) -> ReportKind {
        self.0.kind.into()
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// First day of the reported period.
    async fn period_start(&self) -> NaiveDate {
        self.0.period_start
    }
    /// Last day of the reported period (data cut-off).
    async fn period_end(&self) -> NaiveDate {
        self.0.period_end
    }
    /// Date reports are due.
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }
    /// Where this record comes from.
    async fn provenance(&self) -> Provenance {
        self.0.provenance.into()
    }
    /// Unit the reports go to.
    async fn recipient_unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, self.0.recipient_unit_id).await
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The expected reports, one per reporting unit, with the report written for each.
    async fn obligations(&self, ctx: &Context<'_>) -> AppResult<Vec<Obligation>> {
        ctx.caller()?;
        let rows = group(ctx.loaders().schedule_obligations.load_one(self.0.id).await)?;
        Ok(rows.into_iter().map(Obligation).collect())
    }
    /// Units expected to report (one obligation each).
    async fn reporting_units(&self, ctx: &Context<'_>) -> AppResult<Vec<Unit>> {
        ctx.caller()?;
        let ids: Vec<uuid::Uuid> =
            group(ctx.loaders().schedule_obligations.load_one(self.0.id).await)?
                .into_iter()
                .map(|o| o.unit_id)
                .collect();
        let mut found = ctx.loaders().units.load_many(ids).await.map_err(failed)?;
        let mut units: Vec<_> = found.drain().map(|(_, u)| u).collect();
        units.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
        Ok(units.into_iter().map(Unit).collect())
    }
}

/// Filters for `plans`.
#[derive(InputObject, Default)]
pub struct PlanFilter {
    /// Plans issued in, addressed to, or assigned within this unit's subtree.
    pub unit: Option<ID>,
    /// Only these statuses. At most 1,000 items.
    pub statuses: Option<Vec<PlanStatus>>,
    /// Plans whose period overlaps this year.
    pub year: Option<i32>,
    /// Plans derived from this plan.
    pub parent: Option<ID>,
    /// Words of the number, title or motto; case and diacritics are ignored.
    pub search: Option<String>,
    /// Only records changed at or after this time (server clock). A time later than the
    /// server's clock is `BAD_USER_INPUT`.
    #[graphql(
        deprecation = "Use `changes`: a time from the device's clock misses changes, \
                             and records that enter or leave your view are not listed."
    )]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Default)]
pub struct PlanQuery;

#[Object]
impl PlanQuery {
    /// Plans the caller sees: issued in its scope, addressed to it, or with tasks assigned to it.
    async fn plans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned plan meets.")] filter: Option<PlanFilter>,
    ) -> AppResult<PlanConnection> {
        let caller = ctx.caller()?;
        let f = filter.unwrap_or_default();
        let filter = plans::PlanFilter {
            unit: id::decode_opt("filter.unit", NodeType::Unit, f.unit.as_ref())?,
            statuses: f
                .statuses
                .map(|ss| ss.into_iter().map(Into::into).collect()),
            year: f.year,
            parent: id::decode_opt("filter.parent", NodeType::Plan, f.parent.as_ref())?,
            search: f.search,
            updated_since: f.updated_since,
        };
        let page = plans::list(
            ctx.db(),
            caller,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(PlanConnection::from_page(page, Plan))
    }

    /// One plan by id; null when it does not exist or the caller may not see it.
    async fn plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the plan.")] id: ID,
    ) -> AppResult<Option<Plan>> {
        let caller = ctx.caller()?;
        let uuid = id::decode("id", NodeType::Plan, &id)?;
        Ok(plans::get(ctx.db(), caller, uuid).await?.map(Plan))
    }
}

/// One expected report: a unit must report for a schedule.
pub struct Obligation(pub report_obligation::Model);

/// One expected report: a unit must report for a schedule.
#[Object]
impl Obligation {
    /// Opaque id of the obligation, for `createReport`.
    async fn id(&self) -> ID {
        id::encode(NodeType::Obligation, self.0.id)
    }
    /// The unit that must report.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// The newest revision of the report written for this obligation, if the caller sees it.
    async fn report(&self, ctx: &Context<'_>) -> AppResult<Option<super::report::Report>> {
        ctx.caller()?;
        Ok(ctx
            .loaders()
            .obligation_reports
            .load_one(self.0.id)
            .await
            .map_err(super::loaders::failed)?
            .map(super::report::Report))
    }
    /// The obligation of the successor unit that took this one over when this unit was
    /// reorganised.
    async fn rerouted_to(&self, ctx: &Context<'_>) -> AppResult<Option<Obligation>> {
        obligation(ctx, self.0.rerouted_to_id).await
    }
    /// The reorganised unit's obligation this one took over.
    async fn rerouted_from(&self, ctx: &Context<'_>) -> AppResult<Option<Obligation>> {
        obligation(ctx, self.0.rerouted_from_id).await
    }
    /// Day this obligation was handed to a successor, if it was.
    async fn rerouted_on(&self) -> Option<NaiveDate> {
        self.0.rerouted_on
    }
    /// Day an obligation taken over from a reorganised unit starts counting.
    async fn active_from(&self) -> Option<NaiveDate> {
        self.0.active_from
    }
}

/// An obligation by id; the caller already sees the schedule it belongs to.
async fn obligation(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> AppResult<Option<Obligation>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loaders()
        .obligations
        .load_one(id)
        .await
        .map_err(super::loaders::failed)?
        .map(Obligation))
}
