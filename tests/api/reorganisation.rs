//! Units through time: the 2025 reorganisation scenario answered as of dates before and after
//! it, open work rerouted with links back, closed work left in place, and grants that follow a
//! merge without widening anyone's access.

use entity::{Role, report_obligation};
use qcdc::graphql::id::NodeType;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{TestApp, error_code, gid};

on_both_databases!(
    the_2025_scenario_answers_as_of_questions,
    grants_follow_a_merge_without_widening_access,
    every_kind_of_event_keeps_its_history,
);

const UNITS_AS_OF: &str = "query($p: ID!, $d: NaiveDate, $k: [UnitKind!]) {
    units(asOf: $d, first: 100, filter: { parent: $p, kinds: $k }) {
        totalCount edges { node { code name kind } } } }";

const COMPLIANCE: &str = "query($s: ID!, $u: ID!, $d: NaiveDate, $l: Boolean) {
    reportingCompliance(scheduleId: $s, unitId: $u, asOf: $d, lineage: $l) {
        expected approved missing obligations { unit { code } approved } } }";

/// `writer` creates and submits the report of `unit`'s obligation on `schedule`; `approver`
/// approves it.
async fn approved_report(
    app: &TestApp,
    writer: &str,
    approver: &str,
    schedule: uuid::Uuid,
    unit: &str,
) -> String {
    let token = writer;
    let unit_id = app.unit_uuid(unit).await;
    let obligation = report_obligation::Entity::find()
        .filter(report_obligation::Column::ScheduleId.eq(schedule))
        .filter(report_obligation::Column::UnitId.eq(unit_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("seeded obligation");
    let created = app
        .data(
            token,
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
            json!({ "i": { "obligationId": gid(NodeType::Obligation, obligation.id) } }),
        )
        .await;
    let report = created["createReport"]["report"].clone();
    let updated = app
        .data(
            token,
            "mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }",
            json!({ "i": { "id": report["id"], "version": report["version"],
                           "results": "Tổ chức 12 buổi tuyên truyền",
                           "indicatorValues": [{ "code": "C1.SESSIONS", "value": 12 }] } }),
        )
        .await;
    let report = updated["updateReport"]["report"].clone();
    let submitted = app
        .data(
            token,
            "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id version } } }",
            json!({ "i": { "id": report["id"], "version": report["version"] } }),
        )
        .await;
    let report = submitted["submitReport"]["report"].clone();
    app.data(
        approver,
        "mutation($i: ReportStepInput!) { approveReport(input: $i) { report { status } } }",
        json!({ "i": { "id": report["id"], "version": report["version"] } }),
    )
    .await;
    report["id"].as_str().unwrap().to_owned()
}

fn codes(data: &Value) -> Vec<String> {
    data["units"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_2025_scenario_answers_as_of_questions(app: &TestApp) {
    let steering = app.login("steering").await;
    let st = app.unit_id("ST").await;

    // A 2025 obligation of a district steering committee, still open on 2025-07-01.
    let plan = app
        .data(
            &steering,
            "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            json!({ "i": { "title": "Kế hoạch năm 2025", "issuingUnitId": app.unit_id("ST.BCD").await,
                           "periodStart": "2025-01-01", "periodEnd": "2025-12-31" } }),
        )
        .await["createPlan"]["plan"]["id"]
        .clone();
    let schedule_2025 = app
        .data(
            &steering,
            "mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) { reportSchedule { id } } }",
            json!({ "i": { "planId": plan, "kind": "PRELIMINARY_REVIEW", "title": "Sơ kết 6 tháng 2025",
                           "periodStart": "2025-01-01", "periodEnd": "2025-06-30", "dueOn": "2025-07-15",
                           "reportingUnitIds": [app.unit_id("ST.D09.BCD").await] } }),
        )
        .await["createReportSchedule"]["reportSchedule"]["id"]
        .clone();

    // A 2024 report of the same district, approved before the reorganisation.
    let seeded = entity::report_schedule::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let schedule_2024 = seeded
        .iter()
        .min_by_key(|s| s.due_on)
        .expect("a seeded 2024 schedule");
    let writer = app.user_with("w09", Role::Reporter, "ST.D09.BCD").await;
    let report_2024 =
        approved_report(app, &writer, &steering, schedule_2024.id, "ST.D09.BCD").await;
    let schedule_2024_id = gid(NodeType::ReportSchedule, schedule_2024.id);

    // This test writes its 2025 plan and its 2024 report today, but they stand for records
    // written before the reform: date them so, since scope follows the tree as it stood when a
    // record was written (the committees they name close in the consolidation).
    {
        use sea_orm::sea_query::Expr;
        let before_reform = |day: u32| {
            chrono::NaiveDate::from_ymd_opt(2025, 1, day)
                .unwrap()
                .and_hms_opt(3, 0, 0)
                .unwrap()
                .and_utc()
        };
        entity::plan::Entity::update_many()
            .col_expr(
                entity::plan::Column::CreatedAt,
                Expr::value(before_reform(15)),
            )
            .filter(entity::plan::Column::Title.eq("Kế hoạch năm 2025"))
            .exec(&app.db)
            .await
            .unwrap();
        entity::report::Entity::update_many()
            .col_expr(
                entity::report::Column::CreatedAt,
                Expr::value(before_reform(20)),
            )
            .filter(entity::report::Column::UnitId.eq(app.unit_uuid("ST.D09.BCD").await))
            .exec(&app.db)
            .await
            .unwrap();
    }

    let loaded = qcdc::seed::seed_scenario(&app.db, "reorg-2025")
        .await
        .unwrap();
    assert_eq!(loaded.events, 12, "every event of the scenario is applied");
    let again = qcdc::seed::seed_scenario(&app.db, "reorg-2025")
        .await
        .unwrap();
    assert_eq!(
        (again.events, again.skipped_events),
        (0, 12),
        "loading is idempotent"
    );

    // 11 districts under the province on the plan's date, none after the reform.
    let before = app
        .data(
            &steering,
            UNITS_AS_OF,
            json!({ "p": st, "d": "2024-03-01", "k": ["DISTRICT"] }),
        )
        .await;
    assert_eq!(before["units"]["totalCount"], 11, "{before:#}");
    let after = app
        .data(
            &steering,
            UNITS_AS_OF,
            json!({ "p": st, "d": "2025-07-02", "k": ["DISTRICT"] }),
        )
        .await;
    assert_eq!(after["units"]["totalCount"], 0, "{after:#}");

    // The merged communes sit under the new Cần Thơ after the reform (the law "hợp nhất" Sóc
    // Trăng, Hậu Giang and the former city into it), and did not exist before it. The new
    // city's own steering user asks about the city.
    let ct = app.unit_id("TPCT").await;
    let city = app.user_with("ct", Role::Steering, "TPCT").await;
    let under_ct = app
        .data(
            &city,
            UNITS_AS_OF,
            json!({ "p": ct, "d": "2025-07-02", "k": ["COMMUNE"] }),
        )
        .await;
    let names = codes(&under_ct);
    for code in ["ST.PHULOI", "ST.MYXUYEN", "ST.TANLONG"] {
        assert!(
            names.contains(&code.to_owned()),
            "{code} under CT: {names:?}"
        );
    }
    let phu_loi = app.unit_id("ST.PHULOI").await;
    let unit_as_of =
        "query($id: ID!, $d: NaiveDate) { unit(id: $id, asOf: $d) { code parent { code } } }";
    let early = app
        .data(
            &steering,
            unit_as_of,
            json!({ "id": phu_loi, "d": "2025-06-30" }),
        )
        .await;
    assert!(
        early["unit"].is_null(),
        "Phú Lợi did not exist yet: {early:#}"
    );
    let my_xuyen_town = app.unit_id("ST.D09.TT").await;
    let town = app
        .data(
            &steering,
            unit_as_of,
            json!({ "id": my_xuyen_town, "d": "2024-03-01" }),
        )
        .await;
    assert_eq!(town["unit"]["parent"]["code"], "ST.D09", "{town:#}");
    let history = app
        .data(
            &steering,
            "query($id: ID!) { unit(id: $id) { validTo successor { code }
                reorganisations { code kind effectiveOn legalBasis { number }
                                  predecessors { code } successors { code } } } }",
            json!({ "id": my_xuyen_town }),
        )
        .await;
    assert_eq!(history["unit"]["validTo"], "2025-07-01");
    assert_eq!(history["unit"]["successor"]["code"], "ST.MYXUYEN");
    let event = &history["unit"]["reorganisations"][0];
    assert_eq!(event["code"], "my-xuyen");
    assert_eq!(event["kind"], "MERGE_NEW");
    assert_eq!(event["legalBasis"]["number"], "1668/NQ-UBTVQH15");
    assert_eq!(event["predecessors"].as_array().unwrap().len(), 3);
    assert_eq!(event["successors"][0]["code"], "ST.MYXUYEN");

    // The open 2025 obligation moved to the district's successor, with a link back.
    let original = report_obligation::Entity::find()
        .filter(report_obligation::Column::UnitId.eq(app.unit_uuid("ST.D09.BCD").await))
        .filter(report_obligation::Column::ActiveFrom.is_null())
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|o| gid(NodeType::ReportSchedule, o.schedule_id) == schedule_2025.as_str().unwrap())
        .expect("the 2025 obligation");
    let successor_obligation = original.rerouted_to_id.expect("rerouted");
    let copy = report_obligation::Entity::find_by_id(successor_obligation)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(copy.unit_id, app.unit_uuid("ST.BCD").await);
    assert_eq!(copy.rerouted_from_id, Some(original.id));
    assert_eq!(original.rerouted_on.unwrap().to_string(), "2025-07-01");
    // The provincial committee closed the same day in the consolidation: the work went on to
    // the new city's committee, with a link back again.
    let city_copy = report_obligation::Entity::find_by_id(copy.rerouted_to_id.expect("rerouted"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(city_copy.unit_id, app.unit_uuid("TPCT.BCD").await);
    assert_eq!(city_copy.rerouted_from_id, Some(copy.id));

    // Sóc Trăng's office (its grant followed the merge onto the new city) sees who owes the
    // report today, and who owed it before the day.
    let now = app
        .data(
            &steering,
            COMPLIANCE,
            json!({ "s": schedule_2025, "u": ct }),
        )
        .await;
    assert_eq!(
        now["reportingCompliance"]["obligations"][0]["unit"]["code"], "TPCT.BCD",
        "today the new city's committee owes the report: {now:#}"
    );
    let then = app
        .data(
            &steering,
            COMPLIANCE,
            json!({ "s": schedule_2025, "u": st, "d": "2025-06-30" }),
        )
        .await;
    assert_eq!(then["reportingCompliance"]["expected"], 1, "{then:#}");
    assert_eq!(
        then["reportingCompliance"]["obligations"][0]["unit"]["code"], "ST.D09.BCD",
        "before the event the district owed it: {then:#}"
    );

    // The 2024 report stays with the district and still counts in 2024 rollups.
    let report = app
        .data(
            &steering,
            "query($id: ID!) { report(id: $id) { status unit { code validTo } } }",
            json!({ "id": report_2024 }),
        )
        .await;
    assert_eq!(report["report"]["unit"]["code"], "ST.D09.BCD");
    assert_eq!(report["report"]["status"], "APPROVED");
    let rollup_2024 = app
        .data(
            &steering,
            COMPLIANCE,
            json!({ "s": schedule_2024_id, "u": st, "d": "2024-12-31" }),
        )
        .await;
    let row = rollup_2024["reportingCompliance"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["unit"]["code"] == "ST.D09.BCD")
        .cloned()
        .expect("the district counted in 2024");
    assert_eq!(row["approved"], true, "{rollup_2024:#}");
    assert_eq!(rollup_2024["reportingCompliance"]["approved"], 1);
    // Across the event, the new Cần Thơ counts Sóc Trăng's history only through lineage (asked
    // by Sóc Trăng's office: the city's own users see only what was written under the city).
    let without = app
        .data(
            &steering,
            COMPLIANCE,
            json!({ "s": schedule_2024_id, "u": ct, "d": "2024-12-31" }),
        )
        .await;
    assert_eq!(without["reportingCompliance"]["approved"], 0, "{without:#}");
    let with = app
        .data(
            &steering,
            COMPLIANCE,
            json!({ "s": schedule_2024_id, "u": ct, "d": "2024-12-31", "l": true }),
        )
        .await;
    assert_eq!(with["reportingCompliance"]["approved"], 1, "{with:#}");
    let sessions = "query($s: ID!, $u: ID!, $d: NaiveDate, $l: Boolean) {
        indicatorSummary(codes: [\"C1.SESSIONS\"], unitId: $u, scheduleId: $s, asOf: $d, lineage: $l) {
            value reports { unit { code } } } }";
    let province_2024 = app
        .data(
            &steering,
            sessions,
            json!({ "s": schedule_2024_id, "u": st, "d": "2024-12-31" }),
        )
        .await;
    assert_eq!(
        province_2024["indicatorSummary"][0]["value"], 12.0,
        "{province_2024:#}"
    );
    assert_eq!(
        province_2024["indicatorSummary"][0]["reports"][0]["unit"]["code"],
        "ST.D09.BCD"
    );
    let city_alone = app
        .data(
            &steering,
            sessions,
            json!({ "s": schedule_2024_id, "u": ct, "d": "2024-12-31" }),
        )
        .await;
    assert_eq!(
        city_alone["indicatorSummary"][0]["reports"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "{city_alone:#}"
    );
    let city_lineage = app
        .data(
            &steering,
            sessions,
            json!({ "s": schedule_2024_id, "u": ct, "l": true }),
        )
        .await;
    assert_eq!(
        city_lineage["indicatorSummary"][0]["value"], 12.0,
        "{city_lineage:#}"
    );

    // The district manager of thành phố Sóc Trăng gained nothing of its communes' successor.
    let manager = app.login("manager").await;
    let phu_loi_seen = app
        .gql(
            Some(&manager),
            "query($id: ID!) { unit(id: $id) { code } }",
            json!({ "id": phu_loi }),
        )
        .await;
    assert!(phu_loi_seen["data"]["unit"].is_null(), "{phu_loi_seen:#}");
    // Sóc Trăng's provincial committee closed in the consolidation: no new plan is issued in
    // its name; the new city's committee, which the office's grant followed to, issues them.
    let closed = app
        .gql(
            Some(&steering),
            "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            json!({ "i": { "title": "Kế hoạch năm 2026", "issuingUnitId": app.unit_id("ST.BCD").await,
                           "periodStart": "2026-01-01", "periodEnd": "2026-12-31" } }),
        )
        .await;
    assert!(error_code(&closed).is_some(), "{closed:#}");
    let still_plans = app
        .gql(
            Some(&steering),
            "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            json!({ "i": { "title": "Kế hoạch năm 2026", "issuingUnitId": app.unit_id("TPCT.BCD").await,
                           "periodStart": "2026-01-01", "periodEnd": "2026-12-31" } }),
        )
        .await;
    assert!(still_plans.get("errors").is_none(), "{still_plans:#}");
    let path = "query($id: ID!, $d: NaiveDate) { unit(id: $id) { validTo successor { code }
        ancestors(asOf: $d) { code } } }";
    let st_bcd = app.unit_id("ST.BCD").await;
    let then = app
        .data(&steering, path, json!({ "id": st_bcd, "d": "2024-03-01" }))
        .await;
    assert_eq!(then["unit"]["ancestors"], json!([{ "code": "ST" }]));
    assert_eq!(then["unit"]["validTo"], "2025-07-01");
    assert_eq!(then["unit"]["successor"]["code"], "TPCT.BCD");
    let city_bcd = app.unit_id("TPCT.BCD").await;
    let now = app.data(&steering, path, json!({ "id": city_bcd })).await;
    assert_eq!(now["unit"]["ancestors"], json!([{ "code": "TPCT" }]));
}

