//! Content 7 through the API: a review is held only with its consolidated report attached, the
//! unit is told when it falls due, and lessons are recorded and found without diacritics.

use serde_json::{Value, json};

use crate::live::{next_json, open, subscribe};
use crate::support::{TestApp, error_code, nodes};
use entity::Role;

on_both_databases!(
    a_review_is_held_only_with_its_consolidated_report,
    every_review_mutation_by_role_and_scope,
);

const SCHEDULE: &str = "mutation($i: ScheduleReviewInput!) { scheduleReview(input: $i) { review { id status version isOverdue } } }";
const ATTACH: &str = "mutation($i: ReviewStepInput!) { attachConsolidatedReport(input: $i) { review { version consolidatedReport { id } } } }";
const HOLD: &str =
    "mutation($i: ReviewStepInput!) { holdReview(input: $i) { review { status heldOn version } } }";

/// A report of `unit` of `kind` for the first half of 2024; submitted when `submit`.
/// A report of `unit` about `plan` (when given) of `kind` for the first half of 2024.
async fn report(
    app: &TestApp,
    token: &str,
    (unit, plan): (&str, Option<&Value>),
    kind: &str,
    submit: bool,
) -> Value {
    let created = app
        .data(
            token,
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
            json!({ "i": { "unitId": app.unit_id(unit).await, "planId": plan, "kind": kind, "title": "Báo cáo sơ kết 6 tháng",
                "periodStart": "2024-01-01", "periodEnd": "2024-06-30" } }),
        )
        .await["createReport"]["report"]
        .clone();
    if submit {
        app.data(
            token,
            "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id } } }",
            json!({ "i": { "id": created["id"], "version": created["version"] } }),
        )
        .await;
    }
    created["id"].clone()
}

