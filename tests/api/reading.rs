//! The seeded Plan 24-KH/BCĐ as users see it through the API.

use serde_json::{Value, json};

use crate::support::{TestApp, nodes};

on_both_databases!(
    the_seeded_plan_has_its_seven_contents_and_their_legal_basis,
    documents_carry_number_type_issuer_and_date,
    recipients_show_their_derivation_status,
    units_form_a_tree_in_vietnamese_order,
    reports_and_indicators_are_readable,
    a_task_tree_pages_with_cursors,
);

const PLAN_QUERY: &str = r#"
query {
  plans(first: 5) {
    totalCount
    edges { node {
      id number title issuedOn status motto provenance
      issuingUnit { code name }
      standingUnit { code name }
      tasks(first: 10, filter: { topLevel: true }) {
        totalCount
        edges { node {
          code title description contentArea provenance parent { code }
          legalReferences { note document { number } }
          assignments { role unit { code } }
          children { code title provenance parent { code } }
        } }
      }
    } }
  }
}"#;

fn seeded_plan(data: &Value) -> &Value {
    nodes(data, &["plans"])
        .into_iter()
        .find(|p| p["number"] == "24-KH/BCĐ")
        .expect("plan 24-KH/BCĐ")
}

async fn the_seeded_plan_has_its_seven_contents_and_their_legal_basis(app: &TestApp) {
    let token = app.login("reporter").await;
    let data = app.data(&token, PLAN_QUERY, json!({})).await;
    let plan = seeded_plan(&data);
    assert_eq!(plan["issuedOn"], "2024-03-01");
    assert_eq!(plan["status"], "ISSUED");
    assert_eq!(plan["issuingUnit"]["code"], "ST.BCD");
    assert_eq!(plan["standingUnit"]["code"], "ST.TU.BDV");
    assert!(plan["motto"].as_str().unwrap().contains("dân thụ hưởng"));
    assert!(unicode_normalization::is_nfc(
        plan["title"].as_str().unwrap()
    ));

    let contents = nodes(plan, &["tasks"]);
    let codes: Vec<&str> = contents
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["1", "2", "3", "4", "5", "6", "7"]);
    for (i, task) in contents.iter().enumerate() {
        assert_eq!(task["contentArea"], json!(i + 1));
        assert_eq!(
            task["provenance"],
            "ARTICLE",
            "content {} comes from the article",
            i + 1
        );
        assert!(task["parent"].is_null());
        for child in task["children"].as_array().unwrap() {
            assert_eq!(child["parent"]["code"], task["code"]);
            // Sub-tasks the article states are its own; the rest are proposals, marked as
            // assumed (per task: `fidelity.rs`).
            assert!(
                ["ARTICLE", "ASSUMED"].contains(&child["provenance"].as_str().unwrap()),
                "{child}"
            );
        }
        let leads = task["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["role"] == "LEAD")
            .count();
        assert!(leads <= 1, "content {} has {leads} lead units", i + 1);
    }
    assert!(
        contents[0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Tăng cường công tác tuyên truyền")
    );
    assert!(
        contents[6]["description"]
            .as_str()
            .unwrap()
            .contains("sơ kết, tổng kết")
    );

    let cited = |task: &Value| -> Vec<String> {
        task["legalReferences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["document"]["number"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = cited(contents[0]);
    for number in [
        "30-CT/TW",
        "120-KL/TW",
        "59/2023/NĐ-CP",
        "61/2023/NĐ-CP",
        "07-KL/TU",
    ] {
        assert!(
            first.contains(&number.to_owned()),
            "content 1 cites {number}: {first:?}"
        );
    }
    assert!(cited(contents[2]).contains(&"11-QĐi/TW".to_owned()));
    assert!(cited(contents[3]).contains(&"33/CT-TTg".to_owned()));
}

async fn documents_carry_number_type_issuer_and_date(app: &TestApp) {
    let token = app.login("viewer").await;
    let data = app
        .data(
            &token,
            r#"{ legalDocuments(first: 50) { totalCount edges { node {
                 number numberCanonical family documentType issuer issuedOn title provenance parseWarnings
                 legislatureTerm typeCode issuerCodes
                 citingTasks { code }
               } } } }"#,
            json!({}),
        )
        .await;
    // The article's 20 documents and the law that amended the Law on grassroots democracy.
    assert_eq!(data["legalDocuments"]["totalCount"], 21);
    let docs = nodes(&data, &["legalDocuments"]);
    let by_number = |n: &str| -> &Value {
        docs.iter()
            .find(|d| d["number"] == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    let ct30 = by_number("30-CT/TW");
    assert_eq!(ct30["documentType"], "DIRECTIVE");
    assert_eq!(ct30["issuer"], "Bộ Chính trị");
    assert_eq!(ct30["issuedOn"], "1998-02-18");
    assert_eq!(ct30["family"], "PARTY");
    assert_eq!(ct30["provenance"], "ARTICLE");
    assert!(
        ct30["citingTasks"]
            .as_array()
            .unwrap()
            .contains(&json!({ "code": "1" }))
    );

    let nd59 = by_number("59/2023/NĐ-CP");
    assert_eq!(nd59["documentType"], "DECREE");
    assert_eq!(nd59["issuedOn"], "2023-08-14");
    assert_eq!(nd59["family"], "STATE_NORMATIVE");

    // The article writes a State plan with Party punctuation; it is kept as written and flagged.
    let kh143 = by_number("143-KH/UBND");
    assert_eq!(kh143["numberCanonical"], "143/KH-UBND");
    assert!(
        kh143["parseWarnings"]
            .as_array()
            .unwrap()
            .contains(&json!("NONCANONICAL_PARTY_PUNCTUATION_FOR_STATE_ISSUER"))
    );

    // What the article does not give stays empty, and the record says where it came from.
    let nq09 = by_number("09-NQ/TU");
    assert!(nq09["issuedOn"].is_null());
    let law = by_number("10/2022/QH15");
    assert_eq!(law["provenance"], "RESEARCH");
    assert_eq!(law["legislatureTerm"], 15);
    assert_eq!(nd59["legislatureTerm"], Value::Null);
    assert_eq!(nd59["typeCode"], "NĐ");
    assert_eq!(nd59["issuerCodes"], json!(["CP"]));

    // Newest first, undated last.
    let dates: Vec<&str> = docs.iter().filter_map(|d| d["issuedOn"].as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    let first_undated = docs.iter().position(|d| d["issuedOn"].is_null()).unwrap();
    assert!(
        docs[first_undated..]
            .iter()
            .all(|d| d["issuedOn"].is_null())
    );
}

async fn recipients_show_their_derivation_status(app: &TestApp) {
    let token = app.login("steering").await;
    let data = app
        .data(
            &token,
            "{ plans(first: 5) { edges { node { number recipients { unit { code } deriveBy derivationStatus provenance derivedPlan { id } } } } } }",
            json!({}),
        )
        .await;
    let plan = seeded_plan(&data);
    let recipients = plan["recipients"].as_array().unwrap();
    let districts: Vec<&str> = recipients
        .iter()
        .filter_map(|r| r["unit"]["code"].as_str())
        .filter(|c| c.ends_with(".BCD") && c.starts_with("ST.D"))
        .collect();
    assert_eq!(districts.len(), 11);
    for r in recipients {
        assert_eq!(r["deriveBy"], "2024-03-31");
        // Nothing was derived, and the due date is long past.
        assert!(r["derivedPlan"].is_null());
        assert_eq!(r["derivationStatus"], "OVERDUE");
    }
}

async fn units_form_a_tree_in_vietnamese_order(app: &TestApp) {
    let token = app.login("viewer").await;
    let province = app.unit_id("ST").await;
    let data = app
        .data(
            &token,
            r#"query($p: ID!) {
                 unit(id: $p) { code name kind parent { code }
                   children(first: 100) { totalCount edges { node { code name kind } } } }
                 units(first: 100, filter: { kinds: [DISTRICT] }) { totalCount edges { node { name parent { code } ancestors { code } } } }
               }"#,
            json!({ "p": province }),
        )
        .await;
    assert_eq!(data["unit"]["kind"], "PROVINCE");
    assert!(data["unit"]["parent"].is_null());
    assert_eq!(data["units"]["totalCount"], 11);
    let names: Vec<&str> = nodes(&data, &["units"])
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    // Vietnamese order: "Huyện …" before "Thành phố …" before "Thị xã …", and within the
    // districts Châu Thành < Cù Lao Dung < Kế Sách < Long Phú < Mỹ Tú < Mỹ Xuyên < Thạnh Trị < Trần Đề.
    let expected = [
        "Huyện Châu Thành",
        "Huyện Cù Lao Dung",
        "Huyện Kế Sách",
        "Huyện Long Phú",
        "Huyện Mỹ Tú",
        "Huyện Mỹ Xuyên",
        "Huyện Thạnh Trị",
        "Huyện Trần Đề",
        "Thành phố Sóc Trăng",
        "Thị xã Ngã Năm",
        "Thị xã Vĩnh Châu",
    ];
    assert_eq!(names, expected);
    for u in nodes(&data, &["units"]) {
        assert_eq!(u["parent"]["code"], "ST");
        assert_eq!(u["ancestors"], json!([{ "code": "ST" }]));
    }
    let children = nodes(&data, &["unit", "children"]);
    assert!(children.iter().any(|c| c["code"] == "ST.BCD"));
    assert_eq!(
        data["unit"]["children"]["totalCount"].as_u64().unwrap() as usize,
        children.len()
    );
}

async fn reports_and_indicators_are_readable(app: &TestApp) {
    let token = app.login("steering").await;
    let data = app
        .data(
            &token,
            r#"{ indicators(first: 100) { totalCount edges { node { code name measure aggregation numeratorCode denominatorCode } } }
                 reports { totalCount } }"#,
            json!({}),
        )
        .await;
    assert!(data["indicators"]["totalCount"].as_u64().unwrap() >= 20);
    for i in nodes(&data, &["indicators"]) {
        if i["aggregation"] == "RATIO" {
            assert!(
                i["numeratorCode"].is_string() && i["denominatorCode"].is_string(),
                "{i}"
            );
            assert_eq!(i["measure"], "PERCENT");
        }
    }
    // The seed holds no reports: those come from units.
    assert_eq!(data["reports"]["totalCount"], 0);
}

async fn a_task_tree_pages_with_cursors(app: &TestApp) {
    let token = app.login("steering").await;
    let q = r#"query($after: String, $before: String, $first: Int, $last: Int) {
        tasks(first: $first, after: $after, last: $last, before: $before) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { code } } } }"#;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .data(&token, q, json!({ "first": 4, "after": after }))
            .await;
        let page = &data["tasks"];
        seen.extend(
            nodes(&data, &["tasks"])
                .iter()
                .map(|t| t["code"].as_str().unwrap().to_owned()),
        );
        if page["pageInfo"]["hasNextPage"] == false {
            assert_eq!(page["totalCount"].as_u64().unwrap() as usize, seen.len());
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    // Tree order: every parent precedes its children, contents in order.
    let position = |c: &str| seen.iter().position(|s| s == c).unwrap();
    assert!(position("1") < position("1.1") && position("1.1") < position("2"));
    assert!(position("7") < position("7.1"));

    // Paging backwards from the end returns the same last items.
    let data = app.data(&token, q, json!({ "last": 3 })).await;
    let tail: Vec<String> = nodes(&data, &["tasks"])
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tail, seen[seen.len() - 3..]);
    assert_eq!(data["tasks"]["pageInfo"]["hasPreviousPage"], true);
}