const APPLY: &str = "mutation($i: ReorganisationInput!) { applyReorganisation(input: $i) {
    reorganisation { id kind successors { id code } }
    reroutedAssignments reroutedObligations reroutedRecipients grantsIssued } }";

async fn grants_follow_a_merge_without_widening_access(app: &TestApp) {
    let steering = app.login("steering").await;
    let first = app.user_with("bcd1", Role::UnitManager, "ST.D01.BCD").await;
    let district = app.user_with("d03", Role::Reporter, "ST.D03").await;

    // A report of the other predecessor, submitted before the merge.
    let seeded = entity::report_schedule::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let schedule = seeded.iter().min_by_key(|s| s.due_on).unwrap();
    let writer = app.user_with("w02", Role::Reporter, "ST.D02.BCD").await;
    let other_report = approved_report(app, &writer, &steering, schedule.id, "ST.D02.BCD").await;

    let input = json!({ "i": {
        "kind": "MERGE_NEW", "effectiveOn": "2025-01-01", "title": "Hợp nhất hai ban chỉ đạo",
        "predecessorIds": [app.unit_id("ST.D01.BCD").await, app.unit_id("ST.D02.BCD").await],
        "newUnits": [{ "code": "ST.BCD.LH", "name": "Ban Chỉ đạo liên huyện",
                       "kind": "STEERING_COMMITTEE", "parentId": app.unit_id("ST").await }] } });

    // Refusals: no token, a reporter, a district manager outside its scope.
    let anonymous = app.gql(None, APPLY, input.clone()).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
    let refused = app.gql(Some(&district), APPLY, input.clone()).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused:#}");
    let manager = app.gql(Some(&first), APPLY, input.clone()).await;
    assert_eq!(error_code(&manager), Some("FORBIDDEN"), "{manager:#}");
    assert!(
        qcdc::domain::units::by_code(&app.db, "ST.BCD.LH")
            .await
            .unwrap()
            .is_none(),
        "a refused event leaves nothing behind"
    );

    let applied = app.data(&steering, APPLY, input.clone()).await;
    let payload = &applied["applyReorganisation"];
    assert_eq!(payload["reorganisation"]["kind"], "MERGE_NEW");
    assert!(
        payload["reroutedObligations"].as_u64().unwrap() >= 1,
        "{payload:#}"
    );
    assert!(
        payload["grantsIssued"].as_u64().unwrap() >= 1,
        "{payload:#}"
    );
    let merged = payload["reorganisation"]["successors"][0]["id"].clone();
    let event = payload["reorganisation"]["id"].clone();
    let node = "query($id: ID!) { node(id: $id) { __typename id } }";
    let seen = app.data(&first, node, json!({ "id": event })).await;
    assert_eq!(seen["node"]["__typename"], "Reorganisation");
    let unseen = app.data(&district, node, json!({ "id": event })).await;
    assert!(
        unseen["node"].is_null(),
        "another district's event: {unseen:#}"
    );

    // A second application would close already closed units.
    let again = app.gql(Some(&steering), APPLY, json!({ "i": {
        "kind": "MERGE_NEW", "effectiveOn": "2025-02-01", "title": "Lần nữa",
        "predecessorIds": [app.unit_id("ST.D01.BCD").await, app.unit_id("ST.D02.BCD").await],
        "newUnits": [{ "code": "ST.BCD.LH2", "name": "Lần nữa", "kind": "STEERING_COMMITTEE" }] } })).await;
    assert_eq!(error_code(&again), Some("BAD_USER_INPUT"), "{again:#}");

    // The grant followed: the manager of a predecessor manages the new unit, and can write its
    // rerouted obligation's report.
    let visible = app
        .data(
            &first,
            "query($id: ID!) { unit(id: $id) { code } }",
            json!({ "id": merged }),
        )
        .await;
    assert_eq!(visible["unit"]["code"], "ST.BCD.LH");
    let rerouted = report_obligation::Entity::find()
        .filter(report_obligation::Column::UnitId.eq(app.unit_uuid("ST.BCD.LH").await))
        .one(&app.db)
        .await
        .unwrap()
        .expect("an obligation rerouted to the merged unit");
    let created = app
        .data(
            &first,
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { unit { code } } } }",
            json!({ "i": { "obligationId": gid(NodeType::Obligation, rerouted.id) } }),
        )
        .await;
    assert_eq!(
        created["createReport"]["report"]["unit"]["code"],
        "ST.BCD.LH"
    );

    // …but gained nothing of the other predecessor: neither its unit nor its report.
    let other_unit = app
        .gql(
            Some(&first),
            "query($id: ID!) { unit(id: $id) { code } }",
            json!({ "id": app.unit_id("ST.D02.BCD").await }),
        )
        .await;
    assert!(other_unit["data"]["unit"].is_null(), "{other_unit:#}");
    let other = app
        .gql(
            Some(&first),
            "query($id: ID!) { report(id: $id) { id } }",
            json!({ "id": other_report }),
        )
        .await;
    assert!(other["data"]["report"].is_null(), "{other:#}");

    // Nothing changes through the closed unit any more.
    let closed = report_obligation::Entity::find()
        .filter(report_obligation::Column::UnitId.eq(app.unit_uuid("ST.D01.BCD").await))
        .filter(report_obligation::Column::ReroutedToId.is_not_null())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let write_closed = app
        .gql(
            Some(&first),
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id } } }",
            json!({ "i": { "obligationId": gid(NodeType::Obligation, closed.id) } }),
        )
        .await;
    assert_eq!(
        error_code(&write_closed),
        Some("FORBIDDEN"),
        "{write_closed:#}"
    );

    // The unit's versions tell its story.
    let versions = app
        .data(
            &steering,
            "query($id: ID!) { unit(id: $id) { versions { validFrom validTo name } } }",
            json!({ "id": app.unit_id("ST.D01.BCD").await }),
        )
        .await;
    let v = &versions["unit"]["versions"];
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["validTo"], "2025-01-01");
}

