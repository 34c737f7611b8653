//! Mutations of oversights and their follow-up. Who may take which step is in
//! `domain::overseeing` (sides) and `domain::oversight_workflow` (the tables).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    ContextExt,
    enums::{FindingKind, OversightCadence, OversightKind},
    id::{self, NodeType},
    live::publish,
    oversight::{Oversight, OversightFinding, Recommendation, RemedialAction},
};
use crate::{
    domain::{
        overseeing::{self, NewFinding, NewOversight, NewRecommendation, NewRemedialAction},
        oversight_workflow::{OversightStep, RecommendationStep},
    },
    error::AppResult,
    events::EventKind,
};

/// An oversight to plan.
#[derive(InputObject)]
pub struct CreateOversightInput {
    /// The unit that inspects or supervises; you need ADMIN, STEERING or UNIT_MANAGER over it.
    pub conducting_unit_id: ID,
    /// Inspection or supervision.
    pub kind: OversightKind,
    /// Periodic, regular or ad hoc.
    pub cadence: OversightCadence,
    /// Title.
    pub title: String,
    /// What is examined.
    pub subject: Option<String>,
    /// The plan's task of content 6 it carries out.
    pub task_id: Option<ID>,
    /// The oversight plan (kế hoạch kiểm tra, giám sát) in the legal registry, e.g. `30-KH/BCĐ`.
    pub programme_document_id: Option<ID>,
    /// The decision to conduct it, in the legal registry.
    pub decision_document_id: Option<ID>,
    /// First planned day.
    pub planned_start: NaiveDate,
    /// Last planned day (not before the first).
    pub planned_end: NaiveDate,
    /// The units inspected or supervised (1–200, distinct): open units within the territory of
    /// the conducting unit's parent, never the conducting unit itself.
    pub target_unit_ids: Vec<ID>,
}

/// An oversight, the version you last read, and what the step needs.
#[derive(InputObject)]
pub struct OversightStepInput {
    /// The oversight.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// Why (required to reopen or cancel).
    pub reason: Option<String>,
    /// The conclusion document in the legal registry (when concluding).
    pub conclusion_document_id: Option<ID>,
}

/// A finding to record about one target.
#[derive(InputObject)]
pub struct RecordFindingInput {
    /// An oversight under way that you conduct.
    pub oversight_id: ID,
    /// One of its targets.
    pub target_unit_id: ID,
    /// Strength, limitation, cause, lesson or violation.
    pub kind: FindingKind,
    /// What was found.
    pub statement: String,
    /// For a cause: the limitation or violation of the same target it explains.
    pub explains_id: Option<ID>,
    /// For a violation: the amount involved in đồng (VND), a whole number from 0 to 10^15
    /// (a Float, since GraphQL's Int stops at 2^31 − 1).
    pub amount_vnd: Option<f64>,
    /// For a violation: the land involved in m², not negative.
    pub land_m2: Option<f64>,
}

/// A recommendation to record; it is issued when the oversight concludes.
#[derive(InputObject)]
pub struct IssueRecommendationInput {
    /// An oversight under way that you conduct.
    pub oversight_id: ID,
    /// The unit that must remedy: within the territory of the conducting unit's parent.
    pub addressee_unit_id: ID,
    /// What is to be remedied.
    pub statement: String,
    /// The day by which.
    pub due_on: NaiveDate,
    /// The finding it answers.
    pub finding_id: Option<ID>,
}

/// A recommendation, the version you last read, and what the step needs.
#[derive(InputObject)]
pub struct RecommendationStepInput {
    /// The recommendation.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// Why (required to dispute, reopen or waive; a note when accepting).
    pub reason: Option<String>,
    /// The new due day, after today (required to reopen).
    pub due_on: Option<NaiveDate>,
}

/// A remedial action to record.
#[derive(InputObject)]
pub struct AddRemedialActionInput {
    /// A recommendation addressed to your unit, accepted, disputed, in progress or reopened.
    pub recommendation_id: ID,
    /// What is done.
    pub description: String,
    /// Who carries it out.
    pub owner: String,
    /// The day it is due.
    pub due_on: Option<NaiveDate>,
    /// Progress in percent, 0–100 (default 0).
    pub progress: Option<i32>,
    /// What proves it was done.
    pub evidence: Option<String>,
}

