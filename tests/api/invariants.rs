//! "One X per Y" rules hold under concurrency: ten identical requests at once leave exactly one
//! row, the other nine answer `CONFLICT`, and none `INTERNAL`. On PostgreSQL the requests
//! really race (no write gate), so only the database's unique indexes keep the rules.

use async_graphql::futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{TestApp, error_code, gid};
use qcdc::graphql::id::NodeType;

on_both_databases!(
    one_report_per_obligation,
    one_correction_per_report,
    one_lead_unit_per_task,
    one_plan_number_per_issuer,
    one_derived_plan_per_recipient,
    one_grant_per_holder_role_and_unit,
    one_account_per_username,
    one_document_per_number_identity,
    one_recipient_row_per_plan_and_unit,
    a_grant_listed_twice_is_one_grant,
);

const RACERS: usize = 10;

/// Sends every `(token, variables)` at once and checks that exactly one succeeded and every
/// other answer is `CONFLICT`. Returns the successful body's `data`.
async fn race(app: &TestApp, query: &str, requests: Vec<(&str, Value)>) -> Value {
    // Open one connection per racer first, so the racers leave together instead of queueing
    // behind TCP handshakes.
    join_all(
        requests
            .iter()
            .map(|(token, _)| app.gql(Some(token), "{ __typename }", json!({}))),
    )
    .await;
    let bodies = join_all(
        requests
            .iter()
            .map(|(token, vars)| app.gql(Some(token), query, vars.clone())),
    )
    .await;
    let ok: Vec<&Value> = bodies
        .iter()
        .filter(|b| b.get("errors").is_none())
        .collect();
    let codes: Vec<Option<&str>> = bodies.iter().map(error_code).collect();
    assert_eq!(
        ok.len(),
        1,
        "exactly one request wins: {codes:?}\n{bodies:#?}"
    );
    assert!(
        codes.iter().flatten().all(|c| *c == "CONFLICT"),
        "every loser answers CONFLICT: {codes:?}\n{bodies:#?}"
    );
    ok[0]["data"].clone()
}

fn uuid_of(global: &str) -> uuid::Uuid {
    qcdc::graphql::id::decode_any("id", &async_graphql::ID(global.to_owned()))
        .expect("a global id")
        .1
}

const CREATE_PLAN: &str =
    "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id version } } }";
const ADD_TASK: &str = "mutation($i: AddTaskInput!) { addTask(input: $i) { task { id } } }";
const ISSUE: &str =
    "mutation($i: IssuePlanInput!) { issuePlan(input: $i) { plan { id version number } } }";

