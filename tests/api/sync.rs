//! Incremental sync: the change feed `changes(since:)` with its server-issued token, and the
//! deprecated time-based `updatedSince` and `removedSince`.

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

/// The fields a device asks of the change feed.
const CHANGES: &str = r#"query($since: SyncToken, $first: Int) {
    changes(since: $since, first: $first) {
        upserted { __typename id }
        removed
        token hasMore reset
    } }"#;

/// One pass of the feed from `since` to the end: the ids upserted, the ids removed, whether
/// the pass began with a reset, and the last token.
pub async fn sync_all(
    app: &TestApp,
    token: &str,
    since: Option<&str>,
) -> (Vec<String>, Vec<String>, bool, String) {
    let (mut upserted, mut removed) = (Vec::new(), Vec::new());
    let mut since = since.map(str::to_owned);
    let mut reset = None;
    for _ in 0..1000 {
        let page = app
            .data(token, CHANGES, json!({ "since": since, "first": 100 }))
            .await;
        let page = &page["changes"];
        reset.get_or_insert(page["reset"].as_bool().unwrap());
        for r in page["upserted"].as_array().unwrap() {
            upserted.push(r["id"].as_str().unwrap().to_owned());
        }
        for r in page["removed"].as_array().unwrap() {
            removed.push(r.as_str().unwrap().to_owned());
        }
        since = Some(page["token"].as_str().unwrap().to_owned());
        if !page["hasMore"].as_bool().unwrap() {
            return (upserted, removed, reset.unwrap(), since.unwrap());
        }
    }
    panic!("the feed never ended");
}

/// A draft plan issued by `unit` with tasks titled `titles`: the plan's id and the tasks' ids.
async fn plan_with_tasks(
    app: &TestApp,
    steering: &str,
    unit: &str,
    titles: &[&str],
) -> (String, Vec<String>) {
    let unit = app.unit_id(unit).await;
    let plan = app
        .data(steering, "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            json!({ "i": { "title": "Kế hoạch đồng bộ", "issuingUnitId": unit, "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }))
        .await["createPlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tasks = Vec::new();
    for title in titles {
        let task = app
            .data(
                steering,
                "mutation($i: AddTaskInput!) { addTask(input: $i) { task { id } } }",
                json!({ "i": { "planId": plan, "title": title } }),
            )
            .await;
        tasks.push(task["addTask"]["task"]["id"].as_str().unwrap().to_owned());
    }
    (plan, tasks)
}

fn server_time() -> String {
    chrono::Utc::now().to_rfc3339()
}

on_both_databases!(assigning_a_task_sends_the_task_and_the_plan_it_makes_visible);

async fn assigning_a_task_sends_the_task_and_the_plan_it_makes_visible(app: &TestApp) {
    let steering = app.login("steering").await;
    let district = app
        .user_with("reporter2", entity::Role::Reporter, "ST.D02")
        .await;
    let (plan, tasks) = plan_with_tasks(app, &steering, "ST.BCD", &["Một", "Hai"]).await;
    let (seen, _, reset, token) = sync_all(app, &district, None).await;
    assert!(reset, "a first sync is a full pass");
    assert!(!seen.contains(&plan), "the plan is not the district's yet");
    let (_, _, _, steering_token) = sync_all(app, &steering, None).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mark = server_time();
    tokio::time::sleep(Duration::from_millis(20)).await;

    let assigned = app
        .data(&steering, "mutation($i: AssignTaskInput!) { assignTask(input: $i) { assignment { id version } } }",
            json!({ "i": { "taskId": tasks[0], "unitId": app.unit_id("ST.D02").await, "role": "LEAD" } }))
        .await;

    // The district now sees the plan and every task of it: all arrive as changes.
    let (changed, removed, reset, district_token) = sync_all(app, &district, Some(&token)).await;
    assert!(!reset, "{changed:?}");
    assert!(removed.is_empty());
    for id in [&plan, &tasks[0], &tasks[1]] {
        assert!(changed.contains(id), "{id} missing from {changed:?}");
    }
    // The province sees the assigned task (it lists its assignments) and its plan again.
    let (changed, _, _, steering_token) = sync_all(app, &steering, Some(&steering_token)).await;
    assert!(
        changed.contains(&tasks[0]) && changed.contains(&plan),
        "{changed:?}"
    );
    // So does the deprecated time-based sync.
    let legacy = app
        .data(
            &district,
            "query($s: DateTime!) { plans(filter: { updatedSince: $s }) { edges { node { id } } } }",
            json!({ "s": mark }),
        )
        .await;
    assert_eq!(nodes(&legacy, &["plans"])[0]["id"], plan.as_str());
    let legacy = app
        .data(
            &steering,
            "query($p: ID!, $s: DateTime!) { tasks(filter: { plan: $p, updatedSince: $s }) { edges { node { id } } } }",
            json!({ "p": plan, "s": mark }),
        )
        .await;
    let legacy: Vec<&Value> = nodes(&legacy, &["tasks"])
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert!(legacy.contains(&&json!(tasks[0])), "{legacy:?}");

    // Progress on the assignment is a change of the task too.
    app.data(&district, "mutation($i: AssignmentStepInput!) { acknowledgeAssignment(input: $i) { assignment { status } } }",
        json!({ "i": { "id": assigned["assignTask"]["assignment"]["id"], "version": 1 } })).await;
    let (changed, _, _, _) = sync_all(app, &steering, Some(&steering_token)).await;
    assert!(changed.contains(&tasks[0]), "{changed:?}");
    // Nothing changed for the district's view since its last token but that task and plan.
    let (changed, _, _, _) = sync_all(app, &district, Some(&district_token)).await;
    assert!(
        changed.iter().all(|id| *id == tasks[0] || *id == plan),
        "{changed:?}"
    );
}

