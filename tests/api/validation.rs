//! Bad input to mutations: `BAD_USER_INPUT` naming the field, and nothing written.

use serde_json::{Value, json};

use crate::support::{TestApp, error_code, gid};
use qcdc::graphql::id::NodeType;

on_both_databases!(bad_mutation_input_names_the_field_and_writes_nothing);

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
}

async fn expect_bad(app: &TestApp, token: &str, query: &str, vars: Value, expected_field: &str) {
    let body = app.gql(Some(token), query, vars).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{query}: {body}");
    assert_eq!(field(&body), expected_field, "{query}: {body}");
}

async fn bad_mutation_input_names_the_field_and_writes_nothing(app: &TestApp) {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let steering = app.login("steering").await;
    let manager = app.login("manager").await;
    let reporter = app.login("reporter").await;
    let bcd1 = gid(NodeType::Unit, app.unit_uuid("ST.D01.BCD").await);
    let plans_before = entity::plan::Entity::find().count(&app.db).await.unwrap();

    const CREATE: &str =
        "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id version } } }";
    expect_bad(
        app,
        &steering,
        CREATE,
        json!({ "i": { "title": "   ", "issuingUnitId": bcd1,
        "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
        "input.title",
    )
    .await;
    expect_bad(
        app,
        &steering,
        CREATE,
        json!({ "i": { "title": "K", "issuingUnitId": bcd1,
        "periodStart": "2024-12-31", "periodEnd": "2024-01-01" } }),
        "input.periodEnd",
    )
    .await;
    assert_eq!(
        entity::plan::Entity::find().count(&app.db).await.unwrap(),
        plans_before
    );

    let plan = app
        .data(
            &manager,
            CREATE,
            json!({ "i": { "title": "Kế hoạch phường", "issuingUnitId": bcd1,
        "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
        )
        .await;
    let plan_id = plan["createPlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    const ADD_TASK: &str =
        "mutation($i: AddTaskInput!) { addTask(input: $i) { task { id version } } }";
    expect_bad(
        app,
        &manager,
        ADD_TASK,
        json!({ "i": { "planId": plan_id, "title": "T", "dueOn": "2025-02-01" } }),
        "input.dueOn",
    )
    .await;
    expect_bad(
        app,
        &manager,
        ADD_TASK,
        json!({ "i": { "planId": plan_id, "title": "" } }),
        "input.title",
    )
    .await;
    expect_bad(
        app,
        &manager,
        ADD_TASK,
        json!({ "i": { "planId": plan_id, "title": "T", "contentArea": 8 } }),
        "input.contentArea",
    )
    .await;
    let task = app
        .data(
            &manager,
            ADD_TASK,
            json!({ "i": { "planId": plan_id, "title": "Tuyên truyền", "contentArea": 1 } }),
        )
        .await;
    let task_id = task["addTask"]["task"]["id"].as_str().unwrap().to_owned();
    // Issuing an empty plan or one without a number is refused too.
    const ISSUE: &str = "mutation($i: IssuePlanInput!) { issuePlan(input: $i) { plan { id } } }";
    let issue = app.gql(Some(&steering), ISSUE, json!({ "i": { "id": plan_id, "version": 1, "number": " ", "issuedOn": "2024-03-01" } })).await;
    assert_eq!(field(&issue), "number");
    app.data(&steering, ISSUE, json!({ "i": { "id": plan_id, "version": 1, "number": "12-KH/BCĐ", "issuedOn": "2024-03-01" } })).await;
    // An issued plan's tree is fixed.
    expect_bad(
        app,
        &manager,
        ADD_TASK,
        json!({ "i": { "planId": plan_id, "title": "Muộn" } }),
        "planId",
    )
    .await;

    // Assigning to a unit outside one's scope.
    const ASSIGN: &str =
        "mutation($i: AssignTaskInput!) { assignTask(input: $i) { assignment { id version } } }";
    let other = gid(NodeType::Unit, app.unit_uuid("ST.D02.PARTY").await);
    expect_bad(
        app,
        &manager,
        ASSIGN,
        json!({ "i": { "taskId": task_id, "unitId": other, "role": "COORDINATE" } }),
        "unitId",
    )
    .await;
    expect_bad(app, &manager, ASSIGN, json!({ "i": { "taskId": task_id, "unitId": bcd1, "role": "LEAD", "dueOn": "2023-12-31" } }), "dueOn").await;
    let a = app
        .data(
            &manager,
            ASSIGN,
            json!({ "i": { "taskId": task_id, "unitId": bcd1, "role": "LEAD" } }),
        )
        .await;
    let a_id = a["assignTask"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    const PROGRESS: &str =
        "mutation($i: RecordProgressInput!) { recordProgress(input: $i) { assignment { id } } }";
    expect_bad(
        app,
        &reporter,
        PROGRESS,
        json!({ "i": { "id": a_id, "version": 1, "progress": 101 } }),
        "progress",
    )
    .await;
    expect_bad(
        app,
        &reporter,
        PROGRESS,
        json!({ "i": { "id": a_id, "version": 1, "progress": -1 } }),
        "progress",
    )
    .await;

    // Reports: another unit's obligation, negative counts, unknown indicators, bad progress.
    const SCHEDULE: &str = "mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) { reportSchedule { obligations { id unit { code } } } } }";
    let s = app
        .data(
            &steering,
            SCHEDULE,
            json!({ "i": { "planId": plan_id, "kind": "PERIODIC", "title": "Quý I",
        "periodStart": "2024-01-01", "periodEnd": "2024-03-31", "dueOn": "2024-04-10",
        "reportingUnitIds": [bcd1, gid(NodeType::Unit, app.unit_uuid("ST.D01.PARTY").await)] } }),
        )
        .await;
    expect_bad(app, &steering, SCHEDULE, json!({ "i": { "planId": plan_id, "kind": "PERIODIC", "title": "Quý II",
        "periodStart": "2024-04-01", "periodEnd": "2024-06-30", "dueOn": "2024-07-10", "reportingUnitIds": [] } }), "input.reportingUnitIds").await;
    let obligations = s["createReportSchedule"]["reportSchedule"]["obligations"]
        .as_array()
        .unwrap();
    let mine = obligations
        .iter()
        .find(|o| o["unit"]["code"] == "ST.D01.BCD")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let party = obligations
        .iter()
        .find(|o| o["unit"]["code"] == "ST.D01.PARTY")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    const CREATE_REPORT: &str =
        "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }";
    expect_bad(
        app,
        &reporter,
        CREATE_REPORT,
        json!({ "i": { "obligationId": party, "unitId": bcd1 } }),
        "input.obligationId",
    )
    .await;
    let r = app
        .data(
            &reporter,
            CREATE_REPORT,
            json!({ "i": { "obligationId": mine } }),
        )
        .await;
    let r_id = r["createReport"]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    const UPDATE: &str =
        "mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }";
    expect_bad(
        app,
        &reporter,
        UPDATE,
        json!({ "i": { "id": r_id, "version": 1,
        "indicatorValues": [{ "code": "C1.SESSIONS", "value": -3 }] } }),
        "input.indicatorValues[0].value",
    )
    .await;
    expect_bad(app, &reporter, UPDATE, json!({ "i": { "id": r_id, "version": 1,
        "indicatorValues": [{ "code": "C1.SESSIONS", "value": 3 }, { "code": "NO.SUCH", "value": 1 }] } }), "input.indicatorValues[1].code").await;
    expect_bad(
        app,
        &reporter,
        UPDATE,
        json!({ "i": { "id": r_id, "version": 1,
        "indicatorValues": [{ "code": "C4.PETITION_RATE", "value": 120 }] } }),
        "input.indicatorValues[0].code",
    )
    .await;
    expect_bad(
        app,
        &reporter,
        UPDATE,
        json!({ "i": { "id": r_id, "version": 1,
        "progress": [{ "taskId": task_id, "progress": 150 }] } }),
        "input.progress[0].progress",
    )
    .await;
    // Nothing of the refused edits was written.
    let values = entity::indicator_value::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(values, 0);
    let version = app
        .data(
            &reporter,
            "query($id: ID!) { report(id: $id) { version } }",
            json!({ "id": r_id }),
        )
        .await;
    assert_eq!(version["report"]["version"], 1);
    // Returning needs a comment.
    app.data(
        &reporter,
        "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id } } }",
        json!({ "i": { "id": r_id, "version": 1 } }),
    )
    .await;
    expect_bad(
        app,
        &steering,
        "mutation($i: ReportStepInput!) { returnReport(input: $i) { report { id } } }",
        json!({ "i": { "id": r_id, "version": 2 } }),
        "comment",
    )
    .await;
}

/// Concurrent writers on one SQLite file queue instead of failing with "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_sqlite_all_succeed() {
    let app = TestApp::spawn(crate::support::Backend::Sqlite).await;
    let steering = app.login("steering").await;
    let bcd = gid(NodeType::Unit, app.unit_uuid("ST.BCD").await);
    let plan = app
        .data(&steering, "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            json!({ "i": { "title": "Song song", "issuingUnitId": bcd, "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }))
        .await;
    let plan_id = plan["createPlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let writers = (0..32).map(|i| {
        let (app, token, plan_id) = (&app, &steering, &plan_id);
        async move {
            app.gql(Some(token), "mutation($i: AddTaskInput!) { addTask(input: $i) { task { code } } }",
                json!({ "i": { "planId": plan_id, "code": format!("{}", i + 1), "title": format!("Nhiệm vụ {i}") } }))
                .await
        }
    });
    let results = futures_util::future::join_all(writers).await;
    for body in &results {
        assert!(body["errors"].is_null(), "{body}");
    }
    let count = app
        .data(
            &steering,
            "query($p: ID!) { plan(id: $p) { tasks(first: 100) { totalCount } } }",
            json!({ "p": plan_id }),
        )
        .await;
    assert_eq!(count["plan"]["tasks"]["totalCount"], 32);
    app.finish().await;
}
