//! Content 6 as a province lives it, through the API: the provincial steering committee plans
//! and concludes an inspection of two districts; the district answers, acts with evidence and
//! reports done; the conductor finds the fix not effective and reopens it; the clock passes the
//! due day; the second fix is verified and the oversight closes. Then who may take which step,
//! and what each side may read.

use serde_json::{Value, json};

use crate::live::{next_json, open, subscribe};
use crate::support::{TestApp, error_code};
use entity::Role;

on_both_databases!(
    an_inspection_is_followed_until_its_recommendation_is_remedied,
    a_reopened_oversight_is_concluded_again_never_cancelled,
    recommendations_and_findings_stay_consistent,
    the_last_two_verifications_at_once_close_the_oversight,
    every_oversight_mutation_for_every_side,
    the_remaining_steps_by_role_and_scope,
    targets_lie_within_the_conducting_units_territory,
    a_communes_inspection_board_supervises_its_commune_for_its_term,
    oversights_and_recommendations_come_through_the_change_feed,
    files_go_on_findings_and_remedial_actions_by_side,
);

const CREATE: &str = "mutation($i: CreateOversightInput!) { createOversight(input: $i) { oversight { id status version } } }";
const FINDING: &str =
    "mutation($i: RecordFindingInput!) { recordFinding(input: $i) { finding { id kind } } }";
const ISSUE: &str = "mutation($i: IssueRecommendationInput!) { issueRecommendation(input: $i) { recommendation { id status version } } }";

pub(crate) fn oversight_step(name: &str) -> String {
    format!(
        "mutation($i: OversightStepInput!) {{ {name}(input: $i) {{ oversight {{ id status version reason }} }} }}"
    )
}

fn recommendation_step(name: &str) -> String {
    format!(
        "mutation($i: RecommendationStepInput!) {{ {name}(input: $i) {{ recommendation {{ id status version dueOn reopenCount isOverdue }} oversight {{ status version }} }} }}"
    )
}

/// Days from the server's today, as `YYYY-MM-DD`.
fn in_days(app: &TestApp, days: i64) -> String {
    (app.clock.today() + chrono::Duration::days(days)).to_string()
}

pub(crate) struct Scene {
    pub(crate) steering: String,
    pub(crate) d01: String,
    pub(crate) d02: String,
    pub(crate) oversight: String,
    pub(crate) version: i64,
    pub(crate) recommendation: String,
}

/// Registers a document of the steering committee in the legal registry; returns its id.
pub(crate) async fn register(
    app: &TestApp,
    token: &str,
    number: &str,
    kind: &str,
    title: &str,
) -> Value {
    let body = app
        .data(
            token,
            "mutation($i: RegisterLegalDocumentInput!) { registerLegalDocument(input: $i) { legalDocument { id } } }",
            json!({ "i": { "number": number, "documentType": kind, "issuer": "Ban Chỉ đạo QCDC tỉnh Sóc Trăng",
                "issuedOn": "2024-03-15", "title": title } }),
        )
        .await;
    body["registerLegalDocument"]["legalDocument"]["id"].clone()
}

/// An inspection by the provincial committee of D01 and D02, under way, with findings for both
/// and one recommendation to D01.
pub(crate) async fn under_way(app: &TestApp) -> Scene {
    let steering = app.user_with("o-steering", Role::Steering, "ST").await;
    let d01 = app.user_with("o-d01", Role::UnitManager, "ST.D01").await;
    let d02 = app.user_with("o-d02", Role::Reporter, "ST.D02").await;
    let task = app
        .data(
            &steering,
            "{ tasks(first: 50, filter: { search: \"Xây dựng kế hoạch kiểm tra\" }) { edges { node { id code } } } }",
            json!({}),
        )
        .await;
    let task_id = crate::support::nodes(&task, &["tasks"])
        .into_iter()
        .find(|t| t["code"] == "6.1")
        .map(|t| t["id"].clone())
        .expect("task 6.1");
    let (d01_unit, d02_unit) = (app.unit_id("ST.D01").await, app.unit_id("ST.D02").await);
    let programme = register(
        app,
        &steering,
        "30-KH/BCĐ",
        "PLAN",
        "Kế hoạch kiểm tra, giám sát năm 2024",
    )
    .await;
    let decision = register(
        app,
        &steering,
        "45-QĐ/BCĐ",
        "DECISION",
        "Quyết định kiểm tra",
    )
    .await;
    let created = app
        .data(
            &steering,
            CREATE,
            json!({ "i": {
                "conductingUnitId": app.unit_id("ST.BCD").await,
                "kind": "INSPECTION", "cadence": "PERIODIC",
                "title": "Kiểm tra việc thực hiện dân chủ ở cơ sở năm 2024",
                "taskId": task_id, "programmeDocumentId": programme, "decisionDocumentId": decision,
                "plannedStart": in_days(app, -10), "plannedEnd": in_days(app, 20),
                "targetUnitIds": [d01_unit, d02_unit],
            }}),
        )
        .await;
    let o = &created["createOversight"]["oversight"];
    assert_eq!(o["status"], "PLANNED");
    let oversight = o["id"].as_str().unwrap().to_owned();
    let started = app
        .data(
            &steering,
            &oversight_step("startOversight"),
            json!({ "i": { "id": oversight, "version": o["version"] } }),
        )
        .await;
    assert_eq!(
        started["startOversight"]["oversight"]["status"],
        "IN_PROGRESS"
    );
    let limitation = app
        .data(
            &steering,
            FINDING,
            json!({ "i": { "oversightId": oversight, "targetUnitId": d01_unit, "kind": "LIMITATION",
                "statement": "Chưa công khai đầy đủ dự toán ngân sách xã" } }),
        )
        .await["recordFinding"]["finding"]["id"]
        .clone();
    app.data(
        &steering,
        FINDING,
        json!({ "i": { "oversightId": oversight, "targetUnitId": d01_unit, "kind": "CAUSE",
            "statement": "Cán bộ phụ trách chưa nắm quy định", "explainsId": limitation } }),
    )
    .await;
    app.data(
        &steering,
        FINDING,
        json!({ "i": { "oversightId": oversight, "targetUnitId": d02_unit, "kind": "STRENGTH",
            "statement": "Tổ chức tốt hội nghị đối thoại" } }),
    )
    .await;
    let issued = app
        .data(
            &steering,
            ISSUE,
            json!({ "i": { "oversightId": oversight, "addresseeUnitId": d01_unit,
                "statement": "Niêm yết công khai dự toán theo Điều 11 Luật 10/2022/QH15",
                "dueOn": in_days(app, 10), "findingId": limitation } }),
        )
        .await;
    let recommendation = issued["issueRecommendation"]["recommendation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Scene {
        steering,
        d01,
        d02,
        oversight,
        version: started["startOversight"]["oversight"]["version"]
            .as_i64()
            .unwrap(),
        recommendation,
    }
}

async fn recommendation(app: &TestApp, token: &str, id: &str) -> Value {
    app.data(
        token,
        "query($id: ID!) { node(id: $id) { ... on Recommendation { id status version dueOn isOverdue reopenCount } } }",
        json!({ "id": id }),
    )
    .await["node"]
        .clone()
}

async fn step(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &recommendation_step(name),
        json!({ "i": input }),
    )
    .await
}

/// The next notification on `ws` of `kind`, skipping others.
async fn notified(ws: &mut crate::live::Socket, kind: &str) -> Value {
    loop {
        let message = next_json(ws)
            .await
            .unwrap_or_else(|| panic!("no {kind} notification"));
        if message["type"] == "next" && message["payload"]["data"]["notifications"]["kind"] == kind
        {
            return message["payload"]["data"]["notifications"].clone();
        }
    }
}

