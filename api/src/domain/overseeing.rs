//! Changes to oversights (content 6 of Plan 24-KH/BCĐ): planning one with its targets, taking
//! it through its steps, recording findings and recommendations, and following each
//! recommendation until it is remedied. The steps are the tables of [`oversight_workflow`];
//! this module decides the caller's sides, applies a step in one transaction with its audit
//! event, and closes an oversight once its last recommendation is verified or waived.
//!
//! Sides: the conducting side holds a planning grant (ADMIN, STEERING, UNIT_MANAGER) over the
//! conducting unit; the addressee side holds a writing grant over the addressee that does not
//! also cover the conducting unit (the district's own staff, not the province that oversees
//! it); STEERING is a STEERING or ADMIN grant over the conducting unit.

use chrono::NaiveDate;
use entity::{
    FindingKind, OversightCadence, OversightKind, OversightStatus, RecommendationStatus,
    legal_document, oversight, oversight_finding, oversight_target, recommendation,
    remedial_action,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use super::{
    audit::{self, Actor, Change},
    authz,
    oversight_workflow::{
        self as workflow, Given, OversightStep, RecommendationStep, Sides, next_oversight_status,
        next_recommendation_status,
    },
    oversights,
    planning::{load_open_unit, optional_text, required_block, required_text},
    write::{Writer, check_version, save_versioned},
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    text,
};

/// Most land a violation states, in m² (a million km², beyond any province), so sums stay finite.
pub const MAX_LAND_M2: f64 = 1e12;

/// At most this many targets per oversight.
pub const MAX_TARGETS: usize = 200;

/// The sides of an oversight the caller stands on, for a recommendation to `addressee` if one.
async fn sides(
    db: &impl ConnectionTrait,
    caller: &Caller,
    conducting: Uuid,
    addressee: Option<Uuid>,
) -> AppResult<Sides> {
    let today = caller.today();
    let mut on_addressee = false;
    if let Some(addressee) = addressee {
        for scope in caller.scopes_for(authz::WRITERS) {
            let roots = [scope];
            if super::units::all_within_on(db, &roots, &[addressee], today).await?
                && !super::units::all_within_on(db, &roots, &[conducting], today).await?
            {
                on_addressee = true;
                break;
            }
        }
    }
    Ok(Sides {
        conducting: authz::covers(db, caller, authz::PLANNERS, conducting).await?,
        addressee: on_addressee,
        steering: authz::covers(db, caller, authz::STEERING, conducting).await?,
    })
}

/// Holds the oversight's row until the transaction ends (PostgreSQL; SQLite has one writer), so
/// steps on one oversight and its recommendations run one after another: a conclusion reads
/// every recommendation recorded before it, and the last of two verifications sees the other
/// and closes the oversight.
async fn lock(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        use sea_orm::QuerySelect;
        oversight::Entity::find_by_id(id)
            .lock_exclusive()
            .one(db)
            .await?;
    }
    Ok(())
}

/// Refuses unless the caller is on the conducting side.
fn require_conducting(sides: Sides) -> AppResult<()> {
    if sides.conducting {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the conducting side records an oversight's findings and recommendations",
        ))
    }
}

/// The unit whose territory the conducting unit oversees: its parent (a commune's Fatherland
/// Front oversees its commune), or itself at the root (the province).
async fn territory(db: &impl ConnectionTrait, conducting: Uuid) -> AppResult<Uuid> {
    let unit = super::planning::load_unit(db, "input.conductingUnitId", conducting).await?;
    Ok(unit.parent_id.unwrap_or(unit.id))
}

/// A unit an oversight may target or address: open, not the conducting unit itself, and within
/// the conducting unit's territory today.
async fn require_in_territory(
    db: &impl ConnectionTrait,
    caller: &Caller,
    field: &str,
    conducting: Uuid,
    unit: Uuid,
) -> AppResult<()> {
    // The unit itself or one it belongs to (its district, its province) would verify its own
    // remedies: the grants over it cover the conducting unit too.
    if super::units::all_within_on(db, &[unit], &[conducting], caller.today()).await? {
        return Err(AppError::bad_input(
            field,
            "a unit does not oversee itself or a unit it belongs to: nobody would verify its \
             remedies",
        ));
    }
    // The conducting side may name any unit of its territory, though its own grants may not
    // reach a sibling (a commune's Front names the commune's People's Committee); a unit outside
    // that the caller cannot see answers as an unknown one.
    let root = territory(db, conducting).await?;
    if super::units::all_within_on(db, &[root], &[unit], caller.today()).await? {
        load_open_unit(db, field, unit, caller.today()).await?;
        Ok(())
    } else {
        authz::require_visible_unit(db, caller, field, unit).await?;
        Err(AppError::bad_input(
            field,
            "the unit lies outside the territory of the conducting unit's parent",
        ))
    }
}

