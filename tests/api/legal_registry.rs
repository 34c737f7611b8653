//! The legal basis registry through the API: registering documents (one identity per number,
//! however it is spelled), relations deriving a document's status, what rests on a document,
//! which tasks to review when it is amended, and who may keep the registry.

use serde_json::{Value, json};

use crate::support::{TestApp, error_code, gid, nodes};

on_both_databases!(
    a_number_is_registered_once_however_it_is_spelled,
    relations_derive_the_status_and_removing_them_restores_it,
    basis_of_follows_detailing_documents_to_tasks_plans_and_reports,
    amendments_list_the_tasks_to_review_by_provision,
    only_steering_and_admin_keep_the_registry,
    a_relation_dated_ahead_takes_effect_on_its_day,
);

const REGISTER: &str = r#"mutation($i: RegisterLegalDocumentInput!) {
    registerLegalDocument(input: $i) { legalDocument { id number numberCanonical status baseStatus version title } } }"#;
const UPDATE: &str = r#"mutation($id: ID!, $v: Int!, $i: UpdateLegalDocumentInput!) {
    updateLegalDocument(id: $id, version: $v, input: $i) { legalDocument { id number title version status } } }"#;
const ADD: &str = r#"mutation($i: AddDocumentRelationInput!) { addDocumentRelation(input: $i) {
    relation { id kind provision effectiveOn from { number } to { number } }
    document { number status supersededBy { number } } } }"#;
const REMOVE: &str = r#"mutation($id: ID!) { removeDocumentRelation(id: $id) {
    removedId document { number status supersededBy { number } } } }"#;

