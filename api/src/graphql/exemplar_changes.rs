//! Mutations of the "Dân vận khéo" register and its criteria catalogue. Who may take which
//! step is in `domain::exemplar_changes`; the rules are in `domain::exemplar_rules`.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;

use super::{
    ContextExt,
    enums::{ExemplarField, ExemplarKind, RecognitionForm, RecognitionLevel},
    exemplar::{Exemplar, ExemplarCriterion, ExemplarRecognition},
    id::{self, NodeType},
    live::publish,
};
use crate::{
    domain::exemplar_changes::{
        self as changes, CriterionPatch, NewCriterion, NewExemplar, NewRecognition, NewReplication,
        Verdict,
    },
    error::AppResult,
    events::EventKind,
};

/// A model or an exemplary collective or individual to register.
#[derive(InputObject)]
pub struct RegisterExemplarInput {
    /// The unit where it lives; you need a writing role (ADMIN, STEERING, UNIT_MANAGER,
    /// REPORTER, PARTNER) over it.
    pub unit_id: ID,
    /// Model, collective or individual.
    pub kind: ExemplarKind,
    /// The movement's field.
    pub field: ExemplarField,
    /// Name of the model, collective or person.
    pub name: String,
    /// What it does and achieves.
    pub description: Option<String>,
    /// The day it was registered (default today; not in the future).
    pub registered_on: Option<NaiveDate>,
}

/// One criterion's verdict.
#[derive(InputObject)]
pub struct CriterionVerdictInput {
    /// An active criterion of the entry's field or of all fields.
    pub criterion_id: ID,
    /// Met or not.
    pub met: bool,
    /// The assessor's note.
    pub note: Option<String>,
}

/// Verdicts on an entry against several criteria.
#[derive(InputObject)]
pub struct AssessExemplarInput {
    /// The entry.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// 1–100 verdicts, each criterion once; a criterion assessed before is reassessed.
    pub verdicts: Vec<CriterionVerdictInput>,
    /// The day of the assessment (default today; not in the future).
    pub assessed_on: Option<NaiveDate>,
}

/// A recognition to record.
#[derive(InputObject)]
pub struct RecogniseExemplarInput {
    /// The entry.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// Decision, Giấy khen, Bằng khen or Cờ thi đua.
    pub form: RecognitionForm,
    /// The level it is given at.
    pub level: RecognitionLevel,
    /// The unit that recognises it: the entry's unit or one above it; you need ADMIN, STEERING
    /// or UNIT_MANAGER over it.
    pub recognising_unit_id: ID,
    /// The decision in the legal registry.
    pub decision_document_id: Option<ID>,
    /// The day it was given (default today; not in the future).
    pub recognised_on: Option<NaiveDate>,
    /// Only with mandatory criteria unmet: why STEERING (or ADMIN) over the recognising unit
    /// recognises it nonetheless.
    pub override_reason: Option<String>,
}

/// Where to replicate a recognised entry.
#[derive(InputObject)]
pub struct ReplicateExemplarInput {
    /// The recognised entry replicated.
    pub source_id: ID,
    /// Another unit, where the copy lives; you need a writing role over it.
    pub unit_id: ID,
    /// The copy's name (default: the source's).
    pub name: Option<String>,
    /// The copy's description (default: the source's).
    pub description: Option<String>,
    /// The day it was registered (default today; not in the future).
    pub registered_on: Option<NaiveDate>,
}

/// An entry to retire.
#[derive(InputObject)]
pub struct RetireExemplarInput {
    /// The entry.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// Why it is no longer kept up.
    pub reason: String,
    /// The day it stopped (default today; not in the future, nor before its registration or
    /// first recognition).
    pub retired_on: Option<NaiveDate>,
}

/// A criterion to add to the catalogue.
#[derive(InputObject)]
pub struct CreateExemplarCriterionInput {
    /// Stable code, unique: 1–64 letters, digits, `.`, `_` or `-`.
    pub code: String,
    /// Name.
    pub name: String,
    /// What it asks.
    pub description: Option<String>,
    /// The field it applies in; omitted: every field.
    pub field: Option<ExemplarField>,
    /// Recognition needs it met (or a STEERING override).
    pub mandatory: bool,
}

/// Changes to a criterion.
#[derive(InputObject)]
pub struct UpdateExemplarCriterionInput {
    /// The criterion.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// Name.
    pub name: Option<String>,
    /// What it asks; null clears it.
    pub description: MaybeUndefined<String>,
    /// The field it applies in; null: every field.
    pub field: MaybeUndefined<ExemplarField>,
    /// Recognition needs it met.
    pub mandatory: Option<bool>,
    /// Inactive criteria no longer apply.
    pub active: Option<bool>,
}

/// The result of a mutation of an entry.
#[derive(SimpleObject)]
pub struct ExemplarPayload {
    /// The entry as it is now.
    pub exemplar: Exemplar,
}

/// The result of a recognition.
#[derive(SimpleObject)]
pub struct RecognitionPayload {
    /// The entry as it is now (RECOGNISED).
    pub exemplar: Exemplar,
    /// The recognition recorded.
    pub recognition: ExemplarRecognition,
}

/// The result of a mutation of the criteria catalogue.
#[derive(SimpleObject)]
pub struct ExemplarCriterionPayload {
    /// The criterion as it is now.
    pub criterion: ExemplarCriterion,
}

fn maybe<T, U>(value: MaybeUndefined<T>, map: impl FnOnce(T) -> U) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(map(v))),
    }
}

#[derive(Default)]
pub struct ExemplarMutation;