async fn require_document(db: &impl ConnectionTrait, field: &str, id: Uuid) -> AppResult<()> {
    match legal_document::Entity::find_by_id(id).one(db).await? {
        Some(_) => Ok(()),
        None => Err(AppError::bad_input(field, "document not found")),
    }
}

/// An oversight to plan.
#[derive(Clone, Debug)]
pub struct NewOversight {
    pub conducting_unit: Uuid,
    pub kind: OversightKind,
    pub cadence: OversightCadence,
    pub title: String,
    pub subject: Option<String>,
    pub task: Option<Uuid>,
    pub programme_document: Option<Uuid>,
    pub decision_document: Option<Uuid>,
    pub planned_start: NaiveDate,
    pub planned_end: NaiveDate,
    pub targets: Vec<Uuid>,
}

/// Plans an oversight (PLANNED).
///
/// Errors: `FORBIDDEN` without a planning grant over the conducting unit; `BAD_USER_INPUT` for
/// a target outside the territory of the conducting unit's parent, twice named or the
/// conducting unit itself, a task not of content 6, an end before the start.
pub async fn create(w: &Writer, actor: &Actor, new: NewOversight) -> AppResult<oversight::Model> {
    let title = required_text("input.title", &new.title)?;
    let subject = optional_text("input.subject", new.subject.as_deref())?;
    if new.planned_end < new.planned_start {
        return Err(AppError::bad_input(
            "input.plannedEnd",
            "the oversight ends before it starts",
        ));
    }
    if new.targets.is_empty() || new.targets.len() > MAX_TARGETS {
        return Err(AppError::bad_input(
            "input.targetUnitIds",
            format!("name from 1 to {MAX_TARGETS} target units"),
        ));
    }
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let conducting = new.conducting_unit;
            authz::require_visible_unit(txn, caller, "input.conductingUnitId", conducting).await?;
            load_open_unit(txn, "input.conductingUnitId", conducting, caller.today()).await?;
            authz::require(txn, caller, authz::PLANNERS, conducting).await?;
            let plan = match new.task {
                Some(task) => {
                    let task = super::planning::visible_task(txn, caller, task).await?;
                    if task.content_area != Some(6) {
                        return Err(AppError::bad_input(
                            "input.taskId",
                            "an oversight carries out a task of content 6 (kiểm tra, giám sát)",
                        ));
                    }
                    Some(task.plan_id)
                }
                None => None,
            };
            for (field, doc) in [
                ("input.programmeDocumentId", new.programme_document),
                ("input.decisionDocumentId", new.decision_document),
            ] {
                if let Some(doc) = doc {
                    require_document(txn, field, doc).await?;
                }
            }
            for (i, target) in new.targets.iter().enumerate() {
                let field = format!("input.targetUnitIds[{i}]");
                if new.targets[..i].contains(target) {
                    return Err(AppError::bad_input(field, "the unit is named twice"));
                }
                require_in_territory(txn, caller, &field, conducting, *target).await?;
            }
            let now = caller.clock.now();
            let created = oversight::ActiveModel {
                id: Set(Uuid::now_v7()),
                conducting_unit_id: Set(conducting),
                plan_id: Set(plan),
                task_id: Set(new.task),
                programme_document_id: Set(new.programme_document),
                kind: Set(new.kind),
                cadence: Set(new.cadence),
                search_text: Set(text::fold(&format!(
                    "{title} {}",
                    subject.as_deref().unwrap_or_default()
                ))),
                title: Set(title),
                subject: Set(subject),
                decision_document_id: Set(new.decision_document),
                conclusion_document_id: Set(None),
                planned_start: Set(new.planned_start),
                planned_end: Set(new.planned_end),
                started_on: Set(None),
                concluded_on: Set(None),
                status: Set(OversightStatus::Planned),
                reason: Set(None),
                author_id: Set(caller.person()),
                sort_key: Set(oversights::sort_key(new.planned_start, now)),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            let targets: Vec<oversight_target::ActiveModel> = new
                .targets
                .iter()
                .map(|unit| oversight_target::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    oversight_id: Set(created.id),
                    unit_id: Set(*unit),
                    created_at: Set(now),
                })
                .collect();
            oversight_target::Entity::insert_many(targets)
                .exec_without_returning(txn)
                .await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "oversight.create",
                    "Oversight",
                    created.id,
                    Some(conducting),
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

async fn load(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> AppResult<oversight::Model> {
    oversights::get(db, caller, id)
        .await?
        .ok_or(AppError::NotFound("oversight"))
}

/// What an oversight step brings.
#[derive(Clone, Debug, Default)]
pub struct OversightStepInput {
    pub reason: Option<String>,
    /// The conclusion (kết luận) document, when concluding.
    pub conclusion_document: Option<Uuid>,
}

/// An oversight after a step, and the recommendations that step issued (to notify their
/// addressees).
pub struct Stepped {
    pub oversight: oversight::Model,
    pub issued: Vec<recommendation::Model>,
}

/// Starts, concludes, reopens (STEERING) or cancels an oversight. Concluding issues its
/// recommendations; an oversight that issued none closes at once.
///
/// Errors: as [`workflow::next_oversight_status`]; `CONFLICT` for a stale version.
pub async fn step(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    step: OversightStep,
    input: OversightStepInput,
) -> AppResult<Stepped> {
    let reason = optional_text("input.reason", input.reason.as_deref())?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            lock(txn, id).await?;
            let before = load(txn, caller, id).await?;
            let sides = sides(txn, caller, before.conducting_unit_id, None).await?;
            let given = Given {
                reason: reason.as_deref(),
                due_on: None,
                concluded_before: before.concluded_on.is_some(),
            };
            // A stale version first: two tabs taking the same step learn the record moved on.
            check_version(before.version, version)?;
            let mut status = next_oversight_status(before.status, step, sides, &given)?;
            let today = caller.today();
            let now = caller.clock.now();
            let mut am = before.clone().into_active_model();
            let mut issued = Vec::new();
            match step {
                OversightStep::Start => am.started_on = Set(Some(today)),
                OversightStep::Conclude => {
                    if let Some(doc) = input.conclusion_document {
                        require_document(txn, "input.conclusionDocumentId", doc).await?;
                        am.conclusion_document_id = Set(Some(doc));
                    }
                    am.concluded_on = Set(Some(today));
                    let recorded = recommendation::Entity::find()
                        .filter(recommendation::Column::OversightId.eq(id))
                        .all(txn)
                        .await?;
                    if workflow::settled(recorded.iter().map(|r| r.status)) {
                        status = OversightStatus::Closed;
                    }
                    // Issued now: the addressees see them from here on, and the change feed
                    // sends them again (their rows change).
                    issued = recorded
                        .into_iter()
                        .filter(|r| r.issued_at.is_none())
                        .collect();
                    recommendation::Entity::update_many()
                        .col_expr(
                            recommendation::Column::IssuedAt,
                            sea_orm::sea_query::Expr::value(now),
                        )
                        .col_expr(
                            recommendation::Column::UpdatedAt,
                            sea_orm::sea_query::Expr::value(now),
                        )
                        .filter(recommendation::Column::OversightId.eq(id))
                        .filter(recommendation::Column::IssuedAt.is_null())
                        .exec(txn)
                        .await?;
                }
                OversightStep::Reopen | OversightStep::Cancel => am.reason = Set(reason.clone()),
            }
            am.status = Set(status);
            let after = save_versioned!(txn, oversight, am, version, now);
            let action = match step {
                OversightStep::Start => "oversight.start",
                OversightStep::Conclude => "oversight.conclude",
                OversightStep::Reopen => "oversight.reopen",
                OversightStep::Cancel => "oversight.cancel",
            };
            audit::record(
                txn,
                &actor,
                Change::of(action, "Oversight", id, Some(after.conducting_unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            Ok(Stepped {
                oversight: after,
                issued,
            })
        })
    })
    .await
}

/// Refuses unless the oversight is under way (findings and recommendations are recorded then).
fn require_under_way(o: &oversight::Model) -> AppResult<()> {
    match o.status {
        OversightStatus::InProgress => Ok(()),
        OversightStatus::Concluded | OversightStatus::Closed => Err(AppError::bad_input(
            "input.oversightId",
            "the oversight is concluded: its findings are fixed unless STEERING reopens it",
        )),
        _ => Err(AppError::bad_input(
            "input.oversightId",
            "findings and recommendations are recorded while the oversight is under way",
        )),
    }
}

/// The oversight named in `input.oversightId`, held (see [`lock`]), for the conducting side to
/// record in while it is under way.
pub(crate) async fn under_way_for_conductor(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<oversight::Model> {
    lock(txn, id).await?;
    let o = oversights::get(txn, caller, id)
        .await?
        .ok_or_else(|| AppError::bad_input("input.oversightId", "oversight not found"))?;
    require_conducting(sides(txn, caller, o.conducting_unit_id, None).await?)?;
    require_under_way(&o)?;
    Ok(o)
}

/// A finding to record.
#[derive(Clone, Debug)]
pub struct NewFinding {
    pub oversight: Uuid,
    pub target: Uuid,
    pub kind: FindingKind,
    pub statement: String,
    pub explains: Option<Uuid>,
    pub amount_vnd: Option<i64>,
    pub land_m2: Option<f64>,
}

/// Records a finding about one target of an oversight under way (conducting side).
///
/// Errors: `BAD_USER_INPUT` for a unit that is not a target, a cause that explains nothing of
/// the same target or something other than a limitation or violation, amounts on anything but
/// a violation, negative amounts; `FORBIDDEN` off the conducting side.
pub async fn record_finding(
    w: &Writer,
    actor: &Actor,
    new: NewFinding,
) -> AppResult<oversight_finding::Model> {
    let statement = required_block("input.statement", &new.statement)?;
    if new.kind != FindingKind::Cause && new.explains.is_some() {
        return Err(AppError::bad_input(
            "input.explainsId",
            "only a cause explains another finding",
        ));
    }
    if new.kind != FindingKind::Violation && (new.amount_vnd.is_some() || new.land_m2.is_some()) {
        return Err(AppError::bad_input(
            "input.amountVnd",
            "amounts and land belong to violations",
        ));
    }
    if new.amount_vnd.is_some_and(|a| a < 0) {
        return Err(AppError::bad_input(
            "input.amountVnd",
            "an amount in đồng is not negative",
        ));
    }
    if new
        .land_m2
        .is_some_and(|a| !a.is_finite() || !(0.0..=MAX_LAND_M2).contains(&a))
    {
        return Err(AppError::bad_input(
            "input.landM2",
            "land in m² is a number from 0 to 10^12",
        ));
    }
    // One zero on both databases (PostgreSQL keeps -0, SQLite does not).
    let new = NewFinding {
        land_m2: new.land_m2.map(|a| a + 0.0),
        ..new
    };
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let o = under_way_for_conductor(txn, caller, new.oversight).await?;
            let is_target = oversight_target::Entity::find()
                .filter(oversight_target::Column::OversightId.eq(o.id))
                .filter(oversight_target::Column::UnitId.eq(new.target))
                .one(txn)
                .await?
                .is_some();
            if !is_target {
                return Err(AppError::bad_input(
                    "input.targetUnitId",
                    "the unit is not a target of this oversight",
                ));
            }
            if let Some(explained) = new.explains {
                let found = oversight_finding::Entity::find_by_id(explained)
                    .filter(oversight_finding::Column::OversightId.eq(o.id))
                    .filter(oversight_finding::Column::TargetUnitId.eq(new.target))
                    .one(txn)
                    .await?;
                match found {
                    Some(f)
                        if matches!(f.kind, FindingKind::Limitation | FindingKind::Violation) => {}
                    Some(_) => {
                        return Err(AppError::bad_input(
                            "input.explainsId",
                            "a cause explains a limitation or a violation",
                        ));
                    }
                    None => {
                        return Err(AppError::bad_input(
                            "input.explainsId",
                            "no such finding about this target",
                        ));
                    }
                }
            }
            let now = caller.clock.now();
            let created = oversight_finding::ActiveModel {
                id: Set(Uuid::now_v7()),
                oversight_id: Set(o.id),
                target_unit_id: Set(new.target),
                kind: Set(new.kind),
                search_text: Set(text::fold(&statement)),
                statement: Set(statement),
                explains_id: Set(new.explains),
                amount_vnd: Set(new.amount_vnd),
                land_m2: Set(new.land_m2),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "oversight.finding.record",
                    "OversightFinding",
                    created.id,
                    Some(o.conducting_unit_id),
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// A recommendation to issue.
#[derive(Clone, Debug)]
pub struct NewRecommendation {
    pub oversight: Uuid,
    pub addressee: Uuid,
    pub statement: String,
    pub due_on: NaiveDate,
    pub finding: Option<Uuid>,
}

/// Records a recommendation of an oversight under way (conducting side); it is issued to its
/// addressee when the oversight concludes.
///
/// Errors: `BAD_USER_INPUT` for an addressee outside the territory or the conducting unit
/// itself, a finding of another oversight; `FORBIDDEN` off the conducting side.
pub async fn issue_recommendation(
    w: &Writer,
    actor: &Actor,
    new: NewRecommendation,
) -> AppResult<recommendation::Model> {
    let statement = required_block("input.statement", &new.statement)?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let o = under_way_for_conductor(txn, caller, new.oversight).await?;
            if new.due_on < caller.today() {
                return Err(AppError::bad_input(
                    "input.dueOn",
                    "a recommendation is due today or later",
                ));
            }
            require_in_territory(
                txn,
                caller,
                "input.addresseeUnitId",
                o.conducting_unit_id,
                new.addressee,
            )
            .await?;
            if let Some(finding) = new.finding {
                let found = oversight_finding::Entity::find_by_id(finding)
                    .filter(oversight_finding::Column::OversightId.eq(o.id))
                    .one(txn)
                    .await?;
                match found {
                    Some(f) if f.target_unit_id == new.addressee => {}
                    Some(_) => {
                        return Err(AppError::bad_input(
                            "input.findingId",
                            "the finding is about another unit than the addressee",
                        ));
                    }
                    None => {
                        return Err(AppError::bad_input(
                            "input.findingId",
                            "no such finding in this oversight",
                        ));
                    }
                }
            }
            let now = caller.clock.now();
            let created = recommendation::ActiveModel {
                id: Set(Uuid::now_v7()),
                oversight_id: Set(o.id),
                finding_id: Set(new.finding),
                addressee_unit_id: Set(new.addressee),
                search_text: Set(text::fold(&statement)),
                statement: Set(statement),
                due_on: Set(new.due_on),
                status: Set(RecommendationStatus::Open),
                response: Set(None),
                reason: Set(None),
                reopen_count: Set(0),
                issued_at: Set(None),
                reported_done_at: Set(None),
                settled_at: Set(None),
                due_soon_notified_on: Set(None),
                overdue_notified_on: Set(None),
                sort_key: Set(oversights::recommendation_sort_key(new.due_on, now)),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "recommendation.issue",
                    "Recommendation",
                    created.id,
                    Some(new.addressee),
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// A recommendation after a step, with its oversight (closed when this step settled the last
/// recommendation).
pub struct RecommendationStepped {
    pub recommendation: recommendation::Model,
    pub oversight: oversight::Model,
}

/// Takes a step on a recommendation: the addressee accepts, disputes (with a reason), begins,
/// reports done (once an action has evidence); the conducting side verifies, reopens (reason and
/// a new due date after today) or waives (reason).
///
/// Errors: as [`workflow::next_recommendation_status`]; `CONFLICT` for a stale version.
pub async fn step_recommendation(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    step: RecommendationStep,
    reason: Option<String>,
    due_on: Option<NaiveDate>,
) -> AppResult<RecommendationStepped> {
    let reason = optional_text("input.reason", reason.as_deref())?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let caller = &actor.caller;
            let found = oversights::get_recommendation(txn, caller, id)
                .await?
                .ok_or(AppError::NotFound("recommendation"))?;
            lock(txn, found.oversight_id).await?;
            // Read again under the lock: a step committed meanwhile shows here.
            let before = recommendation::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(AppError::NotFound("recommendation"))?;
            let o = oversight::Entity::find_by_id(before.oversight_id)
                .one(txn)
                .await?
                .ok_or(AppError::NotFound("oversight"))?;
            let sides = sides(
                txn,
                caller,
                o.conducting_unit_id,
                Some(before.addressee_unit_id),
            )
            .await?;
            let given = Given {
                reason: reason.as_deref(),
                due_on,
                ..Default::default()
            };
            let today = caller.today();
            check_version(before.version, version)?;
            let status =
                next_recommendation_status(o.status, before.status, step, sides, &given, today)?;
            let now = caller.clock.now();
            let mut am = before.clone().into_active_model();
            am.status = Set(status);
            match step {
                RecommendationStep::Accept | RecommendationStep::Dispute => {
                    am.response = Set(reason.clone());
                }
                RecommendationStep::Begin => {}
                RecommendationStep::ReportDone => {
                    let evidenced = remedial_action::Entity::find()
                        .filter(remedial_action::Column::RecommendationId.eq(id))
                        .filter(remedial_action::Column::Evidence.is_not_null())
                        .count(txn)
                        .await?;
                    if evidenced == 0 {
                        return Err(AppError::bad_input(
                            "id",
                            "record a remedial action with its evidence first",
                        ));
                    }
                    am.reported_done_at = Set(Some(now));
                }
                RecommendationStep::Verify => am.settled_at = Set(Some(now)),
                RecommendationStep::Waive => {
                    am.reason = Set(reason.clone());
                    am.settled_at = Set(Some(now));
                }
                RecommendationStep::Reopen => {
                    am.reason = Set(reason.clone());
                    if let Some(due) = due_on {
                        am.due_on = Set(due);
                        am.sort_key =
                            Set(oversights::recommendation_sort_key(due, before.created_at));
                    }
                    am.reopen_count = Set(before.reopen_count + 1);
                    am.reported_done_at = Set(None);
                }
            }
            let after = save_versioned!(txn, recommendation, am, version, now);
            let action = match step {
                RecommendationStep::Accept => "recommendation.accept",
                RecommendationStep::Dispute => "recommendation.dispute",
                RecommendationStep::Begin => "recommendation.begin",
                RecommendationStep::ReportDone => "recommendation.reportDone",
                RecommendationStep::Verify => "recommendation.verify",
                RecommendationStep::Reopen => "recommendation.reopen",
                RecommendationStep::Waive => "recommendation.waive",
            };
            audit::record(
                txn,
                &actor,
                Change::of(action, "Recommendation", id, Some(after.addressee_unit_id))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            let oversight = close_if_settled(txn, &actor, o).await?;
            Ok(RecommendationStepped {
                recommendation: after,
                oversight,
            })
        })
    })
    .await
}

/// Closes a concluded oversight whose recommendations are all verified or waived.
async fn close_if_settled(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    o: oversight::Model,
) -> AppResult<oversight::Model> {
    if o.status != OversightStatus::Concluded {
        return Ok(o);
    }
    let statuses: Vec<RecommendationStatus> = recommendation::Entity::find()
        .filter(recommendation::Column::OversightId.eq(o.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| r.status)
        .collect();
    if !workflow::settled(statuses) {
        return Ok(o);
    }
    let now = actor.caller.clock.now();
    let version = o.version;
    let mut am = o.clone().into_active_model();
    am.status = Set(OversightStatus::Closed);
    let after = save_versioned!(txn, oversight, am, version, now);
    audit::record(
        txn,
        actor,
        Change::of(
            "oversight.close",
            "Oversight",
            after.id,
            Some(after.conducting_unit_id),
        )
        .before(&o)
        .after(&after),
    )
    .await?;
    Ok(after)
}

/// Loads a recommendation the addressee acts on, with its oversight, refusing anyone else.
pub(crate) async fn addressee_recommendation(
    db: &impl ConnectionTrait,
    caller: &Caller,
    field: &str,
    id: Uuid,
) -> AppResult<recommendation::Model> {
    let r = oversights::get_recommendation(db, caller, id)
        .await?
        .ok_or_else(|| AppError::bad_input(field, "recommendation not found"))?;
    let o = oversight::Entity::find_by_id(r.oversight_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("oversight"))?;
    let sides = sides(db, caller, o.conducting_unit_id, Some(r.addressee_unit_id)).await?;
    if !sides.addressee {
        return Err(AppError::forbidden(
            "only the unit the recommendation is addressed to records its remedial actions",
        ));
    }
    let acting = matches!(
        r.status,
        RecommendationStatus::Accepted
            | RecommendationStatus::Disputed
            | RecommendationStatus::InProgress
            | RecommendationStatus::Reopened
    );
    if o.status != OversightStatus::Concluded || !acting {
        return Err(AppError::bad_input(
            field,
            "remedial actions are recorded once the recommendation is answered and until it is \
             reported done",
        ));
    }
    Ok(r)
}

/// A remedial action to record.
#[derive(Clone, Debug)]
pub struct NewRemedialAction {
    pub recommendation: Uuid,
    pub description: String,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
    pub progress: Option<i32>,
    pub evidence: Option<String>,
}

fn check_progress(progress: i32) -> AppResult<i16> {
    if (0..=100).contains(&progress) {
        Ok(progress as i16)
    } else {
        Err(AppError::bad_input(
            "input.progress",
            "progress is a percentage from 0 to 100",
        ))
    }
}

/// Records what the addressee does about a recommendation (addressee side).
pub async fn add_remedial_action(
    w: &Writer,
    actor: &Actor,
    new: NewRemedialAction,
) -> AppResult<remedial_action::Model> {
    let description = required_block("input.description", &new.description)?;
    let owner = required_text("input.owner", &new.owner)?;
    let evidence = optional_text("input.evidence", new.evidence.as_deref())?;
    let progress = check_progress(new.progress.unwrap_or(0))?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let r = addressee_recommendation(
                txn,
                &actor.caller,
                "input.recommendationId",
                new.recommendation,
            )
            .await?;
            let now = actor.caller.clock.now();
            let created = remedial_action::ActiveModel {
                id: Set(Uuid::now_v7()),
                recommendation_id: Set(r.id),
                description: Set(description),
                owner: Set(owner),
                progress: Set(progress),
                evidence: Set(evidence),
                due_on: Set(new.due_on),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(txn)
            .await?;
            audit::record(
                txn,
                &actor,
                Change::of(
                    "remedialAction.add",
                    "RemedialAction",
                    created.id,
                    Some(r.addressee_unit_id),
                )
                .after(&created),
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

/// Changes to a remedial action.
#[derive(Clone, Debug, Default)]
pub struct RemedialActionPatch {
    pub description: Option<String>,
    pub progress: Option<i32>,
    pub evidence: Option<String>,
}

/// Updates a remedial action's progress, evidence or description (addressee side).
pub async fn update_remedial_action(
    w: &Writer,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: RemedialActionPatch,
) -> AppResult<remedial_action::Model> {
    let description = match &patch.description {
        Some(d) => Some(required_block("input.description", d)?),
        None => None,
    };
    let evidence = match &patch.evidence {
        Some(e) => Some(optional_text("input.evidence", Some(e))?),
        None => None,
    };
    let progress = patch.progress.map(check_progress).transpose()?;
    let actor = actor.clone();
    w.transaction(move |txn| {
        Box::pin(async move {
            let before = remedial_action::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(AppError::NotFound("remedial action"))?;
            // Another unit's action answers as an unknown one.
            let r = oversights::get_recommendation(txn, &actor.caller, before.recommendation_id)
                .await?
                .ok_or(AppError::NotFound("remedial action"))?;
            addressee_recommendation(txn, &actor.caller, "id", r.id).await?;
            check_version(before.version, version)?;
            let mut am = before.clone().into_active_model();
            if let Some(d) = description {
                am.description = Set(d);
            }
            if let Some(e) = evidence {
                am.evidence = Set(e);
            }
            if let Some(p) = progress {
                am.progress = Set(p);
            }
            let now = actor.caller.clock.now();
            let after = save_versioned!(txn, remedial_action, am, version, now);
            audit::record(
                txn,
                &actor,
                Change::of(
                    "remedialAction.update",
                    "RemedialAction",
                    id,
                    Some(r.addressee_unit_id),
                )
                .before(&before)
                .after(&after),
            )
            .await?;
            Ok(after)
        })
    })
    .await
}
