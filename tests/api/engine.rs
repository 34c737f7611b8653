//! The GraphQL engine as the specification describes it: response keys in selection order
//! (§7.1.2 "Serialized Map Ordering"), errors that null their parent up to the nearest
//! nullable field (§6.4.4 "Handling Execution Errors"), invalid documents refused before
//! anything runs (§5), and cost counted over the expanded selection.

use serde_json::{Value, json};

use crate::support::{TestApp, error_code, gid};

/// The raw body of one operation, so key order can be read as the client receives it.
async fn raw(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> String {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap().text().await.unwrap()
}

async fn root_fields_come_back_in_selection_order(app: &TestApp) {
    let token = app.login("admin").await;
    // Aliases against the alphabet, so neither sorting nor completion order can pass for it.
    let query = "{ z: me { id } m: units(first: 50) { totalCount edges { node { code } } } a: indicators(first: 50) { totalCount } }";
    for _ in 0..30 {
        let body = raw(app, Some(&token), query, json!({})).await;
        let at = |key: &str| {
            body.find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key} missing in {body}"))
        };
        assert!(at("z") < at("m") && at("m") < at("a"), "{body}");
        // Inside an object too: totalCount before edges, as selected.
        assert!(at("totalCount") < at("edges"), "{body}");
    }
}

async fn a_socket_answers_in_selection_order_too(app: &TestApp) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let token = app.login("admin").await;
    let mut ws = crate::live::open(&app.base, &token).await.expect("socket");
    let query =
        "{ z: me { username displayName } m: units(first: 3) { totalCount } a: __typename }";
    let message = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    ws.send(Message::text(message.to_string())).await.unwrap();
    let text = loop {
        match ws.next().await.expect("an answer").unwrap() {
            Message::Text(text) if text.contains("\"next\"") => break text.to_string(),
            _ => continue,
        }
    };
    let at = |key: &str| {
        text.find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("{key} missing in {text}"))
    };
    assert!(at("z") < at("m") && at("m") < at("a"), "{text}");
    assert!(at("username") < at("displayName"), "{text}");

    // The socket validates as HTTP does: a String! variable in an ID! position runs nothing.
    let invalid = json!({ "id": "2", "type": "subscribe", "payload": {
        "query": "subscription($id: String!) { planActivity(planId: $id) { kind } }",
        "variables": { "id": "x" } } });
    ws.send(Message::text(invalid.to_string())).await.unwrap();
    let refusal = loop {
        let message = crate::live::next_json(&mut ws).await.expect("an answer");
        if message["id"] == "2" {
            break message;
        }
    };
    // graphql-transport-ws: errors before execution are an `error` message.
    assert_eq!(refusal["type"], "error", "{refusal}");
    assert_eq!(
        refusal["payload"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{refusal}"
    );
    assert!(
        refusal["payload"][0]["extensions"]["requestId"].is_string(),
        "{refusal}"
    );
}

async fn a_failing_non_null_field_nulls_its_parent(app: &TestApp) {
    // `me: User!` fails for an anonymous caller; its parent is the root, so `data` is null and
    // the sibling `c` does not survive on its own.
    let body: Value =
        serde_json::from_str(&raw(app, None, "{ c: __typename me { id } }", json!({})).await)
            .unwrap();
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["me"]), "{body}");
}

