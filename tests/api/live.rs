//! Subscriptions over `graphql-transport-ws`: authenticated in `connection_init`, filtered by
//! grants, and (on PostgreSQL) delivered across server instances.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use crate::support::TestApp;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

on_both_databases!(subscribers_see_changes_in_their_scope_only);

/// Opens a `graphql-transport-ws` session; `None` when the server refuses it.
pub async fn open(base: &str, token: &str) -> Option<Socket> {
    let mut request = format!("{}/graphql", base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::text(init.to_string())).await.unwrap();
    match next_json(&mut ws).await {
        Some(m) if m["type"] == "connection_ack" => Some(ws),
        _ => None,
    }
}

/// The next JSON message, or `None` when the session ends (or nothing comes within 20 s).
pub async fn next_json(ws: &mut Socket) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .ok()??
            .ok()?;
        match msg {
            Message::Text(t) => return serde_json::from_str(&t).ok(),
            Message::Ping(_) | Message::Pong(_) => continue,
            _ => return None,
        }
    }
}

/// Waits until `n` subscriptions on the server at `base` listen for changes. The protocol
/// acknowledges no `subscribe`, so a change made before the server has registered one would
/// go unheard; the server's gauge says when it has.
pub async fn listening(base: &str, n: usize) {
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let text = client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let now = text
            .lines()
            .find_map(|l| l.strip_prefix("qcdc_graphql_subscriptions_active "))
            .and_then(|v| v.trim().parse::<f64>().ok());
        if now == Some(n as f64) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{n} subscriptions never listened (gauge {now:?})"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn subscribe(ws: &mut Socket, query: &str) {
    let msg = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    ws.send(Message::text(msg.to_string())).await.unwrap();
}

