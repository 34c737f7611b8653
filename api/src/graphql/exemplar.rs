//! The "Dân vận khéo" register (content 5 of Plan 24-KH/BCĐ) as the caller may read it: models
//! and exemplary collectives and individuals, their assessments against the criteria catalogue,
//! their recognitions, and the register's counts for a unit's subtree and a period.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{exemplar as db, exemplar_assessment, exemplar_criterion, exemplar_recognition};

use super::{
    ContextExt,
    connection::{connection, page_args, wants_total},
    enums::{ExemplarField, ExemplarKind, ExemplarStatus, RecognitionForm, RecognitionLevel},
    id::{self, NodeType},
    legal::LegalDocument,
    loaders::failed,
    unit::{self, Unit},
};
use crate::{domain::exemplars, error::AppResult};

/// A model (mô hình) or an exemplary collective or individual (điển hình) of the "Dân vận khéo"
/// movement, in one unit and one field: REGISTERED → ASSESSED → RECOGNISED, or RETIRED with its
/// history kept.
pub struct Exemplar(pub db::Model);

connection!(
    ExemplarConnection,
    ExemplarEdge,
    Exemplar,
    "A page of \"Dân vận khéo\" entries.",
    "An entry in a page, with its cursor."
);

/// A model (mô hình) or an exemplary collective or individual (điển hình) of the "Dân vận khéo"
/// movement, in one unit and one field: REGISTERED → ASSESSED → RECOGNISED, or RETIRED with its
/// history kept.
#[Object]
impl Exemplar {
    /// Files on it (signed scans, minutes, photographs, rendered documents), oldest first.
    async fn attachments(&self, ctx: &Context<'_>) -> AppResult<Vec<super::files::Attachment>> {
        super::files::of_target(
            ctx,
            crate::domain::files::AttachmentTarget::Exemplar(self.0.id),
        )
        .await
    }
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Exemplar, self.0.id)
    }
    /// Model, collective or individual.
    async fn kind(&self) -> ExemplarKind {
        self.0.kind.into()
    }
    /// The movement's field it belongs to.
    async fn field(&self) -> ExemplarField {
        self.0.field.into()
    }
    /// Name of the model, collective or person.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it does and achieves.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Where it stands.
    async fn status(&self) -> ExemplarStatus {
        self.0.status.into()
    }
    /// The day it was registered.
    async fn registered_on(&self) -> NaiveDate {
        self.0.registered_on
    }
    /// The day of its first recognition.
    async fn recognised_on(&self) -> Option<NaiveDate> {
        self.0.recognised_on
    }
    /// The day it was retired; it counts in periods that start before this day.
    async fn retired_on(&self) -> Option<NaiveDate> {
        self.0.retired_on
    }
    /// Why it was retired.
    async fn retire_reason(&self) -> Option<&str> {
        self.0.retire_reason.as_deref()
    }
    /// Version for optimistic concurrency: send it back with any step.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The unit where it lives.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// The entry it replicates, when you may see it.
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Exemplar>> {
        let Some(source) = self.0.source_exemplar_id else {
            return Ok(None);
        };
        Ok(exemplars::get(ctx.db(), ctx.caller()?, source)
            .await?
            .map(Exemplar))
    }
    /// Global id of the entry it replicates (also when you may not see that entry).
    async fn source_id(&self) -> Option<ID> {
        self.0
            .source_exemplar_id
            .map(|s| id::encode(NodeType::Exemplar, s))
    }
    /// Its replications in units you may see, latest registered first.
    async fn replications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
    ) -> AppResult<ExemplarConnection> {
        let filter = exemplars::ExemplarFilter {
            source: Some(self.0.id),
            ..Default::default()
        };
        let page = exemplars::list(
            ctx.db(),
            ctx.caller()?,
            &filter,
            &page_args(first, after, None, None),
            wants_total(ctx),
        )
        .await?;
        Ok(ExemplarConnection::from_page(page, Exemplar))
    }
    /// Its verdicts against the criteria, in the order they were first assessed.
    async fn assessments(&self, ctx: &Context<'_>) -> AppResult<Vec<ExemplarAssessment>> {
        ctx.caller()?;
        Ok(exemplars::assessments(ctx.db(), self.0.id)
            .await?
            .into_iter()
            .map(ExemplarAssessment)
            .collect())
    }
    /// Codes of the active mandatory criteria of its field not assessed as met: recognition
    /// needs this list empty, or a STEERING override with a reason.
    async fn unmet_mandatory_criteria(&self, ctx: &Context<'_>) -> AppResult<Vec<String>> {
        ctx.caller()?;
        exemplars::unmet_mandatory(ctx.db(), &self.0).await
    }
    /// Its recognitions, oldest first.
    async fn recognitions(&self, ctx: &Context<'_>) -> AppResult<Vec<ExemplarRecognition>> {
        ctx.caller()?;
        Ok(exemplars::recognitions(ctx.db(), self.0.id)
            .await?
            .into_iter()
            .map(ExemplarRecognition)
            .collect())
    }
}