on_both_databases!(a_revoked_grant_tells_the_device_to_drop_that_districts_data);

async fn a_revoked_grant_tells_the_device_to_drop_that_districts_data(app: &TestApp) {
    let steering = app.login("steering").await;
    let admin = app.login("admin").await;
    let (plan1, tasks1) = plan_with_tasks(app, &steering, "ST.D01", &["Huyện 1"]).await;
    let (plan2, tasks2) = plan_with_tasks(app, &steering, "ST.D02", &["Huyện 2"]).await;
    let viewer = app
        .user_with("viewer2", entity::Role::Viewer, "ST.D01")
        .await;
    let me = app.data(&viewer, "{ me { id } }", json!({})).await["me"]["id"].clone();
    let grant = app
        .data(&admin, "mutation($i: GrantRoleInput!) { grantRole(input: $i) { grant { id } } }",
            json!({ "i": { "userId": me, "role": "VIEWER", "scopeUnitId": app.unit_id("ST.D02").await } }))
        .await["grantRole"]["grant"]["id"]
        .clone();
    let (seen, _, _, token) = sync_all(app, &viewer, None).await;
    for id in [&plan1, &plan2, &tasks1[0], &tasks2[0]] {
        assert!(seen.contains(id));
    }
    let (_, _, _, steering_token) = sync_all(app, &steering, None).await;

    app.data(
        &admin,
        "mutation($id: ID!) { revokeGrant(id: $id) { grant { id } } }",
        json!({ "id": grant }),
    )
    .await;

    // The device is told its view changed: a full pass, without the district it lost; what it
    // holds and the pass does not send (plan 2 and its task) it drops.
    let (seen, _, reset, token) = sync_all(app, &viewer, Some(&token)).await;
    assert!(reset, "a revoked grant must reset the device's view");
    assert!(
        seen.contains(&plan1) && seen.contains(&tasks1[0]),
        "{seen:?}"
    );
    assert!(
        !seen.contains(&plan2) && !seen.contains(&tasks2[0]),
        "{seen:?}"
    );
    // Once, and nobody else's view is reset.
    let (_, _, reset, _) = sync_all(app, &viewer, Some(&token)).await;
    assert!(!reset);
    let (_, _, reset, _) = sync_all(app, &steering, Some(&steering_token)).await;
    assert!(
        !reset,
        "another principal's grant change resets only that principal"
    );
}

on_both_databases!(a_new_grant_sends_the_districts_existing_records);