/// Changes to a remedial action.
#[derive(InputObject)]
pub struct UpdateRemedialActionInput {
    /// The action.
    pub id: ID,
    /// The version you last read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// What is done.
    pub description: Option<String>,
    /// Progress in percent, 0–100.
    pub progress: Option<i32>,
    /// What proves it was done; empty clears it.
    pub evidence: Option<String>,
}

/// The result of an oversight mutation.
#[derive(SimpleObject)]
pub struct OversightPayload {
    /// The oversight as it is now.
    pub oversight: Oversight,
}

/// The result of recording a finding.
#[derive(SimpleObject)]
pub struct FindingPayload {
    /// The finding.
    pub finding: OversightFinding,
}

/// The result of a recommendation mutation.
#[derive(SimpleObject)]
pub struct RecommendationPayload {
    /// The recommendation as it is now.
    pub recommendation: Recommendation,
    /// Its oversight as it is now (CLOSED once every recommendation is verified or waived).
    pub oversight: Oversight,
}

/// The result of a remedial-action mutation.
#[derive(SimpleObject)]
pub struct RemedialActionPayload {
    /// The action as it is now.
    pub remedial_action: RemedialAction,
}

/// An amount in đồng as stored: a whole number from 0 to 10^15 (the bound indicator amounts
/// have), or `BAD_USER_INPUT` on `input.amountVnd`.
fn whole_dong(amount: f64) -> AppResult<i64> {
    if amount.is_finite() && amount.fract() == 0.0 && (0.0..=1e15).contains(&amount) {
        Ok(amount as i64)
    } else {
        Err(crate::error::AppError::bad_input(
            "input.amountVnd",
            "an amount in đồng is a whole number from 0 to 10^15",
        ))
    }
}

fn decode_opt(field: &str, kind: NodeType, value: Option<&ID>) -> AppResult<Option<Uuid>> {
    id::decode_opt(field, kind, value)
}

#[derive(Default)]
pub struct OverseeingMutation;

impl OverseeingMutation {
    async fn oversight_step(
        ctx: &Context<'_>,
        input: OversightStepInput,
        step: OversightStep,
    ) -> AppResult<OversightPayload> {
        let id = id::decode("input.id", NodeType::Oversight, &input.id)?;
        let given = overseeing::OversightStepInput {
            reason: input.reason,
            conclusion_document: decode_opt(
                "input.conclusionDocumentId",
                NodeType::LegalDocument,
                input.conclusion_document_id.as_ref(),
            )?,
        };
        let stepped =
            overseeing::step(ctx.writer(), &ctx.actor()?, id, input.version, step, given).await?;
        let o = stepped.oversight;
        publish(
            ctx,
            EventKind::OversightChanged,
            o.id,
            o.conducting_unit_id,
            o.plan_id,
            Some(o.status.as_str()),
        )
        .await;
        for r in stepped.issued {
            publish(
                ctx,
                EventKind::RecommendationIssued,
                r.id,
                r.addressee_unit_id,
                o.plan_id,
                Some(r.status.as_str()),
            )
            .await;
        }
        Ok(OversightPayload {
            oversight: Oversight(o),
        })
    }

    async fn recommendation_step(
        ctx: &Context<'_>,
        input: RecommendationStepInput,
        step: RecommendationStep,
    ) -> AppResult<RecommendationPayload> {
        let id = id::decode("input.id", NodeType::Recommendation, &input.id)?;
        let stepped = overseeing::step_recommendation(
            ctx.writer(),
            &ctx.actor()?,
            id,
            input.version,
            step,
            input.reason,
            input.due_on,
        )
        .await?;
        let (r, o) = (&stepped.recommendation, &stepped.oversight);
        let (kind, unit) = match step {
            RecommendationStep::ReportDone => {
                (EventKind::RecommendationReportedDone, o.conducting_unit_id)
            }
            RecommendationStep::Reopen => (EventKind::RecommendationReopened, r.addressee_unit_id),
            _ => (EventKind::OversightChanged, o.conducting_unit_id),
        };
        let entity = if kind == EventKind::OversightChanged {
            o.id
        } else {
            r.id
        };
        publish(ctx, kind, entity, unit, o.plan_id, Some(r.status.as_str())).await;
        Ok(RecommendationPayload {
            recommendation: Recommendation(stepped.recommendation),
            oversight: Oversight(stepped.oversight),
        })
    }
}