/// A criterion of the catalogue (tiêu chí) entries are assessed against.
pub struct ExemplarCriterion(pub exemplar_criterion::Model);

/// A criterion of the catalogue (tiêu chí) entries are assessed against.
#[Object]
impl ExemplarCriterion {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::ExemplarCriterion, self.0.id)
    }
    /// Stable code, unique in the catalogue.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it asks.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The field it applies in; null: every field.
    async fn field(&self) -> Option<ExemplarField> {
        self.0.field.map(Into::into)
    }
    /// Recognition needs it met (or a STEERING override).
    async fn mandatory(&self) -> bool {
        self.0.mandatory
    }
    /// An inactive criterion no longer applies; earlier verdicts are kept.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Whether an entry meets one criterion.
pub struct ExemplarAssessment(pub exemplar_assessment::Model);

/// Whether an entry meets one criterion.
#[Object]
impl ExemplarAssessment {
    /// The criterion.
    async fn criterion(&self, ctx: &Context<'_>) -> AppResult<Option<ExemplarCriterion>> {
        Ok(exemplars::criterion(ctx.db(), self.0.criterion_id)
            .await?
            .map(ExemplarCriterion))
    }
    /// Met or not.
    async fn met(&self) -> bool {
        self.0.met
    }
    /// The assessor's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The day of the latest verdict.
    async fn assessed_on(&self) -> NaiveDate {
        self.0.assessed_on
    }
}

/// A decision or award recognising an entry.
pub struct ExemplarRecognition(pub exemplar_recognition::Model);

/// A decision or award recognising an entry.
#[Object]
impl ExemplarRecognition {
    /// Opaque global id.
    async fn id(&self) -> ID {
        id::encode(NodeType::ExemplarRecognition, self.0.id)
    }
    /// Decision, Giấy khen, Bằng khen or Cờ thi đua.
    async fn form(&self) -> RecognitionForm {
        self.0.form.into()
    }
    /// Commune, district, province or central level.
    async fn level(&self) -> RecognitionLevel {
        self.0.level.into()
    }
    /// The day it was given.
    async fn recognised_on(&self) -> NaiveDate {
        self.0.recognised_on
    }
    /// Given by STEERING although a mandatory criterion was not met.
    async fn overridden(&self) -> bool {
        self.0.overridden
    }
    /// Why STEERING overrode the unmet criteria.
    async fn override_reason(&self) -> Option<&str> {
        self.0.override_reason.as_deref()
    }
    /// The unit that recognised it.
    async fn recognising_unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.recognising_unit_id)).await
    }
    /// The decision in the legal registry.
    async fn decision_document(&self, ctx: &Context<'_>) -> AppResult<Option<LegalDocument>> {
        let Some(doc) = self.0.decision_document_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .documents
            .load_one(doc)
            .await
            .map_err(failed)?
            .map(LegalDocument))
    }
}

/// Entries and how many of them count as recognised.
#[derive(SimpleObject, Clone, Copy)]
pub struct ExemplarTally {
    /// Entries on the register in the period (registered by its end, not retired on or before
    /// its start).
    pub entries: u64,
    /// Of them, recognised by the period's end.
    pub recognised: u64,
}

impl From<exemplars::Tally> for ExemplarTally {
    fn from(t: exemplars::Tally) -> Self {
        Self {
            entries: t.entries,
            recognised: t.recognised,
        }
    }
}

/// The register's count for one kind.
#[derive(SimpleObject)]
pub struct ExemplarKindCount {
    /// The kind.
    pub kind: ExemplarKind,
    /// Its entries.
    pub tally: ExemplarTally,
}

/// The register's count for one field.
#[derive(SimpleObject)]
pub struct ExemplarFieldCount {
    /// The field.
    pub field: ExemplarField,
    /// Its entries.
    pub tally: ExemplarTally,
}

/// How many entries stand in one status now.
#[derive(SimpleObject)]
pub struct ExemplarStatusCount {
    /// The status.
    pub status: ExemplarStatus,
    /// Entries in it.
    pub count: u64,
}

/// How many recognitions were given at one level in the period.
#[derive(SimpleObject)]
pub struct RecognitionLevelCount {
    /// The level.
    pub level: RecognitionLevel,
    /// Recognitions given.
    pub count: u64,
}

/// The "Dân vận khéo" register of a unit's subtree for a period.
pub struct ExemplarSummary(exemplars::Summary);