async fn a_new_grant_sends_the_districts_existing_records(app: &TestApp) {
    let steering = app.login("steering").await;
    let admin = app.login("admin").await;
    let (plan2, tasks2) = plan_with_tasks(app, &steering, "ST.D02", &["Huyện 2"]).await;
    let viewer = app
        .user_with("viewer3", entity::Role::Viewer, "ST.D01")
        .await;
    let (seen, _, _, token) = sync_all(app, &viewer, None).await;
    assert!(!seen.contains(&plan2));
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mark = server_time();

    let me = app.data(&viewer, "{ me { id } }", json!({})).await["me"]["id"].clone();
    app.data(&admin, "mutation($i: GrantRoleInput!) { grantRole(input: $i) { grant { id } } }",
        json!({ "i": { "userId": me, "role": "VIEWER", "scopeUnitId": app.unit_id("ST.D02").await } }))
        .await;

    // Records written before the grant, untouched since, arrive with the next sync.
    let (seen, _, reset, _) = sync_all(app, &viewer, Some(&token)).await;
    assert!(reset);
    assert!(
        seen.contains(&plan2) && seen.contains(&tasks2[0]),
        "{seen:?}"
    );
    // The deprecated time-based lists cannot say so; they are documented as such.
    let legacy = app
        .data(
            &viewer,
            "query($s: DateTime!) { plans(filter: { updatedSince: $s }) { totalCount } }",
            json!({ "s": mark }),
        )
        .await;
    assert_eq!(legacy["plans"]["totalCount"], 0);
}

on_both_databases!(a_removed_legal_reference_has_a_global_id_and_resends_its_task);

