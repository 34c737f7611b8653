//! Every read is filtered to the caller's grants: a reporter of one district sees nothing of
//! another, while the province sees both.

use async_graphql::ID;
use chrono::{NaiveDate, Utc};
use entity::{
    AssignmentRole, AssignmentStatus, PlanStatus, Provenance, ReportKind, ReportStatus, TaskStatus,
    assignment, plan, report, task,
};
use qcdc::graphql::id::{NodeType, encode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use uuid::Uuid;

use crate::support::{TestApp, nodes};

on_both_databases!(
    a_district_reporter_sees_nothing_of_another_district,
    the_province_sees_every_district,
    a_manager_is_confined_to_its_district,
    node_resolves_every_kind_within_scope,
);

/// What one district has of its own: a derived plan, one task assigned inside it, one report.
struct DistrictWork {
    unit: ID,
    plan: ID,
    task: ID,
    report: ID,
}

async fn district_work(app: &TestApp, district: &str) -> DistrictWork {
    let unit = |code: String| async move {
        qcdc::domain::units::by_code(&app.db, &code)
            .await
            .unwrap()
            .unwrap()
    };
    let territory = unit(district.to_owned()).await;
    let bcd = unit(format!("{district}.BCD")).await;
    let party = unit(format!("{district}.PARTY")).await;
    let now = Utc::now();
    let day = |s: &str| s.parse::<NaiveDate>().unwrap();

    let plan = plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        number: Set(Some(format!("{}-KH/BCĐ", &district[4..]))),
        title: Set(format!(
            "Kế hoạch thực hiện dân chủ ở cơ sở năm 2024 của {}",
            territory.name
        )),
        issuing_unit_id: Set(bcd.id),
        standing_unit_id: Set(None),
        parent_plan_id: Set(None),
        document_id: Set(None),
        period_start: Set(day("2024-01-01")),
        period_end: Set(day("2024-12-31")),
        status: Set(PlanStatus::Issued),
        issued_on: Set(Some(day("2024-03-20"))),
        motto: Set(None),
        provenance: Set(Provenance::User),
        field_provenance: Set(None),
        search_text: Set("ke hoach quan huyen".into()),
        sort_key: Set(format!("20240101 {district}")),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let task = task::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan.id),
        parent_id: Set(None),
        code: Set("1".into()),
        position: Set(1),
        content_area: Set(Some(1)),
        title: Set("Tuyên truyền Luật Thực hiện dân chủ ở cơ sở".into()),
        description: Set(None),
        due_on: Set(Some(day("2024-06-30"))),
        status: Set(TaskStatus::InProgress),
        progress: Set(40),
        derived_from_task_id: Set(None),
        provenance: Set(Provenance::User),
        field_provenance: Set(None),
        note: Set(None),
        search_text: Set("tuyen truyen luat".into()),
        sort_key: Set(format!("20240101 {district}|0001")),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&app.db)
    .await
    .unwrap();
    assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(task.id),
        unit_id: Set(party.id),
        role: Set(AssignmentRole::Lead),
        due_on: Set(None),
        status: Set(AssignmentStatus::InProgress),
        progress: Set(40),
        provenance: Set(Provenance::User),
        field_provenance: Set(None),
        rerouted_from_id: Set(None),
        rerouted_to_id: Set(None),
        active_from: Set(None),
        rerouted_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let report = report::ActiveModel {
        id: Set(Uuid::now_v7()),
        unit_id: Set(bcd.id),
        recipient_unit_id: Set(Some(bcd.id)),
        plan_id: Set(Some(plan.id)),
        schedule_id: Set(None),
        obligation_id: Set(None),
        kind: Set(ReportKind::Periodic),
        title: Set(format!("Báo cáo quý I năm 2024 của {}", territory.name)),
        period_start: Set(day("2024-01-01")),
        period_end: Set(day("2024-03-31")),
        status: Set(ReportStatus::Submitted),
        revision: Set(1),
        previous_id: Set(None),
        results: Set(Some("Đã tổ chức 12 hội nghị quán triệt.".into())),
        limitations: Set(None),
        causes: Set(None),
        lessons: Set(None),
        next_steps: Set(None),
        review_comment: Set(None),
        author_id: Set(None),
        submitted_at: Set(Some(now)),
        first_submitted_at: Set(Some(now)),
        approved_at: Set(None),
        search_text: Set("bao cao quy i".into()),
        sort_key: Set(format!("x {district}")),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&app.db)
    .await
    .unwrap();
    DistrictWork {
        unit: encode(NodeType::Unit, territory.id),
        plan: encode(NodeType::Plan, plan.id),
        task: encode(NodeType::Task, task.id),
        report: encode(NodeType::Report, report.id),
    }
}

const LOOK: &str = r#"query($unit: ID!, $plan: ID!, $task: ID!, $report: ID!) {
  unit(id: $unit) { code }
  unitNode: node(id: $unit) { id }
  plan(id: $plan) { number }
  task(id: $task) { code }
  report(id: $report) { title }
  reportNode: node(id: $report) { id }
  units(first: 100, filter: { within: $unit }) { totalCount edges { node { code } } }
  tasks(first: 100, filter: { unit: $unit }) { totalCount edges { node { id plan { number } } } }
  reports(first: 100, filter: { unit: $unit }) { totalCount }
  plans(first: 100, filter: { unit: $unit }) { totalCount edges { node { number } } }
}"#;

fn vars(w: &DistrictWork) -> serde_json::Value {
    json!({ "unit": w.unit, "plan": w.plan, "task": w.task, "report": w.report })
}

