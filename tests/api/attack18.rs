//! Outside attack on the "By the book" build (issue 18): other members of the kinds
//! that still fail. Each test names its kind.

use serde_json::{Value, json};

use crate::support::{TestApp, error_code};
use entity::{Role, report_obligation};
use qcdc::graphql::id::{NodeType, encode as gid};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

on_both_databases!(
    a_missing_required_variable_is_a_request_error,
    a_subscription_over_http_is_a_request_error,
    variables_that_do_not_coerce_are_request_errors,
    a_variable_used_only_in_a_directive_on_typename_is_used,
    a_subscription_selecting_its_field_twice_has_one_root_field,
    introspection_lists_are_paid_for,
    a_rate_stated_without_its_parts_is_refused_or_named,
    amounts_add_up_exactly,
);

/// 01:30 in Việt Nam on 11 March 2027 (18:30 UTC on 10 March).
fn at_0130_in_viet_nam(mut config: qcdc::config::Config) -> qcdc::config::Config {
    config.clock = qcdc::domain::clock::Clock::starting_at("2027-03-10T18:30:00Z".parse().unwrap());
    config
}

on_both_databases!(
    config: at_0130_in_viet_nam;
    a_report_written_after_midnight_belongs_to_the_new_parent,
);

async fn post(app: &TestApp, accept: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("accept", accept)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// Kind: variable coercion is a request error (GraphQL §6.1.2 CoerceVariableValues; GraphQL
/// over HTTP: 400 with `application/graphql-response+json`, no `data`). A `ID!` variable given
/// `null` is refused with 400, but the same variable left out executes and answers 200 with
/// `"data": null` and an error on the field's path.
async fn a_missing_required_variable_is_a_request_error(app: &TestApp) {
    let doc = "query($id: ID!) { node(id: $id) { id } }";
    for body in [
        json!({ "query": doc }),
        json!({ "query": doc, "variables": {} }),
    ] {
        let (status, answer) = post(app, "application/graphql-response+json", body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer:#}");
        assert!(answer.get("data").is_none(), "no data: {answer:#}");
        // A variable that does not coerce is bad input naming the variable.
        assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{answer:#}");
        assert_eq!(answer["errors"][0]["extensions"]["field"], "variables.id");
        let (status, answer) = post(app, "application/json", body.clone()).await;
        assert_eq!(status, 200);
        assert!(
            answer.get("data").is_none(),
            "a request error has no data: {answer:#}"
        );
    }
}

/// Kind: validation verdicts as graphql-js gives them. A variable used only in `@skip`/`@include`
/// on a `__typename` field is used (graphql-js: valid); qcdc says it is not used.
async fn a_variable_used_only_in_a_directive_on_typename_is_used(app: &TestApp) {
    let token = app.login("viewer").await;
    for doc in [
        "query Q($v: Boolean!) { __typename @skip(if: $v) }",
        "query Q($v: Boolean!) { me { id __typename @include(if: $v) } }",
        "query Q($v: Boolean! = true) { me { id } __typename @skip(if: $v) }",
    ] {
        let body = app.gql(Some(&token), doc, json!({ "v": true })).await;
        assert!(body.get("errors").is_none(), "{doc} → {body:#}");
    }
}

/// Kind: cost counted over what runs. `__schema { types { fields { args } } }` is three nested
/// lists of ~150, ~20 and a few items, yet each costs 1: 190 aliases of it (34 KB) answer
/// 10.7 MB after ~11 s of CPU (debug build) with no refusal. Lists under introspection must be
/// paid for like any plain list (5 × items), so this is refused with its cost and the limit.
async fn introspection_lists_are_paid_for(app: &TestApp) {
    let token = app.login("viewer").await;
    let one = "__schema { types { name fields(includeDeprecated: true) { name args { name type { name ofType { name } } } type { name ofType { name } } } } }";
    let doc = format!(
        "{{ {} }}",
        (0..190)
            .map(|i| format!("a{i}: {one}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let body = app.gql(Some(&token), &doc, json!({})).await;
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "refused, not run"
    );
    let ext = &body["errors"][0]["extensions"];
    assert!(ext["cost"].as_u64().unwrap_or(0) > 10_000, "{ext:#}");
    assert_eq!(ext["maxCost"], 10_000);
}

/// Kind: one calendar. Which district a report belongs to is judged by the closure table's
/// validity days against the report's `created_at` instant compared as a UTC day
/// (`scope::under_when`). A unit moved to another parent from 11 March writes a report at 01:30
/// on 11 March in Việt Nam (10 March in UTC): the report belongs to the new parent, yet the old
/// district sees it and the new parent does not.
async fn a_report_written_after_midnight_belongs_to_the_new_parent(app: &TestApp) {
    let steering = app.login("steering").await;
    assert_eq!(app.clock.today().to_string(), "2027-03-11");
    let moved = app
        .gql(
            Some(&steering),
            "mutation($i: ReorganisationInput!) { applyReorganisation(input: $i) { reorganisation { id } } }",
            json!({ "i": { "kind": "REPARENT", "effectiveOn": "2027-03-11", "title": "Chuyển trực thuộc",
                           "predecessorIds": [app.unit_id("ST.D05.BCD").await],
                           "parentId": app.unit_id("ST.BCD").await } }),
        )
        .await;
    assert!(moved.get("errors").is_none(), "{moved:#}");

    let writer = app.user_with("w05", Role::Reporter, "ST.D05.BCD").await;
    let (draft, _) = draft_on_first_obligation(app, &writer, "ST.D05.BCD").await;
    let report = draft["id"].clone();

    let old_district = app.user_with("v05", Role::Viewer, "ST.D05").await;
    let new_parent = app.user_with("vbcd", Role::Viewer, "ST.BCD").await;
    let read = "query($id: ID!) { node(id: $id) { id } }";
    let by_old = app.data(&old_district, read, json!({ "id": report })).await;
    assert!(
        by_old["node"].is_null(),
        "written on 11 March under ST.BCD: not the old district's: {by_old:#}"
    );
    let by_new = app.data(&new_parent, read, json!({ "id": report })).await;
    assert_eq!(
        by_new["node"]["id"], report,
        "the new parent's report: {by_new:#}"
    );
}

/// Kind: request errors (GraphQL over HTTP). A subscription sent over POST is refused with
/// `BAD_REQUEST` (README: "a transport refusal", 400/405/406/415) yet answers 200 with
/// `"data": null`, also for a client accepting `application/graphql-response+json`.
async fn a_subscription_over_http_is_a_request_error(app: &TestApp) {
    let body = json!({ "query": "subscription { notifications { kind } }" });
    let (status, answer) = post(app, "application/graphql-response+json", body.clone()).await;
    assert_eq!(error_code(&answer), Some("BAD_REQUEST"), "{answer:#}");
    assert!(
        answer.get("data").is_none(),
        "a request error has no data: {answer:#}"
    );
    assert!(status >= 400, "{status}: {answer:#}");
    let (_, answer) = post(app, "application/json", body).await;
    assert!(
        answer.get("data").is_none(),
        "a request error has no data: {answer:#}"
    );
}

#[tokio::test]
async fn a_missing_required_variable_over_the_socket_is_an_error_message() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    // Kind: request errors. Over graphql-transport-ws a document whose variables do not
    // coerce gets an `error` message (like a validation failure); a missing `ID!` variable
    // instead executes and sends `next` with `"data": null`, then `complete`.
    let app = TestApp::spawn(crate::support::Backend::Sqlite).await;
    let token = app.login("viewer").await;
    let mut ws = crate::live::open(&app.base, &token).await.expect("socket");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($p: ID!) { planActivity(planId: $p) { kind } }" } });
    ws.send(Message::text(subscribe.to_string())).await.unwrap();
    let answer = crate::live::next_json(&mut ws).await.expect("an answer");
    assert_eq!(answer["type"], "error", "{answer:#}");
    assert_eq!(
        answer["payload"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{answer:#}"
    );
    drop(ws);
    app.finish().await;
}

/// Kind: honest numbers (rates with missing parts). A unit may write a RATIO indicator's value
/// itself (`C4.PETITION_RATE: 99`, with neither part); the report is approved, and the rollup
/// then drops the figure silently: `value: null`, `numerator: 0`, `denominator: 0`, no report and
/// no `excludedUnits`. The write is refused instead: the rate is computed from its parts.
async fn a_rate_stated_without_its_parts_is_refused_or_named(app: &TestApp) {
    let writer = app.user_with("w01", Role::Reporter, "ST.D01.BCD").await;
    let (report, _) = draft_on_first_obligation(app, &writer, "ST.D01.BCD").await;
    let updated = app
        .gql(
            Some(&writer),
            "mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }",
            json!({ "i": { "id": report["id"], "version": report["version"], "results": "x",
                           "indicatorValues": [{ "code": "C4.PETITION_RATE", "value": 99 },
                                               { "code": "C1.SESSIONS", "value": 3 }] } }),
        )
        .await;
    // Refused: a rate comes from its parts only, so nothing is dropped without a word.
    assert_eq!(error_code(&updated), Some("BAD_USER_INPUT"), "{updated:#}");
    assert_eq!(
        updated["errors"][0]["extensions"]["field"],
        "input.indicatorValues[0].code"
    );
}

/// Kind: variable coercion is a request error (400 with `application/graphql-response+json`,
/// no `data`). Variables of the wrong JSON type are refused so (`"n": 1.5`, 400), but an `Int`
/// out of 32 bits, an impossible `NaiveDate` and a `DateTime` that is not one execute and
/// answer 200 with `"data": null` and an error on the field's path.
async fn variables_that_do_not_coerce_are_request_errors(app: &TestApp) {
    let token = app.login("viewer").await;
    for (query, variables) in [
        (
            "query($n: Int) { units(first: $n) { totalCount } }",
            json!({ "n": 2_147_483_648_i64 }),
        ),
        (
            "query($d: NaiveDate) { units(first: 1, asOf: $d) { totalCount } }",
            json!({ "d": "2024-02-30" }),
        ),
        (
            "query($d: DateTime!) { tasks(first: 1, filter: { updatedSince: $d }) { totalCount } }",
            json!({ "d": "yesterday" }),
        ),
    ] {
        let res = app
            .client
            .post(app.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .bearer_auth(&token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let answer: Value = res.json().await.unwrap();
        assert_eq!(status, 400, "{query} {variables} → {answer:#}");
        assert!(answer.get("data").is_none(), "{answer:#}");
    }
}

/// A draft report by `writer` on the first seeded obligation of `unit`: `{ id version }`, and
/// the obligation's schedule.
async fn draft_on_first_obligation(app: &TestApp, writer: &str, unit: &str) -> (Value, uuid::Uuid) {
    let obligation = report_obligation::Entity::find()
        .filter(report_obligation::Column::UnitId.eq(app.unit_uuid(unit).await))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .min_by_key(|o| o.id)
        .expect("seeded obligation");
    let created = app
        .data(
            writer,
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
            json!({ "i": { "obligationId": gid(NodeType::Obligation, obligation.id) } }),
        )
        .await;
    (
        created["createReport"]["report"].clone(),
        obligation.schedule_id,
    )
}

/// Writes, submits and approves the report of `unit` on its first seeded obligation with
/// `values`; the schedule's id, or `None` when the values are refused.
async fn approved_with(app: &TestApp, unit: &str, values: Value) -> Option<uuid::Uuid> {
    let steering = app.login("steering").await;
    let writer = app
        .user_with(&format!("w{}", unit.replace('.', "")), Role::Reporter, unit)
        .await;
    let (report, schedule) = draft_on_first_obligation(app, &writer, unit).await;
    let updated = app
        .gql(
            Some(&writer),
            "mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }",
            json!({ "i": { "id": report["id"], "version": report["version"], "results": "x",
                           "indicatorValues": values } }),
        )
        .await;
    if error_code(&updated) == Some("BAD_USER_INPUT") {
        return None;
    }
    let report = updated["data"]["updateReport"]["report"].clone();
    let submitted = app
        .data(
            &writer,
            "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id version } } }",
            json!({ "i": { "id": report["id"], "version": report["version"] } }),
        )
        .await;
    let report = submitted["submitReport"]["report"].clone();
    app.data(
        &steering,
        "mutation($i: ReportStepInput!) { approveReport(input: $i) { report { status } } }",
        json!({ "i": { "id": report["id"], "version": report["version"] } }),
    )
    .await;
    Some(schedule)
}

/// Kind: honest numbers ("totals are exact or refused"). Amounts in đồng (a currency without
/// minor units) are accepted with fractions (`0.1`, `0.2`), and their total is the binary
/// float sum 0.30000000000000004, neither exact nor refused.
async fn amounts_add_up_exactly(app: &TestApp) {
    let steering = app.login("steering").await;
    let first = approved_with(
        app,
        "ST.D02.BCD",
        json!([{ "code": "X.CONTRIB_VND", "value": 0.1 }]),
    )
    .await;
    let second = approved_with(
        app,
        "ST.D03.BCD",
        json!([{ "code": "X.CONTRIB_VND", "value": 0.2 }]),
    )
    .await;
    let (Some(schedule), Some(other)) = (first, second) else {
        return; // fractions of a đồng refused: totals stay whole
    };
    assert_eq!(schedule, other, "both on the same seeded schedule");
    let summary = app
        .data(
            &steering,
            "query($s: ID!, $u: ID!) { indicatorSummary(codes: [\"X.CONTRIB_VND\"], scheduleId: $s, unitId: $u) { value } }",
            json!({ "s": gid(NodeType::ReportSchedule, schedule), "u": app.unit_id("ST").await }),
        )
        .await;
    let value = summary["indicatorSummary"][0]["value"].as_f64().unwrap();
    assert!(
        value.to_string() == "0.3",
        "0.1 đồng + 0.2 đồng gave {value}"
    );
}

/// Kind: verdicts as graphql-js gives them. A subscription's single root field is counted over
/// the collected fields (GraphQL §5.2.3.1, CollectFields): the same field selected twice, once
/// through an inline fragment, is one field and valid (graphql-js 16); qcdc refuses it as "can
/// only have one root field". Sent over POST, a valid subscription is a transport refusal
/// (`BAD_REQUEST`), not a validation failure.
async fn a_subscription_selecting_its_field_twice_has_one_root_field(app: &TestApp) {
    let token = app.login("viewer").await;
    for doc in [
        "subscription { reportStatusChanged { kind } ... on SubscriptionRoot { reportStatusChanged { status } } }",
        "subscription S { reportStatusChanged { kind } ...F } fragment F on SubscriptionRoot { reportStatusChanged { status } }",
    ] {
        let body = app.gql(Some(&token), doc, json!({})).await;
        assert_ne!(
            error_code(&body),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{doc} → {body:#}"
        );
    }
}
