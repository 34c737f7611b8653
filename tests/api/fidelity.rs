//! The reference data against the article, record by record (issue 13, part 7): what the
//! article states reads ARTICLE, what research or the seed adds says so, per field where a
//! record mixes sources; the bodies the article names exist; Law 10/2022/QH15 reads amended
//! from its amendment's date; the 2025 consolidation closes Sóc Trăng's provincial bodies.

use entity::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, nodes};

on_both_databases!(
    assignments_and_sub_tasks_carry_their_own_provenance,
    mixed_records_say_which_fields_are_assumed,
    the_bodies_the_article_names_exist,
    law_10_2022_reads_amended_from_its_amendment,
    the_2025_consolidation_closes_soc_trang_and_opens_the_new_city,
);

const TASKS: &str = r#"{ plans(first: 1) { edges { node { number
    tasks(first: 40) { edges { node {
      code provenance dueOn parent { code } fieldProvenance { field provenance }
      assignments { role provenance fieldProvenance { field provenance } unit { code } }
    } } } } } } }"#;

fn plan_24(data: &Value) -> Value {
    nodes(data, &["plans"])
        .into_iter()
        .find(|p| p["number"] == "24-KH/BCĐ")
        .cloned()
        .expect("plan 24-KH/BCĐ")
}

fn field_map(record: &Value) -> Vec<(String, String)> {
    record["fieldProvenance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["provenance"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn unit_record(app: &TestApp, token: &str, code: &str) -> Value {
    let id = app.unit_id(code).await;
    app.data(
        token,
        "query($id: ID!) { unit(id: $id) { code kind provenance fieldProvenance { field provenance } parent { code } } }",
        json!({ "id": id }),
    )
    .await["unit"]
        .clone()
}

fn pair(field: &str, provenance: &str) -> (String, String) {
    (field.to_owned(), provenance.to_owned())
}

async fn assignments_and_sub_tasks_carry_their_own_provenance(app: &TestApp) {
    let token = app.login("viewer").await;
    let data = app.data(&token, TASKS, json!({})).await;
    let plan = plan_24(&data);
    let all = nodes(&plan, &["tasks"]);
    let contents: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|t| t["parent"].is_null())
        .collect();
    let assignment = |content: &str, unit: &str| -> Value {
        contents.iter().find(|t| t["code"] == content).unwrap()["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["unit"]["code"] == unit)
            .cloned()
            .unwrap_or_else(|| panic!("{unit} on content {content}"))
    };

    // The loader no longer copies the task's ARTICLE onto assignments its note calls assumed.
    let mut article = 0;
    let mut other = 0;
    for content in &contents {
        assert_eq!(content["provenance"], "ARTICLE");
        for a in content["assignments"].as_array().unwrap() {
            if a["provenance"] == "ARTICLE" {
                article += 1;
            } else {
                other += 1;
            }
        }
    }
    assert_eq!((article, other), (8, 32), "{contents:#?}");
    for district in ["ST.D01.BCD", "ST.D11.BCD"] {
        assert_eq!(assignment("5", district)["provenance"], "ASSUMED");
        assert_eq!(assignment("7", district)["provenance"], "ASSUMED");
    }
    assert_eq!(assignment("6", "ST.BCD")["provenance"], "ASSUMED");
    assert_eq!(assignment("3", "ST.MTTQ")["provenance"], "RESEARCH");
    assert_eq!(assignment("3", "ST.HND")["provenance"], "RESEARCH");
    // What the closing paragraph says stays ARTICLE.
    assert_eq!(assignment("7", "ST.TU.BDV")["provenance"], "ARTICLE");
    assert_eq!(assignment("4", "ST.UBND")["provenance"], "ARTICLE");

    // The eleven sub-tasks the article states are ARTICLE; their dates and breakdowns are not.
    let stated = [
        "1.1", "3.1", "3.2", "4.2", "4.3", "4.4", "5.1", "5.2", "6.1", "6.2", "7.3",
    ];
    let children: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|t| !t["parent"].is_null())
        .collect();
    assert_eq!(children.len(), 20);
    for child in &children {
        let code = child["code"].as_str().unwrap();
        if stated.contains(&code) {
            assert_eq!(child["provenance"], "ARTICLE", "{code}");
            let fields = field_map(child);
            assert!(fields.contains(&pair("description", "RESEARCH")), "{code}");
            if child["dueOn"].is_null() {
                assert!(!fields.iter().any(|(f, _)| f == "dueOn"), "{code}");
            } else {
                assert!(fields.contains(&pair("dueOn", "ASSUMED")), "{code}");
            }
        } else {
            assert_eq!(child["provenance"], "ASSUMED", "{code}");
            assert!(field_map(child).is_empty(), "{code}");
        }
    }
    // Who does a stated sub-task is still an assumption, except where the article says it;
    // then the due date copied from the task keeps the task's (assumed) provenance.
    let sub = |code: &str| children.iter().find(|c| c["code"] == code).unwrap();
    for a in sub("1.1")["assignments"].as_array().unwrap() {
        assert_eq!(a["provenance"], "ASSUMED", "{a}");
        assert!(field_map(a).is_empty(), "{a}");
    }
    let report_up = &sub("7.3")["assignments"][0];
    assert_eq!(report_up["unit"]["code"], "ST.TU.BDV");
    assert_eq!(report_up["provenance"], "ARTICLE");
    assert_eq!(field_map(report_up), [pair("dueOn", "ASSUMED")]);
}