/// A plan with a schedule reporting from the two districts' steering committees; returns the
/// obligation ids of D01 and D02.
pub async fn obligations(base: &str, client: &reqwest::Client, steering: &str) -> (String, String) {
    let gql = |query: &str, vars: Value| {
        let (client, steering) = (client.clone(), steering.to_owned());
        let (url, query) = (format!("{base}/graphql"), query.to_owned());
        async move {
            let body: Value = client
                .post(url)
                .bearer_auth(steering)
                .json(&json!({ "query": query, "variables": vars }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(body["errors"].is_null(), "{body}");
            body["data"].clone()
        }
    };
    let units = gql(r#"{ units(first: 100, filter: { kinds: [STEERING_COMMITTEE] }) { edges { node { id code } } } }"#, json!({})).await;
    let id_of = |code: &str| {
        units["units"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["code"] == code)
            .unwrap()["node"]["id"]
            .clone()
    };
    let plan = gql("mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
        json!({ "i": { "title": "Kế hoạch", "issuingUnitId": id_of("ST.BCD"), "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } })).await;
    let s = gql("mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) { reportSchedule { obligations { id unit { code } } } } }",
        json!({ "i": { "planId": plan["createPlan"]["plan"]["id"], "kind": "PERIODIC", "title": "Quý I", "periodStart": "2024-01-01",
                       "periodEnd": "2024-03-31", "dueOn": "2030-01-01", "reportingUnitIds": [id_of("ST.D01.BCD"), id_of("ST.D02.BCD")] } })).await;
    let ob = |code: &str| {
        s["createReportSchedule"]["reportSchedule"]["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["unit"]["code"] == code)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    (ob("ST.D01.BCD"), ob("ST.D02.BCD"))
}

/// Drafts and submits the report for `obligation` as `reporter`.
pub async fn submit(base: &str, client: &reqwest::Client, reporter: &str, obligation: &str) {
    let post = |query: &str, vars: Value| {
        let req = client
            .post(format!("{base}/graphql"))
            .bearer_auth(reporter)
            .json(&json!({ "query": query, "variables": vars }));
        async move {
            let body: Value = req.send().await.unwrap().json().await.unwrap();
            assert!(body["errors"].is_null(), "{body}");
            body["data"].clone()
        }
    };
    let r = post(
        "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
        json!({ "i": { "obligationId": obligation } }),
    )
    .await;
    let report = &r["createReport"]["report"];
    post(
        "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { status } } }",
        json!({ "i": { "id": report["id"], "version": report["version"] } }),
    )
    .await;
}

pub const WATCH: &str =
    "subscription { reportStatusChanged { kind status unit { code } report { id status } } }";

async fn subscribers_see_changes_in_their_scope_only(app: &TestApp) {
    let steering = app.login("steering").await;
    let reporter1 = app.login("reporter").await;
    let reporter2 = app
        .user_with("reporter2", entity::Role::Reporter, "ST.D02")
        .await;
    let (ob1, ob2) = obligations(&app.base, &app.client, &steering).await;

    assert!(
        open(&app.base, "not-a-token").await.is_none(),
        "connection_init without valid credentials is refused"
    );
    let mut province = open(&app.base, &steering).await.unwrap();
    let mut district2 = open(&app.base, &reporter2).await.unwrap();
    subscribe(&mut province, WATCH).await;
    subscribe(&mut district2, WATCH).await;
    listening(&app.base, 2).await;

    submit(&app.base, &app.client, &reporter1, &ob1).await;
    submit(&app.base, &app.client, &reporter2, &ob2).await;

    let first = next_json(&mut province).await.unwrap();
    assert_eq!(first["type"], "next", "{first}");
    let event = &first["payload"]["data"]["reportStatusChanged"];
    assert_eq!(
        (event["kind"].as_str(), event["status"].as_str()),
        (Some("REPORT_STATUS_CHANGED"), Some("SUBMITTED"))
    );
    assert_eq!(event["unit"]["code"], "ST.D01.BCD");
    assert_eq!(event["report"]["status"], "SUBMITTED");
    let second = next_json(&mut province).await.unwrap();
    assert_eq!(
        second["payload"]["data"]["reportStatusChanged"]["unit"]["code"],
        "ST.D02.BCD"
    );

    // District 2 never hears of district 1: its first event is its own.
    let only = next_json(&mut district2).await.unwrap();
    assert_eq!(
        only["payload"]["data"]["reportStatusChanged"]["unit"]["code"], "ST.D02.BCD",
        "{only}"
    );
}

on_both_databases!(
    a_unit_is_told_when_a_plan_it_must_derive_is_overdue,
    plan_activity_and_notifications_follow_assignments_and_returns,
);

/// The next notification other than the seeded plan's overdue derivations, which the
/// periodic sweep may announce at any time.
async fn next_notification(ws: &mut Socket) -> Value {
    loop {
        let msg = next_json(ws).await.expect("a notification");
        if msg["payload"]["data"]["notifications"]["kind"] != "DERIVATION_OVERDUE" {
            return msg;
        }
    }
}

async fn plan_activity_and_notifications_follow_assignments_and_returns(app: &TestApp) {
    let steering = app.login("steering").await;
    let reporter = app.login("reporter").await;
    let (ob1, _) = obligations(&app.base, &app.client, &steering).await;
    let gql = |token: String, query: &'static str, vars: Value| async move {
        app.data(&token, query, vars).await
    };
    // A plan with one task, followed live by the standing office.
    let bcd = crate::support::gid(
        qcdc::graphql::id::NodeType::Unit,
        app.unit_uuid("ST.BCD").await,
    );
    let d1 = crate::support::gid(
        qcdc::graphql::id::NodeType::Unit,
        app.unit_uuid("ST.D01.BCD").await,
    );
    let plan = gql(steering.clone(), "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
        json!({ "i": { "title": "Kế hoạch", "issuingUnitId": bcd, "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } })).await;
    let plan_id = plan["createPlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let task = gql(
        steering.clone(),
        "mutation($i: AddTaskInput!) { addTask(input: $i) { task { id } } }",
        json!({ "i": { "planId": plan_id, "title": "Tuyên truyền" } }),
    )
    .await;
    let mut office = open(&app.base, &steering).await.unwrap();
    subscribe(&mut office, &format!(r#"subscription {{ planActivity(planId: "{plan_id}") {{ kind status assignment {{ role unit {{ code }} }} }} }}"#)).await;
    let mut district = open(&app.base, &reporter).await.unwrap();
    subscribe(
        &mut district,
        "subscription { notifications { kind status unit { code } } }",
    )
    .await;
    listening(&app.base, 2).await;

    // Assigning the task tells the plan's followers and the assigned district.
    let a = gql(
        steering.clone(),
        "mutation($i: AssignTaskInput!) { assignTask(input: $i) { assignment { id version } } }",
        json!({ "i": { "taskId": task["addTask"]["task"]["id"], "unitId": d1, "role": "LEAD" } }),
    )
    .await;
    let seen = next_json(&mut office).await.unwrap();
    let e = &seen["payload"]["data"]["planActivity"];
    assert_eq!(
        (e["kind"].as_str(), e["assignment"]["role"].as_str()),
        (Some("TASK_ASSIGNED"), Some("LEAD")),
        "{seen}"
    );
    let told = next_notification(&mut district).await;
    assert_eq!(
        told["payload"]["data"]["notifications"]["kind"], "TASK_ASSIGNED",
        "{told}"
    );
    // Progress on it shows on the plan's feed.
    let a = &a["assignTask"]["assignment"];
    gql(
        reporter.clone(),
        "mutation($i: RecordProgressInput!) { recordProgress(input: $i) { assignment { id } } }",
        json!({ "i": { "id": a["id"], "version": a["version"], "progress": 40 } }),
    )
    .await;
    let progress = next_json(&mut office).await.unwrap();
    assert_eq!(
        progress["payload"]["data"]["planActivity"]["kind"], "ASSIGNMENT_CHANGED",
        "{progress}"
    );

    // A returned report reaches its unit's inbox; a submitted one does not.
    submit(&app.base, &app.client, &reporter, &ob1).await;
    let reports = gql(steering.clone(), "{ reports(first: 5, filter: { statuses: [SUBMITTED] }) { edges { node { id version } } } }", json!({})).await;
    let r = &reports["reports"]["edges"][0]["node"];
    gql(
        steering.clone(),
        "mutation($i: ReportStepInput!) { returnReport(input: $i) { report { status } } }",
        json!({ "i": { "id": r["id"], "version": r["version"], "comment": "Bổ sung" } }),
    )
    .await;
    let returned = next_notification(&mut district).await;
    let n = &returned["payload"]["data"]["notifications"];
    assert_eq!(
        (n["kind"].as_str(), n["status"].as_str()),
        (Some("REPORT_STATUS_CHANGED"), Some("RETURNED")),
        "{returned}"
    );
}

async fn a_unit_is_told_when_a_plan_it_must_derive_is_overdue(app: &TestApp) {
    let steering = app.login("steering").await;
    let manager = app.login("manager").await;
    let mut inbox = open(&app.base, &manager).await.unwrap();
    subscribe(
        &mut inbox,
        "subscription { notifications { kind status unit { code } planId } }",
    )
    .await;
    listening(&app.base, 1).await;

    // A plan whose recipient (district 1's committee) was due yesterday.
    let unit = |code: &str| {
        let code = code.to_owned();
        async move {
            crate::support::gid(
                qcdc::graphql::id::NodeType::Unit,
                app.unit_uuid(&code).await,
            )
        }
    };
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let plan = app
        .data(&steering, "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            json!({ "i": { "title": "Kế hoạch", "issuingUnitId": unit("ST.BCD").await, "periodStart": "2024-01-01", "periodEnd": "2030-12-31" } }))
        .await["createPlan"]["plan"]["id"]
        .clone();
    app.data(&steering, "mutation($i: AddPlanRecipientInput!) { addPlanRecipient(input: $i) { plan { id } } }",
        json!({ "i": { "planId": plan, "unitId": unit("ST.D01.BCD").await, "deriveBy": yesterday } }))
        .await;

    // The seeded plan's long-overdue recipients may be announced first; ours must come.
    for _ in 0..20 {
        let msg = next_json(&mut inbox).await.expect("a notification");
        let n = &msg["payload"]["data"]["notifications"];
        assert_eq!(n["kind"], "DERIVATION_OVERDUE", "{msg}");
        assert!(
            n["unit"]["code"].as_str().unwrap().starts_with("ST.D01"),
            "only the manager's own units: {msg}"
        );
        if n["planId"] == plan {
            return;
        }
    }
    panic!("the overdue derivation was never announced");
}

/// Two server processes on one PostgreSQL database: a change made through one reaches a
/// subscriber connected to the other (LISTEN/NOTIFY, no other moving part).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_cross_instances_on_postgres() {
    let Some(admin) = crate::support::postgres_url() else {
        return;
    };
    let (url, name) = crate::support::fresh_postgres_database(&admin).await;
    let (mut a, base_a) = crate::support::spawn_binary(&url);
    let (mut b, base_b) = crate::support::spawn_binary(&url);
    let client = reqwest::Client::new();
    let login = |base: String, user: &'static str| {
        let client = client.clone();
        async move {
            let body: Value = client.post(format!("{base}/graphql"))
                .json(&json!({ "query": format!(r#"mutation {{ login(username: "{user}", password: "qcdc-demo") {{ accessToken }} }}"#) }))
                .send().await.unwrap().json().await.unwrap();
            body["data"]["login"]["accessToken"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let steering_b = login(base_b.clone(), "steering").await;
    let steering_a = login(base_a.clone(), "steering").await;
    let reporter_a = login(base_a.clone(), "reporter").await;
    let (ob1, _) = obligations(&base_a, &client, &steering_a).await;

    let mut on_b = open(&base_b, &steering_b).await.unwrap();
    subscribe(&mut on_b, WATCH).await;
    listening(&base_b, 1).await;
    submit(&base_a, &client, &reporter_a, &ob1).await;
    let event = next_json(&mut on_b)
        .await
        .expect("the event reached the other instance");
    assert_eq!(
        event["payload"]["data"]["reportStatusChanged"]["unit"]["code"], "ST.D01.BCD",
        "{event}"
    );

    let _ = a.kill();
    let _ = b.kill();
    let _ = a.wait();
    let _ = b.wait();
    crate::support::drop_postgres_database(&admin, &name).await;
}