async fn a_district_reporter_sees_nothing_of_another_district(app: &TestApp) {
    let own = district_work(app, "ST.D01").await;
    let other = district_work(app, "ST.D02").await;
    let token = app.login("reporter").await;

    let theirs = app.data(&token, LOOK, vars(&other)).await;
    for field in ["unit", "unitNode", "plan", "task", "report", "reportNode"] {
        assert!(
            theirs[field].is_null(),
            "{field} of another district leaked: {theirs:#}"
        );
    }
    for list in ["units", "reports"] {
        assert_eq!(
            theirs[list]["totalCount"], 0,
            "{list} of another district leaked"
        );
    }
    // The district's own tasks stay hidden; what remains are tasks of the provincial plan that
    // involve the district, which every recipient of that plan reads anyway.
    for t in nodes(&theirs, &["tasks"]) {
        assert_ne!(
            t["id"],
            json!(other.task),
            "a task of another district leaked"
        );
        assert_eq!(t["plan"]["number"], "24-KH/BCĐ", "{t}");
    }
    // Only the provincial plan, addressed to both districts, is common ground.
    let plans: Vec<&str> = nodes(&theirs, &["plans"])
        .iter()
        .map(|p| p["number"].as_str().unwrap())
        .collect();
    assert_eq!(plans, ["24-KH/BCĐ"]);

    // Whole-list queries do not leak either.
    let all = app
        .data(
            &token,
            "{ reports(first: 100) { edges { node { title unit { code } } } } units(first: 100) { edges { node { code } } } }",
            json!({}),
        )
        .await;
    for r in nodes(&all, &["reports"]) {
        assert!(
            r["unit"]["code"].as_str().unwrap().starts_with("ST.D01"),
            "{r}"
        );
    }
    for u in nodes(&all, &["units"]) {
        let code = u["code"].as_str().unwrap();
        assert!(
            code == "ST" || code.starts_with("ST.D01"),
            "unit {code} leaked"
        );
    }

    // Its own district is all there.
    let mine = app.data(&token, LOOK, vars(&own)).await;
    for field in ["unit", "unitNode", "plan", "task", "report", "reportNode"] {
        assert!(
            !mine[field].is_null(),
            "{field} of its own district missing: {mine:#}"
        );
    }
    assert!(
        nodes(&mine, &["tasks"])
            .iter()
            .any(|t| t["id"] == json!(own.task))
    );
    assert_eq!(mine["reports"]["totalCount"], 1);
    assert_eq!(mine["units"]["totalCount"], 3);
}

async fn the_province_sees_every_district(app: &TestApp) {
    let one = district_work(app, "ST.D01").await;
    let two = district_work(app, "ST.D02").await;
    for user in ["steering", "viewer", "admin"] {
        let token = app.login(user).await;
        for w in [&one, &two] {
            let data = app.data(&token, LOOK, vars(w)).await;
            for field in ["unit", "plan", "task", "report"] {
                assert!(!data[field].is_null(), "{user} misses {field}");
            }
            assert_eq!(data["reports"]["totalCount"], 1);
        }
        let all = app
            .data(&token, "{ reports { totalCount } }", json!({}))
            .await;
        assert_eq!(all["reports"]["totalCount"], 2, "{user}");
    }
}

async fn a_manager_is_confined_to_its_district(app: &TestApp) {
    let own = district_work(app, "ST.D01").await;
    let other = district_work(app, "ST.D02").await;
    let token = app.login("manager").await;
    let theirs = app.data(&token, LOOK, vars(&other)).await;
    assert!(theirs["plan"].is_null() && theirs["task"].is_null() && theirs["report"].is_null());
    let mine = app.data(&token, LOOK, vars(&own)).await;
    assert!(!mine["plan"].is_null() && !mine["task"].is_null() && !mine["report"].is_null());
}

async fn node_resolves_every_kind_within_scope(app: &TestApp) {
    let other = district_work(app, "ST.D02").await;
    let token = app.login("reporter").await;
    let data = app
        .data(
            &token,
            r#"{ me { id }
                 plans(first: 1) { edges { node { id
                   reportSchedules { id title }
                   tasks(first: 1, filter: { topLevel: true }) { edges { node { id assignments { id role } } } } } } } }"#,
            json!({}),
        )
        .await;
    let plan = &data["plans"]["edges"][0]["node"];
    let task = &plan["tasks"]["edges"][0]["node"];
    let ids = [
        data["me"]["id"].clone(),
        plan["id"].clone(),
        plan["reportSchedules"][0]["id"].clone(),
        task["id"].clone(),
        task["assignments"][0]["id"].clone(),
    ];
    for id in ids {
        let body = app
            .data(
                &token,
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(body["node"]["id"], id, "node({id}) resolves");
    }

    // Other people's accounts and other districts' records stay out of reach.
    let admin = qcdc::domain::users::get_by_username(&app.db, "admin")
        .await
        .unwrap()
        .unwrap();
    for id in [
        json!(encode(NodeType::User, admin.id)),
        json!(other.task),
        json!(other.plan),
    ] {
        let body = app
            .data(
                &token,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(body["node"].is_null(), "{id} leaked");
    }
    let admin_token = app.login("admin").await;
    let body = app
        .data(
            &admin_token,
            "query($id: ID!) { node(id: $id) { ... on User { username } } }",
            json!({ "id": encode(NodeType::User, admin.id) }),
        )
        .await;
    assert_eq!(body["node"]["username"], "admin");
}
