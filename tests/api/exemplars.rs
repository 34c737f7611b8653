//! Content 5 as a province lives it, through the API: a district registers a "Dân vận khéo"
//! model; it is refused recognition with an unmet mandatory criterion, recognised after
//! reassessment, replicated in another district, and counted. Then a STEERING override with
//! its reason, a retired entry that still counts in its period, search without diacritics, and
//! who may take which step.

use chrono::NaiveDate;
use entity::{ExemplarKind, Role};
use serde_json::{Value, json};

use crate::live::{next_json, open, subscribe};
use crate::support::{TestApp, error_code};

on_both_databases!(
    a_model_is_refused_recognised_after_reassessment_replicated_and_counted,
    steering_overrides_an_unmet_criterion_with_a_reason,
    a_retired_entry_counts_in_the_periods_it_was_active,
    entries_are_found_without_diacritics,
    every_exemplar_mutation_by_role_and_scope,
    dates_levels_and_codes_hold_together,
    entries_come_through_the_change_feed_to_their_units,
    files_go_on_an_exemplar_by_its_units_writers,
);

const CRITERION: &str = "mutation($i: CreateExemplarCriterionInput!) { createExemplarCriterion(input: $i) { criterion { id code version } } }";
const UPDATE_CRITERION: &str = "mutation($i: UpdateExemplarCriterionInput!) { updateExemplarCriterion(input: $i) { criterion { id mandatory active version } } }";
const REGISTER: &str = "mutation($i: RegisterExemplarInput!) { registerExemplar(input: $i) { exemplar { id status version } } }";
const ASSESS: &str = "mutation($i: AssessExemplarInput!) { assessExemplar(input: $i) { exemplar { id status version unmetMandatoryCriteria } } }";
const RECOGNISE: &str = "mutation($i: RecogniseExemplarInput!) { recogniseExemplar(input: $i) { exemplar { id status version recognisedOn } recognition { form level overridden overrideReason recognisingUnit { code } } } }";
const REPLICATE: &str = "mutation($i: ReplicateExemplarInput!) { replicateExemplar(input: $i) { exemplar { id status version recognisedOn sourceId unit { code } recognitions { form } assessments { met } } } }";
const RETIRE: &str = "mutation($i: RetireExemplarInput!) { retireExemplar(input: $i) { exemplar { id status version retiredOn retireReason } } }";
const SUMMARY: &str = "query($u: ID!, $s: NaiveDate!, $e: NaiveDate!) { exemplarSummary(unitId: $u, periodStart: $s, periodEnd: $e) { total { entries recognised } replicated byKind { kind tally { entries recognised } } byField { field tally { entries recognised } } byStatus { status count } byLevel { level count } } }";

/// The catalogue the scenarios use: two mandatory criteria for an economic model (one of all
/// fields, one of the economy), an optional one, and a mandatory one of another field.
struct Catalogue {
    all: Value,
    economy: Value,
    optional: Value,
    political: Value,
}

async fn catalogue(app: &TestApp, steering: &str) -> Catalogue {
    let mut ids = Vec::new();
    for (code, field, mandatory) in [
        ("DVK.RESULT", Value::Null, true),
        ("DVK.ECO", json!("ECONOMY"), true),
        ("DVK.SPREAD", Value::Null, false),
        ("DVK.POL", json!("POLITICAL_SYSTEM"), true),
    ] {
        let created = app
            .data(
                steering,
                CRITERION,
                json!({ "i": { "code": code, "name": format!("Tiêu chí {code}"),
                    "field": field, "mandatory": mandatory } }),
            )
            .await;
        ids.push(created["createExemplarCriterion"]["criterion"]["id"].clone());
    }
    Catalogue {
        all: ids[0].clone(),
        economy: ids[1].clone(),
        optional: ids[2].clone(),
        political: ids[3].clone(),
    }
}

/// Registers an economic model of `unit` on 2024-02-01 and returns its id.
pub(crate) async fn register(app: &TestApp, token: &str, unit: &str, name: &str) -> String {
    let registered = app
        .data(
            token,
            REGISTER,
            json!({ "i": { "unitId": app.unit_id(unit).await, "kind": "MODEL", "field": "ECONOMY",
                "name": name, "description": "Hỗ trợ hộ nghèo nuôi tôm theo quy trình sạch",
                "registeredOn": "2024-02-01" } }),
        )
        .await;
    let e = &registered["registerExemplar"]["exemplar"];
    assert_eq!(e["status"], "REGISTERED");
    e["id"].as_str().unwrap().to_owned()
}

/// The entry's version as `token` reads it; 1 when `token` may not see it (its step is then
/// refused before the version matters).
pub(crate) async fn version(app: &TestApp, token: &str, id: &str) -> i64 {
    app.data(
        token,
        "query($id: ID!) { exemplar(id: $id) { version } }",
        json!({ "id": id }),
    )
    .await["exemplar"]["version"]
        .as_i64()
        .unwrap_or(1)
}