/// The "Dân vận khéo" register of a unit's subtree for a period. An entry counts as recognised
/// when recognised by the period's end and not retired on or before its start: a retired entry
/// still counts in the periods it was active.
#[Object]
impl ExemplarSummary {
    /// The unit whose subtree is counted.
    async fn unit(&self, ctx: &Context<'_>) -> AppResult<Option<Unit>> {
        unit::load(ctx, Some(self.0.unit_id)).await
    }
    /// First day of the period.
    async fn period_start(&self) -> NaiveDate {
        self.0.period_start
    }
    /// Last day of the period.
    async fn period_end(&self) -> NaiveDate {
        self.0.period_end
    }
    /// All entries on the register in the period.
    async fn total(&self) -> ExemplarTally {
        self.0.total.into()
    }
    /// Entries replicating another, registered in the period.
    async fn replicated(&self) -> u64 {
        self.0.replicated
    }
    /// By kind (kinds without entries left out).
    async fn by_kind(&self) -> Vec<ExemplarKindCount> {
        self.0
            .by_kind
            .values()
            .map(|(k, t)| ExemplarKindCount {
                kind: (*k).into(),
                tally: (*t).into(),
            })
            .collect()
    }
    /// By field (fields without entries left out).
    async fn by_field(&self) -> Vec<ExemplarFieldCount> {
        self.0
            .by_field
            .values()
            .map(|(f, t)| ExemplarFieldCount {
                field: (*f).into(),
                tally: (*t).into(),
            })
            .collect()
    }
    /// By current status, of the entries on the register in the period.
    async fn by_status(&self) -> Vec<ExemplarStatusCount> {
        self.0
            .by_status
            .values()
            .map(|(s, n)| ExemplarStatusCount {
                status: (*s).into(),
                count: *n,
            })
            .collect()
    }
    /// Recognitions given in the period, by level.
    async fn by_level(&self) -> Vec<RecognitionLevelCount> {
        self.0
            .by_level
            .values()
            .map(|(l, n)| RecognitionLevelCount {
                level: (*l).into(),
                count: *n,
            })
            .collect()
    }
}

/// Filters for `exemplars`.
#[derive(InputObject, Default)]
pub struct ExemplarFilter {
    /// Of a unit of this unit's subtree.
    pub unit: Option<ID>,
    /// Only these kinds. At most 1,000 items.
    pub kinds: Option<Vec<ExemplarKind>>,
    /// Only these fields. At most 1,000 items.
    pub fields: Option<Vec<ExemplarField>>,
    /// Only these statuses. At most 1,000 items.
    pub statuses: Option<Vec<ExemplarStatus>>,
    /// First recognised on or after this day.
    pub recognised_from: Option<NaiveDate>,
    /// First recognised on or before this day.
    pub recognised_to: Option<NaiveDate>,
    /// Words of the name or description; case and diacritics are ignored ("dan van kheo" finds
    /// "Dân vận khéo").
    pub search: Option<String>,
    /// Only records changed at or after this time (server clock). A later time than the
    /// server's clock is `BAD_USER_INPUT`.
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct ExemplarQuery;

#[Object]
impl ExemplarQuery {
    /// "Dân vận khéo" entries of units in your scope, latest registered first.
    async fn exemplars(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Conditions every returned entry meets.")] filter: Option<ExemplarFilter>,
    ) -> AppResult<ExemplarConnection> {
        let caller = ctx.caller()?;
        let f = filter.unwrap_or_default();
        let filter = exemplars::ExemplarFilter {
            unit: id::decode_opt("filter.unit", NodeType::Unit, f.unit.as_ref())?,
            kinds: f.kinds.map(|v| v.into_iter().map(Into::into).collect()),
            fields: f.fields.map(|v| v.into_iter().map(Into::into).collect()),
            statuses: f.statuses.map(|v| v.into_iter().map(Into::into).collect()),
            recognised_from: f.recognised_from,
            recognised_to: f.recognised_to,
            source: None,
            search: f.search,
            updated_since: f.updated_since,
        };
        let page = exemplars::list(
            ctx.db(),
            caller,
            &filter,
            &page_args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(ExemplarConnection::from_page(page, Exemplar))
    }

    /// One entry by id; null when it does not exist or you may not see it.
    async fn exemplar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the entry.")] id: ID,
    ) -> AppResult<Option<Exemplar>> {
        let caller = ctx.caller()?;
        let uuid = id::decode("id", NodeType::Exemplar, &id)?;
        Ok(exemplars::get(ctx.db(), caller, uuid).await?.map(Exemplar))
    }

    /// The criteria catalogue, by code.
    async fn exemplar_criteria(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Also list inactive criteria (default false).")] include_inactive: Option<
            bool,
        >,
    ) -> AppResult<Vec<ExemplarCriterion>> {
        ctx.caller()?;
        Ok(
            exemplars::criteria(ctx.db(), include_inactive.unwrap_or(false))
                .await?
                .into_iter()
                .map(ExemplarCriterion)
                .collect(),
        )
    }

    /// The "Dân vận khéo" register of a unit's subtree for a period: entries by kind, field and
    /// status, how many count as recognised, recognitions by level. The unit must lie in your
    /// scope.
    async fn exemplar_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit whose subtree is counted.")] unit_id: ID,
        #[graphql(desc = "First day of the period.")] period_start: NaiveDate,
        #[graphql(desc = "Last day of the period.")] period_end: NaiveDate,
    ) -> AppResult<ExemplarSummary> {
        let unit = id::decode("unitId", NodeType::Unit, &unit_id)?;
        Ok(ExemplarSummary(
            exemplars::summary(ctx.db(), ctx.caller()?, unit, period_start, period_end).await?,
        ))
    }
}
