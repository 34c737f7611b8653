//! One calendar: every date derived from an instant is the province's day (Asia/Ho_Chi_Minh),
//! from the server's one clock. Each server here starts with its clock set, on the day after a
//! due day at 01:30 in Việt Nam (18:30 UTC the day before, when UTC still reads the due day),
//! or on the due day itself at 23:30 in Việt Nam.

use serde_json::{Value, json};

use crate::support::{TestApp, error_code, nodes};

/// The due day of every task and schedule here.
const DUE: &str = "2027-03-10";

/// 01:30 in Việt Nam on 11 March: the day after the due day, though UTC reads 10 March.
fn the_day_after_at_0130(config: qcdc::config::Config) -> qcdc::config::Config {
    clock_at(config, "2027-03-10T18:30:00Z")
}

/// 23:30 in Việt Nam on 10 March: still the due day.
fn the_due_day_at_2330(config: qcdc::config::Config) -> qcdc::config::Config {
    clock_at(config, "2027-03-10T16:30:00Z")
}

fn clock_at(mut config: qcdc::config::Config, at: &str) -> qcdc::config::Config {
    config.clock = qcdc::domain::clock::Clock::starting_at(at.parse().unwrap());
    config
}

on_both_databases!(
    config: the_day_after_at_0130;
    the_day_after_the_due_day_begins_at_midnight_in_viet_nam,
    a_unit_closed_from_the_day_after_takes_no_new_work_from_midnight,
);
on_both_databases!(
    config: the_due_day_at_2330;
    the_due_day_lasts_until_midnight_in_viet_nam,
    a_unit_closing_tomorrow_takes_work_until_midnight,
);
on_both_databases!(the_clock_is_set_through_the_environment_of_the_real_binary);

const CREATE_PLAN: &str =
    r#"mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id version } } }"#;
const ADD_TASK: &str = r#"mutation($i: AddTaskInput!) { addTask(input: $i) { task { id } } }"#;
const SCHEDULE: &str = r#"mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) {
    reportSchedule { id obligations { id } } } }"#;
const ISSUE: &str = r#"mutation($i: IssuePlanInput!) { issuePlan(input: $i) { plan { status } } }"#;
const CREATE_REPORT: &str =
    r#"mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }"#;
const SUBMIT: &str =
    r#"mutation($i: ReportStepInput!) { submitReport(input: $i) { report { id isLate } } }"#;
const REGISTER: &str = r#"mutation($i: RegisterLegalDocumentInput!) {
    registerLegalDocument(input: $i) { legalDocument { id } } }"#;
const RELATE: &str = r#"mutation($i: AddDocumentRelationInput!) { addDocumentRelation(input: $i) {
    document { status } } }"#;

