//! Text and list hygiene: NUL and other controls, bidirectional formatting and (in identifiers
//! and titles) zero-width characters are `BAD_USER_INPUT` naming the field, with nothing
//! stored; long texts keep their line breaks; list arguments hold at most 1,000 items; a search
//! carrying NUL is refused, never `INTERNAL`.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::support::{TestApp, error_code, gid};
use qcdc::graphql::id::NodeType;

on_both_databases!(
    invisible_and_control_characters_are_refused_by_field,
    long_texts_keep_line_breaks_but_refuse_controls_and_bidi,
    list_arguments_are_capped,
    a_search_with_nul_is_refused_not_internal,
);

/// Characters no identifier or title may hold, each with what it is.
const IN_A_LINE: [(&str, &str); 14] = [
    ("\u{AD}", "soft hyphen"),
    ("\u{34F}", "combining grapheme joiner"),
    ("\u{3164}", "Hangul filler"),
    ("\u{FE0F}", "variation selector"),
    ("\u{E0020}", "tag space"),
    ("\u{FFF9}", "interlinear annotation anchor"),
    ("\u{0}", "NUL"),
    ("\u{7}", "BEL"),
    ("\u{85}", "C1 next line"),
    ("\u{202E}", "right-to-left override"),
    ("\u{2067}", "right-to-left isolate"),
    ("\u{200F}", "right-to-left mark"),
    ("\u{200B}", "zero-width space"),
    ("\u{FEFF}", "zero-width no-break space"),
];

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
}

async fn expect_refused(app: &TestApp, token: &str, query: &str, vars: Value, expected: &str) {
    let body = app.gql(Some(token), query, vars).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(field(&body), expected, "{body}");
}

async fn count<E: EntityTrait>(app: &TestApp) -> u64
where
    E::Model: Sync,
{
    E::find().count(&app.db).await.unwrap()
}