async fn a_removed_legal_reference_has_a_global_id_and_resends_its_task(app: &TestApp) {
    let steering = app.login("steering").await;
    let (_, tasks) = plan_with_tasks(app, &steering, "ST.BCD", &["Một", "Hai"]).await;
    let doc = app
        .data(
            &steering,
            "{ legalDocuments(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let doc = nodes(&doc, &["legalDocuments"])[0]["id"].clone();
    let cited = app
        .data(&steering,
            "mutation($i: AddLegalReferenceInput!) { addLegalReference(input: $i) { task { legalReferences { id } } } }",
            json!({ "i": { "taskId": tasks[0], "documentId": doc } }))
        .await;
    let reference = cited["addLegalReference"]["task"]["legalReferences"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The citation is a node like any other.
    let found = app
        .data(
            &steering,
            "query($id: ID!) { node(id: $id) { __typename id } }",
            json!({ "id": reference }),
        )
        .await;
    assert_eq!(found["node"]["__typename"], "LegalReference");
    // A district sees the provincial plan because a task of it is assigned there.
    let district = app
        .user_with("reporter2", entity::Role::Reporter, "ST.D02")
        .await;
    app.data(&steering, "mutation($i: AssignTaskInput!) { assignTask(input: $i) { assignment { id } } }",
        json!({ "i": { "taskId": tasks[1], "unitId": app.unit_id("ST.D02").await, "role": "LEAD" } }))
        .await;
    let (_, _, _, district_token) = sync_all(app, &district, None).await;
    let (_, _, _, token) = sync_all(app, &steering, None).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mark = server_time();
    tokio::time::sleep(Duration::from_millis(20)).await;

    app.data(&steering, "mutation($t: ID!, $d: ID!) { removeLegalReference(taskId: $t, documentId: $d) { task { id } } }",
        json!({ "t": tasks[0], "d": doc })).await;

    let (changed, removed, _, _) = sync_all(app, &steering, Some(&token)).await;
    assert_eq!(removed, vec![reference.clone()]);
    // The citing task is sent again (with its plan, which shows its tasks); its sibling is not.
    assert!(
        changed.contains(&tasks[0]) && !changed.contains(&tasks[1]),
        "{changed:?}"
    );
    // Everyone who sees the plan hears of the removal, not only the issuing unit's callers.
    let (changed, removed, _, _) = sync_all(app, &district, Some(&district_token)).await;
    assert_eq!(removed, vec![reference.clone()]);
    assert!(changed.contains(&tasks[0]), "{changed:?}");
    // The deprecated feeds agree: a global id, and the task sent again.
    let legacy = app
        .data(&steering,
            "query($s: DateTime!) { removedSince(since: $s) { edges { node { entityType entityId } } } tasks(filter: { updatedSince: $s }) { edges { node { id } } } }",
            json!({ "s": mark }))
        .await;
    let tombstone = nodes(&legacy, &["removedSince"])[0];
    assert_eq!(tombstone["entityType"], "LegalReference");
    assert_eq!(tombstone["entityId"], reference.as_str());
    let resent: Vec<&Value> = nodes(&legacy, &["tasks"])
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert_eq!(resent, vec![&json!(tasks[0])]);
}

on_both_databases!(a_device_clock_ahead_of_the_server_misses_nothing);

async fn a_device_clock_ahead_of_the_server_misses_nothing(app: &TestApp) {
    let steering = app.login("steering").await;
    let (_, tasks) = plan_with_tasks(app, &steering, "ST.BCD", &["Một"]).await;
    let (_, _, _, token) = sync_all(app, &steering, None).await;
    // The device's clock runs 2 minutes fast: the time it would have kept is in the future.
    let device_time = (chrono::Utc::now() + chrono::Duration::minutes(2)).to_rfc3339();
    let version = app
        .data(
            &steering,
            "query($id: ID!) { task(id: $id) { version } }",
            json!({ "id": tasks[0] }),
        )
        .await["task"]["version"]
        .clone();
    app.data(
        &steering,
        "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { id } } }",
        json!({ "i": { "id": tasks[0], "version": version, "title": "Một (sửa)" } }),
    )
    .await;
    // The token holds no time: the change arrives whatever the device's clock says.
    let (changed, _, _, _) = sync_all(app, &steering, Some(&token)).await;
    assert_eq!(changed, vec![tasks[0].clone()]);
    // A future time is refused rather than answered with nothing.
    for query in [
        "query($s: DateTime!) { tasks(filter: { updatedSince: $s }) { totalCount } }",
        "query($s: DateTime!) { plans(filter: { updatedSince: $s }) { totalCount } }",
        "query($s: DateTime!) { reports(filter: { updatedSince: $s }) { totalCount } }",
        "query($s: DateTime!) { units(filter: { updatedSince: $s }) { totalCount } }",
        "query($s: DateTime!) { indicators(filter: { updatedSince: $s }) { totalCount } }",
        "query($s: DateTime!) { legalDocuments(filter: { updatedSince: $s }) { totalCount } }",
        "query($s: DateTime!) { removedSince(since: $s) { totalCount } }",
    ] {
        let refused = app
            .gql(Some(&steering), query, json!({ "s": device_time }))
            .await;
        assert_eq!(
            error_code(&refused),
            Some("BAD_USER_INPUT"),
            "{query}: {refused}"
        );
    }
}

on_both_databases!(a_malformed_or_future_token_is_refused);

async fn a_malformed_or_future_token_is_refused(app: &TestApp) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let steering = app.login("steering").await;
    let (_, _, _, token) = sync_all(app, &steering, None).await;
    let text = String::from_utf8(b64.decode(&token).unwrap()).unwrap();
    // The same token, checked at a change this server has not reached (another database's).
    let mut parts: Vec<String> = text.split(':').map(str::to_owned).collect();
    parts[4] = "999999999".into();
    let future = b64.encode(parts.join(":"));
    for bad in [
        "not a token".to_owned(),
        b64.encode("qcdc-sync-1:1:2"),
        future,
    ] {
        let refused = app
            .gql(
                Some(&steering),
                CHANGES,
                json!({ "since": bad, "first": 10 }),
            )
            .await;
        assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"), "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], "since",
            "{refused}"
        );
    }
    for first in [0, 101] {
        let refused = app
            .gql(
                Some(&steering),
                CHANGES,
                json!({ "since": token, "first": first }),
            )
            .await;
        assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"), "{refused}");
    }
}

on_both_databases!(the_feed_pages_in_commit_order_and_lists_removed_tasks);