#[Object]
impl ExemplarMutation {
    /// Registers a "Dân vận khéo" model or exemplary collective or individual (REGISTERED).
    /// A writing role over its unit.
    async fn register_exemplar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry.")] input: RegisterExemplarInput,
    ) -> AppResult<ExemplarPayload> {
        let new = NewExemplar {
            unit: id::decode("input.unitId", NodeType::Unit, &input.unit_id)?,
            kind: input.kind.into(),
            field: input.field.into(),
            name: input.name,
            description: input.description,
            registered_on: input.registered_on,
        };
        let e = changes::register(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(ExemplarPayload {
            exemplar: Exemplar(e),
        })
    }

    /// Assesses an entry against several criteria at once (REGISTERED → ASSESSED). ADMIN,
    /// STEERING or UNIT_MANAGER over its unit.
    async fn assess_exemplar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry and the verdicts.")] input: AssessExemplarInput,
    ) -> AppResult<ExemplarPayload> {
        let id = id::decode("input.id", NodeType::Exemplar, &input.id)?;
        let verdicts = input
            .verdicts
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                Ok(Verdict {
                    criterion: id::decode(
                        &format!("input.verdicts[{i}].criterionId"),
                        NodeType::ExemplarCriterion,
                        &v.criterion_id,
                    )?,
                    met: v.met,
                    note: v.note,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let e = changes::assess(
            ctx.writer(),
            &ctx.actor()?,
            id,
            input.version,
            verdicts,
            input.assessed_on,
        )
        .await?;
        Ok(ExemplarPayload {
            exemplar: Exemplar(e),
        })
    }

    /// Recognises an entry (→ RECOGNISED): every mandatory criterion of its field must be
    /// assessed as met, or STEERING over the recognising unit overrides with a reason. ADMIN,
    /// STEERING or UNIT_MANAGER over the recognising unit. Notifies the entry's unit
    /// (`EXEMPLAR_RECOGNISED`).
    async fn recognise_exemplar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry and the recognition.")] input: RecogniseExemplarInput,
    ) -> AppResult<RecognitionPayload> {
        let id = id::decode("input.id", NodeType::Exemplar, &input.id)?;
        let new = NewRecognition {
            form: input.form.into(),
            level: input.level.into(),
            recognising_unit: id::decode(
                "input.recognisingUnitId",
                NodeType::Unit,
                &input.recognising_unit_id,
            )?,
            decision_document: id::decode_opt(
                "input.decisionDocumentId",
                NodeType::LegalDocument,
                input.decision_document_id.as_ref(),
            )?,
            recognised_on: input.recognised_on,
            override_reason: input.override_reason,
        };
        let done = changes::recognise(ctx.writer(), &ctx.actor()?, id, input.version, new).await?;
        let e = &done.exemplar;
        publish(
            ctx,
            EventKind::ExemplarRecognised,
            e.id,
            e.unit_id,
            None,
            Some(e.status.as_str()),
        )
        .await;
        Ok(RecognitionPayload {
            exemplar: Exemplar(done.exemplar),
            recognition: ExemplarRecognition(done.recognition),
        })
    }

    /// Replicates a recognised entry in another unit (nhân rộng): a new REGISTERED entry of the
    /// same kind and field, linked to its source, without its recognition. A writing role over
    /// the other unit.
    async fn replicate_exemplar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source and where the copy lives.")] input: ReplicateExemplarInput,
    ) -> AppResult<ExemplarPayload> {
        let source = id::decode("input.sourceId", NodeType::Exemplar, &input.source_id)?;
        let new = NewReplication {
            unit: id::decode("input.unitId", NodeType::Unit, &input.unit_id)?,
            name: input.name,
            description: input.description,
            registered_on: input.registered_on,
        };
        let e = changes::replicate(ctx.writer(), &ctx.actor()?, source, new).await?;
        Ok(ExemplarPayload {
            exemplar: Exemplar(e),
        })
    }

    /// Retires an entry with a reason (→ RETIRED); its history stays and it still counts in
    /// the periods it was active. ADMIN, STEERING or UNIT_MANAGER over its unit.
    async fn retire_exemplar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry and why.")] input: RetireExemplarInput,
    ) -> AppResult<ExemplarPayload> {
        let id = id::decode("input.id", NodeType::Exemplar, &input.id)?;
        let e = changes::retire(
            ctx.writer(),
            &ctx.actor()?,
            id,
            input.version,
            input.reason,
            input.retired_on,
        )
        .await?;
        Ok(ExemplarPayload {
            exemplar: Exemplar(e),
        })
    }

    /// Adds a criterion to the catalogue. ADMIN or STEERING of the province (a root unit).
    async fn create_exemplar_criterion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The criterion.")] input: CreateExemplarCriterionInput,
    ) -> AppResult<ExemplarCriterionPayload> {
        let new = NewCriterion {
            code: input.code,
            name: input.name,
            description: input.description,
            field: input.field.map(Into::into),
            mandatory: input.mandatory,
        };
        let c = changes::create_criterion(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(ExemplarCriterionPayload {
            criterion: ExemplarCriterion(c),
        })
    }

    /// Changes a criterion of the catalogue. ADMIN or STEERING of the province (a root unit).
    async fn update_exemplar_criterion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The criterion and its changes.")] input: UpdateExemplarCriterionInput,
    ) -> AppResult<ExemplarCriterionPayload> {
        let id = id::decode("input.id", NodeType::ExemplarCriterion, &input.id)?;
        let patch = CriterionPatch {
            name: input.name,
            description: maybe(input.description, |d| d),
            field: maybe(input.field, Into::into),
            mandatory: input.mandatory,
            active: input.active,
        };
        let c = changes::update_criterion(ctx.writer(), &ctx.actor()?, id, input.version, patch)
            .await?;
        Ok(ExemplarCriterionPayload {
            criterion: ExemplarCriterion(c),
        })
    }
}
