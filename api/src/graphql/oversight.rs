//! Inspections and supervisions (kiểm tra, giám sát), their findings, recommendations and
//! remedial actions, as the caller may read them (see `domain::oversights` for who sees what).

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{oversight as db, oversight_finding, recommendation, remedial_action};

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::{FindingKind, OversightCadence, OversightKind, OversightStatus, RecommendationStatus},
    id::{self, NodeType},
    legal::LegalDocument,
    loaders::failed,
    task::Task,
    unit::{self, Unit},
};
use crate::{
    domain::{oversight_summary as summary, oversights},
    error::AppResult,
};

/// An inspection or supervision (cuộc kiểm tra, giám sát) a unit conducts of target units:
/// content 6 of Plan 24-KH/BCĐ. PLANNED → IN_PROGRESS → CONCLUDED → CLOSED (when every
/// recommendation is verified or waived), or CANCELLED with a reason.
pub struct Oversight(pub db::Model);

connection!(
    OversightConnection,
    OversightEdge,
    Oversight,
    "A page of oversights.",
    "An oversight in a page, with its cursor."
);

async fn document(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> AppResult<Option<LegalDocument>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loaders()
        .documents
        .load_one(id)
        .await
        .map_err(failed)?
        .map(LegalDocument))
}

/// An inspection or supervision (cuộc kiểm tra, giám sát) a unit conducts of target units:
/// content 6 of Plan 24-KH/BCĐ. PLANNED → IN_PROGRESS → CONCLUDED → CLOSED (when every
/// recommendation is verified or waived), or CANCELLED with a reason.
#[Object]
impl Oversight {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Oversight, self.0.id)
    }
    /// Inspection or supervision.
    async fn kind(&self) -> OversightKind {
        self.0.kind.into()
    }
    /// Periodic, regular or ad hoc.
    async fn cadence(&self) -> OversightCadence {
        self.0.cadence.into()
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What is examined (nội dung).
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// Where it stands.
    async fn status(&self) -> OversightStatus {
        self.0.status.into()
    }
    /// Why it was cancelled or last reopened.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// First planned day.
    async fn planned_start(&self) -> NaiveDate {
        self.0.planned_start
    }
    /// Last planned day.
    async fn planned_end(&self) -> NaiveDate {
        self.0.planned_end
    }
    /// The day it started (province's calendar).
    async fn started_on(&self) -> Option<NaiveDate> {
        self.0.started_on
    }
    /// The day it was concluded.
    async fn concluded_on(&self) -> Option<NaiveDate> {
        self.0.concluded_on
    }
    /// Version for optimistic concurrency: send it back with any step.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The unit that inspects or supervises.
    async fn conducting_unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.conducting_unit_id)).await
    }
    /// The units inspected or supervised.
    async fn targets(&self, ctx: &Context<'_>) -> AppResult<Vec<Unit>> {
        ctx.caller()?;
        let mut units = Vec::new();
        for t in oversights::targets(ctx.db(), self.0.id).await? {
            if let Some(u) = unit::load(ctx, Some(t.unit_id)).await? {
                units.push(u);
            }
        }
        Ok(units)
    }
    /// The plan's task it carries out (content 6).
    async fn task(&self, ctx: &Context<'_>) -> AppResult<Option<Task>> {
        let Some(task) = self.0.task_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .tasks
            .load_one(task)
            .await
            .map_err(failed)?
            .map(Task))
    }
    /// The oversight plan it belongs to (kế hoạch kiểm tra, giám sát), e.g. `30-KH/BCĐ`.
    async fn programme_document(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        document(ctx, self.0.programme_document_id).await
    }
    /// The decision to conduct it (quyết định kiểm tra, giám sát).
    async fn decision_document(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        document(ctx, self.0.decision_document_id).await
    }
    /// The conclusion (thông báo kết luận).
    async fn conclusion_document(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        document(ctx, self.0.conclusion_document_id).await
    }
    /// Findings you may read: all from the conducting side, your own units' as a target.
    async fn findings(&self, ctx: &Context<'_>) -> AppResult<Vec<OversightFinding>> {
        Ok(oversights::findings(ctx.db(), ctx.caller()?, &self.0)
            .await?
            .into_iter()
            .map(OversightFinding)
            .collect())
    }
    /// Recommendations you may read: all from the conducting side, those addressed to your
    /// units otherwise. Earliest due first.
    async fn recommendations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
    ) -> AppResult<RecommendationConnection> {
        let filter = oversights::RecommendationFilter {
            oversight: Some(self.0.id),
            ..Default::default()
        };
        let page = oversights::list_recommendations(
            ctx.db(),
            ctx.caller()?,
            &filter,
            &page_args(first, after, None, None),
            wants_total(ctx),
        )
        .await?;
        Ok(RecommendationConnection::from_page(page, Recommendation))
    }
}