async fn the_feed_pages_in_commit_order_and_lists_removed_tasks(app: &TestApp) {
    let steering = app.login("steering").await;
    let (_, _, _, token) = sync_all(app, &steering, None).await;
    let (plan, tasks) = plan_with_tasks(app, &steering, "ST.BCD", &["Một", "Hai", "Ba"]).await;
    // One record a page: each page continues where the last stopped.
    let mut since = token.clone();
    let mut seen = Vec::new();
    loop {
        let page = app
            .data(&steering, CHANGES, json!({ "since": since, "first": 1 }))
            .await;
        let page = &page["changes"];
        assert!(page["upserted"].as_array().unwrap().len() <= 1);
        seen.extend(
            page["upserted"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        since = page["token"].as_str().unwrap().to_owned();
        if !page["hasMore"].as_bool().unwrap() {
            break;
        }
    }
    let expected: Vec<String> = std::iter::once(plan.clone()).chain(tasks.clone()).collect();
    assert!(seen.ends_with(&tasks), "{seen:?}");
    for id in &expected {
        assert_eq!(seen.iter().filter(|s| *s == id).count(), 1, "{seen:?}");
    }
    // A removed task (and its sub-tasks) is a removal by global id.
    let version = app
        .data(
            &steering,
            "query($id: ID!) { task(id: $id) { version } }",
            json!({ "id": tasks[2] }),
        )
        .await["task"]["version"]
        .clone();
    app.data(
        &steering,
        "mutation($i: VersionedInput!) { removeTask(input: $i) { task { id } } }",
        json!({ "i": { "id": tasks[2], "version": version } }),
    )
    .await;
    let (changed, removed, reset, _) = sync_all(app, &steering, Some(&since)).await;
    assert!(!reset && !changed.contains(&tasks[2]), "{changed:?}");
    assert_eq!(removed, vec![tasks[2].clone()]);
}

on_both_databases!(a_unit_moved_by_a_reorganisation_resets_the_views_it_changes);

async fn a_unit_moved_by_a_reorganisation_resets_the_views_it_changes(app: &TestApp) {
    let steering = app.login("steering").await;
    let (plan, tasks) = plan_with_tasks(app, &steering, "ST.D05.BCD", &["Huyện 5"]).await;
    let viewer = app
        .user_with("viewer5", entity::Role::Viewer, "ST.D05")
        .await;
    let (seen, _, _, token) = sync_all(app, &viewer, None).await;
    assert!(seen.contains(&plan) && seen.contains(&tasks[0]));

    let moved = app
        .gql(
            Some(&steering),
            "mutation($i: ReorganisationInput!) { applyReorganisation(input: $i) { reorganisation { id } } }",
            json!({ "i": { "kind": "REPARENT", "effectiveOn": "2024-09-01", "title": "Chuyển trực thuộc",
                "predecessorIds": [app.unit_id("ST.D05.BCD").await], "parentId": app.unit_id("ST.BCD").await } }),
        )
        .await;
    assert!(moved.get("errors").is_none(), "{moved:#}");

    // The committee's plan, written after the move took effect, now belongs to the province:
    // the district's device is told its view changed, and the pass leaves the plan out.
    let (seen, _, reset, _) = sync_all(app, &viewer, Some(&token)).await;
    assert!(reset, "a move in the unit tree must reset the views");
    assert!(
        !seen.contains(&plan) && !seen.contains(&tasks[0]),
        "{seen:?}"
    );
}

on_both_databases!(removing_the_task_that_tied_a_district_to_a_plan_takes_the_plan_out_of_its_view);

async fn removing_the_task_that_tied_a_district_to_a_plan_takes_the_plan_out_of_its_view(
    app: &TestApp,
) {
    let steering = app.login("steering").await;
    let (plan, tasks) = plan_with_tasks(app, &steering, "ST.BCD", &["Một", "Hai"]).await;
    app.data(&steering, "mutation($i: AssignTaskInput!) { assignTask(input: $i) { assignment { id } } }",
        json!({ "i": { "taskId": tasks[0], "unitId": app.unit_id("ST.D02").await, "role": "LEAD" } }))
        .await;
    let district = app
        .user_with("reporter2", entity::Role::Reporter, "ST.D02")
        .await;
    let (seen, _, _, district_token) = sync_all(app, &district, None).await;
    assert!(seen.contains(&plan) && seen.contains(&tasks[1]));
    let (_, _, _, steering_token) = sync_all(app, &steering, None).await;
    let version = app
        .data(
            &steering,
            "query($id: ID!) { task(id: $id) { version } }",
            json!({ "id": tasks[0] }),
        )
        .await["task"]["version"]
        .clone();
    app.data(
        &steering,
        "mutation($i: VersionedInput!) { removeTask(input: $i) { task { id } } }",
        json!({ "i": { "id": tasks[0], "version": version } }),
    )
    .await;

    // The district no longer sees the plan: the plan and every task of it leave its view.
    let (changed, removed, reset, _) = sync_all(app, &district, Some(&district_token)).await;
    assert!(!reset && changed.is_empty(), "{changed:?}");
    for id in [&plan, &tasks[0], &tasks[1]] {
        assert!(removed.contains(id), "{id} not removed: {removed:?}");
    }
    // The province still sees the plan and its other task: only the removed task goes.
    let (_, removed, _, _) = sync_all(app, &steering, Some(&steering_token)).await;
    assert_eq!(removed, vec![tasks[0].clone()]);
}

/// PostgreSQL commits concurrent transactions in any order. A change numbered before another
/// but committed after it must still reach a device: the feed never hands out a token past a
/// change that is still in flight (README "Incremental sync", the watermark).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_committed_late_is_not_skipped_on_postgres() {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let Some(app) = TestApp::spawn_if_postgres().await else {
        return;
    };
    let steering = app.login("steering").await;
    let (_, tasks) = plan_with_tasks(&app, &steering, "ST.BCD", &["Một", "Hai"]).await;
    let (_, _, _, token) = sync_all(&app, &steering, None).await;

    // A slow writer numbers its change first and holds it uncommitted.
    let slow = app.db.begin().await.unwrap();
    let first = qcdc::graphql::id::decode("id", NodeType::Task, &tasks[0].clone().into()).unwrap();
    slow.execute_raw(Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "UPDATE tasks SET title = 'Một (chậm)' WHERE id = $1",
        [first.into()],
    ))
    .await
    .unwrap();
    // A second writer comes after it.
    let version = app
        .data(
            &steering,
            "query($id: ID!) { task(id: $id) { version } }",
            json!({ "id": tasks[1] }),
        )
        .await["task"]["version"]
        .clone();
    let fast = {
        let (base, client, token, id) = (
            app.base.clone(),
            app.client.clone(),
            steering.clone(),
            tasks[1].clone(),
        );
        tokio::spawn(async move {
            client
                .post(format!("{base}/graphql"))
                .bearer_auth(token)
                .json(&json!({
                    "query": "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { id } } }",
                    "variables": { "i": { "id": id, "version": version, "title": "Hai (nhanh)" } }
                }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A device syncing now gets neither change, and a token that does not pass them.
    let (changed, _, _, token) = sync_all(&app, &steering, Some(&token)).await;
    assert!(
        !changed.contains(&tasks[0]) && !changed.contains(&tasks[1]),
        "{changed:?}"
    );

    slow.commit().await.unwrap();
    let answer = fast.await.unwrap();
    assert!(answer.get("errors").is_none(), "{answer}");
    let (changed, _, _, _) = sync_all(&app, &steering, Some(&token)).await;
    assert!(
        changed.contains(&tasks[0]) && changed.contains(&tasks[1]),
        "{changed:?}"
    );
    app.finish().await;
}

on_both_databases!(deriving_and_issuing_a_plan_sends_the_parent_plan_again);

async fn deriving_and_issuing_a_plan_sends_the_parent_plan_again(app: &TestApp) {
    let steering = app.login("steering").await;
    let manager = app.login("manager").await;
    let parent = app
        .data(
            &steering,
            r#"{ plans(filter: { search: "24-KH" }) { edges { node { id } } } }"#,
            json!({}),
        )
        .await;
    let parent = nodes(&parent, &["plans"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, _, _, token) = sync_all(app, &steering, None).await;
    // The parent plan lists each recipient's derived plan and its status.
    let derived = app
        .data(
            &manager,
            "mutation($p: ID!, $u: ID!) { derivePlan(parentPlanId: $p, unitId: $u) { plan { id version } } }",
            json!({ "p": parent, "u": app.unit_id("ST.D01.BCD").await }),
        )
        .await;
    let derived = &derived["derivePlan"]["plan"];
    let (changed, _, _, token) = sync_all(app, &steering, Some(&token)).await;
    assert!(changed.contains(&parent), "{changed:?}");
    assert!(changed.iter().any(|id| *id == derived["id"]), "{changed:?}");
    app.data(&manager, "mutation($i: IssuePlanInput!) { issuePlan(input: $i) { plan { id } } }",
        json!({ "i": { "id": derived["id"], "version": derived["version"], "number": "05-KH/BCĐ", "issuedOn": "2024-03-20" } }))
        .await;
    let (changed, _, _, _) = sync_all(app, &steering, Some(&token)).await;
    assert!(changed.contains(&parent), "{changed:?}");
}
