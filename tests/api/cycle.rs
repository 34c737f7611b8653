//! The 2024 cycle of a provincial plan, driven through the HTTP API as the real roles would:
//! the standing office issues the plan, two districts derive theirs (one late), reporters
//! report (one returned, then approved; one district never reports), and the standing office
//! asks for progress, compliance and indicator sums.

use serde_json::{Value, json};

use crate::support::{TestApp, error_code, nodes};

on_both_databases!(the_2024_cycle_runs_through_the_api);

async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.data(token, query, vars).await
}

const CREATE_PLAN: &str =
    r#"mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id version status } } }"#;
const ADD_TASK: &str =
    r#"mutation($i: AddTaskInput!) { addTask(input: $i) { task { id code contentArea } } }"#;

async fn the_2024_cycle_runs_through_the_api(app: &TestApp) {
    let steering = app.login("steering").await;
    let manager1 = app.login("manager").await;
    let reporter1 = app.login("reporter").await;
    let manager2 = app
        .user_with("manager2", entity::Role::UnitManager, "ST.D02")
        .await;
    let reporter2 = app
        .user_with("reporter2", entity::Role::Reporter, "ST.D02")
        .await;
    let id = |code: &'static str| async move { app.unit_id(code).await };
    let province = id("ST").await;
    let bcd = id("ST.BCD").await;
    let bcd1 = id("ST.D01.BCD").await;
    let bcd2 = id("ST.D02.BCD").await;
    let bcd3 = id("ST.D03.BCD").await;
    let today = chrono::Utc::now().date_naive();
    let due_soon = (today + chrono::Duration::days(30)).to_string();

    // 1. The standing office drafts the plan, its tasks, recipients and schedules, and issues it.
    let plan = ok(
        app,
        &steering,
        CREATE_PLAN,
        json!({ "i": {
        "title": "Kế hoạch thực hiện dân chủ ở cơ sở năm 2024 (thử nghiệm)",
        "issuingUnitId": bcd, "standingUnitId": id("ST.TU.BDV").await,
        "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
    )
    .await;
    let plan_id = plan["createPlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(plan["createPlan"]["plan"]["status"], "DRAFT");
    let t1 = ok(app, &steering, ADD_TASK, json!({ "i": { "planId": plan_id, "title": "Tuyên truyền, quán triệt", "contentArea": 1, "dueOn": "2024-06-30" } })).await;
    let t1 = t1["addTask"]["task"]["id"].as_str().unwrap().to_owned();
    let sub = ok(
        app,
        &steering,
        ADD_TASK,
        json!({ "i": { "planId": plan_id, "parentId": t1, "title": "Hội nghị quán triệt Luật" } }),
    )
    .await;
    assert_eq!(sub["addTask"]["task"]["code"], "1.1");
    assert_eq!(sub["addTask"]["task"]["contentArea"], 1);
    ok(app, &steering, ADD_TASK, json!({ "i": { "planId": plan_id, "code": "7", "title": "Sơ kết, tổng kết", "contentArea": 7 } })).await;
    let docs = ok(
        app,
        &steering,
        r#"{ legalDocuments(filter: { search: "30-CT/TW" }) { edges { node { id } } } }"#,
        json!({}),
    )
    .await;
    let ct30 = nodes(&docs, &["legalDocuments"])[0]["id"].clone();
    ok(app, &steering, r#"mutation($i: AddLegalReferenceInput!) { addLegalReference(input: $i) { task { legalReferences { document { number } } } } }"#,
        json!({ "i": { "taskId": t1, "documentId": ct30, "note": "Quán triệt" } })).await;
    for unit in [&bcd1, &bcd2, &bcd3] {
        ok(app, &steering, r#"mutation($i: AddPlanRecipientInput!) { addPlanRecipient(input: $i) { plan { id } } }"#,
            json!({ "i": { "planId": plan_id, "unitId": unit, "deriveBy": "2024-03-31" } })).await;
    }
    let schedule = |kind: &str, title: &str, start: &str, end: &str, due: &str| {
        json!({ "i": { "planId": plan_id, "kind": kind, "title": title, "periodStart": start, "periodEnd": end,
                       "dueOn": due, "reportingUnitIds": [bcd1, bcd2, bcd3] } })
    };
    const SCHEDULE: &str = r#"mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) { reportSchedule { id obligations { id unit { code } } } } }"#;
    let h1 = ok(
        app,
        &steering,
        SCHEDULE,
        schedule(
            "PRELIMINARY_REVIEW",
            "Báo cáo sơ kết 6 tháng",
            "2023-12-15",
            "2024-06-14",
            &due_soon,
        ),
    )
    .await;
    let year = ok(
        app,
        &steering,
        SCHEDULE,
        schedule(
            "ANNUAL_REVIEW",
            "Báo cáo tổng kết năm 2024",
            "2023-12-15",
            "2024-11-14",
            "2024-11-20",
        ),
    )
    .await;
    let h1_id = h1["createReportSchedule"]["reportSchedule"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let year_id = year["createReportSchedule"]["reportSchedule"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let obligation = |s: &Value, code: &str| -> String {
        s["createReportSchedule"]["reportSchedule"]["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["unit"]["code"] == code)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    const ISSUE: &str = r#"mutation($i: IssuePlanInput!) { issuePlan(input: $i) { plan { id status number issuedOn version } } }"#;
    let issued = ok(app, &steering, ISSUE, json!({ "i": { "id": plan_id, "version": 1, "number": "25-KH/BCĐ", "issuedOn": "2024-03-01" } })).await;
    assert_eq!(issued["issuePlan"]["plan"]["status"], "ISSUED");
    // Issuing twice is an illegal transition.
    let again = app.gql(Some(&steering), ISSUE, json!({ "i": { "id": plan_id, "version": 2, "number": "26-KH/BCĐ", "issuedOn": "2024-03-02" } })).await;
    assert_eq!(error_code(&again), Some("BAD_USER_INPUT"));

    // 2. Two districts derive and issue their plans, one on time and one late; a third never does.
    const DERIVE: &str = r#"mutation($p: ID!, $u: ID!) { derivePlan(parentPlanId: $p, unitId: $u) {
        plan { id version status parentPlan { id } tasks(first: 20) { edges { node { id code derivedFrom { id code } } } } } } }"#;
    let d1 = ok(app, &manager1, DERIVE, json!({ "p": plan_id, "u": bcd1 })).await;
    let d1_plan = &d1["derivePlan"]["plan"];
    assert_eq!(d1_plan["status"], "DRAFT");
    assert_eq!(d1_plan["parentPlan"]["id"], json!(plan_id));
    let d1_tasks = nodes(d1_plan, &["tasks"]);
    assert_eq!(d1_tasks.len(), 3);
    for t in &d1_tasks {
        assert_eq!(
            t["derivedFrom"]["code"], t["code"],
            "every copied task links to the task it implements"
        );
    }
    let d1_task1 = d1_tasks.iter().find(|t| t["code"] == "1").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d1_id = d1_plan["id"].as_str().unwrap().to_owned();
    // The district localises: it adds a task of its own to its draft.
    ok(app, &manager1, ADD_TASK, json!({ "i": { "planId": d1_id, "parentId": d1_task1, "title": "Tuyên truyền trên loa truyền thanh phường" } })).await;
    ok(app, &manager1, ISSUE, json!({ "i": { "id": d1_id, "version": 1, "number": "05-KH/BCĐ", "issuedOn": "2024-03-25" } })).await;
    // A manager cannot derive for another district, whose committee it cannot even see.
    let foreign = app
        .gql(Some(&manager1), DERIVE, json!({ "p": plan_id, "u": bcd2 }))
        .await;
    assert_eq!(error_code(&foreign), Some("BAD_USER_INPUT"));
    let d2 = ok(app, &manager2, DERIVE, json!({ "p": plan_id, "u": bcd2 })).await;
    let d2_id = d2["derivePlan"]["plan"]["id"].as_str().unwrap().to_owned();
    ok(app, &manager2, ISSUE, json!({ "i": { "id": d2_id, "version": 1, "number": "07-KH/BCĐ", "issuedOn": "2024-04-10" } })).await;

    // 3. The provincial content 1 goes to district 1 as lead; it acknowledges and reports progress.
    const ASSIGN: &str = r#"mutation($i: AssignTaskInput!) { assignTask(input: $i) { assignment { id version status task { status progress } } } }"#;
    let a = ok(
        app,
        &steering,
        ASSIGN,
        json!({ "i": { "taskId": t1, "unitId": bcd1, "role": "LEAD" } }),
    )
    .await;
    let a_id = a["assignTask"]["assignment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second_lead = app
        .gql(
            Some(&steering),
            ASSIGN,
            json!({ "i": { "taskId": t1, "unitId": bcd2, "role": "LEAD" } }),
        )
        .await;
    assert_eq!(error_code(&second_lead), Some("CONFLICT"));
    ok(app, &reporter1, r#"mutation($i: AssignmentStepInput!) { acknowledgeAssignment(input: $i) { assignment { status } } }"#,
        json!({ "i": { "id": a_id, "version": 1 } })).await;
    let progressed = ok(app, &reporter1, r#"mutation($i: RecordProgressInput!) { recordProgress(input: $i) {
            assignment { status progress updates { status progress note } task { status progress } } } }"#,
        json!({ "i": { "id": a_id, "version": 2, "progress": 50, "note": "Đã tổ chức 12 hội nghị" } })).await;
    let assignment = &progressed["recordProgress"]["assignment"];
    assert_eq!(
        assignment["task"],
        json!({ "status": "IN_PROGRESS", "progress": 50 })
    );
    assert_eq!(
        assignment["updates"].as_array().unwrap().len(),
        2,
        "acknowledged, then progressed"
    );
    // A stale version is a conflict, never a lost update.
    let stale = app.gql(Some(&reporter1), r#"mutation($i: RecordProgressInput!) { recordProgress(input: $i) { assignment { id } } }"#,
        json!({ "i": { "id": a_id, "version": 2, "progress": 60 } })).await;
    assert_eq!(error_code(&stale), Some("CONFLICT"));

    // 4. Six-month reports: district 1 is returned once, then approved; district 2 approved;
    //    district 3 never reports.
    const CREATE_REPORT: &str = r#"mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version status kind } } }"#;
    const UPDATE_REPORT: &str =
        r#"mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }"#;
    const SUBMIT: &str = r#"mutation($i: ReportStepInput!) { submitReport(input: $i) { report { version status } } }"#;
    const APPROVE: &str = r#"mutation($i: ReportStepInput!) { approveReport(input: $i) { report { version status approvedAt } } }"#;
    const RETURN: &str = r#"mutation($i: ReportStepInput!) { returnReport(input: $i) { report { version status reviewComment } } }"#;

    let r1 = ok(
        app,
        &reporter1,
        CREATE_REPORT,
        json!({ "i": { "obligationId": obligation(&h1, "ST.D01.BCD") } }),
    )
    .await;
    let r1_id = r1["createReport"]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(r1["createReport"]["report"]["kind"], "PRELIMINARY_REVIEW");
    // A reporter cannot write another district's report: its obligation answers as unknown.
    let other = app
        .gql(
            Some(&reporter1),
            CREATE_REPORT,
            json!({ "i": { "obligationId": obligation(&h1, "ST.D02.BCD") } }),
        )
        .await;
    assert_eq!(error_code(&other), Some("BAD_USER_INPUT"));
    ok(app, &reporter1, UPDATE_REPORT, json!({ "i": { "id": r1_id, "version": 1,
        "results": "Tổ chức 12 hội nghị quán triệt với 1.500 lượt người.", "limitations": "Một số nơi còn hình thức.",
        "progress": [{ "taskId": d1_task1, "progress": 50, "note": "Đang triển khai" }],
        "indicatorValues": [{ "code": "C1.SESSIONS", "value": 12 }, { "code": "C4.PETITIONS_RECEIVED", "value": 10 },
                            { "code": "C4.PETITIONS_RESOLVED", "value": 9 }] } })).await;
    // Approving a draft is an illegal transition.
    let early = app
        .gql(
            Some(&steering),
            APPROVE,
            json!({ "i": { "id": r1_id, "version": 2 } }),
        )
        .await;
    assert_eq!(error_code(&early), Some("BAD_USER_INPUT"));
    ok(
        app,
        &reporter1,
        SUBMIT,
        json!({ "i": { "id": r1_id, "version": 2 } }),
    )
    .await;
    let returned = ok(
        app,
        &steering,
        RETURN,
        json!({ "i": { "id": r1_id, "version": 3, "comment": "Bổ sung số liệu đối thoại." } }),
    )
    .await;
    assert_eq!(returned["returnReport"]["report"]["status"], "RETURNED");
    ok(
        app,
        &reporter1,
        UPDATE_REPORT,
        json!({ "i": { "id": r1_id, "version": 4, "causes": "Đã bổ sung." } }),
    )
    .await;
    ok(
        app,
        &reporter1,
        SUBMIT,
        json!({ "i": { "id": r1_id, "version": 5 } }),
    )
    .await;
    let approved = ok(
        app,
        &steering,
        APPROVE,
        json!({ "i": { "id": r1_id, "version": 6 } }),
    )
    .await;
    assert_eq!(approved["approveReport"]["report"]["status"], "APPROVED");
    // An approved report never changes.
    let frozen = app
        .gql(
            Some(&reporter1),
            UPDATE_REPORT,
            json!({ "i": { "id": r1_id, "version": 7, "results": "Sửa" } }),
        )
        .await;
    assert_eq!(error_code(&frozen), Some("BAD_USER_INPUT"));

    let r2 = ok(
        app,
        &reporter2,
        CREATE_REPORT,
        json!({ "i": { "obligationId": obligation(&h1, "ST.D02.BCD") } }),
    )
    .await;
    let r2_id = r2["createReport"]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(app, &reporter2, UPDATE_REPORT, json!({ "i": { "id": r2_id, "version": 1, "results": "Đạt kế hoạch.",
        "indicatorValues": [{ "code": "C1.SESSIONS", "value": 5 }, { "code": "C4.PETITIONS_RECEIVED", "value": 100 },
                            { "code": "C4.PETITIONS_RESOLVED", "value": 10 }] } })).await;
    ok(
        app,
        &reporter2,
        SUBMIT,
        json!({ "i": { "id": r2_id, "version": 2 } }),
    )
    .await;
    ok(
        app,
        &steering,
        APPROVE,
        json!({ "i": { "id": r2_id, "version": 3 } }),
    )
    .await;

    // The annual review was due in 2024: district 1's report today is late.
    let ry = ok(
        app,
        &reporter1,
        CREATE_REPORT,
        json!({ "i": { "obligationId": obligation(&year, "ST.D01.BCD") } }),
    )
    .await;
    let ry_id = ry["createReport"]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        app,
        &reporter1,
        SUBMIT,
        json!({ "i": { "id": ry_id, "version": 1 } }),
    )
    .await;

    // 5. The standing office asks for the numbers.
    let progress = ok(
        app,
        &steering,
        r#"query($p: ID!, $u: ID!) { planProgress(planId: $p, unitId: $u) {
            tasks { total notStarted inProgress done overdue }
            byContentArea { contentArea total }
            recipients { unit { code } status derivedPlan { number } } } }"#,
        json!({ "p": plan_id, "u": province }),
    )
    .await;
    let p = &progress["planProgress"];
    // 3 provincial tasks + 3 copied in each derived plan + 1 added by district 1.
    assert_eq!(p["tasks"]["total"], 10);
    assert_eq!(p["tasks"]["inProgress"], 1);
    // Content 1 is due 2024-06-30 in all three plans and not done anywhere.
    assert_eq!(p["tasks"]["overdue"], 3);
    assert_eq!(
        p["byContentArea"],
        json!([{ "contentArea": 1, "total": 7 }, { "contentArea": 7, "total": 3 }])
    );
    let status_of = |code: &str| -> Value {
        p["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unit"]["code"] == code)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of("ST.D01.BCD"), "ISSUED_ON_TIME");
    assert_eq!(status_of("ST.D02.BCD"), "ISSUED_LATE");
    assert_eq!(status_of("ST.D03.BCD"), "OVERDUE");

    let district = ok(app, &manager1, r#"query($p: ID!, $u: ID!) { planProgress(planId: $p, unitId: $u) { tasks { total } recipients { unit { code } } } }"#,
        json!({ "p": plan_id, "u": id("ST.D01").await })).await;
    assert_eq!(district["planProgress"]["tasks"]["total"], 4);
    assert_eq!(
        district["planProgress"]["recipients"],
        json!([{ "unit": { "code": "ST.D01.BCD" } }])
    );
    let nosy = app.gql(Some(&manager1), r#"query($p: ID!, $u: ID!) { planProgress(planId: $p, unitId: $u) { tasks { total } } }"#,
        json!({ "p": plan_id, "u": province })).await;
    assert_eq!(error_code(&nosy), Some("FORBIDDEN"));

    const COMPLIANCE: &str = r#"query($s: ID!, $u: ID!) { reportingCompliance(scheduleId: $s, unitId: $u) {
        expected submitted approved onTime late missing missingUnits { code } } }"#;
    let c = ok(
        app,
        &steering,
        COMPLIANCE,
        json!({ "s": h1_id, "u": province }),
    )
    .await;
    assert_eq!(
        c["reportingCompliance"],
        json!({ "expected": 3, "submitted": 2, "approved": 2, "onTime": 2, "late": 0,
        "missing": 1, "missingUnits": [{ "code": "ST.D03.BCD" }] })
    );
    let c = ok(
        app,
        &steering,
        COMPLIANCE,
        json!({ "s": year_id, "u": province }),
    )
    .await;
    assert_eq!(c["reportingCompliance"]["submitted"], 1);
    assert_eq!(c["reportingCompliance"]["late"], 1);
    assert_eq!(c["reportingCompliance"]["missing"], 2);

    const SUMMARY: &str = r#"query($s: ID!, $u: ID!) { indicatorSummary(codes: ["C1.SESSIONS", "C4.PETITION_RATE"], scheduleId: $s, unitId: $u) {
        indicator { code } value numerator denominator reports { id } } }"#;
    let s = ok(
        app,
        &steering,
        SUMMARY,
        json!({ "s": h1_id, "u": province }),
    )
    .await;
    let totals = s["indicatorSummary"].as_array().unwrap();
    assert_eq!(totals[0]["value"], 17.0);
    assert_eq!(totals[0]["reports"].as_array().unwrap().len(), 2);
    // 19 resolved of 110 received: 17.3 %, not the 50 % that averaging 90 % and 10 % would give.
    assert_eq!(totals[1]["numerator"], 19.0);
    assert_eq!(totals[1]["denominator"], 110.0);
    assert!((totals[1]["value"].as_f64().unwrap() - 1900.0 / 110.0).abs() < 1e-9);
    let s = ok(
        app,
        &manager1,
        SUMMARY,
        json!({ "s": h1_id, "u": id("ST.D01").await }),
    )
    .await;
    assert_eq!(s["indicatorSummary"][0]["value"], 12.0);
    assert_eq!(s["indicatorSummary"][1]["value"], 90.0);

    // 6. A correction is a new revision; sums then use it instead of the original.
    let corrected = ok(app, &reporter1, r#"mutation($id: ID!) { correctReport(id: $id) { report { id version revision status previous { id } } } }"#,
        json!({ "id": r1_id })).await;
    let c_id = corrected["correctReport"]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(corrected["correctReport"]["report"]["revision"], 2);
    assert_eq!(
        corrected["correctReport"]["report"]["previous"]["id"],
        json!(r1_id)
    );
    ok(app, &reporter1, UPDATE_REPORT, json!({ "i": { "id": c_id, "version": 1,
        "indicatorValues": [{ "code": "C1.SESSIONS", "value": 14 }, { "code": "C4.PETITIONS_RECEIVED", "value": 10 },
                            { "code": "C4.PETITIONS_RESOLVED", "value": 9 }] } })).await;
    ok(
        app,
        &reporter1,
        SUBMIT,
        json!({ "i": { "id": c_id, "version": 2 } }),
    )
    .await;
    ok(
        app,
        &steering,
        APPROVE,
        json!({ "i": { "id": c_id, "version": 3 } }),
    )
    .await;
    let s = ok(
        app,
        &steering,
        SUMMARY,
        json!({ "s": h1_id, "u": province }),
    )
    .await;
    assert_eq!(s["indicatorSummary"][0]["value"], 19.0);

    // Coverage: content × recipient, derived and reported?
    let cov = ok(app, &steering, r#"query($p: ID!) { plan(id: $p) { coverage { content { code } unit { code } derivationStatus derivedTasks reported } } }"#,
        json!({ "p": plan_id })).await;
    let cells = cov["plan"]["coverage"].as_array().unwrap();
    assert_eq!(cells.len(), 6);
    let cell = |content: &str, unit: &str| {
        cells
            .iter()
            .find(|c| c["content"]["code"] == content && c["unit"]["code"] == unit)
            .unwrap()
    };
    assert_eq!(cell("1", "ST.D01.BCD")["derivedTasks"], 2);
    assert_eq!(cell("1", "ST.D01.BCD")["reported"], true);
    assert_eq!(cell("7", "ST.D02.BCD")["reported"], false);
    assert_eq!(cell("1", "ST.D03.BCD")["derivedTasks"], 0);

    // 7. Every change is in the audit log, readable by the standing office, not by reporters.
    let log = ok(
        app,
        &steering,
        r#"query($id: ID!) { auditEvents(first: 50, filter: { entityId: $id }) {
        totalCount edges { node { action actor requestId before after } } } }"#,
        json!({ "id": r1_id }),
    )
    .await;
    let actions: Vec<&str> = nodes(&log, &["auditEvents"])
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "report.approve",
            "report.submit",
            "report.update",
            "report.return",
            "report.submit",
            "report.update",
            "report.create"
        ]
    );
    let approve = nodes(&log, &["auditEvents"])[0];
    assert_eq!(approve["actor"], "steering");
    assert!(approve["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(approve["before"].as_str().unwrap().contains("SUBMITTED"));
    assert!(approve["after"].as_str().unwrap().contains("APPROVED"));
    let denied = app
        .gql(
            Some(&reporter1),
            "{ auditEvents { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"));

    // Closing the plan ends the cycle.
    let version = ok(
        app,
        &steering,
        "query($p: ID!) { plan(id: $p) { version } }",
        json!({ "p": plan_id }),
    )
    .await;
    let closed = ok(
        app,
        &steering,
        r#"mutation($i: VersionedInput!) { closePlan(input: $i) { plan { status } } }"#,
        json!({ "i": { "id": plan_id, "version": version["plan"]["version"] } }),
    )
    .await;
    assert_eq!(closed["closePlan"]["plan"]["status"], "CLOSED");
}