/// What an oversight found at one of its targets.
pub struct OversightFinding(pub oversight_finding::Model);

/// What an oversight found at one of its targets.
#[Object]
impl OversightFinding {
    /// Files on it (signed scans, minutes, photographs, rendered documents), oldest first.
    async fn attachments(&self, ctx: &Context<'_>) -> AppResult<Vec<super::files::Attachment>> {
        super::files::of_target(
            ctx,
            crate::domain::files::AttachmentTarget::Finding(self.0.id),
        )
        .await
    }
    /// Opaque global id.
    async fn id(&self) -> ID {
        id::encode(NodeType::OversightFinding, self.0.id)
    }
    /// Strength, limitation, cause, lesson or violation.
    async fn kind(&self) -> FindingKind {
        self.0.kind.into()
    }
    /// What was found.
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// The target it is about.
    async fn target(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.target_unit_id)).await
    }
    /// Global id of the limitation or violation a cause explains.
    async fn explains_id(&self) -> Option<ID> {
        self.0
            .explains_id
            .map(|f| id::encode(NodeType::OversightFinding, f))
    }
    /// Amount involved in a violation, in đồng (VND): a whole number up to 10^15, as a Float
    /// since GraphQL's Int stops at 2^31 − 1.
    async fn amount_vnd(&self) -> Option<f64> {
        self.0.amount_vnd.map(|a| a as f64)
    }
    /// Land involved in a violation, in m².
    async fn land_m2(&self) -> Option<f64> {
        self.0.land_m2
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A recommendation (kiến nghị) an oversight addresses to a unit, with a due date, followed until
/// verified or waived: OPEN → ACCEPTED or DISPUTED → IN_PROGRESS → REPORTED_DONE → VERIFIED, or
/// REOPENED with a new due date, or WAIVED with a reason.
pub struct Recommendation(pub recommendation::Model);

connection!(
    RecommendationConnection,
    RecommendationEdge,
    Recommendation,
    "A page of recommendations.",
    "A recommendation in a page, with its cursor."
);

/// A recommendation (kiến nghị) an oversight addresses to a unit, with a due date, followed until
/// verified or waived: OPEN → ACCEPTED or DISPUTED → IN_PROGRESS → REPORTED_DONE → VERIFIED, or
/// REOPENED with a new due date, or WAIVED with a reason.
#[Object]
impl Recommendation {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Recommendation, self.0.id)
    }
    /// What is to be remedied.
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// Where it stands.
    async fn status(&self) -> RecommendationStatus {
        self.0.status.into()
    }
    /// The day by which it is to be remedied (a later one after a reopening).
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }
    /// Past its due day on the province's calendar (Asia/Ho_Chi_Minh) while its oversight
    /// stands concluded and the remedy is still owed; a remedy reported done is not overdue
    /// while it awaits verification.
    async fn is_overdue(&self, ctx: &Context<'_>) -> AppResult<bool> {
        oversights::is_overdue(ctx.db(), &self.0, ctx.today()).await
    }
    /// The addressee's answer (its reason when disputing).
    async fn response(&self) -> Option<&str> {
        self.0.response.as_deref()
    }
    /// The conducting side's reason to reopen or waive.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// How many times the remedy was found not effective.
    async fn reopen_count(&self) -> i32 {
        self.0.reopen_count
    }
    /// When the addressee reported it remedied.
    async fn reported_done_at(&self) -> Option<DateTime<Utc>> {
        self.0.reported_done_at
    }
    /// When it was verified or waived.
    async fn settled_at(&self) -> Option<DateTime<Utc>> {
        self.0.settled_at
    }
    /// Version for optimistic concurrency: send it back with any step.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The unit that must remedy.
    async fn addressee(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.addressee_unit_id)).await
    }
    /// The oversight that issued it.
    async fn oversight(&self, ctx: &Context<'_>) -> AppResult<Option<Oversight>> {
        Ok(
            oversights::get(ctx.db(), ctx.caller()?, self.0.oversight_id)
                .await?
                .map(Oversight),
        )
    }
    /// Global id of the finding it answers.
    async fn finding_id(&self) -> Option<ID> {
        self.0
            .finding_id
            .map(|f| id::encode(NodeType::OversightFinding, f))
    }
    /// What the addressee does about it, oldest first.
    async fn remedial_actions(&self, ctx: &Context<'_>) -> AppResult<Vec<RemedialAction>> {
        ctx.caller()?;
        Ok(oversights::remedial_actions(ctx.db(), self.0.id)
            .await?
            .into_iter()
            .map(RemedialAction)
            .collect())
    }
}

