//! Vietnamese search: case- and diacritic-insensitive, numbers in their usual spellings.

use serde_json::json;

use crate::support::{TestApp, error_code, nodes};

on_both_databases!(
    documents_are_found_by_number_words_and_issuer,
    bad_arguments_are_bad_user_input
);

async fn numbers_found(app: &TestApp, token: &str, filter: serde_json::Value) -> Vec<String> {
    let data = app
        .data(
            token,
            "query($f: LegalDocumentFilter) { legalDocuments(first: 50, filter: $f) { edges { node { number } } } }",
            json!({ "f": filter }),
        )
        .await;
    nodes(&data, &["legalDocuments"])
        .iter()
        .map(|d| d["number"].as_str().unwrap().to_owned())
        .collect()
}

async fn documents_are_found_by_number_words_and_issuer(app: &TestApp) {
    let token = app.login("reporter").await;
    for query in [
        "59/2023",
        "59/2023/ND-CP",
        "nđ-cp 59",
        "nghi dinh 59",
        "NGHỊ ĐỊNH 59",
    ] {
        let found = numbers_found(app, &token, json!({ "search": query })).await;
        assert!(
            found.contains(&"59/2023/NĐ-CP".to_owned()),
            "{query}: {found:?}"
        );
        assert!(
            !found.contains(&"30-CT/TW".to_owned()),
            "{query}: {found:?}"
        );
    }
    let found = numbers_found(app, &token, json!({ "search": "11-qđi/tw" })).await;
    assert_eq!(found, ["11-QĐi/TW"]);
    let found = numbers_found(app, &token, json!({ "search": "dan chu o co so" })).await;
    assert!(found.len() >= 3, "{found:?}");
    let found = numbers_found(app, &token, json!({ "search": "chuyển đổi số" })).await;
    assert!(found.contains(&"07-NQ/TU".to_owned()), "{found:?}");

    let decrees = numbers_found(app, &token, json!({ "types": ["DECREE"] })).await;
    assert_eq!(decrees.len(), 2, "{decrees:?}");
    let politburo = numbers_found(app, &token, json!({ "issuer": "bo chinh tri" })).await;
    assert!(
        politburo.contains(&"30-CT/TW".to_owned()) && politburo.contains(&"11-QĐi/TW".to_owned())
    );
    assert!(!politburo.contains(&"59/2023/NĐ-CP".to_owned()));
    let of_2023 = numbers_found(app, &token, json!({ "year": 2023 })).await;
    assert!(
        of_2023.contains(&"61/2023/NĐ-CP".to_owned()) && of_2023.contains(&"1460-CV/TU".to_owned())
    );
    assert!(!of_2023.contains(&"30-CT/TW".to_owned()));

    // Units and tasks search the same way.
    let data = app
        .data(
            &token,
            r#"{ units(filter: { search: "soc trang" }) { totalCount }
                 tasks(filter: { search: "TUYEN TRUYEN" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert!(data["units"]["totalCount"].as_u64().unwrap() >= 1);
    assert!(data["tasks"]["totalCount"].as_u64().unwrap() >= 1);

    // LIKE wildcards in a search are literal characters, not patterns.
    let none = numbers_found(app, &token, json!({ "search": "%" })).await;
    assert!(none.is_empty(), "{none:?}");
}

async fn bad_arguments_are_bad_user_input(app: &TestApp) {
    let token = app.login("viewer").await;
    let cases = [
        (r#"{ plan(id: "bm9wZQ") { number } }"#, "id"),
        (r#"{ plans(first: 1000) { totalCount } }"#, "first"),
        (r#"{ plans(first: 1, last: 1) { totalCount } }"#, "last"),
        (r#"{ tasks(after: "garbage!") { totalCount } }"#, "after"),
        (
            r#"{ tasks(filter: { contentArea: 9 }) { totalCount } }"#,
            "filter.contentArea",
        ),
        (
            r#"{ tasks(filter: { dueFrom: "2024-12-01", dueTo: "2024-01-01" }) { totalCount } }"#,
            "filter.dueTo",
        ),
    ];
    for (query, field) in cases {
        let body = app.gql(Some(&token), query, json!({})).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{query}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
    }
    // An id of the wrong type is refused too.
    let unit = app.unit_id("ST").await;
    let body = app
        .gql(
            Some(&token),
            "query($id: ID!) { plan(id: $id) { number } }",
            json!({ "id": unit }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    // Too long a search.
    let long = "a".repeat(201);
    let body = app
        .gql(
            Some(&token),
            "query($s: String) { units(filter: { search: $s }) { totalCount } }",
            json!({ "s": long }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}
