//! The authorisation matrix: every mutation, for every role, on a target in the role's
//! district (D01) and in another district (D02). Each case gets a fresh target, and each
//! refusal is asserted as carefully as each success.

use chrono::NaiveDate;
use entity::{AssignmentRole, ReportKind};
use qcdc::{
    domain::{
        assignments,
        audit::Actor,
        derivation, planning,
        reporting::{self, Transition},
        write::Writer,
    },
    graphql::id::NodeType,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{TestApp, error_code, gid};

on_both_databases!(every_mutation_for_every_role_in_and_out_of_scope);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Gate {
    /// STEERING and ADMIN only.
    Steering,
    /// STEERING, ADMIN and the UNIT_MANAGER of the unit.
    Planners,
    /// Planners and the REPORTER of the unit.
    Writers,
    /// STEERING, ADMIN, or a UNIT_MANAGER of a unit above.
    Reviewers,
}

const MUTATIONS: [(&str, Gate); 23] = [
    ("createPlan", Gate::Planners),
    ("updatePlan", Gate::Planners),
    ("addTask", Gate::Planners),
    ("updateTask", Gate::Planners),
    ("addLegalReference", Gate::Planners),
    ("addPlanRecipient", Gate::Planners),
    ("createReportSchedule", Gate::Planners),
    ("issuePlan", Gate::Steering),
    ("issueDerivedPlan", Gate::Planners),
    ("closePlan", Gate::Steering),
    ("derivePlan", Gate::Planners),
    ("assignTask", Gate::Planners),
    ("acknowledgeAssignment", Gate::Writers),
    ("recordProgress", Gate::Writers),
    ("completeAssignment", Gate::Writers),
    ("createReport", Gate::Writers),
    ("updateReport", Gate::Writers),
    ("submitReport", Gate::Writers),
    ("registerLegalDocument", Gate::Steering),
    ("updateLegalDocument", Gate::Steering),
    ("addDocumentRelation", Gate::Steering),
    ("removeDocumentRelation", Gate::Steering),
    ("applyReorganisation", Gate::Steering),
];
const REVIEWS: [(&str, Gate); 3] = [
    ("approveReport", Gate::Reviewers),
    ("returnReport", Gate::Reviewers),
    ("correctReport", Gate::Writers),
];

/// Whether `role` (province-wide, or of district D01) may pass `gate` on a target in `district`.
/// `d01admin` is an ADMIN of district D01: all powers there, none outside.
fn allowed(role: &str, gate: Gate, district: &str) -> bool {
    let province = matches!(role, "admin" | "steering");
    let own = district == "ST.D01";
    let district_admin = role == "d01admin" && own;
    match gate {
        Gate::Steering => province || district_admin,
        Gate::Planners | Gate::Reviewers => {
            province || district_admin || (role == "manager" && own)
        }
        Gate::Writers => {
            province || district_admin || (own && matches!(role, "manager" | "reporter"))
        }
    }
}

/// The code a refused case answers with. A district role naming another district's record
/// cannot see it, so the record answers exactly as an unknown id would (`NOT_FOUND`, or
/// `BAD_USER_INPUT` for an unknown obligation or unit in an input); legal documents are visible
/// to all, so acting on them without the role is `FORBIDDEN`.
fn refusal(role: &str, mutation: &str, district: &str) -> &'static str {
    const ON_VISIBLE_TARGETS: [&str; 6] = [
        "createPlan",
        "registerLegalDocument",
        "updateLegalDocument",
        "addDocumentRelation",
        "removeDocumentRelation",
        "applyReorganisation",
    ];
    let blind = district != "ST.D01" && matches!(role, "manager" | "reporter" | "d01admin");
    // A unit named in the input that the caller cannot see answers as an unknown unit, once
    // the caller holds a role that may act at all.
    let named_unit = mutation == "createPlan"
        || (role == "d01admin"
            && matches!(mutation, "registerLegalDocument" | "applyReorganisation"));
    match (blind, mutation) {
        (false, _) => "FORBIDDEN",
        (true, _) if named_unit => "BAD_USER_INPUT",
        (true, m) if ON_VISIBLE_TARGETS.contains(&m) => "FORBIDDEN",
        (true, "createReport") => "BAD_USER_INPUT",
        (true, _) => "NOT_FOUND",
    }
}