#[Object]
impl OverseeingMutation {
    /// Plans an inspection or supervision (PLANNED) of target units (ADMIN, STEERING or
    /// UNIT_MANAGER over the conducting unit).
    async fn create_oversight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The oversight.")] input: CreateOversightInput,
    ) -> AppResult<OversightPayload> {
        let targets = input
            .target_unit_ids
            .iter()
            .enumerate()
            .map(|(i, t)| id::decode(&format!("input.targetUnitIds[{i}]"), NodeType::Unit, t))
            .collect::<AppResult<Vec<_>>>()?;
        let new = NewOversight {
            conducting_unit: id::decode(
                "input.conductingUnitId",
                NodeType::Unit,
                &input.conducting_unit_id,
            )?,
            kind: input.kind.into(),
            cadence: input.cadence.into(),
            title: input.title,
            subject: input.subject,
            task: decode_opt("input.taskId", NodeType::Task, input.task_id.as_ref())?,
            programme_document: decode_opt(
                "input.programmeDocumentId",
                NodeType::LegalDocument,
                input.programme_document_id.as_ref(),
            )?,
            decision_document: decode_opt(
                "input.decisionDocumentId",
                NodeType::LegalDocument,
                input.decision_document_id.as_ref(),
            )?,
            planned_start: input.planned_start,
            planned_end: input.planned_end,
            targets,
        };
        let o = overseeing::create(ctx.writer(), &ctx.actor()?, new).await?;
        publish(
            ctx,
            EventKind::OversightChanged,
            o.id,
            o.conducting_unit_id,
            o.plan_id,
            Some(o.status.as_str()),
        )
        .await;
        Ok(OversightPayload {
            oversight: Oversight(o),
        })
    }

    /// Starts a planned oversight (conducting side).
    async fn start_oversight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The oversight.")] input: OversightStepInput,
    ) -> AppResult<OversightPayload> {
        Self::oversight_step(ctx, input, OversightStep::Start).await
    }

    /// Concludes an oversight under way (conducting side): its findings are fixed and its
    /// recommendations issued to their addressees; with none, it closes at once.
    async fn conclude_oversight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The oversight and its conclusion document.")] input: OversightStepInput,
    ) -> AppResult<OversightPayload> {
        Self::oversight_step(ctx, input, OversightStep::Conclude).await
    }

    /// Reopens a concluded oversight to amend its findings, with a reason (STEERING or ADMIN
    /// over the conducting unit).
    async fn reopen_oversight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The oversight and the reason.")] input: OversightStepInput,
    ) -> AppResult<OversightPayload> {
        Self::oversight_step(ctx, input, OversightStep::Reopen).await
    }

    /// Cancels a planned or running oversight, with a reason (conducting side).
    async fn cancel_oversight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The oversight and the reason.")] input: OversightStepInput,
    ) -> AppResult<OversightPayload> {
        Self::oversight_step(ctx, input, OversightStep::Cancel).await
    }

    /// Records a finding about a target of an oversight under way (conducting side).
    async fn record_finding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The finding.")] input: RecordFindingInput,
    ) -> AppResult<FindingPayload> {
        let new = NewFinding {
            oversight: id::decode(
                "input.oversightId",
                NodeType::Oversight,
                &input.oversight_id,
            )?,
            target: id::decode("input.targetUnitId", NodeType::Unit, &input.target_unit_id)?,
            kind: input.kind.into(),
            statement: input.statement,
            explains: decode_opt(
                "input.explainsId",
                NodeType::OversightFinding,
                input.explains_id.as_ref(),
            )?,
            amount_vnd: input.amount_vnd.map(whole_dong).transpose()?,
            land_m2: input.land_m2,
        };
        let f = overseeing::record_finding(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(FindingPayload {
            finding: OversightFinding(f),
        })
    }

    /// Records a recommendation of an oversight under way (conducting side); its addressee is
    /// told when the oversight concludes.
    async fn issue_recommendation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation.")] input: IssueRecommendationInput,
    ) -> AppResult<RecommendationPayload> {
        let new = NewRecommendation {
            oversight: id::decode(
                "input.oversightId",
                NodeType::Oversight,
                &input.oversight_id,
            )?,
            addressee: id::decode(
                "input.addresseeUnitId",
                NodeType::Unit,
                &input.addressee_unit_id,
            )?,
            statement: input.statement,
            due_on: input.due_on,
            finding: decode_opt(
                "input.findingId",
                NodeType::OversightFinding,
                input.finding_id.as_ref(),
            )?,
        };
        let actor = ctx.actor()?;
        let r = overseeing::issue_recommendation(ctx.writer(), &actor, new).await?;
        let o = crate::domain::oversights::get(ctx.db(), &actor.caller, r.oversight_id)
            .await?
            .ok_or(crate::error::AppError::NotFound("oversight"))?;
        Ok(RecommendationPayload {
            recommendation: Recommendation(r),
            oversight: Oversight(o),
        })
    }

    /// The addressee accepts a recommendation (tiếp thu), with an optional note.
    async fn accept_recommendation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation.")] input: RecommendationStepInput,
    ) -> AppResult<RecommendationPayload> {
        Self::recommendation_step(ctx, input, RecommendationStep::Accept).await
    }

    /// The addressee disputes a recommendation, with its reason.
    async fn dispute_recommendation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation and the reason.")] input: RecommendationStepInput,
    ) -> AppResult<RecommendationPayload> {
        Self::recommendation_step(ctx, input, RecommendationStep::Dispute).await
    }

    /// The addressee begins remedial actions (after accepting, disputing or a reopening).
    async fn begin_remedy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation.")] input: RecommendationStepInput,
    ) -> AppResult<RecommendationPayload> {
        Self::recommendation_step(ctx, input, RecommendationStep::Begin).await
    }

    /// The addressee reports a recommendation remedied; a remedial action must carry evidence.
    async fn report_recommendation_done(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation.")] input: RecommendationStepInput,
    ) -> AppResult<RecommendationPayload> {
        Self::recommendation_step(ctx, input, RecommendationStep::ReportDone).await
    }

    /// The conducting side finds the remedy effective (never the addressee). The oversight
    /// closes when this was its last open recommendation.
    async fn verify_recommendation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation.")] input: RecommendationStepInput,
    ) -> AppResult<RecommendationPayload> {
        Self::recommendation_step(ctx, input, RecommendationStep::Verify).await
    }

    /// The conducting side finds the remedy not effective: open again, with a reason and a new
    /// due day after today.
    async fn reopen_recommendation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation, reason and new due day.")]
        input: RecommendationStepInput,
    ) -> AppResult<RecommendationPayload> {
        Self::recommendation_step(ctx, input, RecommendationStep::Reopen).await
    }

    /// The conducting side drops a recommendation, with a reason.
    async fn waive_recommendation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation and the reason.")] input: RecommendationStepInput,
    ) -> AppResult<RecommendationPayload> {
        Self::recommendation_step(ctx, input, RecommendationStep::Waive).await
    }

    /// Records a remedial action of a recommendation addressed to your unit.
    async fn add_remedial_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The action.")] input: AddRemedialActionInput,
    ) -> AppResult<RemedialActionPayload> {
        let new = NewRemedialAction {
            recommendation: id::decode(
                "input.recommendationId",
                NodeType::Recommendation,
                &input.recommendation_id,
            )?,
            description: input.description,
            owner: input.owner,
            due_on: input.due_on,
            progress: input.progress,
            evidence: input.evidence,
        };
        let a = overseeing::add_remedial_action(ctx.writer(), &ctx.actor()?, new).await?;
        Ok(RemedialActionPayload {
            remedial_action: RemedialAction(a),
        })
    }

    /// Updates a remedial action's progress, evidence or description.
    async fn update_remedial_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateRemedialActionInput,
    ) -> AppResult<RemedialActionPayload> {
        let id = id::decode("input.id", NodeType::RemedialAction, &input.id)?;
        let patch = overseeing::RemedialActionPatch {
            description: input.description,
            progress: input.progress,
            evidence: input.evidence,
        };
        let a = overseeing::update_remedial_action(
            ctx.writer(),
            &ctx.actor()?,
            id,
            input.version,
            patch,
        )
        .await?;
        Ok(RemedialActionPayload {
            remedial_action: RemedialAction(a),
        })
    }
}