async fn mixed_records_say_which_fields_are_assumed(app: &TestApp) {
    let token = app.login("steering").await;
    let data = app
        .data(
            &token,
            r#"{ plans(first: 5) { edges { node { number provenance periodStart periodEnd
                 fieldProvenance { field provenance }
                 recipients { unit { code } provenance deriveBy fieldProvenance { field provenance } } } } } }"#,
            json!({}),
        )
        .await;
    let plan = plan_24(&data);
    assert_eq!(plan["provenance"], "ARTICLE");
    assert_eq!(
        field_map(&plan),
        [pair("periodEnd", "ASSUMED"), pair("periodStart", "ASSUMED")]
    );
    let recipients = plan["recipients"].as_array().unwrap();
    let districts: Vec<&Value> = recipients
        .iter()
        .filter(|r| r["provenance"] == "ARTICLE")
        .collect();
    assert_eq!(districts.len(), 11);
    for r in districts {
        assert!(r["unit"]["code"].as_str().unwrap().starts_with("ST.D"));
        assert_eq!(field_map(r), [pair("deriveBy", "ASSUMED")]);
    }
    for r in recipients.iter().filter(|r| r["provenance"] != "ARTICLE") {
        assert_eq!(r["provenance"], "ASSUMED");
        assert!(field_map(r).is_empty());
    }

    // Units: the five socio-political organisations are research as a whole; the Front is
    // the article's, its provincial name research.
    let unit = |code: &'static str| unit_record(app, &token, code);
    for code in ["ST.LDLD", "ST.HND", "ST.HLHPN", "ST.TD", "ST.HCCB"] {
        let u = unit(code).await;
        assert_eq!(u["provenance"], "RESEARCH", "{u}");
        assert!(field_map(&u).is_empty());
    }
    let front = unit("ST.MTTQ").await;
    assert_eq!(front["provenance"], "ARTICLE");
    assert_eq!(field_map(&front), [pair("name", "RESEARCH")]);
    let district = unit("ST.D05.BCD").await;
    assert_eq!(district["provenance"], "ARTICLE");
    assert_eq!(field_map(&district), [pair("name", "RESEARCH")]);
}