async fn invisible_and_control_characters_are_refused_by_field(app: &TestApp) {
    let steering = app.login("steering").await;
    let admin = app.login("admin").await;
    let bcd = gid(NodeType::Unit, app.unit_uuid("ST.BCD").await);
    let province = gid(NodeType::Unit, app.unit_uuid("ST").await);
    let (plans, units, users, clients) = (
        count::<entity::plan::Entity>(app).await,
        count::<entity::unit::Entity>(app).await,
        count::<entity::user::Entity>(app).await,
        count::<entity::api_client::Entity>(app).await,
    );
    for (bad, what) in IN_A_LINE {
        eprintln!("{what}");
        // A plan title.
        expect_refused(
            app,
            &steering,
            "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            json!({ "i": { "title": format!("Kế hoạch{bad} 2024"), "issuingUnitId": bcd,
                "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
            "input.title",
        )
        .await;
        // A unit code, created by a reorganisation.
        let body = app
            .gql(
                Some(&steering),
                "mutation($i: ReorganisationInput!) { applyReorganisation(input: $i) {
                    reorganisation { id } } }",
                json!({ "i": { "kind": "MERGE_NEW", "effectiveOn": "2025-01-01",
                    "title": "Hợp nhất",
                    "predecessorIds": [app.unit_id("ST.D10.BCD").await, app.unit_id("ST.D11.BCD").await],
                    "newUnits": [{ "code": format!("ST.{bad}LH"), "name": "Ban liên huyện",
                        "kind": "STEERING_COMMITTEE", "parentId": province }] } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{what}: {body}");
        assert!(
            field(&body).ends_with("code") && field(&body).contains("newUnits"),
            "{what}: {body}"
        );
        // A username.
        expect_refused(
            app,
            &admin,
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
            json!({ "i": { "username": format!("nguyen{bad}vana"), "displayName": "Nguyễn Văn A",
                "password": "một mật khẩu đủ dài" } }),
            "input.username",
        )
        .await;
        // A partner system's name.
        expect_refused(
            app,
            &admin,
            "mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { clientSecret } }",
            json!({ "i": { "name": format!("Cổng{bad} huyện"),
                "grants": [{ "role": "PARTNER", "scopeUnitId": province }] } }),
            "input.name",
        )
        .await;
    }
    // A line is one line: tabs and line breaks are refused too.
    expect_refused(
        app,
        &steering,
        "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
        json!({ "i": { "title": "Kế hoạch\n2024", "issuingUnitId": bcd,
            "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
        "input.title",
    )
    .await;
    assert_eq!(
        count::<entity::plan::Entity>(app).await,
        plans,
        "no plan stored"
    );
    assert_eq!(
        count::<entity::unit::Entity>(app).await,
        units,
        "no unit stored"
    );
    assert_eq!(
        count::<entity::user::Entity>(app).await,
        users,
        "no account stored"
    );
    assert_eq!(
        count::<entity::api_client::Entity>(app).await,
        clients,
        "no client stored"
    );
}

async fn long_texts_keep_line_breaks_but_refuse_controls_and_bidi(app: &TestApp) {
    let reporter = app.login("reporter").await;
    let unit = gid(NodeType::Unit, app.unit_uuid("ST.D01.BCD").await);
    let created = app
        .data(
            &reporter,
            "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }",
            json!({ "i": { "unitId": unit, "title": "Báo cáo đột xuất",
                "periodStart": "2024-01-01", "periodEnd": "2024-03-31" } }),
        )
        .await;
    let report = created["createReport"]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    const UPDATE: &str = "mutation($i: UpdateReportInput!) { updateReport(input: $i) {
        report { version results } } }";
    for bad in ["\u{0}", "\u{1B}[31m", "\u{9B}", "\u{202D}", "\u{2066}"] {
        expect_refused(
            app,
            &reporter,
            UPDATE,
            json!({ "i": { "id": report, "version": 1,
                "results": format!("Kết quả:{bad}\n- 12 hội nghị") } }),
            "input.results",
        )
        .await;
    }
    let kept = app
        .data(
            &reporter,
            UPDATE,
            json!({ "i": { "id": report, "version": 1,
                "results": "Kết quả:\r\n\t- 12 hội nghị\n\t- 3 đối thoại" } }),
        )
        .await;
    assert_eq!(
        kept["updateReport"]["report"]["results"], "Kết quả:\n\t- 12 hội nghị\n\t- 3 đối thoại",
        "line breaks and tabs are text in a section"
    );
}

async fn list_arguments_are_capped(app: &TestApp) {
    let viewer = app.login("viewer").await;
    let huge: Vec<&str> = vec!["DRAFT"; 70_000];
    let body = app
        .gql(
            Some(&viewer),
            "query($s: [ReportStatus!]) { reports(filter: { statuses: $s }) { totalCount } }",
            json!({ "s": huge }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body:.300}");
    assert_eq!(field(&body), "filter.statuses");
    // Written inline, one over the limit.
    let inline = format!(
        "{{ units(filter: {{ kinds: [{}] }}) {{ totalCount }} }}",
        vec!["DISTRICT"; 1_001].join(", ")
    );
    let body = app.gql(Some(&viewer), &inline, json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body:.300}");
    assert_eq!(field(&body), "filter.kinds");
    // At the limit, the list is served.
    let codes: Vec<String> = (0..1_000).map(|n| format!("C{n}")).collect();
    let body = app
        .gql(
            Some(&viewer),
            "query($c: [String!]) { indicators(filter: { codes: $c }) { totalCount } }",
            json!({ "c": codes }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:.300}");
}

async fn a_search_with_nul_is_refused_not_internal(app: &TestApp) {
    let viewer = app.login("viewer").await;
    let admin = app.login("admin").await;
    let cases = [
        (
            &viewer,
            "query($s: String) { units(filter: { search: $s }) { totalCount } }",
            "filter.search",
        ),
        (
            &viewer,
            "query($s: String) { plans(filter: { search: $s }) { totalCount } }",
            "filter.search",
        ),
        (
            &viewer,
            "query($s: String) { legalDocuments(filter: { search: $s }) { totalCount } }",
            "filter.search",
        ),
        (
            &viewer,
            "query($s: String) { reports(filter: { search: $s }) { totalCount } }",
            "filter.search",
        ),
        (
            &admin,
            "query($s: String) { users(search: $s) { id } }",
            "search",
        ),
    ];
    for (token, query, expected) in cases {
        expect_refused(app, token, query, json!({ "s": "dân\u{0}chủ" }), expected).await;
    }
    let login = app
        .gql(
            None,
            "mutation($u: String!) { login(username: $u, password: \"whatever\") { accessToken } }",
            json!({ "u": "admin\u{0}" }),
        )
        .await;
    assert_eq!(error_code(&login), Some("BAD_USER_INPUT"), "{login}");
}

/// No SQL under `api/src/graphql/`: resolvers go through the domain or a loader
/// (`api/src/domain/batch.rs`), so no resolver runs a query per row or forgets a scope. Fails
/// naming the file and line of any sea-orm query API used there.
#[test]
fn graphql_resolvers_do_not_query_the_database() {
    const QUERY_APIS: &[&str] = &[
        "::find()",
        "find_by_id",
        "find_related",
        "update_many",
        "delete_many",
        "insert_many",
        "query_one",
        "query_all",
        "execute_unprepared",
        "Statement::",
        "sea_query",
        "QueryFilter",
        "QuerySelect",
        "QueryOrder",
        "PaginatorTrait",
        "select_only",
        "into_tuple",
        ".one(ctx.db())",
        ".all(ctx.db())",
        ".all(&self.db)",
        ".all(db)",
        ".one(db)",
        ".exec(",
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for api in QUERY_APIS {
                if code.contains(api) {
                    found.push(format!("{}:{}: {api}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "database queries in resolvers:\n{}",
        found.join("\n")
    );
}

/// Cost is measured in one place (`graphql::cost`, over the validated document). The engine's
/// per-field `complexity` attributes would bring back its own measure, which expands every
/// fragment and refuses optional page variables that a request leaves out.
#[test]
fn no_resolver_declares_its_own_complexity() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[graphql(") && line.contains("complexity") {
                found.push(format!("{}:{}", path.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "complexity attributes:\n{}",
        found.join("\n")
    );
}
