//! Issue 14, import and export: a dry run that writes nothing, an apply that writes every valid
//! row once, legacy Vietnamese encodings refused, and exports that match their queries.

use calamine::{Data, DataType, Reader};
use entity::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::support::{TestApp, error_code, nodes};

on_both_databases!(
    a_dry_run_writes_nothing_and_applying_twice_changes_nothing,
    a_tcvn3_file_is_refused_with_a_hint,
    an_export_matches_its_query,
    tasks_and_assignments_import_by_code_in_the_planners_scope,
    a_sheet_with_one_far_cell_is_refused_and_the_server_lives,
);

/// Found from outside: a 1.6 KB workbook with a cell in XFD1048576 made the reader lay out a
/// grid of 17 billion cells and the server was killed for memory.
async fn a_sheet_with_one_far_cell_is_refused_and_the_server_lives(app: &TestApp) {
    let steering = app.user_with("x-steering", Role::Steering, "ST").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "code").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 16 * 1024);
    let upload_id = upload(app, &steering, "far.xlsx", bytes).await;
    let import = app
        .data(
            &steering,
            CREATE,
            json!({ "i": { "kind": "UNITS", "uploadId": upload_id } }),
        )
        .await["createImport"]["import"]
        .clone();
    assert_eq!(import["status"], "REFUSED", "{import}");
    assert_eq!(
        import["errors"]["edges"][0]["node"]["code"], "TOO_MANY_ROWS",
        "{import}"
    );
    // Still serving.
    let alive = app.data(&steering, "{ __typename }", json!({})).await;
    assert_eq!(alive["__typename"], "QueryRoot");
}

const CREATE: &str = "mutation($i: CreateImportInput!) { createImport(input: $i) { import { id status totalRows validRows errorRows changedRows errors(first: 50) { totalCount edges { node { row field code message } } } } } }";
const APPLY: &str = "mutation($i: ApplyImportInput!) { applyImport(input: $i) { import { id status totalRows validRows errorRows changedRows } } }";

