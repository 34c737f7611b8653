//! Honest numbers and filters: indicator values within their unit's range, totals that are
//! exact or refused, rates only from units that state both parts, and boolean filters whose
//! true and false answers together cover every record.

use serde_json::{Value, json};

use crate::support::{TestApp, error_code, nodes};

on_both_databases!(
    values_outside_their_range_are_refused_naming_the_field,
    the_database_refuses_a_value_out_of_range,
    large_counts_add_up_exactly,
    a_rate_counts_only_units_that_state_both_parts,
    overdue_false_includes_tasks_without_a_due_date,
    each_boolean_filter_splits_the_tasks_in_two,
);

const CREATE_REPORT: &str =
    r#"mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }"#;
const UPDATE_REPORT: &str =
    r#"mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }"#;
const SUBMIT: &str =
    r#"mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id version } } }"#;
const APPROVE: &str =
    r#"mutation($i: ReportStepInput!) { approveReport(input: $i) { report { status } } }"#;

/// A draft ad hoc report of `unit` for the first half of 2024, written by `token`.
async fn draft(app: &TestApp, token: &str, unit: &str) -> (String, i64) {
    let data = app
        .data(
            token,
            CREATE_REPORT,
            json!({ "i": { "unitId": app.unit_id(unit).await, "title": format!("Báo cáo của {unit}"),
                           "periodStart": "2024-01-01", "periodEnd": "2024-06-30" } }),
        )
        .await;
    let r = &data["createReport"]["report"];
    (
        r["id"].as_str().unwrap().to_owned(),
        r["version"].as_i64().unwrap(),
    )
}

/// States `values` in a draft of `unit`, submits it, and has the standing office approve it.
async fn approved_with(app: &TestApp, author: &str, unit: &str, values: Value) {
    let steering = app.login("steering").await;
    let (id, version) = draft(app, author, unit).await;
    let updated = app
        .data(
            author,
            UPDATE_REPORT,
            json!({ "i": { "id": id, "version": version, "indicatorValues": values } }),
        )
        .await;
    let version = updated["updateReport"]["report"]["version"].clone();
    let submitted = app
        .data(
            author,
            SUBMIT,
            json!({ "i": { "id": id, "version": version } }),
        )
        .await;
    let version = submitted["submitReport"]["report"]["version"].clone();
    let approved = app
        .data(
            &steering,
            APPROVE,
            json!({ "i": { "id": id, "version": version } }),
        )
        .await;
    assert_eq!(approved["approveReport"]["report"]["status"], "APPROVED");
}

const SUMMARY: &str = r#"query($c: [String!]!, $u: ID!) {
    indicatorSummary(codes: $c, unitId: $u, periodFrom: "2024-01-01", periodTo: "2024-12-31") {
        indicator { code } value numerator denominator
        excludedUnits { unit { code } reason reports { id } } } }"#;

async fn values_outside_their_range_are_refused_naming_the_field(app: &TestApp) {
    let reporter = app.login("reporter").await;
    let (id, version) = draft(app, &reporter, "ST.D01.BCD").await;
    for (code, value) in [
        // About 10^308: once accepted, and two of them made the province total null.
        ("C1.SESSIONS", json!(1e308)),
        // Past the largest count a report may state (10^12).
        ("C1.SESSIONS", json!(1_000_000_000_001_i64)),
        ("C1.PARTICIPANTS", json!(1e300)),
        // A count is whole; an amount is whole đồng within 10^15.
        ("C1.SESSIONS", json!(2.5)),
        ("X.CONTRIB_VND", json!(1e16)),
        ("X.CONTRIB_VND", json!(0.5)),
        ("C1.SESSIONS", json!(-1)),
    ] {
        let body = app
            .gql(
                Some(&reporter),
                UPDATE_REPORT,
                json!({ "i": { "id": id, "version": version,
                               "indicatorValues": [{ "code": "C4.DIALOGUES", "value": 3 }, { "code": code, "value": value }] } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{code} = {value}: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "input.indicatorValues[1].value",
            "{code} = {value}"
        );
    }
    // A rate (every percentage of the catalogue is one) is reported through its parts only.
    let rate = app
        .gql(
            Some(&reporter),
            UPDATE_REPORT,
            json!({ "i": { "id": id, "version": version,
                           "indicatorValues": [{ "code": "C4.DIALOGUES", "value": 3 }, { "code": "C4.PETITION_RATE", "value": 50 }] } }),
        )
        .await;
    assert_eq!(error_code(&rate), Some("BAD_USER_INPUT"), "{rate}");
    assert_eq!(
        rate["errors"][0]["extensions"]["field"],
        "input.indicatorValues[1].code"
    );
    // The largest values each unit allows still pass.
    let ok = app
        .data(
            &reporter,
            UPDATE_REPORT,
            json!({ "i": { "id": id, "version": version, "indicatorValues": [
                { "code": "C1.SESSIONS", "value": 1_000_000_000_000_i64 },
                { "code": "X.CONTRIB_VND", "value": 1e15 } ] } }),
        )
        .await;
    assert_eq!(ok["updateReport"]["report"]["version"], version + 1);
}

/// The range is the database's invariant too: a write that went around the domain is refused.
async fn the_database_refuses_a_value_out_of_range(app: &TestApp) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let reporter = app.login("reporter").await;
    let (id, _) = draft(app, &reporter, "ST.D01.BCD").await;
    let report = qcdc::graphql::id::decode(
        "id",
        qcdc::graphql::id::NodeType::Report,
        &async_graphql::ID(id),
    )
    .unwrap();
    let indicator = entity::indicator::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let row = |value: f64| entity::indicator_value::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        report_id: Set(report),
        indicator_id: Set(indicator.id),
        value: Set(value),
        note: Set(None),
        created_at: Set(chrono::Utc::now()),
    };
    for value in [1e308, 1e16, -1.0] {
        let err = row(value).insert(&app.db).await.unwrap_err();
        assert!(
            err.to_string().contains("ck_indicator_values_value_range"),
            "{value}: {err}"
        );
    }
    let kept = row(1e15).insert(&app.db).await.unwrap();
    // An update past the range is refused as well.
    let mut am: entity::indicator_value::ActiveModel = kept.into();
    am.value = Set(f64::MAX);
    assert!(am.update(&app.db).await.is_err());
}