async fn a_review_is_held_only_with_its_consolidated_report(app: &TestApp) {
    let steering = app.user_with("r-steering", Role::Steering, "ST").await;
    let district = app.user_with("r-d01", Role::UnitManager, "ST.D01").await;
    let plans = app
        .data(
            &steering,
            "{ plans(first: 5) { edges { node { id number } } } }",
            json!({}),
        )
        .await;
    let plan = nodes(&plans, &["plans"])
        .into_iter()
        .find(|p| p["number"] == "24-KH/BCĐ")
        .map(|p| p["id"].clone())
        .expect("the seeded plan");
    let bcd = app.unit_id("ST.BCD").await;
    let mut ws = open(&app.base, &steering).await.expect("socket");
    subscribe(
        &mut ws,
        "subscription { notifications { kind unit { code } review { title } } }",
    )
    .await;
    crate::live::listening(&app.base, 1).await;
    let input = |title: &str, due: &str| {
        json!({ "i": { "planId": plan, "unitId": bcd, "kind": "PRELIMINARY", "title": title,
            "periodStart": "2024-01-01", "periodEnd": "2024-06-30", "dueOn": due } })
    };

    // Only planners over the unit schedule; a district manager cannot even name it.
    let by_district = app
        .gql(Some(&district), SCHEDULE, input("Sơ kết", "2024-07-15"))
        .await;
    assert_eq!(
        error_code(&by_district),
        Some("BAD_USER_INPUT"),
        "{by_district}"
    );
    let soon = (app.clock.today() + chrono::Duration::days(3)).to_string();
    let scheduled = app
        .data(
            &steering,
            SCHEDULE,
            input("Hội nghị sơ kết 6 tháng đầu năm 2024", &soon),
        )
        .await["scheduleReview"]["review"]
        .clone();
    assert_eq!(scheduled["status"], "PLANNED");
    assert_eq!(scheduled["isOverdue"], false);
    let twice = app
        .gql(Some(&steering), SCHEDULE, input("again", &soon))
        .await;
    assert_eq!(error_code(&twice), Some("CONFLICT"), "{twice}");

    // The unit is told the review falls due.
    let told = loop {
        let m = next_json(&mut ws).await.expect("a review-due notification");
        if m["payload"]["data"]["notifications"]["kind"] == "REVIEW_DUE" {
            break m["payload"]["data"]["notifications"].clone();
        }
    };
    assert_eq!(told["unit"]["code"], "ST.BCD");
    assert_eq!(
        told["review"]["title"],
        "Hội nghị sơ kết 6 tháng đầu năm 2024"
    );

    let id = scheduled["id"].clone();
    let early = app
        .gql(
            Some(&steering),
            HOLD,
            json!({ "i": { "id": id, "version": 1 } }),
        )
        .await;
    assert_eq!(
        error_code(&early),
        Some("BAD_USER_INPUT"),
        "held without its report: {early}"
    );

    // Only the unit's own report of the matching kind, covering the period, once sent.
    for (what, report_id) in [
        (
            "another kind",
            report(app, &steering, ("ST.BCD", Some(&plan)), "AD_HOC", true).await,
        ),
        (
            "a draft",
            report(
                app,
                &steering,
                ("ST.BCD", Some(&plan)),
                "PRELIMINARY_REVIEW",
                false,
            )
            .await,
        ),
        (
            "another unit's",
            report(
                app,
                &steering,
                ("ST.D01.BCD", Some(&plan)),
                "PRELIMINARY_REVIEW",
                true,
            )
            .await,
        ),
    ] {
        let refused = app
            .gql(
                Some(&steering),
                ATTACH,
                json!({ "i": { "id": id, "version": 1, "reportId": report_id } }),
            )
            .await;
        assert_eq!(
            error_code(&refused),
            Some("BAD_USER_INPUT"),
            "{what}: {refused}"
        );
    }
    // The draft above was for ST.BCD; a second obligation-free report of the kind is fine.
    let no_plan = report(app, &steering, ("ST.BCD", None), "PRELIMINARY_REVIEW", true).await;
    let refused = app
        .gql(
            Some(&steering),
            ATTACH,
            json!({ "i": { "id": id, "version": 1, "reportId": no_plan } }),
        )
        .await;
    assert_eq!(
        error_code(&refused),
        Some("BAD_USER_INPUT"),
        "a report about no plan: {refused}"
    );
    let consolidated = report(
        app,
        &steering,
        ("ST.BCD", Some(&plan)),
        "PRELIMINARY_REVIEW",
        true,
    )
    .await;
    let attached = app
        .data(
            &steering,
            ATTACH,
            json!({ "i": { "id": id, "version": 1, "reportId": consolidated } }),
        )
        .await;
    assert_eq!(
        attached["attachConsolidatedReport"]["review"]["consolidatedReport"]["id"],
        consolidated
    );
    // The report is judged again when the review is held: returned since, it no longer fits
    // (found from outside).
    let reviewer = app.user_with("r-reviewer", Role::Steering, "ST").await;
    let returned = app
        .data(
            &reviewer,
            "mutation($i: ReportStepInput!) { returnReport(input: $i) { report { status } } }",
            json!({ "i": { "id": consolidated, "version": 2, "comment": "Thiếu số liệu" } }),
        )
        .await;
    assert_eq!(returned["returnReport"]["report"]["status"], "RETURNED");
    let refused = app
        .gql(
            Some(&steering),
            HOLD,
            json!({ "i": { "id": id, "version": 2 } }),
        )
        .await;
    assert_eq!(
        error_code(&refused),
        Some("BAD_USER_INPUT"),
        "held on a returned report: {refused}"
    );
    app.data(
        &steering,
        "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { status } } }",
        json!({ "i": { "id": consolidated, "version": 3 } }),
    )
    .await;
    let before_period = app
        .gql(
            Some(&steering),
            HOLD,
            json!({ "i": { "id": id, "version": 2, "heldOn": "2023-12-31" } }),
        )
        .await;
    assert_eq!(
        error_code(&before_period),
        Some("BAD_USER_INPUT"),
        "{before_period}"
    );
    let held = app
        .data(&steering, HOLD, json!({ "i": { "id": id, "version": 2 } }))
        .await;
    assert_eq!(held["holdReview"]["review"]["status"], "HELD");
    assert_eq!(
        held["holdReview"]["review"]["heldOn"],
        app.clock.today().to_string().as_str()
    );

    // Lessons from the review, found without diacritics, only within scope.
    let lesson = app
        .data(
            &steering,
            "mutation($i: RecordLessonInput!) { recordLesson(input: $i) { lesson { id sourceId } } }",
            json!({ "i": { "sourceId": id, "content": "Phát huy vai trò người đứng đầu cấp ủy" } }),
        )
        .await;
    assert_eq!(lesson["recordLesson"]["lesson"]["sourceId"], id);
    let found = app
        .data(
            &steering,
            "{ lessons(filter: { search: \"phat huy vai tro\" }) { edges { node { content } } } }",
            json!({}),
        )
        .await;
    assert_eq!(nodes(&found, &["lessons"]).len(), 1, "{found}");
    let elsewhere = app
        .data(
            &district,
            "{ lessons { edges { node { content } } } }",
            json!({}),
        )
        .await;
    assert!(nodes(&elsewhere, &["lessons"]).is_empty(), "{elsewhere}");
    let by_district = app
        .gql(
            Some(&district),
            "mutation($i: RecordLessonInput!) { recordLesson(input: $i) { lesson { id } } }",
            json!({ "i": { "sourceId": id, "content": "x" } }),
        )
        .await;
    assert_eq!(
        error_code(&by_district),
        Some("BAD_USER_INPUT"),
        "{by_district}"
    );
}