/// Registers a decree numbered `number` and returns its id.
async fn register(app: &TestApp, token: &str, number: &str) -> String {
    let data = app
        .data(
            token,
            REGISTER,
            json!({ "i": { "number": number, "documentType": "DECREE", "issuer": "Chính phủ" } }),
        )
        .await;
    data["registerLegalDocument"]["legalDocument"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The id of the document whose number is exactly `number`.
async fn document(app: &TestApp, token: &str, number: &str) -> String {
    let data = app
        .data(
            token,
            r#"query($q: String!) { legalDocuments(first: 50, filter: { search: $q }) { edges { node { id number } } } }"#,
            json!({ "q": number }),
        )
        .await;
    nodes(&data, &["legalDocuments"])
        .into_iter()
        .find(|d| d["number"] == number)
        .unwrap_or_else(|| panic!("document {number}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn relate(app: &TestApp, token: &str, input: Value) -> Value {
    app.data(token, ADD, json!({ "i": input })).await["addDocumentRelation"].clone()
}

fn codes_of(list: &Value) -> Vec<String> {
    let mut codes: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes
}

async fn a_number_is_registered_once_however_it_is_spelled(app: &TestApp) {
    let steering = app.login("steering").await;
    let created = app
        .data(
            &steering,
            REGISTER,
            json!({ "i": { "number": "Số: 12/2024/nđ-cp", "documentType": "DECREE", "issuer": "Chính phủ",
                           "title": "Quy đi\u{0323}nh thử nghiệm" } }),
        )
        .await;
    let doc = &created["registerLegalDocument"]["legalDocument"];
    assert_eq!(doc["numberCanonical"], "12/2024/NĐ-CP");
    assert_eq!(doc["status"], "IN_FORCE");
    assert_eq!(doc["baseStatus"], "IN_FORCE");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["title"], "Quy định thử nghiệm", "stored NFC");

    // The same identity under another spelling, and a seeded decree: CONFLICT naming it.
    for (number, existing) in [
        ("12/2024/NĐ-CP", doc["number"].as_str().unwrap()),
        ("Số: 59/2023/nđ-cp", "59/2023/NĐ-CP"),
    ] {
        let dup = app
            .gql(
                Some(&steering),
                REGISTER,
                json!({ "i": { "number": number, "documentType": "DECREE", "issuer": "Chính phủ" } }),
            )
            .await;
        assert_eq!(error_code(&dup), Some("CONFLICT"), "{number}: {dup}");
        assert!(
            dup["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(existing),
            "{dup}"
        );
    }
    let empty = app
        .gql(
            Some(&steering),
            REGISTER,
            json!({ "i": { "number": "  ", "documentType": "DECREE", "issuer": "Chính phủ" } }),
        )
        .await;
    assert_eq!(error_code(&empty), Some("BAD_USER_INPUT"));
    assert_eq!(empty["errors"][0]["extensions"]["field"], "input.number");

    // Updates carry the version; a stale one is a CONFLICT, and a number may not take
    // another document's identity.
    let id = doc["id"].clone();
    let updated = app
        .data(
            &steering,
            UPDATE,
            json!({ "id": id, "v": 1, "i": { "title": "Quy định sửa tên" } }),
        )
        .await;
    assert_eq!(
        updated["updateLegalDocument"]["legalDocument"]["version"],
        2
    );
    assert_eq!(
        updated["updateLegalDocument"]["legalDocument"]["title"],
        "Quy định sửa tên"
    );
    let stale = app
        .gql(
            Some(&steering),
            UPDATE,
            json!({ "id": id, "v": 1, "i": { "title": "Lỗi" } }),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"));
    let taken = app
        .gql(
            Some(&steering),
            UPDATE,
            json!({ "id": id, "v": 2, "i": { "number": "59/2023/NĐ-CP" } }),
        )
        .await;
    assert_eq!(error_code(&taken), Some("CONFLICT"));
    assert!(
        taken["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("59/2023/NĐ-CP")
    );

    // Each write left one audit event.
    let audit = app
        .data(
            &app.login("admin").await,
            r#"{ auditEvents(first: 50) { edges { node { action } } } }"#,
            json!({}),
        )
        .await;
    let actions: Vec<&str> = nodes(&audit, &["auditEvents"])
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("legalDocument."))
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
}

async fn relations_derive_the_status_and_removing_them_restores_it(app: &TestApp) {
    let admin = app.login("admin").await;
    let target = register(app, &admin, "100/2024/NĐ-CP").await;
    let amending = register(app, &admin, "101/2024/NĐ-CP").await;
    let replacing = register(app, &admin, "102/2024/NĐ-CP").await;
    let repealing = register(app, &admin, "103/2024/NĐ-CP").await;

    let amended = relate(
        app,
        &admin,
        json!({ "fromId": amending, "toId": target, "kind": "AMENDS", "provision": "Điều 3", "effectiveOn": "2024-07-01" }),
    )
    .await;
    assert_eq!(amended["relation"]["provision"], "Điều 3");
    assert_eq!(amended["relation"]["from"]["number"], "101/2024/NĐ-CP");
    assert_eq!(amended["document"]["status"], "AMENDED");
    let amend_id = amended["relation"]["id"].clone();

    let replaced = relate(
        app,
        &admin,
        json!({ "fromId": replacing, "toId": target, "kind": "REPLACES" }),
    )
    .await;
    assert_eq!(replaced["document"]["status"], "SUPERSEDED");
    assert_eq!(
        replaced["document"]["supersededBy"]["number"],
        "102/2024/NĐ-CP"
    );
    let replace_id = replaced["relation"]["id"].clone();

    // A repeal that takes effect next year does not change the status yet.
    let later = relate(
        app,
        &admin,
        json!({ "fromId": repealing, "toId": target, "kind": "REPEALS", "effectiveOn": "2999-01-01" }),
    )
    .await;
    assert_eq!(later["document"]["status"], "SUPERSEDED");
    app.data(&admin, REMOVE, json!({ "id": later["relation"]["id"] }))
        .await;
    let repealed = relate(
        app,
        &admin,
        json!({ "fromId": repealing, "toId": target, "kind": "REPEALS" }),
    )
    .await;
    assert_eq!(repealed["document"]["status"], "REPEALED");
    assert_eq!(repealed["document"]["supersededBy"], Value::Null);

    // The list filters by the derived status; the document shows its relations both ways.
    let listed = app
        .data(
            &admin,
            r#"{ legalDocuments(filter: { statuses: [REPEALED] }) { edges { node { number
                relatedFrom { kind from { number } } } } } }"#,
            json!({}),
        )
        .await;
    let listed = nodes(&listed, &["legalDocuments"]);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["number"], "100/2024/NĐ-CP");
    let kinds: Vec<&str> = listed[0]["relatedFrom"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["AMENDS", "REPLACES", "REPEALS"]);
    let outgoing = app
        .data(
            &admin,
            r#"query($id: ID!) { legalDocument(id: $id) { relations { kind to { number } } } }"#,
            json!({ "id": replacing }),
        )
        .await;
    assert_eq!(
        outgoing["legalDocument"]["relations"],
        json!([{ "kind": "REPLACES", "to": { "number": "100/2024/NĐ-CP" } }])
    );

    // Removing relations steps the status back.
    let removed = app
        .data(&admin, REMOVE, json!({ "id": repealed["relation"]["id"] }))
        .await;
    assert_eq!(
        removed["removeDocumentRelation"]["document"]["status"],
        "SUPERSEDED"
    );
    let removed = app.data(&admin, REMOVE, json!({ "id": replace_id })).await;
    assert_eq!(
        removed["removeDocumentRelation"]["document"]["status"],
        "AMENDED"
    );
    assert_eq!(
        removed["removeDocumentRelation"]["document"]["supersededBy"],
        Value::Null
    );
    let removed = app.data(&admin, REMOVE, json!({ "id": amend_id })).await;
    assert_eq!(
        removed["removeDocumentRelation"]["document"]["status"],
        "IN_FORCE"
    );
    let gone = app
        .gql(Some(&admin), REMOVE, json!({ "id": amend_id }))
        .await;
    assert_eq!(error_code(&gone), Some("NOT_FOUND"));

    // Bad relations: to itself, to an unknown document, twice, or closing a cycle.
    let admin_ref = admin.as_str();
    let bad =
        |input: Value| async move { app.gql(Some(admin_ref), ADD, json!({ "i": input })).await };
    let itself = bad(json!({ "fromId": target, "toId": target, "kind": "AMENDS" })).await;
    assert_eq!(error_code(&itself), Some("BAD_USER_INPUT"));
    assert_eq!(itself["errors"][0]["extensions"]["field"], "input.toId");
    let unknown = gid(
        qcdc::graphql::id::NodeType::LegalDocument,
        uuid::Uuid::now_v7(),
    );
    let missing = bad(json!({ "fromId": unknown, "toId": target, "kind": "AMENDS" })).await;
    assert_eq!(error_code(&missing), Some("BAD_USER_INPUT"));
    assert_eq!(missing["errors"][0]["extensions"]["field"], "input.fromId");
    relate(
        app,
        &admin,
        json!({ "fromId": amending, "toId": target, "kind": "DETAILS" }),
    )
    .await;
    relate(
        app,
        &admin,
        json!({ "fromId": replacing, "toId": amending, "kind": "DETAILS" }),
    )
    .await;
    let twice = bad(json!({ "fromId": amending, "toId": target, "kind": "DETAILS" })).await;
    assert_eq!(error_code(&twice), Some("CONFLICT"));
    let cycle = bad(json!({ "fromId": target, "toId": replacing, "kind": "DETAILS" })).await;
    assert_eq!(error_code(&cycle), Some("BAD_USER_INPUT"), "{cycle}");
    assert_eq!(cycle["errors"][0]["extensions"]["field"], "input.toId");
}