struct Fixtures<'a> {
    app: &'a TestApp,
    w: Writer,
    author: Actor,
    reviewer: Actor,
    serial: std::cell::Cell<u32>,
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

impl Fixtures<'_> {
    fn number(&self) -> String {
        self.serial.set(self.serial.get() + 1);
        format!("{}-KH/BCĐ", 900 + self.serial.get())
    }

    fn document_number(&self) -> String {
        self.serial.set(self.serial.get() + 1);
        format!("{}/QĐ-UBND", 9_000 + self.serial.get())
    }

    /// A registered document issued by `issuer`.
    async fn document(&self, issuer: &str) -> entity::legal_document::Model {
        qcdc::domain::legal_registry::register_document(
            &self.w,
            &self.author,
            qcdc::domain::legal_registry::DocumentInput {
                number: self.document_number(),
                document_type: entity::DocumentType::Decision,
                issuer: "Ban Chỉ đạo".into(),
                issuer_unit_id: Some(self.app.unit_uuid(issuer).await),
                issued_on: Some(day("2024-05-01")),
                effective_on: None,
                title: Some("Quyết định".into()),
                party_term: None,
                base_status: entity::DocumentStatus::InForce,
                note: None,
            },
        )
        .await
        .unwrap()
    }

    async fn draft(&self, issuer: &str) -> (entity::plan::Model, entity::task::Model) {
        let plan = planning::create_plan(
            &self.w,
            &self.author,
            planning::NewPlan {
                title: "Kế hoạch kiểm thử".into(),
                issuing_unit: self.app.unit_uuid(issuer).await,
                standing_unit: None,
                period_start: day("2024-01-01"),
                period_end: day("2024-12-31"),
                motto: None,
            },
        )
        .await
        .unwrap();
        let task = planning::add_task(
            &self.w,
            &self.author,
            planning::NewTask {
                plan: plan.id,
                parent: None,
                code: None,
                title: "Tuyên truyền".into(),
                description: None,
                content_area: Some(1),
                due_on: None,
            },
        )
        .await
        .unwrap();
        (plan, task)
    }

    async fn issued(&self, issuer: &str) -> (entity::plan::Model, entity::task::Model) {
        let (plan, task) = self.draft(issuer).await;
        let plan = planning::issue_plan(
            &self.w,
            &self.author,
            plan.id,
            plan.version,
            self.number(),
            day("2024-03-01"),
        )
        .await
        .unwrap();
        (plan, task)
    }

    /// A provincial plan addressed to the district's steering committee.
    async fn provincial_for(&self, district: &str) -> entity::plan::Model {
        let (plan, _) = self.draft("ST.BCD").await;
        let unit = self.app.unit_uuid(&format!("{district}.BCD")).await;
        planning::add_recipient(
            &self.w,
            &self.author,
            plan.id,
            unit,
            Some(day("2024-03-31")),
        )
        .await
        .unwrap();
        planning::issue_plan(
            &self.w,
            &self.author,
            plan.id,
            plan.version,
            self.number(),
            day("2024-03-01"),
        )
        .await
        .unwrap()
    }

    async fn assignment(&self, district: &str) -> entity::assignment::Model {
        let (_, task) = self.issued(&format!("{district}.BCD")).await;
        let unit = self.app.unit_uuid(&format!("{district}.PARTY")).await;
        assignments::assign(
            &self.w,
            &self.author,
            task.id,
            unit,
            AssignmentRole::Lead,
            None,
        )
        .await
        .unwrap()
    }

    async fn obligation(&self, district: &str) -> Uuid {
        let (plan, _) = self.issued(&format!("{district}.BCD")).await;
        let unit = self.app.unit_uuid(&format!("{district}.PARTY")).await;
        let schedule = planning::create_schedule(
            &self.w,
            &self.author,
            planning::NewSchedule {
                plan: plan.id,
                kind: ReportKind::Periodic,
                title: "Báo cáo quý".into(),
                period_start: day("2024-01-01"),
                period_end: day("2024-03-31"),
                due_on: day("2024-04-10"),
                recipient_unit: None,
                reporting_units: vec![unit],
            },
        )
        .await
        .unwrap();
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::report_obligation::Entity::find()
            .filter(entity::report_obligation::Column::ScheduleId.eq(schedule.id))
            .one(&self.app.db)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    async fn report(&self, district: &str, status: &str) -> entity::report::Model {
        let obligation = self.obligation(district).await;
        let mut r = reporting::create(
            &self.w,
            &self.author,
            reporting::NewReport {
                obligation: Some(obligation),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        if status == "DRAFT" {
            return r;
        }
        r = reporting::transition(
            &self.w,
            &self.author,
            r.id,
            r.version,
            Transition::Submit,
            None,
        )
        .await
        .unwrap();
        if status == "SUBMITTED" {
            return r;
        }
        reporting::transition(
            &self.w,
            &self.reviewer,
            r.id,
            r.version,
            Transition::Approve,
            None,
        )
        .await
        .unwrap()
    }

    /// The mutation document and variables for one case, against a fresh target in `district`.
    async fn case(&self, mutation: &str, district: &str) -> (String, Value) {
        let bcd = format!("{district}.BCD");
        let party = format!("{district}.PARTY");
        let v = |kind, id| gid(kind, id);
        match mutation {
            "createPlan" => (
                "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }".into(),
                json!({ "i": { "title": "Kế hoạch", "issuingUnitId": v(NodeType::Unit, self.app.unit_uuid(&bcd).await),
                               "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
            ),
            "updatePlan" => {
                let (plan, _) = self.draft(&bcd).await;
                (
                    "mutation($i: UpdatePlanInput!) { updatePlan(input: $i) { plan { id } } }"
                        .into(),
                    json!({ "i": { "id": v(NodeType::Plan, plan.id), "version": plan.version, "title": "Kế hoạch (sửa)" } }),
                )
            }
            "addTask" => {
                let (plan, _) = self.draft(&bcd).await;
                (
                    "mutation($i: AddTaskInput!) { addTask(input: $i) { task { id } } }".into(),
                    json!({ "i": { "planId": v(NodeType::Plan, plan.id), "title": "Nhiệm vụ mới" } }),
                )
            }
            "updateTask" => {
                let (_, task) = self.draft(&bcd).await;
                (
                    "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { id } } }"
                        .into(),
                    json!({ "i": { "id": v(NodeType::Task, task.id), "version": task.version, "title": "Sửa" } }),
                )
            }
            "addLegalReference" => {
                let (_, task) = self.draft(&bcd).await;
                use sea_orm::EntityTrait;
                let doc = entity::legal_document::Entity::find()
                    .one(&self.app.db)
                    .await
                    .unwrap()
                    .unwrap();
                ("mutation($i: AddLegalReferenceInput!) { addLegalReference(input: $i) { task { id } } }".into(),
                 json!({ "i": { "taskId": v(NodeType::Task, task.id), "documentId": v(NodeType::LegalDocument, doc.id) } }))
            }
            "addPlanRecipient" => {
                let (plan, _) = self.draft(&bcd).await;
                ("mutation($i: AddPlanRecipientInput!) { addPlanRecipient(input: $i) { plan { id } } }".into(),
                 json!({ "i": { "planId": v(NodeType::Plan, plan.id), "unitId": v(NodeType::Unit, self.app.unit_uuid(&party).await) } }))
            }
            "createReportSchedule" => {
                let (plan, _) = self.draft(&bcd).await;
                ("mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) { reportSchedule { id } } }".into(),
                 json!({ "i": { "planId": v(NodeType::Plan, plan.id), "kind": "PERIODIC", "title": "Quý I",
                                "periodStart": "2024-01-01", "periodEnd": "2024-03-31", "dueOn": "2024-04-10",
                                "reportingUnitIds": [v(NodeType::Unit, self.app.unit_uuid(&party).await)] } }))
            }
            "issuePlan" => {
                let (plan, _) = self.draft(&bcd).await;
                (
                    "mutation($i: IssuePlanInput!) { issuePlan(input: $i) { plan { id } } }".into(),
                    json!({ "i": { "id": v(NodeType::Plan, plan.id), "version": plan.version, "number": self.number(), "issuedOn": "2024-03-01" } }),
                )
            }
            "issueDerivedPlan" => {
                let parent = self.provincial_for(district).await;
                let derived = derivation::derive_plan(
                    &self.w,
                    &self.author,
                    parent.id,
                    self.app.unit_uuid(&bcd).await,
                )
                .await
                .unwrap();
                (
                    "mutation($i: IssuePlanInput!) { issuePlan(input: $i) { plan { id } } }".into(),
                    json!({ "i": { "id": v(NodeType::Plan, derived.id), "version": derived.version, "number": self.number(), "issuedOn": "2024-03-20" } }),
                )
            }
            "closePlan" => {
                let (plan, _) = self.issued(&bcd).await;
                (
                    "mutation($i: VersionedInput!) { closePlan(input: $i) { plan { id } } }".into(),
                    json!({ "i": { "id": v(NodeType::Plan, plan.id), "version": plan.version } }),
                )
            }
            "derivePlan" => {
                let parent = self.provincial_for(district).await;
                ("mutation($p: ID!, $u: ID!) { derivePlan(parentPlanId: $p, unitId: $u) { plan { id } } }".into(),
                 json!({ "p": v(NodeType::Plan, parent.id), "u": v(NodeType::Unit, self.app.unit_uuid(&bcd).await) }))
            }
            "assignTask" => {
                let (_, task) = self.issued(&bcd).await;
                ("mutation($i: AssignTaskInput!) { assignTask(input: $i) { assignment { id } } }".into(),
                 json!({ "i": { "taskId": v(NodeType::Task, task.id), "unitId": v(NodeType::Unit, self.app.unit_uuid(&party).await), "role": "LEAD" } }))
            }
            "acknowledgeAssignment" | "completeAssignment" => {
                let a = self.assignment(district).await;
                (
                    format!(
                        "mutation($i: AssignmentStepInput!) {{ {mutation}(input: $i) {{ assignment {{ id }} }} }}"
                    ),
                    json!({ "i": { "id": v(NodeType::Assignment, a.id), "version": a.version } }),
                )
            }
            "recordProgress" => {
                let a = self.assignment(district).await;
                ("mutation($i: RecordProgressInput!) { recordProgress(input: $i) { assignment { id } } }".into(),
                 json!({ "i": { "id": v(NodeType::Assignment, a.id), "version": a.version, "progress": 30 } }))
            }
            "createReport" => {
                let obligation = self.obligation(district).await;
                ("mutation($i: CreateReportInput!) { createReport(input: $i) { report { id } } }".into(),
                 json!({ "i": { "obligationId": v(NodeType::Obligation, obligation) } }))
            }
            "updateReport" => {
                let r = self.report(district, "DRAFT").await;
                ("mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id } } }".into(),
                 json!({ "i": { "id": v(NodeType::Report, r.id), "version": r.version, "results": "Kết quả" } }))
            }
            "submitReport" => {
                let r = self.report(district, "DRAFT").await;
                (
                    "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id } } }"
                        .into(),
                    json!({ "i": { "id": v(NodeType::Report, r.id), "version": r.version } }),
                )
            }
            "approveReport" | "returnReport" => {
                let r = self.report(district, "SUBMITTED").await;
                (
                    format!(
                        "mutation($i: ReportStepInput!) {{ {mutation}(input: $i) {{ report {{ id }} }} }}"
                    ),
                    json!({ "i": { "id": v(NodeType::Report, r.id), "version": r.version, "comment": "Bổ sung số liệu" } }),
                )
            }
            "correctReport" => {
                let r = self.report(district, "APPROVED").await;
                (
                    "mutation($id: ID!) { correctReport(id: $id) { report { id } } }".into(),
                    json!({ "id": v(NodeType::Report, r.id) }),
                )
            }
            "registerLegalDocument" => (
                "mutation($i: RegisterLegalDocumentInput!) { registerLegalDocument(input: $i) { legalDocument { id } } }"
                    .into(),
                json!({ "i": { "number": self.document_number(), "documentType": "PLAN", "issuer": "Ban Chỉ đạo",
                               "issuerUnitId": v(NodeType::Unit, self.app.unit_uuid(&bcd).await) } }),
            ),
            "updateLegalDocument" => {
                let doc = self.document(&bcd).await;
                (
                    "mutation($id: ID!, $v: Int!, $i: UpdateLegalDocumentInput!) { updateLegalDocument(id: $id, version: $v, input: $i) { legalDocument { id } } }"
                        .into(),
                    json!({ "id": v(NodeType::LegalDocument, doc.id), "v": doc.version, "i": { "title": "Trích yếu mới" } }),
                )
            }
            "addDocumentRelation" => {
                let (from, to) = (self.document(&bcd).await, self.document(&bcd).await);
                (
                    "mutation($i: AddDocumentRelationInput!) { addDocumentRelation(input: $i) { relation { id } } }"
                        .into(),
                    json!({ "i": { "fromId": v(NodeType::LegalDocument, from.id),
                                   "toId": v(NodeType::LegalDocument, to.id), "kind": "AMENDS" } }),
                )
            }
            "removeDocumentRelation" => {
                let (from, to) = (self.document(&bcd).await, self.document(&bcd).await);
                let (relation, _) = qcdc::domain::legal_registry::add_relation(
                    &self.w,
                    &self.author,
                    qcdc::domain::legal_registry::NewRelation {
                        from: from.id,
                        to: to.id,
                        kind: entity::DocumentRelationKind::Amends,
                        effective_on: None,
                        provision: None,
                        note: None,
                    },
                )
                .await
                .unwrap();
                (
                    "mutation($id: ID!) { removeDocumentRelation(id: $id) { removedId } }".into(),
                    json!({ "id": v(NodeType::DocumentRelation, relation.id) }),
                )
            }
            "applyReorganisation" => {
                self.serial.set(self.serial.get() + 1);
                let effective = day("2024-06-01") + chrono::Duration::days(i64::from(self.serial.get()));
                (
                    "mutation($i: ReorganisationInput!) { applyReorganisation(input: $i) { reorganisation { id } } }"
                        .into(),
                    json!({ "i": { "kind": "RENAME", "effectiveOn": effective, "title": "Đổi tên",
                                   "predecessorIds": [v(NodeType::Unit, self.app.unit_uuid(&bcd).await)],
                                   "name": format!("Ban Chỉ đạo {}", self.serial.get()) } }),
                )
            }
            other => panic!("no case for {other}"),
        }
    }
}

async fn every_mutation_for_every_role_in_and_out_of_scope(app: &TestApp) {
    let admin = qcdc::domain::users::get_by_username(&app.db, "admin")
        .await
        .unwrap()
        .unwrap();
    let fx = Fixtures {
        app,
        w: app.writer(),
        author: app.fixture_actor().await,
        reviewer: Actor {
            caller: qcdc::domain::users::load_caller(&app.db, admin.id)
                .await
                .unwrap()
                .unwrap(),
            origin: Default::default(),
        },
        serial: std::cell::Cell::new(0),
    };
    let mut tokens = Vec::new();
    for role in ["admin", "steering", "manager", "reporter", "viewer"] {
        tokens.push((role, app.login(role).await));
    }
    tokens.push((
        "d01admin",
        app.user_with("d01admin", entity::Role::Admin, "ST.D01")
            .await,
    ));
    let mut cases = 0;
    let mut failures = Vec::new();
    use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder, QuerySelect};
    let audited = || async {
        entity::audit_event::Entity::find()
            .count(&app.db)
            .await
            .unwrap()
    };
    for (mutation, gate) in MUTATIONS.iter().chain(REVIEWS.iter()) {
        for district in ["ST.D01", "ST.D02"] {
            for (role, token) in &tokens {
                let (query, vars) = fx.case(mutation, district).await;
                let before = audited().await;
                let body = app.gql(Some(token), &query, vars).await;
                let expected = allowed(role, *gate, district);
                let refusal = refusal(role, mutation, district);
                // Every change this caller made names it (README, "Audit").
                let written = audited().await - before;
                let person = qcdc::domain::users::get_by_username(&app.db, role)
                    .await
                    .unwrap()
                    .unwrap()
                    .id;
                let events = entity::audit_event::Entity::find()
                    .order_by_asc(entity::audit_event::Column::SortKey)
                    .limit(written)
                    .all(&app.db)
                    .await
                    .unwrap();
                let unnamed = events.iter().any(|e| {
                    e.actor_kind != entity::ActorKind::User || e.actor_user_id != Some(person)
                });
                let outcome = match (expected, error_code(&body)) {
                    (true, None) if written == 0 || unnamed => Some(format!(
                        "{mutation} by {role} on {district}: {written} audit events, \
                         not all naming {role}: {events:?}"
                    )),
                    (true, None) => None,
                    (false, Some(code)) if code == refusal => None,
                    (true, Some(code)) => Some(format!(
                        "{mutation} by {role} on {district}: expected success, got {code}: {body}"
                    )),
                    (false, other) => Some(format!(
                        "{mutation} by {role} on {district}: expected {refusal}, got {other:?}: {body}"
                    )),
                };
                failures.extend(outcome);
                cases += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(cases, 26 * 2 * 6);
}