const UNIT_ON: &str = "query($id: ID!, $d: NaiveDate) {
    unit(id: $id, asOf: $d) { code name kind parent { code } } }";

async fn apply(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), APPLY, json!({ "i": input })).await
}

async fn on(app: &TestApp, token: &str, id: async_graphql::ID, day: &str) -> Value {
    app.data(token, UNIT_ON, json!({ "id": id, "d": day }))
        .await["unit"]
        .clone()
}

async fn recipients_on(
    app: &TestApp,
    token: &str,
    query: &str,
    plan: &Value,
    unit: &async_graphql::ID,
    day: &str,
) -> Vec<String> {
    app.data(token, query, json!({ "p": plan, "u": unit, "d": day }))
        .await["planProgress"]["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit"]["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn every_kind_of_event_keeps_its_history(app: &TestApp) {
    let steering = app.login("steering").await;
    // RENAME: the old name answers for the days before, the new one after.
    let d04 = app.unit_id("ST.D04.BCD").await;
    let old_name = on(app, &steering, d04.clone(), "2024-05-31").await["name"].clone();
    let renamed = apply(
        app,
        &steering,
        json!({ "kind": "RENAME", "effectiveOn": "2024-06-01", "title": "Đổi tên",
        "predecessorIds": [d04], "name": "Ban Chỉ đạo dân chủ cơ sở huyện Châu Thành" }),
    )
    .await;
    assert!(renamed.get("errors").is_none(), "{renamed:#}");
    assert_eq!(
        on(app, &steering, d04.clone(), "2024-05-31").await["name"],
        old_name
    );
    assert_eq!(
        on(app, &steering, d04.clone(), "2024-06-01").await["name"],
        "Ban Chỉ đạo dân chủ cơ sở huyện Châu Thành"
    );
    // History is appended in date order, never rewritten.
    let backdated = apply(
        app,
        &steering,
        json!({ "kind": "RECLASSIFY", "effectiveOn": "2024-05-01", "title": "Lùi ngày",
        "predecessorIds": [d04], "unitKind": "OTHER" }),
    )
    .await;
    assert_eq!(
        error_code(&backdated),
        Some("BAD_USER_INPUT"),
        "{backdated:#}"
    );

    // RECLASSIFY: the kind filter reads each day's kind.
    let dukdn = app.unit_id("ST.TU.DUKDN").await;
    let reclassified = apply(
        app,
        &steering,
        json!({ "kind": "RECLASSIFY", "effectiveOn": "2024-07-01",
        "title": "Chuyển loại hình", "predecessorIds": [dukdn], "unitKind": "OTHER" }),
    )
    .await;
    assert!(reclassified.get("errors").is_none(), "{reclassified:#}");
    assert_eq!(
        on(app, &steering, dukdn.clone(), "2024-06-30").await["kind"],
        "PARTY_COMMITTEE"
    );
    assert_eq!(
        on(app, &steering, dukdn.clone(), "2024-07-01").await["kind"],
        "OTHER"
    );

    // REPARENT: the subtree moves on the day; changes follow today's tree, reads keep history.
    let manager = app.user_with("d05", Role::UnitManager, "ST.D05").await;
    let obligations = report_obligation::Entity::find()
        .filter(report_obligation::Column::UnitId.eq(app.unit_uuid("ST.D05.BCD").await))
        .all(&app.db)
        .await
        .unwrap();
    let create = "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id } } }";
    let before_move = app
        .gql(
            Some(&manager),
            create,
            json!({ "i": { "obligationId": gid(NodeType::Obligation, obligations[0].id) } }),
        )
        .await;
    assert!(before_move.get("errors").is_none(), "{before_move:#}");
    let d05_bcd = app.unit_id("ST.D05.BCD").await;
    let moved = apply(
        app,
        &steering,
        json!({ "kind": "REPARENT", "effectiveOn": "2024-09-01", "title": "Chuyển trực thuộc",
        "predecessorIds": [d05_bcd], "parentId": app.unit_id("ST.BCD").await }),
    )
    .await;
    assert!(moved.get("errors").is_none(), "{moved:#}");
    let within =
        "query($w: ID!, $d: NaiveDate) { units(asOf: $d, first: 100, filter: { within: $w }) {
        edges { node { code } } } }";
    let d05 = app.unit_id("ST.D05").await;
    let under_d05_then = codes(
        &app.data(&steering, within, json!({ "w": d05, "d": "2024-08-31" }))
            .await,
    );
    assert!(
        under_d05_then.contains(&"ST.D05.BCD".to_owned()),
        "{under_d05_then:?}"
    );
    let under_d05_now = codes(
        &app.data(&steering, within, json!({ "w": d05, "d": "2024-09-02" }))
            .await,
    );
    assert!(
        !under_d05_now.contains(&"ST.D05.BCD".to_owned()),
        "{under_d05_now:?}"
    );
    let bcd = app.unit_id("ST.BCD").await;
    let under_bcd = codes(
        &app.data(&steering, within, json!({ "w": bcd, "d": "2024-09-02" }))
            .await,
    );
    assert!(
        under_bcd.contains(&"ST.D05.BCD".to_owned()),
        "{under_bcd:?}"
    );
    assert_eq!(
        on(app, &steering, d05_bcd.clone(), "2024-09-02").await["parent"]["code"],
        "ST.BCD"
    );
    let after_move = app
        .gql(
            Some(&manager),
            create,
            json!({ "i": { "obligationId": gid(NodeType::Obligation, obligations[1].id) } }),
        )
        .await;
    assert_eq!(error_code(&after_move), Some("FORBIDDEN"), "{after_move:#}");
    let still_read = app
        .data(
            &manager,
            "query($id: ID!) { unit(id: $id) { code } }",
            json!({ "id": d05_bcd }),
        )
        .await;
    assert_eq!(
        still_read["unit"]["code"], "ST.D05.BCD",
        "history stays readable"
    );

    // DISSOLVE with open work and nobody to take it: refused, nothing written.
    let d07 = app.unit_id("ST.D07.BCD").await;
    let orphaned = apply(
        app,
        &steering,
        json!({ "kind": "DISSOLVE", "effectiveOn": "2024-10-01", "title": "Giải thể",
        "predecessorIds": [d07] }),
    )
    .await;
    assert_eq!(
        error_code(&orphaned),
        Some("BAD_USER_INPUT"),
        "{orphaned:#}"
    );
    assert_eq!(orphaned["errors"][0]["extensions"]["field"], "successorId");
    let untouched = app
        .data(
            &steering,
            "query($id: ID!) { unit(id: $id) { validTo reorganisations { id } } }",
            json!({ "id": d07 }),
        )
        .await;
    assert!(untouched["unit"]["validTo"].is_null(), "{untouched:#}");
    assert_eq!(
        untouched["unit"]["reorganisations"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // SPLIT: open work goes to the successor marked routingDefault, each row linking back.
    let d06 = app.unit_id("ST.D06.BCD").await;
    let split = apply(app, &steering, json!({ "kind": "SPLIT", "effectiveOn": "2024-10-01", "title": "Chia tách",
        "predecessorIds": [d06],
        "newUnits": [
            { "code": "ST.D06.BCD.A", "name": "Ban Chỉ đạo A", "kind": "STEERING_COMMITTEE", "routingDefault": true },
            { "code": "ST.D06.BCD.B", "name": "Ban Chỉ đạo B", "kind": "STEERING_COMMITTEE" }] })).await;
    assert!(split.get("errors").is_none(), "{split:#}");
    assert_eq!(
        split["data"]["applyReorganisation"]["reroutedObligations"],
        2
    );
    assert!(
        split["data"]["applyReorganisation"]["reroutedAssignments"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let plan = app
        .data(&steering, "{ plans(first: 1, filter: { search: \"24-KH\" }) { edges { node { id
            recipients { unit { code } derivationStatus reroutedOn reroutedTo { unit { code } activeFrom } }
            reportSchedules { obligations { unit { code } reroutedOn
                reroutedTo { unit { code } reroutedFrom { unit { code } } } } } } } } }", json!({}))
        .await;
    let plan = &plan["plans"]["edges"][0]["node"];
    let recipient = plan["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"]["code"] == "ST.D06.BCD")
        .expect("the split unit was a recipient");
    assert_eq!(recipient["derivationStatus"], "REROUTED");
    assert_eq!(recipient["reroutedOn"], "2024-10-01");
    assert_eq!(recipient["reroutedTo"]["unit"]["code"], "ST.D06.BCD.A");
    assert_eq!(recipient["reroutedTo"]["activeFrom"], "2024-10-01");
    for schedule in plan["reportSchedules"].as_array().unwrap() {
        let o = schedule["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["unit"]["code"] == "ST.D06.BCD")
            .expect("the split unit's obligation");
        assert_eq!(o["reroutedTo"]["unit"]["code"], "ST.D06.BCD.A", "{o:#}");
        assert_eq!(
            o["reroutedTo"]["reroutedFrom"]["unit"]["code"],
            "ST.D06.BCD"
        );
    }
    // New work cannot go to the closed unit: it goes to a successor.
    let task = app
        .data(
            &steering,
            "query($p: ID!) { plan(id: $p) { tasks(first: 1) { edges { node { id } } } } }",
            json!({ "p": plan["id"] }),
        )
        .await["plan"]["tasks"]["edges"][0]["node"]["id"]
        .clone();
    let to_closed = app
        .gql(
            Some(&steering),
            "mutation($i: AssignTaskInput!) { assignTask(input: $i) { assignment { id } } }",
            json!({ "i": { "taskId": task, "unitId": d06, "role": "COORDINATE" } }),
        )
        .await;
    assert_eq!(
        error_code(&to_closed),
        Some("BAD_USER_INPUT"),
        "{to_closed:#}"
    );
    assert_eq!(to_closed["errors"][0]["extensions"]["field"], "unitId");
    assert!(
        to_closed["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("closed on 2024-10-01"),
        "{to_closed:#}"
    );
    // Plan progress as of a day before the split counts the old unit, after it the new one.
    let progress =
        "query($p: ID!, $u: ID!, $d: NaiveDate) { planProgress(planId: $p, unitId: $u, asOf: $d) {
        recipients { unit { code } status } } }";
    let st = app.unit_id("ST").await;
    let before = recipients_on(app, &steering, progress, &plan["id"], &st, "2024-09-30").await;
    assert!(
        before.contains(&"ST.D06.BCD".to_owned()) && !before.contains(&"ST.D06.BCD.A".to_owned()),
        "{before:?}"
    );
    let after = recipients_on(app, &steering, progress, &plan["id"], &st, "2024-10-02").await;
    assert!(
        after.contains(&"ST.D06.BCD.A".to_owned()) && !after.contains(&"ST.D06.BCD".to_owned()),
        "{after:?}"
    );

    // PARTIAL_TRANSFER: a sub-unit moves to another unit; both continue.
    let d08 = app.unit_id("ST.D08").await;
    let wrong = apply(
        app,
        &steering,
        json!({ "kind": "PARTIAL_TRANSFER", "effectiveOn": "2024-11-01", "title": "Điều chỉnh",
        "predecessorIds": [d08], "successorId": app.unit_id("ST.D11").await,
        "transferredIds": [app.unit_id("ST.D09.PARTY").await] }),
    )
    .await;
    assert_eq!(error_code(&wrong), Some("BAD_USER_INPUT"), "{wrong:#}");
    let d08_party = app.unit_id("ST.D08.PARTY").await;
    let transferred = apply(
        app,
        &steering,
        json!({ "kind": "PARTIAL_TRANSFER", "effectiveOn": "2024-11-01", "title": "Điều chỉnh",
        "predecessorIds": [d08], "successorId": app.unit_id("ST.D11").await,
        "transferredIds": [d08_party] }),
    )
    .await;
    assert!(transferred.get("errors").is_none(), "{transferred:#}");
    assert_eq!(
        on(app, &steering, d08_party.clone(), "2024-10-31").await["parent"]["code"],
        "ST.D08"
    );
    assert_eq!(
        on(app, &steering, d08_party.clone(), "2024-11-01").await["parent"]["code"],
        "ST.D11"
    );
    let d08_now = app
        .data(
            &steering,
            "query($id: ID!) { unit(id: $id) { validTo } }",
            json!({ "id": d08 }),
        )
        .await;
    assert!(d08_now["unit"]["validTo"].is_null(), "the source continues");
}

/// Operators load the scenario with one command; loading it again changes nothing, and an
/// unknown scenario is refused with the names it knows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_command_applies_a_scenario_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/scenario.db?mode=rwc", dir.path().display());
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_qcdc"))
            .args(args)
            .env("QCDC_DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let first = run(&["seed", "--scenario", "reorg-2025"]);
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(out.contains("events: 12, skipped_events: 0"), "{out}");
    let second = run(&["seed", "--scenario", "reorg-2025"]);
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(out.contains("events: 0, skipped_events: 12"), "{out}");
    let unknown = run(&["seed", "--scenario", "reorg-2030"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("reorg-2025"));

    let db = sea_orm::Database::connect(&url).await.unwrap();
    let district = qcdc::domain::units::by_code(&db, "ST.D05")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(district.valid_to.unwrap().to_string(), "2025-07-01");
    assert_eq!(
        district.successor_id,
        Some(
            qcdc::domain::units::by_code(&db, "ST.BCD")
                .await
                .unwrap()
                .unwrap()
                .id
        )
    );
    db.close().await.unwrap();
}