/// Each review mutation by a viewer and a reporter of the province, a district's manager (who
/// cannot see the provincial committee's review) and the committee's own manager.
async fn every_review_mutation_by_role_and_scope(app: &TestApp) {
    let steering = app.user_with("a-steering", Role::Steering, "ST").await;
    let viewer = app.user_with("a-viewer", Role::Viewer, "ST").await;
    let reporter = app.user_with("a-reporter", Role::Reporter, "ST.BCD").await;
    let district = app.user_with("a-d01", Role::UnitManager, "ST.D01").await;
    let manager = app.user_with("a-bcd", Role::UnitManager, "ST.BCD").await;
    let plans = app
        .data(
            &steering,
            "{ plans(first: 5) { edges { node { id number } } } }",
            json!({}),
        )
        .await;
    let plan = nodes(&plans, &["plans"])
        .into_iter()
        .find(|p| p["number"] == "24-KH/BCĐ")
        .map(|p| p["id"].clone())
        .unwrap();
    let bcd = app.unit_id("ST.BCD").await;
    let schedule = json!({ "i": { "planId": plan, "unitId": bcd, "kind": "FINAL", "title": "Tổng kết",
        "periodStart": "2024-01-01", "periodEnd": "2024-12-31", "dueOn": "2030-12-20" } });
    for (who, token, expected) in [
        ("viewer", &viewer, Some("FORBIDDEN")),
        ("reporter", &reporter, Some("FORBIDDEN")),
        ("another district", &district, Some("BAD_USER_INPUT")),
        ("the committee's manager", &manager, None),
    ] {
        let body = app.gql(Some(token), SCHEDULE, schedule.clone()).await;
        assert_eq!(
            error_code(&body),
            expected,
            "scheduleReview by {who}: {body}"
        );
    }
    let review = app
        .data(&manager, "{ reviews { edges { node { id } } } }", json!({}))
        .await;
    let id = nodes(&review, &["reviews"])[0]["id"].clone();
    let consolidated = {
        let created = app
            .data(
                &manager,
                "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
                json!({ "i": { "unitId": bcd, "planId": plan, "kind": "ANNUAL_REVIEW", "title": "Báo cáo tổng kết",
                    "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
            )
            .await["createReport"]["report"]
            .clone();
        app.data(
            &manager,
            "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id } } }",
            json!({ "i": { "id": created["id"], "version": created["version"] } }),
        )
        .await;
        created["id"].clone()
    };
    for (who, token, expected) in [
        ("viewer", &viewer, "FORBIDDEN"),
        ("reporter", &reporter, "FORBIDDEN"),
        ("another district", &district, "NOT_FOUND"),
    ] {
        let body = app
            .gql(
                Some(token),
                ATTACH,
                json!({ "i": { "id": id, "version": 1, "reportId": consolidated } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            Some(expected),
            "attachConsolidatedReport by {who}: {body}"
        );
        let body = app
            .gql(
                Some(token),
                HOLD,
                json!({ "i": { "id": id, "version": 1 } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            Some(expected),
            "holdReview by {who}: {body}"
        );
    }
    let attached = app
        .gql(
            Some(&manager),
            ATTACH,
            json!({ "i": { "id": id, "version": 1, "reportId": consolidated } }),
        )
        .await;
    assert_eq!(error_code(&attached), None, "{attached}");
    let lesson = |token: &str| {
        let body = json!({ "i": { "sourceId": id, "content": "Bài học" } });
        let token = token.to_owned();
        async move {
            app.gql(
                Some(&token),
                "mutation($i: RecordLessonInput!) { recordLesson(input: $i) { lesson { id } } }",
                body,
            )
            .await
        }
    };
    assert_eq!(error_code(&lesson(&viewer).await), Some("FORBIDDEN"));
    assert_eq!(error_code(&lesson(&district).await), Some("BAD_USER_INPUT"));
    assert_eq!(error_code(&lesson(&reporter).await), None);
}