async fn large_counts_add_up_exactly(app: &TestApp) {
    let reporter1 = app.login("reporter").await;
    let reporter2 = app
        .user_with("reporter2", entity::Role::Reporter, "ST.D02")
        .await;
    let big = 999_999_999_999_i64;
    approved_with(
        app,
        &reporter1,
        "ST.D01.BCD",
        json!([{ "code": "C1.SESSIONS", "value": big }]),
    )
    .await;
    approved_with(
        app,
        &reporter2,
        "ST.D02.BCD",
        json!([{ "code": "C1.SESSIONS", "value": big }]),
    )
    .await;
    let steering = app.login("steering").await;
    let data = app
        .data(
            &steering,
            SUMMARY,
            json!({ "c": ["C1.SESSIONS"], "u": app.unit_id("ST").await }),
        )
        .await;
    let total = &data["indicatorSummary"][0];
    assert_eq!(total["value"].as_f64(), Some(2.0 * big as f64), "{total}");
    assert_eq!(total["excludedUnits"], json!([]));
}

async fn a_rate_counts_only_units_that_state_both_parts(app: &TestApp) {
    let reporter1 = app.login("reporter").await;
    let reporter2 = app
        .user_with("reporter2", entity::Role::Reporter, "ST.D02")
        .await;
    // District 1 resolved 9 of 10 petitions; district 2 resolved 40 and gave no "received".
    approved_with(
        app,
        &reporter1,
        "ST.D01.BCD",
        json!([{ "code": "C4.PETITIONS_RECEIVED", "value": 10 }, { "code": "C4.PETITIONS_RESOLVED", "value": 9 }]),
    )
    .await;
    approved_with(
        app,
        &reporter2,
        "ST.D02.BCD",
        json!([{ "code": "C4.PETITIONS_RESOLVED", "value": 40 }]),
    )
    .await;
    let steering = app.login("steering").await;
    let data = app
        .data(
            &steering,
            SUMMARY,
            json!({ "c": ["C4.PETITION_RATE", "C4.PETITIONS_RESOLVED"], "u": app.unit_id("ST").await }),
        )
        .await;
    let rate = &data["indicatorSummary"][0];
    // Not (9 + 40) / 10 = 490 %.
    assert_eq!(rate["value"].as_f64(), Some(90.0), "{rate}");
    assert_eq!(
        (rate["numerator"].as_f64(), rate["denominator"].as_f64()),
        (Some(9.0), Some(10.0))
    );
    let excluded = rate["excludedUnits"].as_array().unwrap();
    assert_eq!(excluded.len(), 1, "{rate}");
    assert_eq!(excluded[0]["unit"]["code"], "ST.D02.BCD");
    assert_eq!(excluded[0]["reason"], "MISSING_DENOMINATOR");
    assert_eq!(excluded[0]["reports"].as_array().unwrap().len(), 1);
    // The count itself still sums every unit.
    let resolved = &data["indicatorSummary"][1];
    assert_eq!(resolved["value"].as_f64(), Some(49.0));
    assert_eq!(resolved["excludedUnits"], json!([]));
}

async fn task_ids(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .data(
                token,
                r#"query($f: TaskFilter, $a: String) { tasks(first: 100, after: $a, filter: $f) {
                    edges { node { id dueOn } } pageInfo { hasNextPage endCursor } } }"#,
                json!({ "f": filter, "a": after }),
            )
            .await;
        ids.extend(
            nodes(&data, &["tasks"])
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned()),
        );
        let page = &data["tasks"]["pageInfo"];
        if page["hasNextPage"] != true {
            break;
        }
        after = page["endCursor"].as_str().map(str::to_owned);
    }
    ids.sort();
    ids
}

async fn overdue_false_includes_tasks_without_a_due_date(app: &TestApp) {
    let steering = app.login("steering").await;
    let data = app
        .data(
            &steering,
            r#"{ tasks(first: 100) { edges { node { id dueOn isOverdue } } } }"#,
            json!({}),
        )
        .await;
    let undated: Vec<String> = nodes(&data, &["tasks"])
        .iter()
        .filter(|t| t["dueOn"].is_null())
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!undated.is_empty(), "the seed has tasks without a due date");
    let not_overdue = task_ids(app, &steering, json!({ "overdue": false })).await;
    for id in &undated {
        assert!(not_overdue.contains(id), "undated task {id} is not overdue");
    }
}

/// For every boolean filter, `true` and `false` split the unfiltered list: nothing is in both,
/// nothing is in neither (SQL's NULL logic once dropped records from the `false` side).
async fn each_boolean_filter_splits_the_tasks_in_two(app: &TestApp) {
    let steering = app.login("steering").await;
    let all = task_ids(app, &steering, json!({})).await;
    for name in ["overdue", "topLevel"] {
        let yes = task_ids(app, &steering, json!({ name: true })).await;
        let no = task_ids(app, &steering, json!({ name: false })).await;
        assert!(yes.iter().all(|id| !no.contains(id)), "{name}: in both");
        let mut both: Vec<String> = yes.iter().chain(&no).cloned().collect();
        both.sort();
        assert_eq!(both, all, "{name}: true and false together are every task");
    }
}