const NOTIFICATIONS: &str =
    "subscription { notifications { kind status unit { code } recommendation { id status } } }";

async fn an_inspection_is_followed_until_its_recommendation_is_remedied(app: &TestApp) {
    let s = under_way(app).await;
    let mut district_ws = open(&app.base, &s.d01).await.expect("socket");
    subscribe(&mut district_ws, NOTIFICATIONS).await;
    let mut province_ws = open(&app.base, &s.steering).await.expect("socket");
    subscribe(&mut province_ws, NOTIFICATIONS).await;
    crate::live::listening(&app.base, 2).await;

    // A target reads its own findings only, and recommendations addressed to it only.
    let read = "query($id: ID!) { oversight(id: $id) { findings { kind target { code } } recommendations(first: 10) { edges { node { id } } } } }";
    let oversight_id = s.oversight.clone();
    let seen = |token: String| {
        let variables = json!({ "id": oversight_id });
        async move { app.data(&token, read, variables).await }
    };
    let by_d01 = seen(s.d01.clone()).await;
    let kinds: Vec<&Value> = by_d01["oversight"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["target"]["code"])
        .collect();
    assert_eq!(kinds, [&json!("ST.D01"), &json!("ST.D01")]);
    let by_d02 = seen(s.d02.clone()).await;
    assert_eq!(by_d02["oversight"]["findings"].as_array().unwrap().len(), 1);
    assert_eq!(by_d02["oversight"]["findings"][0]["kind"], "STRENGTH");
    // A recommendation is a draft of the conducting side until the conclusion issues it.
    assert!(
        by_d01["oversight"]["recommendations"]["edges"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the addressee saw a recommendation before the conclusion: {by_d01}"
    );
    assert!(
        recommendation(app, &s.d01, &s.recommendation)
            .await
            .is_null()
    );
    assert!(
        by_d02["oversight"]["recommendations"]["edges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        seen(s.steering.clone()).await["oversight"]["findings"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Nothing moves before the conclusion.
    let early = step(
        app,
        &s.d01,
        "acceptRecommendation",
        json!({ "id": s.recommendation, "version": 1 }),
    )
    .await;
    // Before the conclusion the draft is not the addressee's to see.
    assert_eq!(error_code(&early), Some("NOT_FOUND"), "{early}");

    let conclusion = register(
        app,
        &s.steering,
        "12-TB/BCĐ",
        "NOTICE",
        "Thông báo kết luận kiểm tra",
    )
    .await;
    let concluded = app
        .data(
            &s.steering,
            &oversight_step("concludeOversight"),
            json!({ "i": { "id": s.oversight, "version": s.version, "conclusionDocumentId": conclusion } }),
        )
        .await;
    assert_eq!(
        concluded["concludeOversight"]["oversight"]["status"],
        "CONCLUDED"
    );
    // Its documents are registry documents: numbers parse and search like any other.
    let documents = app
        .data(
            &s.d01,
            "query($id: ID!) { oversight(id: $id) { programmeDocument { numberCanonical } decisionDocument { documentType }
               conclusionDocument { number } } legalDocuments(filter: { search: \"30-KH\" }) { edges { node { number } } } }",
            json!({ "id": s.oversight }),
        )
        .await;
    assert_eq!(
        documents["oversight"]["programmeDocument"]["numberCanonical"], "30-KH/BCĐ",
        "{documents}"
    );
    assert_eq!(
        documents["oversight"]["decisionDocument"]["documentType"],
        "DECISION"
    );
    assert_eq!(
        documents["oversight"]["conclusionDocument"]["number"],
        "12-TB/BCĐ"
    );
    assert_eq!(
        crate::support::nodes(&documents, &["legalDocuments"]).len(),
        1,
        "{documents}"
    );
    let told = notified(&mut district_ws, "RECOMMENDATION_ISSUED").await;
    assert_eq!(told["recommendation"]["id"], s.recommendation.as_str());
    assert_eq!(told["unit"]["code"], "ST.D01");

    // Findings are fixed once concluded.
    let late = app
        .gql(
            Some(&s.steering),
            FINDING,
            json!({ "i": { "oversightId": s.oversight, "targetUnitId": app.unit_id("ST.D01").await,
                "kind": "LESSON", "statement": "muộn" } }),
        )
        .await;
    assert_eq!(error_code(&late), Some("BAD_USER_INPUT"), "{late}");

    // The district answers; the province cannot answer for it, the district cannot verify.
    let by_province = step(
        app,
        &s.steering,
        "acceptRecommendation",
        json!({ "id": s.recommendation, "version": 1 }),
    )
    .await;
    assert_eq!(error_code(&by_province), Some("FORBIDDEN"), "{by_province}");
    let accepted = step(
        app,
        &s.d01,
        "acceptRecommendation",
        json!({ "id": s.recommendation, "version": 1 }),
    )
    .await;
    assert_eq!(
        accepted["data"]["acceptRecommendation"]["recommendation"]["status"], "ACCEPTED",
        "{accepted}"
    );
    let begun = step(
        app,
        &s.d01,
        "beginRemedy",
        json!({ "id": s.recommendation, "version": 2 }),
    )
    .await;
    assert_eq!(
        begun["data"]["beginRemedy"]["recommendation"]["status"],
        "IN_PROGRESS"
    );
    let without_evidence = step(
        app,
        &s.d01,
        "reportRecommendationDone",
        json!({ "id": s.recommendation, "version": 3 }),
    )
    .await;
    assert_eq!(
        error_code(&without_evidence),
        Some("BAD_USER_INPUT"),
        "{without_evidence}"
    );
    let action = app
        .data(
            &s.d01,
            "mutation($i: AddRemedialActionInput!) { addRemedialAction(input: $i) { remedialAction { id version evidence } } }",
            json!({ "i": { "recommendationId": s.recommendation, "description": "Niêm yết tại trụ sở UBND xã",
                "owner": "Văn phòng UBND huyện", "progress": 100, "evidence": "Biên bản niêm yết ngày 05/6" } }),
        )
        .await;
    let action_id = action["addRemedialAction"]["remedialAction"]["id"].clone();
    let done = step(
        app,
        &s.d01,
        "reportRecommendationDone",
        json!({ "id": s.recommendation, "version": 3 }),
    )
    .await;
    assert_eq!(
        done["data"]["reportRecommendationDone"]["recommendation"]["status"], "REPORTED_DONE",
        "{done}"
    );
    let told = notified(&mut province_ws, "RECOMMENDATION_REPORTED_DONE").await;
    assert_eq!(told["recommendation"]["id"], s.recommendation.as_str());
    let self_verify = step(
        app,
        &s.d01,
        "verifyRecommendation",
        json!({ "id": s.recommendation, "version": 4 }),
    )
    .await;
    assert_eq!(error_code(&self_verify), Some("FORBIDDEN"), "{self_verify}");

    // Not effective: reopened with a reason and a later due day.
    let no_reason = step(
        app,
        &s.steering,
        "reopenRecommendation",
        json!({ "id": s.recommendation, "version": 4, "dueOn": in_days(app, 5) }),
    )
    .await;
    assert_eq!(error_code(&no_reason), Some("BAD_USER_INPUT"));
    let reopened = step(
        app,
        &s.steering,
        "reopenRecommendation",
        json!({ "id": s.recommendation, "version": 4, "reason": "Niêm yết chưa đủ 30 ngày", "dueOn": in_days(app, 5) }),
    )
    .await;
    let r = &reopened["data"]["reopenRecommendation"]["recommendation"];
    assert_eq!(r["status"], "REOPENED", "{reopened}");
    assert_eq!(r["reopenCount"], 1);
    assert_eq!(r["dueOn"], in_days(app, 5).as_str());
    assert_eq!(r["isOverdue"], false);
    let told = notified(&mut district_ws, "RECOMMENDATION_REOPENED").await;
    assert_eq!(told["recommendation"]["status"], "REOPENED");

    // The clock passes the due day: another instance on the same data, a week later.
    let later = app
        .another_instance(|mut c| {
            c.clock = qcdc::domain::clock::Clock::starting_at(
                chrono::Utc::now() + chrono::Duration::days(7),
            );
            // Its first sweep comes after the subscription below is listening.
            c.overdue_sweep = std::time::Duration::from_secs(4);
            c
        })
        .await;
    let signed_in = later
        .gql(
            None,
            "mutation { login(username: \"o-d01\", password: \"a-long-password\") { accessToken } }",
            json!({}),
        )
        .await;
    let d01_later = signed_in["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        recommendation(&later, &d01_later, &s.recommendation).await["isOverdue"],
        true
    );
    let overdue = later
        .data(
            &d01_later,
            "{ recommendations(filter: { overdue: true }) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        crate::support::nodes(&overdue, &["recommendations"]).len(),
        1
    );
    let mut later_ws = open(&later.base, &d01_later).await.expect("socket");
    subscribe(&mut later_ws, NOTIFICATIONS).await;
    crate::live::listening(&later.base, 1).await;
    let told = notified(&mut later_ws, "RECOMMENDATION_OVERDUE").await;
    assert_eq!(told["recommendation"]["id"], s.recommendation.as_str());
    later.finish().await;
    // Today it is not overdue yet.
    assert_eq!(
        recommendation(app, &s.d01, &s.recommendation).await["isOverdue"],
        false
    );

    // The second fix is verified and the oversight closes by itself.
    step(
        app,
        &s.d01,
        "beginRemedy",
        json!({ "id": s.recommendation, "version": 5 }),
    )
    .await;
    app.data(
        &s.d01,
        "mutation($i: UpdateRemedialActionInput!) { updateRemedialAction(input: $i) { remedialAction { version } } }",
        json!({ "i": { "id": action_id, "version": 1, "evidence": "Biên bản niêm yết đủ 30 ngày" } }),
    )
    .await;
    step(
        app,
        &s.d01,
        "reportRecommendationDone",
        json!({ "id": s.recommendation, "version": 6 }),
    )
    .await;
    let verified = step(
        app,
        &s.steering,
        "verifyRecommendation",
        json!({ "id": s.recommendation, "version": 7 }),
    )
    .await;
    let v = &verified["data"]["verifyRecommendation"];
    assert_eq!(v["recommendation"]["status"], "VERIFIED", "{verified}");
    assert_eq!(v["oversight"]["status"], "CLOSED");

    // The summary shows it, and a report that says no inspection was held is flagged.
    let window =
        json!({ "u": app.unit_id("ST").await, "from": in_days(app, -30), "to": in_days(app, 30) });
    let summary = app
        .data(
            &s.steering,
            "query($u: ID!, $from: NaiveDate!, $to: NaiveDate!) { oversightSummary(unitId: $u, periodFrom: $from, periodTo: $to) {
               oversights byKind { key count } byStatus { key count } unitsOverseen
               findingsByKind { key count } recommendationsIssued recommendationsVerified remediationRate } }",
            window.clone(),
        )
        .await["oversightSummary"]
        .clone();
    assert_eq!(summary["oversights"], 1, "{summary}");
    assert!(
        summary["byKind"]
            .as_array()
            .unwrap()
            .contains(&json!({ "key": "INSPECTION", "count": 1 }))
    );
    assert!(
        summary["byStatus"]
            .as_array()
            .unwrap()
            .contains(&json!({ "key": "CLOSED", "count": 1 }))
    );
    assert_eq!(summary["unitsOverseen"], 2);
    assert!(
        summary["findingsByKind"]
            .as_array()
            .unwrap()
            .contains(&json!({ "key": "LIMITATION", "count": 1 }))
    );
    assert_eq!(summary["recommendationsIssued"], 1);
    assert_eq!(summary["recommendationsVerified"], 1);
    assert_eq!(summary["remediationRate"], 100.0);
    let district_asks = app
        .gql(
            Some(&s.d01),
            "query($u: ID!, $from: NaiveDate!, $to: NaiveDate!) { oversightSummary(unitId: $u, periodFrom: $from, periodTo: $to) { oversights } }",
            window.clone(),
        )
        .await;
    assert_eq!(
        error_code(&district_asks),
        Some("FORBIDDEN"),
        "{district_asks}"
    );
    for (token, unit) in [(&s.steering, "ST.BCD"), (&s.d02, "ST.D02.BCD")] {
        let created = app
            .data(
                token,
                "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
                json!({ "i": { "unitId": app.unit_id(unit).await, "kind": "AD_HOC", "title": "Báo cáo kiểm tra, giám sát",
                    "periodStart": in_days(app, -10), "periodEnd": in_days(app, 0) } }),
            )
            .await;
        let report = &created["createReport"]["report"];
        let updated = app
            .data(
                token,
                "mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }",
                json!({ "i": { "id": report["id"], "version": report["version"],
                    "indicatorValues": [{ "code": "C6.INSPECTIONS", "value": 0 }] } }),
            )
            .await;
        let report = &updated["updateReport"]["report"];
        app.data(
            token,
            "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { status } } }",
            json!({ "i": { "id": report["id"], "version": report["version"] } }),
        )
        .await;
    }
    let checked = app
        .data(
            &s.steering,
            "query($u: ID!, $from: NaiveDate!, $to: NaiveDate!) { registryCheck(unitId: $u, periodFrom: $from, periodTo: $to) {
               checked mismatches { report { unit { code } } indicator { code } reported registered } } }",
            window,
        )
        .await["registryCheck"]
        .clone();
    assert_eq!(checked["checked"], 2, "{checked}");
    assert_eq!(
        checked["mismatches"],
        json!([{ "report": { "unit": { "code": "ST.BCD" } }, "indicator": { "code": "C6.INSPECTIONS" },
                 "reported": 0.0, "registered": 1.0 }]),
        "only the province's report, which says none was held, is flagged"
    );

    // Every step is audited.
    let audit = app
        .data(
            &s.steering,
            "{ auditEvents(first: 100) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    let actions: Vec<String> = crate::support::nodes(&audit, &["auditEvents"])
        .iter()
        .map(|n| n["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    for expected in [
        "oversight.create",
        "oversight.start",
        "oversight.finding.record",
        "recommendation.issue",
        "oversight.conclude",
        "recommendation.accept",
        "remedialAction.add",
        "recommendation.reportDone",
        "recommendation.reopen",
        "remedialAction.update",
        "recommendation.verify",
        "oversight.close",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} not audited: {actions:?}"
        );
    }
}