/// What the addressee does about a recommendation (biện pháp khắc phục).
pub struct RemedialAction(pub remedial_action::Model);

/// What the addressee does about a recommendation (biện pháp khắc phục).
#[Object]
impl RemedialAction {
    /// Files on it (signed scans, minutes, photographs, rendered documents), oldest first.
    async fn attachments(&self, ctx: &Context<'_>) -> AppResult<Vec<super::files::Attachment>> {
        super::files::of_target(
            ctx,
            crate::domain::files::AttachmentTarget::RemedialAction(self.0.id),
        )
        .await
    }
    /// Opaque global id.
    async fn id(&self) -> ID {
        id::encode(NodeType::RemedialAction, self.0.id)
    }
    /// What is done.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Who carries it out.
    async fn owner(&self) -> &str {
        &self.0.owner
    }
    /// Progress in percent (0–100).
    async fn progress(&self) -> i32 {
        i32::from(self.0.progress)
    }
    /// What proves it was done.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }
    /// The day it is due, if set.
    async fn due_on(&self) -> Option<NaiveDate> {
        self.0.due_on
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Filters for `oversights`.
#[derive(InputObject, Default)]
pub struct OversightFilter {
    /// Conducted by or targeting a unit of this unit's subtree.
    pub unit: Option<ID>,
    /// Conducted by a unit of this unit's subtree.
    pub conducting_unit: Option<ID>,
    /// Targeting a unit of this unit's subtree.
    pub target: Option<ID>,
    /// Only these kinds. At most 1,000 items.
    pub kinds: Option<Vec<OversightKind>>,
    /// Only these cadences. At most 1,000 items.
    pub cadences: Option<Vec<OversightCadence>>,
    /// Only these statuses. At most 1,000 items.
    pub statuses: Option<Vec<OversightStatus>>,
    /// Planned to end on or after this day.
    pub from: Option<NaiveDate>,
    /// Planned to start on or before this day.
    pub to: Option<NaiveDate>,
    /// Words of the title or subject; case and diacritics are ignored.
    pub search: Option<String>,
    /// Only records changed at or after this time (server clock). A later time than the
    /// server's clock is `BAD_USER_INPUT`.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Filters for `recommendations`.
#[derive(InputObject, Default)]
pub struct RecommendationFilter {
    /// Only those of this oversight.
    pub oversight: Option<ID>,
    /// Addressed to a unit of this unit's subtree.
    pub addressee: Option<ID>,
    /// Only these statuses. At most 1,000 items.
    pub statuses: Option<Vec<RecommendationStatus>>,
    /// Only overdue ones (true), or only those not overdue (false), today on the province's
    /// calendar.
    pub overdue: Option<bool>,
    /// Due on or after this day.
    pub due_from: Option<NaiveDate>,
    /// Due on or before this day.
    pub due_to: Option<NaiveDate>,
    /// Words of the statement; case and diacritics are ignored.
    pub search: Option<String>,
    /// Only records changed at or after this time (server clock).
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct OversightQuery;

#[Object]
impl OversightQuery {
    /// Oversights conducted by or targeting units in your scope, latest planned start first.
    async fn oversights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned oversight meets.")] filter: Option<
            OversightFilter,
        >,
    ) -> AppResult<OversightConnection> {
        let caller = ctx.caller()?;
        let f = filter.unwrap_or_default();
        let filter = oversights::OversightFilter {
            unit: id::decode_opt("filter.unit", NodeType::Unit, f.unit.as_ref())?,
            conducting: id::decode_opt(
                "filter.conductingUnit",
                NodeType::Unit,
                f.conducting_unit.as_ref(),
            )?,
            target: id::decode_opt("filter.target", NodeType::Unit, f.target.as_ref())?,
            kinds: f.kinds.map(|v| v.into_iter().map(Into::into).collect()),
            cadences: f.cadences.map(|v| v.into_iter().map(Into::into).collect()),
            statuses: f.statuses.map(|v| v.into_iter().map(Into::into).collect()),
            from: f.from,
            to: f.to,
            search: f.search,
            updated_since: f.updated_since,
        };
        let page = oversights::list(
            ctx.db(),
            caller,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(OversightConnection::from_page(page, Oversight))
    }

    /// One oversight by id; null when it does not exist or you may not see it.
    async fn oversight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the oversight.")] id: ID,
    ) -> AppResult<Option<Oversight>> {
        let caller = ctx.caller()?;
        let uuid = id::decode("id", NodeType::Oversight, &id)?;
        Ok(oversights::get(ctx.db(), caller, uuid)
            .await?
            .map(Oversight))
    }

    /// Recommendations of oversights you conduct or addressed to your units, earliest due first.
    async fn recommendations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned recommendation meets.")] filter: Option<
            RecommendationFilter,
        >,
    ) -> AppResult<RecommendationConnection> {
        let caller = ctx.caller()?;
        let f = filter.unwrap_or_default();
        let filter = oversights::RecommendationFilter {
            oversight: id::decode_opt(
                "filter.oversight",
                NodeType::Oversight,
                f.oversight.as_ref(),
            )?,
            addressee: id::decode_opt("filter.addressee", NodeType::Unit, f.addressee.as_ref())?,
            statuses: f.statuses.map(|v| v.into_iter().map(Into::into).collect()),
            overdue: f.overdue,
            due_from: f.due_from,
            due_to: f.due_to,
            search: f.search,
            updated_since: f.updated_since,
        };
        let page = oversights::list_recommendations(
            ctx.db(),
            caller,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(RecommendationConnection::from_page(page, Recommendation))
    }
}

/// How many of one kind, cadence or status.
#[derive(async_graphql::SimpleObject)]
pub struct OversightCount {
    /// The stored value, e.g. `INSPECTION`, `AD_HOC`, `CLOSED`, `VIOLATION`.
    pub key: String,
    /// How many.
    pub count: u64,
}

fn counts(
    keys: impl IntoIterator<Item = &'static str>,
    found: &std::collections::BTreeMap<&'static str, u64>,
) -> Vec<OversightCount> {
    keys.into_iter()
        .map(|key| OversightCount {
            key: key.to_owned(),
            count: found.get(key).copied().unwrap_or(0),
        })
        .collect()
}

/// Oversights a unit's subtree conducted in a period (started in it, or planned to overlap it
/// when not started), their findings and the follow-up of their recommendations.
pub struct OversightSummary(summary::OversightSummary);

/// Oversights a unit's subtree conducted in a period (started in it, or planned to overlap it
/// when not started), their findings and the follow-up of their recommendations.
#[Object]
impl OversightSummary {
    /// The unit whose subtree is counted.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit)).await
    }
    /// Oversights counted.
    async fn oversights(&self) -> u64 {
        self.0.oversights
    }
    /// By kind (INSPECTION, SUPERVISION), zeros included.
    async fn by_kind(&self) -> Vec<OversightCount> {
        counts(summary::all_keys().0, &self.0.by_kind)
    }
    /// By cadence (PERIODIC, REGULAR, AD_HOC), zeros included.
    async fn by_cadence(&self) -> Vec<OversightCount> {
        counts(summary::all_keys().1, &self.0.by_cadence)
    }
    /// By status, zeros included.
    async fn by_status(&self) -> Vec<OversightCount> {
        counts(summary::all_keys().2, &self.0.by_status)
    }
    /// Distinct units inspected or supervised.
    async fn units_overseen(&self) -> u64 {
        self.0.units_overseen
    }
    /// Findings by kind (only kinds found).
    async fn findings_by_kind(&self) -> Vec<OversightCount> {
        self.0
            .findings_by_kind
            .iter()
            .map(|(k, n)| OversightCount {
                key: (*k).to_owned(),
                count: *n,
            })
            .collect()
    }
    /// Amounts involved in violations, in đồng.
    async fn violation_amount_vnd(&self) -> f64 {
        self.0.violation_amount_vnd as f64
    }
    /// Land involved in violations, in m².
    async fn violation_land_m2(&self) -> f64 {
        self.0.violation_land_m2
    }
    /// Recommendations of concluded or closed oversights.
    async fn recommendations_issued(&self) -> u64 {
        self.0.recommendations_issued
    }
    /// Of those, verified.
    async fn recommendations_verified(&self) -> u64 {
        self.0.recommendations_verified
    }
    /// Of those, waived.
    async fn recommendations_waived(&self) -> u64 {
        self.0.recommendations_waived
    }
    /// Of those, overdue today (province's calendar).
    async fn recommendations_overdue(&self) -> u64 {
        self.0.recommendations_overdue
    }
    /// Verified over issued, in percent (0–100); null when none was issued.
    async fn remediation_rate(&self) -> Option<f64> {
        self.0.remediation_rate
    }
}

/// A report whose indicator value differs from what the registry holds for its unit and period.
pub struct RegistryMismatch(crate::domain::registry_check::Mismatch);

/// A report whose indicator value differs from what the registry holds for its unit and period.
#[Object]
impl RegistryMismatch {
    /// The report.
    async fn report(&self) -> super::report::Report {
        super::report::Report(self.0.report.clone())
    }
    /// The indicator, e.g. `C6.INSPECTIONS`.
    async fn indicator(&self) -> super::indicator::Indicator {
        super::indicator::Indicator(self.0.indicator.clone())
    }
    /// The value the report states.
    async fn reported(&self) -> f64 {
        self.0.reported
    }
    /// What the registry counts for the report's unit (its subtree) and period.
    async fn registered(&self) -> f64 {
        self.0.registered as f64
    }
}

/// The registry checked against reported indicator values.
pub struct RegistryCheck(crate::domain::registry_check::RegistryCheck);

/// The registry checked against reported indicator values.
#[Object]
impl RegistryCheck {
    /// Values compared.
    async fn checked(&self) -> u64 {
        self.0.checked
    }
    /// The reports whose values differ.
    async fn mismatches(&self) -> Vec<RegistryMismatch> {
        self.0
            .mismatches
            .iter()
            .cloned()
            .map(RegistryMismatch)
            .collect()
    }
}

#[derive(Default)]
pub struct OversightRollupQuery;

#[Object]
impl OversightRollupQuery {
    /// Oversights of a unit's subtree in a period: by kind, cadence and status, units overseen,
    /// findings, and the remediation rate (verified over issued recommendations).
    async fn oversight_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit whose subtree is counted.")] unit_id: ID,
        #[graphql(desc = "First day of the period.")] period_from: NaiveDate,
        #[graphql(desc = "Last day of the period.")] period_to: NaiveDate,
    ) -> AppResult<OversightSummary> {
        let unit = id::decode("unitId", NodeType::Unit, &unit_id)?;
        Ok(OversightSummary(
            summary::summary(ctx.db(), ctx.caller()?, unit, period_from, period_to).await?,
        ))
    }

    /// Checks the indicator values of submitted and approved reports of a unit's subtree whose
    /// period lies in the window against what the registry holds for each report's unit and
    /// period (`C6.INSPECTIONS`: oversights started; `C6.UNITS_INSPECTED`: distinct targets;
    /// `C6.VIOLATIONS`: violations found), in the style of DHIS2 validation rules.
    async fn registry_check(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit whose subtree's reports are checked.")] unit_id: ID,
        #[graphql(desc = "Reports whose period starts on or after this day…")]
        period_from: NaiveDate,
        #[graphql(desc = "…and ends on or before this day.")] period_to: NaiveDate,
    ) -> AppResult<RegistryCheck> {
        let unit = id::decode("unitId", NodeType::Unit, &unit_id)?;
        Ok(RegistryCheck(
            crate::domain::registry_check::check(
                ctx.db(),
                ctx.caller()?,
                unit,
                period_from,
                period_to,
            )
            .await?,
        ))
    }
}