/// Uploads `bytes` for an import as `token`'s principal; returns the upload's global id.
async fn upload(app: &TestApp, token: &str, filename: &str, bytes: Vec<u8>) -> String {
    let content_type = if filename.ends_with(".csv") {
        "text/csv"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    app.upload(token, "IMPORT", filename, content_type, &bytes)
        .await
}

/// The bytes behind a `Download`.
async fn download(app: &TestApp, d: &Value) -> Vec<u8> {
    let (status, _, bytes) = app.download(d["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    bytes
}

async fn plan_24(app: &TestApp, token: &str) -> Value {
    let plans = app
        .data(
            token,
            "{ plans(first: 20) { edges { node { id number } } } }",
            json!({}),
        )
        .await;
    nodes(&plans, &["plans"])
        .into_iter()
        .find(|p| p["number"] == "24-KH/BCĐ")
        .unwrap()["id"]
        .clone()
}

/// An XLSX with `headers` and `rows` of text; empty cells are left blank.
fn workbook(headers: &[&str], rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, *cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// `(row, code)` of an import's errors, in order.
fn row_errors(import: &Value) -> Vec<(i64, String)> {
    import["errors"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["row"].as_i64().unwrap(),
                e["node"]["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `(totalRows, validRows, errorRows)` of an import.
fn counts(import: &Value) -> (i64, i64, i64) {
    (
        import["totalRows"].as_i64().unwrap(),
        import["validRows"].as_i64().unwrap(),
        import["errorRows"].as_i64().unwrap(),
    )
}

async fn value_count(app: &TestApp) -> u64 {
    entity::indicator_value::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

async fn a_dry_run_writes_nothing_and_applying_twice_changes_nothing(app: &TestApp) {
    let steering = app.user_with("x-steering", Role::Steering, "ST").await;

    // Eleven wards of Sóc Trăng city, from a CSV that Excel saved in Windows-1258: tones are
    // stored as combining marks ("Phươ" + U+0300 + "ng").
    let mut csv = String::from("code,name,kind,parent_code\n");
    for n in 1..=11 {
        csv.push_str(&format!(
            "ST.D01.P{n:02},Phươ\u{300}ng {n} Vi\u{303}nh Phươ\u{301}c,COMMUNE,ST.D01\n"
        ));
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&csv);
    assert!(!unmappable);
    let upload_id = upload(app, &steering, "phuong.csv", bytes.into_owned()).await;
    let dry = app
        .data(
            &steering,
            CREATE,
            json!({ "i": { "kind": "UNITS", "uploadId": upload_id } }),
        )
        .await["createImport"]["import"]
        .clone();
    assert_eq!(
        (
            &dry["status"],
            &dry["totalRows"],
            &dry["validRows"],
            &dry["errorRows"]
        ),
        (&json!("VALIDATED"), &json!(11), &json!(11), &json!(0)),
        "{dry}"
    );
    let probe = "query($c: String!) { unitByCode(code: $c) { id name } }";
    assert!(
        app.data(&steering, probe, json!({ "c": "ST.D01.P01" }))
            .await["unitByCode"]
            .is_null()
    );
    let applied = app
        .data(&steering, APPLY, json!({ "i": { "id": dry["id"] } }))
        .await;
    assert_eq!(
        applied["applyImport"]["import"]["changedRows"], 11,
        "{applied}"
    );
    let ward = app
        .data(&steering, probe, json!({ "c": "ST.D01.P01" }))
        .await;
    let name = ward["unitByCode"]["name"].as_str().unwrap();
    assert_eq!(name.as_bytes(), "Phường 1 Vĩnh Phước".as_bytes());
    let again = app
        .data(&steering, APPLY, json!({ "i": { "id": dry["id"] } }))
        .await;
    assert_eq!(again["applyImport"]["import"]["changedRows"], 0, "{again}");

    // A schedule over the wards; ward 11's report is approved already.
    let plan = plan_24(app, &steering).await;
    let mut wards = Vec::new();
    for n in 1..=11 {
        wards.push(app.unit_id(&format!("ST.D01.P{n:02}")).await);
    }
    let schedule = app
        .data(
            &steering,
            "mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) { reportSchedule { id obligations { id unit { code } } } } }",
            json!({ "i": { "planId": plan, "kind": "PRELIMINARY_REVIEW", "title": "Báo cáo 6 tháng của phường",
                "periodStart": "2024-01-01", "periodEnd": "2024-06-30", "dueOn": "2024-07-05",
                "reportingUnitIds": wards } }),
        )
        .await["createReportSchedule"]["reportSchedule"]
        .clone();
    let ob11 = schedule["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["unit"]["code"] == "ST.D01.P11")
        .unwrap()["id"]
        .clone();
    let writer = app.user_with("x-writer", Role::Reporter, "ST.D01").await;
    let report = app
        .data(
            &writer,
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
            json!({ "i": { "obligationId": ob11 } }),
        )
        .await["createReport"]["report"]
        .clone();
    let submitted = app
        .data(
            &writer,
            "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id version } } }",
            json!({ "i": { "id": report["id"], "version": report["version"] } }),
        )
        .await["submitReport"]["report"]
        .clone();
    app.data(
        &steering,
        "mutation($i: ReportStepInput!) { approveReport(input: $i) { report { status } } }",
        json!({ "i": { "id": submitted["id"], "version": submitted["version"] } }),
    )
    .await;

    // Twelve rows: ten good, one unknown unit, one approved report.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["unit_code", "period_end", "indicator_code", "value"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let mut codes: Vec<String> = (1..=11).map(|n| format!("ST.D01.P{n:02}")).collect();
    codes.insert(5, "ST.D01.P99".into());
    for (r, code) in codes.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, code).unwrap();
        sheet.write_string(r, 1, "2024-06-30").unwrap();
        sheet.write_string(r, 2, "C1.SESSIONS").unwrap();
        sheet.write_number(r, 3, f64::from(r) * 3.0).unwrap();
    }
    let xlsx = book.save_to_buffer().unwrap();
    let upload_id = upload(app, &steering, "sessions.xlsx", xlsx).await;
    let before = value_count(app).await;
    let dry = app
        .data(
            &steering,
            CREATE,
            json!({ "i": { "kind": "INDICATOR_VALUES", "uploadId": upload_id, "planId": plan } }),
        )
        .await["createImport"]["import"]
        .clone();
    assert_eq!(
        (&dry["totalRows"], &dry["validRows"], &dry["errorRows"]),
        (&json!(12), &json!(10), &json!(2)),
        "{dry}"
    );
    let errors: Vec<(i64, String)> = dry["errors"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["row"].as_i64().unwrap(),
                e["node"]["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (7, "UNKNOWN_UNIT".to_owned()),
            (13, "REPORT_NOT_DRAFT".to_owned())
        ]
    );
    assert_eq!(value_count(app).await, before, "the dry run wrote values");
    let reports = entity::report::Entity::find().count(&app.db).await.unwrap();

    let applied = app
        .data(&steering, APPLY, json!({ "i": { "id": dry["id"] } }))
        .await;
    assert_eq!(
        applied["applyImport"]["import"]["changedRows"], 10,
        "{applied}"
    );
    assert_eq!(value_count(app).await, before + 10);
    assert_eq!(
        entity::report::Entity::find().count(&app.db).await.unwrap(),
        reports + 10
    );
    let again = app
        .data(&steering, APPLY, json!({ "i": { "id": dry["id"] } }))
        .await;
    assert_eq!(again["applyImport"]["import"]["changedRows"], 0, "{again}");
    assert_eq!(value_count(app).await, before + 10);
    assert_eq!(
        entity::report::Entity::find().count(&app.db).await.unwrap(),
        reports + 10
    );

    // Someone else's import answers as unknown.
    let viewer = app.user_with("x-viewer", Role::Viewer, "ST").await;
    let body = app
        .gql(Some(&viewer), APPLY, json!({ "i": { "id": dry["id"] } }))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
}

async fn a_tcvn3_file_is_refused_with_a_hint(app: &TestApp) {
    let steering = app.user_with("x-steering", Role::Steering, "ST").await;
    // "Phường Ba" and "Việt" typed in .VnTime and saved as CSV: raw TCVN3 bytes.
    let bytes = b"code,name,kind,parent_code\nST.D01.T1,Ph\xAD\xEAng Ba,COMMUNE,ST.D01\nST.D01.T2,Vi\xD6t H\xDEa,COMMUNE,ST.D01\n".to_vec();
    let upload_id = upload(app, &steering, "tcvn3.csv", bytes).await;
    let import = app
        .data(
            &steering,
            CREATE,
            json!({ "i": { "kind": "UNITS", "uploadId": upload_id } }),
        )
        .await["createImport"]["import"]
        .clone();
    assert_eq!(import["status"], "REFUSED", "{import}");
    let error = &import["errors"]["edges"][0]["node"];
    assert_eq!(error["code"], "LEGACY_ENCODING_TCVN3");
    assert_eq!(error["row"], 0);
    assert!(error["message"].as_str().unwrap().contains("UniKey"));
    let body = app
        .gql(
            Some(&steering),
            APPLY,
            json!({ "i": { "id": import["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let probe = "query($c: String!) { unitByCode(code: $c) { id } }";
    assert!(
        app.data(&steering, probe, json!({ "c": "ST.D01.T1" }))
            .await["unitByCode"]
            .is_null()
    );
}

async fn an_export_matches_its_query(app: &TestApp) {
    let steering = app.user_with("x-steering", Role::Steering, "ST").await;
    let plan = plan_24(app, &steering).await;
    let unit = app.unit_id("ST").await;
    let counts = "total notStarted inProgress done cancelled overdue";
    let progress = app
        .data(
            &steering,
            &format!("query($p: ID!, $u: ID!) {{ planProgress(planId: $p, unitId: $u) {{ tasks {{ {counts} }} byContentArea {{ contentArea {counts} }} }} }}"),
            json!({ "p": plan, "u": unit }),
        )
        .await["planProgress"]
        .clone();
    let export = "mutation($i: ExportTableInput!) { exportTable(input: $i) { download { filename contentType byteSize url } } }";
    let xlsx = app
        .data(
            &steering,
            export,
            json!({ "i": { "table": "PLAN_PROGRESS", "format": "XLSX", "planId": plan, "unitId": unit } }),
        )
        .await["exportTable"]["download"]
        .clone();
    let bytes = download(app, &xlsx).await;
    assert_eq!(xlsx["byteSize"], bytes.len());
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let keys = [
        "total",
        "notStarted",
        "inProgress",
        "done",
        "cancelled",
        "overdue",
    ];
    let areas = progress["byContentArea"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        areas.len() + 2,
        "header, one row per area, TOTAL"
    );
    let numbers = |row: &[Data]| -> Vec<f64> {
        row[1..]
            .iter()
            .map(|d| match d {
                Data::Float(f) => *f,
                other => panic!("not a number: {other:?}"),
            })
            .collect()
    };
    for (row, area) in rows[1..].iter().zip(areas) {
        assert_eq!(
            row[0],
            area["contentArea"]
                .as_f64()
                .map_or(Data::Empty, Data::Float)
        );
        let want: Vec<f64> = keys.iter().map(|k| area[*k].as_f64().unwrap()).collect();
        assert_eq!(numbers(row), want);
    }
    let total = rows.last().unwrap();
    assert_eq!(total[0], Data::String("TOTAL".into()));
    let want: Vec<f64> = keys
        .iter()
        .map(|k| progress["tasks"][*k].as_f64().unwrap())
        .collect();
    assert_eq!(numbers(total), want);

    let csv = app
        .data(
            &steering,
            export,
            json!({ "i": { "table": "PLAN_PROGRESS", "format": "CSV", "planId": plan, "unitId": unit } }),
        )
        .await["exportTable"]["download"]
        .clone();
    let bytes = download(app, &csv).await;
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "the CSV opens with a BOM"
    );
    assert!(
        std::str::from_utf8(&bytes[3..])
            .unwrap()
            .starts_with("content_area,total,")
    );

    // Outside the caller's scope: the query's own refusal.
    let d01 = app.user_with("x-d01", Role::Viewer, "ST.D01").await;
    let body = app
        .gql(
            Some(&d01),
            export,
            json!({ "i": { "table": "PLAN_PROGRESS", "format": "XLSX", "planId": plan, "unitId": unit } }),
        )
        .await;
    assert!(error_code(&body).is_some(), "{body}");

    // A template lists the codes in scope.
    let template = app
        .data(
            &d01,
            "mutation($p: ID) { importTemplate(kind: INDICATOR_VALUES, planId: $p) { download { filename url } } }",
            json!({ "p": plan }),
        )
        .await["importTemplate"]["download"]
        .clone();
    let bytes = download(app, &template).await;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let lists = book.worksheet_range("Lists").unwrap();
    let codes: Vec<String> = lists.rows().filter_map(|r| r[0].as_string()).collect();
    assert!(codes.contains(&"ST.D01".to_owned()));
    assert!(
        !codes.contains(&"ST.D02".to_owned()),
        "another district's code leaked"
    );
}

async fn tasks_and_assignments_import_by_code_in_the_planners_scope(app: &TestApp) {
    let manager = app.user_with("x-d01", Role::UnitManager, "ST.D01").await;
    let plan = app
        .data(
            &manager,
            "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id version } } }",
            json!({ "i": { "title": "Kế hoạch thực hiện dân chủ ở cơ sở", "issuingUnitId": app.unit_id("ST.D01.BCD").await,
                           "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
        )
        .await["createPlan"]["plan"]
        .clone();
    let import = |kind: &'static str, filename: &'static str, bytes: Vec<u8>| {
        let manager = manager.clone();
        let plan = plan["id"].clone();
        async move {
            let upload_id = upload(app, &manager, filename, bytes).await;
            app.data(
                &manager,
                CREATE,
                json!({ "i": { "kind": kind, "uploadId": upload_id, "planId": plan } }),
            )
            .await["createImport"]["import"]
                .clone()
        }
    };
    let apply = |id: Value| {
        let manager = manager.clone();
        async move {
            app.data(&manager, APPLY, json!({ "i": { "id": id } }))
                .await["applyImport"]["import"]["changedRows"]
                .as_i64()
                .unwrap()
        }
    };
    let tasks = || async {
        let page = app
            .data(
                &manager,
                "query($p: ID!) { tasks(first: 50, filter: { plan: $p }) { edges { node { id code title version parent { code } } } } }",
                json!({ "p": plan["id"] }),
            )
            .await;
        nodes(&page, &["tasks"])
            .into_iter()
            .cloned()
            .collect::<Vec<Value>>()
    };
    let assignment_count = || async {
        entity::assignment::Entity::find()
            .count(&app.db)
            .await
            .unwrap()
    };

    // A sub-task before its parent, and four rows with errors.
    let headers = ["code", "title", "parent_code", "content_area", "due_on"];
    let file = workbook(
        &headers,
        &[
            &["2.1", "Tuyên truyền ở các ấp", "2", "", ""],
            &["2", "Tuyên truyền, phổ biến", "", "1", "2024-06-30"],
            &["3", "", "", "", ""],
            &["4", "Đối thoại", "9", "", ""],
            &["2", "Tuyên truyền lần hai", "", "", ""],
            &["1", "Hội nghị triển khai", "", "", "2025-01-15"],
        ],
    );
    let dry = import("TASKS", "tasks.xlsx", file.clone()).await;
    assert_eq!(counts(&dry), (6, 2, 4), "{dry}");
    assert_eq!(
        row_errors(&dry),
        [
            (4, "REQUIRED".to_owned()),
            (5, "UNKNOWN_TASK".to_owned()),
            (6, "DUPLICATE_ROW".to_owned()),
            (7, "INVALID_VALUE".to_owned()),
        ]
    );
    assert!(tasks().await.is_empty(), "the dry run added tasks");
    assert_eq!(apply(dry["id"].clone()).await, 2);
    let added = tasks().await;
    let codes: Vec<(&str, &Value)> = added
        .iter()
        .map(|t| (t["code"].as_str().unwrap(), &t["parent"]["code"]))
        .collect();
    assert_eq!(codes, [("2", &Value::Null), ("2.1", &json!("2"))]);
    assert_eq!(
        apply(dry["id"].clone()).await,
        0,
        "applying again changed tasks"
    );
    assert_eq!(tasks().await, added);

    // Assignments: two good rows; a unit above the caller's scope, a second lead, an unknown
    // task and an unknown role.
    let headers = ["task_code", "unit_code", "role"];
    let file = workbook(
        &headers,
        &[
            &["2", "ST.D01.PARTY", "LEAD"],
            &["2.1", "ST.D01.BCD", "coordinate"],
            &["2", "ST", "COORDINATE"],
            &["2", "ST.D01.BCD", "LEAD"],
            &["7", "ST.D01.PARTY", "LEAD"],
            &["2.1", "ST.D01.PARTY", "chủ trì"],
        ],
    );
    let before = assignment_count().await;
    let dry = import("ASSIGNMENTS", "assignments.xlsx", file).await;
    assert_eq!(counts(&dry), (6, 2, 4), "{dry}");
    assert_eq!(
        row_errors(&dry),
        [
            (4, "OUT_OF_SCOPE".to_owned()),
            (5, "LEAD_TAKEN".to_owned()),
            (6, "UNKNOWN_TASK".to_owned()),
            (7, "INVALID_VALUE".to_owned()),
        ]
    );
    assert_eq!(assignment_count().await, before, "the dry run assigned");
    assert_eq!(apply(dry["id"].clone()).await, 2);
    assert_eq!(assignment_count().await, before + 2);
    assert_eq!(apply(dry["id"].clone()).await, 0, "applying again assigned");
    assert_eq!(assignment_count().await, before + 2);

    // Once issued, the plan takes no new tasks, but its tasks still change.
    let issuer = app.user_with("x-steering", Role::Steering, "ST.D01").await;
    app.data(
        &issuer,
        "mutation($i: IssuePlanInput!) { issuePlan(input: $i) { plan { status } } }",
        json!({ "i": { "id": plan["id"], "version": plan["version"], "number": "07-KH/BCĐ", "issuedOn": "2024-02-01" } }),
    )
    .await;
    let file = workbook(
        &["code", "title"],
        &[&["2", "Tuyên truyền, phổ biến pháp luật"], &["5", "Sơ kết"]],
    );
    let dry = import("TASKS", "tasks-2.xlsx", file).await;
    assert_eq!(
        row_errors(&dry),
        [(3, "PLAN_NOT_DRAFT".to_owned())],
        "{dry}"
    );
    assert_eq!(apply(dry["id"].clone()).await, 1);
    assert_eq!(apply(dry["id"].clone()).await, 0);
    let renamed = tasks().await;
    assert_eq!(renamed.len(), 2);
    assert_eq!(renamed[0]["title"], "Tuyên truyền, phổ biến pháp luật");

    // The template lists the plan's task codes.
    let template = app
        .data(
            &manager,
            "mutation($p: ID) { importTemplate(kind: ASSIGNMENTS, planId: $p) { download { url } } }",
            json!({ "p": plan["id"] }),
        )
        .await["importTemplate"]["download"]
        .clone();
    let bytes = download(app, &template).await;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let lists = book.worksheet_range("Lists").unwrap();
    let cells: Vec<String> = lists
        .rows()
        .flat_map(|r| r.iter().filter_map(|c| c.as_string()))
        .collect();
    for code in ["2", "2.1", "ST.D01.PARTY", "LEAD", "COORDINATE"] {
        assert!(cells.contains(&code.to_owned()), "{code} not listed");
    }
    assert!(
        !cells.contains(&"ST.D02".to_owned()),
        "another district leaked"
    );

    // A planner of another district does not see the plan at all.
    let other = app.user_with("x-d02", Role::UnitManager, "ST.D02").await;
    let upload_id = upload(
        app,
        &other,
        "tasks.xlsx",
        workbook(&["code", "title"], &[&["9", "Khác"]]),
    )
    .await;
    let body = app
        .gql(
            Some(&other),
            CREATE,
            json!({ "i": { "kind": "TASKS", "uploadId": upload_id, "planId": plan["id"] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}