/// What one day's checks need: a plan with a task due on [`DUE`] and one without a due date,
/// a schedule due on [`DUE`] with a report submitted now, and two decrees a third one repeals
/// from the due day and from the day after.
struct Fixture {
    steering: String,
    plan: String,
    due_task: String,
    undated_task: String,
    schedule: String,
    report: String,
    repealed_on_due_day: String,
    repealed_day_after: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let steering = app.login("steering").await;
    let reporter = app.login("reporter").await;
    let id = |v: &Value, path: &[&str]| -> String {
        let mut v = v;
        for p in path {
            v = &v[*p];
        }
        v.as_str().unwrap_or_else(|| panic!("{path:?}")).to_owned()
    };
    let plan = app
        .data(
            &steering,
            CREATE_PLAN,
            json!({ "i": { "title": "Kế hoạch thử lịch", "issuingUnitId": app.unit_id("ST.BCD").await,
                           "periodStart": "2027-01-01", "periodEnd": "2027-12-31" } }),
        )
        .await;
    let plan = id(&plan, &["createPlan", "plan", "id"]);
    let task = |title: &str, due: Option<&str>| json!({ "i": { "planId": plan, "title": title, "contentArea": 1, "dueOn": due } });
    let due_task = app
        .data(&steering, ADD_TASK, task("Hạn hôm nay", Some(DUE)))
        .await;
    let due_task = id(&due_task, &["addTask", "task", "id"]);
    let undated_task = app
        .data(&steering, ADD_TASK, task("Không có hạn", None))
        .await;
    let undated_task = id(&undated_task, &["addTask", "task", "id"]);
    app.data(
        &steering,
        r#"mutation($i: AddPlanRecipientInput!) { addPlanRecipient(input: $i) { plan { id } } }"#,
        json!({ "i": { "planId": plan, "unitId": app.unit_id("ST.D01.BCD").await, "deriveBy": DUE } }),
    )
    .await;
    let schedule = app
        .data(
            &steering,
            SCHEDULE,
            json!({ "i": { "planId": plan, "kind": "PRELIMINARY_REVIEW", "title": "Báo cáo quý I",
                           "periodStart": "2027-01-01", "periodEnd": "2027-03-05", "dueOn": DUE,
                           "reportingUnitIds": [app.unit_id("ST.D01.BCD").await] } }),
        )
        .await;
    let obligation = id(
        &schedule["createReportSchedule"]["reportSchedule"]["obligations"][0],
        &["id"],
    );
    let schedule = id(&schedule, &["createReportSchedule", "reportSchedule", "id"]);
    app.data(
        &steering,
        ISSUE,
        json!({ "i": { "id": plan, "version": 1, "number": "03-KH/BCĐ", "issuedOn": "2027-01-05" } }),
    )
    .await;
    let report = app
        .data(
            &reporter,
            CREATE_REPORT,
            json!({ "i": { "obligationId": obligation } }),
        )
        .await;
    let report_id = id(&report, &["createReport", "report", "id"]);
    app.data(
        &reporter,
        SUBMIT,
        json!({ "i": { "id": report_id, "version": report["createReport"]["report"]["version"] } }),
    )
    .await;

    let register = |number: &str| json!({ "i": { "number": number, "documentType": "DECREE", "issuer": "Chính phủ" } });
    let mut decrees = Vec::new();
    for number in ["301/2027/NĐ-CP", "302/2027/NĐ-CP", "303/2027/NĐ-CP"] {
        let d = app.data(&steering, REGISTER, register(number)).await;
        decrees.push(id(&d, &["registerLegalDocument", "legalDocument", "id"]));
    }
    for (target, from) in [(&decrees[0], DUE), (&decrees[1], "2027-03-11")] {
        app.data(
            &steering,
            RELATE,
            json!({ "i": { "fromId": decrees[2], "toId": target, "kind": "REPEALS", "effectiveOn": from } }),
        )
        .await;
    }
    Fixture {
        steering,
        plan,
        due_task,
        undated_task,
        schedule,
        report: report_id,
        repealed_on_due_day: decrees[0].clone(),
        repealed_day_after: decrees[1].clone(),
    }
}

/// What the API says of the fixture's dates, by its clock.
#[derive(Debug, PartialEq)]
struct Verdicts {
    task_is_overdue: bool,
    /// Task ids `overdue: true` lists among the plan's tasks.
    overdue_tasks: Vec<String>,
    /// Task ids `overdue: false` lists among the plan's tasks.
    not_overdue_tasks: Vec<String>,
    report_is_late: bool,
    /// (onTime, late) of the schedule's compliance.
    compliance: (i64, i64),
    /// The plan's overdue task count.
    progress_overdue: i64,
    /// Where district 1 stands with the plan it must derive by the due day.
    recipient_status: String,
    /// Whether the overdue sweep (a background job, every second in tests) has announced
    /// that district 1's derived plan is overdue.
    sweep_announced: bool,
    /// Status of the decree repealed from the due day, and of the one repealed the day after.
    document_statuses: (String, String),
}

