//! A plan's progress is summed from the task tallies the database keeps (`task_tallies`,
//! migration `m20261130_000002_task_tallies`), so the tallies must equal a count of the tasks
//! whoever changes them: the API, several writers at once, or SQL by hand.

use async_graphql::futures_util::future::join_all;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::support::{TestApp, gid};
use qcdc::{domain::planning, graphql::id::NodeType};

on_both_databases!(tallies_equal_a_count_of_the_tasks);

/// (plan, area or 0, status, due day or 9999-12-31, tasks) of every non-empty key, sorted.
async fn rows(app: &TestApp, sql: &str) -> Vec<(String, i64, String, String, i64)> {
    let mut out: Vec<_> = app
        .db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let plan: uuid::Uuid = r.try_get("", "plan_id").unwrap();
            let area: i64 = r.try_get::<i32>("", "content_area").unwrap().into();
            let status: String = r.try_get("", "status").unwrap();
            let due: chrono::NaiveDate = r.try_get("", "due_on").unwrap();
            (
                plan.to_string(),
                area,
                status,
                due.to_string(),
                r.try_get("", "n").unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn assert_tallies_match(app: &TestApp, when: &str) {
    let cast = match app.db.get_database_backend() {
        DbBackend::Postgres => "::bigint",
        _ => "",
    };
    let counted = rows(
        app,
        &format!(
            "SELECT plan_id, CAST(COALESCE(content_area, 0) AS INTEGER) AS content_area, status, \
             COALESCE(due_on, '9999-12-31') AS due_on, COUNT(*){cast} AS n FROM tasks \
             GROUP BY plan_id, COALESCE(content_area, 0), status, COALESCE(due_on, '9999-12-31')"
        ),
    )
    .await;
    let tallied = rows(
        app,
        "SELECT plan_id, CAST(content_area AS INTEGER) AS content_area, status, due_on, n \
         FROM task_tallies WHERE n > 0",
    )
    .await;
    assert_eq!(tallied, counted, "{when}");
}

async fn tallies_equal_a_count_of_the_tasks(app: &TestApp) {
    assert_tallies_match(app, "after the seed").await;
    let w = app.writer();
    let fx = app.fixture_actor().await;
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let plan = planning::create_plan(
        &w,
        &fx,
        planning::NewPlan {
            title: "Kế hoạch đếm nhiệm vụ".into(),
            issuing_unit: app.unit_uuid("ST.BCD").await,
            standing_unit: None,
            period_start: day("2024-01-01"),
            period_end: day("2024-12-31"),
            motto: None,
        },
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        tasks.push(
            planning::add_task(
                &w,
                &fx,
                planning::NewTask {
                    plan: plan.id,
                    parent: None,
                    code: None,
                    title: format!("Nhiệm vụ {i}"),
                    description: None,
                    content_area: (i % 4 != 0).then_some(i % 7 + 1),
                    due_on: (i % 3 != 0).then(|| day("2024-06-30")),
                },
            )
            .await
            .unwrap(),
        );
    }
    assert_tallies_match(app, "after adding tasks").await;

    // Through the API: a new area and due day for one, another removed.
    let token = app.login("steering").await;
    let moved = app
        .data(
            &token,
            "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { id } } }",
            json!({ "i": { "id": gid(NodeType::Task, tasks[1].id), "version": tasks[1].version,
                           "contentArea": 7, "dueOn": "2024-03-31" } }),
        )
        .await;
    assert!(moved["updateTask"]["task"]["id"].is_string(), "{moved}");
    let removed = app
        .data(
            &token,
            "mutation($i: VersionedInput!) { removeTask(input: $i) { task { id } } }",
            json!({ "i": { "id": gid(NodeType::Task, tasks[2].id), "version": tasks[2].version } }),
        )
        .await;
    assert!(!removed.is_null(), "{removed}");
    assert_tallies_match(app, "after the API's changes").await;

    // Several writers at once, by hand: each moves one task of the same key to DONE.
    let updates = tasks[3..9].iter().map(|t| {
        let db = app.db.clone();
        let backend = db.get_database_backend();
        let id = t.id;
        async move {
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => "UPDATE tasks SET status = 'DONE' WHERE id = $1",
                    _ => "UPDATE tasks SET status = 'DONE' WHERE id = ?",
                },
                [id.into()],
            ))
            .await
            .unwrap();
        }
    });
    join_all(updates).await;
    assert_tallies_match(app, "after concurrent status changes by hand").await;

    // The rollup reads the tallies: its answer is the tasks' count.
    let progress = app
        .data(
            &token,
            "query($p: ID!, $u: ID!) { planProgress(planId: $p, unitId: $u) { tasks { total done overdue } } }",
            json!({ "p": gid(NodeType::Plan, plan.id), "u": gid(NodeType::Unit, app.unit_uuid("ST").await) }),
        )
        .await;
    let counts = &progress["planProgress"]["tasks"];
    assert_eq!(counts["total"], 11, "{progress}");
    assert_eq!(counts["done"], 6, "{progress}");
}