/// Who may take each step: the conducting side (STEERING or ADMIN over the province, a
/// UNIT_MANAGER of the conducting unit), the addressee's own staff, STEERING alone to reopen.
async fn every_oversight_mutation_for_every_side(app: &TestApp) {
    let s = under_way(app).await;
    let viewer = app.user_with("o-viewer", Role::Viewer, "ST").await;
    let other = app.user_with("o-d03", Role::UnitManager, "ST.D03").await;
    let bcd_manager = app.user_with("o-bcd", Role::UnitManager, "ST.BCD").await;
    let d01_reporter = app.user_with("o-d01r", Role::Reporter, "ST.D01").await;
    let d01 = app.unit_id("ST.D01").await;

    // Planning an oversight: planners over the conducting unit only.
    let conducting = app.unit_id("ST.BCD").await;
    let plan = |token: String| {
        let input = json!({ "i": {
            "conductingUnitId": conducting.clone(), "kind": "SUPERVISION", "cadence": "AD_HOC",
            "title": "Giám sát đột xuất", "plannedStart": "2024-07-01", "plannedEnd": "2024-07-02",
            "targetUnitIds": [d01.clone()],
        }});
        async move { app.gql(Some(&token), CREATE, input).await }
    };
    for (who, token, expected) in [
        ("viewer", viewer.clone(), Some("FORBIDDEN")),
        (
            "district reporter",
            d01_reporter.clone(),
            Some("BAD_USER_INPUT"),
        ),
        ("district manager", s.d01.clone(), Some("BAD_USER_INPUT")),
        ("manager of the conducting unit", bcd_manager.clone(), None),
        ("steering", s.steering.clone(), None),
    ] {
        let body = plan(token).await;
        assert_eq!(
            error_code(&body),
            expected,
            "createOversight by {who}: {body}"
        );
    }

    // Findings and recommendations: the conducting side only; others cannot see it or may not.
    for (who, token, expected) in [
        ("viewer", viewer.clone(), "FORBIDDEN"),
        ("target's manager", s.d01.clone(), "FORBIDDEN"),
        ("another district", other.clone(), "BAD_USER_INPUT"),
    ] {
        let body = app
            .gql(
                Some(&token),
                FINDING,
                json!({ "i": { "oversightId": s.oversight, "targetUnitId": d01, "kind": "LESSON", "statement": "x" } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            Some(expected),
            "recordFinding by {who}: {body}"
        );
        let body = app
            .gql(
                Some(&token),
                ISSUE,
                json!({ "i": { "oversightId": s.oversight, "addresseeUnitId": d01, "statement": "x", "dueOn": "2030-01-01" } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            Some(expected),
            "issueRecommendation by {who}: {body}"
        );
    }
    let body = app
        .gql(
            Some(&bcd_manager),
            FINDING,
            json!({ "i": { "oversightId": s.oversight, "targetUnitId": d01, "kind": "LESSON", "statement": "Bài học" } }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");

    // Amounts in đồng beyond GraphQL's Int, on violations only, whole and not negative.
    let violation = |kind: &str, amount: Value| {
        json!({ "i": { "oversightId": s.oversight, "targetUnitId": d01, "kind": kind,
            "statement": "Thu sai quy định", "amountVnd": amount, "landM2": null } })
    };
    let recorded = app
        .data(
            &bcd_manager,
            "mutation($i: RecordFindingInput!) { recordFinding(input: $i) { finding { kind amountVnd } } }",
            violation("VIOLATION", json!(3_500_000_000_i64)),
        )
        .await;
    assert_eq!(
        recorded["recordFinding"]["finding"]["amountVnd"],
        3_500_000_000.0_f64
    );
    for (kind, amount) in [
        ("LESSON", json!(1000)),
        ("VIOLATION", json!(1.5)),
        ("VIOLATION", json!(-1)),
    ] {
        let body = app
            .gql(Some(&bcd_manager), FINDING, violation(kind, amount.clone()))
            .await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{kind} {amount}: {body}"
        );
    }

    // Oversight steps: the conducting side; the target never.
    let conclude = oversight_step("concludeOversight");
    for (who, token, expected) in [
        ("viewer", &viewer, "FORBIDDEN"),
        ("target", &s.d01, "FORBIDDEN"),
        ("other district", &other, "NOT_FOUND"),
    ] {
        let body = app
            .gql(
                Some(token),
                &conclude,
                json!({ "i": { "id": s.oversight, "version": s.version } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            Some(expected),
            "concludeOversight by {who}: {body}"
        );
    }
    let concluded = app
        .data(
            &bcd_manager,
            &conclude,
            json!({ "i": { "id": s.oversight, "version": s.version } }),
        )
        .await;
    let version = concluded["concludeOversight"]["oversight"]["version"].clone();
    // Reopening a concluded oversight is STEERING's alone, with a reason.
    let reopen = oversight_step("reopenOversight");
    let body = app
        .gql(
            Some(&bcd_manager),
            &reopen,
            json!({ "i": { "id": s.oversight, "version": version, "reason": "bổ sung" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    // Recommendation steps: the addressee's own staff answer; the conducting side judges.
    let r = &s.recommendation;
    for (who, token, name, expected) in [
        ("viewer", &viewer, "acceptRecommendation", "FORBIDDEN"),
        (
            "other district",
            &other,
            "acceptRecommendation",
            "NOT_FOUND",
        ),
        (
            "another target",
            &s.d02,
            "acceptRecommendation",
            "NOT_FOUND",
        ),
        (
            "conductor",
            &bcd_manager,
            "acceptRecommendation",
            "FORBIDDEN",
        ),
        (
            "conductor",
            &s.steering,
            "disputeRecommendation",
            "FORBIDDEN",
        ),
    ] {
        let body = step(
            app,
            token,
            name,
            json!({ "id": r, "version": 1, "reason": "x" }),
        )
        .await;
        assert_eq!(error_code(&body), Some(expected), "{name} by {who}: {body}");
    }
    let disputed = step(
        app,
        &d01_reporter,
        "disputeRecommendation",
        json!({ "id": r, "version": 1, "reason": "Đã niêm yết từ trước" }),
    )
    .await;
    assert_eq!(
        disputed["data"]["disputeRecommendation"]["recommendation"]["status"], "DISPUTED",
        "{disputed}"
    );
    for (who, token, expected) in [
        ("addressee", &s.d01, "FORBIDDEN"),
        ("viewer", &viewer, "FORBIDDEN"),
    ] {
        let body = step(
            app,
            token,
            "waiveRecommendation",
            json!({ "id": r, "version": 2, "reason": "x" }),
        )
        .await;
        assert_eq!(
            error_code(&body),
            Some(expected),
            "waiveRecommendation by {who}: {body}"
        );
    }
    let body = app
        .gql(
            Some(&s.steering),
            "mutation($i: AddRemedialActionInput!) { addRemedialAction(input: $i) { remedialAction { id } } }",
            json!({ "i": { "recommendationId": r, "description": "x", "owner": "y" } }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "addRemedialAction by the conductor: {body}"
    );
    let waived = step(
        app,
        &s.steering,
        "waiveRecommendation",
        json!({ "id": r, "version": 2, "reason": "Giải trình hợp lý" }),
    )
    .await;
    let w = &waived["data"]["waiveRecommendation"];
    assert_eq!(w["recommendation"]["status"], "WAIVED", "{waived}");
    assert_eq!(w["oversight"]["status"], "CLOSED");
    let after = step(
        app,
        &d01_reporter,
        "beginRemedy",
        json!({ "id": r, "version": 3 }),
    )
    .await;
    assert_eq!(error_code(&after), Some("BAD_USER_INPUT"), "{after}");
}

/// A district's committee oversees its own district; the province's committee the province; no
/// unit oversees itself, and a unit named twice is refused before anything is written.
async fn targets_lie_within_the_conducting_units_territory(app: &TestApp) {
    let admin = app.user_with("o-admin", Role::Admin, "ST").await;
    let admin = &admin;
    let create = |conducting: &'static str, targets: Vec<&'static str>| async move {
        let mut ids = Vec::new();
        for t in targets {
            ids.push(app.unit_id(t).await);
        }
        app.gql(
            Some(admin),
            CREATE,
            json!({ "i": {
                "conductingUnitId": app.unit_id(conducting).await, "kind": "SUPERVISION",
                "cadence": "REGULAR", "title": "Giám sát", "plannedStart": "2024-05-01",
                "plannedEnd": "2024-05-31", "targetUnitIds": ids,
            }}),
        )
        .await
    };
    let inside = create("ST.D01.BCD", vec!["ST.D01.PARTY"]).await;
    assert_eq!(error_code(&inside), None, "{inside}");
    let outside = create("ST.D01.BCD", vec!["ST.D01.PARTY", "ST.D02.PARTY"]).await;
    assert_eq!(error_code(&outside), Some("BAD_USER_INPUT"), "{outside}");
    assert_eq!(
        outside["errors"][0]["extensions"]["field"], "input.targetUnitIds[1]",
        "{outside}"
    );
    // Nor the unit it belongs to: its district's staff would verify their own remedies.
    for (conducting, target) in [("ST.D01.BCD", "ST.D01"), ("ST.BCD", "ST")] {
        let above = create(conducting, vec![target]).await;
        assert_eq!(
            error_code(&above),
            Some("BAD_USER_INPUT"),
            "{conducting} over {target}: {above}"
        );
    }
    let itself = create("ST.BCD", vec!["ST.BCD"]).await;
    assert_eq!(error_code(&itself), Some("BAD_USER_INPUT"), "{itself}");
    let twice = create("ST.BCD", vec!["ST.D01", "ST.D01"]).await;
    assert_eq!(error_code(&twice), Some("BAD_USER_INPUT"), "{twice}");
    let listed = app
        .data(admin, "{ oversights(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        listed["oversights"]["totalCount"], 1,
        "refusals wrote nothing: {listed}"
    );
}

const ESTABLISH: &str = "mutation($i: ReorganisationInput!) { applyReorganisation(input: $i) { reorganisation { successors { id code kind validTo } } } }";

/// Establishes units under `parent` on `day`: `(code, name, kind, validTo)`.
async fn establish(
    app: &TestApp,
    token: &str,
    parent: &str,
    day: &str,
    units: &[(&str, &str, &str, Option<&str>)],
) -> Value {
    let parent = app.unit_id(parent).await;
    let new_units: Vec<Value> = units
        .iter()
        .map(|(code, name, kind, to)| {
            json!({ "code": code, "name": name, "kind": kind, "parentId": parent, "validTo": to })
        })
        .collect();
    app.gql(
        Some(token),
        ESTABLISH,
        json!({ "i": { "kind": "ESTABLISH", "effectiveOn": day, "title": "Thành lập",
            "predecessorIds": [], "newUnits": new_units } }),
    )
    .await
}

/// Law 10/2022/QH15 puts a People's Inspection Board in each commune for its term: established
/// under the commune with its term as `validTo`, it supervises the commune's People's Committee
/// (within its parent's territory), and not once its term has ended.
async fn a_communes_inspection_board_supervises_its_commune_for_its_term(app: &TestApp) {
    let steering = app.user_with("b-steering", Role::Steering, "ST").await;
    let commune = establish(
        app,
        &steering,
        "ST.D01",
        "2024-01-01",
        &[("ST.D01.X1", "Xã Phú Mỹ", "COMMUNE", None)],
    )
    .await;
    assert_eq!(error_code(&commune), None, "{commune}");
    let term_end = in_days(app, 700);
    let bodies = establish(
        app,
        &steering,
        "ST.D01.X1",
        "2024-01-01",
        &[
            (
                "ST.D01.X1.UBND",
                "Ủy ban nhân dân xã Phú Mỹ",
                "PEOPLES_COMMITTEE",
                None,
            ),
            (
                "ST.D01.X1.BTTND",
                "Ban Thanh tra nhân dân xã Phú Mỹ",
                "PEOPLES_INSPECTION_BOARD",
                Some(&term_end),
            ),
            (
                "ST.D01.X1.BTTND0",
                "Ban Thanh tra nhân dân xã Phú Mỹ nhiệm kỳ trước",
                "PEOPLES_INSPECTION_BOARD",
                Some("2024-06-01"),
            ),
        ],
    )
    .await;
    let successors = &bodies["data"]["applyReorganisation"]["reorganisation"]["successors"];
    assert!(
        successors
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["code"] == "ST.D01.X1.BTTND"
                && u["kind"] == "PEOPLES_INSPECTION_BOARD"
                && u["validTo"] == term_end.as_str()),
        "{bodies}"
    );
    // The other community board, whose kind is the longest stored value (PostgreSQL once
    // refused it as too long for its column), and a kind that does not belong under a commune.
    let investment = establish(
        app,
        &steering,
        "ST.D01.X1",
        "2024-01-01",
        &[(
            "ST.D01.X1.GSDT",
            "Ban Giám sát đầu tư của cộng đồng xã Phú Mỹ",
            "INVESTMENT_SUPERVISION_BOARD",
            Some("2026-12-31"),
        )],
    )
    .await;
    assert_eq!(error_code(&investment), None, "{investment}");
    let province = establish(
        app,
        &steering,
        "ST.D01.X1",
        "2024-01-01",
        &[("ST.D01.X1.P", "Tỉnh giả", "PROVINCE", None)],
    )
    .await;
    assert_eq!(error_code(&province), Some("BAD_USER_INPUT"), "{province}");
    let backwards = establish(
        app,
        &steering,
        "ST.D01.X1",
        "2024-01-01",
        &[(
            "ST.D01.X1.BAD",
            "Ban",
            "INVESTMENT_SUPERVISION_BOARD",
            Some("2023-12-31"),
        )],
    )
    .await;
    assert_eq!(
        error_code(&backwards),
        Some("BAD_USER_INPUT"),
        "{backwards}"
    );

    let board_manager = app
        .user_with("b-board", Role::UnitManager, "ST.D01.X1.BTTND")
        .await;
    let supervise = |conducting: &'static str, target: &'static str| {
        let token = board_manager.clone();
        let steering = steering.clone();
        async move {
            let token = if conducting == "ST.D01.X1.BTTND" {
                token
            } else {
                steering
            };
            app.gql(
                Some(&token),
                CREATE,
                json!({ "i": {
                    "conductingUnitId": app.unit_id(conducting).await, "kind": "SUPERVISION",
                    "cadence": "REGULAR", "title": "Giám sát việc công khai tài chính xã",
                    "plannedStart": in_days(app, 1), "plannedEnd": in_days(app, 30),
                    "targetUnitIds": [app.unit_id(target).await],
                }}),
            )
            .await
        }
    };
    let own_commune = supervise("ST.D01.X1.BTTND", "ST.D01.X1.UBND").await;
    assert_eq!(error_code(&own_commune), None, "{own_commune}");
    let beyond = supervise("ST.D01.X1.BTTND", "ST.D01").await;
    assert_eq!(error_code(&beyond), Some("BAD_USER_INPUT"), "{beyond}");
    let ended = supervise("ST.D01.X1.BTTND0", "ST.D01.X1.UBND").await;
    assert_eq!(
        error_code(&ended),
        Some("BAD_USER_INPUT"),
        "a board past its term: {ended}"
    );
}

/// The change feed carries oversights to their targets and recommendations to their addressees
/// only, and each step sends the record again.
async fn oversights_and_recommendations_come_through_the_change_feed(app: &TestApp) {
    use crate::sync::sync_all;
    let s = under_way(app).await;
    let (_, _, _, d01_token) = sync_all(app, &s.d01, None).await;
    let (_, _, _, d02_token) = sync_all(app, &s.d02, None).await;
    let concluded = app
        .data(
            &s.steering,
            &oversight_step("concludeOversight"),
            json!({ "i": { "id": s.oversight, "version": s.version } }),
        )
        .await;
    assert_eq!(
        concluded["concludeOversight"]["oversight"]["status"],
        "CONCLUDED"
    );
    let accepted = step(
        app,
        &s.d01,
        "acceptRecommendation",
        json!({ "id": s.recommendation, "version": 1 }),
    )
    .await;
    assert_eq!(error_code(&accepted), None, "{accepted}");
    let (d01_seen, _, reset, _) = sync_all(app, &s.d01, Some(&d01_token)).await;
    assert!(!reset);
    assert!(
        d01_seen.contains(&s.oversight),
        "the target hears of the oversight: {d01_seen:?}"
    );
    assert!(
        d01_seen.contains(&s.recommendation),
        "the addressee hears of its recommendation"
    );
    let (d02_seen, _, _, _) = sync_all(app, &s.d02, Some(&d02_token)).await;
    assert!(
        d02_seen.contains(&s.oversight),
        "the other target hears of the oversight"
    );
    assert!(
        !d02_seen.contains(&s.recommendation),
        "another target never hears of a recommendation not addressed to it"
    );
}

/// Once concluded, the recommendations are issued: STEERING may reopen the oversight to amend
/// it, and it is concluded again, never cancelled (found from outside: a UNIT_MANAGER cancelled
/// a reopened oversight, freezing its issued recommendations).
async fn a_reopened_oversight_is_concluded_again_never_cancelled(app: &TestApp) {
    let s = under_way(app).await;
    let manager = app.user_with("o-bcd2", Role::UnitManager, "ST.BCD").await;
    let concluded = app
        .data(
            &manager,
            &oversight_step("concludeOversight"),
            json!({ "i": { "id": s.oversight, "version": s.version } }),
        )
        .await;
    let v = concluded["concludeOversight"]["oversight"]["version"]
        .as_i64()
        .unwrap();
    let reopened = app
        .data(
            &s.steering,
            &oversight_step("reopenOversight"),
            json!({ "i": { "id": s.oversight, "version": v, "reason": "Bổ sung kết luận" } }),
        )
        .await;
    assert_eq!(
        reopened["reopenOversight"]["oversight"]["status"],
        "IN_PROGRESS"
    );
    for token in [&manager, &s.steering] {
        let cancelled = app
            .gql(
                Some(token),
                &oversight_step("cancelOversight"),
                json!({ "i": { "id": s.oversight, "version": v + 1, "reason": "huỷ" } }),
            )
            .await;
        assert_eq!(
            error_code(&cancelled),
            Some("BAD_USER_INPUT"),
            "{cancelled}"
        );
    }
    // The addressee still sees what was issued, and waits for the new conclusion to act.
    assert_eq!(
        recommendation(app, &s.d01, &s.recommendation).await["status"],
        "OPEN"
    );
    let early = step(
        app,
        &s.d01,
        "acceptRecommendation",
        json!({ "id": s.recommendation, "version": 1 }),
    )
    .await;
    assert_eq!(error_code(&early), Some("BAD_USER_INPUT"), "{early}");
    let again = app
        .data(
            &manager,
            &oversight_step("concludeOversight"),
            json!({ "i": { "id": s.oversight, "version": v + 1 } }),
        )
        .await;
    assert_eq!(
        again["concludeOversight"]["oversight"]["status"],
        "CONCLUDED"
    );
}

/// A recommendation answers a finding about its own addressee, falls due today or later, and
/// a violation's land is a bounded number with one zero (found from outside).
async fn recommendations_and_findings_stay_consistent(app: &TestApp) {
    let s = under_way(app).await;
    let findings = app
        .data(
            &s.steering,
            "query($id: ID!) { oversight(id: $id) { findings { id kind target { code } } } }",
            json!({ "id": s.oversight }),
        )
        .await;
    let d01_limitation = findings["oversight"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "LIMITATION")
        .map(|f| f["id"].clone())
        .unwrap();
    let d02 = app.unit_id("ST.D02").await;
    for (what, input) in [
        (
            "another unit's finding",
            json!({ "oversightId": s.oversight, "addresseeUnitId": d02, "statement": "x",
                "dueOn": in_days(app, 5), "findingId": d01_limitation }),
        ),
        (
            "due yesterday",
            json!({ "oversightId": s.oversight, "addresseeUnitId": d02, "statement": "x", "dueOn": in_days(app, -1) }),
        ),
        (
            "the province above",
            json!({ "oversightId": s.oversight, "addresseeUnitId": app.unit_id("ST").await, "statement": "x",
                "dueOn": in_days(app, 5) }),
        ),
    ] {
        let body = app
            .gql(Some(&s.steering), ISSUE, json!({ "i": input }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{what}: {body}");
    }
    let land = |value: Value| {
        json!({ "i": { "oversightId": s.oversight, "targetUnitId": d02, "kind": "VIOLATION",
            "statement": "Lấn chiếm đất công", "landM2": value } })
    };
    let huge = app.gql(Some(&s.steering), FINDING, land(json!(1e13))).await;
    assert_eq!(error_code(&huge), Some("BAD_USER_INPUT"), "{huge}");
    let zero = app
        .data(
            &s.steering,
            "mutation($i: RecordFindingInput!) { recordFinding(input: $i) { finding { landM2 } } }",
            land(json!(-0.0)),
        )
        .await;
    assert_eq!(
        zero["recordFinding"]["finding"]["landM2"].to_string(),
        "0.0"
    );

    // An addressee that is not a target sees the oversight behind its recommendation once it
    // is issued (found from outside: it read `oversight: null`).
    let d03 = app.user_with("c-d03", Role::Reporter, "ST.D03").await;
    app.data(
        &s.steering,
        ISSUE,
        json!({ "i": { "oversightId": s.oversight, "addresseeUnitId": app.unit_id("ST.D03").await,
            "statement": "Phối hợp niêm yết", "dueOn": in_days(app, 5) } }),
    )
    .await;
    app.data(
        &s.steering,
        &oversight_step("concludeOversight"),
        json!({ "i": { "id": s.oversight, "version": s.version } }),
    )
    .await;
    let seen = app
        .data(&d03, "{ recommendations { edges { node { statement oversight { title findings { kind } } } } } }", json!({}))
        .await;
    let node = &crate::support::nodes(&seen, &["recommendations"])[0];
    assert_eq!(
        node["oversight"]["title"], "Kiểm tra việc thực hiện dân chủ ở cơ sở năm 2024",
        "{seen}"
    );
    assert_eq!(
        node["oversight"]["findings"],
        json!([]),
        "no finding is about it"
    );
}

/// Two recommendations verified at the same moment by two people of the conducting side: the
/// oversight closes (found from outside: on PostgreSQL each verification saw the other still
/// open, and the oversight stayed concluded).
async fn the_last_two_verifications_at_once_close_the_oversight(app: &TestApp) {
    let steering = app.user_with("v-steering", Role::Steering, "ST").await;
    let manager = app.user_with("v-bcd", Role::UnitManager, "ST.BCD").await;
    let d01 = app.user_with("v-d01", Role::UnitManager, "ST.D01").await;
    let d02 = app.user_with("v-d02", Role::UnitManager, "ST.D02").await;
    let units = [app.unit_id("ST.D01").await, app.unit_id("ST.D02").await];
    for round in 0..3 {
        let created = app
            .data(
                &steering,
                CREATE,
                json!({ "i": { "conductingUnitId": app.unit_id("ST.BCD").await, "kind": "INSPECTION",
                    "cadence": "AD_HOC", "title": format!("Kiểm tra đột xuất {round}"),
                    "plannedStart": in_days(app, 0), "plannedEnd": in_days(app, 1), "targetUnitIds": units } }),
            )
            .await;
        let o = created["createOversight"]["oversight"]["id"].clone();
        app.data(
            &steering,
            &oversight_step("startOversight"),
            json!({ "i": { "id": o, "version": 1 } }),
        )
        .await;
        let mut recs = Vec::new();
        for unit in &units {
            let r = app
                .data(
                    &steering,
                    ISSUE,
                    json!({ "i": { "oversightId": o, "addresseeUnitId": unit, "statement": "Khắc phục", "dueOn": in_days(app, 9) } }),
                )
                .await;
            recs.push(
                r["issueRecommendation"]["recommendation"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        app.data(
            &steering,
            &oversight_step("concludeOversight"),
            json!({ "i": { "id": o, "version": 2 } }),
        )
        .await;
        for (r, token) in recs.iter().zip([&d01, &d02]) {
            step(
                app,
                token,
                "acceptRecommendation",
                json!({ "id": r, "version": 1 }),
            )
            .await;
            step(app, token, "beginRemedy", json!({ "id": r, "version": 2 })).await;
            app.data(
                token,
                "mutation($i: AddRemedialActionInput!) { addRemedialAction(input: $i) { remedialAction { id } } }",
                json!({ "i": { "recommendationId": r, "description": "Đã khắc phục", "owner": "Văn phòng", "evidence": "Biên bản" } }),
            )
            .await;
            let done = step(
                app,
                token,
                "reportRecommendationDone",
                json!({ "id": r, "version": 3 }),
            )
            .await;
            assert_eq!(error_code(&done), None, "{done}");
        }
        let (a, b) = tokio::join!(
            step(
                app,
                &steering,
                "verifyRecommendation",
                json!({ "id": recs[0], "version": 4 })
            ),
            step(
                app,
                &manager,
                "verifyRecommendation",
                json!({ "id": recs[1], "version": 4 })
            ),
        );
        assert_eq!((error_code(&a), error_code(&b)), (None, None), "{a} {b}");
        let status = app
            .data(
                &steering,
                "query($id: ID!) { oversight(id: $id) { status } }",
                json!({ "id": o }),
            )
            .await;
        assert_eq!(status["oversight"]["status"], "CLOSED", "round {round}");
    }
}

/// The closing decision waits for a verification still in flight (PostgreSQL only: SQLite has
/// one writer, so two steps never overlap). Another transaction verifies one recommendation and
/// holds the oversight as the service does; the API verifies the other meanwhile. The API's
/// step must wait, see the first one, and close the oversight (found from outside: each saw the
/// other still open, and the oversight stayed concluded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_waits_for_one_in_flight_and_closes_the_oversight() {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let Some(app) = TestApp::spawn_if_postgres().await else {
        return;
    };
    let steering = app.user_with("w-steering", Role::Steering, "ST").await;
    let d01 = app.user_with("w-d01", Role::UnitManager, "ST.D01").await;
    let units = [app.unit_id("ST.D01").await];
    let created = app
        .data(
            &steering,
            CREATE,
            json!({ "i": { "conductingUnitId": app.unit_id("ST.BCD").await, "kind": "INSPECTION",
                "cadence": "AD_HOC", "title": "Kiểm tra", "plannedStart": in_days(&app, 0),
                "plannedEnd": in_days(&app, 1), "targetUnitIds": units } }),
        )
        .await;
    let o = created["createOversight"]["oversight"]["id"].clone();
    app.data(
        &steering,
        &oversight_step("startOversight"),
        json!({ "i": { "id": o, "version": 1 } }),
    )
    .await;
    let mut recs = Vec::new();
    for n in 0..2 {
        let r = app
            .data(
                &steering,
                ISSUE,
                json!({ "i": { "oversightId": o, "addresseeUnitId": units[0], "statement": format!("Khắc phục {n}"),
                    "dueOn": in_days(&app, 9) } }),
            )
            .await;
        recs.push(
            r["issueRecommendation"]["recommendation"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    app.data(
        &steering,
        &oversight_step("concludeOversight"),
        json!({ "i": { "id": o, "version": 2 } }),
    )
    .await;
    for r in &recs {
        step(
            &app,
            &d01,
            "acceptRecommendation",
            json!({ "id": r, "version": 1 }),
        )
        .await;
        step(&app, &d01, "beginRemedy", json!({ "id": r, "version": 2 })).await;
        app.data(
            &d01,
            "mutation($i: AddRemedialActionInput!) { addRemedialAction(input: $i) { remedialAction { id } } }",
            json!({ "i": { "recommendationId": r, "description": "Đã làm", "owner": "Văn phòng", "evidence": "Biên bản" } }),
        )
        .await;
        step(
            &app,
            &d01,
            "reportRecommendationDone",
            json!({ "id": r, "version": 3 }),
        )
        .await;
    }
    let uuid = |gid: &str| {
        let (_, id) =
            qcdc::graphql::id::decode_any("id", &async_graphql::ID(gid.to_owned())).unwrap();
        id
    };
    let (oversight, first) = (uuid(o.as_str().unwrap()), uuid(&recs[0]));
    let in_flight = app.db.begin().await.unwrap();
    let sql = |text: String| Statement::from_string(sea_orm::DbBackend::Postgres, text);
    in_flight
        .execute_raw(sql(format!(
            "SELECT id FROM oversights WHERE id = '{oversight}' FOR UPDATE"
        )))
        .await
        .unwrap();
    in_flight
        .execute_raw(sql(format!(
            "UPDATE recommendations SET status = 'VERIFIED', version = version + 1 WHERE id = '{first}'"
        )))
        .await
        .unwrap();
    let second = tokio::spawn({
        let (base, token, id) = (app.base.clone(), steering.clone(), recs[1].clone());
        async move {
            reqwest::Client::new()
                .post(format!("{base}/graphql"))
                .bearer_auth(token)
                .json(
                    &json!({ "query": recommendation_step("verifyRecommendation"),
                    "variables": { "i": { "id": id, "version": 4 } } }),
                )
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    in_flight.commit().await.unwrap();
    let answer = second.await.unwrap();
    assert_eq!(
        answer["data"]["verifyRecommendation"]["oversight"]["status"], "CLOSED",
        "{answer}"
    );
    app.finish().await;
}

/// The steps `every_oversight_mutation_for_every_side` leaves out, each by a viewer of the
/// province, a manager of another district, the side that may not and the side that may.
async fn the_remaining_steps_by_role_and_scope(app: &TestApp) {
    let s = under_way(app).await;
    let viewer = app.user_with("m-viewer", Role::Viewer, "ST").await;
    let other = app.user_with("m-d03", Role::UnitManager, "ST.D03").await;
    let bcd = app.user_with("m-bcd", Role::UnitManager, "ST.BCD").await;
    let expect = |body: &Value, code: Option<&str>, what: &str| {
        assert_eq!(error_code(body), code, "{what}: {body}");
    };

    // Start and cancel a planned oversight: the conducting side only.
    let planned = app
        .data(
            &s.steering,
            CREATE,
            json!({ "i": { "conductingUnitId": app.unit_id("ST.BCD").await, "kind": "SUPERVISION",
                "cadence": "AD_HOC", "title": "Giám sát đột xuất", "plannedStart": in_days(app, 1),
                "plannedEnd": in_days(app, 2), "targetUnitIds": [app.unit_id("ST.D01").await] } }),
        )
        .await;
    let p = planned["createOversight"]["oversight"]["id"].clone();
    for name in ["startOversight", "cancelOversight"] {
        for (who, token, code) in [
            ("viewer", &viewer, "FORBIDDEN"),
            ("target", &s.d01, "FORBIDDEN"),
            ("other district", &other, "NOT_FOUND"),
        ] {
            let body = app
                .gql(
                    Some(token),
                    &oversight_step(name),
                    json!({ "i": { "id": p, "version": 1, "reason": "x" } }),
                )
                .await;
            expect(&body, Some(code), &format!("{name} by {who}"));
        }
    }
    // The same step twice from two tabs: the second learns the record moved on (found from
    // outside: it was told the state forbade the step).
    let twice = app
        .data(
            &s.steering,
            CREATE,
            json!({ "i": { "conductingUnitId": app.unit_id("ST.BCD").await, "kind": "INSPECTION",
                "cadence": "AD_HOC", "title": "Kiểm tra", "plannedStart": in_days(app, 1),
                "plannedEnd": in_days(app, 2), "targetUnitIds": [app.unit_id("ST.D02").await] } }),
        )
        .await["createOversight"]["oversight"]["id"]
        .clone();
    let start = json!({ "i": { "id": twice, "version": 1 } });
    let first = app
        .gql(Some(&bcd), &oversight_step("startOversight"), start.clone())
        .await;
    expect(&first, None, "startOversight");
    let second = app
        .gql(Some(&bcd), &oversight_step("startOversight"), start)
        .await;
    expect(
        &second,
        Some("CONFLICT"),
        "startOversight again with the old version",
    );
    let cancelled = app
        .gql(
            Some(&bcd),
            &oversight_step("cancelOversight"),
            json!({ "i": { "id": p, "version": 1, "reason": "Trùng lịch" } }),
        )
        .await;
    expect(
        &cancelled,
        None,
        "cancelOversight by the conducting unit's manager",
    );

    // The addressee's steps: not the conducting side, a viewer or another district.
    app.data(
        &s.steering,
        &oversight_step("concludeOversight"),
        json!({ "i": { "id": s.oversight, "version": s.version } }),
    )
    .await;
    let r = &s.recommendation;
    step(
        app,
        &s.d01,
        "acceptRecommendation",
        json!({ "id": r, "version": 1 }),
    )
    .await;
    let refusals = [
        ("viewer", &viewer, "FORBIDDEN"),
        ("other district", &other, "NOT_FOUND"),
        ("conducting side", &bcd, "FORBIDDEN"),
    ];
    for (who, token, code) in refusals {
        let body = step(app, token, "beginRemedy", json!({ "id": r, "version": 2 })).await;
        expect(&body, Some(code), &format!("beginRemedy by {who}"));
    }
    step(app, &s.d01, "beginRemedy", json!({ "id": r, "version": 2 })).await;
    let action = app
        .data(
            &s.d01,
            "mutation($i: AddRemedialActionInput!) { addRemedialAction(input: $i) { remedialAction { id } } }",
            json!({ "i": { "recommendationId": r, "description": "Niêm yết", "owner": "Văn phòng" } }),
        )
        .await["addRemedialAction"]["remedialAction"]["id"]
        .clone();
    for (who, token, code) in refusals {
        let body = app
            .gql(
                Some(token),
                "mutation($i: UpdateRemedialActionInput!) { updateRemedialAction(input: $i) { remedialAction { id } } }",
                json!({ "i": { "id": action, "version": 1, "evidence": "x" } }),
            )
            .await;
        expect(&body, Some(code), &format!("updateRemedialAction by {who}"));
    }
    app.data(
        &s.d01,
        "mutation($i: UpdateRemedialActionInput!) { updateRemedialAction(input: $i) { remedialAction { id } } }",
        json!({ "i": { "id": action, "version": 1, "evidence": "Biên bản niêm yết" } }),
    )
    .await;
    for (who, token, code) in refusals {
        let body = step(
            app,
            token,
            "reportRecommendationDone",
            json!({ "id": r, "version": 3 }),
        )
        .await;
        expect(
            &body,
            Some(code),
            &format!("reportRecommendationDone by {who}"),
        );
    }
    step(
        app,
        &s.d01,
        "reportRecommendationDone",
        json!({ "id": r, "version": 3 }),
    )
    .await;

    // The conducting side's steps: not the addressee, a viewer or another district.
    for name in ["verifyRecommendation", "reopenRecommendation"] {
        for (who, token, code) in [
            ("viewer", &viewer, "FORBIDDEN"),
            ("other district", &other, "NOT_FOUND"),
            ("addressee", &s.d01, "FORBIDDEN"),
        ] {
            let body = step(
                app,
                token,
                name,
                json!({ "id": r, "version": 4, "reason": "x", "dueOn": in_days(app, 9) }),
            )
            .await;
            expect(&body, Some(code), &format!("{name} by {who}"));
        }
    }
    let verified = step(
        app,
        &bcd,
        "verifyRecommendation",
        json!({ "id": r, "version": 4 }),
    )
    .await;
    expect(
        &verified,
        None,
        "verifyRecommendation by the conducting unit's manager",
    );
}

/// Files on a finding are the conducting side's while the oversight is under way; files on a
/// remedial action are the addressee's while it acts on the recommendation.
async fn files_go_on_findings_and_remedial_actions_by_side(app: &TestApp) {
    use crate::attachments::{ATTACH, pdf};
    let s = under_way(app).await;
    let found = app
        .data(
            &s.steering,
            "query($id: ID!) { node(id: $id) { ... on Oversight { findings { id kind } } } }",
            json!({ "id": s.oversight }),
        )
        .await;
    let finding = found["node"]["findings"][0]["id"].clone();
    let scan = app
        .upload(
            &s.steering,
            "EVIDENCE",
            "Biên bản kiểm tra.pdf",
            "application/pdf",
            &pdf("bien ban kiem tra"),
        )
        .await;
    let attached = app
        .data(
            &s.steering,
            ATTACH,
            json!({ "i": { "uploadId": scan, "targetId": finding } }),
        )
        .await;
    assert_eq!(attached["attachFile"]["attachment"]["targetId"], finding);
    let theirs = app
        .upload(
            &s.d01,
            "EVIDENCE",
            "giai-trinh.pdf",
            "application/pdf",
            &pdf("giai trinh"),
        )
        .await;
    let body = app
        .gql(
            Some(&s.d01),
            ATTACH,
            json!({ "i": { "uploadId": theirs, "targetId": finding } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let listed = app
        .data(
            &s.d01,
            "query($id: ID!) { node(id: $id) { ... on Oversight { findings { id attachments { filename } } } } }",
            json!({ "id": s.oversight }),
        )
        .await;
    let files: Vec<_> = listed["node"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["attachments"].as_array().unwrap().clone())
        .collect();
    assert_eq!(files, vec![json!({ "filename": "Biên bản kiểm tra.pdf" })]);

    // Concluded: the findings' files are fixed.
    let conclusion = register(
        app,
        &s.steering,
        "52-TB/BCĐ",
        "NOTICE",
        "Thông báo kết luận",
    )
    .await;
    app.data(
        &s.steering,
        &oversight_step("concludeOversight"),
        json!({ "i": { "id": s.oversight, "version": s.version, "conclusionDocumentId": conclusion } }),
    )
    .await;
    let late = app
        .upload(
            &s.steering,
            "EVIDENCE",
            "late.pdf",
            "application/pdf",
            &pdf("late finding"),
        )
        .await;
    let body = app
        .gql(
            Some(&s.steering),
            ATTACH,
            json!({ "i": { "uploadId": late, "targetId": finding } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    // The addressee acts, with evidence on its remedial action.
    step(
        app,
        &s.d01,
        "acceptRecommendation",
        json!({ "id": s.recommendation, "version": 1 }),
    )
    .await;
    let action = app
        .data(
            &s.d01,
            "mutation($i: AddRemedialActionInput!) { addRemedialAction(input: $i) { remedialAction { id } } }",
            json!({ "i": { "recommendationId": s.recommendation, "description": "Niêm yết tại trụ sở UBND xã",
                "owner": "Văn phòng UBND huyện", "progress": 50 } }),
        )
        .await["addRemedialAction"]["remedialAction"]["id"]
        .clone();
    let attached = app
        .data(
            &s.d01,
            ATTACH,
            json!({ "i": { "uploadId": theirs, "targetId": action } }),
        )
        .await;
    assert_eq!(attached["attachFile"]["attachment"]["targetId"], action);
    let body = app
        .gql(
            Some(&s.steering),
            ATTACH,
            json!({ "i": { "uploadId": late, "targetId": action } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(
            Some(&s.d02),
            ATTACH,
            json!({ "i": { "uploadId": late, "targetId": action } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}