async fn verdicts(app: &TestApp, f: &Fixture) -> Verdicts {
    let token = &f.steering;
    let task = app
        .data(
            token,
            "query($id: ID!) { task(id: $id) { isOverdue } }",
            json!({ "id": f.due_task }),
        )
        .await;
    let listed = |overdue: bool| async move {
        let data = app
            .data(
                token,
                "query($p: ID!, $o: Boolean) { tasks(first: 50, filter: { plan: $p, overdue: $o }) { edges { node { id } } } }",
                json!({ "p": f.plan, "o": overdue }),
            )
            .await;
        let mut ids: Vec<String> = nodes(&data, &["tasks"])
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let report = app
        .data(
            token,
            "query($id: ID!) { report(id: $id) { isLate } }",
            json!({ "id": f.report }),
        )
        .await;
    let province = app.unit_id("ST").await;
    let compliance = app
        .data(
            token,
            "query($s: ID!, $u: ID!) { reportingCompliance(scheduleId: $s, unitId: $u) { onTime late } }",
            json!({ "s": f.schedule, "u": province }),
        )
        .await;
    let progress = app
        .data(
            token,
            "query($p: ID!, $u: ID!) { planProgress(planId: $p, unitId: $u) { tasks { overdue } recipients { status } } }",
            json!({ "p": f.plan, "u": province }),
        )
        .await;
    let status = |doc: &str| {
        let doc = doc.to_owned();
        async move {
            app.data(
                token,
                "query($id: ID!) { legalDocument(id: $id) { status } }",
                json!({ "id": doc }),
            )
            .await["legalDocument"]["status"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let c = &compliance["reportingCompliance"];
    Verdicts {
        task_is_overdue: task["task"]["isOverdue"].as_bool().unwrap(),
        overdue_tasks: listed(true).await,
        not_overdue_tasks: listed(false).await,
        report_is_late: report["report"]["isLate"].as_bool().unwrap(),
        compliance: (c["onTime"].as_i64().unwrap(), c["late"].as_i64().unwrap()),
        progress_overdue: progress["planProgress"]["tasks"]["overdue"]
            .as_i64()
            .unwrap(),
        recipient_status: progress["planProgress"]["recipients"][0]["status"]
            .as_str()
            .unwrap()
            .to_owned(),
        sweep_announced: sweep_announced(app).await,
        document_statuses: (
            status(&f.repealed_on_due_day).await,
            status(&f.repealed_day_after).await,
        ),
    }
}

/// Whether the overdue sweep has claimed district 1's recipient row, giving it three seconds
/// (three passes).
async fn sweep_announced(app: &TestApp) -> bool {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let unit = app.unit_uuid("ST.D01.BCD").await;
    let due: chrono::NaiveDate = DUE.parse().unwrap();
    for _ in 0..30 {
        let announced = entity::plan_recipient::Entity::find()
            .filter(entity::plan_recipient::Column::UnitId.eq(unit))
            .filter(entity::plan_recipient::Column::DeriveBy.eq(due))
            .filter(entity::plan_recipient::Column::OverdueNotifiedAt.is_not_null())
            .one(&app.db)
            .await
            .unwrap()
            .is_some();
        if announced {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

async fn the_day_after_the_due_day_begins_at_midnight_in_viet_nam(app: &TestApp) {
    let f = fixture(app).await;
    assert_eq!(
        verdicts(app, &f).await,
        Verdicts {
            task_is_overdue: true,
            overdue_tasks: vec![f.due_task.clone()],
            not_overdue_tasks: vec![f.undated_task.clone()],
            report_is_late: true,
            compliance: (0, 1),
            progress_overdue: 1,
            recipient_status: "OVERDUE".into(),
            sweep_announced: true,
            document_statuses: ("REPEALED".into(), "REPEALED".into()),
        }
    );
}

async fn the_due_day_lasts_until_midnight_in_viet_nam(app: &TestApp) {
    let f = fixture(app).await;
    assert_eq!(
        verdicts(app, &f).await,
        Verdicts {
            task_is_overdue: false,
            overdue_tasks: vec![],
            not_overdue_tasks: sorted(vec![f.due_task.clone(), f.undated_task.clone()]),
            report_is_late: false,
            compliance: (1, 0),
            progress_overdue: 0,
            recipient_status: "PENDING".into(),
            sweep_announced: false,
            document_statuses: ("REPEALED".into(), "IN_FORCE".into()),
        }
    );
}

/// `QCDC_CLOCK_START` sets the clock of the real binary: the seeded six-month report is due
/// on 20 June 2024, and the seeded tasks of content 5 on 30 June 2024.
async fn the_clock_is_set_through_the_environment_of_the_real_binary(app: &TestApp) {
    let (mut child, base) = crate::support::spawn_binary_with(
        &app.database_url,
        &[("QCDC_CLOCK_START", "2024-06-30T18:30:00Z")],
    );
    let client = reqwest::Client::new();
    let post = |token: Option<String>, query: &'static str| {
        let mut request = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let login = post(
        None,
        r#"mutation { login(username: "steering", password: "qcdc-demo") { accessToken } }"#,
    )
    .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = post(
        Some(token),
        r#"{ tasks(first: 100, filter: { overdue: true }) { edges { node { dueOn isOverdue } } } }"#,
    )
    .await["data"]
        .clone();
    let due: Vec<&str> = nodes(&data, &["tasks"])
        .iter()
        .map(|t| t["dueOn"].as_str().unwrap())
        .collect();
    // 01:30 on 1 July in Việt Nam: the tasks due on 30 June are overdue already.
    assert!(due.contains(&"2024-06-30"), "{due:?}");
    assert!(!due.iter().any(|d| *d > "2024-06-30"), "{due:?}");
    child.kill().ok();
    child.wait().ok();
}

/// Dissolves district 7's committee from 11 March (its work going to district 6's), then asks
/// a new plan to give it work; returns the answer to that request.
async fn work_for_a_unit_dissolved_from_the_day_after(app: &TestApp) -> Value {
    let steering = app.login("steering").await;
    let d07 = app.unit_id("ST.D07.BCD").await;
    let dissolved = app
        .gql(
            Some(&steering),
            r#"mutation($i: ReorganisationInput!) { applyReorganisation(input: $i) { reorganisation { id } } }"#,
            json!({ "i": { "kind": "DISSOLVE", "effectiveOn": "2027-03-11", "title": "Giải thể",
                           "predecessorIds": [d07], "successorId": app.unit_id("ST.D06.BCD").await } }),
        )
        .await;
    assert!(dissolved.get("errors").is_none(), "{dissolved:#}");
    let plan = app
        .data(
            &steering,
            CREATE_PLAN,
            json!({ "i": { "title": "Kế hoạch sau giải thể", "issuingUnitId": app.unit_id("ST.BCD").await,
                           "periodStart": "2027-01-01", "periodEnd": "2027-12-31" } }),
        )
        .await;
    app.gql(
        Some(&steering),
        r#"mutation($i: AddPlanRecipientInput!) { addPlanRecipient(input: $i) { plan { id } } }"#,
        json!({ "i": { "planId": plan["createPlan"]["plan"]["id"], "unitId": d07, "deriveBy": "2027-04-30" } }),
    )
    .await
}

/// Permissions by date follow the same day: at 01:30 on 11 March in Việt Nam the committee
/// dissolved from 11 March has closed, though UTC still reads 10 March.
async fn a_unit_closed_from_the_day_after_takes_no_new_work_from_midnight(app: &TestApp) {
    let refused = work_for_a_unit_dissolved_from_the_day_after(app).await;
    assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"), "{refused:#}");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "unitId");
}

/// At 23:30 on 10 March in Việt Nam the committee dissolved from 11 March is still open.
async fn a_unit_closing_tomorrow_takes_work_until_midnight(app: &TestApp) {
    let accepted = work_for_a_unit_dissolved_from_the_day_after(app).await;
    assert!(accepted.get("errors").is_none(), "{accepted:#}");
}