/// A draft plan of the province's steering committee with one task; returns (plan, task).
async fn draft_plan(app: &TestApp, steering: &str, title: &str) -> (String, String) {
    let bcd = gid(NodeType::Unit, app.unit_uuid("ST.BCD").await);
    let plan = app
        .data(
            steering,
            CREATE_PLAN,
            json!({ "i": { "title": title, "issuingUnitId": bcd,
                "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
        )
        .await;
    let plan = plan["createPlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let task = app
        .data(
            steering,
            ADD_TASK,
            json!({ "i": { "planId": plan, "title": "Tuyên truyền, quán triệt" } }),
        )
        .await;
    let task = task["addTask"]["task"]["id"].as_str().unwrap().to_owned();
    (plan, task)
}

/// An issued plan with district 1's steering committee as recipient and obligation holder;
/// returns (plan, obligation).
async fn issued_plan(app: &TestApp, steering: &str) -> (String, String) {
    let (plan, _) = draft_plan(app, steering, "Kế hoạch thử tranh chấp").await;
    let bcd1 = gid(NodeType::Unit, app.unit_uuid("ST.D01.BCD").await);
    app.data(
        steering,
        "mutation($i: AddPlanRecipientInput!) { addPlanRecipient(input: $i) { plan { id } } }",
        json!({ "i": { "planId": plan, "unitId": bcd1, "deriveBy": "2024-03-31" } }),
    )
    .await;
    let schedule = app
        .data(
            steering,
            "mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) {
                reportSchedule { obligations { id } } } }",
            json!({ "i": { "planId": plan, "kind": "PRELIMINARY_REVIEW", "title": "Sơ kết",
                "periodStart": "2024-01-01", "periodEnd": "2024-06-30", "dueOn": "2024-07-15",
                "reportingUnitIds": [bcd1] } }),
        )
        .await;
    let obligation = schedule["createReportSchedule"]["reportSchedule"]["obligations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data(
        steering,
        ISSUE,
        json!({ "i": { "id": plan, "version": 1, "number": "88-KH/BCĐ", "issuedOn": "2024-03-01" } }),
    )
    .await;
    (plan, obligation)
}

const CREATE_REPORT: &str =
    "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }";

async fn one_report_per_obligation(app: &TestApp) {
    let steering = app.login("steering").await;
    let reporter = app.login("reporter").await;
    let (_, obligation) = issued_plan(app, &steering).await;
    let vars = json!({ "i": { "obligationId": obligation } });
    race(app, CREATE_REPORT, vec![(reporter.as_str(), vars); RACERS]).await;
    let stored = entity::report::Entity::find()
        .filter(entity::report::Column::ObligationId.eq(uuid_of(&obligation)))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1, "one report for the obligation");
}

async fn one_correction_per_report(app: &TestApp) {
    let steering = app.login("steering").await;
    let reporter = app.login("reporter").await;
    let (_, obligation) = issued_plan(app, &steering).await;
    let created = app
        .data(
            &reporter,
            CREATE_REPORT,
            json!({ "i": { "obligationId": obligation } }),
        )
        .await;
    let report = created["createReport"]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data(
        &reporter,
        "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { version } } }",
        json!({ "i": { "id": report, "version": 1 } }),
    )
    .await;
    app.data(
        &steering,
        "mutation($i: ReportStepInput!) { approveReport(input: $i) { report { status } } }",
        json!({ "i": { "id": report, "version": 2 } }),
    )
    .await;
    race(
        app,
        "mutation($id: ID!) { correctReport(id: $id) { report { id revision } } }",
        vec![(reporter.as_str(), json!({ "id": report })); RACERS],
    )
    .await;
    let corrections = entity::report::Entity::find()
        .filter(entity::report::Column::PreviousId.eq(uuid_of(&report)))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(corrections, 1, "one correction of the report");
}

async fn one_lead_unit_per_task(app: &TestApp) {
    let steering = app.login("steering").await;
    let mut units = Vec::new();
    for d in 1..=RACERS {
        units.push(gid(
            NodeType::Unit,
            app.unit_uuid(&format!("ST.D{d:02}.BCD")).await,
        ));
    }
    // Three tasks, three races: each must end with one lead.
    for round in 0..3 {
        let (_, task) = draft_plan(app, &steering, &format!("Kế hoạch giao chủ trì {round}")).await;
        let requests = units
            .iter()
            .map(|unit| {
                (
                    steering.as_str(),
                    json!({ "i": { "taskId": task, "unitId": unit, "role": "LEAD" } }),
                )
            })
            .collect();
        race(
            app,
            "mutation($i: AssignTaskInput!) { assignTask(input: $i) { assignment { id } } }",
            requests,
        )
        .await;
        let leads = entity::assignment::Entity::find()
            .filter(entity::assignment::Column::TaskId.eq(uuid_of(&task)))
            .filter(entity::assignment::Column::Role.eq(entity::AssignmentRole::Lead))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(leads, 1, "one lead unit on the task");
    }
}

async fn one_plan_number_per_issuer(app: &TestApp) {
    let steering = app.login("steering").await;
    let mut requests = Vec::new();
    for n in 0..RACERS {
        let (plan, _) = draft_plan(app, &steering, &format!("Kế hoạch số {n}")).await;
        requests.push((
            steering.as_str(),
            json!({ "i": { "id": plan, "version": 1, "number": "99-KH/BCĐ",
                "issuedOn": "2024-03-01" } }),
        ));
    }
    race(app, ISSUE, requests).await;
    let numbered = entity::plan::Entity::find()
        .filter(entity::plan::Column::IssuingUnitId.eq(app.unit_uuid("ST.BCD").await))
        .filter(entity::plan::Column::Number.eq("99-KH/BCĐ"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(numbered, 1, "one plan numbered 99-KH/BCĐ");
}

async fn one_derived_plan_per_recipient(app: &TestApp) {
    let steering = app.login("steering").await;
    let manager = app.login("manager").await;
    let (plan, _) = issued_plan(app, &steering).await;
    let bcd1 = gid(NodeType::Unit, app.unit_uuid("ST.D01.BCD").await);
    race(
        app,
        "mutation($p: ID!, $u: ID!) { derivePlan(parentPlanId: $p, unitId: $u) { plan { id } } }",
        vec![(manager.as_str(), json!({ "p": plan, "u": bcd1 })); RACERS],
    )
    .await;
    let derived = entity::plan::Entity::find()
        .filter(entity::plan::Column::ParentPlanId.eq(uuid_of(&plan)))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(derived, 1, "one plan derived for the recipient");
}

async fn one_grant_per_holder_role_and_unit(app: &TestApp) {
    let admin = app.login("admin").await;
    let viewer = qcdc::domain::users::get_by_username(&app.db, "viewer")
        .await
        .unwrap()
        .unwrap();
    let d03 = app.unit_uuid("ST.D03").await;
    let vars = json!({ "i": { "userId": gid(NodeType::User, viewer.id), "role": "REPORTER",
        "scopeUnitId": gid(NodeType::Unit, d03) } });
    race(
        app,
        "mutation($i: GrantRoleInput!) { grantRole(input: $i) { grant { id } } }",
        vec![(admin.as_str(), vars); RACERS],
    )
    .await;
    let grants = entity::role_grant::Entity::find()
        .filter(entity::role_grant::Column::UserId.eq(viewer.id))
        .filter(entity::role_grant::Column::Role.eq(entity::Role::Reporter))
        .filter(entity::role_grant::Column::ScopeUnitId.eq(d03))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(grants, 1, "one REPORTER grant on ST.D03 for the viewer");
}

async fn one_account_per_username(app: &TestApp) {
    let admin = app.login("admin").await;
    let requests = (0..RACERS)
        .map(|n| {
            // Spelled differently, the same account once normalised.
            let username = if n % 2 == 0 { "tranthib" } else { "TranThiB" };
            (
                admin.as_str(),
                json!({ "i": { "username": username, "displayName": "Trần Thị B",
                    "password": "một mật khẩu đủ dài" } }),
            )
        })
        .collect();
    race(
        app,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        requests,
    )
    .await;
    let accounts = entity::user::Entity::find()
        .filter(entity::user::Column::Username.eq("tranthib"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(accounts, 1, "one account named tranthib");
}

async fn one_document_per_number_identity(app: &TestApp) {
    let steering = app.login("steering").await;
    // Three numbers, three races: each must end with one document.
    for seq in [77, 78, 79] {
        let requests = (0..RACERS)
            .map(|n| {
                // Spelled differently, the same decree once parsed.
                let number = if n % 2 == 0 {
                    format!("{seq}/2026/NĐ-CP")
                } else {
                    format!("Số: {seq}/2026/nđ-cp")
                };
                (
                    steering.as_str(),
                    json!({ "i": { "number": number, "documentType": "DECREE",
                        "issuer": "Chính phủ" } }),
                )
            })
            .collect();
        race(
            app,
            "mutation($i: RegisterLegalDocumentInput!) { registerLegalDocument(input: $i) {
                legalDocument { id } } }",
            requests,
        )
        .await;
        let registered = entity::legal_document::Entity::find()
            .filter(entity::legal_document::Column::Year.eq(2026))
            .filter(entity::legal_document::Column::Seq.eq(seq))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(registered, 1, "one document {seq}/2026/NĐ-CP");
    }
}

async fn one_recipient_row_per_plan_and_unit(app: &TestApp) {
    let steering = app.login("steering").await;
    let (plan, _) = draft_plan(app, &steering, "Kế hoạch gửi huyện").await;
    let bcd2 = app.unit_uuid("ST.D02.BCD").await;
    let vars = json!({ "i": { "planId": plan, "unitId": gid(NodeType::Unit, bcd2) } });
    race(
        app,
        "mutation($i: AddPlanRecipientInput!) { addPlanRecipient(input: $i) { plan { id } } }",
        vec![(steering.as_str(), vars); RACERS],
    )
    .await;
    let rows = entity::plan_recipient::Entity::find()
        .filter(entity::plan_recipient::Column::PlanId.eq(uuid_of(&plan)))
        .filter(entity::plan_recipient::Column::UnitId.eq(bcd2))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 1, "ST.D02.BCD is a recipient once");
}

async fn a_grant_listed_twice_is_one_grant(app: &TestApp) {
    let admin = app.login("admin").await;
    let d02 = gid(NodeType::Unit, app.unit_uuid("ST.D02").await);
    let grant = json!({ "role": "REPORTER", "scopeUnitId": d02 });
    let created = app
        .data(
            &admin,
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
            json!({ "i": { "username": "levanc", "displayName": "Lê Văn C",
                "password": "một mật khẩu đủ dài", "grants": [grant, grant] } }),
        )
        .await;
    let user = uuid_of(created["createUser"]["user"]["id"].as_str().unwrap());
    let grants = entity::role_grant::Entity::find()
        .filter(entity::role_grant::Column::UserId.eq(user))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(grants, 1);
}
