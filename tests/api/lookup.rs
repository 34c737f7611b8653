//! Search and lookup as people type: every search reads the spellings the document-number
//! parser accepts (en dashes, Unicode slashes), `users(search:)` matches like every other search
//! (words, case, diacritics, `_` and `%` literal), a unit is found by its exact code, and a
//! unit's grants are shown to those who manage them only.

use serde_json::json;

use crate::support::{TestApp, error_code, nodes};

on_both_databases!(
    a_number_typed_with_an_en_dash_is_found,
    users_search_is_diacritic_insensitive_and_literal,
    a_unit_is_found_by_its_exact_code,
    a_units_grants_are_shown_to_its_managers_only,
);

async fn a_number_typed_with_an_en_dash_is_found(app: &TestApp) {
    let token = app.login("viewer").await;
    let docs = "query($q: String!) { legalDocuments(first: 5, filter: { search: $q }) { edges { node { number } } } }";
    for spelling in [
        "11-QĐi/TW",
        "11\u{2013}QĐi/TW",
        "11\u{2014}qđi\u{2215}tw",
        "11 – QĐi/TW",
    ] {
        let data = app.data(&token, docs, json!({ "q": spelling })).await;
        let found: Vec<&str> = nodes(&data, &["legalDocuments"])
            .iter()
            .filter_map(|d| d["number"].as_str())
            .collect();
        assert!(found.contains(&"11-QĐi/TW"), "{spelling}: {found:?}");
    }
    let plans = "query($q: String!) { plans(first: 5, filter: { search: $q }) { edges { node { number } } } }";
    let data = app
        .data(&token, plans, json!({ "q": "24\u{2013}KH/BCĐ" }))
        .await;
    assert!(
        nodes(&data, &["plans"])
            .iter()
            .any(|p| p["number"] == "24-KH/BCĐ"),
        "{data:#}"
    );
}

async fn users_search_is_diacritic_insensitive_and_literal(app: &TestApp) {
    let province = app.unit_uuid("ST").await;
    for (username, name) in [
        ("phong_vien1", "Phóng viên Đài tỉnh"),
        ("phongxvien1", "Biên tập viên"),
    ] {
        qcdc::domain::users::create(
            &app.db,
            username,
            name,
            "a-long-password",
            &[(entity::Role::Viewer, province)],
        )
        .await
        .unwrap();
    }
    let admin = app.login("admin").await;
    let search = |q: &'static str| {
        let admin = admin.clone();
        async move {
            let data = app
                .data(
                    &admin,
                    "query($q: String) { users(search: $q) { username } }",
                    json!({ "q": q }),
                )
                .await;
            let mut names: Vec<String> = data["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(
        search("phong_vien").await,
        ["phong_vien1"],
        "`_` is a plain character"
    );
    // "phongxvien1" holds both words too, in its username.
    assert_eq!(
        search("phong vien").await,
        ["phong_vien1", "phongxvien1"],
        "diacritics ignored"
    );
    assert_eq!(
        search("PHÓNG VIÊN ĐÀI").await,
        ["phong_vien1"],
        "case ignored"
    );
    assert_eq!(search("dai tinh").await, ["phong_vien1"], "đ is d");
    assert!(search("%").await.is_empty(), "`%` is a plain character");
}

async fn a_unit_is_found_by_its_exact_code(app: &TestApp) {
    let token = app.login("manager").await;
    let q = "query($c: String!) { unitByCode(code: $c) { code name } }";
    let data = app.data(&token, q, json!({ "c": "ST.D01" })).await;
    assert_eq!(data["unitByCode"]["code"], "ST.D01");
    let data = app.data(&token, q, json!({ "c": "ST.D0" })).await;
    assert!(data["unitByCode"].is_null(), "exact, not a prefix");
    // Outside the caller's scope it does not exist.
    let data = app.data(&token, q, json!({ "c": "ST.D02" })).await;
    assert!(data["unitByCode"].is_null(), "{data:#}");
    let list = app
        .data(
            &token,
            "{ units(first: 5, filter: { code: \"ST.D01\" }) { edges { node { code } } } }",
            json!({}),
        )
        .await;
    let codes: Vec<&str> = nodes(&list, &["units"])
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(codes, ["ST.D01"]);
    let bad = app.gql(Some(&token), q, json!({ "c": "ST\u{0}" })).await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"));
}

async fn a_units_grants_are_shown_to_its_managers_only(app: &TestApp) {
    let q = r#"{ unitByCode(code: "ST.D01") { grants { role user { username } apiClient { name } } } }"#;
    let admin = app.login("admin").await;
    let data = app.data(&admin, q, json!({})).await;
    let holders: Vec<(&str, &str)> = data["unitByCode"]["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["role"].as_str().unwrap(),
                g["user"]["username"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        holders.contains(&("UNIT_MANAGER", "manager")),
        "{holders:?}"
    );
    assert!(holders.contains(&("REPORTER", "reporter")), "{holders:?}");
    // STEERING manages grants up to its rank within its scope.
    let steering = app.login("steering").await;
    let data = app.data(&steering, q, json!({})).await;
    assert_eq!(
        data["unitByCode"]["grants"].as_array().unwrap().len(),
        holders.len()
    );
    // A district ADMIN sees the district's grants; a district STEERING those up to its rank.
    let d01admin = app
        .user_with("d01admin", entity::Role::Admin, "ST.D01")
        .await;
    let d01steering = app
        .user_with("d01steering", entity::Role::Steering, "ST.D01")
        .await;
    let roles = |data: &serde_json::Value| -> Vec<String> {
        let mut r: Vec<String> = data["unitByCode"]["grants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["role"].as_str().unwrap().to_owned())
            .collect();
        r.sort();
        r
    };
    let by_admin = roles(&app.data(&d01admin, q, json!({})).await);
    assert!(by_admin.contains(&"ADMIN".to_owned()), "{by_admin:?}");
    assert!(by_admin.contains(&"STEERING".to_owned()), "{by_admin:?}");
    let by_steering = roles(&app.data(&d01steering, q, json!({})).await);
    assert!(
        !by_steering.contains(&"ADMIN".to_owned()),
        "outranks it: {by_steering:?}"
    );
    assert!(
        by_steering.contains(&"UNIT_MANAGER".to_owned()),
        "{by_steering:?}"
    );
    // Those who do not manage them see none.
    for who in ["manager", "reporter", "viewer"] {
        let token = app.login(who).await;
        let data = app.data(&token, q, json!({})).await;
        assert_eq!(data["unitByCode"]["grants"], json!([]), "{who}: {data:#}");
    }
}