fn verdict(criterion: &Value, met: bool) -> Value {
    json!({ "criterionId": criterion, "met": met })
}

async fn assess(app: &TestApp, token: &str, id: &str, verdicts: Value) -> Value {
    let v = version(app, token, id).await;
    app.gql(
        Some(token),
        ASSESS,
        json!({ "i": { "id": id, "version": v, "verdicts": verdicts, "assessedOn": "2024-03-01" } }),
    )
    .await
}

async fn recognise(app: &TestApp, token: &str, id: &str, extra: Value) -> Value {
    let v = version(app, token, id).await;
    let mut input = json!({ "id": id, "version": v, "form": "CERTIFICATE_OF_MERIT",
        "level": "DISTRICT", "recognisingUnitId": app.unit_id("ST.D01").await,
        "recognisedOn": "2024-03-15" });
    for (k, val) in extra.as_object().unwrap() {
        input[k] = val.clone();
    }
    app.gql(Some(token), RECOGNISE, json!({ "i": input })).await
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn summary(app: &TestApp, token: &str, unit: &str, start: &str, end: &str) -> Value {
    app.gql(
        Some(token),
        SUMMARY,
        json!({ "u": app.unit_id(unit).await, "s": start, "e": end }),
    )
    .await
}

async fn a_model_is_refused_recognised_after_reassessment_replicated_and_counted(app: &TestApp) {
    let steering = app.user_with("e-steering", Role::Steering, "ST").await;
    let reporter = app.user_with("e-d01r", Role::Reporter, "ST.D01").await;
    let manager = app.user_with("e-d01m", Role::UnitManager, "ST.D01").await;
    let d02 = app.user_with("e-d02", Role::Reporter, "ST.D02").await;
    let c = catalogue(app, &steering).await;
    let listed = app
        .data(
            &reporter,
            "{ exemplarCriteria { code mandatory field } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["exemplarCriteria"].as_array().unwrap().len(), 4);

    let model = register(
        app,
        &reporter,
        "ST.D01",
        "Mô hình “Dân vận khéo” nuôi tôm sạch",
    )
    .await;
    let mut ws = open(&app.base, &reporter).await.expect("socket");
    subscribe(
        &mut ws,
        "subscription { notifications { kind status unit { code } exemplar { id status } } }",
    )
    .await;
    crate::live::listening(&app.base, 1).await;

    // Assessed: the economy's mandatory criterion is not met; the optional one does not matter
    // and the political system's does not apply.
    let assessed = assess(
        app,
        &manager,
        &model,
        json!([
            verdict(&c.all, true),
            verdict(&c.economy, false),
            verdict(&c.optional, false)
        ]),
    )
    .await;
    let e = &assessed["data"]["assessExemplar"]["exemplar"];
    assert_eq!(e["status"], "ASSESSED", "{assessed}");
    assert_eq!(e["unmetMandatoryCriteria"], json!(["DVK.ECO"]));

    // Refused recognition; the district's manager may not override.
    let refused = recognise(app, &manager, &model, json!({})).await;
    assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"), "{refused}");
    let refused = recognise(
        app,
        &manager,
        &model,
        json!({ "overrideReason": "Đề nghị" }),
    )
    .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");

    // Reassessed, then recognised by the district, and the district hears of it.
    let reassessed = assess(app, &manager, &model, json!([verdict(&c.economy, true)])).await;
    assert_eq!(
        reassessed["data"]["assessExemplar"]["exemplar"]["unmetMandatoryCriteria"],
        json!([]),
        "{reassessed}"
    );
    let recognised = recognise(app, &manager, &model, json!({})).await;
    let r = &recognised["data"]["recogniseExemplar"];
    assert_eq!(r["exemplar"]["status"], "RECOGNISED", "{recognised}");
    assert_eq!(r["exemplar"]["recognisedOn"], "2024-03-15");
    assert_eq!(r["recognition"]["overridden"], false);
    assert_eq!(r["recognition"]["recognisingUnit"]["code"], "ST.D01");
    // Other notices (a sweep finding a derived plan overdue) may come first on a slow machine.
    let notice = loop {
        let message = next_json(&mut ws).await.expect("a notification");
        if message["type"] == "next"
            && message["payload"]["data"]["notifications"]["kind"] == "EXEMPLAR_RECOGNISED"
        {
            break message["payload"]["data"]["notifications"].clone();
        }
    };
    assert_eq!(notice["kind"], "EXEMPLAR_RECOGNISED");
    assert_eq!(notice["unit"]["code"], "ST.D01");
    assert_eq!(notice["exemplar"]["id"], model.as_str());

    // The province recognises it too, with a Bằng khen.
    let province = recognise(
        app,
        &steering,
        &model,
        json!({ "form": "DIPLOMA_OF_MERIT", "level": "PROVINCE",
            "recognisingUnitId": app.unit_id("ST").await, "recognisedOn": "2024-05-19" }),
    )
    .await;
    assert!(province.get("errors").is_none(), "{province}");
    assert_eq!(
        province["data"]["recogniseExemplar"]["exemplar"]["recognisedOn"], "2024-03-15",
        "the first recognition's day is kept"
    );
    // The same form at the same level twice is a duplicate.
    let twice = recognise(app, &manager, &model, json!({})).await;
    assert_eq!(error_code(&twice), Some("CONFLICT"), "{twice}");

    // Replicated in another district: a new entry there, registered, without the recognition.
    let replicated = app
        .gql(
            Some(&steering),
            REPLICATE,
            json!({ "i": { "sourceId": model, "unitId": app.unit_id("ST.D02").await,
                "registeredOn": "2024-06-01" } }),
        )
        .await;
    let copy = &replicated["data"]["replicateExemplar"]["exemplar"];
    assert_eq!(copy["status"], "REGISTERED", "{replicated}");
    assert_eq!(copy["sourceId"], model.as_str());
    assert_eq!(copy["unit"]["code"], "ST.D02");
    assert_eq!(copy["recognisedOn"], Value::Null);
    assert_eq!(copy["recognitions"], json!([]));
    assert_eq!(copy["assessments"], json!([]));
    // D02 sees its copy, not the source.
    let seen = app
        .data(
            &d02,
            "{ exemplars(first: 10) { totalCount edges { node { sourceId source { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(seen["exemplars"]["totalCount"], 1);
    assert_eq!(seen["exemplars"]["edges"][0]["node"]["source"], Value::Null);

    // Counted: the province's register for 2024.
    let body = summary(app, &steering, "ST", "2024-01-01", "2024-12-31").await;
    let s = &body["data"]["exemplarSummary"];
    assert_eq!(
        s["total"],
        json!({ "entries": 2, "recognised": 1 }),
        "{body}"
    );
    assert_eq!(s["replicated"], 1);
    assert_eq!(
        s["byKind"],
        json!([{ "kind": "MODEL", "tally": { "entries": 2, "recognised": 1 } }])
    );
    assert_eq!(
        s["byField"],
        json!([{ "field": "ECONOMY", "tally": { "entries": 2, "recognised": 1 } }])
    );
    let mut statuses: Vec<(String, i64)> = s["byStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["status"].as_str().unwrap().to_owned(),
                x["count"].as_i64().unwrap(),
            )
        })
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [("RECOGNISED".to_owned(), 1), ("REGISTERED".to_owned(), 1)]
    );
    let mut levels: Vec<(String, i64)> = s["byLevel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["level"].as_str().unwrap().to_owned(),
                x["count"].as_i64().unwrap(),
            )
        })
        .collect();
    levels.sort();
    assert_eq!(
        levels,
        [("DISTRICT".to_owned(), 1), ("PROVINCE".to_owned(), 1)]
    );
    // Before its recognition the model was on the register, not recognised.
    let early = summary(app, &steering, "ST", "2024-02-01", "2024-02-29").await;
    assert_eq!(
        early["data"]["exemplarSummary"]["total"],
        json!({ "entries": 1, "recognised": 0 })
    );

    // What the registry check against C5.DVK_MODELS and C5.DVK_EXEMPLARS reads.
    let count = |unit: &'static str, kinds: &'static [ExemplarKind]| async move {
        qcdc::domain::exemplars::recognised_count(
            &app.db,
            app.unit_uuid(unit).await,
            kinds,
            day("2024-01-01"),
            day("2024-12-31"),
        )
        .await
        .unwrap()
    };
    assert_eq!(count("ST", &[ExemplarKind::Model]).await, 1);
    assert_eq!(count("ST.D01", &[ExemplarKind::Model]).await, 1);
    assert_eq!(count("ST.D02", &[ExemplarKind::Model]).await, 0);
    assert_eq!(
        count("ST", &[ExemplarKind::Collective, ExemplarKind::Individual]).await,
        0
    );
    // A district report that says no model was recognised is flagged; its zero exemplars agree.
    let created = app
        .data(
            &steering,
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
            json!({ "i": { "unitId": app.unit_id("ST.D01").await, "kind": "AD_HOC", "title": "Báo cáo Dân vận khéo",
                "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
        )
        .await["createReport"]["report"]
        .clone();
    let updated = app
        .data(
            &steering,
            "mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }",
            json!({ "i": { "id": created["id"], "version": created["version"], "indicatorValues": [
                { "code": "C5.DVK_MODELS", "value": 0 }, { "code": "C5.DVK_EXEMPLARS", "value": 0 }] } }),
        )
        .await["updateReport"]["report"]
        .clone();
    app.data(
        &steering,
        "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id } } }",
        json!({ "i": { "id": updated["id"], "version": updated["version"] } }),
    )
    .await;
    // The district's steering committee reports for the district: its one model agrees (found
    // from outside: the committee's own subtree held none, and a true report was flagged).
    let by_committee = app
        .data(
            &steering,
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
            json!({ "i": { "unitId": app.unit_id("ST.D01.BCD").await, "kind": "AD_HOC", "title": "Báo cáo của Ban Chỉ đạo huyện",
                "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
        )
        .await["createReport"]["report"]
        .clone();
    let by_committee = app
        .data(
            &steering,
            "mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }",
            json!({ "i": { "id": by_committee["id"], "version": by_committee["version"], "indicatorValues": [
                { "code": "C5.DVK_MODELS", "value": 1 }] } }),
        )
        .await["updateReport"]["report"]
        .clone();
    app.data(
        &steering,
        "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id } } }",
        json!({ "i": { "id": by_committee["id"], "version": by_committee["version"] } }),
    )
    .await;
    let checked = app
        .data(
            &steering,
            "query($u: ID!) { registryCheck(unitId: $u, periodFrom: \"2024-01-01\", periodTo: \"2024-12-31\") {
               mismatches { report { id } indicator { code } reported registered } } }",
            json!({ "u": app.unit_id("ST").await }),
        )
        .await;
    let flagged: Vec<&Value> = checked["registryCheck"]["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["report"]["id"] == created["id"])
        .collect();
    assert_eq!(
        flagged,
        [
            &json!({ "report": { "id": created["id"] }, "indicator": { "code": "C5.DVK_MODELS" },
                  "reported": 0.0, "registered": 1.0 })
        ],
        "{checked}"
    );
    assert!(
        !checked["registryCheck"]["mismatches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["report"]["id"] == by_committee["id"]),
        "{checked}"
    );

    // A rollup checks its subject like every other: a unit above the caller's scope is
    // refused, one it cannot see is unknown.
    let body = summary(app, &d02, "ST", "2024-01-01", "2024-12-31").await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = summary(app, &d02, "ST.D01", "2024-01-01", "2024-12-31").await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = summary(app, &d02, "ST.D02", "2024-12-31", "2024-01-01").await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let body = summary(app, &d02, "ST.D02", "2024-01-01", "2024-12-31").await;
    assert_eq!(
        body["data"]["exemplarSummary"]["total"],
        json!({ "entries": 1, "recognised": 0 }),
        "{body}"
    );

    // Every step is in the audit log (the catalogue's changes belong to no unit: a global
    // ADMIN reads them).
    let admin = app.user_with("e-admin", Role::Admin, "ST").await;
    let audit = app
        .data(
            &admin,
            "{ auditEvents(first: 100) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = crate::support::nodes(&audit, &["auditEvents"])
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    for action in [
        "exemplarCriterion.create",
        "exemplar.register",
        "exemplar.assess",
        "exemplar.reassess",
        "exemplar.recognise",
        "exemplar.replicate",
    ] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
}

async fn steering_overrides_an_unmet_criterion_with_a_reason(app: &TestApp) {
    let steering = app.user_with("e-steering", Role::Steering, "ST").await;
    let d01_steering = app.user_with("e-d01s", Role::Steering, "ST.D01").await;
    let c = catalogue(app, &steering).await;
    let model = register(app, &d01_steering, "ST.D01", "Tổ tự quản an ninh trật tự").await;
    let assessed = assess(app, &d01_steering, &model, json!([verdict(&c.all, false)])).await;
    assert!(assessed.get("errors").is_none(), "{assessed}");
    // A criterion of another field is no verdict on this entry.
    let other = assess(
        app,
        &d01_steering,
        &model,
        json!([verdict(&c.political, true)]),
    )
    .await;
    assert_eq!(error_code(&other), Some("BAD_USER_INPUT"), "{other}");

    let no_reason = recognise(app, &d01_steering, &model, json!({})).await;
    assert_eq!(
        error_code(&no_reason),
        Some("BAD_USER_INPUT"),
        "{no_reason}"
    );
    let blank = recognise(
        app,
        &d01_steering,
        &model,
        json!({ "overrideReason": "  " }),
    )
    .await;
    assert_eq!(error_code(&blank), Some("BAD_USER_INPUT"), "{blank}");
    let overridden = recognise(
        app,
        &d01_steering,
        &model,
        json!({ "overrideReason": "Hiệu quả thực tế được nhân dân ghi nhận; tiêu chí sẽ hoàn thiện trong quý III" }),
    )
    .await;
    let r = &overridden["data"]["recogniseExemplar"];
    assert_eq!(r["exemplar"]["status"], "RECOGNISED", "{overridden}");
    assert_eq!(r["recognition"]["overridden"], true);
    assert!(
        r["recognition"]["overrideReason"]
            .as_str()
            .unwrap()
            .starts_with("Hiệu quả")
    );
    // Making the criterion optional is the catalogue's keepers' call, and versioned.
    let stale = app
        .gql(
            Some(&steering),
            UPDATE_CRITERION,
            json!({ "i": { "id": c.all, "version": 7, "mandatory": false } }),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    let updated = app
        .data(
            &steering,
            UPDATE_CRITERION,
            json!({ "i": { "id": c.all, "version": 1, "mandatory": false, "active": false } }),
        )
        .await;
    assert_eq!(
        updated["updateExemplarCriterion"]["criterion"],
        json!({ "id": c.all, "mandatory": false, "active": false, "version": 2 })
    );
}

async fn a_retired_entry_counts_in_the_periods_it_was_active(app: &TestApp) {
    let steering = app.user_with("e-steering", Role::Steering, "ST").await;
    let manager = app.user_with("e-d01m", Role::UnitManager, "ST.D01").await;
    let c = catalogue(app, &steering).await;
    let model = register(app, &manager, "ST.D01", "Điển hình tập thể hội nông dân xã").await;
    assess(
        app,
        &manager,
        &model,
        json!([verdict(&c.all, true), verdict(&c.economy, true)]),
    )
    .await;
    let recognised = recognise(app, &manager, &model, json!({})).await;
    assert!(recognised.get("errors").is_none(), "{recognised}");

    let v = version(app, &manager, &model).await;
    let no_reason = app
        .gql(
            Some(&manager),
            RETIRE,
            json!({ "i": { "id": model, "version": v, "reason": " ", "retiredOn": "2024-09-30" } }),
        )
        .await;
    assert_eq!(
        error_code(&no_reason),
        Some("BAD_USER_INPUT"),
        "{no_reason}"
    );
    let too_early = app
        .gql(
            Some(&manager),
            RETIRE,
            json!({ "i": { "id": model, "version": v, "reason": "Giải thể", "retiredOn": "2024-03-01" } }),
        )
        .await;
    assert_eq!(
        error_code(&too_early),
        Some("BAD_USER_INPUT"),
        "{too_early}"
    );
    let stale = app
        .gql(
            Some(&manager),
            RETIRE,
            json!({ "i": { "id": model, "version": v - 1, "reason": "Giải thể", "retiredOn": "2024-09-30" } }),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    let retired = app
        .data(
            &manager,
            RETIRE,
            json!({ "i": { "id": model, "version": v, "reason": "Tổ hợp tác giải thể", "retiredOn": "2024-09-30" } }),
        )
        .await;
    let e = &retired["retireExemplar"]["exemplar"];
    assert_eq!(e["status"], "RETIRED");
    assert_eq!(e["retiredOn"], "2024-09-30");

    // Retired entries are frozen.
    let again = app
        .gql(
            Some(&manager),
            RETIRE,
            json!({ "i": { "id": model, "version": e["version"], "reason": "x" } }),
        )
        .await;
    assert_eq!(error_code(&again), Some("BAD_USER_INPUT"), "{again}");
    let reassessed = assess(app, &manager, &model, json!([verdict(&c.all, true)])).await;
    assert_eq!(
        error_code(&reassessed),
        Some("BAD_USER_INPUT"),
        "{reassessed}"
    );

    // Counted in 2024 (it was active until September), not in 2025; history kept.
    let in_2024 = summary(app, &steering, "ST", "2024-01-01", "2024-12-31").await;
    let s = &in_2024["data"]["exemplarSummary"];
    assert_eq!(
        s["total"],
        json!({ "entries": 1, "recognised": 1 }),
        "{in_2024}"
    );
    assert_eq!(s["byStatus"], json!([{ "status": "RETIRED", "count": 1 }]));
    let in_2025 = summary(app, &steering, "ST", "2025-01-01", "2025-12-31").await;
    assert_eq!(
        in_2025["data"]["exemplarSummary"]["total"],
        json!({ "entries": 0, "recognised": 0 })
    );
    for (from, to, expected) in [
        ("2024-01-01", "2024-12-31", 1),
        ("2024-09-29", "2024-09-29", 1),
        ("2024-09-30", "2024-12-31", 0),
        ("2025-01-01", "2025-12-31", 0),
    ] {
        let n = qcdc::domain::exemplars::recognised_count(
            &app.db,
            app.unit_uuid("ST").await,
            &[ExemplarKind::Model],
            day(from),
            day(to),
        )
        .await
        .unwrap();
        assert_eq!(n, expected, "recognised in {from}..{to}");
    }
    let listed = app
        .data(
            &steering,
            "{ exemplars(first: 5, filter: { statuses: [RETIRED], recognisedFrom: \"2024-01-01\", recognisedTo: \"2024-12-31\" }) { edges { node { retireReason recognitions { level } } } } }",
            json!({}),
        )
        .await;
    let node = &listed["exemplars"]["edges"][0]["node"];
    assert_eq!(node["retireReason"], "Tổ hợp tác giải thể");
    assert_eq!(node["recognitions"], json!([{ "level": "DISTRICT" }]));
}

async fn entries_are_found_without_diacritics(app: &TestApp) {
    let reporter = app.user_with("e-d01r", Role::Reporter, "ST.D01").await;
    register(
        app,
        &reporter,
        "ST.D01",
        "Mô hình “Dân vận khéo” nuôi tôm sạch",
    )
    .await;
    register(app, &reporter, "ST.D01", "Điển hình xây dựng nông thôn mới").await;
    let found = |q: &'static str| {
        let token = reporter.clone();
        async move {
            let body = app
                .data(
                    &token,
                    "query($q: String!) { exemplars(first: 10, filter: { search: $q }) { edges { node { name } } } }",
                    json!({ "q": q }),
                )
                .await;
            crate::support::nodes(&body, &["exemplars"])
                .iter()
                .map(|n| n["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        found("dan van kheo nuoi tom").await,
        ["Mô hình “Dân vận khéo” nuôi tôm sạch"]
    );
    assert_eq!(
        found("NONG THON").await,
        ["Điển hình xây dựng nông thôn mới"]
    );
    // The description is searched too.
    assert_eq!(found("ho ngheo").await.len(), 2);
    assert!(found("thủy sản").await.is_empty());
    // Quotes typed on a keyboard find the curly ones of the name (found from outside).
    assert_eq!(
        found("\"Dân vận khéo\" nuôi tôm").await,
        ["Mô hình “Dân vận khéo” nuôi tôm sạch"]
    );
}

/// Every new mutation by role and scope: ADMIN and STEERING of the province, UNIT_MANAGER,
/// REPORTER and VIEWER of district D01, a manager of D02.
async fn every_exemplar_mutation_by_role_and_scope(app: &TestApp) {
    let admin = app.user_with("x-admin", Role::Admin, "ST").await;
    let steering = app.user_with("x-steering", Role::Steering, "ST").await;
    let manager = app.user_with("x-d01m", Role::UnitManager, "ST.D01").await;
    let reporter = app.user_with("x-d01r", Role::Reporter, "ST.D01").await;
    let viewer = app.user_with("x-d01v", Role::Viewer, "ST.D01").await;
    let d02 = app.user_with("x-d02m", Role::UnitManager, "ST.D02").await;
    let d01_steering = app.user_with("x-d01s", Role::Steering, "ST.D01").await;

    // The criteria catalogue: ADMIN or STEERING of the province only.
    let mut criteria = Vec::new();
    for (i, (who, token, expected)) in [
        ("district steering", &d01_steering, Some("FORBIDDEN")),
        ("district manager", &manager, Some("FORBIDDEN")),
        ("district reporter", &reporter, Some("FORBIDDEN")),
        ("district viewer", &viewer, Some("FORBIDDEN")),
        ("other district", &d02, Some("FORBIDDEN")),
        ("province admin", &admin, None),
        ("province steering", &steering, None),
    ]
    .into_iter()
    .enumerate()
    {
        let body = app
            .gql(
                Some(token),
                CRITERION,
                json!({ "i": { "code": format!("X.{i}"), "name": "Tiêu chí", "mandatory": true } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            expected,
            "createExemplarCriterion by {who}: {body}"
        );
        if expected.is_none() {
            criteria.push(body["data"]["createExemplarCriterion"]["criterion"]["id"].clone());
        }
    }
    let duplicate = app
        .gql(
            Some(&admin),
            CRITERION,
            json!({ "i": { "code": "X.A", "name": "Một", "mandatory": false } }),
        )
        .await;
    assert!(duplicate.get("errors").is_none(), "{duplicate}");
    let duplicate = app
        .gql(
            Some(&steering),
            CRITERION,
            json!({ "i": { "code": "X.A", "name": "Hai", "mandatory": false } }),
        )
        .await;
    assert_eq!(error_code(&duplicate), Some("CONFLICT"), "{duplicate}");
    let criterion = criteria[0].clone();
    let mut criterion_version = 1;
    for (who, token, expected) in [
        ("district steering", &d01_steering, Some("FORBIDDEN")),
        ("district manager", &manager, Some("FORBIDDEN")),
        ("district reporter", &reporter, Some("FORBIDDEN")),
        ("district viewer", &viewer, Some("FORBIDDEN")),
        ("other district", &d02, Some("FORBIDDEN")),
        ("province admin", &admin, None),
        ("province steering", &steering, None),
    ] {
        let body = app
            .gql(
                Some(token),
                UPDATE_CRITERION,
                json!({ "i": { "id": criterion, "version": criterion_version, "name": format!("Tiêu chí ({who})") } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            expected,
            "updateExemplarCriterion by {who}: {body}"
        );
        if expected.is_none() {
            criterion_version += 1;
        }
    }

    // Registering in D01: any writing role over it.
    let d01 = app.unit_id("ST.D01").await;
    let mut entries = Vec::new();
    for (who, token, expected) in [
        ("district viewer", &viewer, Some("FORBIDDEN")),
        ("other district", &d02, Some("BAD_USER_INPUT")),
        ("district reporter", &reporter, None),
        ("district manager", &manager, None),
        ("province steering", &steering, None),
        ("province admin", &admin, None),
    ] {
        let body = app
            .gql(
                Some(token),
                REGISTER,
                json!({ "i": { "unitId": d01, "kind": "INDIVIDUAL", "field": "CULTURE_SOCIETY",
                    "name": format!("Cá nhân điển hình ({who})") } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            expected,
            "registerExemplar by {who}: {body}"
        );
        if expected.is_none() {
            entries.push(
                body["data"]["registerExemplar"]["exemplar"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    let entry = entries[0].clone();

    // Assessing: a planning role over the entry's unit, with 1–100 verdicts.
    let body = assess(app, &steering, &entry, json!([])).await;
    assert_eq!(
        error_code(&body),
        Some("BAD_USER_INPUT"),
        "no verdicts: {body}"
    );
    for (who, token, expected) in [
        ("district viewer", &viewer, Some("FORBIDDEN")),
        ("district reporter", &reporter, Some("FORBIDDEN")),
        ("other district", &d02, Some("NOT_FOUND")),
        ("district manager", &manager, None),
        ("province steering", &steering, None),
        ("province admin", &admin, None),
    ] {
        let v = version(app, &steering, &entry).await;
        let body = app
            .gql(
                Some(token),
                ASSESS,
                json!({ "i": { "id": entry, "version": v,
                    "verdicts": criteria.iter().map(|c| verdict(c, true)).collect::<Vec<_>>() } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            expected,
            "assessExemplar by {who}: {body}"
        );
    }

    // Recognising by D01: a planning role over the recognising unit; not by a unit beside it.
    for (who, token, expected) in [
        ("district viewer", &viewer, Some("FORBIDDEN")),
        ("district reporter", &reporter, Some("FORBIDDEN")),
        ("other district", &d02, Some("NOT_FOUND")),
        ("district manager", &manager, None),
        ("province steering", &steering, None),
        ("province admin", &admin, None),
    ] {
        // Each at the recognising unit's own level (a central award is recorded by the
        // province), on the day it is registered or later.
        let (level, by) = match who {
            "district manager" => ("DISTRICT", "ST.D01"),
            "province steering" => ("PROVINCE", "ST"),
            "province admin" => ("CENTRAL", "ST"),
            _ => ("DISTRICT", "ST.D01"),
        };
        let body = recognise(
            app,
            token,
            &entry,
            json!({ "level": level, "recognisingUnitId": app.unit_id(by).await, "recognisedOn": null }),
        )
        .await;
        assert_eq!(
            error_code(&body),
            expected,
            "recogniseExemplar by {who}: {body}"
        );
    }
    let beside = recognise(
        app,
        &steering,
        &entry,
        json!({ "level": "COMMUNE", "recognisingUnitId": app.unit_id("ST.D02").await }),
    )
    .await;
    assert_eq!(error_code(&beside), Some("BAD_USER_INPUT"), "{beside}");

    // Replicating: whoever sees the recognised source and writes in the other unit.
    let beneath = app.unit_id("ST.D01.BCD").await;
    for (who, token, unit, expected) in [
        ("district viewer", &viewer, &beneath, Some("FORBIDDEN")),
        (
            "other district",
            &d02,
            &app.unit_id("ST.D02").await,
            Some("NOT_FOUND"),
        ),
        (
            "district manager into D02",
            &manager,
            &app.unit_id("ST.D02").await,
            Some("BAD_USER_INPUT"),
        ),
        (
            "district reporter into its own unit",
            &reporter,
            &d01,
            Some("BAD_USER_INPUT"),
        ),
        ("district reporter", &reporter, &beneath, None),
        (
            "province steering",
            &steering,
            &app.unit_id("ST.D02").await,
            None,
        ),
        ("province admin", &admin, &app.unit_id("ST.D03").await, None),
    ] {
        let body = app
            .gql(
                Some(token),
                REPLICATE,
                json!({ "i": { "sourceId": entry, "unitId": unit } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            expected,
            "replicateExemplar by {who}: {body}"
        );
    }
    // An unrecognised entry is not replicated.
    let body = app
        .gql(
            Some(&steering),
            REPLICATE,
            json!({ "i": { "sourceId": entries[1], "unitId": app.unit_id("ST.D02").await } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    // Retiring: a planning role over the entry's unit.
    for (who, token, target, expected) in [
        ("district viewer", &viewer, &entries[1], Some("FORBIDDEN")),
        (
            "district reporter",
            &reporter,
            &entries[1],
            Some("FORBIDDEN"),
        ),
        ("other district", &d02, &entries[1], Some("NOT_FOUND")),
        ("district manager", &manager, &entries[1], None),
        ("province steering", &steering, &entries[2], None),
        ("province admin", &admin, &entries[3], None),
    ] {
        let v = version(app, &steering, target).await;
        let body = app
            .gql(
                Some(token),
                RETIRE,
                json!({ "i": { "id": target, "version": v, "reason": "Chuyển công tác" } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            expected,
            "retireExemplar by {who}: {body}"
        );
    }

    // Nobody signed in may do anything.
    let body = app
        .gql(
            None,
            REGISTER,
            json!({ "i": { "unitId": d01, "kind": "MODEL", "field": "ECONOMY", "name": "x" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

/// Found from outside: a district recorded central and provincial awards; a recognition and an
/// assessment were dated before the entry existed; codes differing in case made two criteria.
async fn dates_levels_and_codes_hold_together(app: &TestApp) {
    let steering = app.user_with("q-steering", Role::Steering, "ST").await;
    let manager = app
        .user_with("q-manager", Role::UnitManager, "ST.D01")
        .await;
    let c = catalogue(app, &steering).await;
    let twin = app
        .gql(
            Some(&steering),
            CRITERION,
            json!({ "i": { "code": "dvk.result", "name": "Tiêu chí trùng", "mandatory": true } }),
        )
        .await;
    assert_eq!(error_code(&twin), Some("CONFLICT"), "{twin}");
    let entry = register(app, &manager, "ST.D01", "Mô hình dân vận khéo").await;
    let early = app
        .gql(
            Some(&manager),
            ASSESS,
            json!({ "i": { "id": entry, "version": 1, "assessedOn": "2024-01-15",
                "verdicts": [verdict(&c.all, true), verdict(&c.economy, true)] } }),
        )
        .await;
    assert_eq!(
        error_code(&early),
        Some("BAD_USER_INPUT"),
        "assessed before registered: {early}"
    );
    let assessed = assess(
        app,
        &manager,
        &entry,
        json!([verdict(&c.all, true), verdict(&c.economy, true)]),
    )
    .await;
    assert_eq!(error_code(&assessed), None, "{assessed}");
    for (what, extra) in [
        (
            "a central award by a district",
            json!({ "level": "CENTRAL" }),
        ),
        (
            "a provincial award by a district",
            json!({ "level": "PROVINCE" }),
        ),
        (
            "recognised before registered",
            json!({ "recognisedOn": "2020-01-01" }),
        ),
    ] {
        let body = recognise(app, &manager, &entry, extra).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{what}: {body}");
    }
    let fitting = recognise(app, &manager, &entry, json!({})).await;
    assert_eq!(error_code(&fitting), None, "{fitting}");
    let central = recognise(
        app,
        &steering,
        &entry,
        json!({ "level": "CENTRAL", "form": "EMULATION_FLAG", "recognisingUnitId": app.unit_id("ST").await }),
    )
    .await;
    assert_eq!(
        error_code(&central),
        None,
        "a central award recorded by the province: {central}"
    );
}

/// The register flows through the change feed to the entry's unit, not to another district.
async fn entries_come_through_the_change_feed_to_their_units(app: &TestApp) {
    use crate::sync::sync_all;
    let d01 = app.user_with("f-d01", Role::Reporter, "ST.D01").await;
    let d02 = app.user_with("f-d02", Role::Reporter, "ST.D02").await;
    let (_, _, _, d01_token) = sync_all(app, &d01, None).await;
    let (_, _, _, d02_token) = sync_all(app, &d02, None).await;
    let entry = register(app, &d01, "ST.D01", "Mô hình tổ tự quản").await;
    let (seen, _, _, _) = sync_all(app, &d01, Some(&d01_token)).await;
    assert!(seen.contains(&entry), "{seen:?}");
    let (elsewhere, _, _, _) = sync_all(app, &d02, Some(&d02_token)).await;
    assert!(!elsewhere.contains(&entry), "{elsewhere:?}");
}

/// An exemplary model's files: its unit's writers add them; others cannot; a retired entry's
/// files stay as they were.
async fn files_go_on_an_exemplar_by_its_units_writers(app: &TestApp) {
    use crate::attachments::{ATTACH, pdf};
    let d01 = app.user_with("x-d01", Role::Reporter, "ST.D01").await;
    let d02 = app.user_with("x-d02", Role::Reporter, "ST.D02").await;
    let entry = register(app, &d01, "ST.D01", "Mô hình dân vận khéo nuôi tôm sạch").await;
    let photo = app
        .upload(
            &d01,
            "EVIDENCE",
            "anh-mo-hinh.pdf",
            "application/pdf",
            &pdf("mo hinh"),
        )
        .await;
    let attached = app
        .data(
            &d01,
            ATTACH,
            json!({ "i": { "uploadId": photo, "targetId": entry } }),
        )
        .await;
    assert_eq!(attached["attachFile"]["attachment"]["origin"], "UPLOADED");
    let other = app
        .upload(
            &d02,
            "EVIDENCE",
            "khac.pdf",
            "application/pdf",
            &pdf("khac"),
        )
        .await;
    let body = app
        .gql(
            Some(&d02),
            ATTACH,
            json!({ "i": { "uploadId": other, "targetId": entry } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let listed = app
        .data(
            &d01,
            "query($id: ID!) { node(id: $id) { ... on Exemplar { attachments { filename } } } }",
            json!({ "id": entry }),
        )
        .await;
    assert_eq!(
        listed["node"]["attachments"],
        json!([{ "filename": "anh-mo-hinh.pdf" }])
    );
}