const BASIS: &str = r#"query($id: ID!, $through: Boolean!) { legalDocument(id: $id) {
    basisOf(throughDetails: $through) { tasks { id code } plans { number title } reports { id title } } } }"#;

async fn basis_of_follows_detailing_documents_to_tasks_plans_and_reports(app: &TestApp) {
    let steering = app.login("steering").await;
    let reporter = app.login("reporter").await;
    // Seeded: Kết luận 07-KL/TU implements Nghị quyết 09-NQ/TU; task 1 cites both, 1.1 only 07-KL/TU.
    let nq09 = document(app, &steering, "09-NQ/TU").await;
    let kl07 = document(app, &steering, "07-KL/TU").await;

    // District 1 reports progress on task 1.1 of Plan 24-KH/BCĐ.
    let plan = app
        .data(
            &reporter,
            r#"{ plans(filter: { search: "24-KH/BCĐ" }) { edges { node { id
                tasks(first: 100) { edges { node { id code } } } reportSchedules { kind obligations { id unit { code } } } } } } }"#,
            json!({}),
        )
        .await;
    let plan = nodes(&plan, &["plans"])[0].clone();
    let task_1_1 = nodes(&plan, &["tasks"])
        .into_iter()
        .find(|t| t["code"] == "1.1")
        .unwrap()["id"]
        .clone();
    let obligation = plan["reportSchedules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "PRELIMINARY_REVIEW")
        .unwrap()["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["unit"]["code"] == "ST.D01.BCD")
        .unwrap()["id"]
        .clone();
    let report = app
        .data(
            &reporter,
            r#"mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }"#,
            json!({ "i": { "obligationId": obligation } }),
        )
        .await;
    let report_id = report["createReport"]["report"]["id"].clone();
    app.data(
        &reporter,
        r#"mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id } } }"#,
        json!({ "i": { "id": report_id, "version": 1,
                       "progress": [{ "taskId": task_1_1, "progress": 40 }] } }),
    )
    .await;

    // District 2 drafts its own plan with a task citing 09-NQ/TU.
    let manager2 = app
        .user_with("manager2", entity::Role::UnitManager, "ST.D02")
        .await;
    let d2_plan = app
        .data(
            &manager2,
            r#"mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }"#,
            json!({ "i": { "title": "Kế hoạch huyện 2", "issuingUnitId": app.unit_id("ST.D02.BCD").await,
                           "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
        )
        .await;
    let d2_task = app
        .data(
            &manager2,
            r#"mutation($i: AddTaskInput!) { addTask(input: $i) { task { id } } }"#,
            json!({ "i": { "planId": d2_plan["createPlan"]["plan"]["id"], "title": "Quán triệt Nghị quyết 09" } }),
        )
        .await;
    app.data(
        &manager2,
        r#"mutation($i: AddLegalReferenceInput!) { addLegalReference(input: $i) { task { id } } }"#,
        json!({ "i": { "taskId": d2_task["addTask"]["task"]["id"], "documentId": nq09 } }),
    )
    .await;

    // The province sees every task resting on 09-NQ/TU, through 07-KL/TU too.
    let all = app
        .data(&steering, BASIS, json!({ "id": nq09, "through": true }))
        .await;
    let basis = &all["legalDocument"]["basisOf"];
    assert_eq!(codes_of(&basis["tasks"]), ["1", "1", "1.1"]);
    let plans: Vec<&str> = basis["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(plans.len(), 2, "{plans:?}");
    assert!(plans.contains(&"Kế hoạch huyện 2"));
    assert!(
        basis["plans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["number"] == "24-KH/BCĐ")
    );
    assert_eq!(basis["reports"].as_array().unwrap().len(), 1);
    assert_eq!(basis["reports"][0]["id"], report_id);

    // Without following details only direct citations count: task 1.1 and the report drop out.
    let direct = app
        .data(&steering, BASIS, json!({ "id": nq09, "through": false }))
        .await;
    let direct = &direct["legalDocument"]["basisOf"];
    assert_eq!(codes_of(&direct["tasks"]), ["1", "1"]);
    assert_eq!(direct["reports"], json!([]));

    // District 1 does not see district 2's task or plan.
    let d1 = app
        .data(&reporter, BASIS, json!({ "id": nq09, "through": true }))
        .await;
    let d1 = &d1["legalDocument"]["basisOf"];
    assert_eq!(codes_of(&d1["tasks"]), ["1", "1.1"]);
    assert_eq!(d1["plans"].as_array().unwrap().len(), 1);
    assert_eq!(d1["plans"][0]["number"], "24-KH/BCĐ");
    assert_eq!(d1["reports"][0]["id"], report_id);

    // The seeded law rests under its detailing decrees; 07-KL/TU itself only under task 1, 1.1.
    let kl = app
        .data(&steering, BASIS, json!({ "id": kl07, "through": true }))
        .await;
    assert_eq!(
        codes_of(&kl["legalDocument"]["basisOf"]["tasks"]),
        ["1", "1.1"]
    );
}

async fn amendments_list_the_tasks_to_review_by_provision(app: &TestApp) {
    let steering = app.login("steering").await;
    let law = document(app, &steering, "10/2022/QH15").await;

    // A draft plan whose two tasks cite the Law at different articles.
    let plan = app
        .data(
            &steering,
            r#"mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }"#,
            json!({ "i": { "title": "Kế hoạch rà soát", "issuingUnitId": app.unit_id("ST.BCD").await,
                           "periodStart": "2025-01-01", "periodEnd": "2025-12-31" } }),
        )
        .await;
    let plan_id = plan["createPlan"]["plan"]["id"].clone();
    let mut tasks = Vec::new();
    for (title, provision) in [
        ("Rà soát Điều 5", "Điều 5"),
        ("Rà soát Điều 11", "điều  11"),
    ] {
        let t = app
            .data(
                &steering,
                r#"mutation($i: AddTaskInput!) { addTask(input: $i) { task { id } } }"#,
                json!({ "i": { "planId": plan_id, "title": title } }),
            )
            .await;
        let id = t["addTask"]["task"]["id"].clone();
        app.data(
            &steering,
            r#"mutation($i: AddLegalReferenceInput!) { addLegalReference(input: $i) { task { id } } }"#,
            json!({ "i": { "taskId": id, "documentId": law, "provision": provision } }),
        )
        .await;
        tasks.push(id);
    }

    let amending = app
        .data(
            &steering,
            REGISTER,
            json!({ "i": { "number": "25/2025/QH15", "documentType": "LAW", "issuer": "Quốc hội" } }),
        )
        .await;
    let amending = amending["registerLegalDocument"]["legalDocument"]["id"].clone();
    let added = relate(
        app,
        &steering,
        json!({ "fromId": amending, "toId": law, "kind": "AMENDS", "provision": "Điều 11" }),
    )
    .await;
    assert_eq!(added["document"]["status"], "AMENDED");

    let found = app
        .data(
            &steering,
            r#"query($id: ID!) { legalDocument(id: $id) { status amendments {
                relation { kind provision from { number } }
                tasksToReview { task { id } provision provisionAffected citation { document { number } } } } } }"#,
            json!({ "id": law }),
        )
        .await;
    let amendments = found["legalDocument"]["amendments"].as_array().unwrap();
    // The seeded amendment (97/2025/QH15, research) and this one.
    assert_eq!(amendments.len(), 2);
    let amendment = amendments
        .iter()
        .find(|a| a["relation"]["from"]["number"] == "25/2025/QH15")
        .unwrap();
    assert_eq!(
        amendment["relation"],
        json!({ "kind": "AMENDS", "provision": "Điều 11", "from": { "number": "25/2025/QH15" } })
    );
    let reviews = amendment["tasksToReview"].as_array().unwrap();
    let review_of = |task: &Value| {
        reviews
            .iter()
            .find(|r| r["task"]["id"] == *task)
            .unwrap_or_else(|| panic!("review of {task}"))
    };
    assert_eq!(review_of(&tasks[0])["provision"], "Điều 5");
    assert_eq!(review_of(&tasks[0])["provisionAffected"], false);
    assert_eq!(
        review_of(&tasks[1])["provisionAffected"],
        true,
        "folded equal"
    );
    // Seeded citations name no provision, or cite a decree detailing the Law: always to review.
    let others: Vec<&Value> = reviews
        .iter()
        .filter(|r| r["task"]["id"] != tasks[0] && r["task"]["id"] != tasks[1])
        .collect();
    assert!(others.len() >= 9, "{}", others.len());
    assert!(others.iter().all(|r| r["provisionAffected"] == true));
    assert!(
        others
            .iter()
            .any(|r| r["citation"]["document"]["number"] == "59/2023/NĐ-CP")
    );

    // A document nobody amended has nothing to review.
    let untouched = app
        .data(
            &steering,
            r#"query($id: ID!) { legalDocument(id: $id) { amendments { relation { id } } } }"#,
            json!({ "id": amending }),
        )
        .await;
    assert_eq!(untouched["legalDocument"]["amendments"], json!([]));
}

async fn only_steering_and_admin_keep_the_registry(app: &TestApp) {
    let steering = app.login("steering").await;
    let doc = register(app, &steering, "200/2024/NĐ-CP").await;
    let other = register(app, &steering, "201/2024/NĐ-CP").await;
    let relation = relate(
        app,
        &steering,
        json!({ "fromId": other, "toId": doc, "kind": "AMENDS" }),
    )
    .await;
    let relation_id = relation["relation"]["id"].clone();

    let attempts = [
        (
            REGISTER,
            json!({ "i": { "number": "202/2024/NĐ-CP", "documentType": "DECREE", "issuer": "Chính phủ" } }),
        ),
        (
            UPDATE,
            json!({ "id": doc, "v": 2, "i": { "title": "Không được" } }),
        ),
        (
            ADD,
            json!({ "i": { "fromId": doc, "toId": other, "kind": "REPEALS" } }),
        ),
        (REMOVE, json!({ "id": relation_id })),
    ];
    let mut tokens = vec![app.login("reporter").await, app.login("manager").await];
    tokens.push(app.login("viewer").await);
    for token in &tokens {
        for (query, vars) in &attempts {
            let body = app.gql(Some(token), query, vars.clone()).await;
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{query}: {body}");
        }
    }
    for (query, vars) in &attempts {
        let body = app.gql(None, query, vars.clone()).await;
        assert_eq!(
            error_code(&body),
            Some("UNAUTHENTICATED"),
            "{query}: {body}"
        );
    }

    // A district's STEERING registers for its own units only.
    let steering2 = app
        .user_with("steering2", entity::Role::Steering, "ST.D02")
        .await;
    let outside = app
        .gql(
            Some(&steering2),
            REGISTER,
            json!({ "i": { "number": "15/KH-UBND", "documentType": "PLAN", "issuer": "UBND",
                           "issuerUnitId": app.unit_id("ST.D01").await } }),
        )
        .await;
    // A unit it cannot see answers as an unknown one.
    assert_eq!(error_code(&outside), Some("BAD_USER_INPUT"));
    let inside = app
        .data(
            &steering2,
            REGISTER,
            json!({ "i": { "number": "15/KH-UBND", "documentType": "PLAN", "issuer": "UBND",
                           "issuerUnitId": app.unit_id("ST.D02").await, "issuedOn": "2024-03-05" } }),
        )
        .await;
    assert_eq!(
        inside["registerLegalDocument"]["legalDocument"]["numberCanonical"],
        "15/KH-UBND"
    );

    // Nothing the refused callers sent was stored.
    let after = app
        .data(
            &steering,
            r#"query($id: ID!) { legalDocument(id: $id) { status version relatedFrom { id } } }"#,
            json!({ "id": doc }),
        )
        .await;
    assert_eq!(
        after["legalDocument"],
        json!({ "status": "AMENDED", "version": 2, "relatedFrom": [{ "id": relation_id }] })
    );
}

async fn a_relation_dated_ahead_takes_effect_on_its_day(app: &TestApp) {
    let steering = app.login("steering").await;
    let target = register(app, &steering, "200/2024/NĐ-CP").await;
    let amending = register(app, &steering, "201/2024/NĐ-CP").await;
    let ahead = relate(
        app,
        &steering,
        json!({ "fromId": amending, "toId": target, "kind": "AMENDS", "effectiveOn": "2999-01-01" }),
    )
    .await;
    assert_eq!(ahead["document"]["status"], "IN_FORCE", "{ahead:#}");

    let on = r#"query($id: ID!, $d: NaiveDate) { legalDocument(id: $id) { now: status on: status(asOf: $d) } }"#;
    let asked = app
        .data(&steering, on, json!({ "id": target, "d": "2999-01-02" }))
        .await;
    assert_eq!(asked["legalDocument"]["now"], "IN_FORCE");
    assert_eq!(asked["legalDocument"]["on"], "AMENDED", "{asked:#}");
    let before = app
        .data(&steering, on, json!({ "id": target, "d": "2998-12-31" }))
        .await;
    assert_eq!(before["legalDocument"]["on"], "IN_FORCE");

    // The day comes (here: the relation's date is moved into the past, as time would) and the
    // periodic sweep stores the status lists filter on.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entity::document_relation::Entity::update_many()
        .col_expr(
            entity::document_relation::Column::EffectiveOn,
            Expr::value(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
        )
        .filter(entity::document_relation::Column::EffectiveOn.is_not_null())
        .filter(
            entity::document_relation::Column::EffectiveOn
                .gt(chrono::NaiveDate::from_ymd_opt(2998, 1, 1).unwrap()),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let changed = qcdc::domain::legal_registry::refresh_due_statuses(
        &app.db,
        &app.writer(),
        app.clock.today(),
    )
    .await
    .unwrap();
    // The server's own sweep (every second in tests) may have got there first.
    assert!(changed <= 1, "{changed}");
    let amended = app
        .data(
            &steering,
            r#"{ legalDocuments(first: 50, filter: { statuses: [AMENDED] }) { edges { node { number } } } }"#,
            json!({}),
        )
        .await;
    let numbers: Vec<&str> = nodes(&amended, &["legalDocuments"])
        .iter()
        .map(|d| d["number"].as_str().unwrap())
        .collect();
    assert!(numbers.contains(&"200/2024/NĐ-CP"), "{numbers:?}");
    assert_eq!(
        qcdc::domain::legal_registry::refresh_due_statuses(
            &app.db,
            &app.writer(),
            app.clock.today()
        )
        .await
        .unwrap(),
        0,
        "a second sweep has nothing to do"
    );
}
