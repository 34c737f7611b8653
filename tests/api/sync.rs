//! Incremental sync: lists take `updatedSince`, and `removedSince` lists what was removed.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestApp, error_code, gid, nodes};
use qcdc::graphql::id::NodeType;

on_both_databases!(a_client_syncs_changes_and_removals_since_its_last_sync);

async fn a_client_syncs_changes_and_removals_since_its_last_sync(app: &TestApp) {
    let steering = app.login("steering").await;
    let outsider = app
        .user_with("reporter2", entity::Role::Reporter, "ST.D02")
        .await;
    let bcd = gid(NodeType::Unit, app.unit_uuid("ST.BCD").await);
    let add = |vars: Value| {
        let (app, token) = (app, &steering);
        async move {
            app.data(
                token,
                "mutation($i: AddTaskInput!) { addTask(input: $i) { task { id version } } }",
                json!({ "i": vars }),
            )
            .await["addTask"]["task"]
                .clone()
        }
    };
    let plan = app
        .data(&steering, "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            json!({ "i": { "title": "Kế hoạch", "issuingUnitId": bcd, "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }))
        .await["createPlan"]["plan"]["id"]
        .clone();
    let t1 = add(json!({ "planId": plan, "title": "Một" })).await;
    let t2 = add(json!({ "planId": plan, "title": "Hai" })).await;
    let t21 = add(json!({ "planId": plan, "parentId": t2["id"], "title": "Hai chấm một" })).await;
    let doc = app
        .data(
            &steering,
            "{ legalDocuments(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let doc = nodes(&doc, &["legalDocuments"])[0]["id"].clone();
    app.data(
        &steering,
        "mutation($i: AddLegalReferenceInput!) { addLegalReference(input: $i) { task { id } } }",
        json!({ "i": { "taskId": t1["id"], "documentId": doc } }),
    )
    .await;

    tokio::time::sleep(Duration::from_millis(20)).await;
    let mark = chrono::Utc::now().to_rfc3339();
    tokio::time::sleep(Duration::from_millis(20)).await;

    app.data(
        &steering,
        "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { id } } }",
        json!({ "i": { "id": t1["id"], "version": t1["version"], "title": "Một (sửa)" } }),
    )
    .await;
    app.data(
        &steering,
        "mutation($i: VersionedInput!) { removeTask(input: $i) { task { id } } }",
        json!({ "i": { "id": t2["id"], "version": t2["version"] } }),
    )
    .await;
    app.data(&steering, "mutation($t: ID!, $d: ID!) { removeLegalReference(taskId: $t, documentId: $d) { task { legalReferences { note } } } }",
        json!({ "t": t1["id"], "d": doc })).await;

    const SYNC: &str = r#"query($plan: ID!, $since: DateTime!) {
        tasks(first: 100, filter: { plan: $plan, updatedSince: $since }) { edges { node { id title } } }
        removedSince(since: $since) { totalCount edges { node { entityType entityId removedAt } } } }"#;
    let changes = app
        .data(&steering, SYNC, json!({ "plan": plan, "since": mark }))
        .await;
    let changed: Vec<&Value> = nodes(&changes, &["tasks"]);
    assert_eq!(changed.len(), 1, "{changes}");
    assert_eq!(changed[0]["title"], "Một (sửa)");
    let removed = nodes(&changes, &["removedSince"]);
    let removed_tasks: Vec<&Value> = removed
        .iter()
        .filter(|r| r["entityType"] == "Task")
        .map(|r| &r["entityId"])
        .collect();
    assert_eq!(removed_tasks.len(), 2);
    assert!(removed_tasks.contains(&&t2["id"]) && removed_tasks.contains(&&t21["id"]));
    assert_eq!(
        removed
            .iter()
            .filter(|r| r["entityType"] == "LegalReference")
            .count(),
        1
    );

    // Removals are scoped like everything else.
    let foreign = app
        .data(
            &outsider,
            "query($s: DateTime!) { removedSince(since: $s) { totalCount } }",
            json!({ "s": mark }),
        )
        .await;
    assert_eq!(foreign["removedSince"]["totalCount"], 0);
    // Issued plans keep their tasks.
    let issued = app.data(&steering, "mutation($i: IssuePlanInput!) { issuePlan(input: $i) { plan { id } } }",
        json!({ "i": { "id": plan, "version": 1, "number": "77-KH/BCĐ", "issuedOn": "2024-03-01" } })).await;
    assert!(issued["issuePlan"]["plan"]["id"].is_string());
    let t1_now = app
        .data(
            &steering,
            "query($id: ID!) { task(id: $id) { version } }",
            json!({ "id": t1["id"] }),
        )
        .await;
    let refused = app
        .gql(
            Some(&steering),
            "mutation($i: VersionedInput!) { removeTask(input: $i) { task { id } } }",
            json!({ "i": { "id": t1["id"], "version": t1_now["task"]["version"] } }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"));
}