async fn the_bodies_the_article_names_exist(app: &TestApp) {
    let token = app.login("viewer").await;
    let id = app.unit_id("ST.TU.BCSD").await;
    let data = app
        .data(
            &token,
            "query($id: ID!) { unit(id: $id) { name kind provenance parent { code } } }",
            json!({ "id": id }),
        )
        .await;
    let bcsd = &data["unit"];
    assert_eq!(
        bcsd["name"],
        "Ban cán sự đảng Ủy ban nhân dân tỉnh Sóc Trăng"
    );
    assert_eq!(bcsd["kind"], "PARTY_DELEGATION");
    assert_eq!(bcsd["provenance"], "ARTICLE");
    assert_eq!(bcsd["parent"]["code"], "ST.TU");
    // It leads content 2 with the standing body, and follows the Law's propaganda (content 1).
    let tasks = app.data(&token, TASKS, json!({})).await;
    let plan = plan_24(&tasks);
    let mut roles: Vec<(String, String, String)> = Vec::new();
    for task in nodes(&plan, &["tasks"]) {
        for a in task["assignments"].as_array().unwrap() {
            if a["unit"]["code"] == "ST.TU.BCSD" {
                roles.push((
                    task["code"].as_str().unwrap().to_owned(),
                    a["role"].as_str().unwrap().to_owned(),
                    a["provenance"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    for expected in [("1", "COORDINATE", "ARTICLE"), ("2", "LEAD", "ARTICLE")] {
        let expected = (
            expected.0.to_owned(),
            expected.1.to_owned(),
            expected.2.to_owned(),
        );
        assert!(roles.contains(&expected), "{roles:?}");
    }
    for sub in ["2.1", "2.2", "2.3"] {
        assert!(
            roles.contains(&(
                sub.to_owned(),
                "COORDINATE".to_owned(),
                "ASSUMED".to_owned()
            )),
            "{roles:?}"
        );
    }

    // The central committee the standing body reports to: a root of its own, outside the
    // province's tree (the province's viewer does not see it; its own viewer does).
    let central = app.unit_id("TW.BCD").await;
    let query = "query($id: ID!) { unit(id: $id) { name kind provenance parent { code } } }";
    let outside = app.data(&token, query, json!({ "id": central })).await;
    assert!(outside["unit"].is_null(), "{outside:#}");
    let own = app.user_with("tw", Role::Viewer, "TW.BCD").await;
    let seen = app.data(&own, query, json!({ "id": central })).await;
    assert_eq!(
        seen["unit"]["name"],
        "Ban Chỉ đạo Trung ương về thực hiện Quy chế dân chủ ở cơ sở"
    );
    assert_eq!(seen["unit"]["kind"], "STEERING_COMMITTEE");
    assert_eq!(seen["unit"]["provenance"], "ARTICLE");
    assert!(seen["unit"]["parent"].is_null());
}

async fn law_10_2022_reads_amended_from_its_amendment(app: &TestApp) {
    let token = app.login("viewer").await;
    let data = app
        .data(
            &token,
            r#"{ legalDocuments(first: 50) { totalCount edges { node {
                 number provenance status baseStatus
                 before: status(asOf: "2025-06-30") on: status(asOf: "2025-07-01")
                 relatedFrom { kind effectiveOn provenance fieldProvenance { field provenance } from { number } }
               } } } }"#,
            json!({}),
        )
        .await;
    // The 20 documents of the article and the amending law from research.
    assert_eq!(data["legalDocuments"]["totalCount"], 21);
    let docs = nodes(&data, &["legalDocuments"]);
    let law = docs.iter().find(|d| d["number"] == "10/2022/QH15").unwrap();
    assert_eq!(law["baseStatus"], "IN_FORCE");
    assert_eq!(law["before"], "IN_FORCE");
    assert_eq!(law["on"], "AMENDED");
    assert_eq!(law["status"], "AMENDED", "today is after 2025-07-01");
    let relations = law["relatedFrom"].as_array().unwrap();
    let amends = relations
        .iter()
        .find(|r| r["kind"] == "AMENDS")
        .expect("an AMENDS relation");
    assert_eq!(amends["from"]["number"], "97/2025/QH15");
    assert_eq!(amends["effectiveOn"], "2025-07-01");
    assert_eq!(amends["provenance"], "RESEARCH");
    assert_eq!(field_map(amends), [pair("effectiveOn", "ASSUMED")]);
    // Every relation keeps the provenance the seed gives it.
    let details = |number: &str| {
        relations
            .iter()
            .find(|r| r["kind"] == "DETAILS" && r["from"]["number"] == number)
            .unwrap()["provenance"]
            .clone()
    };
    assert_eq!(details("59/2023/NĐ-CP"), "ARTICLE");
    assert_eq!(details("61/2023/NĐ-CP"), "RESEARCH");
    let amending = docs.iter().find(|d| d["number"] == "97/2025/QH15").unwrap();
    assert_eq!(amending["provenance"], "RESEARCH");
}

async fn the_2025_consolidation_closes_soc_trang_and_opens_the_new_city(app: &TestApp) {
    qcdc::seed::seed_scenario(&app.db, "reorg-2025")
        .await
        .unwrap();
    let token = app.login("admin").await;
    let unit = "query($id: ID!) { unit(id: $id) { code validFrom validTo successor { code } } }";
    let read = |code: &'static str| {
        let token = token.clone();
        async move {
            let id = app.unit_id(code).await;
            app.data(&token, unit, json!({ "id": id })).await["unit"].clone()
        }
    };
    // The three predecessors close on the day; the new city opens.
    for (code, successor) in [
        ("ST", "TPCT"),
        ("ST.BCD", "TPCT.BCD"),
        ("ST.TU", "TPCT.TU"),
        ("ST.UBND", "TPCT.UBND"),
        ("ST.HDND", "TPCT.HDND"),
        ("ST.MTTQ", "TPCT.MTTQ"),
    ] {
        let u = read(code).await;
        assert_eq!(u["validTo"], "2025-07-01", "{u}");
        assert_eq!(u["successor"]["code"], successor, "{u}");
    }
    for code in ["ST.TU.BTGDV", "ST.TU.BCSD", "ST.LDLD", "ST.HCCB"] {
        let u = read(code).await;
        assert_eq!(u["validTo"], "2025-07-01", "{u}");
    }
    let city = read("TPCT").await;
    assert_eq!(city["validFrom"], "2025-07-01");
    assert!(city["validTo"].is_null());

    // After the day, nothing of Sóc Trăng's provincial level is open: under the new city sit
    // its own bodies and the merged communes.
    let city_id = app.unit_id("TPCT").await;
    let own = app.user_with("tpct", Role::Viewer, "TPCT").await;
    let under = app
        .data(
            &own,
            "query($p: ID!) { units(asOf: \"2025-07-02\", first: 100, filter: { parent: $p }) {
                 edges { node { code kind } } } }",
            json!({ "p": city_id }),
        )
        .await;
    let codes: Vec<String> = nodes(&under, &["units"])
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_owned())
        .collect();
    for code in [
        "TPCT.BCD",
        "TPCT.TU",
        "TPCT.UBND",
        "TPCT.HDND",
        "TPCT.MTTQ",
        "ST.PHULOI",
    ] {
        assert!(codes.contains(&code.to_owned()), "{code}: {codes:?}");
    }
    for code in &codes {
        let sóc_trăng_body = code.starts_with("ST.") && !code.starts_with("ST.D");
        let commune = ["ST.PHULOI", "ST.MYXUYEN", "ST.TANLONG"].contains(&code.as_str());
        assert!(
            !sóc_trăng_body || commune,
            "{code} is still open: {codes:?}"
        );
    }
    // Before the day, Sóc Trăng's committee stood under the province.
    let before = app
        .data(
            &token,
            "query($id: ID!) { unit(id: $id, asOf: \"2025-06-30\") { code parent { code } } }",
            json!({ "id": app.unit_id("ST.BCD").await }),
        )
        .await;
    assert_eq!(before["unit"]["parent"]["code"], "ST", "{before:#}");
}