async fn invalid_documents_are_refused_before_anything_runs(app: &TestApp) {
    let token = app.login("admin").await;
    let unit = gid(
        qcdc::graphql::id::NodeType::Unit,
        app.unit_uuid("ST.BCD").await,
    );
    // The same reads, valid, answer: the refusals below are the validator's, not the data's.
    let valid = app
        .gql(
            Some(&token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": unit }),
        )
        .await;
    assert_eq!(valid["data"]["node"]["id"], json!(unit), "{valid}");
    let cases = [
        // An enum value written as a string (§5.6.1).
        (
            r#"{ units(filter: { kinds: ["DISTRICT"] }) { totalCount } }"#,
            json!({}),
        ),
        // A String! variable where an ID! is expected (§5.8.5).
        (
            "query($id: String!) { node(id: $id) { id } }",
            json!({ "id": unit }),
        ),
        // A nullable variable where an ID! is expected, without a default (§5.8.5).
        (
            "query($id: ID) { node(id: $id) { id } }",
            json!({ "id": unit }),
        ),
    ];
    for (query, variables) in cases {
        let body = app.gql(Some(&token), query, variables).await;
        assert_eq!(
            error_code(&body),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{query}: {body}"
        );
        assert!(
            body.get("data").is_none_or(Value::is_null),
            "{query}: {body}"
        );
        assert!(body["errors"][0]["locations"].is_array(), "{query}: {body}");
    }
}

async fn strings_read_every_escape_of_the_specification(app: &TestApp) {
    let token = app.login("admin").await;
    // §2.9.4: a braced escape and a surrogate pair name the character as `\uXXXX` or the
    // character itself does.
    let mut answers = Vec::new();
    for number in [r"24-KH/BC\u{110}", r"24-KH/BC\u0110", "24-KH/BCĐ"] {
        let query = format!(r#"{{ parseDocumentNumber(input: "{number}") {{ ok canonical }} }}"#);
        let body = app.gql(Some(&token), &query, json!({})).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
        answers.push(body["data"].clone());
    }
    assert_eq!(answers[0], answers[2], "{answers:?}");
    assert_eq!(answers[1], answers[2], "{answers:?}");
    for astral in [r"\u{1F600}", r"\uD83D\uDE00"] {
        let query = format!(r#"{{ parseDocumentNumber(input: "{astral}") {{ ok }} }}"#);
        let body = app.gql(Some(&token), &query, json!({})).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
    }
}

async fn cost_counts_every_spread_of_every_fragment(app: &TestApp) {
    // Under 1 KB: each fragment spreads the previous one twice.
    let mut document = String::from("{ ...F20 }\nfragment F0 on QueryRoot { __typename }\n");
    for i in 1..=20 {
        document.push_str(&format!(
            "fragment F{i} on QueryRoot {{ ...F{} ...F{} }}\n",
            i - 1,
            i - 1
        ));
    }
    assert!(document.len() < 1024);
    let body = app.gql(None, &document, json!({})).await;
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(extensions["cost"], json!(1u64 << 20), "{body}");
    assert_eq!(extensions["maxCost"], json!(10_000), "{body}");
    assert!(extensions["requestId"].is_string(), "{body}");

    // A page's cost follows the page size the variables ask for.
    let token = app.login("admin").await;
    let pages = "query($n: Int) { plans(first: $n) { edges { node { tasks(first: $n) { edges { node { code children { code } } } } } } } }";
    let small = app.gql(Some(&token), pages, json!({ "n": 5 })).await;
    assert!(small.get("errors").is_none(), "{small}");
    let large = app.gql(Some(&token), pages, json!({ "n": 100 })).await;
    assert_eq!(
        error_code(&large),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{large}"
    );
    assert!(
        large["errors"][0]["extensions"]["cost"].as_u64().unwrap() > 10_000,
        "{large}"
    );
    // Optional page variables may be left out: the default page size counts.
    let left_out = app.gql(Some(&token), pages, json!({})).await;
    assert!(left_out.get("errors").is_none(), "{left_out}");
}

/// Sends `query` naming the operation to run.
async fn named(
    app: &TestApp,
    token: &str,
    query: &str,
    operation: &str,
    variables: Value,
) -> Value {
    let body = json!({ "query": query, "operationName": operation, "variables": variables });
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

/// Documents are kept once validated (`graphql::validation`): what depends on the request
/// (variables, the operation chosen, the input guard) must still be judged on every request.
async fn a_document_seen_before_is_judged_again_with_each_requests_variables(app: &TestApp) {
    let token = app.login("admin").await;
    let pages = "query Pages($n: Int) { plans(first: $n) { edges { node { tasks(first: $n) { edges { node { code } } } } } } }";
    for round in 0..3 {
        let small = app.gql(Some(&token), pages, json!({ "n": 5 })).await;
        assert!(small.get("errors").is_none(), "round {round}: {small}");
        let large = app.gql(Some(&token), pages, json!({ "n": 100 })).await;
        assert_eq!(
            error_code(&large),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "round {round}: {large}"
        );
    }
    // A document too long to keep is judged afresh each time, the same way.
    let long = format!("# {}\n{pages}", "đ".repeat(5_000));
    assert!(long.len() > 8 * 1024);
    for round in 0..2 {
        let small = app.gql(Some(&token), &long, json!({ "n": 5 })).await;
        assert!(small.get("errors").is_none(), "round {round}: {small}");
        let large = app.gql(Some(&token), &long, json!({ "n": 100 })).await;
        assert_eq!(
            error_code(&large),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "round {round}: {large}"
        );
    }
    // A variable that does not coerce, then one that does, then the first again.
    let search = "query Search($s: String, $n: Int!) { tasks(first: $n, filter: { search: $s }) { totalCount } }";
    for round in 0..2 {
        let wrong = app
            .gql(Some(&token), search, json!({ "s": "x", "n": "five" }))
            .await;
        assert_eq!(
            error_code(&wrong),
            Some("BAD_USER_INPUT"),
            "round {round}: {wrong}"
        );
        let right = app
            .gql(Some(&token), search, json!({ "s": "x", "n": 5 }))
            .await;
        assert!(right.get("errors").is_none(), "round {round}: {right}");
        // The input guard reads the variables of each request.
        let nul = app
            .gql(Some(&token), search, json!({ "s": "a\u{0}b", "n": 5 }))
            .await;
        assert_eq!(
            error_code(&nul),
            Some("BAD_USER_INPUT"),
            "round {round}: {nul}"
        );
    }
    // An invalid document is refused the same way each time it comes.
    let invalid = r#"{ units(filter: { kinds: ["DISTRICT"] }) { totalCount } }"#;
    let first = app.gql(Some(&token), invalid, json!({})).await;
    let again = app.gql(Some(&token), invalid, json!({})).await;
    assert_eq!(
        error_code(&first),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{first}"
    );
    assert_eq!(first["errors"][0]["message"], again["errors"][0]["message"]);
    assert_eq!(
        first["errors"][0]["locations"],
        again["errors"][0]["locations"]
    );
    // Two operations in one document: each request's own operation is checked.
    let two = "query A($n: Int!) { plans(first: $n) { totalCount } } query B($id: ID!) { node(id: $id) { id } }";
    for round in 0..2 {
        let a = named(app, &token, two, "A", json!({ "n": 2 })).await;
        assert!(a.get("errors").is_none(), "round {round}: {a}");
        let b = named(app, &token, two, "B", json!({})).await;
        assert_eq!(error_code(&b), Some("BAD_USER_INPUT"), "round {round}: {b}");
    }
}

on_both_databases!(
    a_document_seen_before_is_judged_again_with_each_requests_variables,
    root_fields_come_back_in_selection_order,
    a_socket_answers_in_selection_order_too,
    a_failing_non_null_field_nulls_its_parent,
    invalid_documents_are_refused_before_anything_runs,
    cost_counts_every_spread_of_every_fragment,
    strings_read_every_escape_of_the_specification,
);
